//! Migration planner: the RBAC role assignments that reproduce an access-policy vault's entries, as a
//! what-if change list ending with `setPermissionModel`, and the over- and under-grant it causes.
//!
//! For each principal named by the vault's entries, the data operations its entries grant today are
//! compared with what each built-in role grants on an RBAC vault. The planner looks for the smallest set of
//! (at most three) built-in roles that covers them without granting anything more, except what RBAC cannot
//! separate (`keys/read` covers both `keys/get` and `keys/list`) and purges the vault's purge protection
//! blocks anyway. When no built-in combination fits, it proposes one custom role per distinct permission
//! set, whose `DataActions` are exactly the data actions of those permissions (an `addRoleDefinition`
//! change, assignable at the vault's resource group). The reported per-principal deltas are not estimated:
//! they are the diff of the snapshot with the change list applied, so running the list through `whatif`
//! shows the same.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use thiserror::Error;

use crate::eval::access_policy;
use crate::eval::{Engine, PrincipalRef};
use crate::model::{PrincipalKind, RoleDefinition, Snapshot, Vault};

use super::WhatIfError;
use super::apply::apply_detailed;
use super::change::{Change, PermissionSpec};
use super::diff::{CellChange, Diff, diff_engines};
use super::resolve::{self, derived_guid};
use roles::{DataOps, assignable_at, best_builtins};

mod roles;

/// What the planner proposes for one principal named by the vault's access policies.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryPlan {
    pub principal: PrincipalRef,
    /// Applications of compound entries (user through application) for this principal.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub application_ids: Vec<String>,
    /// Data operations the entries grant today (`secrets/get`, …).
    pub wanted: Vec<String>,
    /// Built-in roles proposed (names).
    pub roles: Vec<String>,
    /// The custom role proposed instead, when no built-in combination fits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_role: Option<String>,
    /// Data operations the proposed roles grant beyond `wanted` (on paper; the diff has the effect).
    pub over_grant: Vec<String>,
    /// Data operations in `wanted` the proposed roles do not grant.
    pub under_grant: Vec<String>,
    pub notes: Vec<String>,
}

/// The effect of the plan on one principal: every cell it gains (over-grant) or loses (under-grant).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalDelta {
    pub principal: PrincipalRef,
    pub over_grant: Vec<CellChange>,
    pub under_grant: Vec<CellChange>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationPlan {
    pub vault: String,
    pub entries: Vec<EntryPlan>,
    /// The what-if change list: custom roles, role assignments, then `setPermissionModel`.
    pub changes: Vec<Change>,
    /// Per principal, what running `changes` through what-if changes in this vault.
    pub principals: Vec<PrincipalDelta>,
    /// The full diff the deltas come from (escalation paths included).
    pub diff: Diff,
}

#[derive(Debug, Error)]
pub enum MigrateError {
    #[error("{0}")]
    Vault(String),
    #[error("vault {0} already uses Azure RBAC: there is nothing to migrate")]
    AlreadyRbac(String),
    #[error("the proposed change list does not apply: {0}")]
    Apply(#[from] WhatIfError),
}

struct Planner<'s> {
    s: &'s Snapshot,
    vault: &'s Vault,
    ops: DataOps,
    candidates: Vec<(&'s RoleDefinition, BTreeSet<usize>)>,
    custom: BTreeMap<Vec<String>, String>,
    definitions: Vec<Change>,
}

impl<'s> Planner<'s> {
    /// One custom role per distinct set of data actions, named after the vault.
    fn custom_role(&mut self, wanted: &BTreeSet<usize>) -> String {
        let actions: BTreeSet<String> = wanted
            .iter()
            .filter_map(|&i| self.ops.ops.get(i))
            .flat_map(|(_, a, _, _)| a.iter().cloned())
            .collect();
        let key: Vec<String> = actions.into_iter().collect();
        if let Some(name) = self.custom.get(&key) {
            return name.clone();
        }
        let mut n = self.custom.len() + 1;
        let name = loop {
            let candidate = format!("{} access policy {n}", self.vault.name);
            if !self
                .s
                .role_definitions
                .iter()
                .any(|d| d.role_name.eq_ignore_ascii_case(&candidate))
            {
                break candidate;
            }
            n += 1;
        };
        let rg = self
            .vault
            .scope
            .structural_parent()
            .map(|p| p.id().to_string())
            .unwrap_or_else(|| self.vault.scope.id().to_string());
        self.definitions.push(Change::AddRoleDefinition {
            id: Some(derived_guid(&[
                "migratedRole",
                self.vault.scope.key(),
                &key.join(","),
            ])),
            role_name: name.clone(),
            description: Some(format!(
                "Reproduces access-policy permissions {} of key vault {} (kvaccess migrate)",
                self.ops.names(wanted).join(", "),
                self.vault.name
            )),
            assignable_scopes: vec![rg],
            permissions: vec![PermissionSpec {
                data_actions: key.clone(),
                ..PermissionSpec::default()
            }],
        });
        self.custom.insert(key, name.clone());
        name
    }

