//! Why one principal may or may not perform one operation at one scope: the decision path in words.

use super::{Doc, Tone, chain_words, describe_scope, lesson, name_of, short_id};
use crate::activity::LastUsed;
use crate::catalog::Plane;
use crate::display::self_grant;
use crate::eval::{Decision, Deny, Engine, Grant, GrantKind, PermissionModel, Verdict};
use crate::model::Scope;
use crate::query::Finding;
use crate::sanitize::clean;
use crate::tui::theme::{ESCALATION_SYMBOL, decision_symbol};

/// The explanation of a verdict, decisive lines first: the verdict, which gate decided it, the evidence
/// (grants, blocks, missing data, every self-grant path), and only then the general lesson.
/// `self_grants` are the ways the principal could grant itself the operation; `from_key` names the key
/// that sets a caller location (for the network hint); with `last_used` (audit logs loaded), each grant
/// says beside it when a logged call last needed it.
pub fn cell(
    engine: &Engine,
    v: &Verdict,
    self_grants: &[Finding],
    from_key: &str,
    last_used: Option<&LastUsed>,
) -> Doc {
    let who = clean(&v.principal.display_name).into_owned();
    let op = clean(&v.operation).into_owned();
    let at = describe_scope(engine, &v.scope);
    let mut doc = Doc::new(format!("{who} · {op} · {at}"));
    verdict_line(&mut doc, v, &who, &op, &at);
    decided_by(&mut doc, engine, v);
    // The path to lead with: one Microsoft's articles agree on, when there is one.
    let lead = self_grants
        .iter()
        .find(|f| !f.technique.disputed())
        .or(self_grants.first());
    if let Some(first) = lead {
        let more = match self_grants.len() {
            1 => String::new(),
            n => format!(" ({n} paths below)"),
        };
        let claim = self_grant(engine, first).claim;
        let claim = match claim.strip_prefix("disputed: ") {
            Some(rest) => format!("{rest} (disputed)"),
            None => claim,
        };
        doc.styled(
            Tone::Escalation,
            format!("{ESCALATION_SYMBOL} but {who} {claim}{more}"),
        );
    }
    grants(&mut doc, engine, v, &who, last_used);
    blocks(&mut doc, engine, v, &who);
    network(&mut doc, v);
    if !v.unknown_because.is_empty() {
        doc.heading("Why the answer is unknown");
        doc.text("kvaccess answers \"unknown\" instead of guessing: this answer depends on data the snapshot lacks.");
        for r in &v.unknown_because {
            doc.styled(
                Tone::Decision(Decision::Unknown),
                format!("  ? {}", clean(&r.to_string())),
            );
        }
    }
    self_grant_paths(&mut doc, engine, &who, self_grants);
    if !v.eligible.is_empty() {
        doc.heading("Eligible, not active (PIM)");
        doc.text("A Privileged Identity Management eligibility grants nothing until it is activated; once activated it becomes an ordinary role assignment for a limited time.");
        for g in &v.eligible {
            doc.text(format!(
                "  • role '{}' at {}",
                clean(g.role_name.as_deref().unwrap_or("unknown role")),
                describe_scope(engine, &g.scope)
            ));
        }
    }
    if !v.notes.is_empty() {
        doc.heading("Also worth knowing");
        for n in &v.notes {
            doc.text(format!("  • {}", clean(&n.to_string())));
        }
    }
    lesson::append(&mut doc, engine, v, &op, from_key);
    doc
}

fn verdict_line(doc: &mut Doc, v: &Verdict, who: &str, op: &str, at: &str) {
    let d = v.decision;
    let sentence = match d {
        Decision::Allowed => format!("{who} can {op} on {at}."),
        Decision::Denied => format!("{who} cannot {op} on {at}."),
        Decision::Conditional => {
            format!("{who} can {op} on {at}, but only when a condition holds.")
        }
        Decision::Unknown => format!("The snapshot cannot tell whether {who} can {op} on {at}."),
    };
    doc.line(vec![
        (
            Tone::Decision(d),
            format!("{} {}", decision_symbol(d), d.as_str().to_uppercase()),
        ),
        (Tone::Plain, format!("  {sentence}")),
    ]);
}

/// One line naming the gate that decided it.
fn decided_by(doc: &mut Doc, engine: &Engine, v: &Verdict) {
    let d = v.decision;
    doc.styled(
        Tone::Decision(d),
        format!(
            "{} {}",
            decision_symbol(d),
            crate::display::decided_by(engine, v)
        ),
    );
}

/// Every way the principal could grant itself the operation, each with what it goes through.
fn self_grant_paths(doc: &mut Doc, engine: &Engine, who: &str, findings: &[Finding]) {
    if findings.is_empty() {
        return;
    }
    doc.heading(&format!("Can grant itself ({} paths)", findings.len()));
    doc.text(format!("{who} cannot do this now, but one management-plane call could change that. Treat it as having this access; the escalations view (x) lists every such path."));
    for f in findings {
        let w = self_grant(engine, f);
        doc.styled(Tone::Escalation, format!("{ESCALATION_SYMBOL} {}", w.claim));
        doc.text(format!("    {}", w.how));
        if let Some(c) = &f.condition {
            doc.styled(
                Tone::Decision(Decision::Conditional),
                format!("    only if: {}", clean(c)),
            );
        }
    }
}

