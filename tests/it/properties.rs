//! Property tests for the evaluator over small random tenants.
//!
//! Each case builds a snapshot as JSON in a fixed hierarchy (tenant root group > two management-group branches >
//! two subscriptions > three resource groups > three vaults > two items), with random group nesting (cycles
//! included), random role definitions built from wildcard patterns, random role assignments, deny assignments
//! and access policies, and vaults that use RBAC or access policies. The snapshot goes through
//! `kvaccess::snapshot::parse`, so the loader is exercised too. Then:
//!
//! - (a) adding a role assignment or an access-policy entry never takes `allowed` away (nor creates `denied`),
//!   and never lowers a decision in the order denied < unknown < conditional < allowed;
//! - (b) adding a deny assignment never creates `allowed` (and never lifts `denied`), and never raises a decision;
//! - (c) answers do not depend on the order of any list, nor on the letter case of ids and action strings;
//! - (d) on the RBAC planes (management, and data on RBAC vaults) the engine agrees with a naive model written
//!   here from the reference's decision procedure;
//! - (e) with role assignments, access policies or deny assignments missing at or above the target, the answer
//!   is never a certainty those data could overturn ("unknown, never denied").

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::path::Path;
use std::sync::LazyLock;

use kvaccess::eval::{Decision, Engine, Verdict};
use kvaccess::model::Snapshot;
use kvaccess::query::{
    Cell, NamedVaults, Question, check, matrix_for_principal, vault_wide_access,
};
use proptest::prelude::*;
use serde_json::{Value, json};

const TENANT: &str = "f0000000-0000-0000-0000-000000000001";
const SUB1: &str = "10000000-0000-0000-0000-000000000001";
const SUB2: &str = "10000000-0000-0000-0000-000000000002";
const EVERYONE: &str = "00000000-0000-0000-0000-000000000000";

const USERS: usize = 4;
const GROUPS: usize = 4;
const PRINCIPALS: usize = USERS + GROUPS;
const ROLES: usize = 4;
/// Questions asked per generated tenant.
const QUESTIONS: usize = 32;
const APPS: [&str; 2] = [
    "dddddddd-0000-0000-0000-000000000001",
    "dddddddd-0000-0000-0000-000000000002",
];

/// The fixed scope tree: `(scope, parent index)`.
fn scopes() -> &'static [(String, Option<usize>)] {
    static SCOPES: LazyLock<Vec<(String, Option<usize>)>> = LazyLock::new(scope_tree);
    &SCOPES
}

fn scope_tree() -> Vec<(String, Option<usize>)> {
    let mg = |n: &str| format!("/providers/Microsoft.Management/managementGroups/{n}");
    let rg = |s: &str, r: &str| format!("/subscriptions/{s}/resourceGroups/{r}");
    let kv =
        |s: &str, r: &str, v: &str| format!("{}/providers/Microsoft.KeyVault/vaults/{v}", rg(s, r));
    vec![
        ("/".to_string(), None),                                      // 0
        (mg(TENANT), Some(0)),                                        // 1 tenant root group
        (mg("mg-a"), Some(1)),                                        // 2
        (mg("mg-b"), Some(2)),                                        // 3 holds SUB1
        (mg("mg-c"), Some(1)),                                        // 4 holds SUB2
        (format!("/subscriptions/{SUB1}"), Some(3)),                  // 5
        (format!("/subscriptions/{SUB2}"), Some(4)),                  // 6
        (rg(SUB1, "rg1"), Some(5)),                                   // 7
        (rg(SUB1, "rg2"), Some(5)),                                   // 8
        (rg(SUB2, "rg3"), Some(6)),                                   // 9
        (kv(SUB1, "rg1", "kv1"), Some(7)),                            // 10
        (kv(SUB1, "rg2", "kv2"), Some(8)),                            // 11
        (kv(SUB2, "rg3", "kv3"), Some(9)),                            // 12
        (format!("{}/secrets/s1", kv(SUB1, "rg1", "kv1")), Some(10)), // 13
        (format!("{}/keys/k1", kv(SUB1, "rg1", "kv1")), Some(10)),    // 14
    ]
}
const VAULT_SCOPES: [usize; 3] = [10, 11, 12];
const SECRET_ITEM: usize = 13;
const KEY_ITEM: usize = 14;

/// Management actions asked about.
const MGMT_ACTIONS: &[&str] = &[
    "Microsoft.KeyVault/vaults/read",
    "Microsoft.KeyVault/vaults/write",
    "Microsoft.KeyVault/vaults/delete",
    "Microsoft.KeyVault/vaults/secrets/read",
    "Microsoft.KeyVault/vaults/accessPolicies/write",
    "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.Authorization/roleAssignments/read",
    "Microsoft.Storage/storageAccounts/read",
];

/// Patterns role definitions and deny assignments are built from.
const MGMT_PATTERNS: &[&str] = &[
    "*",
    "*/read",
    "*/write",
    "Microsoft.KeyVault/*",
    "Microsoft.KeyVault/vaults/*/read",
    "microsoft.keyvault/VAULTS/*",
    "Microsoft.Authorization/*",
    "Microsoft.Authorization/*/Write",
    "Microsoft.KeyVault/vaults/read",
    "Microsoft.KeyVault/vaults/write",
    "Microsoft.KeyVault/vaults/delete",
    "Microsoft.KeyVault/vaults/secrets/read",
    "Microsoft.Authorization/roleAssignments/read",
    "Microsoft.*/read",
];

