//! Attack paths: each hop on a small hand-made tenant, with the paths it must (and must not) give, and a
//! naive breadth-first reference over explicit edges that must agree with the engine on generated tenants.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path as FsPath;

use kvaccess::catalog;
use kvaccess::eval::{Decision, Engine};
use kvaccess::model::{Scope, Snapshot};
use kvaccess::paths::{HopGraph, HopKind, PathsTo, paths_from, paths_to};
use serde_json::{Value, json};

pub(crate) const SUB: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-0000000000aa";
const RUNNER: &str = "99999999-0000-0000-0000-000000000001";

pub(crate) fn id(n: u32) -> String {
    format!("00000000-0000-0000-0000-{n:012}")
}

pub(crate) fn rg() -> String {
    format!("{SUB}/resourceGroups/rg")
}

pub(crate) fn vault_id() -> String {
    format!("{}/providers/Microsoft.KeyVault/vaults/kv", rg())
}

pub(crate) fn vm_id(name: &str) -> String {
    format!(
        "{}/providers/Microsoft.Compute/virtualMachines/{name}",
        rg()
    )
}

pub(crate) fn user(n: u32) -> Value {
    json!({"@odata.type": "#microsoft.graph.user", "id": id(n), "displayName": format!("user{n}")})
}

pub(crate) fn group(n: u32) -> Value {
    json!({"@odata.type": "#microsoft.graph.group", "id": id(n), "displayName": format!("group{n}")})
}

pub(crate) fn sp(n: u32, managed: bool) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.servicePrincipal", "id": id(n), "displayName": format!("sp{n}"),
        "appId": id(n + 5000),
        "servicePrincipalType": if managed { "ManagedIdentity" } else { "Application" },
    })
}

pub(crate) fn policy(object: u32) -> Value {
    json!({"tenantId": id(1), "objectId": id(object), "permissions": {"secrets": ["get"]}})
}

/// A custom role that can Run Command on VMs, assigned to `principal` on `vm`.
fn runner_at(principal: u32, vm: &str, n: u32) -> Value {
    json!({
        "id": format!("{vm}/providers/Microsoft.Authorization/roleAssignments/{}", id(7000 + n)),
        "properties": {
            "scope": vm, "principalId": id(principal),
            "roleDefinitionId": format!("{SUB}/providers/Microsoft.Authorization/roleDefinitions/{RUNNER}"),
        }
    })
}

pub(crate) fn vm(name: &str, system: Option<u32>, user_assigned: Option<u32>) -> Value {
    let mut identity = json!({"type": "SystemAssigned"});
    if let Some(p) = system {
        identity["principalId"] = json!(id(p));
    }
    if let Some(p) = user_assigned {
        let uai = format!(
            "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai{p}",
            rg()
        );
        identity["userAssignedIdentities"] =
            json!({ uai: {"principalId": id(p), "clientId": id(p + 9000)} });
    }
    json!({"id": vm_id(name), "name": name, "type": "Microsoft.Compute/virtualMachines", "identity": identity})
}

/// An access-policy vault open to every network, with the given policies, principals and extra sections.
pub(crate) fn tenant(policies: Vec<Value>, principals: Vec<Value>, extra: Value) -> Value {
    let mut doc = json!({
        "kvaccessSnapshot": 1,
        "tenantId": id(1),
        "subscriptions": [{"id": SUB, "subscriptionId": "bbbbbbbb-0000-0000-0000-0000000000aa", "displayName": "sub"}],
        "resourceGroups": [{"id": rg(), "name": "rg", "location": "westeurope"}],
        "vaults": [{
            "id": vault_id(), "name": "kv", "location": "westeurope",
            "properties": {
                "tenantId": id(1), "enableRbacAuthorization": false, "accessPolicies": policies,
                "publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Allow", "bypass": "AzureServices"},
            }
        }],
        "roleDefinitions": [{
            "id": format!("{SUB}/providers/Microsoft.Authorization/roleDefinitions/{RUNNER}"),
            "properties": {
                "roleName": "VM Runner", "type": "CustomRole", "assignableScopes": [SUB],
                "permissions": [{"actions": ["Microsoft.Compute/virtualMachines/runCommand/action"], "notActions": [], "dataActions": [], "notDataActions": []}],
            }
        }],
        "roleAssignments": [],
        "roleEligibilities": [],
        "denyAssignments": [],
        "principals": principals,
        "groupMemberships": [],
        "collectionErrors": [],
    });
    for (k, v) in extra.as_object().unwrap() {
        doc[k] = v.clone();
    }
    doc
}

