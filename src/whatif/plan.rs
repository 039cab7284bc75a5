//! A plan from another tool (a Terraform plan, an ARM what-if) read as a change list, with what could not
//! be read as one kept beside it: changes whose values are only known at apply time, and resources the
//! gate does not understand. Nothing is dropped silently.

use serde::Serialize;

use crate::model::Snapshot;

use super::apply::{Outcome, apply_what_applies};
use super::change::Change;
use super::scenario::Scenario;

/// One change of the list, with the plan resource it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedChange {
    pub change: Change,
    /// The Terraform address (`module.kv.azurerm_role_assignment.reader["a"]`) or ARM resource id.
    pub address: String,
    /// Where the resource is in the plan file (`resource_changes[3]`).
    pub path: String,
    /// What the plan does to the resource: `create`, `update`, `delete`, `replace` (Terraform) or
    /// `create`, `modify`, `deploy`, `delete` (ARM).
    pub action: String,
}

/// Whether a change that cannot be evaluated could give someone data-plane access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Effect {
    /// It grants data access to someone (a new identity, a new vault's access policy).
    Adds,
    /// It might, depending on values the plan does not show.
    MayAdd,
    /// It can only take access away or leaves it alone.
    None,
}

impl Effect {
    pub fn may_add(self) -> bool {
        self != Self::None
    }
}

/// A change the gate saw but cannot evaluate against the snapshot: the answers it affects are unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pending {
    pub address: String,
    pub path: String,
    /// `create`, `update`, `delete`, `replace`.
    pub action: String,
    /// What the resource does, in words (`assigns 'Key Vault Secrets User' at kv-app`).
    pub what: String,
    /// Why it is not evaluated (`principal_id is known only after apply: the identity …`).
    pub reason: String,
    pub effect: Effect,
}

/// A resource change of a type (or shape) the gate does not understand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    pub address: String,
    pub path: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub action: String,
    pub reason: String,
}

/// What a plan file says, as far as access goes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub changes: Vec<PlannedChange>,
    pub pending: Vec<Pending>,
    pub skipped: Vec<Skipped>,
}

impl Plan {
    /// The change list alone (what `--changes` would read).
    pub fn change_list(&self) -> Vec<Change> {
        self.changes.iter().map(|c| c.change.clone()).collect()
    }

    /// The change list as a scenario, after taking out the changes the snapshot cannot take (a principal
    /// or vault it does not hold, an assignment it lacks): those become [`Pending`] with the reason, so the
    /// rest is still evaluated. A hand-written change list would be rejected instead; a plan is read as far
    /// as it can be.
    pub fn against(&self, snapshot: &Snapshot) -> (Scenario, Vec<Pending>) {
        let (scenario, pending, _) = self.against_applied(snapshot);
        (scenario, pending)
    }

    /// [`Plan::against`], with the scenario applied to a copy of `snapshot` (what applying the scenario
    /// gives; the changes are applied once).
    pub fn against_applied(&self, snapshot: &Snapshot) -> (Scenario, Vec<Pending>, Outcome) {
        let (mut outcome, errors) =
            apply_what_applies(snapshot, self.changes.iter().map(|c| &c.change).enumerate());
        let mut pending = self.pending.clone();
        let mut failed: Vec<usize> = errors.iter().map(|e| e.index).collect();
        failed.sort_unstable();
        failed.dedup();
        // Listed last first, as they always were.
        for &i in failed.iter().rev() {
            let Some(c) = self.changes.get(i) else {
                continue;
            };
            let reason = errors
                .iter()
                .filter(|e| e.index == i)
                .map(|e| match &e.field {
                    Some(f) => format!("{f}: {}", e.message),
                    None => e.message.clone(),
                })
                .collect::<Vec<_>>()
                .join("; ");
            pending.push(Pending {
                address: c.address.clone(),
                path: c.path.clone(),
                action: c.action.clone(),
                what: describe(&c.change),
                reason: format!("the snapshot cannot take this change: {reason}"),
                effect: effect_of(&c.change),
            });
        }
        // A failed change left the state as it was: the outcome is the kept changes', numbered in the
        // scenario of the kept changes.
        for a in &mut outcome.applied {
            a.index -= failed.partition_point(|&f| f < a.index);
        }
        let kept = self
            .changes
            .iter()
            .enumerate()
            .filter(|(i, _)| failed.binary_search(i).is_err())
            .map(|(_, c)| c.change.clone());
        (Scenario::from_changes(kept), pending, outcome)
    }
}

/// Whether a change could add data-plane access, judged from its kind alone.
pub fn effect_of(change: &Change) -> Effect {
    match change {
        Change::AddAccessPolicy { .. } | Change::AddRoleAssignment { .. } => Effect::Adds,
        Change::AddGroupMember { .. }
        | Change::SetPermissionModel { .. }
        | Change::SetNetworkAcls { .. }
        | Change::SetPublicNetworkAccess { .. }
        | Change::ActivateEligibility { .. }
        | Change::AddRoleDefinition { .. }
        | Change::RemoveDenyAssignment { .. } => Effect::MayAdd,
        Change::RemoveRoleAssignment { .. }
        | Change::RemoveAccessPolicy { .. }
        | Change::RemoveGroupMember { .. }
        | Change::AddDenyAssignment { .. } => Effect::None,
    }
}

/// One line about a change, for reports.
pub fn describe(change: &Change) -> String {
    match change {
        Change::AddRoleAssignment {
            principal,
            role,
            scope,
            ..
        } => format!("assigns '{role}' to {principal} at {scope}"),
        Change::RemoveRoleAssignment { id, .. } => {
            format!(
                "removes role assignment {}",
                id.as_deref().unwrap_or("(by principal, role and scope)")
            )
        }
        Change::AddAccessPolicy {
            vault, object_id, ..
        } => format!("adds an access-policy entry for {object_id} on {vault}"),
        Change::RemoveAccessPolicy {
            vault, object_id, ..
        } => format!("removes the access-policy entry of {object_id} on {vault}"),
        Change::SetPermissionModel {
            vault,
            enable_rbac_authorization,
        } => format!("sets enableRbacAuthorization={enable_rbac_authorization} on {vault}"),
        Change::AddGroupMember { group, member } => format!("adds {member} to group {group}"),
        Change::RemoveGroupMember { group, member } => {
            format!("removes {member} from group {group}")
        }
        Change::SetNetworkAcls { vault, .. } => format!("sets the firewall of {vault}"),
        Change::SetPublicNetworkAccess { vault, value } => {
            format!("sets public network access of {vault} to {value}")
        }
        Change::AddDenyAssignment { scope, .. } => format!("adds a deny assignment at {scope}"),
        Change::RemoveDenyAssignment { id } => format!("removes deny assignment {id}"),
        Change::ActivateEligibility { id } => format!("activates eligibility {id}"),
        Change::AddRoleDefinition { role_name, .. } => {
            format!("defines the role '{role_name}'")
        }
    }
}

/// A plan file that cannot be read: where in it (a JSON path, or a line and column) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct PlanError {
    pub path: String,
    pub message: String,
}

impl PlanError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }

    /// A JSON syntax error, placed by line and column.
    pub fn syntax(e: &serde_json::Error) -> Self {
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or("").to_string();
        Self::new(
            format!("line {}, column {}", e.line(), e.column()),
            format!("not valid JSON: {message}"),
        )
    }
}
