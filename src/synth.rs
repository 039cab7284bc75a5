//! Deterministic synthetic tenants for benchmarks and tests.
//!
//! [`generate`] turns a [`SynthSpec`] into a [`Snapshot`] with the shape of a real enterprise tenant: a
//! management-group tree over subscriptions and resource groups; vaults split between Azure RBAC and access
//! policies, some behind firewalls and some private-only; mostly users, with groups (Zipf-sized, nested, a few
//! cycles), service principals and managed identities; the built-in roles kvaccess embeds (Key Vault-relevant and the ones attack-path hops name) plus a few
//! custom ones; role assignments mostly at vault and resource-group scope; access-policy entries (at most
//! 1024 per vault, as Azure allows); a few deny assignments and PIM eligibilities; item metadata.
//!
//! The same spec (seed included) always gives the same snapshot, and so byte-identical JSON through
//! [`crate::snapshot::save`]. Nothing reads the clock or the environment. Each section draws from its own
//! random stream and every object id is derived from (seed, kind, index), so changing one count does not
//! reshuffle the unrelated sections.

use std::collections::HashSet;
use std::path::Path;

use crate::model::pattern::ActionPattern;
use crate::model::role::trailing_guid;
use crate::model::vault::IpRule;
use crate::model::*;
use crate::snapshot;

/// Azure's limit on access-policy entries per vault.
pub const MAX_ACCESS_POLICIES_PER_VAULT: usize = 1024;

/// What to generate. Fill it with [`SynthSpec::new`] (or a preset) and adjust fields as needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthSpec {
    /// Directory objects in total: groups, then ~90% of the total as users, the rest service principals (60%)
    /// and managed identities (40%).
    pub principals: usize,
    /// Groups among `principals`.
    pub groups: usize,
    /// Groups that are themselves members of one or two other (larger) groups.
    pub nested_groups: usize,
    /// Extra group-in-group edges that close a cycle in the nesting.
    pub group_cycles: usize,
    /// Direct user → group membership edges; group sizes follow a Zipf law (a few very large groups).
    pub user_memberships: usize,
    pub vaults: usize,
    /// Percentage of vaults with `enableRbacAuthorization: true`; the others use access policies.
    pub rbac_vault_percent: u8,
    pub role_assignments: usize,
    /// PIM eligibilities (same shape as role assignments; they grant nothing until activated).
    pub role_eligibilities: usize,
    /// Access-policy entries spread over the access-policy vaults (at most 1024 per vault).
    pub access_policy_entries: usize,
    /// At least 1.
    pub subscriptions: usize,
    /// Including the tenant root group; at least 1.
    pub management_groups: usize,
    /// At least one per subscription.
    pub resource_groups: usize,
    pub deny_assignments: usize,
    /// Custom role definitions, added to the embedded built-in ones.
    pub custom_roles: usize,
    /// Secret, key and certificate metadata entries, spread over the vaults.
    pub vault_items: usize,
    /// `collectionErrors` entries (403 on role assignments of a subscription); 0 by default.
    pub collection_errors: usize,
    /// Compute resources with managed identities (VMs, apps, automation accounts, logic apps, AKS
    /// clusters, registries), each with a control role assignment; 0 by default. With this or
    /// `applications` above 0 the snapshot has every attack-path hop section.
    pub compute_resources: usize,
    /// Application objects (one per service principal, up to their number) with owners and some federated
    /// credentials; 0 by default.
    pub applications: usize,
    pub seed: u64,
}

impl SynthSpec {
    /// A spec from the three numbers the CLI takes, everything else derived: groups = principals/20, 40% of
    /// them nested, user memberships ≈ 2 per user, access-policy entries = role assignments/2, eligibilities =
    /// role assignments/100, one subscription per 20 vaults, a management group per 10 subscriptions (at
    /// least 3 including the root), a resource group per 3 vaults, 2 + vaults/500 deny assignments, 4 custom
    /// roles, 4 items per vault.
    pub fn new(principals: usize, vaults: usize, role_assignments: usize, seed: u64) -> Self {
        let groups = principals / 20;
        let nested_groups = groups * 2 / 5;
        let subscriptions = vaults.div_ceil(20).max(1);
        Self {
            principals,
            groups,
            nested_groups,
            group_cycles: if nested_groups >= 10 {
                nested_groups / 400 + 1
            } else {
                0
            },
            user_memberships: principals * 9 / 10 * 2,
            vaults,
            rbac_vault_percent: 50,
            role_assignments,
            role_eligibilities: role_assignments / 100,
            access_policy_entries: role_assignments / 2,
            subscriptions,
            management_groups: 1 + (subscriptions / 10).max(2),
            resource_groups: vaults.div_ceil(3).max(subscriptions),
            deny_assignments: 2 + vaults / 500,
            custom_roles: 4,
            vault_items: vaults * 4,
            collection_errors: 0,
            compute_resources: 0,
            applications: 0,
            seed,
        }
    }