/// Data operations asked about: (operation, data actions it needs, item kind it may be asked on).
const DATA_OPS: &[(&str, &[&str], &str)] = &[
    (
        "secrets/get",
        &["Microsoft.KeyVault/vaults/secrets/getSecret/action"],
        "secrets",
    ),
    (
        "secrets/list",
        &["Microsoft.KeyVault/vaults/secrets/readMetadata/action"],
        "secrets",
    ),
    (
        "secrets/delete",
        &["Microsoft.KeyVault/vaults/secrets/delete"],
        "secrets",
    ),
    (
        "secrets/set",
        &[
            "Microsoft.KeyVault/vaults/secrets/setSecret/action",
            "Microsoft.KeyVault/vaults/secrets/update/action",
        ],
        "secrets",
    ),
    (
        "secrets/purge",
        &["Microsoft.KeyVault/vaults/secrets/purge/action"],
        "secrets",
    ),
    ("keys/get", &["Microsoft.KeyVault/vaults/keys/read"], "keys"),
    (
        "keys/decrypt",
        &["Microsoft.KeyVault/vaults/keys/decrypt/action"],
        "keys",
    ),
];

const DATA_PATTERNS: &[&str] = &[
    "*",
    "Microsoft.KeyVault/vaults/*",
    "Microsoft.KeyVault/vaults/secrets/*",
    "Microsoft.KeyVault/vaults/keys/*",
    "Microsoft.KeyVault/vaults/*/read",
    "Microsoft.KeyVault/vaults/*/action",
    "Microsoft.KeyVault/vaults/secrets/getSecret/action",
    "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
    "Microsoft.KeyVault/vaults/secrets/setSecret/action",
    "microsoft.keyvault/vaults/SECRETS/update/action",
    "Microsoft.KeyVault/vaults/secrets/purge/action",
    "microsoft.keyvault/vaults/KEYS/decrypt/action",
];

/// ABAC conditions assignments may carry: two in the guarded form (restricting one action each), one not.
const CONDITIONS: &[&str] = &[
    "((!(ActionMatches{'Microsoft.KeyVault/vaults/secrets/getSecret/action'})) OR (@Resource[Microsoft.KeyVault/vaults/secrets:name] StringStartsWith 'app-'))",
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals{4633458b-17de-408a-b874-0445c86b69e6}))",
    "@Resource[Microsoft.KeyVault/vaults:name] StringEquals 'kv1'",
];

/// Sections a collection error may name.
const GAPS: &[&str] = &[
    "roleAssignments",
    "denyAssignments",
    "accessPolicies",
    "groupMemberships",
];

const SECRET_PERMS: &[&str] = &[
    "get", "list", "set", "delete", "purge", "all", "Get", "ALL", "List",
];
const KEY_PERMS: &[&str] = &["get", "list", "decrypt", "purge", "all", "Decrypt", "All"];

fn principal_id(i: usize) -> String {
    if i < USERS {
        format!("aaaaaaaa-0000-0000-0000-{i:012}")
    } else {
        format!("bbbbbbbb-0000-0000-0000-{:012}", i - USERS)
    }
}

fn role_guid(i: usize) -> String {
    format!("0c000000-0000-0000-0000-{i:012}")
}

fn assignment_id(scope: &str, n: usize) -> String {
    let base = if scope == "/" { "" } else { scope };
    format!(
        "{base}/providers/Microsoft.Authorization/roleAssignments/eeeeeeee-0000-0000-0000-{n:012}"
    )
}

fn deny_id(scope: &str, n: usize) -> String {
    let base = if scope == "/" { "" } else { scope };
    format!(
        "{base}/providers/Microsoft.Authorization/denyAssignments/0d000000-0000-0000-0000-{n:012}"
    )
}

#[derive(Debug, Clone)]
struct Block {
    actions: Vec<usize>,
    not_actions: Vec<usize>,
    data_actions: Vec<usize>,
    not_data_actions: Vec<usize>,
}

#[derive(Debug, Clone)]
struct Assignment {
    principal: usize,
    /// `ROLES` names a role definition that is not in the snapshot.
    role: usize,
    scope: usize,
    condition: Option<usize>,
}

#[derive(Debug, Clone)]
struct DenySpec {
    scope: usize,
    everyone: bool,
    principals: Vec<usize>,
    excludes: Vec<usize>,
    block: Block,
    child_scopes_exempt: bool,
    condition: Option<usize>,
}

#[derive(Debug, Clone)]
struct Entry {
    principal: usize,
    app: Option<usize>,
    secrets: Vec<usize>,
    keys: Vec<usize>,
}

