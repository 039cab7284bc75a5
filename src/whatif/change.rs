//! The change vocabulary. Serialising a [`Change`] gives the JSON the parser reads back (a round trip the
//! tests check), so a front-end can save what it built.

use serde::Serialize;

/// The four permission lists of an access-policy entry, as Azure spells them (`get`, `wrapKey`, `all`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyPermissions {
    pub keys: Vec<String>,
    pub secrets: Vec<String>,
    pub certificates: Vec<String>,
    pub storage: Vec<String>,
}

/// One `permissions[]` block of a role definition or deny assignment.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionSpec {
    pub actions: Vec<String>,
    pub not_actions: Vec<String>,
    pub data_actions: Vec<String>,
    pub not_data_actions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// `{"id": …}`: a principal of a deny assignment, or a virtual-network rule. The parser also accepts a
/// bare string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdRef {
    pub id: String,
}

/// `{"value": …}`: an IP rule. The parser also accepts a bare string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpRuleRef {
    pub value: String,
}

/// A vault firewall in the ARM shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkAclsSpec {
    /// `Allow` or `Deny`.
    pub default_action: String,
    /// `AzureServices` or `None`.
    pub bypass: String,
    pub ip_rules: Vec<IpRuleRef>,
    pub virtual_network_rules: Vec<IdRef>,
}

/// One hypothetical change. Field names are the JSON ones (camelCase); see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Change {
    AddRoleAssignment {
        principal: String,
        role: String,
        scope: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        condition: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        condition_version: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    /// By `id`, or by `principal` + `role` + `scope`.
    RemoveRoleAssignment {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        principal: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        role: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
    },
    AddAccessPolicy {
        vault: String,
        object_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        application_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        tenant_id: Option<String>,
        permissions: PolicyPermissions,
    },
    RemoveAccessPolicy {
        vault: String,
        object_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        application_id: Option<String>,
    },
    SetPermissionModel {
        vault: String,
        enable_rbac_authorization: bool,
    },
    AddGroupMember {
        group: String,
        member: String,
    },
    RemoveGroupMember {
        group: String,
        member: String,
    },
    /// `None` (JSON `null`) removes the firewall.
    SetNetworkAcls {
        vault: String,
        network_acls: Option<NetworkAclsSpec>,
    },
    SetPublicNetworkAccess {
        vault: String,
        value: String,
    },
    AddDenyAssignment {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        deny_assignment_name: Option<String>,
        scope: String,
        permissions: Vec<PermissionSpec>,
        principals: Vec<IdRef>,
        exclude_principals: Vec<IdRef>,
        do_not_apply_to_child_scopes: bool,
    },
    RemoveDenyAssignment {
        id: String,
    },
    ActivateEligibility {
        id: String,
    },
    AddRoleDefinition {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        role_name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        assignable_scopes: Vec<String>,
        permissions: Vec<PermissionSpec>,
    },
}

/// The kind of a change: the `kind` tag of its JSON, spelled here and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangeKind {
    AddRoleAssignment,
    RemoveRoleAssignment,
    AddAccessPolicy,
    RemoveAccessPolicy,
    SetPermissionModel,
    AddGroupMember,
    RemoveGroupMember,
    SetNetworkAcls,
    SetPublicNetworkAccess,
    AddDenyAssignment,
    RemoveDenyAssignment,
    ActivateEligibility,
    AddRoleDefinition,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 13] = [
        Self::AddRoleAssignment,
        Self::RemoveRoleAssignment,
        Self::AddAccessPolicy,
        Self::RemoveAccessPolicy,
        Self::SetPermissionModel,
        Self::AddGroupMember,
        Self::RemoveGroupMember,
        Self::SetNetworkAcls,
        Self::SetPublicNetworkAccess,
        Self::AddDenyAssignment,
        Self::RemoveDenyAssignment,
        Self::ActivateEligibility,
        Self::AddRoleDefinition,
    ];

    /// The `kind` tag as the JSON spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AddRoleAssignment => "addRoleAssignment",
            Self::RemoveRoleAssignment => "removeRoleAssignment",
            Self::AddAccessPolicy => "addAccessPolicy",
            Self::RemoveAccessPolicy => "removeAccessPolicy",
            Self::SetPermissionModel => "setPermissionModel",
            Self::AddGroupMember => "addGroupMember",
            Self::RemoveGroupMember => "removeGroupMember",
            Self::SetNetworkAcls => "setNetworkAcls",
            Self::SetPublicNetworkAccess => "setPublicNetworkAccess",
            Self::AddDenyAssignment => "addDenyAssignment",
            Self::RemoveDenyAssignment => "removeDenyAssignment",
            Self::ActivateEligibility => "activateEligibility",
            Self::AddRoleDefinition => "addRoleDefinition",
        }
    }

    /// The kind a `kind` tag names (exactly as spelled).
    pub fn parse(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == tag)
    }

    /// Every tag, for messages: `addRoleAssignment, removeRoleAssignment, …`.
    pub fn list() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Change {
    /// The kind of change (its `kind` tag).
    pub fn kind(&self) -> ChangeKind {
        match self {
            Self::AddRoleAssignment { .. } => ChangeKind::AddRoleAssignment,
            Self::RemoveRoleAssignment { .. } => ChangeKind::RemoveRoleAssignment,
            Self::AddAccessPolicy { .. } => ChangeKind::AddAccessPolicy,
            Self::RemoveAccessPolicy { .. } => ChangeKind::RemoveAccessPolicy,
            Self::SetPermissionModel { .. } => ChangeKind::SetPermissionModel,
            Self::AddGroupMember { .. } => ChangeKind::AddGroupMember,
            Self::RemoveGroupMember { .. } => ChangeKind::RemoveGroupMember,
            Self::SetNetworkAcls { .. } => ChangeKind::SetNetworkAcls,
            Self::SetPublicNetworkAccess { .. } => ChangeKind::SetPublicNetworkAccess,
            Self::AddDenyAssignment { .. } => ChangeKind::AddDenyAssignment,
            Self::RemoveDenyAssignment { .. } => ChangeKind::RemoveDenyAssignment,
            Self::ActivateEligibility { .. } => ChangeKind::ActivateEligibility,
            Self::AddRoleDefinition { .. } => ChangeKind::AddRoleDefinition,
        }
    }

    /// The change as JSON (the format [`parse_changes`](crate::whatif::parse_changes) reads).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}
