//! `cargo bench --bench whatif`: a 10-change what-if (apply + full diff across every vault and identity).
//!
//! - `mid`: a tenant generated here (10k principals, 1k vaults, 20k role assignments).
//! - `large` (set `KVACCESS_BENCH_LARGE=1`): `kvaccess::synth::generate(100_000, 10_000, 200_000, 1)`.
//!
//! Each size is measured three times: `full` is what the CLI does (engines for both snapshots, apply,
//! diff), `cached_before` is what a front-end re-diffing a toggled scenario does (the "before" engine is
//! kept), and `tui_world` is exactly what the explorer's worker does when the what-if panel's list
//! changes (`World::build`: apply, the hypothetical engine, the full diff, the summary lines; the real
//! world's engine is the explorer's own and already built), including freeing the world it replaces.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use kvaccess::eval::Engine;
use kvaccess::model::role::trailing_guid;
use kvaccess::model::{
    AccessPolicy, GroupMembership, NetworkRules, Principal, PrincipalKind, ResourceGroup,
    RoleAssignment, Scope, ScopeKind, Snapshot, Subscription, Vault, VaultItem,
};
use kvaccess::tui::whatif::world::World;
use kvaccess::whatif::{self, Change, Scenario};

fn main() {
    divan::main();
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn guid(tag: u32, n: usize) -> String {
    format!("{tag:08x}-0000-4000-8000-{n:012x}")
}

/// A tenant shaped like a large enterprise: most assignments at vaults, some at resource groups and
/// subscriptions, a few at the management group; half the vaults on access policies.
pub fn tenant(principals: usize, vaults: usize, assignments: usize, seed: u64) -> Snapshot {
    let demo = kvaccess::snapshot::demo();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut s = Snapshot {
        tenant_id: demo.tenant_id.clone(),
        role_definitions: demo.role_definitions.clone(),
        management_groups: demo.management_groups.clone(),
        ..Snapshot::default()
    };
    let subs = (vaults / 200).max(1);
    let rgs_per_sub = 10;
    for n in 0..subs {
        let id = guid(0xb0b0_0000, n);
        let scope = Scope::parse(&format!("/subscriptions/{id}")).unwrap();
        s.subscriptions.push(Subscription {
            scope,
            subscription_id: id.clone(),
            display_name: format!("sub-{n}"),
            tenant_id: s.tenant_id.clone(),
            state: None,
        });
        if let Some(mg) = s.management_groups.last_mut() {
            mg.subscription_ids.push(id.clone());
        }
        for r in 0..rgs_per_sub {
            s.resource_groups.push(ResourceGroup {
                scope: Scope::parse(&format!("/subscriptions/{id}/resourceGroups/rg-{r}")).unwrap(),
                name: format!("rg-{r}"),
                location: "westeurope".into(),
            });
        }
    }
    let kinds = [
        (PrincipalKind::User, 80),
        (PrincipalKind::Group, 5),
        (PrincipalKind::ServicePrincipal, 10),
        (PrincipalKind::ManagedIdentity, 5),
    ];
    for n in 0..principals {
        let pick = n % 100;
        let mut acc = 0;
        let kind = kinds
            .iter()
            .find(|(_, share)| {
                acc += share;
                pick < acc
            })
            .map_or(PrincipalKind::User, |(k, _)| *k);
        s.principals.push(Principal {
            id: guid(0x1000_0000, n),
            kind,
            display_name: format!("{}-{n}", kind.as_str()),
            user_principal_name: (kind == PrincipalKind::User)
                .then(|| format!("user{n}@contoso.com")),
            app_id: matches!(
                kind,
                PrincipalKind::ServicePrincipal | PrincipalKind::ManagedIdentity
            )
            .then(|| guid(0x7000_0000, n)),
        });
    }
    let ids = |k: PrincipalKind| -> Vec<String> {
        s.principals
            .iter()
            .filter(|p| p.kind == k)
            .map(|p| p.id.clone())
            .collect()
    };
    let (users, groups) = (ids(PrincipalKind::User), ids(PrincipalKind::Group));
    let mut apps = ids(PrincipalKind::ServicePrincipal);
    apps.extend(ids(PrincipalKind::ManagedIdentity));
    for u in &users {
        for _ in 0..1 + rng.below(2) {
            s.group_memberships.push(GroupMembership {
                group_id: groups[rng.below(groups.len())].clone(),
                member_id: u.clone(),
            });
        }
    }
    for g in groups.iter().step_by(10) {
        s.group_memberships.push(GroupMembership {
            group_id: groups[rng.below(groups.len())].clone(),
            member_id: g.clone(),
        });
    }
    s.group_memberships.retain(|m| m.group_id != m.member_id);
    s.group_memberships
        .sort_by(|a, b| (&a.group_id, &a.member_id).cmp(&(&b.group_id, &b.member_id)));
    s.group_memberships.dedup();
    let holder = |rng: &mut Rng| -> String {
        match rng.below(100) {
            0..=59 => users[rng.below(users.len())].clone(),
            60..=84 => groups[rng.below(groups.len())].clone(),
            _ => apps[rng.below(apps.len())].clone(),
        }
    };
    for n in 0..vaults {
        let rg = &s.resource_groups[n % s.resource_groups.len()];
        let scope = Scope::parse(&format!(
            "{}/providers/Microsoft.KeyVault/vaults/kv-{n}",
            rg.scope.id()
        ))
        .unwrap();
        let rbac = n % 2 == 0;
        let mut policies = Vec::new();
        if !rbac {
            for e in 0..3 + rng.below(5) {
                policies.push(AccessPolicy {
                    tenant_id: s.tenant_id.clone(),
                    object_id: holder(&mut rng),
                    application_id: None,
                    keys: if e % 2 == 0 {
                        vec!["get".into(), "list".into()]
                    } else {
                        Vec::new()
                    },
                    secrets: vec!["get".into(), "list".into()],
                    certificates: if e % 3 == 0 {
                        vec!["all".into()]
                    } else {
                        Vec::new()
                    },
                    storage: Vec::new(),
                });
            }
            policies.sort_by(|a, b| a.object_id.cmp(&b.object_id));
            policies.dedup_by(|a, b| a.object_id == b.object_id);
        }
        for kind in ["secrets", "keys"] {
            let item = Scope::parse(&format!("{}/{kind}/item-{n}", scope.id())).unwrap();
            s.vault_items.push(VaultItem {
                kind: match item.kind() {
                    ScopeKind::VaultItem(k) => k,
                    _ => unreachable!(),
                },
                scope: item,
                vault: scope.clone(),
                name: format!("item-{n}"),
                enabled: Some(true),
                expires: None,
            });
        }
        s.vaults.push(Vault {
            name: format!("kv-{n}"),
            location: "westeurope".into(),
            tenant_id: s.tenant_id.clone(),
            vault_uri: None,
            rbac_authorization: rbac,
            access_policies: policies,
            network: NetworkRules::default(),
            soft_delete: true,
            purge_protection: n % 3 == 0,
            enabled_for_template_deployment: n % 7 == 0,
            enabled_for_deployment: false,
            enabled_for_disk_encryption: false,
            properties_missing: false,
            scope,
        });
    }
    let role = |name: &str| {
        s.role_definitions
            .iter()
            .find(|d| d.role_name == name)
            .unwrap()
            .id
            .clone()
    };
    let data_roles: Vec<String> = [
        "Key Vault Secrets User",
        "Key Vault Secrets Officer",
        "Key Vault Crypto User",
        "Key Vault Reader",
        "Key Vault Certificate User",
        "Key Vault Administrator",
    ]
    .iter()
    .map(|r| role(r))
    .collect();
    let control_roles: Vec<String> = [
        "Reader",
        "Contributor",
        "Key Vault Contributor",
        "Owner",
        "User Access Administrator",
    ]
    .iter()
    .map(|r| role(r))
    .collect();
    let mg = s.management_groups.last().unwrap().scope.clone();
    for n in 0..assignments {
        let (scope, roles) = match rng.below(1000) {
            0..=1 => (mg.clone(), &control_roles),
            2..=21 => (
                s.subscriptions[rng.below(s.subscriptions.len())]
                    .scope
                    .clone(),
                &control_roles,
            ),
            22..=121 => (
                s.resource_groups[rng.below(s.resource_groups.len())]
                    .scope
                    .clone(),
                &control_roles,
            ),
            122..=130 => (
                s.vault_items[rng.below(s.vault_items.len())].scope.clone(),
                &data_roles,
            ),
            _ => (
                s.vaults[rng.below(s.vaults.len())].scope.clone(),
                &data_roles,
            ),
        };
        let role_id = roles[rng.below(roles.len())].clone();
        let principal_id = holder(&mut rng);
        let prefix = if scope.id() == "/" { "" } else { scope.id() };
        s.role_assignments.push(RoleAssignment {
            id: format!(
                "{prefix}/providers/Microsoft.Authorization/roleAssignments/{}",
                guid(0x4000_0000, n)
            ),
            role_definition_guid: trailing_guid(&role_id),
            role_definition_id: role_id,
            principal_type: String::new(),
            principal_id,
            condition: None,
            condition_version: None,
            scope,
        });
    }
    s
}

/// Transitive member counts of every group (small BFS per group; groups are a few percent of principals).
fn group_sizes(s: &Snapshot) -> HashMap<&str, usize> {
    let mut members: HashMap<&str, Vec<&str>> = HashMap::new();
    for m in &s.group_memberships {
        members.entry(&m.group_id).or_default().push(&m.member_id);
    }
    members
        .keys()
        .map(|&g| {
            let mut seen: HashSet<&str> = HashSet::from([g]);
            let mut queue = vec![g];
            while let Some(x) = queue.pop() {
                for &m in members.get(x).into_iter().flatten() {
                    if seen.insert(m) {
                        queue.push(m);
                    }
                }
            }
            (g, seen.len() - 1)
        })
        .collect()
}

/// Ten changes of a typical infrastructure pull request, picked from whatever the tenant holds: objects of
/// typical reach (individual users and service principals, a group of median size, an access-policy entry
/// for one identity), plus one permission-model switch, whose reach is the whole vault.
pub fn ten_changes(s: &Snapshot) -> Vec<Change> {
    let sizes = group_sizes(s);
    let is_group = |id: &str| sizes.contains_key(id);
    let mut holding: Vec<(usize, &str)> = s
        .role_assignments
        .iter()
        .filter_map(|a| {
            sizes
                .get(a.principal_id.as_str())
                .map(|n| (*n, a.principal_id.as_str()))
        })
        .collect();
    holding.sort_unstable();
    holding.dedup();
    let median_group = holding.get(holding.len() / 2).map(|(_, g)| g.to_string());
    let (Some(ap), Some(rbac), Some(group)) = (
        s.vaults
            .iter()
            .find(|v| !v.rbac_authorization && v.access_policies.len() > 1),
        s.vaults.iter().find(|v| v.rbac_authorization),
        median_group,
    ) else {
        return Vec::new();
    };
    let users: Vec<&str> = s
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::User)
        .map(|p| p.id.as_str())
        .collect();
    let user = |n: usize| users.get(n * 97 % users.len().max(1)).unwrap().to_string();
    let sp = s
        .principals
        .iter()
        .find(|p| p.kind == PrincipalKind::ServicePrincipal)
        .unwrap()
        .id
        .clone();
    let other_ap = s
        .vaults
        .iter()
        .filter(|v| {
            !v.rbac_authorization && v.access_policies.iter().any(|e| !is_group(&e.object_id))
        })
        .nth(1)
        .unwrap_or(ap);
    let rg = ap.scope.structural_parent().unwrap();
    let at_vault = s
        .role_assignments
        .iter()
        .find(|a| a.scope.kind() == ScopeKind::Vault && !is_group(&a.principal_id))
        .unwrap();
    let edge = s
        .group_memberships
        .iter()
        .find(|m| {
            !is_group(&m.member_id) && sizes.get(m.group_id.as_str()).is_some_and(|n| *n <= 50)
        })
        .unwrap_or_else(|| s.group_memberships.first().unwrap());
    let entry = other_ap
        .access_policies
        .iter()
        .find(|e| !is_group(&e.object_id))
        .unwrap_or_else(|| other_ap.access_policies.first().unwrap());
    let already_member = |g: &str, m: &str| {
        s.group_memberships
            .iter()
            .any(|e| e.group_id == g && e.member_id == m)
    };
    let joiner = (3..100)
        .map(user)
        .find(|u| !already_member(&group, u))
        .unwrap();
    vec![
        Change::AddRoleAssignment {
            principal: user(1),
            role: "Key Vault Secrets User".into(),
            scope: rbac.scope.id().into(),
            condition: None,
            condition_version: None,
            id: None,
        },
        Change::AddRoleAssignment {
            principal: group.clone(),
            role: "Key Vault Administrator".into(),
            scope: rbac.scope.id().into(),
            condition: None,
            condition_version: None,
            id: None,
        },
        Change::AddRoleAssignment {
            principal: sp,
            role: "Key Vault Contributor".into(),
            scope: rg.id().into(),
            condition: None,
            condition_version: None,
            id: None,
        },
        Change::RemoveRoleAssignment {
            id: Some(at_vault.id.clone()),
            principal: None,
            role: None,
            scope: None,
        },
        Change::AddAccessPolicy {
            vault: other_ap.scope.id().into(),
            object_id: user(2),
            application_id: None,
            tenant_id: None,
            permissions: whatif::PolicyPermissions {
                secrets: vec!["get".into()],
                ..Default::default()
            },
        },
        Change::RemoveAccessPolicy {
            vault: other_ap.scope.id().into(),
            object_id: entry.object_id.clone(),
            application_id: None,
        },
        Change::SetPermissionModel {
            vault: ap.scope.id().into(),
            enable_rbac_authorization: true,
        },
        Change::AddGroupMember {
            group,
            member: joiner,
        },
        Change::RemoveGroupMember {
            group: edge.group_id.clone(),
            member: edge.member_id.clone(),
        },
        Change::SetPublicNetworkAccess {
            vault: rbac.scope.id().into(),
            value: "Disabled".into(),
        },
    ]
}

