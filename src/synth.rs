//! Deterministic synthetic tenants for benchmarks and tests.
//!
//! [`generate`] turns a [`SynthSpec`] into a [`Snapshot`] with the shape of a real enterprise tenant: a
//! management-group tree over subscriptions and resource groups; vaults split between Azure RBAC and access
//! policies, some behind firewalls and some private-only; mostly users, with groups (Zipf-sized, nested, a few
//! cycles), service principals and managed identities; the 17 built-in Key Vault-relevant roles plus a few
//! custom ones; role assignments mostly at vault and resource-group scope; access-policy entries (at most
//! 1024 per vault, as Azure allows); a few deny assignments and PIM eligibilities; item metadata.
//!
//! The same spec (seed included) always gives the same snapshot, and so byte-identical JSON through
//! [`crate::snapshot::save`]. Nothing reads the clock or the environment. Each section draws from its own
//! random stream and every object id is derived from (seed, kind, index), so changing one count does not
//! reshuffle the unrelated sections.

use std::collections::HashSet;
use std::path::Path;

use crate::eval::pattern::ActionPattern;
use crate::model::role::trailing_guid;
use crate::model::vault::IpRule;
use crate::model::*;
use crate::snapshot;

/// The built-in role definitions kvaccess ships (ARM `roleDefinitions` objects).
pub const BUILTIN_ROLES_JSON: &str = include_str!("../assets/builtin-roles.json");

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
    /// Custom role definitions, added to the 17 built-in ones.
    pub custom_roles: usize,
    /// Secret, key and certificate metadata entries, spread over the vaults.
    pub vault_items: usize,
    /// `collectionErrors` entries (403 on role assignments of a subscription); 0 by default.
    pub collection_errors: usize,
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

/// SplitMix64: tiny, fast, and good enough for synthetic data. Deterministic for a given seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n`; 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A Zipf-distributed rank in `0..n`: P(r) ∝ 1/(r+1), so rank 0 is the most frequent.
    pub fn zipf(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let x = ((n as f64 + 1.0).ln() * self.unit()).exp() - 1.0;
        (x as usize).min(n - 1)
    }

    /// An element picked by weight; `None` only for an empty table or all-zero weights.
    pub fn weighted<'t, T>(&mut self, table: &'t [(T, u32)]) -> Option<&'t T> {
        let total: u64 = table.iter().map(|(_, w)| u64::from(*w)).sum();
        if total == 0 {
            return None;
        }
        let mut at = self.below(total as usize) as u64;
        for (item, w) in table {
            if at < u64::from(*w) {
                return Some(item);
            }
            at -= u64::from(*w);
        }
        None
    }

    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

/// The SplitMix64 finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

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

/// The directory layout: principals are stored users, groups, service principals, managed identities.
struct Directory {
    users: usize,
    groups: usize,
    sps: usize,
    mis: usize,
}

impl Directory {
    fn new(spec: &SynthSpec) -> Self {
        let groups = spec.groups.min(spec.principals);
        let rest = spec.principals - groups;
        let users = (spec.principals * 9 / 10).min(rest);
        let apps = rest - users;
        let sps = apps * 3 / 5;
        Self {
            users,
            groups,
            sps,
            mis: apps - sps,
        }
    }

    fn group(&self, i: usize) -> usize {
        self.users + i
    }

    fn app(&self, i: usize) -> usize {
        self.users + self.groups + i
    }

    fn apps(&self) -> usize {
        self.sps + self.mis
    }