#[derive(Debug, Clone)]
struct VaultSpec {
    rbac: bool,
    purge_protection: bool,
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Spec {
    /// (group index in 0..GROUPS, member principal index)
    memberships: Vec<(usize, usize)>,
    roles: Vec<Vec<Block>>,
    assignments: Vec<Assignment>,
    denies: Vec<DenySpec>,
    vaults: Vec<VaultSpec>,
    /// PIM eligibilities: they must grant nothing.
    eligibilities: Vec<Assignment>,
    /// Collection errors: (scope index, index in `GAPS`).
    gaps: Vec<(usize, usize)>,
}

fn block(mgmt: bool, data: bool) -> impl Strategy<Value = Block> {
    let m = MGMT_PATTERNS.len();
    let d = DATA_PATTERNS.len();
    let mgmt_max = if mgmt { 3 } else { 0 };
    let data_max = if data { 3 } else { 0 };
    (
        prop::collection::vec(0..m, 0..=mgmt_max),
        prop::collection::vec(0..m, 0..=mgmt_max.min(2)),
        prop::collection::vec(0..d, 0..=data_max),
        prop::collection::vec(0..d, 0..=data_max.min(2)),
    )
        .prop_map(
            |(actions, not_actions, data_actions, not_data_actions)| Block {
                actions,
                not_actions,
                data_actions,
                not_data_actions,
            },
        )
}

/// A role assignment; with `extras`, sometimes conditional or naming a role definition the snapshot lacks.
fn assignment(extras: bool) -> BoxedStrategy<Assignment> {
    let role = if extras {
        prop_oneof![9 => 0..ROLES, 1 => Just(ROLES)].boxed()
    } else {
        (0..ROLES).boxed()
    };
    let condition = if extras {
        prop::option::weighted(0.2, 0..CONDITIONS.len()).boxed()
    } else {
        Just(None).boxed()
    };
    (0..PRINCIPALS, role, 0..scopes().len(), condition)
        .prop_map(|(principal, role, scope, condition)| Assignment {
            principal,
            role,
            scope,
            condition,
        })
        .boxed()
}

/// A deny assignment; with `extras`, sometimes conditional.
fn deny_spec(extras: bool) -> impl Strategy<Value = DenySpec> {
    let condition = if extras {
        prop::option::weighted(0.2, 0..CONDITIONS.len()).boxed()
    } else {
        Just(None).boxed()
    };
    (
        0..scopes().len(),
        prop::bool::weighted(0.3),
        prop::collection::vec(0..PRINCIPALS, 1..=2),
        prop::collection::vec(0..PRINCIPALS, 0..=2),
        block(true, true),
        prop::bool::weighted(0.25),
        condition,
    )
        .prop_map(
            |(scope, everyone, principals, excludes, block, child_scopes_exempt, condition)| {
                DenySpec {
                    scope,
                    everyone,
                    principals,
                    excludes,
                    block,
                    child_scopes_exempt,
                    condition,
                }
            },
        )
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        0..PRINCIPALS,
        prop::option::weighted(0.25, 0..APPS.len()),
        prop::collection::vec(0..SECRET_PERMS.len(), 0..=3),
        prop::collection::vec(0..KEY_PERMS.len(), 0..=2),
    )
        .prop_map(|(principal, app, secrets, keys)| Entry {
            principal,
            app,
            secrets,
            keys,
        })
}

fn vault_spec() -> impl Strategy<Value = VaultSpec> {
    (
        any::<bool>(),
        prop::bool::weighted(0.3),
        prop::collection::vec(entry(), 0..=3),
    )
        .prop_map(|(rbac, purge_protection, entries)| VaultSpec {
            rbac,
            purge_protection,
            entries,
        })
}

