//! Azure RBAC: role definitions, role assignments and deny assignments.

use crate::eval::pattern::ActionPattern;
use crate::model::scope::Scope;

/// One `permissions[]` block of a role definition or deny assignment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Permission {
    pub actions: Vec<ActionPattern>,
    pub not_actions: Vec<ActionPattern>,
    pub data_actions: Vec<ActionPattern>,
    pub not_data_actions: Vec<ActionPattern>,
    /// A role-definition-level ABAC condition (Key Vault Data Access Administrator carries one).
    pub condition: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoleDefinition {
    /// The id as given (scope-qualified or not).
    pub id: String,
    /// The trailing GUID, lower-cased: assignments refer to definitions by it, whatever scope prefix they use.
    pub guid: String,
    pub role_name: String,
    pub built_in: bool,
    pub description: String,
    pub assignable_scopes: Vec<String>,
    pub permissions: Vec<Permission>,
}

/// A role assignment, or (in `Snapshot::role_eligibilities`) a PIM eligibility of the same shape.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleAssignment {
    pub id: String,
    pub scope: Scope,
    pub role_definition_id: String,
    /// Lower-cased trailing GUID of `role_definition_id`.
    pub role_definition_guid: String,
    /// Lower-cased object id.
    pub principal_id: String,
    pub principal_type: String,
    pub condition: Option<String>,
    pub condition_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DenyAssignment {
    pub id: String,
    pub name: String,
    pub scope: Scope,
    pub do_not_apply_to_child_scopes: bool,
    pub permissions: Vec<Permission>,
    /// Lower-cased object ids; `EVERYONE` stands for all principals.
    pub principals: Vec<String>,
    pub exclude_principals: Vec<String>,
    pub is_system_protected: bool,
    /// `denyAssignmentEffect: audit` (preview) logs without blocking.
    pub audit_only: bool,
}

/// The last path segment of an id, lower-cased.
pub fn trailing_guid(id: &str) -> String {
    super::guid::canonical(id.trim_end_matches('/').rsplit('/').next().unwrap_or(""))
}