pub(crate) fn load(doc: &Value) -> Snapshot {
    kvaccess::snapshot::parse(&doc.to_string(), FsPath::new("paths-fixture.json")).unwrap()
}

pub(crate) fn to(snapshot: &Snapshot, max_hops: usize) -> PathsTo {
    let engine = Engine::new(snapshot.clone());
    let graph = HopGraph::build(&engine);
    let scope = Scope::parse(&vault_id()).unwrap();
    let action = catalog::resolve("secrets/get").unwrap();
    // Every hand-made fixture's grouped answer is held to its flat one too.
    super::paths_grouped::agrees(&engine, &graph, &scope, "secrets/get", max_hops);
    paths_to(&engine, &graph, &scope, &action, max_hops).unwrap()
}

/// start id → (hop kinds, decision)
pub(crate) fn starts(p: &PathsTo) -> BTreeMap<String, (Vec<HopKind>, Decision)> {
    p.groups
        .iter()
        .flat_map(|g| &g.paths)
        .map(|path| {
            let kinds = path.hops.iter().map(|h| h.kind).collect();
            (path.start.id.clone(), (kinds, path.decision))
        })
        .collect()
}

pub(crate) fn all_sections_empty() -> Value {
    json!({
        "identityResources": [], "owners": [], "directoryRoleAssignments": [], "directoryRoleEligibilities": [],
        "appRoleAssignments": [], "applications": [],
    })
}

