//! Entra facts the hops read: built-in directory role template ids and Microsoft Graph application
//! permission (app role) ids, with what each lets its holder do.
//!
//! Directory role template ids are from Microsoft's "Microsoft Entra built-in roles" reference
//! (learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference). The Graph app role
//! ids are the published identifiers of Microsoft Graph's application permissions (the
//! `appRoleId` of an `appRoleAssignment` whose resource is Microsoft Graph).

/// What a directory role or app role lets its holder do to other directory objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Power {
    /// Add members to groups (not role-assignable ones).
    AddMembers,
    /// Add credentials to applications and service principals.
    AddCredentials,
    /// Tier 0: can make itself anything (one tenant-level note, not per-vault paths).
    TenantAdmin,
}

/// A built-in Entra directory role that a hop names.
pub struct DirectoryRole {
    pub template_id: &'static str,
    pub name: &'static str,
    pub power: Power,
    /// Why it is a tier-0 power (for [`Power::TenantAdmin`]).
    pub why: &'static str,
}

pub const DIRECTORY_ROLES: &[DirectoryRole] = &[
    DirectoryRole {
        template_id: "62e90394-69f5-4237-9190-012177145e10",
        name: "Global Administrator",
        power: Power::TenantAdmin,
        why: "can elevate access to User Access Administrator at the root scope `/` and then grant itself any Azure role",
    },
    DirectoryRole {
        template_id: "e8611ab8-c189-46e8-94e1-60213ab1f814",
        name: "Privileged Role Administrator",
        power: Power::TenantAdmin,
        why: "can assign itself any Entra role, Global Administrator included",
    },
    DirectoryRole {
        template_id: "fdd7a751-b60b-444a-984c-02652fe8fa1c",
        name: "Groups Administrator",
        power: Power::AddMembers,
        why: "",
    },
    DirectoryRole {
        template_id: "fe930be7-5e62-47db-91af-98c3a49a38b1",
        name: "User Administrator",
        power: Power::AddMembers,
        why: "",
    },
    DirectoryRole {
        template_id: "9360feb5-f418-4baa-8175-e2a00bac4301",
        name: "Directory Writers",
        power: Power::AddMembers,
        why: "",
    },
    DirectoryRole {
        template_id: "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        name: "Application Administrator",
        power: Power::AddCredentials,
        why: "",
    },
    DirectoryRole {
        template_id: "158c047a-c907-4556-b7ef-446551a6b5f7",
        name: "Cloud Application Administrator",
        power: Power::AddCredentials,
        why: "",
    },
];

pub fn directory_role(template_id: &str) -> Option<&'static DirectoryRole> {
    DIRECTORY_ROLES
        .iter()
        .find(|r| r.template_id.eq_ignore_ascii_case(template_id))
}

/// A Microsoft Graph application permission that a hop names.
pub struct GraphPermission {
    pub app_role_id: &'static str,
    pub name: &'static str,
    pub power: Power,
}

pub const GRAPH_PERMISSIONS: &[GraphPermission] = &[
    GraphPermission {
        app_role_id: "dbaae8cf-10b5-4b86-a4a1-f871c94c6695",
        name: "GroupMember.ReadWrite.All",
        power: Power::AddMembers,
    },
    GraphPermission {
        app_role_id: "62a82d76-70ea-41e2-9197-370581804d09",
        name: "Group.ReadWrite.All",
        power: Power::AddMembers,
    },
    GraphPermission {
        app_role_id: "19dbc75e-c2e2-444c-a770-ec69d8559fc7",
        name: "Directory.ReadWrite.All",
        power: Power::AddMembers,
    },
    GraphPermission {
        app_role_id: "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
        name: "Application.ReadWrite.All",
        power: Power::AddCredentials,
    },
    GraphPermission {
        app_role_id: "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
        name: "RoleManagement.ReadWrite.Directory",
        power: Power::TenantAdmin,
    },
];

/// `Application.ReadWrite.OwnedBy`: what a service principal needs to use its ownership of an application.
pub const OWNED_BY: &str = "18a4783c-866b-4cc7-a460-3d5e5662c884";

pub fn graph_permission(app_role_id: &str) -> Option<&'static GraphPermission> {
    GRAPH_PERMISSIONS
        .iter()
        .find(|p| p.app_role_id.eq_ignore_ascii_case(app_role_id))
}

/// Whether a directory role assignment's `directoryScopeId` covers object `id` (`/` or `/<id>`); `None`
/// when it is an administrative unit, whose members the snapshot does not hold.
pub fn scope_covers(directory_scope_id: &str, id: &str) -> Option<bool> {
    let scope = directory_scope_id.trim();
    if scope == "/" || scope.is_empty() {
        return Some(true);
    }
    if scope
        .to_ascii_lowercase()
        .starts_with("/administrativeunits/")
    {
        return None;
    }
    Some(scope.trim_start_matches('/').eq_ignore_ascii_case(id))
}