/// A random tenant. With `extras` it also has conditions, missing role definitions, PIM eligibilities and
/// collection errors; without, it is plain RBAC data the naive model can decide.
fn spec_with(extras: bool) -> impl Strategy<Value = Spec> {
    let (eligible, gaps) = if extras { (2, 2) } else { (0, 0) };
    (
        prop::collection::vec((0..GROUPS, 0..PRINCIPALS), 0..=7),
        prop::collection::vec(prop::collection::vec(block(true, true), 1..=2), ROLES),
        prop::collection::vec(assignment(extras), 0..=8),
        prop::collection::vec(deny_spec(extras), 0..=2),
        prop::collection::vec(vault_spec(), 3),
        prop::collection::vec(assignment(false), 0..=eligible),
        prop::collection::vec((0..scopes().len(), 0..GAPS.len()), 0..=gaps),
    )
        .prop_map(
            |(memberships, roles, assignments, denies, vaults, eligibilities, gaps)| Spec {
                memberships,
                roles,
                assignments,
                denies,
                vaults,
                eligibilities,
                gaps,
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    spec_with(true)
}

fn patterns(pool: &[&str], picks: &[usize]) -> Vec<String> {
    picks.iter().map(|&i| pool[i].to_string()).collect()
}

fn permissions_json(b: &Block) -> Value {
    json!({
        "actions": patterns(MGMT_PATTERNS, &b.actions),
        "notActions": patterns(MGMT_PATTERNS, &b.not_actions),
        "dataActions": patterns(DATA_PATTERNS, &b.data_actions),
        "notDataActions": patterns(DATA_PATTERNS, &b.not_data_actions),
    })
}

fn principal_json(i: usize) -> Value {
    if i < USERS {
        json!({ "@odata.type": "#microsoft.graph.user", "id": principal_id(i), "displayName": format!("user {i}"),
                "userPrincipalName": format!("user{i}@contoso.test") })
    } else {
        json!({ "@odata.type": "#microsoft.graph.group", "id": principal_id(i), "displayName": format!("group {}", i - USERS) })
    }
}

/// The snapshot document for a spec.
fn to_json(spec: &Spec) -> Value {
    let sc = scopes();
    let mg = |i: usize| sc[i].0.clone();
    let vaults: Vec<Value> = VAULT_SCOPES
        .iter()
        .zip(&spec.vaults)
        .map(|(&si, v)| {
            let id = &sc[si].0;
            let mut seen = HashSet::new();
            let entries: Vec<Value> = v
                .entries
                .iter()
                .filter(|e| seen.insert((e.principal, e.app)))
                .map(|e| {
                    let mut entry = json!({
                        "tenantId": TENANT, "objectId": principal_id(e.principal),
                        "permissions": {
                            "secrets": patterns(SECRET_PERMS, &e.secrets), "keys": patterns(KEY_PERMS, &e.keys),
                            "certificates": [], "storage": []
                        }
                    });
                    if let Some(a) = e.app {
                        entry["applicationId"] = json!(APPS[a]);
                    }
                    entry
                })
                .collect();
            json!({
                "id": id, "name": id.rsplit('/').next(), "type": "Microsoft.KeyVault/vaults", "location": "westeurope",
                "properties": {
                    "tenantId": TENANT, "enableRbacAuthorization": v.rbac, "enablePurgeProtection": v.purge_protection,
                    "enableSoftDelete": true, "accessPolicies": entries
                }
            })
        })
        .collect();
    let roles: Vec<Value> = spec
        .roles
        .iter()
        .enumerate()
        .map(|(i, blocks)| {
            json!({
                "id": format!("/providers/Microsoft.Authorization/roleDefinitions/{}", role_guid(i)), "name": role_guid(i),
                "properties": { "roleName": format!("role {i}"), "type": "CustomRole", "assignableScopes": ["/"],
                                "permissions": blocks.iter().map(permissions_json).collect::<Vec<_>>() }
            })
        })
        .collect();
    let assignment_json = |n: usize, a: &Assignment| {
        let scope = &sc[a.scope].0;
        let kind = if a.principal < USERS { "User" } else { "Group" };
        let mut v = json!({
            "id": assignment_id(scope, n),
            "properties": {
                "scope": scope,
                "roleDefinitionId": format!("/subscriptions/{SUB1}/providers/Microsoft.Authorization/roleDefinitions/{}", role_guid(a.role)),
                "principalId": principal_id(a.principal), "principalType": kind
            }
        });
        if let Some(c) = a.condition {
            v["properties"]["condition"] = json!(CONDITIONS[c]);
            v["properties"]["conditionVersion"] = json!("2.0");
        }
        v
    };
    let assignments: Vec<Value> = spec
        .assignments
        .iter()
        .enumerate()
        .map(|(n, a)| assignment_json(n, a))
        .collect();
    let eligibilities: Vec<Value> = spec
        .eligibilities
        .iter()
        .enumerate()
        .map(|(n, a)| assignment_json(1000 + n, a))
        .collect();
    let gaps: Vec<Value> = spec
        .gaps
        .iter()
        .map(|&(s, w)| json!({ "scope": sc[s].0, "what": GAPS[w], "status": 403, "message": "AuthorizationFailed" }))
        .collect();
    let denies: Vec<Value> = spec
        .denies
        .iter()
        .enumerate()
        .map(|(n, d)| {
            let scope = &sc[d.scope].0;
            let mut permissions = permissions_json(&d.block);
            if let Some(c) = d.condition {
                permissions["condition"] = json!(CONDITIONS[c]);
                permissions["conditionVersion"] = json!("2.0");
            }
            let who: Vec<Value> = if d.everyone {
                vec![json!({ "id": EVERYONE, "type": "SystemDefined" })]
            } else {
                d.principals.iter().map(|&p| json!({ "id": principal_id(p), "type": "User" })).collect()
            };
            json!({
                "id": deny_id(scope, n),
                "properties": {
                    "denyAssignmentName": format!("deny {n}"), "scope": scope,
                    "doNotApplyToChildScopes": d.child_scopes_exempt,
                    "permissions": [permissions],
                    "principals": who,
                    "excludePrincipals": d.excludes.iter().map(|&p| json!({ "id": principal_id(p), "type": "Group" })).collect::<Vec<_>>()
                }
            })
        })
        .collect();
    json!({
        "kvaccessSnapshot": 1,
        "tenantId": TENANT,
        "managementGroups": [
            { "id": mg(1), "name": TENANT, "parentId": null, "subscriptionIds": [] },
            { "id": mg(2), "name": "mg-a", "parentId": mg(1), "subscriptionIds": [] },
            { "id": mg(3), "name": "mg-b", "parentId": mg(2), "subscriptionIds": [SUB1] },
            { "id": mg(4), "name": "mg-c", "parentId": mg(1), "subscriptionIds": [SUB2] },
        ],
        "subscriptions": [ { "id": format!("/subscriptions/{SUB1}") }, { "id": format!("/subscriptions/{SUB2}") } ],
        "vaults": vaults,
        "roleDefinitions": roles,
        "roleAssignments": assignments,
        "roleEligibilities": eligibilities,
        "denyAssignments": denies,
        "collectionErrors": gaps,
        "principals": (0..PRINCIPALS).map(principal_json).collect::<Vec<_>>(),
        "groupMemberships": spec.memberships.iter()
            .map(|&(g, m)| json!({ "groupId": principal_id(USERS + g), "memberId": principal_id(m) }))
            .collect::<Vec<_>>(),
    })
}

fn load(doc: &Value) -> Snapshot {
    kvaccess::snapshot::parse(&doc.to_string(), Path::new("generated"))
        .expect("generated snapshot loads")
}

/// One question: principal index, scope index, action text, whether it is asked through `APPS[0]`.
#[derive(Debug, Clone)]
struct Q {
    principal: usize,
    scope: usize,
    action: String,
    via_app: bool,
}

/// Every management question at every scope, and every data question on every vault and matching item.
fn all_questions() -> &'static [Q] {
    static ALL: LazyLock<Vec<Q>> = LazyLock::new(question_list);
    &ALL
}

fn question_list() -> Vec<Q> {
    let mut out = Vec::new();
    for principal in 0..PRINCIPALS {
        for scope in 0..scopes().len() {
            for a in MGMT_ACTIONS {
                out.push(Q {
                    principal,
                    scope,
                    action: (*a).to_string(),
                    via_app: false,
                });
            }
        }
        for (op, _, kind) in DATA_OPS {
            let mut at: Vec<usize> = VAULT_SCOPES.to_vec();
            at.push(if *kind == "secrets" {
                SECRET_ITEM
            } else {
                KEY_ITEM
            });
            for scope in at {
                for via_app in [false, true] {
                    out.push(Q {
                        principal,
                        scope,
                        action: (*op).to_string(),
                        via_app,
                    });
                }
            }
        }
    }
    out
}

/// What the comparison looks at: the decision and the id sets (lower-cased).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    decision: Decision,
    grants: BTreeSet<String>,
    denies: BTreeSet<String>,
}