    /// 1k principals, 50 vaults, 2k role assignments (1k access-policy entries).
    pub fn small(seed: u64) -> Self {
        Self::new(1_000, 50, 2_000, seed)
    }

    /// 100k principals (5k groups, nested), 10k vaults, 200k role assignments, 100k access-policy entries.
    pub fn large(seed: u64) -> Self {
        Self {
            groups: 5_000,
            access_policy_entries: 100_000,
            ..Self::new(100_000, 10_000, 200_000, seed)
        }
    }
}

mod rng;
pub use rng::Rng;
use rng::mix;

/// Object kinds, for ids and per-section random streams.
#[derive(Clone, Copy)]
enum Tag {
    Tenant = 1,
    Subscription,
    User,
    Group,
    ServicePrincipal,
    ManagedIdentity,
    AppId,
    RoleAssignment,
    Eligibility,
    DenyAssignment,
    CustomRole,
    // Random streams.
    Tree,
    Vaults,
    Memberships,
    Assignments,
    Policies,
    Items,
    Denies,
    Errors,
    // Added later, after the others so that their values (and so every stream above) stay as they were.
    Hops,
    Application,
    HopAssignment,
}

/// A version-4-looking GUID derived from (seed, tag, index) alone.
fn guid(seed: u64, tag: Tag, index: usize) -> String {
    let base = mix(seed ^ mix(((tag as u64) << 48) ^ index as u64));
    let hi = mix(base ^ 0x5555_5555_5555_5555);
    let lo = mix(base ^ 0xAAAA_AAAA_AAAA_AAAA);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xfff,
        0x8000 | (lo >> 48) & 0x3fff,
        lo & 0xffff_ffff_ffff
    )
}

fn stream(seed: u64, tag: Tag) -> Rng {
    Rng::new(mix(seed ^ ((tag as u64) << 56) ^ 0x6b76_6163_6365_7373))
}

/// Our ids are well-formed by construction; the fallback is never taken (the tests load every id back).
fn scope(id: &str) -> Scope {
    Scope::parse(id).unwrap_or_else(|_| Scope::root())
}

fn patterns(list: &[&str]) -> Vec<ActionPattern> {
    list.iter().map(|p| ActionPattern::new(p)).collect()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

mod tables;
use tables::*;

mod directory;
mod grants;
mod hops;
mod vaults;

use directory::Directory;

struct Gen<'s> {
    spec: &'s SynthSpec,
    tenant: String,
    dir: Directory,
    snapshot: Snapshot,
    /// Index into `role_definitions` of each `ROLE_NAMES` entry (built-ins first).
    builtin: Vec<usize>,
    custom: Vec<usize>,
    /// The subscription of each resource group, and the resource group of each vault.
    rg_subscription: Vec<usize>,
    vault_rg: Vec<usize>,
    /// Items of each vault, as indices into `vault_items`.
    vault_items: Vec<Vec<usize>>,
}

/// Generates the tenant `spec` describes. Deterministic: the same spec gives an equal snapshot.
pub fn generate(spec: &SynthSpec) -> Snapshot {
    let tenant = guid(spec.seed, Tag::Tenant, 0);
    let mut g = Gen {
        spec,
        dir: Directory::new(spec),
        snapshot: Snapshot {
            cloud: Cloud::AzureCloud,
            tenant_id: Some(tenant.clone()),
            collected_at: Some("2026-11-28T10:00:00Z".to_string()),
            ..Snapshot::default()
        },
        tenant,
        builtin: Vec::new(),
        custom: Vec::new(),
        rg_subscription: Vec::new(),
        vault_rg: Vec::new(),
        vault_items: Vec::new(),
    };
    g.hierarchy();
    g.principals();
    g.memberships();
    g.vaults();
    g.items();
    g.roles();
    g.assignments();
    g.eligibilities();
    g.access_policies();
    g.denies();
    g.errors();
    g.hops();
    g.snapshot
}

/// Generates and writes a tenant with [`crate::snapshot::save`] (atomically).
pub fn generate_to_file(
    spec: &SynthSpec,
    path: &Path,
) -> Result<Snapshot, crate::error::SaveError> {
    let s = generate(spec);
    snapshot::save(&s, path)?;
    Ok(s)
}

impl Gen<'_> {
    fn mg_id(&self, i: usize) -> String {
        let name = if i == 0 {
            self.tenant.clone()
        } else {
            format!("mg-{i:03}")
        };
        format!("/providers/Microsoft.Management/managementGroups/{name}")
    }

    fn subscription_id(&self, i: usize) -> String {
        guid(self.spec.seed, Tag::Subscription, i)
    }

    fn principal_id(&self, i: usize) -> &str {
        self.snapshot
            .principals
            .get(i)
            .map_or("", |p| p.id.as_str())
    }
}

#[cfg(test)]
pub(crate) mod test_tenant;
#[cfg(test)]
mod tests;
