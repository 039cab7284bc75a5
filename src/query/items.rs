//! Grants made at items (docs/semantics.md D5): the items of a vault a subject holds operations on through
//! role assignments at the items themselves. A vault-level answer that ignored them would say `-` for
//! someone who can read a secret; reach, the principal matrix and who-can show them as "on N items".

use rustc_hash::FxHashMap;

use crate::catalog::{Action, Operation};
use crate::eval::{Decision, Engine, Grant, Origin, Request, Subject};
use crate::model::{Scope, ScopeKind};

/// The item scopes at which role assignments name the subject or one of its groups, by vault key, each
/// list sorted and without repeats.
pub(crate) fn item_scopes(engine: &Engine, subject: &Subject) -> FxHashMap<String, Vec<Scope>> {
    let mut by_vault: FxHashMap<String, Vec<Scope>> = FxHashMap::default();
    let scopes = subject
        .set
        .ids()
        .flat_map(|id| engine.index.assignments_of.get(id).into_iter().flatten())
        .filter_map(|&i| engine.snapshot.role_assignments.get(i))
        .map(|a| &a.scope)
        .filter(|s| matches!(s.kind(), ScopeKind::VaultItem(_)));
    for scope in scopes {
        if let Some(vault) = scope.vault() {
            by_vault
                .entry(vault.key().to_string())
                .or_default()
                .push(scope.clone());
        }
    }
    for list in by_vault.values_mut() {
        list.sort_by(|a, b| a.key().cmp(b.key()));
        list.dedup();
    }
    by_vault
}

/// One operation on one item that is not plainly denied.
pub(crate) struct OnItem {
    pub operation: &'static str,
    pub decision: Decision,
    pub grants: Vec<Grant>,
}

/// The operations of `ops` the subject may perform on the item at `scope`, decided as `check` decides them
/// (calls from `origin` pass the vault's network rules). Operations on another kind of item are skipped.
pub(crate) fn on_item(
    engine: &Engine,
    subject: &Subject,
    scope: &Scope,
    ops: &[(&'static Operation, Action)],
    origin: Option<&Origin>,
) -> Vec<OnItem> {
    let target = engine.target(scope);
    ops.iter()
        .filter_map(|(op, action)| {
            let v = engine
                .check(&Request::new(subject, &target, action).from(origin))
                .ok()?;
            (v.decision != Decision::Denied).then_some(OnItem {
                operation: op.name,
                decision: v.decision,
                grants: v.grants,
            })
        })
        .collect()
}