    /// A principal index of the wanted kind, falling back to any kind that exists.
    fn pick(&self, rng: &mut Rng, table: &[(Who, u32)]) -> Option<(usize, Who)> {
        let wanted = *rng.weighted(table)?;
        for who in [wanted, Who::User, Who::App, Who::Group] {
            match who {
                Who::User if self.users > 0 => return Some((rng.below(self.users), who)),
                Who::Group if self.groups > 0 => {
                    return Some((self.group(rng.below(self.groups)), who));
                }
                Who::App if self.apps() > 0 => {
                    return Some((self.app(rng.below(self.apps())), who));
                }
                _ => {}
            }
        }
        None
    }
}

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

    /// Management groups (a tree at most 5 levels deep under the tenant root group), subscriptions below
    /// them, and resource groups.
    fn hierarchy(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Tree);
        let mgs = self.spec.management_groups.max(1);
        let subs = self.spec.subscriptions.max(1);
        let mut depth = vec![0usize; mgs];
        let mut groups = Vec::with_capacity(mgs);
        for i in 0..mgs {
            let parent = if i == 0 {
                None
            } else if i <= 4 {
                Some(0)
            } else {
                let mut p = 1 + rng.below(i - 1);
                if depth.get(p).copied().unwrap_or(0) >= 4 {
                    p = 1 + rng.below(4.min(i - 1));
                }
                Some(p)
            };
            if let Some(p) = parent {
                depth[i] = depth.get(p).copied().unwrap_or(0) + 1;
            }
            let display_name = if i == 0 {
                "Tenant Root Group".to_string()
            } else {
                let base = MG_NAMES
                    .get((i - 1) % MG_NAMES.len())
                    .copied()
                    .unwrap_or("Group");
                if i <= MG_NAMES.len() {
                    base.to_string()
                } else {
                    format!("{base} {i:03}")
                }
            };
            groups.push(ManagementGroup {
                scope: scope(&self.mg_id(i)),
                display_name,
                parent: parent.map(|p| scope(&self.mg_id(p))),
                subscription_ids: Vec::new(),
            });
        }
        for s in 0..subs {
            let sub_id = self.subscription_id(s);
            let mg = if mgs > 1 { 1 + rng.below(mgs - 1) } else { 0 };
            if let Some(g) = groups.get_mut(mg) {
                g.subscription_ids.push(sub_id.clone());
            }
            self.snapshot.subscriptions.push(Subscription {
                scope: scope(&format!("/subscriptions/{sub_id}")),
                subscription_id: sub_id,
                display_name: format!("sub-{s:04}"),
                tenant_id: Some(self.tenant.clone()),
                state: Some("Enabled".to_string()),
            });
        }
        self.snapshot.management_groups = groups;
        let rgs = self.spec.resource_groups.max(subs);
        for r in 0..rgs {
            let sub = if r < subs { r } else { rng.below(subs) };
            let location = LOCATIONS[rng.below(LOCATIONS.len())];
            let name = format!("rg-{r:05}");
            self.snapshot.resource_groups.push(ResourceGroup {
                scope: scope(&format!(
                    "/subscriptions/{}/resourceGroups/{name}",
                    self.subscription_id(sub)
                )),
                name,
                location: location.to_string(),
            });
            self.rg_subscription.push(sub);
        }
    }

    fn principals(&mut self) {
        let seed = self.spec.seed;
        let d = &self.dir;
        let mut out = Vec::with_capacity(self.spec.principals);
        for i in 0..d.users {
            let name = format!("user-{i:06}");
            out.push(Principal {
                id: guid(seed, Tag::User, i),
                kind: PrincipalKind::User,
                user_principal_name: Some(format!("{name}@{TENANT_DOMAIN}")),
                display_name: name,
                app_id: None,
            });
        }
        for i in 0..d.groups {
            out.push(Principal {
                id: guid(seed, Tag::Group, i),
                kind: PrincipalKind::Group,
                display_name: format!("group-{i:05}"),
                user_principal_name: None,
                app_id: None,
            });
        }
        for i in 0..d.sps {
            out.push(Principal {
                id: guid(seed, Tag::ServicePrincipal, i),
                kind: PrincipalKind::ServicePrincipal,
                display_name: format!("sp-{i:05}"),
                user_principal_name: None,
                app_id: Some(guid(seed, Tag::AppId, i)),
            });
        }
        for i in 0..d.mis {
            out.push(Principal {
                id: guid(seed, Tag::ManagedIdentity, i),
                kind: PrincipalKind::ManagedIdentity,
                display_name: format!("mi-{i:05}"),
                user_principal_name: None,
                app_id: Some(guid(seed, Tag::AppId, d.sps + i)),
            });
        }
        self.snapshot.principals = out;
    }

    /// Users in Zipf-sized groups; groups nested into lower-numbered (larger) groups, plus a few cycles;
    /// some applications in groups too.
    fn memberships(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Memberships);
        let groups = self.dir.groups;
        if groups == 0 {
            return;
        }
        let mut edges: Vec<(usize, usize)> = Vec::new(); // (group index, member principal index)
        let mut seen: HashSet<(usize, usize)> = HashSet::new();
        let mut add = |edges: &mut Vec<(usize, usize)>, group: usize, member: usize| {
            let new = seen.insert((group, member));
            if new {
                edges.push((group, member));
            }
            new
        };
        // Nesting: a child joins one or two parents with a lower index, the low indices most often.
        let mut parents: Vec<Vec<usize>> = vec![Vec::new(); groups];
        let mut children: Vec<usize> = (1..groups).collect();
        rng.shuffle(&mut children);
        children.truncate(self.spec.nested_groups.min(groups.saturating_sub(1)));
        children.sort_unstable();
        for &c in &children {
            let n = if rng.chance(20) { 2 } else { 1 };
            for _ in 0..n {
                let p = rng.zipf(c);
                if let Some(list) = parents.get_mut(c)
                    && !list.contains(&p)
                {
                    list.push(p);
                    add(&mut edges, p, self.dir.group(c));
                }
            }
        }
        // Cycles: a small nested group contains the top of its own parent chain, climbing only through
        // small groups (an accidental loop between team groups, not one through "all staff").
        let small = groups / 4;
        let mut made = 0;
        for _ in 0..self.spec.group_cycles.saturating_mul(64) {
            if made == self.spec.group_cycles {
                break;
            }
            let Some(&c) = children.get(rng.below(children.len())) else {
                break;
            };
            let mut top = c;
            for _ in 0..3 {
                match parents.get(top).and_then(|p| p.first()) {
                    Some(&p) if p >= small => top = p,
                    _ => break,
                }
            }
            if top != c && c >= groups / 2 && add(&mut edges, c, self.dir.group(top)) {
                made += 1;
            }
        }
        if self.dir.users > 0 {
            for _ in 0..self.spec.user_memberships {
                let user = rng.below(self.dir.users);
                let group = rng.zipf(groups);
                add(&mut edges, group, user);
            }
        }
        for a in 0..self.dir.apps() {
            if rng.chance(30) {
                let group = rng.zipf(groups);
                add(&mut edges, group, self.dir.app(a));
            }
        }
        self.snapshot.group_memberships = edges
            .into_iter()
            .map(|(g, m)| GroupMembership {
                group_id: self.principal_id(self.dir.group(g)).to_string(),
                member_id: self.principal_id(m).to_string(),
            })
            .collect();
    }

    fn vaults(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Vaults);
        let rgs = self.snapshot.resource_groups.len();
        for i in 0..self.spec.vaults {
            let rg_index = if i < rgs { i } else { rng.below(rgs) };
            let Some(rg) = self.snapshot.resource_groups.get(rg_index) else {
                break;
            };
            let sub = self.rg_subscription.get(rg_index).copied().unwrap_or(0);
            let sub_id = self.subscription_id(sub);
            let name = format!("kv-{i:05}");
            let network = network(&mut rng, &sub_id, sub, &name);
            let vault = Vault {
                scope: scope(&format!(
                    "{}/providers/Microsoft.KeyVault/vaults/{name}",
                    rg.scope.id()
                )),
                location: if rng.chance(90) {
                    rg.location.clone()
                } else {
                    LOCATIONS[rng.below(LOCATIONS.len())].to_string()
                },
                tenant_id: Some(self.tenant.clone()),
                vault_uri: Some(format!("https://{name}.vault.azure.net/")),
                rbac_authorization: rng.chance(u32::from(self.spec.rbac_vault_percent)),
                access_policies: Vec::new(),
                network,
                soft_delete: true,
                purge_protection: rng.chance(60),
                enabled_for_template_deployment: rng.chance(10),
                name,
            };
            self.snapshot.vaults.push(vault);
            self.vault_rg.push(rg_index);
        }
    }

    /// A few secrets, keys and certificates per vault (names unique within a vault).
    fn items(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Items);
        let vaults = self.snapshot.vaults.len();
        self.vault_items = vec![Vec::new(); vaults];
        if vaults == 0 {
            return;
        }
        let mut counts = vec![self.spec.vault_items / vaults; vaults];
        for _ in 0..self.spec.vault_items % vaults {
            let v = rng.below(vaults);
            counts[v] += 1;
        }
        for (v, count) in counts.into_iter().enumerate() {
            let Some(vault) = self.snapshot.vaults.get(v) else {
                continue;
            };
            for j in 0..count {
                let (kind, names) = match rng.below(100) {
                    0..60 => (ItemKind::Secrets, SECRET_NAMES),
                    60..85 => (ItemKind::Keys, KEY_NAMES),
                    _ => (ItemKind::Certificates, CERT_NAMES),
                };
                let name = format!("{}-{j:02}", names[rng.below(names.len())]);
                let expires = (kind != ItemKind::Keys && rng.chance(50)).then(|| {
                    format!(
                        "2027-{:02}-{:02}T00:00:00Z",
                        1 + rng.below(12),
                        1 + rng.below(28)
                    )
                });
                self.vault_items[v].push(self.snapshot.vault_items.len());
                self.snapshot.vault_items.push(VaultItem {
                    scope: scope(&format!("{}/{}/{name}", vault.scope.id(), kind.as_str())),
                    vault: vault.scope.clone(),
                    kind,
                    name,
                    enabled: Some(rng.chance(95)),
                    expires,
                });
            }
        }
    }

    /// The built-in roles (through the snapshot loader, so they are exactly what a real file gives) and
    /// the custom ones.
    fn roles(&mut self) {
        let text = format!("{{\"kvaccessSnapshot\":1,\"roleDefinitions\":{BUILTIN_ROLES_JSON}}}");
        let builtins = snapshot::parse(&text, Path::new("<builtin roles>"))
            .map(|s| s.role_definitions)
            .unwrap_or_default();
        self.builtin = ROLE_NAMES
            .iter()
            .map(|n| builtins.iter().position(|d| d.role_name == *n).unwrap_or(0))
            .collect();
        self.snapshot.role_definitions = builtins;
        let root = self.mg_id(0);
        for i in 0..self.spec.custom_roles {
            let guid = guid(self.spec.seed, Tag::CustomRole, i);
            let (name, description, permission) = custom_role(i);
            let role_name = if i < CUSTOM_ROLE_COUNT {
                name.to_string()
            } else {
                format!("{name} {i}")
            };
            self.custom.push(self.snapshot.role_definitions.len());
            self.snapshot.role_definitions.push(RoleDefinition {
                id: format!("/providers/Microsoft.Authorization/roleDefinitions/{guid}"),
                guid,
                role_name,
                built_in: false,
                description: description.to_string(),
                assignable_scopes: vec![root.clone()],
                permissions: vec![permission],
            });
        }
    }

    fn role_index(&self, rng: &mut Rng, pick: RolePick) -> usize {
        if pick == CUSTOM {
            if let Some(&c) = self.custom.get(rng.below(self.custom.len())) {
                return c;
            }
            return self.builtin.get(READER).copied().unwrap_or(0);
        }
        self.builtin.get(pick).copied().unwrap_or(0)
    }

    /// A scope at `level` and the role table for it; falls back upwards when the level has no objects.
    fn place(
        &self,
        rng: &mut Rng,
        level: Level,
    ) -> (Scope, Option<usize>, &'static [(RolePick, u32)]) {
        let vaults = self.snapshot.vaults.len();
        if level == Level::Item && vaults > 0 {
            let v = rng.below(vaults);
            if let Some(items) = self.vault_items.get(v)
                && let Some(item) = items
                    .get(rng.below(items.len()))
                    .and_then(|&i| self.snapshot.vault_items.get(i))
            {
                let table = match item.kind {
                    ItemKind::Secrets => ROLES_SECRET,
                    ItemKind::Keys => ROLES_KEY,
                    ItemKind::Certificates => ROLES_CERT,
                };
                return (
                    item.scope.clone(),
                    self.rg_subscription
                        .get(self.vault_rg.get(v).copied().unwrap_or(0))
                        .copied(),
                    table,
                );
            }
        }
        if matches!(level, Level::Item | Level::Vault) {
            let v = rng.below(vaults);
            if let Some(vault) = self.snapshot.vaults.get(v) {
                let sub = self
                    .vault_rg
                    .get(v)
                    .and_then(|&rg| self.rg_subscription.get(rg))
                    .copied();
                return (vault.scope.clone(), sub, ROLES_VAULT);
            }
        }
        if matches!(level, Level::Item | Level::Vault | Level::ResourceGroup) {
            // Resource groups of random vaults, so the assignment covers something.
            let rg = match self.vault_rg.get(rng.below(vaults)) {
                Some(&rg) => Some(rg),
                None => Some(rng.below(self.snapshot.resource_groups.len())),
            };
            if let Some(rg) = rg
                && let Some(r) = self.snapshot.resource_groups.get(rg)
            {
                return (
                    r.scope.clone(),
                    self.rg_subscription.get(rg).copied(),
                    ROLES_RG,
                );
            }
        }
        if level != Level::ManagementGroup {
            let sub = rng.below(self.snapshot.subscriptions.len());
            if let Some(s) = self.snapshot.subscriptions.get(sub) {
                return (s.scope.clone(), Some(sub), ROLES_HIGH);
            }
        }
        let mgs = self.snapshot.management_groups.len();
        let mg = self
            .snapshot
            .management_groups
            .get(rng.below(mgs))
            .map_or_else(Scope::root, |m| m.scope.clone());
        (mg, None, ROLES_HIGH)
    }

    /// `count` unique (scope, role, principal) assignments.
    fn make_assignments(
        &self,
        rng: &mut Rng,
        count: usize,
        levels: &[(Level, u32)],
        roles: Option<&[(RolePick, u32)]>,
        tag: Tag,
    ) -> Vec<RoleAssignment> {
        let mut out = Vec::with_capacity(count);
        let mut seen: HashSet<(String, usize, usize)> = HashSet::with_capacity(count);
        let mut attempts = 0usize;
        while out.len() < count && attempts < count.saturating_mul(4) + 16 {
            attempts += 1;
            let level = *rng.weighted(levels).unwrap_or(&Level::Vault);
            let (at, sub, table) = self.place(rng, level);
            let table = if level == Level::Item {
                table
            } else {
                roles.unwrap_or(table)
            };
            let pick = rng.weighted(table).copied().unwrap_or(READER);
            let high = matches!(level, Level::ManagementGroup | Level::Subscription);
            let Some((who, kind)) = self
                .dir
                .pick(rng, if high { HIGH_ASSIGNEES } else { ASSIGNEES })
            else {
                break;
            };
            let role = self.role_index(rng, pick);
            if !seen.insert((at.key().to_string(), role, who)) {
                continue;
            }
            let Some(def) = self.snapshot.role_definitions.get(role) else {
                continue;
            };
            let role_definition_id = match (
                def.built_in,
                sub.and_then(|s| self.snapshot.subscriptions.get(s)),
            ) {
                (true, Some(s)) => format!(
                    "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{}",
                    s.subscription_id, def.guid
                ),
                _ => def.id.clone(),
            };
            let condition = condition(rng, pick);
            let kind_path = if matches!(tag, Tag::Eligibility) {
                "roleEligibilityScheduleInstances"
            } else {
                "roleAssignments"
            };
            let id = guid(self.spec.seed, tag, out.len());
            let prefix = if at.kind() == ScopeKind::Root {
                ""
            } else {
                at.id()
            };
            out.push(RoleAssignment {
                id: format!("{prefix}/providers/Microsoft.Authorization/{kind_path}/{id}"),
                role_definition_guid: trailing_guid(&role_definition_id),
                role_definition_id,
                principal_id: self.principal_id(who).to_string(),
                principal_type: match kind {
                    Who::User => "User",
                    Who::Group => "Group",
                    Who::App => "ServicePrincipal",
                }
                .to_string(),
                condition_version: condition.as_ref().map(|_| "2.0".to_string()),
                condition,
                scope: at,
            });
        }
        out
    }

    fn assignments(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Assignments);
        self.snapshot.role_assignments = self.make_assignments(
            &mut rng,
            self.spec.role_assignments,
            LEVELS,
            None,
            Tag::RoleAssignment,
        );
    }

    fn eligibilities(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Eligibility);
        self.snapshot.role_eligibilities = self.make_assignments(
            &mut rng,
            self.spec.role_eligibilities,
            ELIGIBLE_LEVELS,
            Some(ROLES_ELIGIBLE),
            Tag::Eligibility,
        );
    }

    /// Entries per access-policy vault follow a skewed law (a few crowded vaults, capped at 1024).
    fn access_policies(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Policies);
        let ap_vaults: Vec<usize> = (0..self.snapshot.vaults.len())
            .filter(|&v| !self.snapshot.vaults[v].rbac_authorization)
            .collect();
        let cap = MAX_ACCESS_POLICIES_PER_VAULT.min(self.spec.principals);
        if ap_vaults.is_empty() || cap == 0 {
            return;
        }
        let total = self.spec.access_policy_entries.min(cap * ap_vaults.len());
        let weights: Vec<f64> = (0..ap_vaults.len())
            .map(|r| 1.0 / ((r + 1) as f64).powf(0.7) + 0.02)
            .collect();
        let sum: f64 = weights.iter().sum();
        let mut counts: Vec<usize> = weights
            .iter()
            .map(|w| ((total as f64 * w / sum) as usize).min(cap))
            .collect();
        let mut assigned: usize = counts.iter().sum();
        let mut at = rng.below(counts.len());
        while assigned < total {
            if let Some(c) = counts.get_mut(at)
                && *c < cap
            {
                *c += 1;
                assigned += 1;
            }
            at = (at + 1) % counts.len();
        }
        rng.shuffle(&mut counts);
        let tenant = self.tenant.clone();
        for (&v, count) in ap_vaults.iter().zip(counts) {
            let mut used: HashSet<usize> = HashSet::with_capacity(count);
            let mut entries = Vec::with_capacity(count);
            for _ in 0..count {
                let mut pick = self.dir.pick(&mut rng, POLICY_HOLDERS);
                for _ in 0..16 {
                    match pick {
                        Some((p, _)) if used.contains(&p) => {
                            pick = self.dir.pick(&mut rng, POLICY_HOLDERS)
                        }
                        _ => break,
                    }
                }
                let Some((mut p, kind)) = pick else { break };
                if used.contains(&p) {
                    let Some(free) = (0..self.spec.principals)
                        .map(|k| (p + k) % self.spec.principals)
                        .find(|q| !used.contains(q))
                    else {
                        break;
                    };
                    p = free;
                }
                used.insert(p);
                let template = rng
                    .weighted(POLICY_TEMPLATES)
                    .unwrap_or(&POLICY_TEMPLATES[0].0);
                let application_id = (kind == Who::User && self.dir.sps > 0 && rng.chance(2))
                    .then(|| {
                        self.snapshot
                            .principals
                            .get(self.dir.app(rng.below(self.dir.sps)))
                            .and_then(|a| a.app_id.clone())
                    })
                    .flatten();
                entries.push(AccessPolicy {
                    tenant_id: Some(tenant.clone()),
                    object_id: self.principal_id(p).to_string(),
                    application_id,
                    keys: strings(template.keys),
                    secrets: strings(template.secrets),
                    certificates: strings(template.certificates),
                    storage: strings(template.storage),
                });
            }
            if let Some(vault) = self.snapshot.vaults.get_mut(v) {
                vault.access_policies = entries;
            }
        }
    }

    /// Deployment-stack and managed-application style deny assignments, plus targeted ones.
    fn denies(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Denies);
        for i in 0..self.spec.deny_assignments {
            let level = *rng
                .weighted(&[
                    (Level::ResourceGroup, 50),
                    (Level::Vault, 40),
                    (Level::Subscription, 10),
                ])
                .unwrap_or(&Level::Vault);
            let (at, _, _) = self.place(&mut rng, level);
            let guid = guid(self.spec.seed, Tag::DenyAssignment, i);
            let exclude = |g: &Self, rng: &mut Rng, who| {
                g.dir
                    .pick(rng, who)
                    .map(|(p, _)| g.principal_id(p).to_string())
            };
            let (name, permission, principals, exclude_principals, system) = match rng.below(3) {
                0 => (
                    format!("Deny writes and deletes by deployment stack 'stack-{i:03}'"),
                    Permission {
                        actions: patterns(&["*/write", "*/delete"]),
                        not_actions: patterns(&["*/read"]),
                        ..Permission::default()
                    },
                    vec![EVERYONE.to_string()],
                    exclude(self, &mut rng, &[(Who::App, 1)])
                        .into_iter()
                        .collect(),
                    true,
                ),
                1 => (
                    format!("Block purge of keys and secrets {i:03}"),
                    Permission {
                        data_actions: patterns(&[
                            "Microsoft.KeyVault/vaults/secrets/purge/action",
                            "Microsoft.KeyVault/vaults/keys/purge/action",
                        ]),
                        actions: patterns(&[
                            "Microsoft.KeyVault/locations/deletedVaults/purge/action",
                        ]),
                        ..Permission::default()
                    },
                    vec![EVERYONE.to_string()],
                    exclude(self, &mut rng, &[(Who::Group, 1)])
                        .into_iter()
                        .collect(),
                    true,
                ),
                _ => (
                    format!("Deny secret reads to contractors {i:03}"),
                    Permission {
                        data_actions: patterns(&[
                            "Microsoft.KeyVault/vaults/secrets/getSecret/action",
                        ]),
                        ..Permission::default()
                    },
                    exclude(self, &mut rng, &[(Who::Group, 1)])
                        .into_iter()
                        .collect(),
                    Vec::new(),
                    false,
                ),
            };
            let principals: Vec<String> = if principals.is_empty() {
                vec![EVERYONE.to_string()]
            } else {
                principals
            };
            self.snapshot.deny_assignments.push(DenyAssignment {
                id: format!(
                    "{}/providers/Microsoft.Authorization/denyAssignments/{guid}",
                    at.id()
                ),
                name,
                scope: at,
                do_not_apply_to_child_scopes: false,
                permissions: vec![permission],
                principals,
                exclude_principals,
                is_system_protected: system,
                audit_only: false,
            });
        }
    }

    fn errors(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Errors);
        for _ in 0..self.spec.collection_errors {
            let Some(s) = self
                .snapshot
                .subscriptions
                .get(rng.below(self.snapshot.subscriptions.len()))
            else {
                break;
            };
            self.snapshot.collection_errors.push(CollectionError {
                scope: s.scope.clone(),
                what: "roleassignments".to_string(),
                status: Some(403),
                message: "AuthorizationFailed: the client does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read'".to_string(),
            });
        }
    }
}

