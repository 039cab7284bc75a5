//! The operations kvaccess knows: every Key Vault data operation, with the access-policy permission that
//! allows it and the RBAC data action(s) it needs, plus the management-plane actions that matter for vaults.
//!
//! Data operations are listed at access-policy granularity (`keys/get` and `keys/list` are two operations)
//! because that is the finer of the two vocabularies: RBAC's `keys/read` covers both. The data-action map is
//! Microsoft's compare tool's (`docs/semantics.md` D4), including `secrets/set` needing `setSecret/action` *and*
//! `update/action`.

use serde::Serialize;

use crate::error::QueryError;
use crate::model::PolicyKind;

/// Which endpoint and which authorization system an operation goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Plane {
    /// ARM (`management.azure.com`): always Azure RBAC `Actions`.
    Management,
    /// The vault endpoint (`<vault>.vault.azure.net`): access policies or RBAC `DataActions`.
    Data,
}

impl Plane {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Management => "management",
            Self::Data => "data",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Short name: `secrets/get` for data operations, `vaults/write` or `roleAssignments/write` for management.
    pub name: &'static str,
    pub plane: Plane,
    /// The access-policy list and permission that allow it (data operations only).
    pub policy: Option<(PolicyKind, &'static str)>,
    /// RBAC actions needed, all of them: data actions for data operations, one action for management ones.
    pub actions: &'static [&'static str],
    /// The operation group used as a matrix column (`secrets/get`, `keys/use`, `vault/configure`…).
    pub group: &'static str,
}

impl Operation {
    pub fn is_purge(&self) -> bool {
        self.actions
            .iter()
            .any(|a| a.to_ascii_lowercase().contains("purge"))
    }
}

mod table;
use table::{DATA, MANAGEMENT};

/// Every operation, data first, with data-operation names filled in (`keys/get`).
pub fn operations() -> &'static [Operation] {
    static ALL: std::sync::OnceLock<Vec<Operation>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<Operation> = DATA
            .iter()
            .map(|op| {
                let (kind, perm) = op.policy.unwrap_or((PolicyKind::Keys, ""));
                let name: &'static str =
                    Box::leak(format!("{}/{}", kind.as_str(), perm).into_boxed_str());
                Operation { name, ..op.clone() }
            })
            .collect();
        all.extend(MANAGEMENT.iter().cloned());
        all
    })
}

/// Whether an access-policy list accepts this (lower-cased) permission name.
pub fn is_policy_permission(kind: PolicyKind, name: &str) -> bool {
    name == "all"
        || DATA.iter().any(|op| {
            op.policy
                .is_some_and(|(k, p)| k == kind && p.eq_ignore_ascii_case(name))
        })
}

/// A question's action, resolved from either vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    /// The full action string (the first RBAC data action for data operations).
    pub canonical: String,
    /// What the user asked, normalised: `secrets/get`, or the full string.
    pub label: String,
    pub plane: Plane,
    /// RBAC actions that must all be allowed (data actions on the data plane).
    pub rbac_actions: Vec<String>,
    /// Access-policy permissions that must all be held (data plane only).
    pub policy: Vec<(PolicyKind, String)>,
    pub purge: bool,
    /// Position of each of `rbac_actions` in [`rbac_action_table`] (for precomputed role lookups).
    pub rbac_ids: Vec<Option<usize>>,
}

/// Every distinct RBAC action string of the catalog, lower-cased: engines precompute what each role and
/// deny assignment says about each of them once, instead of matching patterns per question.
pub fn rbac_action_table() -> &'static [String] {
    static TABLE: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut all: Vec<String> = operations()
            .iter()
            .flat_map(|op| op.actions.iter().map(|a| a.to_ascii_lowercase()))
            .collect();
        all.sort();
        all.dedup();
        all
    })
}

impl Action {
    fn new(
        canonical: String,
        label: String,
        plane: Plane,
        rbac_actions: Vec<String>,
        policy: Vec<(PolicyKind, String)>,
        purge: bool,
    ) -> Self {
        let table = rbac_action_table();
        let rbac_ids = rbac_actions
            .iter()
            .map(|a| table.binary_search(&a.to_ascii_lowercase()).ok())
            .collect();
        Self {
            canonical,
            label,
            plane,
            rbac_actions,
            policy,
            purge,
            rbac_ids,
        }
    }

