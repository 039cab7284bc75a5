//! Decisions and the evidence that carries them.

use serde::Serialize;

use crate::catalog::Plane;
use crate::eval::reason::{Note, UnknownBecause};
use crate::model::PrincipalKind;

/// The answer to "may P do X at S?". `Unknown` is a real answer: the snapshot lacks data the answer depends
/// on, and the verdict's `unknown_because` says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Decision {
    Denied,
    Unknown,
    Conditional,
    Allowed,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Denied => "denied",
            Self::Conditional => "conditional",
            Self::Unknown => "unknown",
        }
    }

    /// Both must hold (an operation needing two data actions): the weaker decision wins, and a certain
    /// "denied" beats an "unknown".
    pub fn and(self, other: Decision) -> Decision {
        self.min(other)
    }

    /// Whether this decision gives the principal the operation, at least possibly.
    pub fn grants_something(self) -> bool {
        matches!(self, Self::Allowed | Self::Conditional)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PermissionModel {
    Rbac,
    AccessPolicy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum GrantKind {
    RoleAssignment,
    AccessPolicy,
}

/// One path by which the principal holds the permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    pub kind: GrantKind,
    /// Role assignment id, or `<vault>/accessPolicies/<objectId>[/<applicationId>]`.
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_definition_id: Option<String>,
    pub scope: String,
    /// The object the grant names (the principal itself or one of its groups).
    pub principal_id: String,
    /// Group chain from the principal to `principal_id`: the directly joined group first. Empty when the
    /// grant names the principal itself.
    pub via_groups: Vec<String>,
    /// The ABAC condition that must hold for this grant to apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Access-policy permissions or role actions that matched.
    pub matched: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DenyKind {
    DenyAssignment,
}

/// A deny assignment that blocks the principal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Deny {
    pub kind: DenyKind,
    pub id: String,
    pub name: String,
    pub scope: String,
    /// How the deny reaches the principal: `everyone`, the principal itself, or a group chain.
    pub via_groups: Vec<String>,
    pub everyone: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// The firewall's answer for the caller's network location (data plane only), with its reason in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkVerdict {
    /// Not applied: no caller location was given, the plane is management, or the rules are not in the
    /// snapshot. The reason describes what would apply (empty when there is nothing to say).
    NotEvaluated(String),
    /// The rules admit the call.
    Admitted(String),
    /// The rules block the call.
    Blocked(String),
    /// The rules were applied but the snapshot cannot decide them.
    Undecided(String),
}

impl Default for NetworkVerdict {
    fn default() -> Self {
        Self::NotEvaluated(String::new())
    }
}

impl NetworkVerdict {
    /// An applied verdict: `Some(true)` admitted, `Some(false)` blocked, `None` undecidable.
    pub fn decided(allowed: Option<bool>, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        match allowed {
            Some(true) => Self::Admitted(reason),
            Some(false) => Self::Blocked(reason),
            None => Self::Undecided(reason),
        }
    }

    /// False when no location was given or the plane is management.
    pub fn evaluated(&self) -> bool {
        !matches!(self, Self::NotEvaluated(_))
    }

    /// `None` when not evaluated or undecidable from the snapshot.
    pub fn allowed(&self) -> Option<bool> {
        match self {
            Self::Admitted(_) => Some(true),
            Self::Blocked(_) => Some(false),
            Self::NotEvaluated(_) | Self::Undecided(_) => None,
        }
    }

    pub fn reason(&self) -> &str {
        match self {
            Self::NotEvaluated(r) | Self::Admitted(r) | Self::Blocked(r) | Self::Undecided(r) => r,
        }
    }
}

/// JSON keeps its documented shape: `{"evaluated", "allowed", "reason"}`.
impl Serialize for NetworkVerdict {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("NetworkVerdict", 3)?;
        st.serialize_field("evaluated", &self.evaluated())?;
        st.serialize_field("allowed", &self.allowed())?;
        st.serialize_field("reason", self.reason())?;
        st.end()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalRef {
    pub id: String,
    pub display_name: String,
    #[serde(rename = "type")]
    pub kind: PrincipalKind,
}

/// A decision with its complete evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub decision: Decision,
    pub principal: PrincipalRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_app: Option<String>,
    /// The display name of the `via_app` application's service principal, when the directory has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_app_name: Option<String>,
    pub scope: String,
    /// The canonical full action string.
    pub action: String,
    /// The operation as asked (`secrets/get`), when it differs from `action`.
    pub operation: String,
    /// Every RBAC action the operation needs (two for `secrets/set`).
    pub required_actions: Vec<String>,
    pub plane: Plane,
    pub permission_model: Option<PermissionModel>,
    /// The endpoint this plane is reached at in the snapshot's cloud.
    pub endpoint: String,
    pub grants: Vec<Grant>,
    pub denies: Vec<Deny>,
    pub network: NetworkVerdict,
    /// PIM eligibilities that would grant this once activated (they grant nothing now).
    pub eligible: Vec<Grant>,
    /// Why the decision is `unknown` (or would be, absent a certain deny).
    pub unknown_because: Vec<UnknownBecause>,
    pub notes: Vec<Note>,
}