pub(crate) fn with(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

#[test]
fn runs_as_a_system_assigned_identity_through_run_command() {
    // user10 can Run Command on vm-a, which runs as managed identity 30; 30 reads the secret.
    // user11 holds the role on another VM only.
    let mut doc = tenant(
        vec![policy(30)],
        vec![user(10), user(11), sp(30, true)],
        with(
            all_sections_empty(),
            json!({"identityResources": [vm("vm-a", Some(30), None), vm("vm-b", None, None)]}),
        ),
    );
    doc["roleAssignments"] = json!([
        runner_at(10, &vm_id("vm-a"), 1),
        runner_at(11, &vm_id("vm-b"), 2)
    ]);
    let p = to(&load(&doc), 4);
    let s = starts(&p);
    assert_eq!(
        s[&id(10)],
        (vec![HopKind::RunsAs, HopKind::Holds], Decision::Allowed)
    );
    assert_eq!(s[&id(30)], (vec![HopKind::Holds], Decision::Allowed));
    assert!(!s.contains_key(&id(11)), "{s:?}");
    assert!(p.unknown_because.is_empty(), "{:?}", p.unknown_because);
    let hop = &p
        .groups
        .iter()
        .flat_map(|g| &g.paths)
        .find(|x| x.start.id == id(10))
        .unwrap()
        .hops[0];
    assert!(
        hop.evidence.iter().any(|e| e.contains(&id(7001))),
        "{:?}",
        hop.evidence
    );
    assert!(hop.explanation.contains("vm-a"), "{}", hop.explanation);
}

#[test]
fn runs_as_a_user_assigned_identity() {
    let mut doc = tenant(
        vec![policy(31)],
        vec![user(10), sp(31, true)],
        with(
            all_sections_empty(),
            json!({"identityResources": [vm("vm-a", None, Some(31))]}),
        ),
    );
    doc["roleAssignments"] = json!([runner_at(10, &vm_id("vm-a"), 1)]);
    let s = starts(&to(&load(&doc), 4));
    assert_eq!(s[&id(10)].0, vec![HopKind::RunsAs, HopKind::Holds]);
}

#[test]
fn group_owner_joins_and_nested_groups_pass_the_grant_on() {
    // group40 holds the secret; group41 is inside group40; user10 owns group41 (empty).
    let mut doc = tenant(
        vec![policy(40)],
        vec![user(10), group(40), group(41)],
        with(
            all_sections_empty(),
            json!({"owners": [{"objectId": id(41), "ownerId": id(10)}]}),
        ),
    );
    doc["groupMemberships"] = json!([{"groupId": id(40), "memberId": id(41)}]);
    let s = starts(&to(&load(&doc), 4));
    // Joining the inner group is enough: its members hold what the outer group holds.
    assert_eq!(
        s[&id(10)],
        (vec![HopKind::JoinsGroup, HopKind::Holds], Decision::Allowed)
    );
    // Groups are stepping stones, never starts.
    assert!(!s.contains_key(&id(40)) && !s.contains_key(&id(41)));
    // --max-hops 1 cuts the two-hop path.
    let short = starts(&to(&load(&doc), 1));
    assert!(!short.contains_key(&id(10)), "{short:?}");
}

#[test]
fn credentials_go_to_applications_and_service_principals_never_to_managed_identities() {
    // sp20 (an application) and mi30 (a managed identity) both read the secret. user10 owns sp20's
    // application; user11 owns mi30's service principal object; user12 is Application Administrator.
    let doc = tenant(
        vec![policy(20), policy(30)],
        vec![user(10), user(11), user(12), sp(20, false), sp(30, true)],
        with(
            all_sections_empty(),
            json!({
                "applications": [{"id": id(2020), "appId": id(5020), "displayName": "app20"}],
                "owners": [
                    {"objectId": id(2020), "value": [{"id": id(10)}]},
                    {"objectId": id(30), "ownerId": id(11)},
                ],
                "directoryRoleAssignments": [{
                    "id": "ra-12", "principalId": id(12), "directoryScopeId": "/",
                    "roleDefinitionId": "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
                }],
            }),
        ),
    );
    let snapshot = load(&doc);
    let p = to(&snapshot, 4);
    let s = starts(&p);
    assert_eq!(s[&id(10)].0, vec![HopKind::AddsCredential, HopKind::Holds]);
    assert_eq!(s[&id(12)].0, vec![HopKind::AddsCredential, HopKind::Holds]);
    assert!(
        !s.contains_key(&id(11)),
        "no credential can be added to a managed identity: {s:?}"
    );
    let engine = Engine::new(snapshot.clone());
    let graph = HopGraph::build(&engine);
    assert!(
        graph
            .edges_into(&engine, &id(30))
            .iter()
            .all(|h| h.kind != HopKind::AddsCredential),
        "BloodHound #943: no AddsCredential edge into a managed identity"
    );
}

#[test]
fn a_service_principal_owner_needs_owned_by_to_use_its_ownership() {
    let owners = json!([{"objectId": id(20), "ownerId": id(21)}]);
    let base = || {
        tenant(
            vec![policy(20)],
            vec![sp(20, false), sp(21, false)],
            with(all_sections_empty(), json!({"owners": owners})),
        )
    };
    let s = starts(&to(&load(&base()), 4));
    assert_eq!(s[&id(21)].1, Decision::Conditional);
    let mut doc = base();
    doc["appRoleAssignments"] = json!([{
        "id": "ara-1", "principalId": id(21), "resourceId": id(999),
        "appRoleId": "18a4783c-866b-4cc7-a460-3d5e5662c884",
    }]);
    let s = starts(&to(&load(&doc), 4));
    assert_eq!(s[&id(21)].1, Decision::Allowed);
}

#[test]
fn federated_subject_is_an_external_start() {
    let doc = tenant(
        vec![policy(20)],
        vec![sp(20, false)],
        with(
            all_sections_empty(),
            json!({"applications": [{
                "id": id(2020), "appId": id(5020), "displayName": "app20",
                "federatedIdentityCredentials": [{"name": "gh", "issuer": "https://token.actions.githubusercontent.com", "subject": "repo:o/r:ref:refs/heads/main"}],
            }]}),
        ),
    );
    let p = to(&load(&doc), 4);
    let path = p
        .groups
        .iter()
        .flat_map(|g| &g.paths)
        .find(|x| x.start.kind == "external")
        .expect("an external start");
    assert_eq!(path.start.display_name, "repo:o/r:ref:refs/heads/main");
    assert_eq!(path.hops[0].kind, HopKind::FederatedCredential);
}

#[test]
fn eligible_roles_need_activation_and_administrative_units_are_not_guessed() {
    let doc = tenant(
        vec![policy(40)],
        vec![user(10), user(11), group(40)],
        with(
            all_sections_empty(),
            json!({"directoryRoleEligibilities": [
                {"id": "e1", "principalId": id(10), "directoryScopeId": "/", "roleDefinitionId": "fdd7a751-b60b-444a-984c-02652fe8fa1c"},
                {"id": "e2", "principalId": id(11), "directoryScopeId": format!("/administrativeUnits/{}", id(77)), "roleDefinitionId": "fdd7a751-b60b-444a-984c-02652fe8fa1c"},
            ]}),
        ),
    );
    let p = to(&load(&doc), 4);
    let path = p
        .groups
        .iter()
        .flat_map(|g| &g.paths)
        .find(|x| x.start.id == id(10))
        .unwrap();
    assert!(path.needs_activation);
    assert_eq!(
        path.decision,
        Decision::Conditional,
        "role-assignable groups are out of reach"
    );
    assert!(!starts(&p).contains_key(&id(11)));
}

#[test]
fn tenant_admins_are_one_note_not_paths() {
    let doc = tenant(
        vec![policy(40)],
        vec![user(10), group(40)],
        with(
            all_sections_empty(),
            json!({"directoryRoleAssignments": [
                {"id": "ga", "principalId": id(10), "directoryScopeId": "/", "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10"},
            ]}),
        ),
    );
    let p = to(&load(&doc), 4);
    assert!(!starts(&p).contains_key(&id(10)));
    assert_eq!(p.tenant_admins.len(), 1);
    assert_eq!(p.tenant_admins[0].role, "Global Administrator");
}

#[test]
fn the_last_hop_is_the_evaluators_answer_rbac_vaults_ignore_access_policies() {
    // An access policy on an RBAC vault grants nothing (BloodHound draws an edge for it).
    let mut doc = tenant(
        vec![policy(30)],
        vec![user(10), sp(30, true)],
        with(
            all_sections_empty(),
            json!({"identityResources": [vm("vm-a", Some(30), None)]}),
        ),
    );
    doc["vaults"][0]["properties"]["enableRbacAuthorization"] = json!(true);
    doc["roleAssignments"] = json!([runner_at(10, &vm_id("vm-a"), 1)]);
    let s = starts(&to(&load(&doc), 4));
    assert!(s.is_empty(), "{s:?}");
}

#[test]
fn absent_sections_are_unknown_present_empty_ones_are_not() {
    let old = tenant(vec![policy(30)], vec![sp(30, true)], json!({}));
    let p = to(&load(&old), 4);
    assert_eq!(p.unknown_because.len(), 6, "{:?}", p.unknown_because);
    assert!(
        p.unknown_because
            .iter()
            .any(|u| u.starts_with("owners absent"))
    );
    let full = tenant(vec![policy(30)], vec![sp(30, true)], all_sections_empty());
    assert!(to(&load(&full), 4).unknown_because.is_empty());
}

#[test]
fn hop_sections_survive_a_save_and_load() {
    let doc = kvaccess::snapshot::demo();
    let again = load(&kvaccess::snapshot::to_json(&doc));
    assert_eq!(doc.hops, again.hops);
    assert!(doc.hops.resources.as_ref().is_some_and(|r| r.len() == 1));
}

#[test]
fn bad_hop_data_is_reported_with_its_json_path() {
    let doc = tenant(
        vec![],
        vec![],
        json!({"owners": [{"objectId": "not-a-guid", "ownerId": id(1)}], "identityResources": [{"id": "nope", "type": "x"}]}),
    );
    let err = kvaccess::snapshot::parse(&doc.to_string(), FsPath::new("f.json")).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("owners[0].objectId"), "{text}");
    assert!(text.contains("identityResources[0].id"), "{text}");
}