fn verdict_text(
    engine: &Engine,
    principal: &str,
    scope: &str,
    action: &str,
    via_app: Option<&str>,
) -> Verdict {
    let q = Question {
        principal: principal.to_string(),
        via_app: via_app.map(str::to_string),
        scope: scope.to_string(),
        action: action.to_string(),
        origin: None,
    };
    check(engine, &q).unwrap_or_else(|e| panic!("{principal} {action} at {scope}: {e}"))
}

fn verdict(engine: &Engine, q: &Q) -> Verdict {
    verdict_text(
        engine,
        &principal_id(q.principal),
        &scopes()[q.scope].0,
        &q.action,
        q.via_app.then_some(APPS[0]),
    )
}

fn ask_text(
    engine: &Engine,
    principal: &str,
    scope: &str,
    action: &str,
    via_app: Option<&str>,
) -> Answer {
    let v = verdict_text(engine, principal, scope, action, via_app);
    Answer {
        decision: v.decision,
        grants: v.grants.iter().map(|g| g.id.to_ascii_lowercase()).collect(),
        denies: v.denies.iter().map(|d| d.id.to_ascii_lowercase()).collect(),
    }
}

fn ask(engine: &Engine, q: &Q) -> Answer {
    let sc = scopes();
    ask_text(
        engine,
        &principal_id(q.principal),
        &sc[q.scope].0,
        &q.action,
        q.via_app.then_some(APPS[0]),
    )
}

/// A sample of the questions: asking all of them for every generated tenant would take minutes.
fn questions() -> impl Strategy<Value = Vec<Q>> {
    prop::sample::subsequence(all_questions().to_vec(), QUESTIONS)
}

/// Questions asked about what a change touches: `principals` (everyone when empty) at `top` and below.
const FOCUSED: usize = 16;

fn focused(principals: Vec<usize>, top: usize) -> impl Strategy<Value = Vec<Q>> {
    let near: Vec<Q> = all_questions()
        .iter()
        .filter(|q| principals.is_empty() || principals.contains(&q.principal))
        .filter(|q| ancestors(q.scope).contains(&top))
        .cloned()
        .collect();
    let n = near.len().min(FOCUSED);
    prop::sample::subsequence(near, n)
}

/// Who a change to `principal` can affect: the user itself, or anyone when it is a group.
fn affected(principal: usize) -> Vec<usize> {
    if principal < USERS {
        vec![principal]
    } else {
        Vec::new()
    }
}

/// A tenant, an extra role assignment, an extra access-policy entry (for vault `.2`), and questions.
fn grant_case() -> impl Strategy<Value = (Spec, Assignment, usize, Entry, Vec<Q>)> {
    (spec(), assignment(true), 0..3usize, entry()).prop_flat_map(|(base, extra, vault, e)| {
        let qs = (
            focused(affected(extra.principal), extra.scope),
            focused(affected(e.principal), VAULT_SCOPES[vault]),
            questions(),
        )
            .prop_map(|(a, b, c)| [a, b, c].concat());
        (Just(base), Just(extra), Just(vault), Just(e), qs)
    })
}

/// A tenant, one more collection error (scope index, index in `GAPS`), and questions at and below its scope.
fn gap_case() -> impl Strategy<Value = (Spec, usize, usize, Vec<Q>)> {
    (spec(), 0..scopes().len(), 0..GAPS.len()).prop_flat_map(|(base, scope, what)| {
        (
            Just(base),
            Just(scope),
            Just(what),
            focused(Vec::new(), scope),
        )
    })
}

/// Whether a question is decided by Azure RBAC (management, or data on an RBAC vault), and whether it is a
/// purge on a purge-protected vault.
fn plane_of(spec: &Spec, q: &Q) -> (bool, bool) {
    let vault = |s: usize| {
        if s == SECRET_ITEM || s == KEY_ITEM {
            0
        } else {
            s - VAULT_SCOPES[0]
        }
    };
    match DATA_OPS.iter().find(|(op, _, _)| *op == q.action) {
        None => (true, false),
        Some((op, _, _)) => {
            let v = &spec.vaults[vault(q.scope)];
            (v.rbac, op.ends_with("/purge") && v.purge_protection)
        }
    }
}

/// A tenant, an extra deny assignment, and questions.
fn deny_case() -> impl Strategy<Value = (Spec, DenySpec, Vec<Q>)> {
    (spec(), deny_spec(true)).prop_flat_map(|(base, d)| {
        let who = if d.everyone || d.principals.iter().any(|&p| p >= USERS) {
            Vec::new()
        } else {
            d.principals.clone()
        };
        let qs = (focused(who, d.scope), questions()).prop_map(|(a, b)| [a, b].concat());
        (Just(base), Just(d), qs)
    })
}

fn answers(snapshot: &Snapshot, qs: &[Q]) -> Vec<Answer> {
    let engine = Engine::new(snapshot.clone());
    qs.iter().map(|q| ask(&engine, q)).collect()
}

