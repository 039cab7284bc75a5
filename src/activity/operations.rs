//! Key Vault's logged operation names (`SecretGet`, `KeySign`, `VaultPatch`…) and what each one needs: the
//! access-policy permission and the RBAC action. The table is data, `assets/kv-log-operations.csv`, whose
//! header comments cite its sources; it is embedded so the binary needs no file beside it.

use std::sync::OnceLock;

use serde::Serialize;

use crate::catalog::{self, Action};

const TABLE: &str = include_str!("../../assets/kv-log-operations.csv");

/// Where a logged operation is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum LogPlane {
    /// The vault endpoint: access policies or RBAC data actions.
    Data,
    /// ARM (VaultGet, VaultPatch…): RBAC actions only.
    Control,
    /// Entra authentication, before any object is touched.
    Auth,
    /// Emitted by the service itself (Event Grid notifications, scheduled rotation): nobody called.
    System,
}

/// One logged operation and what it needs.
#[derive(Debug, Clone)]
pub struct LoggedOperation {
    pub name: String,
    pub plane: LogPlane,
    /// The access-policy permission as `kind/permission` (`secrets/get`), data plane only.
    pub permission: Option<String>,
    /// The RBAC data action (data plane) or ARM action (control plane).
    pub rbac_action: Option<String>,
    /// Resolved for an access-policy vault (from `permission`) and for RBAC (from `rbac_action`).
    pub for_policy: Option<Action>,
    pub for_rbac: Option<Action>,
}

impl LoggedOperation {
    /// The action to evaluate for a call on a vault with this permission model.
    pub fn action(&self, rbac_vault: bool) -> Option<&Action> {
        match self.plane {
            LogPlane::Data if rbac_vault => self.for_rbac.as_ref(),
            LogPlane::Data => self.for_policy.as_ref(),
            LogPlane::Control => self.for_rbac.as_ref(),
            LogPlane::Auth | LogPlane::System => None,
        }
    }
}

/// Looks an operation name up, ignoring letter case.
pub fn lookup(name: &str) -> Option<&'static LoggedOperation> {
    let table = table();
    table
        .by_name
        .get(name)
        .or_else(|| table.by_name.get(&name.to_ascii_lowercase()))
        .and_then(|&i| table.ops.get(i))
}

/// Every operation of the table.
pub fn all() -> &'static [LoggedOperation] {
    &table().ops
}

struct Table {
    ops: Vec<LoggedOperation>,
    by_name: rustc_hash::FxHashMap<String, usize>,
}

fn table() -> &'static Table {
    static TABLE_CELL: OnceLock<Table> = OnceLock::new();
    TABLE_CELL.get_or_init(|| parse(TABLE))
}

/// The first word of a cell, or nothing for `-` and `n/a (ARM)`; a parenthesised remark is dropped.
fn first_word(cell: &str) -> Option<String> {
    let cell = cell.split('(').next().unwrap_or("").trim();
    let word = cell.split([' ', ';']).next().unwrap_or("").trim();
    (!word.is_empty() && word != "-" && word != "n/a").then(|| word.to_string())
}

/// The access-policy cell can pair with several names: `certificates/getissuers / listissuers`.
fn permissions(cell: &str) -> Vec<Option<String>> {
    let cell = cell.split('(').next().unwrap_or("").trim();
    let mut kind = String::new();
    cell.split(" / ")
        .map(|p| {
            let p = first_word(p)?;
            match p.split_once('/') {
                Some((k, _)) => {
                    kind = k.to_string();
                    Some(p)
                }
                None if !kind.is_empty() => Some(format!("{kind}/{p}")),
                None => None,
            }
        })
        .collect()
}

