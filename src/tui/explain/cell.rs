//! Why one principal may or may not perform one operation at one scope: the decision path in words.

use super::{Doc, Tone, ancestry_words, chain_words, describe_scope, name_of, short_id};
use crate::catalog::Plane;
use crate::eval::{Decision, Deny, Engine, Grant, GrantKind, PermissionModel, Verdict};
use crate::model::Scope;
use crate::query::Technique;
use crate::sanitize::clean;
use crate::tui::theme::{ESCALATION_SYMBOL, decision_symbol};

/// The explanation of a verdict. `escalation` is how the principal could grant itself the operation;
/// `from_key` names the key that sets a caller location (for the network hint).
pub fn cell(engine: &Engine, v: &Verdict, escalation: Option<Technique>, from_key: &str) -> Doc {
    let who = clean(&v.principal.display_name).into_owned();
    let op = clean(&v.operation).into_owned();
    let at = describe_scope(engine, &v.scope);
    let mut doc = Doc::new(format!("{who} · {op} · {at}"));
    verdict_line(&mut doc, v, &who, &op, &at);
    plane(&mut doc, engine, v, &op);
    mechanism(&mut doc, engine, v);
    grants(&mut doc, engine, v, &who);
    blocks(&mut doc, engine, v, &who);
    network(&mut doc, v, from_key);
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
    if let Some(t) = escalation {
        doc.heading("Can grant itself");
        doc.styled(
            Tone::Escalation,
            format!(
                "{ESCALATION_SYMBOL} {who} cannot do this now, but {}.",
                t.describe()
            ),
        );
        doc.text("Treat such a principal as having this access: one management-plane call away. The escalations view (x) lists every such path.");
    }
    if !v.notes.is_empty() {
        doc.heading("Also worth knowing");
        for n in &v.notes {
            doc.text(format!("  • {}", clean(&n.to_string())));
        }
    }
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

fn plane(doc: &mut Doc, engine: &Engine, v: &Verdict, op: &str) {
    doc.heading("Plane and endpoint");
    let endpoint = clean(&v.endpoint);
    let actions = v
        .required_actions
        .iter()
        .map(|a| clean(a).into_owned())
        .collect::<Vec<_>>();
    match v.plane {
        Plane::Data => {
            doc.text(format!(
                "{op} is a DATA-PLANE operation: the client calls the vault itself at https://{endpoint}, not Azure Resource Manager ({}).",
                engine.snapshot.cloud.management_endpoint()
            ));
            let needs = if actions.len() > 1 {
                format!("every one of the data actions {}", actions.join(" AND "))
            } else {
                format!("the data action {}", actions.join(""))
            };
            doc.text(format!(
                "In access-policy words it needs the permission {op}; in Azure RBAC words, {needs}."
            ));
        }
        Plane::Management => {
            doc.text(format!(
                "{op} is a MANAGEMENT-PLANE operation: it goes through Azure Resource Manager at https://{endpoint}. Only Azure RBAC role assignments decide it: access policies never apply to the management plane, and the vault firewall does not filter it."
            ));
            doc.text(format!("It needs the action {}.", actions.join(" AND ")));
        }
    }
}

fn mechanism(doc: &mut Doc, engine: &Engine, v: &Verdict) {
    doc.heading("Who decides");
    let vault = Scope::parse(&v.scope)
        .ok()
        .and_then(|s| s.vault())
        .map(|s| clean(s.name()).into_owned())
        .unwrap_or_default();
    match v.permission_model {
        Some(PermissionModel::AccessPolicy) => {
            doc.text(format!(
                "{vault} uses ACCESS POLICIES (enableRbacAuthorization is false). The vault keeps its own list of entries; each names one object id (a user, group or application) and the key, secret and certificate permissions it gets, vault-wide. Azure RBAC data roles and deny assignments are not consulted for this vault's data."
            ));
        }
        Some(PermissionModel::Rbac) => {
            doc.text(format!(
                "{vault} uses AZURE RBAC (enableRbacAuthorization is true). Role assignments whose role includes the data action decide; a deny assignment overrides them; the vault's access policies are ignored."
            ));
        }
        None => doc.text("Azure RBAC: role assignments whose role includes the action, minus its NotActions, decide; deny assignments override them."),
    }
    if v.permission_model != Some(PermissionModel::AccessPolicy)
        && let Ok(s) = Scope::parse(&v.scope)
    {
        doc.text("An assignment applies at its scope and everything below it. Scopes consulted, from here up:");
        doc.styled(Tone::Dim, format!("  {}", ancestry_words(engine, &s)));
    }
}

fn grants(doc: &mut Doc, engine: &Engine, v: &Verdict, who: &str) {
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
        grant(doc, engine, v, who, g);
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

fn network(doc: &mut Doc, v: &Verdict, from_key: &str) {
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
    if !v.network.evaluated() {
        doc.styled(
            Tone::Dim,
            format!("Press {from_key} to say where the call comes from (an IP, a subnet, a private endpoint or a trusted service): the firewall is then applied."),
        );
    }
}