struct Case {
    snapshot: Arc<Snapshot>,
    scenario: Scenario,
}

/// CPU time of this process so far, all threads (Linux; zero elsewhere): the machine the figures come
/// from is shared, so wall-clock times are reported next to the CPU time the work itself took.
fn cpu() -> std::time::Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the stat line (11 and 12 after the command name), in
    // clock ticks of 10 ms.
    std::time::Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn case(name: &str, make: impl FnOnce() -> Snapshot) -> Case {
    let t = std::time::Instant::now();
    let snapshot = Arc::new(make());
    let generated = t.elapsed();
    let scenario = Scenario::from_changes(ten_changes(&snapshot));
    let clock = || (std::time::Instant::now(), cpu());
    let t0 = clock();
    let before = Engine::new(snapshot.clone());
    let t1 = clock();
    let outcome = scenario.apply(&snapshot).unwrap();
    let t2 = clock();
    let applied = outcome.applied;
    let after = Engine::new(outcome.snapshot);
    let t3 = clock();
    let _diff = whatif::diff_engines(&before, &after, None);
    let t4 = clock();
    drop(after);
    drop(applied);
    drop(before);
    let t5 = clock();
    let phase = |a: (std::time::Instant, std::time::Duration),
                 b: (std::time::Instant, std::time::Duration)| {
        format!("{:.2?} (cpu {:.2?})", b.0 - a.0, b.1 - a.1)
    };
    eprintln!(
        "{name} phases: before engine {}, apply {}, after engine {}, diff {}, drop {}; total {}",
        phase(t0, t1),
        phase(t1, t2),
        phase(t2, t3),
        phase(t3, t4),
        phase(t4, t5),
        phase(t0, t5)
    );
    let t = clock();
    let (before, after, diff) = full_diff(&snapshot, &scenario);
    eprintln!(
        "{name}: what `kvaccess whatif` does (engines built in parallel, apply, diff) {}; load average {}",
        phase(t, clock()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    // Outside the timed region: the command leaks these.
    drop((before, after));
    eprintln!(
        "{name}: {} principals, {} vaults, {} role assignments, {} memberships (generated in {generated:.1?}); \
         {} changes → {} gained, {} lost, escalations +{} -{}; evaluated {} vaults ({} wide), {} pairs, {} cells, {} bystanders",
        snapshot.principals.len(),
        snapshot.vaults.len(),
        snapshot.role_assignments.len(),
        snapshot.group_memberships.len(),
        diff.changes,
        diff.gained.len(),
        diff.lost.len(),
        diff.escalations_added.len(),
        diff.escalations_removed.len(),
        diff.stats.vaults,
        diff.stats.wide_vaults,
        diff.stats.pairs,
        diff.stats.cells,
        diff.stats.bystanders,
    );
    if std::env::var("KVACCESS_BENCH_EACH").as_deref() == Ok("1") {
        for (i, e) in scenario.entries.iter().enumerate() {
            let one = Scenario::from_changes([e.change.clone()]);
            let t = clock();
            let (_, _, d) = full_diff(&snapshot, &one);
            eprintln!(
                "{name}: change {i} {}: {}; {} gained, {} lost, escalations +{} -{}; {} vaults ({} wide), {} pairs",
                e.change.kind(),
                phase(t, clock()),
                d.gained.len(),
                d.lost.len(),
                d.escalations_added.len(),
                d.escalations_removed.len(),
                d.stats.vaults,
                d.stats.wide_vaults,
                d.stats.pairs
            );
        }
    }
    Case { snapshot, scenario }
}

fn mid() -> &'static Case {
    static CASE: OnceLock<Case> = OnceLock::new();
    CASE.get_or_init(|| case("mid", || tenant(10_000, 1_000, 20_000, 7)))
}

fn large() -> Option<&'static Case> {
    if std::env::var("KVACCESS_BENCH_LARGE").as_deref() != Ok("1") {
        return None;
    }
    static CASE: OnceLock<Case> = OnceLock::new();
    Some(CASE.get_or_init(|| {
        case("large", || {
            kvaccess::synth::generate(&kvaccess::synth::SynthSpec::new(
                100_000, 10_000, 200_000, 1,
            ))
        })
    }))
}

