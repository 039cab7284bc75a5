//! "What can X reach?" — the first question of an incident ("this account is compromised"): every vault
//! where the principal holds any data operation, grouped by vault and operation group, with the grants that
//! decide them; the items it holds operations on through item-scoped grants; the PIM eligibilities that
//! would give it more; and the self-grant paths it could use.

use serde::Serialize;

use crate::catalog::{self, Action, Plane};
use crate::eval::Request;
use crate::eval::bulk::VaultRows;
use crate::eval::{Decision, Engine, Grant, PrincipalRef};
use crate::model::{RoleAssignment, Scope, Vault};
use crate::query::escalation::{Finding, escalations_for_vault_among, levers};
use crate::query::items;
use crate::query::matrix::Cell;

/// One operation group at one vault that is not plainly denied.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupReach {
    pub group: &'static str,
    /// `all`, `some`, `cond` or `?` (see [`Cell::summary`]).
    pub summary: &'static str,
    /// Every operation of the group that is not denied, with its decision.
    pub operations: Vec<(&'static str, Decision)>,
    /// The grants that decide the first of them.
    pub grants: Vec<Grant>,
}

/// Operations on one item through a grant at the item itself.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemReach {
    pub scope: String,
    pub operations: Vec<(&'static str, Decision)>,
    pub grants: Vec<Grant>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultReach {
    pub vault_id: String,
    pub name: String,
    pub rbac_authorization: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupReach>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemReach>,
    /// PIM eligibilities at or above the vault (or at its items) naming the principal or its groups.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub eligible: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub self_grants: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reach {
    pub principal: PrincipalRef,
    /// The scope asked about (`/`: the whole tenant).
    pub scope: String,
    pub vaults_examined: usize,
    /// Vaults where the principal holds, may hold, could activate or could grant itself something.
    pub vaults: Vec<VaultReach>,
}

/// Everything `principal_id` can reach at the vaults at or below `scope` (all vaults when `None`).
pub fn principal_reach(engine: &Engine, principal_id: &str, scope: Option<&Scope>) -> Reach {
    principal_reach_with(engine, principal_id, scope, &mut |_, _| true).0
}

/// [`principal_reach`] vault by vault, for the explorer: `go_on(done, total)` is asked before each vault;
/// when it says no, the vaults examined so far come back, with `false` (the answer is not complete).
pub fn principal_reach_with(
    engine: &Engine,
    principal_id: &str,
    scope: Option<&Scope>,
    go_on: &mut dyn FnMut(usize, usize) -> bool,
) -> (Reach, bool) {
    let subject = engine.subject(principal_id);
    let mut rows = VaultRows::new(engine, &subject, None);
    let data_ops = data_operations();
    let vaults: Vec<&Vault> = engine
        .snapshot
        .vaults
        .iter()
        .filter(|v| scope.is_none_or(|s| engine.index.ancestry(&v.scope).contains(s.key())))
        .collect();
    let item_scopes = items::item_scopes(engine, &subject);
    let eligibilities = eligibilities_naming(engine, &subject);
    let mut out = Vec::new();
    let mut examined = 0;
    for vault in &vaults {
        if !go_on(examined, vaults.len()) {
            break;
        }
        examined += 1;
        let row = rows.row(vault);
        let target = engine.target(&vault.scope);
        let mut groups: Vec<GroupReach> = Vec::new();
        for (op, action) in &data_ops {
            let d = engine.decide(&row, action);
            if d == Decision::Denied {
                continue;
            }
            match groups.iter_mut().find(|g| g.group == op.group) {
                Some(g) => g.operations.push((op.name, d)),
                None => {
                    let grants = engine
                        .check(&Request::new(&subject, &target, action))
                        .map(|v| v.grants)
                        .unwrap_or_default();
                    groups.push(GroupReach {
                        group: op.group,
                        summary: "",
                        operations: vec![(op.name, d)],
                        grants,
                    });
                }
            }
        }
        for g in &mut groups {
            g.summary = summary(g, &data_ops);
        }
        let items = item_reach(
            engine,
            item_scopes.get(vault.scope.key()),
            &subject,
            &data_ops,
        );
        let eligible: Vec<String> = eligibilities
            .iter()
            .filter_map(|&e| engine.snapshot.role_eligibilities.get(e))
            .filter(|e| eligibility_covers(engine, e, vault))
            .map(|e| {
                let role = eligible_role(engine, e);
                format!("role '{role}' at {} (eligibility {})", e.scope.id(), e.id)
            })
            .collect();
        let may_grant = levers()
            .iter()
            .any(|a| engine.decide(&row, a) != Decision::Denied);
        let self_grants = if may_grant {
            let me = std::collections::BTreeSet::from([subject.principal.id.clone()]);
            escalations_for_vault_among(engine, vault, &me)
        } else {
            Vec::new()
        };
        if groups.is_empty() && items.is_empty() && eligible.is_empty() && self_grants.is_empty() {
            continue;
        }
        out.push(VaultReach {
            vault_id: vault.scope.id().to_string(),
            name: vault.name.clone(),
            rbac_authorization: vault.rbac_authorization,
            groups,
            items,
            eligible,
            self_grants,
        });
    }
    let reach = Reach {
        principal: subject.principal.clone(),
        scope: scope.map_or("/", |s| s.id()).to_string(),
        vaults_examined: examined,
        vaults: out,
    };
    (reach, examined == vaults.len())
}

/// The group's summary as the matrix writes it.
fn summary(g: &GroupReach, ops: &[(&'static catalog::Operation, Action)]) -> &'static str {
    let total = ops.iter().filter(|(op, _)| op.group == g.group).count();
    let count = |d: Decision| g.operations.iter().filter(|(_, x)| *x == d).count();
    Cell {
        group: g.group,
        allowed: count(Decision::Allowed),
        conditional: count(Decision::Conditional),
        unknown: count(Decision::Unknown),
        total,
        decisions: Vec::new(),
        on_items: None,
    }
    .summary()
}

/// Every data-plane operation with its action.
pub(crate) fn data_operations() -> Vec<(&'static catalog::Operation, Action)> {
    catalog::operations()
        .iter()
        .filter(|op| op.plane == Plane::Data)
        .filter_map(|op| catalog::resolve(op.name).ok().map(|a| (op, a)))
        .collect()
}

/// Operations on items of `vault` through role assignments made at the items themselves.
pub(crate) fn item_reach(
    engine: &Engine,
    scopes: Option<&Vec<Scope>>,
    subject: &crate::eval::Subject,
    ops: &[(&'static catalog::Operation, Action)],
) -> Vec<ItemReach> {
    scopes
        .into_iter()
        .flatten()
        .filter_map(|scope| {
            let mut operations = Vec::new();
            let mut grants: Vec<Grant> = Vec::new();
            for o in items::on_item(engine, subject, scope, ops, None) {
                operations.push((o.operation, o.decision));
                for g in o.grants {
                    if !grants.iter().any(|x| x.id == g.id) {
                        grants.push(g);
                    }
                }
            }
            (!operations.is_empty()).then(|| ItemReach {
                scope: scope.id().to_string(),
                operations,
                grants,
            })
        })
        .collect()
}

/// The PIM eligibilities naming the subject or one of its groups: positions in the snapshot's list.
pub(crate) fn eligibilities_naming(engine: &Engine, subject: &crate::eval::Subject) -> Vec<usize> {
    engine
        .snapshot
        .role_eligibilities
        .iter()
        .enumerate()
        .filter(|(_, e)| subject.set.reach(&e.principal_id).is_some())
        .map(|(i, _)| i)
        .collect()
}

/// Whether an eligibility bears on the vault: made at or above it, or at one of its items.
pub(super) fn eligibility_covers(engine: &Engine, e: &RoleAssignment, vault: &Vault) -> bool {
    engine.index.ancestry(&vault.scope).contains(e.scope.key())
        || e.scope.vault().is_some_and(|v| v == vault.scope)
}

/// The eligible role's name (`(definition missing)` when the snapshot lacks it).
pub(crate) fn eligible_role<'e>(engine: &'e Engine, e: &RoleAssignment) -> &'e str {
    engine
        .index
        .role_definition
        .get(&e.role_definition_guid)
        .and_then(|&i| engine.snapshot.role_definitions.get(i))
        .map_or("(definition missing)", |d| d.role_name.as_str())
}