#[test]
fn from_a_principal_lists_what_it_becomes_and_reaches() {
    let mut doc = tenant(
        vec![policy(30)],
        vec![user(10), sp(30, true)],
        with(
            all_sections_empty(),
            json!({"identityResources": [vm("vm-a", Some(30), None)]}),
        ),
    );
    doc["roleAssignments"] = json!([runner_at(10, &vm_id("vm-a"), 1)]);
    let snapshot = load(&doc);
    let engine = Engine::new(snapshot.clone());
    let graph = HopGraph::build(&engine);
    let p = paths_from(&engine, &graph, &id(10), 4);
    let mi = p
        .reached
        .iter()
        .find(|r| r.node.id == id(30))
        .expect("reaches the identity");
    assert_eq!(mi.hops.len(), 1);
    let lines = p.vault_lines(&engine, mi);
    assert!(
        lines
            .iter()
            .any(|v| v.contains("kv") && v.contains("secrets")),
        "{lines:?}"
    );
}

// ---- the reference: a naive breadth-first search over explicit edges, on generated tenants ----

struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u32) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % u64::from(n)) as u32
    }
}

/// A generated tenant: the document, its explicit edges (controller → controlled), the nodes holding the
/// secret at distance 1, and the groups.
pub(crate) type Generated = (Value, Vec<(u32, u32)>, BTreeSet<u32>, BTreeSet<u32>);

