//! An escalation group and its identities in words: the explanation of a group, and the finding of one of
//! its identities at its vault (what Enter jumps to and the explanation shows).

use super::GroupMember;
use crate::display::{cover_words, describe_scope, self_grant};
use crate::eval::{Engine, PrincipalRef};
use crate::model::Scope;
use crate::query::Finding;
use crate::query::grouped::escalations::EscalationGroup;
use crate::sanitize::clean;
use crate::tui::explain::{Doc, Tone};
use crate::tui::theme::{ESCALATION_SYMBOL, decision_symbol};

/// The finding of `m`, an identity of group `g`, at the first of the group's vaults it has it at.
pub fn finding_of(engine: &Engine, g: &EscalationGroup, m: &GroupMember) -> Option<Finding> {
    let vault = Scope::parse(&m.first_vault)
        .ok()
        .and_then(|s| engine.vault_of(&s))?;
    let me = std::collections::BTreeSet::from([m.principal.id.to_ascii_lowercase()]);
    crate::query::escalations_for_vault_among(engine, vault, &me)
        .into_iter()
        .find(|f| g.has(f))
}

/// A group explained: who holds the lever grant, what it lets its identities do where, through what, and
/// what they stand to gain.
pub fn group_doc(engine: &Engine, g: &EscalationGroup) -> Doc {
    let covers = cover_words(engine, g.vaults, &g.covers);
    let holder = g.holder.as_ref().map_or_else(
        || "(no grant known)".to_string(),
        |h| clean(&h.display_name).into_owned(),
    );
    let mut doc = Doc::new(format!("{holder} · can grant itself · {covers}"));
    // The group's finding as its holder would have it: the words every view uses for a path.
    let words = self_grant(engine, &as_finding(g));
    let who = match &g.holder {
        Some(h) if h.kind == crate::model::PrincipalKind::Group => {
            format!("the members of {holder}")
        }
        _ => holder.clone(),
    };
    doc.line(vec![
        (Tone::Escalation, format!("{ESCALATION_SYMBOL} ESCALATION")),
        (
            Tone::Plain,
            format!("  {who}: {} on {covers}.", words.claim),
        ),
    ]);
    doc.styled(
        Tone::Decision(g.decision),
        format!("{} {}", decision_symbol(g.decision), words.how),
    );
    if let Some(c) = &g.condition {
        doc.styled(
            Tone::Decision(crate::eval::Decision::Conditional),
            format!("  only if: {}", clean(c)),
        );
    }
    for r in g.unknown_because.iter().filter(|_| !g.grant.is_empty()) {
        doc.styled(
            Tone::Decision(crate::eval::Decision::Unknown),
            format!("  ? {}", clean(&r.to_string())),
        );
    }
    let (min, max) = g.identities_per_vault;
    let per_vault = if min == max {
        format!("{max}")
    } else {
        format!("{min} to {max}")
    };
    let each = if g.vaults > 1 { " at each vault" } else { "" };
    doc.text(format!(
        "{per_vault} identities{each}; {} (identity, vault) findings in all.",
        g.findings
    ));
    let vary = if g.gains_vary {
        " (some already hold part of it)"
    } else {
        ""
    };
    doc.heading(&format!(
        "What they stand to gain ({} data operations){vary}",
        g.gains.len()
    ));
    doc.text(format!("  {}", clean(&g.gains.join(", "))));
    if let Some(s) = &g.grant_scope {
        doc.text(format!("Granted at {}.", describe_scope(engine, s)));
    }
    if !g.grant.is_empty() {
        doc.styled(Tone::Id, format!("  {}", clean(&g.grant)));
    }
    doc.styled(
        Tone::Dim,
        "Enter lists its identities; Enter on one jumps to it and its vault.",
    );
    doc
}

/// A group's finding as its holder would have it, at the first vault it covers.
fn as_finding(g: &EscalationGroup) -> Finding {
    let principal = g.holder.as_ref().map_or_else(
        || PrincipalRef {
            id: String::new(),
            display_name: "(no grant known)".into(),
            kind: crate::model::PrincipalKind::Unknown,
        },
        |h| PrincipalRef {
            id: h.id.clone(),
            display_name: h.display_name.clone(),
            kind: h.kind,
        },
    );
    Finding {
        principal,
        vault_id: g
            .covers
            .first()
            .map(|c| c.scope.to_string())
            .unwrap_or_default(),
        technique: g.technique,
        grant: g.grant.clone(),
        role_name: g.role_name.clone(),
        holder: g.holder.as_ref().map(|h| h.id.clone()),
        grant_scope: g.grant_scope.clone(),
        decision: g.decision,
        condition: g.condition.clone(),
        lacks: g.gains.to_vec(),
        unknown_because: g.unknown_because.clone(),
        disputed: g.disputed,
    }
}
