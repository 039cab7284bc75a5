//! What the fetcher reports while it runs: progress lines, sections of data as they arrive, collection
//! errors. A TUI drains these from the channel and applies them to its own [`super::StateStore`].

use std::sync::Arc;

use serde_json::Value;

/// A section of the snapshot format, named as in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    ManagementGroups,
    Subscriptions,
    ResourceGroups,
    Vaults,
    RoleDefinitions,
    RoleAssignments,
    RoleEligibilities,
    DenyAssignments,
    Principals,
    GroupMemberships,
    VaultItems,
    NetworkSecurityPerimeters,
    IdentityResources,
    DirectoryRoleAssignments,
    DirectoryRoleEligibilities,
    Owners,
    AppRoleAssignments,
    Applications,
}

impl Section {
    pub const ALL: [Section; 18] = [
        Self::ManagementGroups,
        Self::Subscriptions,
        Self::ResourceGroups,
        Self::Vaults,
        Self::RoleDefinitions,
        Self::RoleAssignments,
        Self::RoleEligibilities,
        Self::DenyAssignments,
        Self::Principals,
        Self::GroupMemberships,
        Self::VaultItems,
        Self::NetworkSecurityPerimeters,
        Self::IdentityResources,
        Self::DirectoryRoleAssignments,
        Self::DirectoryRoleEligibilities,
        Self::Owners,
        Self::AppRoleAssignments,
        Self::Applications,
    ];

    /// The key in the snapshot file, also the `what` of a collection error.
    pub fn key(self) -> &'static str {
        match self {
            Self::ManagementGroups => "managementGroups",
            Self::Subscriptions => "subscriptions",
            Self::ResourceGroups => "resourceGroups",
            Self::Vaults => "vaults",
            Self::RoleDefinitions => "roleDefinitions",
            Self::RoleAssignments => "roleAssignments",
            Self::RoleEligibilities => "roleEligibilities",
            Self::DenyAssignments => "denyAssignments",
            Self::Principals => "principals",
            Self::GroupMemberships => "groupMemberships",
            Self::VaultItems => "vaultItems",
            Self::NetworkSecurityPerimeters => "networkSecurityPerimeters",
            Self::IdentityResources => "identityResources",
            Self::DirectoryRoleAssignments => "directoryRoleAssignments",
            Self::DirectoryRoleEligibilities => "directoryRoleEligibilities",
            Self::Owners => "owners",
            Self::AppRoleAssignments => "appRoleAssignments",
            Self::Applications => "applications",
        }
    }

    /// Sections the snapshot format lets a file leave out, where absent means "not collected" (answers that
    /// need them are unknown): written only once the run has read them.
    pub fn is_optional(self) -> bool {
        self >= Self::NetworkSecurityPerimeters
    }

    /// The attack-path sections: one that could not be read in full is left out of the document (missing,
    /// so paths through it are unknown), not written short. Perimeters stay, with their collection errors,
    /// because the loader makes the vaults they may cover unknown one by one.
    pub fn missing_when_incomplete(self) -> bool {
        self.is_optional() && self != Self::NetworkSecurityPerimeters
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.key().eq_ignore_ascii_case(key))
    }
}

/// Something that could not be read: the evaluator answers "unknown" where it matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionErrorRecord {
    /// An ARM scope (`/`, a management group, subscription, resource group or vault id).
    pub scope: String,
    pub section: Section,
    /// The HTTP status, when there was one.
    pub status: Option<u16>,
    pub message: String,
}

impl CollectionErrorRecord {
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "scope": self.scope, "what": self.section.key(),
            "status": self.status, "message": self.message,
        })
    }

    pub fn line(&self) -> String {
        let status = self
            .status
            .map(|s| format!("HTTP {s}: "))
            .unwrap_or_default();
        format!(
            "{} at {}: {status}{}",
            self.section.key(),
            self.scope,
            self.message
        )
    }
}

/// Counters of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FetchStats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Of which retries (after 429, 5xx, timeouts, connection errors).
    pub retries: u64,
    /// 429 responses received.
    pub throttled: u64,
    /// Requests for a URL already requested before in this run (should stay 0).
    pub duplicates: u64,
    /// Total time spent waiting before retries and while slowed down, in milliseconds.
    pub waited_ms: u64,
    pub elapsed_ms: u64,
    /// Longest chain of requests that had to wait for one another (subscriptions → lists → directory …).
    pub depth: u32,
    pub concurrency: u32,
}

/// One message from the fetcher.
#[derive(Debug, Clone)]
pub enum FetchUpdate {
    /// The run began.
    Started { cloud: String, credential: String },
    /// What is being read now; `done` of `planned` list calls (planned grows as the tenant is discovered).
    Progress {
        done: usize,
        planned: usize,
        message: String,
    },
    /// Items of a section, in snapshot shape, read at `scope`. Items already held (same id) are ignored by
    /// the store, so one assignment listed by several subscriptions counts once. Shared, not copied, between
    /// the fetcher's own store and the channel.
    Section {
        section: Section,
        scope: String,
        items: Arc<Vec<Value>>,
    },
    /// Part of the tenant could not be read.
    Error(CollectionErrorRecord),
    /// A problem worth showing that changes no data (e.g. a malformed item Azure returned, dropped).
    Warning(String),
    /// The run ended; the snapshot is complete (possibly with collection errors).
    Finished(FetchStats),
    /// The run stopped; nothing should be saved from it.
    Failed(String),
}