/// Public, firewalled (IP rules, subnets, trusted services), or private-only network rules.
fn network(rng: &mut Rng, sub_id: &str, sub: usize, vault: &str) -> NetworkRules {
    let endpoint = |n: usize, status: &str| PrivateEndpoint {
        id: format!(
            "/subscriptions/{sub_id}/resourceGroups/rg-network-{sub:04}/providers/Microsoft.Network/privateEndpoints/pe-{vault}-{n}"
        ),
        status: status.to_string(),
    };
    match rng.below(100) {
        0..50 => NetworkRules {
            public_network_access: PublicNetworkAccess::Enabled,
            acls: rng.chance(50).then(|| NetworkAcls {
                default_deny: false,
                bypass_azure_services: true,
                ip_rules: Vec::new(),
                subnets: Vec::new(),
            }),
            private_endpoints: Vec::new(),
        },
        50..80 => {
            let ip_rules = (0..rng.below(5))
                .map(|_| {
                    let text = if rng.chance(60) {
                        format!(
                            "{}.{}.{}.0/24",
                            20 + rng.below(40),
                            rng.below(256),
                            rng.below(256)
                        )
                    } else {
                        format!(
                            "{}.{}.{}.{}",
                            40 + rng.below(60),
                            rng.below(256),
                            rng.below(256),
                            1 + rng.below(254)
                        )
                    };
                    IpRule {
                        net: snapshot::parse_ip_rule(&text),
                        text,
                    }
                })
                .collect::<Vec<_>>();
            let mut subnets: Vec<String> = (0..rng.below(4))
                .map(|k| format!("/subscriptions/{sub_id}/resourcegroups/rg-network-{sub:04}/providers/microsoft.network/virtualnetworks/vnet-{sub:04}/subnets/snet-{k}"))
                .collect();
            if ip_rules.is_empty() && subnets.is_empty() {
                subnets.push(format!("/subscriptions/{sub_id}/resourcegroups/rg-network-{sub:04}/providers/microsoft.network/virtualnetworks/vnet-{sub:04}/subnets/snet-app"));
            }
            NetworkRules {
                public_network_access: PublicNetworkAccess::Enabled,
                acls: Some(NetworkAcls {
                    default_deny: true,
                    bypass_azure_services: rng.chance(75),
                    ip_rules,
                    subnets,
                }),
                private_endpoints: if rng.chance(40) {
                    vec![endpoint(0, "Approved")]
                } else {
                    Vec::new()
                },
            }
        }
        80..92 => {
            let mut private_endpoints = vec![endpoint(0, "Approved")];
            if rng.chance(15) {
                private_endpoints.push(endpoint(1, "Pending"));
            }
            NetworkRules {
                public_network_access: PublicNetworkAccess::Disabled,
                acls: rng.chance(50).then(|| NetworkAcls {
                    default_deny: true,
                    bypass_azure_services: true,
                    ip_rules: Vec::new(),
                    subnets: Vec::new(),
                }),
                private_endpoints,
            }
        }
        _ => NetworkRules {
            public_network_access: PublicNetworkAccess::Enabled,
            acls: Some(NetworkAcls {
                default_deny: true,
                bypass_azure_services: true,
                ip_rules: Vec::new(),
                subnets: Vec::new(),
            }),
            private_endpoints: if rng.chance(50) {
                vec![endpoint(0, "Approved")]
            } else {
                Vec::new()
            },
        },
    }
}

