//! Unused access (least privilege): grants on the logged vaults that no successful call in the window
//! needed — data-plane role assignments at a vault or below it, access-policy entries, and permissions
//! within an entry — and the what-if change list that removes them, so `kvaccess whatif` shows exactly who
//! would lose what before anyone removes anything.
//!
//! A grant counts as used when the evaluator names it among the grants allowing a logged successful call.
//! Where two grants both allow a call both count as used: the answer never proposes removing something a
//! call needed. Vaults with no logged call are not judged (no logs is no evidence), nor are management-plane
//! assignments (their use is in the Activity Log, not in Key Vault's), nor storage-account permissions.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::join::{self, Filter};
use super::read::Reading;
use super::summary::{Key, Summary};
use super::time;
use crate::eval::{Decision, Engine, Grant, GrantKind};
use crate::model::{AccessPolicy, PolicyKind, RoleAssignment, Vault};
use crate::sanitize::clean;
use crate::whatif::{Change, PolicyPermissions};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum UnusedKind {
    RoleAssignment,
    AccessPolicyEntry,
    AccessPolicyPermissions,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnusedGrant {
    pub kind: UnusedKind,
    pub vault: String,
    /// Role assignment id, or the entry's reference `<vault>/accessPolicies/<objectId>[/<appId>]`.
    pub id: String,
    pub principal_id: String,
    pub principal_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    pub scope: String,
    /// Access-policy permissions no call needed (`secrets/list`).
    pub unused_permissions: Vec<String>,
    /// Access-policy permissions a call needed (kept when the entry is narrowed).
    pub used_permissions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Unused {
    /// The time of the first and last call read (the window the answer is about).
    pub first: Option<String>,
    pub last: Option<String>,
    /// Vaults judged (with logged calls).
    pub vaults: Vec<String>,
    /// Vaults in scope with no logged call: not judged.
    pub vaults_without_calls: Vec<String>,
    pub grants: Vec<UnusedGrant>,
    /// The change list removing them (the `kvaccess whatif --changes` format).
    pub changes: Vec<Change>,
}

/// What the logged successful calls needed: grant ids, and for access-policy entries the permissions.
#[derive(Default)]
struct Needed {
    grants: BTreeSet<String>,
    permissions: BTreeMap<String, BTreeSet<String>>,
}

pub fn unused(reading: &Reading, engine: &Engine, filter: &Filter) -> Unused {
    let store = &reading.store;
    let scope_only = Filter {
        scope: filter.scope.clone(),
        principal: None,
    };
    let mut needed = Needed::default();
    let mut logged_vaults = BTreeSet::new();
    needing(reading, engine, &scope_only, |k, _, grants| {
        logged_vaults.insert(store.strings.get(k.vault).to_string());
        for g in grants {
            if g.kind == GrantKind::AccessPolicy {
                needed
                    .permissions
                    .entry(g.id.to_ascii_lowercase())
                    .or_default()
                    .extend(g.matched.iter().map(|m| m.to_ascii_lowercase()));
            }
            needed.grants.insert(g.id.to_ascii_lowercase());
        }
    });
    let mut out = Unused {
        first: reading.span.map(|s| time::format(s.first)),
        last: reading.span.map(|s| time::format(s.last)),
        vaults: Vec::new(),
        vaults_without_calls: Vec::new(),
        grants: Vec::new(),
        changes: Vec::new(),
    };
    for vault in &engine.snapshot.vaults {
        if filter.scope.as_ref().is_some_and(|f| {
            !f.contains_structurally(&vault.scope) && !vault.scope.contains_structurally(f)
        }) {
            continue;
        }
        if !logged_vaults.contains(vault.scope.key()) {
            out.vaults_without_calls.push(vault.scope.id().to_string());
            continue;
        }
        out.vaults.push(vault.scope.id().to_string());
        for a in &engine.snapshot.role_assignments {
            if vault.scope.contains_structurally(&a.scope)
                && filter
                    .principal
                    .as_ref()
                    .is_none_or(|p| *p == a.principal_id)
                && !needed.grants.contains(&a.id.to_ascii_lowercase())
                && let Some(role) = data_role_name(engine, a)
            {
                out.grants.push(UnusedGrant {
                    kind: UnusedKind::RoleAssignment,
                    vault: vault.scope.id().to_string(),
                    id: a.id.clone(),
                    principal_id: a.principal_id.clone(),
                    principal_name: crate::display::name_of(engine, &a.principal_id),
                    role_name: Some(clean(&role).into_owned()),
                    scope: a.scope.id().to_string(),
                    unused_permissions: Vec::new(),
                    used_permissions: Vec::new(),
                    note: (!vault.rbac_authorization).then(|| {
                        "inactive now: the vault uses access policies (it would grant after a switch to RBAC)".to_string()
                    }),
                });
                out.changes.push(Change::RemoveRoleAssignment {
                    id: Some(a.id.clone()),
                    principal: None,
                    role: None,
                    scope: None,
                });
            }
        }
        for entry in &vault.access_policies {
            if filter
                .principal
                .as_ref()
                .is_none_or(|p| *p == entry.object_id)
            {
                judge_entry(engine, vault, entry, &needed, &mut out);
            }
        }
    }
    out
}

/// Calls `f` for every summary the filter admits, with the grants the evaluator names as allowing its
/// successful calls (none when it had no success, or the evaluator does not allow it now): what a call
/// "needed".
pub fn needing(
    reading: &Reading,
    engine: &Engine,
    filter: &Filter,
    mut f: impl FnMut(&Key, &Summary, Vec<Grant>),
) {
    let store = &reading.store;
    for (k, s) in &store.summaries {
        if !filter.admits(store, k) {
            continue;
        }
        let grants = (s.successes > 0)
            .then(|| join::verdict(engine, store, k).ok())
            .flatten()
            .filter(|v| {
                matches!(
                    v.decision,
                    Decision::Allowed | Decision::Conditional | Decision::Unknown
                )
            })
            .map(|v| v.grants)
            .unwrap_or_default();
        f(k, s, grants);
    }
}

/// The role's name when it grants any data action (the assignments this answer judges).
fn data_role_name(engine: &Engine, a: &RoleAssignment) -> Option<String> {
    engine
        .snapshot
        .role_definitions
        .iter()
        .find(|d| {
            d.id.eq_ignore_ascii_case(&a.role_definition_id) || d.guid == a.role_definition_guid
        })
        .filter(|d| d.permissions.iter().any(|p| !p.data_actions.is_empty()))
        .map(|d| d.role_name.clone())
}

const JUDGED: [PolicyKind; 3] = [
    PolicyKind::Keys,
    PolicyKind::Secrets,
    PolicyKind::Certificates,
];

fn judge_entry(
    engine: &Engine,
    vault: &Vault,
    entry: &AccessPolicy,
    needed: &Needed,
    out: &mut Unused,
) {
    let id = entry.reference(&vault.scope);
    let used = needed.permissions.get(&id.to_ascii_lowercase());
    let used_in = |kind: PolicyKind, p: &str| {
        used.is_some_and(|u| {
            u.contains(&format!("{}/{}", kind.as_str(), p))
                || u.contains(&format!("{}/all", kind.as_str()))
        })
    };
    let mut kept = PolicyPermissions {
        storage: entry.storage.clone(),
        ..PolicyPermissions::default()
    };
    let (mut used_list, mut unused_list) = (Vec::new(), Vec::new());
    for kind in JUDGED {
        for p in entry.permissions(kind) {
            let name = format!("{}/{p}", kind.as_str());
            if used_in(kind, p) {
                used_list.push(name);
                match kind {
                    PolicyKind::Keys => kept.keys.push(p.clone()),
                    PolicyKind::Secrets => kept.secrets.push(p.clone()),
                    PolicyKind::Certificates => kept.certificates.push(p.clone()),
                    PolicyKind::Storage => {}
                }
            } else {
                unused_list.push(name);
            }
        }
    }
    if unused_list.is_empty() {
        return;
    }
    let whole = used_list.is_empty() && entry.storage.is_empty();
    out.grants.push(UnusedGrant {
        kind: if whole {
            UnusedKind::AccessPolicyEntry
        } else {
            UnusedKind::AccessPolicyPermissions
        },
        vault: vault.scope.id().to_string(),
        id,
        principal_id: entry.object_id.clone(),
        principal_name: crate::display::name_of(engine, &entry.object_id),
        role_name: None,
        scope: vault.scope.id().to_string(),
        unused_permissions: unused_list,
        used_permissions: used_list,
        note: vault.rbac_authorization.then(|| {
            "inactive now: the vault uses Azure RBAC (the entry would grant after a switch back)".to_string()
        }),
    });
    out.changes.push(Change::RemoveAccessPolicy {
        vault: vault.scope.id().to_string(),
        object_id: entry.object_id.clone(),
        application_id: entry.application_id.clone(),
    });
    if !whole {
        out.changes.push(Change::AddAccessPolicy {
            vault: vault.scope.id().to_string(),
            object_id: entry.object_id.clone(),
            application_id: entry.application_id.clone(),
            tenant_id: entry.tenant_id.clone(),
            permissions: kept,
        });
    }
}
