//! What a diff reports: the cells whose decision changes, network changes, escalations added and removed,
//! and how much work it took.

use serde::Serialize;

use crate::catalog::Plane;
use crate::eval::{Decision, Deny, Grant, PrincipalRef, UnknownBecause};
use crate::model::Scope;
use crate::query::Finding;

/// One cell whose decision changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CellChange {
    pub principal: PrincipalRef,
    /// The application the principal calls through (compound identity), when that changes the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_app: Option<String>,
    /// A vault (standing for itself and every item without assignments of its own) or an item.
    pub scope: String,
    /// The operation: `secrets/get`, `vaults/write`, …
    pub action: String,
    pub plane: Plane,
    pub before: Decision,
    pub after: Decision,
    /// The grants that hold after the change (evidence of `check`).
    pub grants: Vec<Grant>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub denies: Vec<Deny>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_because: Vec<UnknownBecause>,
}

impl CellChange {
    /// A step up: denied < unknown < conditional < allowed.
    pub fn is_gain(&self) -> bool {
        self.after > self.before
    }

    /// Whether this is someone gaining (possibly conditional) data-plane access.
    pub fn gains_data_access(&self) -> bool {
        self.plane == Plane::Data && self.is_gain() && self.after.grants_something()
    }

    /// The vault the cell is in.
    pub fn vault(&self) -> Option<Scope> {
        Scope::parse(&self.scope).ok().and_then(|s| s.vault())
    }
}

/// A vault whose network rules differ. Decisions in the diff are taken without a caller location, so a
/// firewall change shows here rather than as cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkChange {
    pub vault: String,
    pub before: String,
    pub after: String,
    /// Whether any public address may call the data plane.
    pub any_network_before: bool,
    pub any_network_after: bool,
}

/// How much work the diff did (for benchmarks and the curious).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffStats {
    pub vaults: usize,
    pub wide_vaults: usize,
    /// (principal, vault) pairs evaluated.
    pub pairs: usize,
    /// Decisions compared (each taken twice).
    pub cells: usize,
    /// Identities whose change was inferred from a bystander representative.
    pub bystanders: usize,
    /// Classes of identities compared through one member (grouped diff).
    pub classes: usize,
    /// Classes answered by an equal class at another vault (grouped diff).
    pub shared: usize,
    pub global: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diff {
    /// The number of changes applied (what-if) or of objects that differ (`diff`).
    pub changes: usize,
    pub gained: Vec<CellChange>,
    pub lost: Vec<CellChange>,
    pub escalations_added: Vec<Finding>,
    pub escalations_removed: Vec<Finding>,
    pub network: Vec<NetworkChange>,
    #[serde(skip)]
    pub stats: DiffStats,
}

impl Diff {
    /// Whether anyone gains data-plane access (`--fail-on-gain`).
    pub fn gains_data_access(&self) -> bool {
        self.gained.iter().any(CellChange::gains_data_access)
    }

    pub fn is_empty(&self) -> bool {
        self.gained.is_empty()
            && self.lost.is_empty()
            && self.escalations_added.is_empty()
            && self.escalations_removed.is_empty()
            && self.network.is_empty()
    }

    /// The change of one cell, if any. An item without assignments of its own follows its vault.
    pub fn cell(&self, principal_id: &str, scope: &str, action: &str) -> Option<&CellChange> {
        let scope_key = scope.to_ascii_lowercase();
        let vault_key = Scope::parse(scope)
            .ok()
            .and_then(|s| s.vault())
            .map(|v| v.key().to_string());
        let find = |key: &str| {
            self.gained.iter().chain(&self.lost).find(|c| {
                c.via_app.is_none()
                    && c.principal.id == principal_id
                    && c.action.eq_ignore_ascii_case(action)
                    && c.scope.eq_ignore_ascii_case(key)
            })
        };
        find(&scope_key).or_else(|| vault_key.and_then(|v| find(&v)))
    }
}

impl DiffStats {
    pub(super) fn add(&mut self, other: &DiffStats) {
        self.vaults += other.vaults;
        self.wide_vaults += other.wide_vaults;
        self.pairs += other.pairs;
        self.cells += other.cells;
        self.bystanders += other.bystanders;
        self.classes += other.classes;
        self.shared += other.shared;
    }
}
