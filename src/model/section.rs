//! The sections of a snapshot, and what a collection error can be about: typed, so that the evaluator asks
//! "is role-assignment data missing here?" with a value rather than a spelling.

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

    /// The section in words, for explanations.
    pub fn words(self) -> &'static str {
        match self {
            Self::ManagementGroups => "managementgroups",
            Self::Subscriptions => "subscriptions",
            Self::ResourceGroups => "resourcegroups",
            Self::Vaults => "vaults",
            Self::RoleDefinitions => "role definitions",
            Self::RoleAssignments => "role assignments",
            Self::RoleEligibilities => "PIM eligibilities",
            Self::DenyAssignments => "deny assignments",
            Self::Principals => "principals",
            Self::GroupMemberships => "group memberships",
            Self::VaultItems => "vaultitems",
            Self::NetworkSecurityPerimeters => "network security perimeters",
            Self::IdentityResources => "resources with identities",
            Self::DirectoryRoleAssignments => "directory role assignments",
            Self::DirectoryRoleEligibilities => "directory role eligibilities",
            Self::Owners => "owners",
            Self::AppRoleAssignments => "app role assignments",
            Self::Applications => "applications",
        }
    }
}

/// What a collection error is about: a section, the access policies (read with their vaults but asked about
/// on their own), everything (`*` or `all`), or a name kvaccess does not know, kept as written (lower case).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    Section(Section),
    AccessPolicies,
    Everything,
    Other(String),
}

impl Topic {
    pub const ROLE_ASSIGNMENTS: Topic = Topic::Section(Section::RoleAssignments);
    pub const DENY_ASSIGNMENTS: Topic = Topic::Section(Section::DenyAssignments);
    pub const GROUP_MEMBERSHIPS: Topic = Topic::Section(Section::GroupMemberships);
    pub const PRINCIPALS: Topic = Topic::Section(Section::Principals);

    /// Reads a collection error's `what`, in any case.
    pub fn parse(what: &str) -> Self {
        let lower = what.to_ascii_lowercase();
        match lower.as_str() {
            "accesspolicies" => Self::AccessPolicies,
            "*" | "all" => Self::Everything,
            _ => Section::from_key(&lower).map_or(Self::Other(lower), Self::Section),
        }
    }

    /// The `what` as the snapshot file holds it after loading (lower case).
    pub fn key(&self) -> String {
        match self {
            Self::Section(s) => s.key().to_ascii_lowercase(),
            Self::AccessPolicies => "accesspolicies".into(),
            Self::Everything => "*".into(),
            Self::Other(s) => s.clone(),
        }
    }

    /// The topic in words, for explanations.
    pub fn words(&self) -> String {
        match self {
            Self::Section(s) => s.words().into(),
            Self::AccessPolicies => "access policies".into(),
            Self::Everything | Self::Other(_) => self.key(),
        }
    }
}

impl From<Section> for Topic {
    fn from(s: Section) -> Self {
        Self::Section(s)
    }
}
