//! What `reach` lists beside a node's vault-wide access, for `paths --from` (issue 13): the PIM eligibilities
//! naming the node or a group it is in (`eligible`, not allowed), and the items it holds operations on
//! through role assignments made at the items (`on N items`). Both come from `reach`'s own helpers, and each
//! is grouped by what decides it, stated once however many nodes it holds for.

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::DecidingGrant;
use crate::catalog::{Action, Operation};
use crate::eval::{Decision, Engine, Grant, GrantKind};
use crate::paths::graph::Placed;
use crate::query::{self, ItemReach, item_scopes};

/// A PIM eligibility naming the node or a group it is in, and the vaults it bears on (at or below its
/// scope, or the vault of the item it is made at): eligible, not allowed, until activated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EligibleGroup {
    /// The eligibility (id, holder, role, scope).
    pub eligibility: DecidingGrant,
    pub vaults: usize,
    /// The vaults' names, once expanded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
    /// The vaults' positions in the snapshot.
    #[serde(skip)]
    pub at: Vec<usize>,
}

/// The items of one vault a node holds operations on through role assignments at the items themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemGroup {
    /// The item-scope role assignments that decide them.
    pub decided_by: Vec<DecidingGrant>,
    pub vault: String,
    /// How many items.
    pub items: usize,
    /// Every operation held on some of them, in catalogue order.
    pub operations: Vec<&'static str>,
    /// Each item's id with its operations and their decisions, once expanded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<ItemOperations>>,
    #[serde(skip)]
    pub at: usize,
    #[serde(skip)]
    pub(crate) held: Vec<ItemOperations>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemOperations {
    pub item: String,
    pub operations: Vec<(&'static str, Decision)>,
}

/// One node's eligibilities (positions in the snapshot) and item-level grants (vault position, items).
pub(crate) struct Beside {
    pub eligible: Vec<usize>,
    pub items: Vec<(usize, Vec<ItemReach>)>,
}

/// The PIM eligibilities by the principal they name, for every node a search asks about (each node
/// would otherwise go through all of them).
pub(crate) struct EligibilitiesOf<'e>(FxHashMap<&'e str, Vec<usize>>);

impl<'e> EligibilitiesOf<'e> {
    pub fn new(engine: &'e Engine) -> Self {
        let mut of: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        for (at, e) in engine.snapshot.role_eligibilities.iter().enumerate() {
            of.entry(e.principal_id.as_str()).or_default().push(at);
        }
        Self(of)
    }

