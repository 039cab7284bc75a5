//! A who-can group in words: the line the view shows for it and the explanation when it is selected.

use crate::display::app_name;
use crate::eval::Engine;
use crate::query::grouped::who_can::{Decides, WhoCanGroup};
use crate::sanitize::clean;
use crate::tui::explain::{Doc, describe_scope};

/// The explanation of a selected group: what decides it and for how many.
pub fn group_doc(engine: &Engine, g: &WhoCanGroup) -> Doc {
    let mut d = Doc::new(describe(engine, g));
    d.text(format!(
        "{} identities: {} (Enter lists them)",
        g.identities,
        g.decision.as_str()
    ));
    if let Some(c) = &g.condition {
        d.text(format!("if: {}", clean(c)));
    }
    for deny in &g.denies {
        d.text(format!("unless deny assignment {deny} applies"));
    }
    for r in &g.unknown_because {
        d.text(format!("unknown: {}", clean(&r.to_string())));
    }
    if g.disputed {
        d.text("disputed: Microsoft's articles disagree on this path (D hides it)");
    }
    d
}

/// A group as a row `width` cells wide shows it: in full when it fits; else the holder and the grant in a
/// few words (the role, "access policy", the technique's short form), the holder's name shortened first
/// so that the grant stays whole. The selected group is in full in the explanation.
pub fn in_row(engine: &Engine, g: &WhoCanGroup, width: usize) -> String {
    let full = describe(engine, g);
    if full.chars().count() <= width {
        return full;
    }
    let grant = match g.decides {
        Decides::RoleAssignment | Decides::Eligibility => {
            clean(g.role_name.as_deref().unwrap_or("role?")).into_owned()
        }
        Decides::AccessPolicy => "access policy".to_string(),
        Decides::ItemAssignment => match g.role_name.as_deref() {
            Some(role) => format!("{} on an item", clean(role)),
            None => "on an item".to_string(),
        },
        Decides::Deny => format!(
            "deny '{}'",
            clean(g.role_name.as_deref().unwrap_or_default())
        ),
        Decides::SelfGrant => {
            let short = g.technique.map_or("", |t| t.short());
            if g.decision == crate::eval::Decision::Unknown {
                format!("unknown: {short}")
            } else {
                short.to_string()
            }
        }
        Decides::Nothing => "unknown".to_string(),
    };
    // A compound identity's grant holds only through its application: that stays said.
    let grant = if g.via_app.is_some() {
        format!("{grant} via app")
    } else {
        grant
    };
    let Some(h) = &g.holder else {
        return grant;
    };
    let room = width.saturating_sub(grant.chars().count() + 2);
    if room < 4 {
        return grant;
    }
    let name = clean(&h.display_name);
    let name = if name.chars().count() > room {
        crate::tui::pane::fit(&name, room)
    } else {
        name.into_owned()
    };
    format!("{name}: {grant}")
}

/// A group in words: the holder, then the grant and where it is made.
pub fn describe(engine: &Engine, g: &WhoCanGroup) -> String {
    let holder = g.holder.as_ref().map(|h| {
        if h.identities > 1 {
            format!("{} ({} identities)", clean(&h.display_name), h.identities)
        } else {
            clean(&h.display_name).into_owned()
        }
    });
    let at = g
        .grant_scope
        .as_deref()
        .map(|s| format!(" @ {}", describe_scope(engine, s)))
        .unwrap_or_default();
    let role = clean(g.role_name.as_deref().unwrap_or("role?")).into_owned();
    let what = match g.decides {
        Decides::RoleAssignment | Decides::Eligibility => format!("{role}{at}"),
        Decides::AccessPolicy => "access policy".to_string(),
        Decides::ItemAssignment if g.holder.is_some() => format!("{role}{at}"),
        Decides::ItemAssignment => format!("on item {}", describe_scope(engine, &g.grant)),
        Decides::Deny => format!("deny '{role}'{at}"),
        Decides::SelfGrant => {
            let claim = g
                .technique
                .map(|t| crate::display::self_grant_claim(t, g.decision))
                .unwrap_or_default();
            match (g.role_name.as_deref(), g.technique) {
                (Some(r), _) => format!("{claim} — {}{at}", clean(r)),
                (None, Some(t)) if g.grant.is_empty() => format!(
                    "{claim} — {}",
                    crate::display::self_grant_without_grant(t, &g.unknown_because)
                ),
                (None, _) => claim,
            }
        }
        Decides::Nothing => g
            .unknown_because
            .first()
            .map_or_else(|| "no grant shown".to_string(), |r| format!("unknown: {r}")),
    };
    let app = g
        .via_app
        .as_deref()
        .map(|a| format!(" through app {}", app_name(engine, a)))
        .unwrap_or_default();
    match holder {
        Some(h) => format!("{h}: {what}{app}"),
        None => format!("{what}{app}"),
    }
}
