//! A verdict's decisive line in words, shared by the explorer's explanations and the tour: which gate
//! decided — the grant that allows it, the deny assignment, the firewall or the missing grant that says no,
//! the condition it hangs on, or the data the snapshot lacks.

use crate::display::{describe_scope, name_of};
use crate::eval::{Decision, Engine, Grant, GrantKind, PermissionModel, Verdict};
use crate::sanitize::clean;

/// One line naming the gate that decided: the grant that allows it, the deny assignment, the firewall or
/// the missing grant that says no, the condition it hangs on, or the data the snapshot lacks.
pub fn decided_by(engine: &Engine, v: &Verdict) -> String {
    let who = clean(&v.principal.display_name).into_owned();
    let who = who.as_str();
    let d = v.decision;
    let more = |n: usize, what: &str| match n {
        0 | 1 => String::new(),
        n => format!(" (+{} more {what})", n - 1),
    };
    match d {
        Decision::Allowed | Decision::Conditional => match v.grants.first() {
            Some(g) => {
                let verb = if d == Decision::Allowed {
                    "granted by"
                } else {
                    "depends on the condition of"
                };
                format!(
                    "{verb} {}{}",
                    grant_words(engine, who, g),
                    more(v.grants.len(), "grants")
                )
            }
            None => "granted".to_string(),
        },
        Decision::Denied => {
            let nothing = if v.grants.is_empty() {
                " (and nothing grants it either)"
            } else {
                " (the grants alone would let it through)"
            };
            if v.network.allowed() == Some(false) {
                format!(
                    "said no: the vault's firewall — {}{nothing}",
                    clean(v.network.reason())
                )
            } else if let Some(deny) = v.denies.first() {
                format!(
                    "said no: deny assignment '{}' at {}{nothing}",
                    clean(&deny.name),
                    describe_scope(engine, &deny.scope)
                )
            } else {
                match v.permission_model {
                    Some(PermissionModel::AccessPolicy) => format!(
                        "said no: the access policies — no entry names {who} or a group of {who}'s with this permission"
                    ),
                    _ => format!(
                        "said no: Azure RBAC — no role assignment to {who} or a group of {who}'s, here or above, includes this action"
                    ),
                }
            }
        }
        Decision::Unknown => match v.unknown_because.first() {
            Some(r) => format!(
                "cannot tell: {}{}",
                clean(&r.to_string()),
                more(v.unknown_because.len(), "reasons")
            ),
            None => "cannot tell from the snapshot".to_string(),
        },
    }
}

/// `role 'Key Vault Secrets User' at vault kv-app-rbac, through group Auditors`.
pub fn grant_words(engine: &Engine, who: &str, g: &Grant) -> String {
    let what = match g.kind {
        GrantKind::RoleAssignment => format!(
            "role '{}' at {}",
            clean(g.role_name.as_deref().unwrap_or("(definition missing)")),
            describe_scope(engine, &g.scope)
        ),
        GrantKind::AccessPolicy => format!(
            "the access-policy entry for {} [{}]",
            name_of(engine, &g.principal_id),
            clean(&g.matched.join(", "))
        ),
    };
    if g.via_groups.is_empty() {
        format!("{what}, to {who} directly")
    } else {
        format!("{what}, through group {}", name_of(engine, &g.principal_id))
    }
}