fn describe(q: &Q) -> String {
    format!(
        "{} {} at {}{}",
        principal_id(q.principal),
        q.action,
        scopes()[q.scope].0,
        if q.via_app { " via app" } else { "" }
    )
}

// ---------------------------------------------------------------------------------------------------------------
// Rewriting the document: shuffling every list and changing the letter case of every string.

/// A small deterministic generator, so that a failing case replays from proptest's seed.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn shuffle_all(v: &mut Value, mix: &mut Mix) {
    match v {
        Value::Array(items) => {
            for i in (1..items.len()).rev() {
                let j = mix.below(i + 1);
                items.swap(i, j);
            }
            for item in items {
                shuffle_all(item, mix);
            }
        }
        Value::Object(map) => map.values_mut().for_each(|x| shuffle_all(x, mix)),
        _ => {}
    }
}

fn recase(s: &str, mix: &mut Mix) -> String {
    match mix.below(3) {
        0 => s.to_ascii_uppercase(),
        1 => s.to_ascii_lowercase(),
        _ => s
            .chars()
            .map(|c| {
                if mix.below(2) == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect(),
    }
}

/// Changes the case of every string value (ids, scopes, patterns, permission names, enum values). Keys are
/// field names, which are case-sensitive by the format, and stay as they are; so do ABAC conditions, whose
/// operators and values are case-sensitive in Azure.
fn recase_all(v: &mut Value, mix: &mut Mix) {
    match v {
        Value::String(s) => *s = recase(s, mix),
        Value::Array(items) => items.iter_mut().for_each(|x| recase_all(x, mix)),
        Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                if k != "condition" {
                    recase_all(x, mix);
                }
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The naive model: the reference's decision procedure (a.1), written directly.

/// `*` matches any run of characters, `/` included; everything else literally, ignoring case; anchored.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|i| glob(rest, &text[i..])),
        Some((c, rest)) => {
            text.first().is_some_and(|t| t.eq_ignore_ascii_case(c)) && glob(rest, &text[1..])
        }
    }
}

fn any_match(pool: &[&str], picks: &[usize], action: &str) -> bool {
    picks
        .iter()
        .any(|&i| glob(pool[i].as_bytes(), action.as_bytes()))
}

/// Whether a block's `Actions − NotActions` (or the data pair) contains the action.
fn block_allows(b: &Block, action: &str, data: bool) -> bool {
    if data {
        any_match(DATA_PATTERNS, &b.data_actions, action)
            && !any_match(DATA_PATTERNS, &b.not_data_actions, action)
    } else {
        any_match(MGMT_PATTERNS, &b.actions, action)
            && !any_match(MGMT_PATTERNS, &b.not_actions, action)
    }
}

/// The principal and every group it is in, through any number of memberships.
fn closure(spec: &Spec, p: usize) -> HashSet<usize> {
    let mut set = HashSet::from([p]);
    let mut queue = VecDeque::from([p]);
    while let Some(x) = queue.pop_front() {
        for &(g, m) in &spec.memberships {
            if m == x && set.insert(USERS + g) {
                queue.push_back(USERS + g);
            }
        }
    }
    set
}

fn ancestors(t: usize) -> Vec<usize> {
    let sc = scopes();
    let mut out = vec![t];
    let mut cur = t;
    while let Some(p) = sc[cur].1 {
        out.push(p);
        cur = p;
    }
    out
}

/// The naive answer for one RBAC action: (allowed by some role, matching assignment ids, applying deny ids).
fn naive_action(
    spec: &Spec,
    p: usize,
    t: usize,
    action: &str,
    data: bool,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let sc = scopes();
    let who = closure(spec, p);
    let above = ancestors(t);
    let grants = spec
        .assignments
        .iter()
        .enumerate()
        .filter(|(_, a)| who.contains(&a.principal) && above.contains(&a.scope))
        .filter(|(_, a)| {
            spec.roles[a.role]
                .iter()
                .any(|b| block_allows(b, action, data))
        })
        .map(|(n, a)| assignment_id(&sc[a.scope].0, n).to_ascii_lowercase())
        .collect();
    let denies = spec
        .denies
        .iter()
        .enumerate()
        .filter(|(_, d)| above.contains(&d.scope) && (!d.child_scopes_exempt || d.scope == t))
        .filter(|(_, d)| d.everyone || d.principals.iter().any(|x| who.contains(x)))
        .filter(|(_, d)| !d.excludes.iter().any(|x| who.contains(x)))
        .filter(|(_, d)| block_allows(&d.block, action, data))
        .map(|(n, d)| deny_id(&sc[d.scope].0, n).to_ascii_lowercase())
        .collect();
    (grants, denies)
}

/// The naive answer for a question on an RBAC plane, or `None` when the question is on an access-policy vault.
fn naive(spec: &Spec, q: &Q) -> Option<Answer> {
    let vault = |s: usize| {
        if s == SECRET_ITEM || s == KEY_ITEM {
            0
        } else {
            s - VAULT_SCOPES[0]
        }
    };
    let (actions, data): (Vec<&str>, bool) =
        match DATA_OPS.iter().find(|(op, _, _)| *op == q.action) {
            None => (vec![q.action.as_str()], false),
            Some((_, actions, _)) => {
                if !spec.vaults[vault(q.scope)].rbac {
                    return None;
                }
                (actions.to_vec(), true)
            }
        };
    let mut grants = BTreeSet::new();
    let mut denies = BTreeSet::new();
    let mut allowed = true;
    for a in actions {
        let (g, d) = naive_action(spec, q.principal, q.scope, a, data);
        allowed &= !g.is_empty() && d.is_empty();
        grants.extend(g);
        denies.extend(d);
    }
    if data && q.action.ends_with("/purge") && spec.vaults[vault(q.scope)].purge_protection {
        allowed = false;
    }
    Some(Answer {
        decision: if allowed {
            Decision::Allowed
        } else {
            Decision::Denied
        },
        grants,
        denies,
    })
}

// ---------------------------------------------------------------------------------------------------------------

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// (a) More grants never take `allowed` away, and never create `denied`.
    #[test]
    fn adding_grants_is_monotone((base, extra, vault, extra_entry, qs) in grant_case()) {
        let before = answers(&load(&to_json(&base)), &qs);
        let mut with_assignment = base.clone();
        with_assignment.assignments.push(extra);
        let mut with_entry = base.clone();
        with_entry.vaults[vault].entries.push(extra_entry);
        for (what, spec) in [("role assignment", &with_assignment), ("access-policy entry", &with_entry)] {
            let after = answers(&load(&to_json(spec)), &qs);
            for ((q, b), a) in qs.iter().zip(&before).zip(&after) {
                if b.decision == Decision::Allowed {
                    prop_assert_eq!(a.decision, Decision::Allowed, "adding a {} took allowed away: {}", what, describe(q));
                }
                if b.decision != Decision::Denied {
                    prop_assert_ne!(a.decision, Decision::Denied, "adding a {} created denied: {}", what, describe(q));
                }
                // Denied < Unknown < Conditional < Allowed: more grants never weaken an answer.
                prop_assert!(a.decision >= b.decision, "adding a {} lowered {:?} to {:?}: {}", what, b.decision, a.decision, describe(q));
            }
        }
    }

    /// (b) A deny assignment never creates `allowed`, and never lifts `denied`.
    #[test]
    fn adding_a_deny_never_allows((base, extra, qs) in deny_case()) {
        let before = answers(&load(&to_json(&base)), &qs);
        let mut with_deny = base.clone();
        with_deny.denies.push(extra);
        let after = answers(&load(&to_json(&with_deny)), &qs);
        for ((q, b), a) in qs.iter().zip(&before).zip(&after) {
            if b.decision != Decision::Allowed {
                prop_assert_ne!(a.decision, Decision::Allowed, "a deny assignment created allowed from {:?}: {}", b.decision, describe(q));
            }
            if b.decision == Decision::Denied {
                prop_assert_eq!(a.decision, Decision::Denied, "a deny assignment lifted denied: {}", describe(q));
            }
            // Denied < Unknown < Conditional < Allowed: a deny never strengthens an answer.
            prop_assert!(a.decision <= b.decision, "a deny assignment raised {:?} to {:?}: {}", b.decision, a.decision, describe(q));
        }
    }

    /// (c) Shuffling every list and changing the case of every id and action string changes no answer.
    #[test]
    fn order_and_letter_case_do_not_matter(base in spec(), qs in questions(), seed in any::<u64>()) {
        let doc = to_json(&base);
        let before = answers(&load(&doc), &qs);
        let mut mix = Mix(seed);
        let mut shuffled = doc.clone();
        shuffle_all(&mut shuffled, &mut mix);
        let after = answers(&load(&shuffled), &qs);
        for ((q, b), a) in qs.iter().zip(&before).zip(&after) {
            prop_assert_eq!(b, a, "shuffling the lists changed the answer: {}", describe(q));
        }
        let mut recased = shuffled;
        recase_all(&mut recased, &mut mix);
        let snapshot = load(&recased);
        let engine = Engine::new(snapshot.clone());
        let sc = scopes();
        for (q, b) in qs.iter().zip(&before) {
            let principal = recase(&principal_id(q.principal), &mut mix);
            let scope = recase(&sc[q.scope].0, &mut mix);
            let action = recase(&q.action, &mut mix);
            let app = q.via_app.then(|| recase(APPS[0], &mut mix));
            let a = ask_text(&engine, &principal, &scope, &action, app.as_deref());
            prop_assert_eq!(b, &a, "letter case changed the answer: {} (asked as {} {} at {})", describe(q), principal, action, scope);
        }
    }

    /// (d) On the RBAC planes the engine agrees with the naive model: decision, grant ids and deny ids.
    #[test]
    fn engine_agrees_with_naive_rbac_model(base in spec_with(false), qs in questions()) {
        let got = answers(&load(&to_json(&base)), &qs);
        let mut compared = 0;
        for (q, g) in qs.iter().zip(&got) {
            if let Some(want) = naive(&base, q) {
                compared += 1;
                prop_assert_eq!(&want, g, "engine and naive model disagree: {}", describe(q));
            }
        }
        prop_assert!(compared > 0);
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// (e) "Unknown, never denied": with role assignments, access policies or deny assignments missing at or
    /// above the target, the answer is never a certainty those data could overturn.
    #[test]
    fn missing_data_never_gives_an_answer_it_could_overturn((mut base, scope, what, qs) in gap_case()) {
        base.gaps.push((scope, what));
        let snapshot = load(&to_json(&base));
        let engine = Engine::new(snapshot.clone());
        for q in &qs {
            let v = verdict(&engine, q);
            let (rbac, protected_purge) = plane_of(&base, q);
            let certain_deny = v.denies.iter().any(|d| d.condition.is_none());
            match GAPS[what] {
                "roleAssignments" if rbac => prop_assert!(
                    v.decision != Decision::Denied || certain_deny || protected_purge,
                    "role assignments missing, yet denied: {}", describe(q)
                ),
                "denyAssignments" if rbac => prop_assert!(
                    !v.decision.grants_something(),
                    "deny assignments missing, yet {:?}: {}", v.decision, describe(q)
                ),
                "accessPolicies" if !rbac => prop_assert!(
                    v.decision != Decision::Denied || protected_purge,
                    "access policies missing, yet denied: {}", describe(q)
                ),
                "groupMemberships" => prop_assert!(
                    v.decision != Decision::Denied || certain_deny || protected_purge,
                    "group memberships missing, yet denied: {}",
                    describe(q)
                ),
                _ => {}
            }
        }
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// (f) The fast path (`prepare` + `decide`, used by matrices and who-can) gives `check`'s decision.
    #[test]
    fn fast_path_agrees_with_check((spec, qs) in (spec_with(true), questions())) {
        let snapshot = load(&to_json(&spec));
        let engine = Engine::new(snapshot.clone());
        for q in &qs {
            let v = verdict(&engine, q);
            let subject = engine.subject(&principal_id(q.principal));
            let scope = kvaccess::model::Scope::parse(&scopes()[q.scope].0).unwrap();
            let target = engine.target(&scope);
            let action = kvaccess::catalog::resolve(&q.action).unwrap();
            let row = engine.prepare(&subject, &target, q.via_app.then_some(APPS[0]));
            prop_assert_eq!(engine.decide(&row, &action), v.decision, "{}", describe(q));
        }
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// (g) A principal's access across the vaults asked only where something can name it
    /// (`vault_wide_access`, what `paths --from` lists) is the principal matrix's rows that hold something:
    /// with gaps, missing role definitions, a vault whose properties are missing, a subscription in no known
    /// management group, and a principal the directory lacks.
    #[test]
    fn vault_wide_access_is_the_matrix_rows_that_hold_something(
        spec in spec_with(true),
        bare in prop::option::of(0..VAULT_SCOPES.len()),
        unplaced in any::<bool>(),
    ) {
        let mut doc = to_json(&spec);
        if let Some(v) = bare {
            doc["vaults"][v].as_object_mut().unwrap().remove("properties");
        }
        if unplaced {
            doc["managementGroups"][3]["subscriptionIds"] = json!([]);
        }
        let engine = Engine::new(load(&doc));
        let named = NamedVaults::new(&engine);
        // The last id is in no directory.
        for id in (0..=PRINCIPALS).map(principal_id) {
            let asked = access_asked_where_named(&engine, &named, &id);
            prop_assert_eq!(asked, matrix_access(&engine, &id), "{}", id);
        }
    }
}

/// (g) on a generated tenant with more vaults: every twentieth principal's access asked only where something
/// can name it is the matrix's, and most principals are asked at fewer vaults than there are.
#[test]
fn vault_wide_access_on_a_generated_tenant_asks_fewer_vaults() {
    let spec = kvaccess::synth::SynthSpec::new(400, 60, 900, 7);
    let engine = Engine::new(kvaccess::synth::generate(&spec));
    let named = NamedVaults::new(&engine);
    let all = engine.snapshot.vaults.len();
    let (mut asked, mut fewer, mut held) = (0, 0, 0);
    for p in engine.snapshot.principals.iter().step_by(20) {
        let access = access_asked_where_named(&engine, &named, &p.id);
        assert_eq!(access, matrix_access(&engine, &p.id), "{}", p.id);
        held += access.len();
        let at = named
            .of(&engine, &engine.subject(&p.id))
            .map_or(all, |v| v.len());
        asked += 1;
        fewer += usize::from(at < all);
    }
    assert!(held > 0, "nobody holds anything: nothing compared");
    assert!(
        fewer * 2 > asked,
        "{fewer} of {asked} asked at fewer vaults"
    );
}

/// A principal's vault-wide access as `paths --from` asks it: only where something can name it.
fn access_asked_where_named(engine: &Engine, named: &NamedVaults, id: &str) -> Vec<Value> {
    vault_wide_access(engine, named, id)
        .into_iter()
        .map(|(vault, cells)| json!([vault.scope.id(), cells]))
        .collect()
}

/// The same from the whole principal matrix: its rows that hold something, without grants at items.
fn matrix_access(engine: &Engine, id: &str) -> Vec<Value> {
    matrix_for_principal(engine, id, None)
        .rows
        .into_iter()
        .filter(|r| r.cells.iter().any(Cell::any))
        .map(|mut r| {
            for c in &mut r.cells {
                c.on_items = None;
            }
            json!([r.id, r.cells])
        })
        .collect()
}

/// The naive matcher itself, on the reference's examples.
#[test]
fn naive_glob_matches_the_reference_examples() {
    let m = |p: &str, a: &str| glob(p.as_bytes(), a.as_bytes());
    assert!(m("*/read", "Microsoft.KeyVault/vaults/read"));
    assert!(m(
        "Microsoft.KeyVault/vaults/*/read",
        "microsoft.keyvault/vaults/secrets/read"
    ));
    assert!(!m(
        "Microsoft.KeyVault/vaults/*/read",
        "Microsoft.KeyVault/vaults/read"
    ));
    assert!(m(
        "Microsoft.Authorization/*/Write",
        "Microsoft.Authorization/roleAssignments/write"
    ));
    assert!(!m("Microsoft.KeyVault/*", "Microsoft.KeyVaultX/a"));
    assert!(m("*", ""));
    assert!(!m("", "x"));
}
