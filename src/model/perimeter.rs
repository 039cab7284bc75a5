//! Network Security Perimeters (`Microsoft.Network/networkSecurityPerimeters`): a vault associated with a
//! perimeter has its public inbound access decided by the perimeter profile's inbound access rules, alone
//! (`Enforced`, or `publicNetworkAccess: SecuredByPerimeter`) or together with its own firewall
//! (`Learning`, which Microsoft now calls Transition mode).

use crate::model::vault::IpRule;

/// A perimeter as the snapshot's optional `networkSecurityPerimeters` section holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkSecurityPerimeter {
    /// Lower-cased resource id.
    pub id: String,
    pub name: String,
    pub profiles: Vec<PerimeterProfile>,
    pub associations: Vec<PerimeterAssociation>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PerimeterProfile {
    /// Lower-cased resource id.
    pub id: String,
    pub name: String,
    /// The inbound access rules (outbound rules do not decide who may call a vault).
    pub inbound: Vec<InboundRule>,
}

/// One inbound access rule: public address prefixes and/or subscriptions whose resources may call in.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundRule {
    pub name: String,
    pub address_prefixes: Vec<IpRule>,
    /// Subscription ids, in their one GUID spelling.
    pub subscriptions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PerimeterAssociation {
    pub name: String,
    /// The associated resource's lower-cased id (`properties.privateLinkResource.id`).
    pub resource_id: String,
    /// The profile's lower-cased id (`properties.profile.id`).
    pub profile_id: Option<String>,
    pub access_mode: AccessMode,
}

/// `properties.accessMode` of a resource association.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessMode {
    /// Only the perimeter's rules admit public inbound calls.
    Enforced,
    /// The default (Microsoft's docs now call it Transition): the perimeter's rules, then the vault's own
    /// firewall when `publicNetworkAccess` is Enabled.
    Learning,
    /// Access is logged, not decided, by the perimeter.
    Audit,
    Other(String),
}

impl AccessMode {
    pub fn parse(text: &str) -> Self {
        match text.to_ascii_lowercase().as_str() {
            "enforced" => Self::Enforced,
            "learning" | "transition" => Self::Learning,
            "audit" => Self::Audit,
            _ => Self::Other(text.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Enforced => "Enforced",
            Self::Learning => "Learning",
            Self::Audit => "Audit",
            Self::Other(s) => s,
        }
    }
}

/// What the snapshot says of one vault and perimeters.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum PerimeterLink {
    /// The snapshot has no `networkSecurityPerimeters` section.
    #[default]
    NotCollected,
    /// The section is there and no association names this vault.
    None,
    /// No association read names this vault, but part of the perimeters could not be read (the reason):
    /// the vault may be associated with one of those.
    Unreadable(String),
    /// Associated with `perimeter` in `mode`; `profile` is `None` when the snapshot lacks the profile.
    Associated {
        perimeter: String,
        mode: AccessMode,
        profile: Option<PerimeterProfile>,
    },
}
