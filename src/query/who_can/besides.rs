//! What who-can says besides the identities that can: who can on some items only (grants at the items),
//! who could after activating a PIM eligibility, who can grant it to themselves.

use rustc_hash::FxHashSet;

use super::{EligibleEntry, ItemsEntry};
use crate::catalog::{Action, Plane};
use crate::eval::{Decision, Engine, Origin, PrincipalRef, Request, Target, Verdict};
use crate::model::{Scope, Vault};
use crate::query::escalation::Finding;
use crate::query::reach::identities;

/// What who-can says besides the identities that can: who can on items only, who could after activating
/// an eligibility, who can grant it to themselves.
pub(super) struct Besides {
    pub on_items: Vec<ItemsEntry>,
    pub eligible: Vec<EligibleEntry>,
    pub can_grant_themselves: Vec<Finding>,
}

/// [`Besides`] for the identities `listed` as able to do it (`allowed`: those allowed outright).
/// `findings`: the vault's self-escalation findings, when already computed.
pub(super) fn besides(
    engine: &Engine,
    scope: &Scope,
    action: &Action,
    origin: Option<&Origin>,
    listed: &FxHashSet<&str>,
    allowed: &FxHashSet<&str>,
    findings: Vec<Finding>,
) -> Besides {
    let target = engine.target(scope);
    let vault = match (action.plane, target.vault) {
        (Plane::Data, Some(vault)) => Some(vault),
        _ => None,
    };
    let eligible = eligible_entries(engine, &target, action, listed);
    let on_items = match (vault, scope.kind()) {
        (Some(v), crate::model::ScopeKind::Vault) => {
            item_entries(engine, v, action, listed, origin)
        }
        _ => Vec::new(),
    };
    let can_grant_themselves = findings
        .into_iter()
        .filter(|f| !allowed.contains(f.principal.id.as_str()))
        .collect();
    Besides {
        on_items,
        eligible,
        can_grant_themselves,
    }
}

/// Identities not in `listed` that can do it on items of `vault` through role assignments made at the items.
fn item_entries(
    engine: &Engine,
    vault: &Vault,
    action: &Action,
    listed: &FxHashSet<&str>,
    origin: Option<&Origin>,
) -> Vec<ItemsEntry> {
    item_verdicts(engine, vault, action, &|id| listed.contains(id), origin)
        .into_iter()
        .map(|(principal, items)| ItemsEntry {
            id: principal.id,
            display_name: principal.display_name,
            kind: principal.kind,
            items: items
                .into_iter()
                .map(|(item, v)| (item, v.decision))
                .collect(),
        })
        .collect()
}

/// The verdicts behind [`item_entries`]: per identity (by name), each item where it is not denied, with the
/// verdict there, whose grants say which assignment at the item decides it.
pub(crate) fn item_verdicts(
    engine: &Engine,
    vault: &Vault,
    action: &Action,
    listed: &dyn Fn(&str) -> bool,
    origin: Option<&Origin>,
) -> Vec<(PrincipalRef, Vec<(String, Verdict)>)> {
    let granted = crate::query::items::of_vault(engine, &vault.scope);
    // Only the items whose grants name the identity: elsewhere it is as denied as on the vault.
    let mut out: Vec<(PrincipalRef, Vec<(String, Verdict)>)> = granted
        .identities
        .iter()
        .filter(|(id, _)| !listed(id))
        .filter_map(|(id, _)| {
            let subject = engine.subject(id);
            let items: Vec<(String, Verdict)> = granted
                .of_subject(&subject)
                .iter()
                .filter_map(|scope| {
                    let target = engine.target(scope);
                    let v = engine
                        .check(&Request::new(&subject, &target, action).from(origin))
                        .ok()?;
                    (v.decision != Decision::Denied).then(|| (scope.id().to_string(), v))
                })
                .collect();
            let principal = items.first().map(|(_, v)| v.principal.clone())?;
            Some((principal, items))
        })
        .collect();
    out.sort_by_cached_key(|(p, _)| (p.display_name.to_lowercase(), p.id.clone()));
    out
}

/// Identities reached by a PIM eligibility at or above the target, not listed as able to do it, whose
/// eligibility would grant it once activated.
fn eligible_entries(
    engine: &Engine,
    target: &Target,
    action: &Action,
    listed: &FxHashSet<&str>,
) -> Vec<EligibleEntry> {
    let holders: Vec<(String, Option<String>)> = target
        .ancestry
        .scopes
        .iter()
        .filter_map(|s| engine.index.eligibilities_at.get(s.key()))
        .flatten()
        .filter_map(|&i| engine.snapshot.role_eligibilities.get(i))
        .map(|e| (e.principal_id.clone(), None))
        .collect();
    if holders.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<EligibleEntry> = identities(engine, &holders)
        .into_iter()
        .filter(|(id, _)| !listed.contains(id.as_str()))
        .filter_map(|(id, _)| {
            let subject = engine.subject(&id);
            let v = engine.check(&Request::new(&subject, target, action)).ok()?;
            (!v.eligible.is_empty()).then_some(EligibleEntry {
                id: v.principal.id,
                display_name: v.principal.display_name,
                kind: v.principal.kind,
                decision: v.decision,
                eligible: v.eligible,
            })
        })
        .collect();
    out.sort_by_cached_key(|p| (p.display_name.to_lowercase(), p.id.clone()));
    out
}
