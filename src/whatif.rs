//! What-if: hypothetical changes applied to a copy of a snapshot, and the exact difference they make.
//!
//! Nothing here talks to Azure and nothing modifies the snapshot it is given: [`apply`] works on a clone,
//! [`diff`] compares two snapshots with the same engine that answers `check`, and [`Scenario`] is the
//! state a front-end keeps (the change list with on/off toggles).
//!
//! # The change list
//!
//! A JSON array of objects, each tagged by `kind` (the same format in the CLI, the TUI and `migrate`'s
//! output). Principals may be given as an object id, a UPN, an appId or an unambiguous display name; roles
//! as a role name, a GUID or a full role-definition id; vaults as a full id or an unambiguous name.
//! Every change may carry `"enabled": false` to stay in the file without being applied.
//!
//! | kind | fields |
//! |---|---|
//! | `addRoleAssignment` | `principal`, `role`, `scope`, `condition`?, `conditionVersion`?, `id`? (GUID or full id) |
//! | `removeRoleAssignment` | `id` (full id or GUID), or `principal` + `role` + `scope` |
//! | `addAccessPolicy` | `vault`, `objectId`, `applicationId`?, `tenantId`?, `permissions` {`keys`,`secrets`,`certificates`,`storage`} |
//! | `removeAccessPolicy` | `vault`, `objectId`, `applicationId`? |
//! | `setPermissionModel` | `vault`, `enableRbacAuthorization` |
//! | `addGroupMember` / `removeGroupMember` | `group`, `member` |
//! | `setNetworkAcls` | `vault`, `networkAcls` (ARM shape: `defaultAction`, `bypass`, `ipRules`, `virtualNetworkRules`; `null` removes the firewall) |
//! | `setPublicNetworkAccess` | `vault`, `value` (`Enabled`, `Disabled`, `SecuredByPerimeter`) |
//! | `addDenyAssignment` | `scope`, `permissions` [{`actions`,`notActions`,`dataActions`,`notDataActions`}], `principals`, `excludePrincipals`?, `doNotApplyToChildScopes`?, `denyAssignmentName`?, `id`? |
//! | `removeDenyAssignment` | `id` |
//! | `activateEligibility` | `id` (PIM eligibility id or GUID): becomes an active role assignment |
//! | `addRoleDefinition` | `roleName`, `assignableScopes`, `permissions`, `description`?, `id`? (custom roles; `migrate` emits them) |
//!
//! Changes apply in order, each validated against the result of the ones before it, so a list can create a
//! custom role and then assign it. A change that fails validation is reported with its index and field
//! (`changes[3].role: no role definition named 'Key Vault Secret User' (did you mean 'Key Vault Secrets
//! User'?)`) and the whole list is rejected.

mod affected;
mod apply;
mod arm;
mod change;
mod diff;
mod emit;
mod grouped;
mod migrate;
mod parse;
mod plan;
mod resolve;
mod scenario;
mod terraform;

use std::fmt;

use thiserror::Error;

pub use apply::{Applied, Outcome, apply, apply_detailed};
pub use arm::read_arm_whatif;
pub use change::{
    Change, ChangeKind, IdRef, IpRuleRef, NetworkAclsSpec, PermissionSpec, PolicyPermissions,
};
pub use diff::{CellChange, Diff, DiffStats, NetworkChange, diff, diff_engines, diff_grouped};
pub use emit::az_commands;
pub use grouped::{
    ChangeGroup, DenyRef, EscalationChange, FlatCell, FlatEscalation, GrantRef, GroupedDiff,
    principal_ref,
};
pub use migrate::{EntryPlan, MigrateError, MigrationPlan, PrincipalDelta, plan_migration};
pub use parse::{parse_change, parse_changes};
pub use plan::{Effect, Pending, Plan, PlanError, PlannedChange, Skipped};
pub use scenario::{Evaluated, Scenario, ScenarioEntry, summary, summary_lines};
pub use terraform::read_terraform_plan;

/// One problem with one change: `changes[3].role: no role definition named …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeError {
    /// Position in the change list as given (disabled changes count).
    pub index: usize,
    /// The offending field (`role`, `permissions.secrets[1]`), or `None` for the change as a whole.
    pub field: Option<String>,
    pub message: String,
}

impl ChangeError {
    pub fn new(index: usize, field: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            index,
            field: field.map(str::to_string),
            message: message.into(),
        }
    }

    /// `changes[3].role` or `changes[3]`.
    pub fn path(&self) -> String {
        match &self.field {
            Some(f) => format!("changes[{}].{f}", self.index),
            None => format!("changes[{}]", self.index),
        }
    }
}

impl fmt::Display for ChangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path(), self.message)
    }
}

/// Why a change list could not be read or applied. Every problem is listed, not only the first.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum WhatIfError {
    #[error("the change list is not valid JSON at line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("the change list must be a JSON array of changes, found {0}")]
    NotAList(String),
    #[error("{} invalid change(s):\n{}", .0.len(), list(.0))]
    Invalid(Vec<ChangeError>),
}

fn list(errors: &[ChangeError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl WhatIfError {
    /// The per-change problems (empty for syntax errors).
    pub fn problems(&self) -> &[ChangeError] {
        match self {
            Self::Invalid(v) => v,
            _ => &[],
        }
    }
}