/// Users 100.., groups 200.., applications' SPs 300.., managed identities 400..; VMs hosting MIs.
pub(crate) fn generated(seed: u64) -> Generated {
    let mut r = Rng(seed);
    let (users, groups, sps, mis) = (12, 6, 5, 5);
    let mut principals = Vec::new();
    principals.extend((0..users).map(|i| user(100 + i)));
    principals.extend((0..groups).map(|i| group(200 + i)));
    principals.extend((0..sps).map(|i| sp(300 + i, false)));
    principals.extend((0..mis).map(|i| sp(400 + i, true)));
    let all_ids: Vec<u32> = (0..users)
        .map(|i| 100 + i)
        .chain((0..groups).map(|i| 200 + i))
        .chain((0..sps).map(|i| 300 + i))
        .chain((0..mis).map(|i| 400 + i))
        .collect();
    let holders: BTreeSet<u32> = (0..4)
        .map(|_| all_ids[r.next(all_ids.len() as u32) as usize])
        .collect();
    let mut edges: Vec<(u32, u32)> = Vec::new(); // controller → controlled
    let mut memberships = Vec::new();
    let mut member_edges: Vec<(u32, u32)> = Vec::new(); // member → group
    for _ in 0..10 {
        let g = 200 + r.next(groups);
        let m = all_ids[r.next(all_ids.len() as u32) as usize];
        if m == g || (200..300).contains(&m) && m >= g {
            continue; // nested groups only downwards: no cycles
        }
        memberships.push(json!({"groupId": id(g), "memberId": id(m)}));
        member_edges.push((m, g));
        if (200..300).contains(&m) {
            edges.push((m, g));
        }
    }
    let mut owners = Vec::new();
    for _ in 0..8 {
        let owner = 100 + r.next(users);
        let target =
            [200 + r.next(groups), 300 + r.next(sps), 400 + r.next(mis)][r.next(3) as usize];
        owners.push(json!({"objectId": id(target), "ownerId": id(owner)}));
        if target < 400 {
            edges.push((owner, target)); // never into a managed identity
        }
    }
    let mut resources = Vec::new();
    let mut assignments = Vec::new();
    for i in 0..mis {
        let name = format!("vm{i}");
        resources.push(vm(&name, Some(400 + i), None));
        if r.next(2) == 0 {
            let runner =
                [100 + r.next(users), 300 + r.next(sps), 400 + r.next(mis)][r.next(3) as usize];
            assignments.push(runner_at(runner, &vm_id(&name), i));
            edges.push((runner, 400 + i));
        }
    }
    let mut doc = tenant(
        holders.iter().map(|&h| policy(h)).collect(),
        principals,
        with(
            all_sections_empty(),
            json!({"identityResources": resources, "owners": owners}),
        ),
    );
    doc["groupMemberships"] = json!(memberships);
    doc["roleAssignments"] = json!(assignments);
    // Identities holding directly or through their (nested) groups hold at distance 1.
    let mut holding: BTreeSet<u32> = holders.clone();
    loop {
        let before = holding.len();
        for &(m, g) in &member_edges {
            if holding.contains(&g) {
                holding.insert(m);
            }
        }
        if holding.len() == before {
            break;
        }
    }
    let groups_set: BTreeSet<u32> = (0..groups).map(|i| 200 + i).collect();
    (doc, edges, holding, groups_set)
}

