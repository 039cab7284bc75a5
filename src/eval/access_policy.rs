//! The access-policy data plane: vault-wide entries per object id, optionally bound to an application
//! (compound identity), permission names compared case-insensitively, `all` meaning everything but `purge`.

use crate::eval::index::{Chain, PrincipalSet};
use crate::eval::reason::Note;
use crate::eval::verdict::{Grant, GrantKind};
use crate::model::{AccessPolicy, PolicyKind, Vault};

#[derive(Debug, Default)]
pub struct PolicyScan {
    /// Entries that contribute a required permission.
    pub grants: Vec<Grant>,
    /// Required permissions that no applicable entry holds.
    pub lacking: Vec<(PolicyKind, String)>,
    pub notes: Vec<Note>,
}

impl PolicyScan {
    pub fn allowed(&self) -> bool {
        self.lacking.is_empty()
    }
}

/// Whether an entry's list holds a permission. `all` covers every permission of that kind except `purge`
/// (`docs/semantics.md` D2: Microsoft left `purge` out of `all` on purpose).
pub fn holds(entry: &AccessPolicy, kind: PolicyKind, permission: &str) -> Option<String> {
    let list = entry.permissions(kind);
    if list.iter().any(|p| p == permission) {
        Some(format!("{}/{}", kind.as_str(), permission))
    } else if permission != "purge" && list.iter().any(|p| p == "all") {
        Some(format!("{}/all", kind.as_str()))
    } else {
        None
    }
}

/// Evaluates the entries of `vault` for `who`, calling directly or through application `via_app`.
pub fn scan(
    vault: &Vault,
    who: &PrincipalSet,
    via_app: Option<&str>,
    required: &[(PolicyKind, String)],
) -> PolicyScan {
    scan_among(vault, who, via_app, required, None)
}

/// [`scan`], knowing which entries name `who` or one of its groups (positions, ascending): a vault can
/// hold a thousand entries, and a bulk query asks about thousands of principals.
pub fn scan_among(
    vault: &Vault,
    who: &PrincipalSet,
    via_app: Option<&str>,
    required: &[(PolicyKind, String)],
    among: Option<&[usize]>,
) -> PolicyScan {
    let reached: Vec<(&AccessPolicy, Chain)> = match among {
        Some(positions) => positions
            .iter()
            .filter_map(|&i| vault.access_policies.get(i))
            .filter_map(|e| who.reach(&e.object_id).map(|via| (e, via)))
            .collect(),
        None => vault
            .access_policies
            .iter()
            .filter_map(|e| who.reach(&e.object_id).map(|via| (e, via)))
            .collect(),
    };
    let mut out = PolicyScan::default();
    let mut held = vec![false; required.len()];
    for &(entry, via) in &reached {
        let matched: Vec<(usize, String)> = required
            .iter()
            .enumerate()
            .filter_map(|(i, (k, p))| holds(entry, *k, p).map(|m| (i, m)))
            .collect();
        if matched.is_empty() {
            continue;
        }
        if let Some(app) = &entry.application_id
            && via_app != Some(app.as_str())
        {
            out.notes.push(Note::BoundToApp {
                object_id: entry.object_id.clone(),
                app_id: app.clone(),
                app_name: None,
                matched: matched.iter().map(|(_, m)| m.clone()).collect(),
            });
            continue;
        }
        for (i, _) in &matched {
            if let Some(h) = held.get_mut(*i) {
                *h = true;
            }
        }
        out.grants.push(Grant {
            kind: GrantKind::AccessPolicy,
            id: entry.reference(&vault.scope),
            role_name: None,
            role_definition_id: None,
            scope: vault.scope.id().to_string(),
            principal_id: entry.object_id.clone(),
            via_groups: via.ids(),
            condition: None,
            matched: matched.into_iter().map(|(_, m)| m).collect(),
        });
    }
    out.lacking = required
        .iter()
        .zip(held)
        .filter(|(_, h)| !h)
        .map(|(r, _)| r.clone())
        .collect();
    if required.iter().any(|(_, p)| p == "purge")
        && reached.iter().any(|(e, _)| {
            PolicyKind::ALL
                .iter()
                .any(|k| e.permissions(*k).iter().any(|p| p == "all"))
        })
        && !out.allowed()
    {
        out.notes.push(Note::AllExcludesPurge);
    }
    out
}