    /// A role by name when the name is unambiguous in the snapshot, else by id.
    fn role_ref(&self, role: &RoleDefinition) -> String {
        let same = self
            .s
            .role_definitions
            .iter()
            .filter(|d| d.role_name.eq_ignore_ascii_case(&role.role_name))
            .count();
        if same == 1 {
            role.role_name.clone()
        } else {
            role.id.clone()
        }
    }

    /// The plan for one principal, and the roles (names or ids) to assign it.
    fn plan_principal(
        &mut self,
        object_id: &str,
        apps: Vec<String>,
        wanted: BTreeSet<usize>,
    ) -> (EntryPlan, Vec<String>) {
        let principal = self.s.principals.iter().find(|p| p.id == object_id);
        let mut plan = EntryPlan {
            principal: PrincipalRef {
                id: object_id.to_string(),
                display_name: principal.map_or_else(
                    || crate::model::principal::not_in_directory(object_id),
                    |p| p.display_name.clone(),
                ),
                kind: principal.map_or(PrincipalKind::Unknown, |p| p.kind),
            },
            application_ids: apps,
            wanted: self.ops.names(&wanted),
            roles: Vec::new(),
            custom_role: None,
            over_grant: Vec::new(),
            under_grant: Vec::new(),
            notes: Vec::new(),
        };
        if principal.is_none() {
            plan.notes.push(
                "not in the directory data (deleted?): no role assignment can be made for it"
                    .into(),
            );
            plan.under_grant = plan.wanted.clone();
            return (plan, Vec::new());
        }
        if wanted.is_empty() {
            plan.notes
                .push("its entries grant no data operation: nothing to assign".into());
            return (plan, Vec::new());
        }
        if !plan.application_ids.is_empty() {
            // Applications by name where the directory names them, always with the appId.
            let apps: Vec<String> = plan
                .application_ids
                .iter()
                .map(|a| {
                    let sp = self.s.principals.iter().find(|p| {
                        p.app_id
                            .as_deref()
                            .is_some_and(|x| x.eq_ignore_ascii_case(a))
                    });
                    match sp {
                        Some(p) => format!("{} ({a})", p.display_name),
                        None => a.clone(),
                    }
                })
                .collect();
            plan.notes.push(format!(
                "compound identity (through application {}) has no RBAC equivalent: the role goes to the principal itself, which can then call without the application",
                apps.join(", ")
            ));
        }
        let inherent = self.ops.closure(&wanted);
        let mut tolerated: BTreeSet<usize> = inherent.clone();
        if self.vault.purge_protection {
            tolerated.extend((0..self.ops.ops.len()).filter(|&i| self.ops.is_purge(i)));
        }
        let mut refs = Vec::new();
        let granted: BTreeSet<usize> = match best_builtins(&self.candidates, &wanted, &tolerated) {
            Some((roles, 0, 0)) => {
                let mut g = BTreeSet::new();
                for r in &roles {
                    if let Some((_, set)) = self.candidates.iter().find(|(c, _)| c.guid == r.guid) {
                        g.extend(set.iter().copied());
                    }
                }
                let mut sorted = roles;
                sorted.sort_by(|a, b| a.role_name.cmp(&b.role_name));
                plan.roles = sorted.iter().map(|r| r.role_name.clone()).collect();
                refs = sorted.iter().map(|r| self.role_ref(r)).collect();
                g
            }
            other => {
                if let Some((roles, _, _)) = other {
                    let names: Vec<&str> = roles.iter().map(|r| r.role_name.as_str()).collect();
                    plan.notes.push(format!(
                        "no built-in combination fits (closest: {}); a custom role grants exactly these permissions",
                        names.join(" + ")
                    ));
                } else {
                    plan.notes.push(
                        "no built-in role grants any of these permissions; a custom role does"
                            .into(),
                    );
                }
                let name = self.custom_role(&wanted);
                refs.push(name.clone());
                plan.custom_role = Some(name);
                inherent
            }
        };
        let over: BTreeSet<usize> = granted.difference(&wanted).copied().collect();
        let under: BTreeSet<usize> = wanted.difference(&granted).copied().collect();
        if over.iter().any(|&i| self.ops.is_purge(i)) && self.vault.purge_protection {
            plan.notes
                .push("purge is granted on paper; the vault's purge protection blocks it".into());
        }
        plan.over_grant = self.ops.names(&over);
        plan.under_grant = self.ops.names(&under);
        (plan, refs)
    }
}

/// Plans the migration of `vault` (id or name) from access policies to Azure RBAC.
pub fn plan_migration(engine: &Engine, vault: &str) -> Result<MigrationPlan, MigrateError> {
    let s = &*engine.snapshot;
    let v = resolve::vault(s, vault).map_err(MigrateError::Vault)?;
    let Some(vault) = s.vaults.get(v) else {
        return Err(MigrateError::Vault(format!("no vault '{vault}'")));
    };
    if vault.rbac_authorization {
        return Err(MigrateError::AlreadyRbac(vault.name.clone()));
    }
    let ops = DataOps::new();
    let candidates = s
        .role_definitions
        .iter()
        .filter(|d| d.built_in && assignable_at(s, d, &vault.scope))
        .map(|d| (d, ops.granted_by(d)))
        .filter(|(_, g)| !g.is_empty())
        .collect();
    let mut planner = Planner {
        s,
        vault,
        ops,
        candidates,
        custom: BTreeMap::new(),
        definitions: Vec::new(),
    };
    // Entries grouped by principal, in the vault's order; compound entries count for their principal.
    let mut order: Vec<String> = Vec::new();
    let mut wanted: BTreeMap<String, (Vec<String>, BTreeSet<usize>)> = BTreeMap::new();
    for e in &vault.access_policies {
        if !wanted.contains_key(&e.object_id) {
            order.push(e.object_id.clone());
        }
        let slot = wanted.entry(e.object_id.clone()).or_default();
        if let Some(app) = &e.application_id {
            slot.0.push(app.clone());
        }
        for (i, (_, _, kind, perm)) in planner.ops.ops.iter().enumerate() {
            if access_policy::holds(e, *kind, perm).is_some() {
                slot.1.insert(i);
            }
        }
    }
    let mut entries = Vec::new();
    let mut assignments = Vec::new();
    for id in order {
        let (apps, set) = wanted.remove(&id).unwrap_or_default();
        let (mut plan, roles) = planner.plan_principal(&id, apps, set);
        for role in roles {
            let exists = resolve::role(s, &role).is_ok_and(|d| {
                s.role_assignments.iter().any(|a| {
                    a.principal_id == id
                        && a.role_definition_guid == d.guid
                        && a.scope == vault.scope
                })
            });
            if exists {
                plan.notes.push(format!(
                    "already holds '{role}' at the vault: no new assignment"
                ));
                continue;
            }
            assignments.push(Change::AddRoleAssignment {
                principal: id.clone(),
                role,
                scope: vault.scope.id().to_string(),
                condition: None,
                condition_version: None,
                id: None,
            });
        }
        entries.push(plan);
    }
    let mut changes = std::mem::take(&mut planner.definitions);
    changes.extend(assignments);
    changes.push(Change::SetPermissionModel {
        vault: vault.scope.id().to_string(),
        enable_rbac_authorization: true,
    });
    let outcome = apply_detailed(s, &changes)?;
    let mut d = diff_engines(engine, &Engine::new(outcome.snapshot), Some(&vault.scope));
    d.changes = changes.len();
    let principals = per_principal(&d);
    Ok(MigrationPlan {
        vault: vault.scope.id().to_string(),
        entries,
        changes,
        principals,
        diff: d,
    })
}

fn per_principal(d: &Diff) -> Vec<PrincipalDelta> {
    let mut out: Vec<PrincipalDelta> = Vec::new();
    for (cell, gained) in d
        .gained
        .iter()
        .map(|c| (c, true))
        .chain(d.lost.iter().map(|c| (c, false)))
    {
        let at = match out.iter().position(|p| p.principal.id == cell.principal.id) {
            Some(i) => i,
            None => {
                out.push(PrincipalDelta {
                    principal: cell.principal.clone(),
                    over_grant: Vec::new(),
                    under_grant: Vec::new(),
                });
                out.len() - 1
            }
        };
        if let Some(p) = out.get_mut(at) {
            if gained {
                p.over_grant.push(cell.clone());
            } else {
                p.under_grant.push(cell.clone());
            }
        }
    }
    out.sort_by(|a, b| {
        (a.principal.display_name.to_lowercase(), &a.principal.id)
            .cmp(&(b.principal.display_name.to_lowercase(), &b.principal.id))
    });
    out
}
