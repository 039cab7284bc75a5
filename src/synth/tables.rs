//! The weights and names synthetic tenants are drawn from.

pub(super) const LOCATIONS: &[&str] = &[
    "westeurope",
    "northeurope",
    "eastus",
    "eastus2",
    "westus2",
    "uksouth",
    "germanywestcentral",
    "southeastasia",
];
pub(super) const MG_NAMES: &[&str] = &[
    "Platform",
    "Landing Zones",
    "Sandbox",
    "Decommissioned",
    "Corp",
    "Online",
    "Identity",
    "Connectivity",
    "Management",
];
pub(super) const TENANT_DOMAIN: &str = "synth.onmicrosoft.com";

/// The role names the generator draws from, resolved to indices into `role_definitions` once.
pub(super) const ROLE_NAMES: &[&str] = &[
    "Owner",
    "Contributor",
    "Reader",
    "User Access Administrator",
    "Role Based Access Control Administrator",
    "Key Vault Administrator",
    "Key Vault Reader",
    "Key Vault Secrets Officer",
    "Key Vault Secrets User",
    "Key Vault Crypto Officer",
    "Key Vault Crypto User",
    "Key Vault Crypto Service Encryption User",
    "Key Vault Crypto Service Release User",
    "Key Vault Certificates Officer",
    "Key Vault Certificate User",
    "Key Vault Contributor",
    "Key Vault Data Access Administrator",
];

/// A role by position in `ROLE_NAMES`, or `CUSTOM` for "any custom role".
pub(super) type RolePick = usize;
pub(super) const OWNER: RolePick = 0;
pub(super) const CONTRIBUTOR: RolePick = 1;
pub(super) const READER: RolePick = 2;
pub(super) const UAA: RolePick = 3;
pub(super) const RBAC_ADMIN: RolePick = 4;
pub(super) const KV_ADMIN: RolePick = 5;
pub(super) const KV_READER: RolePick = 6;
pub(super) const SECRETS_OFFICER: RolePick = 7;
pub(super) const SECRETS_USER: RolePick = 8;
pub(super) const CRYPTO_OFFICER: RolePick = 9;
pub(super) const CRYPTO_USER: RolePick = 10;
pub(super) const CRYPTO_ENCRYPTION: RolePick = 11;
pub(super) const CRYPTO_RELEASE: RolePick = 12;
pub(super) const CERTS_OFFICER: RolePick = 13;
pub(super) const CERT_USER: RolePick = 14;
pub(super) const KV_CONTRIBUTOR: RolePick = 15;
pub(super) const DATA_ACCESS_ADMIN: RolePick = 16;
pub(super) const CUSTOM: RolePick = 99;

pub(super) const ROLES_HIGH: &[(RolePick, u32)] = &[
    (READER, 25),
    (CONTRIBUTOR, 15),
    (OWNER, 8),
    (UAA, 3),
    (RBAC_ADMIN, 2),
    (KV_ADMIN, 6),
    (KV_READER, 8),
    (KV_CONTRIBUTOR, 6),
    (SECRETS_USER, 8),
    (SECRETS_OFFICER, 4),
    (CRYPTO_OFFICER, 2),
    (CERTS_OFFICER, 2),
    (DATA_ACCESS_ADMIN, 2),
    (CUSTOM, 9),
];
pub(super) const ROLES_RG: &[(RolePick, u32)] = &[
    (CONTRIBUTOR, 18),
    (READER, 15),
    (OWNER, 5),
    (KV_CONTRIBUTOR, 8),
    (KV_ADMIN, 8),
    (SECRETS_USER, 15),
    (SECRETS_OFFICER, 8),
    (CRYPTO_USER, 5),
    (CRYPTO_ENCRYPTION, 5),
    (CERTS_OFFICER, 3),
    (CERT_USER, 3),
    (KV_READER, 4),
    (RBAC_ADMIN, 1),
    (DATA_ACCESS_ADMIN, 1),
    (CUSTOM, 1),
];
pub(super) const ROLES_VAULT: &[(RolePick, u32)] = &[
    (SECRETS_USER, 28),
    (SECRETS_OFFICER, 10),
    (CRYPTO_USER, 8),
    (CRYPTO_ENCRYPTION, 9),
    (CRYPTO_RELEASE, 2),
    (CERT_USER, 6),
    (CERTS_OFFICER, 4),
    (CRYPTO_OFFICER, 4),
    (KV_READER, 8),
    (KV_ADMIN, 6),
    (KV_CONTRIBUTOR, 4),
    (DATA_ACCESS_ADMIN, 2),
    (CONTRIBUTOR, 2),
    (OWNER, 1),
    (READER, 2),
    (CUSTOM, 4),
];
pub(super) const ROLES_SECRET: &[(RolePick, u32)] = &[(SECRETS_USER, 80), (SECRETS_OFFICER, 20)];
pub(super) const ROLES_KEY: &[(RolePick, u32)] = &[
    (CRYPTO_USER, 50),
    (CRYPTO_ENCRYPTION, 40),
    (CRYPTO_OFFICER, 10),
];
pub(super) const ROLES_CERT: &[(RolePick, u32)] = &[(CERT_USER, 80), (CERTS_OFFICER, 20)];
pub(super) const ROLES_ELIGIBLE: &[(RolePick, u32)] = &[
    (KV_ADMIN, 30),
    (SECRETS_OFFICER, 25),
    (OWNER, 10),
    (CONTRIBUTOR, 15),
    (UAA, 5),
    (CRYPTO_OFFICER, 15),
];