/// Distance (in hops, the grant included) from every node to the target, by naive BFS over `edges`.
fn reference(
    edges: &[(u32, u32)],
    holding: &BTreeSet<u32>,
    max_hops: usize,
) -> BTreeMap<u32, usize> {
    let mut dist: BTreeMap<u32, usize> = holding.iter().map(|&h| (h, 1)).collect();
    let mut queue: VecDeque<u32> = holding.iter().copied().collect();
    while let Some(n) = queue.pop_front() {
        let d = dist[&n];
        if d >= max_hops {
            continue;
        }
        for &(from, to) in edges {
            if to == n && !dist.contains_key(&from) {
                dist.insert(from, d + 1);
                queue.push_back(from);
            }
        }
    }
    dist
}

#[test]
fn the_engine_agrees_with_a_naive_breadth_first_search_on_generated_tenants() {
    let mut compared = 0;
    for seed in 1..=25 {
        let (doc, edges, holding, groups) = generated(seed);
        for max_hops in [2, 5] {
            let want: BTreeMap<u32, usize> = reference(&edges, &holding, max_hops)
                .into_iter()
                .filter(|(n, _)| !groups.contains(n))
                .collect();
            let got: BTreeMap<u32, usize> = starts(&to(&load(&doc), max_hops))
                .into_iter()
                .map(|(k, (hops, _))| (k[24..].parse::<u32>().unwrap(), hops.len()))
                .collect();
            assert_eq!(got, want, "seed {seed}, max {max_hops}");
            compared += want.len();
        }
    }
    assert!(compared > 100, "only {compared} starts compared");
}

#[test]
fn a_search_told_to_stop_stops_and_one_never_told_answers_as_without_the_hook() {
    let engine = Engine::new(kvaccess::synth::generate(&kvaccess::synth::SynthSpec {
        compute_resources: 60,
        applications: 20,
        ..kvaccess::synth::SynthSpec::new(300, 10, 600, 5)
    }));
    let graph = HopGraph::build(&engine);
    let action = catalog::resolve("secrets/get").unwrap();
    let vault = engine.snapshot.vaults[0].scope.clone();
    let mut asked = 0;
    let stopped =
        kvaccess::paths::paths_to_grouped_with(&engine, &graph, &vault, &action, 4, &mut |_, _| {
            asked += 1;
            false
        });
    assert!(stopped.unwrap().is_none());
    assert_eq!(asked, 1, "stops at the first step");
    let mut steps = Vec::new();
    let whole =
        kvaccess::paths::paths_to_grouped_with(&engine, &graph, &vault, &action, 4, &mut |d, t| {
            steps.push((d, t));
            true
        })
        .unwrap()
        .expect("not stopped");
    assert!(
        steps.len() > 2 && steps.iter().all(|&(d, t)| d < t),
        "{steps:?}"
    );
    let plain = kvaccess::paths::paths_to_grouped(&engine, &graph, &vault, &action, 4).unwrap();
    assert_eq!(
        serde_json::to_string(&whole).unwrap(),
        serde_json::to_string(&plain).unwrap()
    );
    let start = engine.snapshot.principals[0].id.clone();
    let mut asked = 0;
    let stopped = kvaccess::paths::paths_from_with(&engine, &graph, &start, 4, &mut |_, _| {
        asked += 1;
        false
    });
    assert!(stopped.is_none() && asked == 1);
    let whole = kvaccess::paths::paths_from_with(&engine, &graph, &start, 4, &mut |_, _| true)
        .expect("not stopped");
    assert_eq!(
        serde_json::to_string(&whole).unwrap(),
        serde_json::to_string(&paths_from(&engine, &graph, &start, 4)).unwrap()
    );
}