const CUSTOM_ROLE_COUNT: usize = 4;

fn custom_role(i: usize) -> (&'static str, &'static str, Permission) {
    match i % CUSTOM_ROLE_COUNT {
        0 => (
            "KV Secrets Reader (custom)",
            "Reads secret values and metadata; sees the vault in ARM.",
            Permission {
                actions: patterns(&["Microsoft.KeyVault/vaults/read"]),
                data_actions: patterns(&[
                    "Microsoft.KeyVault/vaults/secrets/getSecret/action",
                    "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
                ]),
                ..Permission::default()
            },
        ),
        1 => (
            "KV Operator (custom)",
            "Manages vaults and deployments, but cannot delete or purge vaults.",
            Permission {
                actions: patterns(&["Microsoft.KeyVault/*", "Microsoft.Resources/deployments/*"]),
                not_actions: patterns(&[
                    "Microsoft.KeyVault/vaults/delete",
                    "Microsoft.KeyVault/locations/deletedVaults/purge/action",
                ]),
                ..Permission::default()
            },
        ),
        2 => (
            "Crypto Operator no purge (custom)",
            "Every key operation except delete and purge.",
            Permission {
                data_actions: patterns(&["Microsoft.KeyVault/vaults/keys/*"]),
                not_data_actions: patterns(&[
                    "Microsoft.KeyVault/vaults/keys/purge/action",
                    "Microsoft.KeyVault/vaults/keys/delete",
                ]),
                ..Permission::default()
            },
        ),
        _ => (
            "App Config Reader (custom)",
            "Reads everything in ARM and manages secrets, without purge.",
            Permission {
                actions: patterns(&["*/read"]),
                data_actions: patterns(&["Microsoft.KeyVault/vaults/secrets/*"]),
                not_data_actions: patterns(&["Microsoft.KeyVault/vaults/secrets/purge/action"]),
                ..Permission::default()
            },
        ),
    }
}

/// Realistic ABAC conditions: role-assignment delegation constrained to Key Vault data roles (half of the
/// User Access / RBAC Administrator assignments), and a tag condition on a few Secrets User assignments.
fn condition(rng: &mut Rng, role: RolePick) -> Option<String> {
    const DELEGABLE: &str = "4633458b-17de-408a-b874-0445c86b69e6, 12338af0-0e69-4776-bea7-57ae8d297424, db79e9a7-68ee-4b58-9aeb-b90e7c24fcba, 21090545-7ca7-4776-b22c-e363652d74d2";
    match role {
        UAA | RBAC_ADMIN if rng.chance(50) => Some(format!(
            "((!(ActionMatches{{'Microsoft.Authorization/roleAssignments/write'}})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{DELEGABLE}}})) AND ((!(ActionMatches{{'Microsoft.Authorization/roleAssignments/delete'}})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{DELEGABLE}}}))"
        )),
        SECRETS_USER if rng.chance(5) => Some(format!(
            "((!(ActionMatches{{'Microsoft.KeyVault/vaults/secrets/getSecret/action'}})) OR (@Resource[Microsoft.KeyVault/vaults/secrets:tags:team<$key_case_sensitive$>] StringEquals 'team-{:03}'))",
            rng.below(200)
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
