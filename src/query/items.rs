//! Grants made at items (docs/semantics.md D5): the items of a vault a subject holds operations on through
//! role assignments at the items themselves. A vault-level answer that ignored them would say `-` for
//! someone who can read a secret; `check` at a vault, reach, both matrices, who-can and the explorer's views
//! show them ("on N items").

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::catalog::{Action, Operation};
use crate::eval::bulk::TargetRows;
use crate::eval::decide::RowKey;
use crate::eval::{Decision, Engine, Grant, Origin, Request, Subject, Target};
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

/// The items of a vault that role assignments are made at, and the identities those assignments reach.
pub(crate) struct VaultItems {
    /// Sorted, without repeats.
    pub scopes: Vec<Scope>,
    /// By name, with the application they call through (always none: items are granted by RBAC).
    pub identities: Vec<(String, Option<String>)>,
    /// Each assignment's item and the principal it names.
    named: Vec<(Scope, String)>,
}

impl VaultItems {
    /// The items at which an assignment names the subject or one of its groups: [`item_scopes`] at this
    /// vault, without walking the subject's assignments across the tenant.
    pub(crate) fn of_subject(&self, subject: &Subject) -> Vec<Scope> {
        let mut out: Vec<Scope> = self
            .named
            .iter()
            .filter(|(_, id)| subject.set.reach(id).is_some())
            .map(|(scope, _)| scope.clone())
            .collect();
        out.sort_by(|a, b| a.key().cmp(b.key()));
        out.dedup();
        out
    }
}

/// [`VaultItems`] of the vault at `vault`.
pub(crate) fn of_vault(engine: &Engine, vault: &Scope) -> VaultItems {
    let prefix = format!("{}/", vault.key());
    let mut named: Vec<(Scope, String)> = Vec::new();
    for (key, list) in &engine.index.assignments_at {
        if !key.starts_with(&prefix) {
            continue;
        }
        named.extend(
            list.iter()
                .filter_map(|&i| engine.snapshot.role_assignments.get(i))
                .map(|a| (a.scope.clone(), a.principal_id.clone())),
        );
    }
    let mut scopes: Vec<Scope> = named.iter().map(|(s, _)| s.clone()).collect();
    scopes.sort_by(|a, b| a.key().cmp(b.key()));
    scopes.dedup();
    let identities = if named.is_empty() {
        Vec::new()
    } else {
        let holders: Vec<(String, Option<String>)> =
            named.iter().map(|(_, id)| (id.clone(), None)).collect();
        crate::query::reach::identities(engine, &holders)
    };
    VaultItems {
        scopes,
        identities,
        named,
    }
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
        .filter(|(_, action)| !crate::eval::on_another_item_kind(scope, action))
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

/// What a vault-level `check` says about the items of the vault: an item the subject may act on through a
/// grant made at the item, with the decision there and the grants that decide it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemAnswer {
    pub item: String,
    pub decision: Decision,
    pub grants: Vec<Grant>,
}

/// The items of the vault at `scope` where the subject may do `action` although the vault-level answer is
/// not `allowed`, each decided as `check` decides it at the item. Empty unless `scope` is a vault and the
/// action is on the data plane (items exist only there).
pub(crate) fn beside_vault(engine: &Engine, request: &Request, scope: &Scope) -> Vec<ItemAnswer> {
    if scope.kind() != ScopeKind::Vault || request.action.plane != crate::catalog::Plane::Data {
        return Vec::new();
    }
    let mut items = item_scopes(engine, request.subject);
    let Some(list) = items.remove(scope.key()) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|item| {
            let target = engine.target(item);
            let v = engine
                .check(&Request {
                    target: &target,
                    ..*request
                })
                .ok()?;
            (v.decision != Decision::Denied).then(|| ItemAnswer {
                item: item.id().to_string(),
                decision: v.decision,
                grants: v.grants,
            })
        })
        .collect()
}

/// On how many of the item `scopes` the subject may do some of `ops`, and each operation on how many, decided
/// as `check` decides at each item; operations with no item left out.
pub(crate) fn held(
    engine: &Engine,
    subject: &Subject,
    scopes: &[Scope],
    ops: &[(&'static Operation, Action)],
    origin: Option<&Origin>,
) -> (usize, Vec<(&'static str, usize)>) {
    let mut items = 0;
    let mut operations: Vec<(&'static str, usize)> = Vec::new();
    for scope in scopes {
        let on = on_item(engine, subject, scope, ops, origin);
        items += usize::from(!on.is_empty());
        for h in on {
            tally(&mut operations, h.operation);
        }
    }
    (items, operations)
}

/// [`held`] for many identities at the items of one vault: an identity's row at an item is built from the
/// item's gathered grants, and identities whose rows are equal share the decisions there, as the vault's
/// rows do (each distinct row is asked once, with `check`).
pub(crate) struct ItemRows<'e, 'a> {
    engine: &'a Engine,
    at: FxHashMap<String, usize>,
    targets: &'e [Target<'a>],
    rows: Vec<TargetRows<'e, 'a>>,
    decided: Vec<FxHashMap<RowKey, Vec<(&'static str, Decision)>>>,
}

impl<'e, 'a> ItemRows<'e, 'a> {
    pub(crate) fn new(engine: &'a Engine, targets: &'e [Target<'a>]) -> Self {
        Self {
            engine,
            at: targets
                .iter()
                .enumerate()
                .map(|(i, t)| (t.scope.key().to_string(), i))
                .collect(),
            targets,
            rows: targets.iter().map(|t| TargetRows::new(engine, t)).collect(),
            decided: targets.iter().map(|_| FxHashMap::default()).collect(),
        }
    }

    /// [`held`] of the subject on `scopes` (items of this vault), without a caller location.
    pub(crate) fn held(
        &mut self,
        subject: &Subject,
        scopes: &[Scope],
        ops: &[(&'static Operation, Action)],
    ) -> (usize, Vec<(&'static str, usize)>) {
        let mut items = 0;
        let mut operations: Vec<(&'static str, usize)> = Vec::new();
        for scope in scopes {
            let Some(&i) = self.at.get(scope.key()) else {
                continue;
            };
            let (Some(rows), Some(target), Some(decided)) = (
                self.rows.get(i),
                self.targets.get(i),
                self.decided.get_mut(i),
            ) else {
                continue;
            };
            let known = decided.entry(rows.row(subject, None).key()).or_default();
            let mut any = false;
            for (op, action) in ops {
                let d = match known.iter().find(|(name, _)| *name == op.name) {
                    Some(&(_, d)) => d,
                    None => {
                        // An operation on another kind of item is not one of this item's.
                        let d = self
                            .engine
                            .check(&Request::new(subject, target, action))
                            .map_or(Decision::Denied, |v| v.decision);
                        known.push((op.name, d));
                        d
                    }
                };
                if d != Decision::Denied {
                    any = true;
                    tally(&mut operations, op.name);
                }
            }
            items += usize::from(any);
        }
        (items, operations)
    }
}

/// One more item for `operation`.
fn tally(operations: &mut Vec<(&'static str, usize)>, operation: &'static str) {
    match operations.iter_mut().find(|(op, _)| *op == operation) {
        Some((_, n)) => *n += 1,
        None => operations.push((operation, 1)),
    }
}
