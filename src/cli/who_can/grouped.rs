//! `kvaccess who-can --grouped` / `--expand`: the answer by deciding grant, in text.

use std::io::Write;

use anyhow::Result;

use crate::cli::output;
use crate::eval::Engine;
use crate::query::grouped::who_can::{Decides, WhoCanGroup, WhoCanGroups};
use crate::sanitize::clean;

pub fn text(engine: &Engine, w: &WhoCanGroups) -> Result<()> {
    let mut o = output::out();
    writeln!(
        o,
        "{} at {}",
        output::paint(output::bold(), &clean(&w.operation)),
        clean(&w.scope)
    )?;
    for r in &w.unknown_because {
        writeln!(o, "  unknown: {}", clean(&r.to_string()))?;
    }
    if let Some(n) = &w.network {
        writeln!(o, "  network (from the location given): {}", clean(n))?;
    }
    writeln!(
        o,
        "  {} {} (allowed, conditional or unknown), by the grant that decides",
        w.identities,
        if w.identities == 1 {
            "identity"
        } else {
            "identities"
        }
    )?;
    section(&mut o, engine, &w.groups)?;
    for (title, list) in [
        (
            "stopped by a deny assignment (a grant would let them):",
            &w.denied,
        ),
        ("on some items only (grants at the items):", &w.on_items),
        (
            "eligible (PIM: could after activating, not allowed now):",
            &w.eligible,
        ),
        ("can grant it to themselves:", &w.can_grant_themselves),
    ] {
        if !list.is_empty() {
            writeln!(o, "\n{title}")?;
            section(&mut o, engine, list)?;
        }
    }
    Ok(())
}

fn section(o: &mut impl Write, engine: &Engine, groups: &[WhoCanGroup]) -> Result<()> {
    for g in groups {
        let decision = format!("{:<11}", g.decision.as_str());
        writeln!(
            o,
            "  {} {:>7}  {}",
            output::paint(output::decision_style(g.decision), &decision),
            g.identities,
            describe(engine, g)
        )?;
        if let Some(c) = &g.condition {
            writeln!(o, "        if: {}", clean(c))?;
        }
        for d in &g.denies {
            writeln!(
                o,
                "        unless deny assignment {} applies",
                output::short_scope(d)
            )?;
        }
        for r in &g.unknown_because {
            writeln!(o, "        unknown: {}", clean(&r.to_string()))?;
        }
        for m in g.members.iter().flatten() {
            let via = if m.via_groups.is_empty() {
                String::new()
            } else {
                let names: Vec<String> = m
                    .via_groups
                    .iter()
                    .map(|id| output::name_of(engine, id))
                    .collect();
                format!("  via {}", names.join(" → "))
            };
            writeln!(
                o,
                "        {}  {}{via}",
                clean(&m.display_name),
                m.kind.as_str()
            )?;
        }
    }
    Ok(())
}

/// `through group Security team (2 identities): role 'Key Vault Administrator' at vault kv-app-rbac (assignment 4444…5)`
fn describe(engine: &Engine, g: &WhoCanGroup) -> String {
    let holder = g
        .holder
        .as_ref()
        .map(|h| {
            let n = if h.identities == 1 {
                String::new()
            } else {
                format!(", {} identities", h.identities)
            };
            format!(
                "through {} ({}{n}): ",
                clean(&h.display_name),
                h.kind.as_str()
            )
        })
        .unwrap_or_default();
    let role = g
        .role_name
        .as_deref()
        .filter(|_| g.decides != Decides::Deny)
        .map(|r| format!("role '{}' ", clean(r)))
        .unwrap_or_default();
    let at = g
        .grant_scope
        .as_deref()
        .map(|s| format!("at {} ", output::describe_scope(engine, s)))
        .unwrap_or_default();
    let app = g
        .via_app
        .as_deref()
        .map(|a| format!(" through app {}", output::app_name(engine, a)))
        .unwrap_or_default();
    let what = match g.decides {
        Decides::RoleAssignment => {
            format!("{role}{at}(assignment {})", output::short_scope(&g.grant))
        }
        Decides::AccessPolicy => format!("access-policy entry {}", clean(&g.grant)),
        Decides::Eligibility => {
            format!("{role}{at}(eligibility {})", output::short_scope(&g.grant))
        }
        Decides::ItemAssignment if g.holder.is_some() => {
            format!("{role}{at}(assignment {})", output::short_scope(&g.grant))
        }
        Decides::ItemAssignment => format!("on item {}", clean(&g.grant)),
        // The same words as `check` and `escalations` (display::self_grant).
        Decides::SelfGrant => match g.technique {
            Some(t) if g.grant.is_empty() => format!(
                "{} — {}",
                crate::display::self_grant_claim(t, g.decision),
                crate::display::self_grant_without_grant(t, &g.unknown_because)
            ),
            Some(t) => format!(
                "{} — {role}{at}({})",
                crate::display::self_grant_claim(t, g.decision),
                clean(&g.grant)
            ),
            None => format!("{role}{at}({})", clean(&g.grant)),
        },
        Decides::Deny => format!(
            "deny assignment '{}' {at}({})",
            clean(g.role_name.as_deref().unwrap_or_default()),
            output::short_scope(&g.grant)
        ),
        Decides::Nothing => "no grant shown".to_string(),
    };
    format!("{holder}{what}{app}")
}