    fn from_operation(op: &Operation) -> Self {
        Self::new(
            op.actions.first().copied().unwrap_or_default().to_string(),
            op.name.to_string(),
            op.plane,
            op.actions.iter().map(|a| a.to_string()).collect(),
            op.policy
                .map(|(k, p)| vec![(k, p.to_ascii_lowercase())])
                .unwrap_or_default(),
            op.is_purge(),
        )
    }

    /// An ARM action outside Key Vault's catalog, taken as written: a management action, or a data action
    /// of another provider (`Microsoft.Compute/virtualMachines/login/action`). A `*` in it is part of the
    /// name (`Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action` is itself an action).
    pub fn arm(text: &str, plane: Plane) -> Self {
        Self::new(
            text.to_string(),
            text.to_string(),
            plane,
            vec![text.to_string()],
            Vec::new(),
            false,
        )
    }

    /// A data action of another provider than Key Vault (signing in to a VM): decided by Azure RBAC alone,
    /// at any scope.
    pub fn is_foreign_data(&self) -> bool {
        self.plane == Plane::Data
            && !self
                .canonical
                .to_ascii_lowercase()
                .starts_with("microsoft.keyvault/")
    }

    /// The vault object kind a data action is about.
    pub fn policy_kind(&self) -> Option<PolicyKind> {
        self.policy.first().map(|(k, _)| *k)
    }
}

const DATA_PREFIX: &str = "microsoft.keyvault/vaults/";

/// Object types under `Microsoft.KeyVault/vaults/` that only have data actions (ARM's own child types,
/// `secrets` and `keys`, are covered by the management catalog entries).
const DATA_OBJECTS: &[&str] = &[
    "certificates",
    "certificatecas",
    "certificatecontacts",
    "keyrotationpolicies",
    "storageaccounts",
    "keys",
    "secrets",
];

/// Resolves an action in either vocabulary: an access-policy word (`secrets/get`, `Keys/WrapKey`), a catalog
/// short name (`vaults/write`), a full data action (`Microsoft.KeyVault/vaults/keys/read`, or `keys/read`),
/// or any other full action string, which is evaluated as a management action.
pub fn resolve(input: &str) -> Result<Action, QueryError> {
    let text = input.trim();
    let lower = text.to_ascii_lowercase();
    let unknown = || {
        QueryError::UnknownAction(
            crate::sanitize::cut(input),
            crate::suggest::hint(&crate::suggest::actions(text)),
        )
    };
    if text.is_empty() || text.contains(char::is_whitespace) {
        return Err(unknown());
    }
    if let Some(op) = operations()
        .iter()
        .find(|op| op.name.eq_ignore_ascii_case(text))
    {
        return Ok(Action::from_operation(op));
    }
    let full = if lower.starts_with(DATA_PREFIX) {
        lower.clone()
    } else {
        format!("{DATA_PREFIX}{lower}")
    };
    let data_ops: Vec<&Operation> = operations()
        .iter()
        .filter(|op| {
            op.plane == Plane::Data && op.actions.iter().any(|a| a.eq_ignore_ascii_case(&full))
        })
        .collect();
    if let Some(first) = data_ops.first() {
        let canonical = first
            .actions
            .iter()
            .find(|a| a.eq_ignore_ascii_case(&full))
            .copied()
            .unwrap_or_default();
        return Ok(Action::new(
            canonical.to_string(),
            canonical.to_string(),
            Plane::Data,
            vec![canonical.to_string()],
            data_ops
                .iter()
                .filter_map(|op| op.policy.map(|(k, p)| (k, p.to_ascii_lowercase())))
                .collect(),
            first.is_purge(),
        ));
    }
    if let Some(op) = operations().iter().find(|op| {
        op.plane == Plane::Management && op.actions.iter().any(|a| a.eq_ignore_ascii_case(text))
    }) {
        return Ok(Action::from_operation(op));
    }
    // A misspelt data action must not be read as some management action that `Microsoft.KeyVault/*` grants.
    if let Some(rest) = lower.strip_prefix(DATA_PREFIX)
        && DATA_OBJECTS.contains(&rest.split('/').next().unwrap_or(""))
    {
        return Err(unknown());
    }
    // Any other `Provider.Namespace/...` string is a management action (wildcards are patterns, not actions).
    let provider = text.split('/').next().unwrap_or("");
    if text.contains('/') && provider.contains('.') && !text.contains('*') {
        return Ok(Action::new(
            text.to_string(),
            text.to_string(),
            Plane::Management,
            vec![text.to_string()],
            Vec::new(),
            lower.ends_with("/purge/action"),
        ));
    }
    Err(unknown())
}

#[cfg(test)]
mod tests;
