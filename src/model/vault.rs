//! Key vaults: their data-plane permission model, access policies, network rules and item metadata.

use ipnet::IpNet;

use crate::model::scope::{ItemKind, Scope};

#[derive(Debug, Clone, PartialEq)]
pub struct Vault {
    pub scope: Scope,
    pub name: String,
    pub location: String,
    pub tenant_id: Option<String>,
    pub vault_uri: Option<String>,
    /// `enableRbacAuthorization`: absent or null means access policies (KV-DEFAULT).
    pub rbac_authorization: bool,
    pub access_policies: Vec<AccessPolicy>,
    pub network: NetworkRules,
    pub soft_delete: bool,
    pub purge_protection: bool,
    pub enabled_for_template_deployment: bool,
    /// `enabledForDeployment`: virtual machines may retrieve certificates stored as secrets.
    pub enabled_for_deployment: bool,
    /// `enabledForDiskEncryption`: Azure Disk Encryption may retrieve secrets and unwrap keys.
    pub enabled_for_disk_encryption: bool,
    /// Listed without its `properties` (as `az keyvault list` prints vaults): its permission model, access
    /// policies and network rules are unknown, so every data-plane question about it is "unknown".
    pub properties_missing: bool,
}

/// The four permission lists of an access-policy entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyKind {
    Keys,
    Secrets,
    Certificates,
    Storage,
}

impl PolicyKind {
    pub const ALL: [PolicyKind; 4] = [Self::Keys, Self::Secrets, Self::Certificates, Self::Storage];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keys => "keys",
            Self::Secrets => "secrets",
            Self::Certificates => "certificates",
            Self::Storage => "storage",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }

    pub fn item_kind(self) -> Option<ItemKind> {
        match self {
            Self::Keys => Some(ItemKind::Keys),
            Self::Secrets => Some(ItemKind::Secrets),
            Self::Certificates => Some(ItemKind::Certificates),
            Self::Storage => None,
        }
    }
}

/// One access-policy entry. Permission names are stored lower-cased, as Azure compares them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccessPolicy {
    pub tenant_id: Option<String>,
    pub object_id: String,
    /// Compound identity: the entry grants only when the principal calls through this application.
    pub application_id: Option<String>,
    pub keys: Vec<String>,
    pub secrets: Vec<String>,
    pub certificates: Vec<String>,
    pub storage: Vec<String>,
}

impl AccessPolicy {
    pub fn permissions(&self, kind: PolicyKind) -> &[String] {
        match kind {
            PolicyKind::Keys => &self.keys,
            PolicyKind::Secrets => &self.secrets,
            PolicyKind::Certificates => &self.certificates,
            PolicyKind::Storage => &self.storage,
        }
    }

    /// A stable reference used in explanations: `<vault>/accessPolicies/<objectId>[/<applicationId>]`.
    pub fn reference(&self, vault: &Scope) -> String {
        match &self.application_id {
            Some(app) => format!("{}/accessPolicies/{}/{}", vault.id(), self.object_id, app),
            None => format!("{}/accessPolicies/{}", vault.id(), self.object_id),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicNetworkAccess {
    Enabled,
    Disabled,
    /// Only a Network Security Perimeter's rules admit public calls.
    SecuredByPerimeter,
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkRules {
    pub public_network_access: PublicNetworkAccess,
    pub acls: Option<NetworkAcls>,
    pub private_endpoints: Vec<PrivateEndpoint>,
    pub perimeter: crate::model::perimeter::PerimeterLink,
}

impl Default for NetworkRules {
    fn default() -> Self {
        Self {
            public_network_access: PublicNetworkAccess::Enabled,
            acls: None,
            private_endpoints: Vec::new(),
            perimeter: crate::model::perimeter::PerimeterLink::NotCollected,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkAcls {
    pub default_deny: bool,
    /// `bypass: AzureServices` (the default when absent) lets trusted Microsoft services through.
    pub bypass_azure_services: bool,
    pub ip_rules: Vec<IpRule>,
    /// Lower-cased subnet resource ids.
    pub subnets: Vec<String>,
}

/// An IP rule as written, and its parsed network when the text is a valid IPv4 address or CIDR range.
#[derive(Debug, Clone, PartialEq)]
pub struct IpRule {
    pub text: String,
    pub net: Option<IpNet>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrivateEndpoint {
    pub id: String,
    pub status: String,
}

impl PrivateEndpoint {
    /// Only approved connections carry traffic.
    pub fn approved(&self) -> bool {
        self.status.eq_ignore_ascii_case("approved")
    }
}

/// Data-plane object metadata. Never a value.
#[derive(Debug, Clone, PartialEq)]
pub struct VaultItem {
    pub scope: Scope,
    pub vault: Scope,
    pub kind: ItemKind,
    pub name: String,
    pub enabled: Option<bool>,
    pub expires: Option<String>,
}