fn parse(text: &str) -> Table {
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let mut ops = Vec::new();
    let mut by_name = rustc_hash::FxHashMap::default();
    for row in reader.records().flatten() {
        let cell = |i: usize| row.get(i).unwrap_or("").trim();
        let names: Vec<&str> = cell(0).split(" / ").map(str::trim).collect();
        if names.iter().any(|n| n.starts_with('(')) {
            continue; // an operation the logging page does not name
        }
        let plane = match cell(1) {
            "data" => LogPlane::Data,
            "control" => LogPlane::Control,
            "auth" => LogPlane::Auth,
            _ => LogPlane::System,
        };
        let perms = permissions(cell(2));
        let rbac_action = first_word(cell(3));
        for (i, name) in names.iter().enumerate() {
            let name = match name.split_once(' ') {
                Some((n, _)) => n,
                None => name,
            };
            let permission = perms.get(i).or(perms.first()).cloned().flatten();
            let permission = permission.filter(|_| plane == LogPlane::Data);
            let for_policy = permission.as_deref().and_then(|p| catalog::resolve(p).ok());
            let for_rbac = rbac_action
                .as_deref()
                .filter(|_| matches!(plane, LogPlane::Data | LogPlane::Control))
                .and_then(|a| catalog::resolve(a).ok());
            by_name.insert(name.to_string(), ops.len());
            by_name.insert(name.to_ascii_lowercase(), ops.len());
            ops.push(LoggedOperation {
                name: name.to_string(),
                plane,
                permission,
                rbac_action: rbac_action.clone(),
                for_policy,
                for_rbac,
            });
        }
    }
    Table { ops, by_name }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Plane;

    #[test]
    fn every_data_and_control_operation_resolves_in_the_catalog() {
        assert!(all().len() > 70, "{}", all().len());
        for op in all() {
            match op.plane {
                LogPlane::Data => {
                    let p = op
                        .for_policy
                        .as_ref()
                        .unwrap_or_else(|| panic!("{}", op.name));
                    let r = op
                        .for_rbac
                        .as_ref()
                        .unwrap_or_else(|| panic!("{}", op.name));
                    assert_eq!(p.plane, Plane::Data, "{}", op.name);
                    assert_eq!(r.plane, Plane::Data, "{}", op.name);
                }
                LogPlane::Control => {
                    let r = op
                        .for_rbac
                        .as_ref()
                        .unwrap_or_else(|| panic!("{}", op.name));
                    assert_eq!(r.plane, Plane::Management, "{}", op.name);
                }
                LogPlane::Auth | LogPlane::System => assert!(op.action(true).is_none()),
            }
        }
    }

    #[test]
    fn the_documented_pairs() {
        let get = lookup("SecretGet").unwrap();
        assert_eq!(get.permission.as_deref(), Some("secrets/get"));
        assert_eq!(get.for_policy.as_ref().unwrap().label, "secrets/get");
        assert_eq!(
            get.for_rbac.as_ref().unwrap().rbac_actions,
            ["Microsoft.KeyVault/vaults/secrets/getSecret/action"]
        );
        // SecretUpdate: `set` under access policies, only `update/action` under RBAC.
        let update = lookup("secretupdate").unwrap();
        assert_eq!(update.permission.as_deref(), Some("secrets/set"));
        assert_eq!(
            update.action(true).unwrap().rbac_actions,
            ["Microsoft.KeyVault/vaults/secrets/update/action"]
        );
        let issuers = lookup("CertificateIssuersList").unwrap();
        assert_eq!(
            issuers.permission.as_deref(),
            Some("certificates/listissuers")
        );
        let contacts = lookup("CertificateContactsDelete").unwrap();
        assert_eq!(
            contacts.permission.as_deref(),
            Some("certificates/managecontacts")
        );
        let rot = lookup("KeyRotationPolicyGet").unwrap();
        assert_eq!(rot.permission.as_deref(), Some("keys/getrotationpolicy"));
        let patch = lookup("VaultPatch").unwrap();
        assert_eq!(patch.plane, LogPlane::Control);
        assert_eq!(
            patch.action(false).unwrap().canonical,
            "Microsoft.KeyVault/vaults/write"
        );
        assert_eq!(lookup("VaultListDeleted").unwrap().plane, LogPlane::Control);
        assert_eq!(lookup("Authentication").unwrap().plane, LogPlane::Auth);
        assert_eq!(
            lookup("KeyNearExpiryEventGridNotification").unwrap().plane,
            LogPlane::System
        );
        assert!(lookup("NoSuchOperation").is_none());
    }
}