/// Where a role assignment sits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Level {
    ManagementGroup,
    Subscription,
    ResourceGroup,
    Vault,
    Item,
}

pub(super) const LEVELS: &[(Level, u32)] = &[
    (Level::ManagementGroup, 1),
    (Level::Subscription, 6),
    (Level::ResourceGroup, 30),
    (Level::Vault, 58),
    (Level::Item, 5),
];
pub(super) const ELIGIBLE_LEVELS: &[(Level, u32)] = &[
    (Level::ManagementGroup, 5),
    (Level::Subscription, 25),
    (Level::ResourceGroup, 35),
    (Level::Vault, 35),
];

/// Who a role assignment (or access-policy entry) names.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Who {
    User,
    Group,
    App,
}

pub(super) const ASSIGNEES: &[(Who, u32)] = &[(Who::User, 60), (Who::Group, 25), (Who::App, 15)];
pub(super) const HIGH_ASSIGNEES: &[(Who, u32)] =
    &[(Who::User, 35), (Who::Group, 45), (Who::App, 20)];
pub(super) const POLICY_HOLDERS: &[(Who, u32)] =
    &[(Who::User, 45), (Who::Group, 15), (Who::App, 40)];

/// Access-policy permission templates, as the portal offers them (lower-cased, as the loader stores them).
pub(super) struct PolicyTemplate {
    pub(super) keys: &'static [&'static str],
    pub(super) secrets: &'static [&'static str],
    pub(super) certificates: &'static [&'static str],
    pub(super) storage: &'static [&'static str],
}

pub(super) const KEY_MANAGEMENT: &[&str] = &[
    "get",
    "list",
    "update",
    "create",
    "import",
    "delete",
    "recover",
    "backup",
    "restore",
    "getrotationpolicy",
    "setrotationpolicy",
    "rotate",
];
pub(super) const SECRET_MANAGEMENT: &[&str] = &[
    "get", "list", "set", "delete", "recover", "backup", "restore",
];
pub(super) const CERT_MANAGEMENT: &[&str] = &[
    "get",
    "list",
    "update",
    "create",
    "import",
    "delete",
    "recover",
    "backup",
    "restore",
    "managecontacts",
    "manageissuers",
    "getissuers",
    "listissuers",
    "setissuers",
    "deleteissuers",
];

pub(super) const POLICY_TEMPLATES: &[(PolicyTemplate, u32)] = &[
    (
        PolicyTemplate {
            keys: &[],
            secrets: &["get", "list"],
            certificates: &[],
            storage: &[],
        },
        35,
    ),
    (
        PolicyTemplate {
            keys: &["get", "wrapkey", "unwrapkey"],
            secrets: &[],
            certificates: &[],
            storage: &[],
        },
        15,
    ),
    (
        PolicyTemplate {
            keys: &[],
            secrets: SECRET_MANAGEMENT,
            certificates: &[],
            storage: &[],
        },
        15,
    ),
    (
        PolicyTemplate {
            keys: &[],
            secrets: &["get", "list"],
            certificates: CERT_MANAGEMENT,
            storage: &[],
        },
        8,
    ),
    (
        PolicyTemplate {
            keys: KEY_MANAGEMENT,
            secrets: SECRET_MANAGEMENT,
            certificates: CERT_MANAGEMENT,
            storage: &[],
        },
        10,
    ),
    (
        PolicyTemplate {
            keys: &["all"],
            secrets: &["all"],
            certificates: &["all"],
            storage: &[],
        },
        7,
    ),
    (
        PolicyTemplate {
            keys: &[],
            secrets: &["get", "list", "set", "delete", "purge"],
            certificates: &[],
            storage: &[],
        },
        5,
    ),
    (
        PolicyTemplate {
            keys: &[],
            secrets: &[],
            certificates: &[],
            storage: &["get", "list", "getsas", "listsas"],
        },
        2,
    ),
    (
        PolicyTemplate {
            keys: &["get", "list", "sign", "verify"],
            secrets: &[],
            certificates: &["get", "list"],
            storage: &[],
        },
        3,
    ),
];

pub(super) const SECRET_NAMES: &[&str] = &[
    "db-password",
    "api-key",
    "conn-string",
    "client-secret",
    "sas-token",
    "storage-key",
];
pub(super) const KEY_NAMES: &[&str] = &["cmk", "signing-key", "wrap-key"];
pub(super) const CERT_NAMES: &[&str] = &["tls", "client-cert"];