fn grants(doc: &mut Doc, engine: &Engine, v: &Verdict, who: &str, used: Option<&LastUsed>) {
    if v.grants.is_empty() && v.decision == Decision::Denied {
        return; // the gate line above says so
    }
    doc.heading("What grants it");
    if v.grants.is_empty() {
        let text = match v.permission_model {
            Some(PermissionModel::AccessPolicy) => format!(
                "Nothing. No access-policy entry names {who} or any of {who}'s groups with this permission."
            ),
            _ => format!(
                "Nothing. No role assignment to {who} or any of {who}'s groups, at this scope or above, has a role that includes this action."
            ),
        };
        doc.text(text);
        return;
    }
    for g in &v.grants {
        let head = doc.lines.len();
        grant(doc, engine, v, who, g);
        // Beside the grant's first line: when a logged call last needed it.
        if let (Some(u), Some(line)) = (used, doc.lines.get_mut(head)) {
            line.push((Tone::Dim, format!("  · {}", u.words(g, &v.scope))));
        }
    }
}

fn grant(doc: &mut Doc, engine: &Engine, v: &Verdict, who: &str, g: &Grant) {
    let missing_role = g.kind == GrantKind::RoleAssignment && g.role_name.is_none();
    let d = if missing_role {
        Decision::Unknown
    } else if g.condition.is_some() {
        Decision::Conditional
    } else {
        Decision::Allowed
    };
    let holder = name_of(engine, &g.principal_id);
    let head = match g.kind {
        GrantKind::RoleAssignment => format!(
            "{} role '{}' assigned at {}",
            decision_symbol(d),
            clean(
                g.role_name
                    .as_deref()
                    .unwrap_or("(role definition missing)")
            ),
            describe_scope(engine, &g.scope)
        ),
        GrantKind::AccessPolicy => format!(
            "{} access-policy entry for {holder} on {} [{}]",
            decision_symbol(d),
            Scope::parse(&g.scope)
                .map(|s| clean(s.name()).into_owned())
                .unwrap_or_default(),
            clean(&g.matched.join(", "))
        ),
    };
    doc.styled(Tone::Decision(d), head);
    if missing_role {
        doc.text(
            "    its role definition is not in the snapshot, so whether it grants this cannot be known: a candidate, not a grant.",
        );
    }
    if g.via_groups.is_empty() {
        doc.text(format!("    given to {who} directly."));
    } else {
        doc.text(format!(
            "    given to group {holder}; {who} is a member through {}.",
            chain_words(engine, &v.principal.id, &g.via_groups)
        ));
    }
    if g.kind == GrantKind::RoleAssignment {
        let here = Scope::parse(&v.scope).ok();
        let there = Scope::parse(&g.scope).ok();
        if let (Some(here), Some(there)) = (here, there) {
            if matches!(there.kind(), crate::model::ScopeKind::VaultItem(_)) {
                doc.text("    an item-scope assignment: it covers this one item and nothing else in the vault.");
            } else if here != there {
                doc.text(format!(
                    "    inherited: {} sits above {}, so the assignment reaches down to it.",
                    describe_scope(engine, there.id()),
                    describe_scope(engine, here.id())
                ));
            }
        }
    }
    if let Some(c) = &g.condition {
        doc.styled(
            Tone::Decision(Decision::Conditional),
            format!("    only if: {}", clean(c)),
        );
        doc.text("    kvaccess cannot see request attributes (which role is being assigned, tags…), so the answer stays conditional.");
    }
    doc.styled(Tone::Id, format!("    {}", clean(&g.id)));
}

fn blocks(doc: &mut Doc, engine: &Engine, v: &Verdict, who: &str) {
    let blocked_by_network = v.network.allowed() == Some(false);
    if v.denies.is_empty() && !blocked_by_network {
        return;
    }
    doc.heading("What blocks it");
    for d in &v.denies {
        deny(doc, engine, v, who, d);
    }
    if blocked_by_network {
        doc.styled(
            Tone::Decision(Decision::Denied),
            format!("✘ the vault's network rules: {}", clean(v.network.reason())),
        );
        doc.text("    the firewall is checked after authorization and only on the data plane: even a valid grant cannot get through it.");
    }
}

fn deny(doc: &mut Doc, engine: &Engine, v: &Verdict, who: &str, d: &Deny) {
    let reach = if d.everyone {
        "everyone (all principals)".to_string()
    } else if d.via_groups.is_empty() {
        format!("{who} by name")
    } else {
        format!(
            "{who} through {}",
            chain_words(engine, &v.principal.id, &d.via_groups)
        )
    };
    doc.styled(
        Tone::Decision(Decision::Denied),
        format!(
            "✘ deny assignment '{}' at {}",
            clean(&d.name),
            describe_scope(engine, &d.scope)
        ),
    );
    doc.text(format!("    it applies to {reach}. A deny assignment wins over every role assignment, whatever role grants the action."));
    if let Some(c) = &d.condition {
        doc.styled(
            Tone::Decision(Decision::Conditional),
            format!("    only if: {}", clean(c)),
        );
    }
    doc.styled(Tone::Id, format!("    {}", short_id(&d.id)));
}

fn network(doc: &mut Doc, v: &Verdict) {
    if v.plane != Plane::Data {
        return;
    }
    doc.heading("Network");
    let tone = match v.network.allowed() {
        Some(true) => Tone::Decision(Decision::Allowed),
        Some(false) => Tone::Decision(Decision::Denied),
        None if v.network.evaluated() => Tone::Decision(Decision::Unknown),
        None => Tone::Plain,
    };
    doc.styled(tone, clean(v.network.reason()).into_owned());
}