/// What `kvaccess whatif` does: the engine over the snapshot before is built on a second thread while the
/// changes are applied and the engine after is built; then the diff.
fn full_diff(snapshot: &Arc<Snapshot>, scenario: &Scenario) -> (Engine, Engine, whatif::Diff) {
    let (before, after) = std::thread::scope(|s| {
        let before = s.spawn(|| Engine::new(snapshot.clone()));
        let after = Engine::new(scenario.apply(snapshot).unwrap().snapshot);
        (before.join().unwrap(), after)
    });
    let diff = whatif::diff_engines(&before, &after, None);
    (before, after, diff)
}

fn full(c: &Case) {
    let (before, after, diff) = full_diff(&c.snapshot, &c.scenario);
    // As the explorer does with a world it replaces: the engines are freed on a thread of their own.
    std::thread::spawn(move || drop((before, after)));
    divan::black_box(diff);
}

#[divan::bench(sample_count = 10)]
fn mid_full() {
    full(mid());
}

#[divan::bench(sample_count = 10)]
fn mid_cached_before(bencher: divan::Bencher) {
    let c = mid();
    let before = Engine::new(c.snapshot.clone());
    bencher.bench_local(|| divan::black_box(c.scenario.diff(&before, None).unwrap().diff));
}

#[divan::bench(sample_count = 5)]
fn large_full(bencher: divan::Bencher) {
    let Some(c) = large() else {
        return;
    };
    bencher.bench_local(|| full(c));
}

