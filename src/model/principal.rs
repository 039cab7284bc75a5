//! Directory objects: who can hold access.

use serde::Serialize;

/// The four kinds of Entra ID object that Azure authorization knows, plus `Unknown` for directory objects
/// whose kind the snapshot does not say (and that are therefore never assumed to be groups).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PrincipalKind {
    User,
    Group,
    ServicePrincipal,
    ManagedIdentity,
    Unknown,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
            Self::ServicePrincipal => "servicePrincipal",
            Self::ManagedIdentity => "managedIdentity",
            Self::Unknown => "unknown",
        }
    }

    /// Identities sign in and call APIs; groups only carry grants to their members.
    pub fn is_identity(self) -> bool {
        !matches!(self, Self::Group)
    }

    /// Reads a role assignment's `principalType`.
    pub fn from_principal_type(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "user" => Self::User,
            "group" | "foreigngroup" => Self::Group,
            "serviceprincipal" => Self::ServicePrincipal,
            _ => Self::Unknown,
        }
    }
}

/// A user, group, service principal or managed identity. `id` and `app_id` are lower-cased.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub id: String,
    pub kind: PrincipalKind,
    pub display_name: String,
    pub user_principal_name: Option<String>,
    pub app_id: Option<String>,
}

/// One direct membership edge (Graph `GET /groups/{id}/members`); the evaluator computes the closure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMembership {
    pub group_id: String,
    pub member_id: String,
}

/// The name shown for an object id the directory data lacks: the id itself, so that two such principals
/// can be told apart in every row, title and finding.
pub fn not_in_directory(id: &str) -> String {
    format!("{id} (not in directory data)")
}

/// The principal id Azure uses for "all principals" in deny assignments.
pub const EVERYONE: &str = "00000000-0000-0000-0000-000000000000";
