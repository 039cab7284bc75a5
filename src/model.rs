//! The domain vocabulary: data only. Parsing lives in `snapshot`, decisions in `eval`.

pub mod guid;
pub mod hops;
pub mod pattern;
pub mod perimeter;
pub mod principal;
pub mod role;
pub mod scope;
pub mod section;
pub mod shared;
pub mod tailed;
pub mod vault;

pub use hops::{
    AppRoleAssignment, Application, DirectoryRoleAssignment, FederatedCredential, Hops,
    IdentityResource, Owner, UserAssigned,
};
pub use principal::{EVERYONE, GroupMembership, Principal, PrincipalKind};
pub use role::{DenyAssignment, Permission, RoleAssignment, RoleDefinition};
pub use scope::{ItemKind, Scope, ScopeKind};
pub use section::{Section, Topic};
pub use shared::Shared;
pub use tailed::Tailed;
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
    /// What could not be read.
    pub about: Topic,
    pub cause: Cause,
}

/// Why a part of the tenant is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// Reading it failed (the HTTP status, when there was one, and Azure's message).
    Failed {
        status: Option<i64>,
        message: String,
    },
    /// A live fetch has not finished reading it: answers that depend on it are "unknown (still
    /// collecting …)" rather than a "denied" that only reflects data not yet arrived.
    StillCollecting,
    /// The snapshot file has no such section at all: absent is not empty.
    Absent,
}

impl CollectionError {
    /// A placeholder for a section a live fetch has not finished reading.
    pub fn still_collecting(about: Topic) -> Self {
        Self {
            scope: Scope::root(),
            about,
            cause: Cause::StillCollecting,
        }
    }

    /// A section the snapshot file does not have at all.
    pub fn absent_section(section: Section) -> Self {
        Self {
            scope: Scope::root(),
            about: Topic::Section(section),
            cause: Cause::Absent,
        }
    }

    /// Whether this error covers `asked` (an error about everything covers every topic).
    pub fn is_about(&self, asked: &Topic) -> bool {
        self.about == *asked || self.about == Topic::Everything
    }

    /// Whether this marks data still being collected rather than data that could not be read.
    pub fn is_pending(&self) -> bool {
        self.cause == Cause::StillCollecting
    }

    /// Whether this marks a section absent from the snapshot file.
    pub fn is_absent_section(&self) -> bool {
        self.cause == Cause::Absent
    }

    /// The HTTP status of a failed read.
    pub fn status(&self) -> Option<i64> {
        match self.cause {
            Cause::Failed { status, .. } => status,
            _ => None,
        }
    }

    /// The message as the snapshot file holds it: Azure's for a failed read, a fixed sentence for the
    /// markers (which a file written from this snapshot keeps, and which loading reads back as markers).
    pub fn message(&self) -> String {
        match &self.cause {
            Cause::Failed { message, .. } => message.clone(),
            Cause::StillCollecting => STILL_COLLECTING.to_string(),
            Cause::Absent => absent_message(&self.about),
        }
    }

    /// Reads a collection error as a file holds it; a marker this crate wrote comes back as that marker.
    pub fn read(scope: Scope, about: Topic, status: Option<i64>, message: String) -> Self {
        let cause = if status.is_some() {
            Cause::Failed { status, message }
        } else if message == STILL_COLLECTING {
            Cause::StillCollecting
        } else if message == absent_message(&about) {
            Cause::Absent
        } else {
            Cause::Failed { status, message }
        };
        Self {
            scope,
            about,
            cause,
        }
    }
}

/// The sentence an absent-section marker stands for (in explanations, and as the marker's message in a file).
pub fn absent_message(about: &Topic) -> String {
    let key = match about {
        Topic::Section(s) => s.key().to_string(),
        other => other.key(),
    };
    format!(
        "the snapshot file has no section \"{key}\": absent is not empty (write \"{key}\": [] when there are none)"
    )
}

/// The message of a [`CollectionError::still_collecting`] placeholder.
const STILL_COLLECTING: &str = "still collecting (the live fetch has not finished)";

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
    /// The large sections are [`Shared`]: a what-if copy holds the ones its changes leave alone; the role
    /// assignments are [`Tailed`]: the assignments a change adds are kept beside the shared list.
    pub vaults: Shared<Vault>,
    pub role_definitions: Vec<RoleDefinition>,
    pub role_assignments: Tailed<RoleAssignment>,
    pub role_eligibilities: Vec<RoleAssignment>,
    pub deny_assignments: Vec<DenyAssignment>,
    pub principals: Shared<Principal>,
    pub group_memberships: Shared<GroupMembership>,
    pub vault_items: Shared<VaultItem>,
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