// ---- the built binary on the demo tenant ----

fn kvaccess(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kvaccess"))
        .args(args)
        .env_remove("KVACCESS_SNAPSHOT")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn cli_paths_to_on_the_demo_shows_each_hop_kind_with_evidence() {
    let (code, text, err) = kvaccess(&["paths", "--to", "kv-app-prod", "--expand"]);
    assert_eq!(code, 0, "{err}");
    for want in [
        "1 start(s): joins Security on-call [allowed]: owns the group",
        "  - Gina (user)",
        "1 start(s): adds credential to ci-deployer [allowed]",
        "  - Pat (user)",
        "  - repo:contoso/infra:ref:refs/heads/main (external)",
        "1 start(s): joins Security team [conditional, needs PIM activation]",
        "  - Frank (user)",
        "only when calling through application contoso-portal (77777777-0000-0000-0000-000000000001)",
        "Tenant-wide (tier 0, can reach every vault):",
        "Oscar: holds Global Administrator",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    assert!(
        !text.contains("Unknown (paths"),
        "the demo has every hop section:\n{text}"
    );
    // Oscar, a tenant admin, has a real one-hop path too (Owner), but no per-vault tenant-admin noise.
    assert_eq!(text.matches("Global Administrator").count(), 1);
}

#[test]
fn cli_paths_from_follows_run_command_to_the_managed_identity() {
    let (code, text, err) = kvaccess(&["paths", "--from", "Carol"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("Carol runs as app-web-mi: can run code on virtual machine vm-web-01"),
        "{text}"
    );
    // Its vault data, by the grant that decides it: the access-policy entry at kv-app-prod.
    assert!(
        text.contains("access-policy entry for app-web-mi at kv-app-prod: 1 vault(s)"),
        "{text}"
    );
    assert!(text.contains("      secrets/get (all), "), "{text}");
}

#[test]
fn cli_paths_json_mermaid_and_dot_agree_on_the_hops() {
    let (_, jsonl, _) = kvaccess(&["paths", "--to", "kv-app-prod", "-o", "jsonl"]);
    let hops: BTreeSet<(String, String)> = jsonl
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .flat_map(|p| p["hops"].as_array().unwrap().clone())
        .map(|h| {
            (
                h["kind"].as_str().unwrap().to_string(),
                h["decision"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let (_, mermaid, _) = kvaccess(&["paths", "--to", "kv-app-prod", "-o", "mermaid"]);
    let (_, dot, _) = kvaccess(&["paths", "--to", "kv-app-prod", "-o", "dot"]);
    assert!(mermaid.starts_with("flowchart LR\n"));
    assert!(dot.starts_with("digraph paths {") && dot.trim_end().ends_with('}'));
    assert_eq!(
        mermaid.matches("-->").count(),
        dot.matches("->").count() - dot.matches("-->").count()
    );
    // Every kind of hop (with its decision) on a path draws an edge; the graph draws holders, stepping
    // stones and classes of starts, not one node per start.
    for (kind, decision) in &hops {
        let words = [
            HopKind::RunsAs,
            HopKind::JoinsGroup,
            HopKind::MemberOf,
            HopKind::AddsCredential,
            HopKind::FederatedCredential,
            HopKind::Holds,
            HopKind::GrantsItself,
        ]
        .into_iter()
        .find(|k| json!(k) == json!(kind))
        .unwrap()
        .as_str();
        let label = format!("\"{words} ({decision})\"");
        assert!(mermaid.contains(&label), "{label} in {mermaid}");
    }
    assert!(
        mermaid.matches("-->").count() < jsonl.lines().count(),
        "{mermaid}"
    );
    assert!(mermaid.contains("\"joins (allowed)\""), "{mermaid}");
}

#[test]
fn cli_paths_refuses_bad_requests_clearly() {
    let (code, _, err) = kvaccess(&["paths", "--to", "kv-app-prod", "--max-hops", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("--max-hops"), "{err}");
    let (code, _, err) = kvaccess(&["paths", "--from", "Carol", "-o", "dot"]);
    assert_eq!(code, 2);
    assert!(err.contains("--from prints text, json or jsonl"), "{err}");
    let (code, _, _) = kvaccess(&["paths"]);
    assert_eq!(code, 2);
    let (code, _, err) = kvaccess(&["paths", "--to", "no-such-vault"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn unreadable_role_assignments_above_a_host_are_stated() {
    let mut doc = tenant(
        vec![policy(30)],
        vec![user(10), sp(30, true)],
        with(
            all_sections_empty(),
            json!({"identityResources": [vm("vm-a", Some(30), None)]}),
        ),
    );
    doc["collectionErrors"] =
        json!([{"scope": rg(), "what": "roleAssignments", "status": 403, "message": "denied"}]);
    let p = to(&load(&doc), 4);
    assert!(
        p.unknown_because
            .iter()
            .any(|u| u.contains("vm-a") && u.contains("403")),
        "{:?}",
        p.unknown_because
    );
}

#[test]
fn only_a_user_owner_of_a_group_is_certain_to_join_it() {
    let doc = tenant(
        vec![policy(40)],
        vec![user(10), sp(20, false), group(40)],
        with(
            all_sections_empty(),
            json!({"owners": [{"objectId": id(40), "value": [{"id": id(10)}, {"id": id(20)}]}]}),
        ),
    );
    let s = starts(&to(&load(&doc), 4));
    assert_eq!(s[&id(10)].1, Decision::Allowed);
    assert_eq!(s[&id(20)].1, Decision::Conditional);
}

#[test]
fn an_empty_group_that_can_run_code_on_a_vm_is_a_way_in() {
    // group40 has no members yet but holds VM Runner on vm-a, whose identity 30 reads the secret; user10
    // owns group40, so it can join it and run code on vm-a. (Before the group-level graph a group counted
    // as a holder only through members who held through it, and this path was missed.)
    let mut doc = tenant(
        vec![policy(30)],
        vec![user(10), group(40), sp(30, true)],
        with(
            all_sections_empty(),
            json!({
                "identityResources": [vm("vm-a", Some(30), None)],
                "owners": [{"objectId": id(40), "ownerId": id(10)}],
            }),
        ),
    );
    doc["roleAssignments"] = json!([runner_at(40, &vm_id("vm-a"), 1)]);
    let snapshot = load(&doc);
    let s = starts(&to(&snapshot, 4));
    assert_eq!(
        s[&id(10)],
        (
            vec![HopKind::JoinsGroup, HopKind::RunsAs, HopKind::Holds],
            Decision::Allowed
        )
    );
    let engine = Engine::new(snapshot.clone());
    let graph = HopGraph::build(&engine);
    let p = paths_from(&engine, &graph, &id(10), 4);
    let mi = p.reached.iter().find(|r| r.node.id == id(30)).unwrap();
    assert_eq!(mi.hops.len(), 2);
    assert_eq!(mi.hops[1].from, id(40));
    assert!(mi.hops[1].evidence.iter().any(|e| e.contains(&id(7001))));
}