#[divan::bench(sample_count = 5)]
fn large_cached_before(bencher: divan::Bencher) {
    let Some(c) = large() else {
        return;
    };
    let before = Engine::new(c.snapshot.clone());
    bencher.bench_local(|| divan::black_box(c.scenario.diff(&before, None).unwrap().diff));
}

/// The explorer's what-if panel: the world a toggle asks the worker for, then freed as the next one
/// replaces it.
fn tui_world(c: &Case, before: &Engine) {
    let world = World::build(before, &c.scenario, 1).unwrap();
    divan::black_box(&world.summary);
}

#[divan::bench(sample_count = 10)]
fn mid_tui_world(bencher: divan::Bencher) {
    let c = mid();
    let before = Engine::new(c.snapshot.clone());
    bencher.bench_local(|| tui_world(c, &before));
}

#[divan::bench(sample_count = 5)]
fn large_tui_world(bencher: divan::Bencher) {
    let Some(c) = large() else {
        return;
    };
    let before = Engine::new(c.snapshot.clone());
    let t = std::time::Instant::now();
    let world = World::build(&before, &c.scenario, 1).unwrap();
    eprintln!(
        "large: TUI world ({} changes) in {:.2?}: {} gained, {} lost; summary: {}",
        world.changes,
        t.elapsed(),
        world.diff.gained.len(),
        world.diff.lost.len(),
        world
            .summary
            .first()
            .map_or("no change in access", String::as_str)
    );
    drop(world);
    bencher.bench_local(|| tui_world(c, &before));
}