    /// Those naming the subject or one of its groups, ascending (as `reach` lists them).
    fn naming(&self, subject: &crate::eval::Subject) -> Vec<usize> {
        let mut out: Vec<usize> = subject
            .set
            .ids()
            .filter_map(|id| self.0.get(id))
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// What `reach` says of `id` beside its vault-wide access, decided as `reach` decides it. `vault_at` finds
/// a vault's position from its scope key; `ops` are [`query::data_operations`].
pub(crate) fn beside(
    engine: &Engine,
    vault_at: &FxHashMap<&str, usize>,
    ops: &[(&'static Operation, Action)],
    eligibilities: &EligibilitiesOf,
    id: &str,
) -> Beside {
    if id.starts_with("external:") {
        return Beside {
            eligible: Vec::new(),
            items: Vec::new(),
        };
    }
    let subject = engine.subject(id);
    let mut items: Vec<(usize, Vec<ItemReach>)> = item_scopes(engine, &subject)
        .into_iter()
        .filter_map(|(key, scopes)| {
            let at = *vault_at.get(key.as_str())?;
            let held = query::item_reach(engine, Some(&scopes), &subject, ops);
            (!held.is_empty()).then_some((at, held))
        })
        .collect();
    items.sort_by_key(|(at, _)| *at);
    Beside {
        eligible: eligibilities.naming(&subject),
        items,
    }
}

/// The eligibility and item groups of every node, each stated once.
#[derive(Default)]
pub(crate) struct BesideGroups {
    pub eligible: Vec<EligibleGroup>,
    pub items: Vec<ItemGroup>,
    eligible_ids: FxHashMap<usize, Option<usize>>,
    item_ids: FxHashMap<(usize, Vec<ItemOperations>, Vec<String>), usize>,
}

impl BesideGroups {
    /// One node's eligibilities (those bearing on some vault) and item groups: their indices.
    /// `vaults` places the snapshot's vaults by the scopes above them (the hop graph's); `data_ops` are
    /// [`query::data_operations`], resolved once by the caller.
    pub fn add(
        &mut self,
        engine: &Engine,
        vaults: &Placed,
        data_ops: &[(&'static Operation, Action)],
        beside: Beside,
    ) -> (Vec<usize>, Vec<usize>) {
        let eligible = beside
            .eligible
            .into_iter()
            .filter_map(|e| {
                if let Some(&known) = self.eligible_ids.get(&e) {
                    return known;
                }
                let group = eligible_group(engine, vaults, e).map(|g| push(&mut self.eligible, g));
                self.eligible_ids.insert(e, group);
                group
            })
            .collect();
        let items = beside
            .items
            .into_iter()
            .map(|(at, held)| {
                let ops: Vec<ItemOperations> = held
                    .iter()
                    .map(|i| ItemOperations {
                        item: i.scope.clone(),
                        operations: i.operations.clone(),
                    })
                    .collect();
                let mut grants: Vec<&Grant> = Vec::new();
                for g in held.iter().flat_map(|i| &i.grants) {
                    if !grants.iter().any(|x| x.id == g.id) {
                        grants.push(g);
                    }
                }
                let ids: Vec<String> = grants.iter().map(|g| g.id.clone()).collect();
                let key = (at, ops, ids);
                if let Some(&id) = self.item_ids.get(&key) {
                    return id;
                }
                let group = item_group(engine, at, &key.1, &grants, data_ops);
                let id = push(&mut self.items, group);
                self.item_ids.insert(key, id);
                id
            })
            .collect();
        (eligible, items)
    }
}

fn push<T>(list: &mut Vec<T>, item: T) -> usize {
    list.push(item);
    list.len() - 1
}

/// The eligibility at position `e` with the vaults it bears on, as `reach` decides (`eligibility_covers`)
/// (at or below its scope, or the vault of the item it is made at); `None` when it bears on none.
fn eligible_group(engine: &Engine, vaults: &Placed, e: usize) -> Option<EligibleGroup> {
    let el = engine.snapshot.role_eligibilities.get(e)?;
    let mut at: Vec<usize> = vaults.under(el.scope.key()).to_vec();
    if let Some(vault) = el.scope.vault() {
        at.extend(vaults.under(vault.key()));
    }
    at.sort_unstable();
    at.dedup();
    (!at.is_empty()).then(|| EligibleGroup {
        eligibility: DecidingGrant {
            kind: GrantKind::RoleAssignment,
            id: el.id.clone(),
            holder: el.principal_id.clone(),
            role_name: Some(query::eligible_role(engine, el).to_string()),
            scope: el.scope.id().to_string(),
        },
        vaults: at.len(),
        names: None,
        at,
    })
}

fn item_group(
    engine: &Engine,
    at: usize,
    held: &[ItemOperations],
    grants: &[&Grant],
    ops: &[(&'static Operation, Action)],
) -> ItemGroup {
    let mut operations: Vec<&'static str> = Vec::new();
    for op in ops.iter().map(|(op, _)| op.name) {
        if held
            .iter()
            .any(|i| i.operations.iter().any(|(o, _)| *o == op))
        {
            operations.push(op);
        }
    }
    ItemGroup {
        decided_by: grants
            .iter()
            .map(|g| DecidingGrant {
                kind: g.kind,
                id: g.id.clone(),
                holder: g.principal_id.clone(),
                role_name: g.role_name.clone(),
                scope: g.scope.clone(),
            })
            .collect(),
        vault: engine
            .snapshot
            .vaults
            .get(at)
            .map(|v| v.name.clone())
            .unwrap_or_default(),
        items: held.len(),
        operations,
        names: None,
        at,
        held: held.to_vec(),
    }
}

impl EligibleGroup {
    /// `eligible (PIM, not active): 'Key Vault Administrator' at kv-app-rbac to Pat`.
    pub fn words(&self, name: &dyn Fn(&str) -> String) -> String {
        format!(
            "eligible (PIM, not active): {}",
            self.eligibility.words(name)
        )
    }
}

impl ItemGroup {
    /// `on 1 item(s) in kv-app-rbac: secrets/get, secrets/list`.
    pub fn words(&self) -> String {
        format!(
            "on {} item(s) in {}: {}",
            self.items,
            self.vault,
            self.operations.join(", ")
        )
    }
}

#[cfg(test)]
mod tests;
