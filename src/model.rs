//! The domain vocabulary: data only. Parsing lives in `snapshot`, decisions in `eval`.

pub mod guid;
pub mod hops;
pub mod pattern;
pub mod perimeter;
pub mod principal;
pub mod role;
pub mod scope;
pub mod vault;

pub use hops::{
    AppRoleAssignment, Application, DirectoryRoleAssignment, FederatedCredential, Hops,
    IdentityResource, Owner, UserAssigned,
};
pub use principal::{EVERYONE, GroupMembership, Principal, PrincipalKind};
pub use role::{DenyAssignment, Permission, RoleAssignment, RoleDefinition};
pub use scope::{ItemKind, Scope, ScopeKind};
pub use vault::{
    AccessPolicy, NetworkAcls, NetworkRules, PolicyKind, PrivateEndpoint, PublicNetworkAccess,
    Vault, VaultItem,
};

/// The Azure cloud a snapshot was taken in; it decides the endpoints explanations name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cloud {
    #[default]
    AzureCloud,
    AzureChinaCloud,
    AzureUsGovernment,
}

impl Cloud {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "azurecloud" | "azurepubliccloud" | "public" => Some(Self::AzureCloud),
            "azurechinacloud" | "china" => Some(Self::AzureChinaCloud),
            "azureusgovernment" | "usgovernment" => Some(Self::AzureUsGovernment),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AzureCloud => "AzureCloud",
            Self::AzureChinaCloud => "AzureChinaCloud",
            Self::AzureUsGovernment => "AzureUSGovernment",
        }
    }

    /// Host of the management plane (ARM).
    pub fn management_endpoint(self) -> &'static str {
        match self {
            Self::AzureCloud => "management.azure.com",
            Self::AzureChinaCloud => "management.chinacloudapi.cn",
            Self::AzureUsGovernment => "management.usgovcloudapi.net",
        }
    }

    /// DNS suffix of vault data-plane endpoints.
    pub fn vault_dns_suffix(self) -> &'static str {
        match self {
            Self::AzureCloud => "vault.azure.net",
            Self::AzureChinaCloud => "vault.azure.cn",
            Self::AzureUsGovernment => "vault.usgovcloudapi.net",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ManagementGroup {
    pub scope: Scope,
    pub display_name: String,
    pub parent: Option<Scope>,
    /// Lower-cased subscription ids directly below this group.
    pub subscription_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub scope: Scope,
    pub subscription_id: String,
    pub display_name: String,
    pub tenant_id: Option<String>,
    pub state: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceGroup {
    pub scope: Scope,
    pub name: String,
    pub location: String,
}

/// A part of the tenant that could not be read. Questions whose answer depends on it are "unknown".
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionError {
    pub scope: Scope,
    /// Lower-cased section name: `roleassignments`, `accesspolicies`, `denyassignments`, …
    pub what: String,
    pub status: Option<i64>,
    pub message: String,
}

impl CollectionError {
    /// The section in words, for explanations.
    pub fn section_name(&self) -> &str {
        match self.what.as_str() {
            "roleassignments" => "role assignments",
            "denyassignments" => "deny assignments",
            "accesspolicies" => "access policies",
            "roledefinitions" => "role definitions",
            "groupmemberships" => "group memberships",
            "roleeligibilities" => "PIM eligibilities",
            other => other,
        }
    }

    pub fn is_about(&self, section: &str) -> bool {
        self.what == section || self.what == "*" || self.what == "all"
    }

    /// A placeholder for a section a live fetch has not finished reading: answers that depend on it are
    /// "unknown (still collecting …)" rather than a "denied" that only reflects data not yet arrived.
    pub fn still_collecting(what: &str) -> Self {
        Self {
            scope: Scope::root(),
            what: what.to_ascii_lowercase(),
            status: None,
            message: STILL_COLLECTING.to_string(),
        }
    }

    /// Whether this marks data still being collected rather than data that could not be read.
    pub fn is_pending(&self) -> bool {
        self.status.is_none() && self.message == STILL_COLLECTING
    }

    /// A section the snapshot file does not have at all (`key` as the format spells it): absent is not
    /// empty, so answers that depend on it are "unknown", as for a section that could not be read.
    pub fn absent_section(key: &str) -> Self {
        Self {
            scope: Scope::root(),
            what: key.to_ascii_lowercase(),
            status: None,
            message: format!(
                "{ABSENT_SECTION} \"{key}\": absent is not empty (write \"{key}\": [] when there are none)"
            ),
        }
    }

    /// Whether this marks a section absent from the snapshot file.
    pub fn is_absent_section(&self) -> bool {
        self.status.is_none() && self.message.starts_with(ABSENT_SECTION)
    }

    /// The gap in words for an explanation: "still collecting …" or "… could not be read (HTTP 403)".
    pub fn describe(&self, scope: &str) -> String {
        if self.is_absent_section() {
            return self.message.clone();
        }
        if self.is_pending() {
            return format!(
                "still collecting {} (the live fetch has not finished)",
                self.section_name()
            );
        }
        let status = self
            .status
            .map(|s| format!(" (HTTP {s})"))
            .unwrap_or_default();
        format!(
            "{} at {scope} could not be read{status}",
            self.section_name()
        )
    }
}

/// How the message of a [`CollectionError::absent_section`] marker starts.
pub const ABSENT_SECTION: &str = "the snapshot file has no section";

/// The message of a [`CollectionError::still_collecting`] placeholder.
pub const STILL_COLLECTING: &str = "still collecting (the live fetch has not finished)";

/// A problem found while loading that did not stop the load (Azure's own quirks, kept visible).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub path: String,
    pub message: String,
}

/// Everything the evaluator needs about one tenant. Ids are compared case-insensitively throughout.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub cloud: Cloud,
    pub tenant_id: Option<String>,
    pub collected_at: Option<String>,
    pub management_groups: Vec<ManagementGroup>,
    pub subscriptions: Vec<Subscription>,
    pub resource_groups: Vec<ResourceGroup>,
    pub vaults: Vec<Vault>,
    pub role_definitions: Vec<RoleDefinition>,
    pub role_assignments: Vec<RoleAssignment>,
    pub role_eligibilities: Vec<RoleAssignment>,
    pub deny_assignments: Vec<DenyAssignment>,
    pub principals: Vec<Principal>,
    pub group_memberships: Vec<GroupMembership>,
    pub vault_items: Vec<VaultItem>,
    pub collection_errors: Vec<CollectionError>,
    /// The optional `networkSecurityPerimeters` section; `None` when the file does not have it. Each vault's
    /// [`NetworkRules::perimeter`] is resolved from it when the snapshot is loaded.
    pub perimeters: Option<Vec<perimeter::NetworkSecurityPerimeter>>,
    pub warnings: Vec<Warning>,
    /// The optional sections the attack-path hops read.
    pub hops: Hops,
    /// What the source could not collect and kvaccess assumes, each said once (`assumptions`).
    pub assumptions: Vec<String>,
}
