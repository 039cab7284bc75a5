//! The bulk queries (who-can, vault and principal matrices, self-escalation findings) prune the identities
//! they examine and answer most cells with the fast path. Here each is compared with a straightforward
//! reference: every identity the grants at or above the target reach (groups expanded naively), each asked
//! with `Engine::check`. The tenants: the demo tenant, every scenario fixture, and small synthetic tenants
//! (several seeds, with and without collection errors).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::scenarios;

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use kvaccess::catalog::{self, Action, Plane};
use kvaccess::eval::Request;
use kvaccess::eval::{Decision, Engine, Verdict};
use kvaccess::model::{PrincipalKind, Scope, Snapshot, Vault};
use kvaccess::query::{self, Finding, Technique, WhoCanEntry};
use kvaccess::synth::{SynthSpec, generate};
use serde_json::Value;

/// Naive group expansion over the snapshot's membership edges.
struct Directory<'s> {
    snapshot: &'s Snapshot,
    members: HashMap<&'s str, Vec<&'s str>>,
}

impl<'s> Directory<'s> {
    fn new(snapshot: &'s Snapshot) -> Self {
        let mut members: HashMap<&str, Vec<&str>> = HashMap::new();
        for m in &snapshot.group_memberships {
            members.entry(&m.group_id).or_default().push(&m.member_id);
        }
        Self { snapshot, members }
    }

    fn is_group(&self, id: &str) -> bool {
        self.members.contains_key(id)
            || self
                .snapshot
                .principals
                .iter()
                .any(|p| p.id == id && p.kind == PrincipalKind::Group)
    }

    /// The identities (non-groups) a holder stands for: itself, or everything transitively inside it.
    fn expand(&self, holder: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if !self.is_group(holder) {
            out.insert(holder.to_string());
            return out;
        }
        let mut seen: HashSet<&str> = HashSet::from([holder]);
        let mut queue = VecDeque::from([holder]);
        while let Some(g) = queue.pop_front() {
            for &m in self.members.get(g).into_iter().flatten() {
                if seen.insert(m) {
                    queue.push_back(m);
                    if !self.is_group(m) {
                        out.insert(m.to_string());
                    }
                }
            }
        }
        out
    }
}

/// Every (identity, application) pair the role assignments at or above `scope` (and, when asked, the
/// vault's access-policy entries) reach.
fn reached(
    engine: &Engine,
    dir: &Directory,
    scope: &Scope,
    with_assignments: bool,
    policies_of: Option<&Vault>,
) -> BTreeSet<(String, Option<String>)> {
    let ancestry = engine.index.ancestry(scope);
    let mut holders: Vec<(&str, Option<String>)> = Vec::new();
    if with_assignments {
        for a in &engine.snapshot.role_assignments {
            if ancestry.contains(a.scope.key()) {
                holders.push((&a.principal_id, None));
            }
        }
    }
    for e in policies_of.into_iter().flat_map(|v| &v.access_policies) {
        holders.push((&e.object_id, e.application_id.clone()));
    }
    let mut out = BTreeSet::new();
    for (h, app) in holders {
        for id in dir.expand(h) {
            out.insert((id, app.clone()));
        }
    }
    out
}

fn ask(engine: &Engine, id: &str, scope: &Scope, action: &Action, app: Option<&str>) -> Verdict {
    let subject = engine.subject(id);
    let target = engine.target(scope);
    engine
        .check(&Request::new(&subject, &target, action).via_app(app))
        .unwrap()
}

fn json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap()
}

/// Resolvable catalog operations, in catalog order.
fn operations() -> Vec<(&'static catalog::Operation, Action)> {
    catalog::operations()
        .iter()
        .filter_map(|op| catalog::resolve(op.name).ok().map(|a| (op, a)))
        .collect()
}

/// Self-escalation findings for one vault, from full verdicts of every identity its assignments reach.
fn reference_findings(engine: &Engine, dir: &Directory, vault: &Vault) -> Vec<Finding> {
    let lever = |name: &str| catalog::resolve(name).unwrap();
    let levers = [
        lever("vaults/write"),
        lever("vaults/accessPolicies/write"),
        lever("roleAssignments/write"),
        lever("vaults/deploy/action"),
    ];
    let gainable: Vec<(&str, Action)> = operations()
        .into_iter()
        .filter(|(op, _)| op.plane == Plane::Data && !op.is_purge())
        .map(|(op, a)| (op.name, a))
        .collect();
    let ids: BTreeSet<String> = reached(engine, dir, &vault.scope, true, None)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut out = Vec::new();
    for id in ids {
        let v: Vec<Verdict> = levers
            .iter()
            .map(|a| ask(engine, &id, &vault.scope, a, None))
            .collect();
        if v.iter().all(|v| v.decision == Decision::Denied) {
            continue;
        }
        let lacks: Vec<&'static str> = gainable
            .iter()
            .filter(|(_, a)| ask(engine, &id, &vault.scope, a, None).decision != Decision::Allowed)
            .map(|(n, _)| *n)
            .collect();
        if lacks.is_empty() {
            continue;
        }
        let possible = |i: usize| Some(&v[i]).filter(|v| v.decision != Decision::Denied);
        let (write, policies, assign, deploy) = (0, 1, 2, 3);
        let unrestricted = v[assign].decision == Decision::Allowed;
        let mut push = |technique: Technique, via: &Verdict| {
            // The lowest grant id, unconditional grants first: a choice independent of lookup order.
            let grant = via
                .grants
                .iter()
                .filter(|g| g.condition.is_none())
                .min_by(|a, b| a.id.cmp(&b.id))
                .or_else(|| via.grants.iter().min_by(|a, b| a.id.cmp(&b.id)));
            let mut unknown_because = if via.decision == Decision::Unknown {
                via.unknown_because.clone()
            } else {
                Vec::new()
            };
            unknown_because.sort();
            unknown_because.dedup();
            out.push(Finding {
                principal: via.principal.clone(),
                vault_id: vault.scope.id().to_string(),
                technique,
                grant: grant.map(|g| g.id.clone()).unwrap_or_default(),
                role_name: grant.and_then(|g| g.role_name.clone()),
                holder: grant.map(|g| g.principal_id.clone()),
                grant_scope: grant.map(|g| g.scope.clone()),
                decision: via.decision,
                condition: grant.and_then(|g| g.condition.clone()),
                // What each technique can gain: its own rule, so this reference states it independently.
                lacks: if technique == Technique::TemplateDeployment {
                    vec!["secrets/get"]
                } else {
                    lacks.clone()
                },
                unknown_because,
                // Microsoft's articles disagree on the vaults/write-only switch.
                disputed: technique == Technique::SwitchPermissionModelPossible,
            });
        };
        if vault.rbac_authorization {
            if let Some(x) = possible(assign) {
                push(Technique::RoleAssignmentSelfGrant, x);
            }
            match (possible(write), unrestricted) {
                (Some(x), true) => push(Technique::SwitchPermissionModel, x),
                (Some(x), false) => push(Technique::SwitchPermissionModelPossible, x),
                _ => {}
            }
        } else {
            if let Some(x) = possible(policies).or_else(|| possible(write)) {
                push(Technique::AccessPolicySelfGrant, x);
            } else if unrestricted && let Some(x) = possible(assign) {
                push(Technique::RoleAssignmentThenAccessPolicy, x);
            }
            if let (Some(x), true) = (possible(write), unrestricted) {
                push(Technique::SwitchPermissionModel, x);
            }
        }
        if vault.enabled_for_template_deployment
            && lacks.contains(&"secrets/get")
            && let Some(x) = possible(deploy)
        {
            push(Technique::TemplateDeployment, x);
        }
    }
    out
}

/// Reference findings by vault id: who-can asks for them once per data operation.
type FindingCache = HashMap<String, Vec<Finding>>;

/// who-can for one scope and action against the reference; returns the number of rows compared.
fn assert_who_can(
    engine: &Engine,
    dir: &Directory,
    cache: &mut FindingCache,
    scope: &Scope,
    action: &Action,
) -> usize {
    let target = engine.target(scope);
    if engine.validate(&target, action).is_err() {
        assert!(query::who_can(engine, scope, action).is_err());
        return 0;
    }
    let got = query::who_can(engine, scope, action).unwrap();
    let (rbac_counts, vault) = match (action.plane, target.vault) {
        (Plane::Data, Some(v)) => (v.rbac_authorization, (!v.rbac_authorization).then_some(v)),
        _ => (true, None),
    };
    let mut want: Vec<WhoCanEntry> = reached(engine, dir, scope, rbac_counts, vault)
        .into_iter()
        .map(|(id, app)| ask(engine, &id, scope, action, app.as_deref()))
        .filter(|v| v.decision != Decision::Denied)
        .map(WhoCanEntry::from)
        .collect();
    want.sort_by(|a, b| {
        (a.display_name.to_lowercase(), &a.id, &a.via_app).cmp(&(
            b.display_name.to_lowercase(),
            &b.id,
            &b.via_app,
        ))
    });
    let label = format!("who-can {} at {}", action.label, scope.id());
    assert_eq!(json(&got.principals), json(&want), "{label}: principals");
    let findings: Vec<Finding> = match (action.plane, target.vault) {
        (Plane::Data, Some(v)) => cache
            .entry(v.scope.key().to_string())
            .or_insert_with(|| reference_findings(engine, dir, v))
            .clone()
            .into_iter()
            .filter(|f| {
                !want
                    .iter()
                    .any(|p| p.id == f.principal.id && p.decision == Decision::Allowed)
            })
            .collect(),
        _ => Vec::new(),
    };
    assert_eq!(
        json(&got.can_grant_themselves),
        json(&findings),
        "{label}: can grant themselves"
    );
    want.len() + findings.len()
}

/// Every cell of a matrix row against `check`, and the row's cells cover every operation once.
fn assert_cells(
    engine: &Engine,
    row: &query::MatrixRow,
    id: &str,
    scope: &Scope,
    app: Option<&str>,
) -> bool {
    let ops = operations();
    let mut listed = Vec::new();
    let mut any = false;
    for cell in &row.cells {
        for &(name, decision) in &cell.decisions {
            let action = &ops.iter().find(|(op, _)| op.name == name).unwrap().1;
            let want = ask(engine, id, scope, action, app).decision;
            assert_eq!(
                decision,
                want,
                "matrix cell {name} for {id} {app:?} at {}",
                scope.id()
            );
            any |= decision != Decision::Denied;
            listed.push(name);
        }
        let count = |d| cell.decisions.iter().filter(|(_, x)| *x == d).count();
        assert_eq!(cell.allowed, count(Decision::Allowed));
        assert_eq!(cell.conditional, count(Decision::Conditional));
        assert_eq!(cell.unknown, count(Decision::Unknown));
        assert_eq!(cell.total, cell.decisions.len());
    }
    let mut all: Vec<&str> = ops.iter().map(|(op, _)| op.name).collect();
    all.sort_unstable();
    listed.sort_unstable();
    assert_eq!(listed, all, "matrix row for {id} at {}", scope.id());
    any
}

fn assert_vault_matrix(engine: &Engine, dir: &Directory, vault: &Vault) -> usize {
    let got = query::matrix_for_vault(engine, &vault.scope).unwrap();
    let policies = (!vault.rbac_authorization).then_some(vault);
    let mut want: Vec<(String, String, Option<String>)> =
        reached(engine, dir, &vault.scope, true, policies)
            .into_iter()
            .filter(|(id, app)| {
                operations().iter().any(|(_, a)| {
                    ask(engine, id, &vault.scope, a, app.as_deref()).decision != Decision::Denied
                })
            })
            .map(|(id, app)| {
                let mut label = engine.subject(&id).principal.display_name;
                // A compound entry's row names the application, by its service principal when known.
                if let Some(app) = &app {
                    let sp = engine
                        .snapshot
                        .principals
                        .iter()
                        .find(|p| p.app_id.as_ref() == Some(app));
                    label = format!(
                        "{label} through app {}",
                        sp.map_or(app.as_str(), |p| p.display_name.as_str())
                    );
                }
                (label, id, app)
            })
            .collect();
    // And identities that hold nothing vault-wide but some data operation on an item (grants at items).
    let items: Vec<Scope> = item_scopes_of(engine, vault);
    for p in engine
        .snapshot
        .principals
        .iter()
        .filter(|p| p.kind.is_identity())
    {
        if want.iter().any(|(_, id, app)| *id == p.id && app.is_none()) {
            continue;
        }
        let held = operations().iter().any(|(op, a)| {
            op.plane == Plane::Data
                && ask(engine, &p.id, &vault.scope, a, None).decision == Decision::Denied
                && items.iter().any(|item| {
                    // An operation on another kind of item does not apply there.
                    let (subject, target) = (engine.subject(&p.id), engine.target(item));
                    engine
                        .check(&Request::new(&subject, &target, a))
                        .is_ok_and(|v| v.decision != Decision::Denied)
                })
        });
        if held {
            want.push((p.display_name.clone(), p.id.clone(), None));
        }
    }
    want.sort_by(|a, b| (a.0.to_lowercase(), &a.1).cmp(&(b.0.to_lowercase(), &b.1)));
    let rows: Vec<(String, String, Option<String>)> = got
        .rows
        .iter()
        .map(|r| (r.label.clone(), r.id.clone(), r.via_app.clone()))
        .collect();
    assert_eq!(rows, want, "matrix rows of {}", vault.scope.id());
    for r in &got.rows {
        let any = assert_cells(engine, r, &r.id, &vault.scope, r.via_app.as_deref());
        assert_on_items(engine, r, &r.id, vault, r.via_app.as_deref());
        let on_items = r.cells.iter().any(|c| c.on_items.is_some());
        assert!(
            any || on_items,
            "row {} of {} has no access",
            r.id,
            vault.scope.id()
        );
        let p = r.principal.as_ref().unwrap();
        assert_eq!(json(p), json(&engine.subject(&r.id).principal));
    }
    got.rows.len()
}

fn assert_principal_matrix(engine: &Engine, id: &str, app: Option<&str>) -> usize {
    let got = query::matrix_for_principal(engine, id, app);
    let ids: Vec<String> = got.rows.iter().map(|r| r.id.clone()).collect();
    let want: Vec<String> = engine
        .snapshot
        .vaults
        .iter()
        .map(|v| v.scope.id().to_string())
        .collect();
    assert_eq!(
        ids, want,
        "matrix of {id}: one row per vault, in snapshot order"
    );
    for (row, vault) in got.rows.iter().zip(&engine.snapshot.vaults) {
        assert_eq!(row.label, vault.name);
        assert_cells(engine, row, id, &vault.scope, app);
        assert_on_items(engine, row, id, vault, app);
    }
    got.rows.len()
}

/// The scopes below `vault` that some role assignment is made at.
fn item_scopes_of(engine: &Engine, vault: &Vault) -> Vec<Scope> {
    let mut items: Vec<Scope> = engine
        .snapshot
        .role_assignments
        .iter()
        .map(|a| a.scope.clone())
        .filter(|s| s.vault().is_some_and(|v| v.key() == vault.scope.key()) && *s != vault.scope)
        .collect();
    items.sort_by(|a, b| a.key().cmp(b.key()));
    items.dedup();
    items
}

/// A matrix row's "on N items" against `check` at every item some role assignment is made at:
/// per data operation denied vault-wide, the items where it is not denied.
fn assert_on_items(
    engine: &Engine,
    row: &query::MatrixRow,
    id: &str,
    vault: &Vault,
    app: Option<&str>,
) {
    let items = item_scopes_of(engine, vault);
    let ops = operations();
    for cell in &row.cells {
        let mut want_items = BTreeSet::new();
        let mut want_ops = Vec::new();
        for &(name, decision) in &cell.decisions {
            let (op, action) = ops.iter().find(|(op, _)| op.name == name).unwrap();
            if decision != Decision::Denied || op.plane != Plane::Data {
                continue;
            }
            let held: Vec<&Scope> = items
                .iter()
                .filter(|item| {
                    let target = engine.target(item);
                    let subject = engine.subject(id);
                    engine
                        .check(&Request::new(&subject, &target, action).via_app(app))
                        .is_ok_and(|v| v.decision != Decision::Denied)
                })
                .collect();
            if !held.is_empty() {
                want_ops.push((name, held.len()));
                want_items.extend(held.iter().map(|s| s.key().to_string()));
            }
        }
        let want = (!want_items.is_empty()).then_some(query::OnItems {
            items: want_items.len(),
            operations: want_ops,
        });
        assert_eq!(
            cell.on_items, want,
            "on items, {} for {id} {app:?} at {}",
            cell.group, vault.name
        );
    }
}

/// Scopes worth asking who-can about: every vault, the scopes above them, and the items.
fn scopes(s: &Snapshot) -> Vec<Scope> {
    let mut out: Vec<Scope> = s.vaults.iter().map(|v| v.scope.clone()).collect();
    out.extend(s.vault_items.iter().map(|i| i.scope.clone()));
    out.extend(s.resource_groups.iter().map(|r| r.scope.clone()));
    out.extend(s.subscriptions.iter().map(|r| r.scope.clone()));
    out
}

/// The whole comparison on a small tenant: every scope × every operation, every vault's matrix, every
/// identity's matrix (directly and through each application).
fn assert_everything(s: &Snapshot) -> usize {
    let engine = Engine::new(s.clone());
    let dir = Directory::new(s);
    let mut compared = 0;
    let mut cache = FindingCache::new();
    for scope in scopes(s) {
        for (_, action) in operations() {
            compared += assert_who_can(&engine, &dir, &mut cache, &scope, &action);
        }
    }
    for vault in &s.vaults {
        compared += assert_vault_matrix(&engine, &dir, vault);
    }
    let apps: Vec<&str> = s
        .principals
        .iter()
        .filter_map(|p| p.app_id.as_deref())
        .collect();
    let mut ids: Vec<&str> = s.principals.iter().map(|p| p.id.as_str()).collect();
    ids.extend(engine.index.referenced_ids.iter().map(String::as_str));
    for id in ids {
        compared += assert_principal_matrix(&engine, id, None);
        for app in apps.iter().take(2) {
            compared += assert_principal_matrix(&engine, id, Some(app));
        }
    }
    compared
}

#[test]
fn bulk_queries_match_the_reference_on_the_demo_tenant() {
    let compared = assert_everything(&kvaccess::snapshot::demo());
    assert!(compared > 500, "only {compared} rows compared");
}

#[test]
fn bulk_queries_match_the_reference_on_every_scenario_fixture() {
    let mut compared = 0;
    for (_, snapshot) in scenarios::snapshots() {
        compared += assert_everything(&snapshot);
    }
    assert!(compared > 200, "only {compared} rows compared");
}

/// A synthetic tenant small enough to ask `check` about every reached identity.
fn synth(seed: u64, collection_errors: usize) -> Snapshot {
    generate(&SynthSpec {
        collection_errors,
        ..SynthSpec::new(200, 12, 400, seed)
    })
}

/// Several vaults (both permission models), a resource group and a subscription, a handful of operations.
fn assert_synth(s: &Snapshot) -> usize {
    let engine = Engine::new(s.clone());
    let dir = Directory::new(s);
    let mut compared = 0;
    let names = [
        "secrets/get",
        "keys/decrypt",
        "certificates/create",
        "vaults/write",
        "roleAssignments/write",
    ];
    let actions: Vec<Action> = names.iter().map(|n| catalog::resolve(n).unwrap()).collect();
    let mut targets: Vec<Scope> = s.vaults.iter().take(6).map(|v| v.scope.clone()).collect();
    targets.extend(s.resource_groups.iter().take(1).map(|r| r.scope.clone()));
    targets.extend(s.subscriptions.iter().take(1).map(|r| r.scope.clone()));
    let mut cache = FindingCache::new();
    for scope in &targets {
        for action in &actions {
            compared += assert_who_can(&engine, &dir, &mut cache, scope, action);
        }
    }
    for vault in s.vaults.iter().take(2) {
        compared += assert_vault_matrix(&engine, &dir, vault);
    }
    let users = s
        .principals
        .iter()
        .filter(|p| p.kind.is_identity())
        .step_by(97)
        .take(2);
    for p in users {
        compared += assert_principal_matrix(&engine, &p.id, None);
    }
    compared
}

#[test]
fn bulk_queries_match_the_reference_on_synthetic_tenants() {
    let mut compared = 0;
    for seed in [1, 7, 42] {
        compared += assert_synth(&synth(seed, 0));
    }
    assert!(compared > 300, "only {compared} rows compared");
}

#[test]
fn bulk_queries_match_the_reference_with_collection_errors() {
    let s = synth(5, 3);
    assert!(!s.collection_errors.is_empty());
    assert!(assert_synth(&s) > 50);
}

/// A group whose members mostly share one row at the vaults (the bulk queries decide such rows once and
/// share the escalation evidence between the members), with members that must not share it: an extra
/// conditional assignment, an extra data role, an exclusion from a deny assignment, an access-policy entry
/// of their own, and a member missing from the directory data.
fn shared_rows_tenant() -> Snapshot {
    let mut s: Value = serde_json::from_str(kvaccess::snapshot::DEMO_JSON).unwrap();
    let sub = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001";
    let rg = format!("{sub}/resourceGroups/rg-app-prod");
    let rbac_vault = format!("{rg}/providers/Microsoft.KeyVault/vaults/kv-app-rbac");
    let group = "77777777-0000-0000-0000-000000000001";
    let member = |n: u32| format!("77777777-0000-0000-0000-1000000000{n:02}");
    let push = |s: &mut Value, key: &str, v: Value| s[key].as_array_mut().unwrap().push(v);
    push(
        &mut s,
        "principals",
        serde_json::json!({"@odata.type": "#microsoft.graph.group", "id": group, "displayName": "Escalators"}),
    );
    for n in 1..=7 {
        if n != 7 {
            push(
                &mut s,
                "principals",
                serde_json::json!({"@odata.type": "#microsoft.graph.user", "id": member(n), "displayName": format!("Member {n}")}),
            );
        }
        push(
            &mut s,
            "groupMemberships",
            serde_json::json!({"groupId": group, "memberId": member(n)}),
        );
    }
    let mut n = 0;
    let mut assign = |s: &mut Value,
                      scope: &str,
                      role: &str,
                      who: &str,
                      condition: Option<&str>| {
        n += 1;
        let name = format!("77777777-0000-0000-0000-2000000000{n:02}");
        push(
            s,
            "roleAssignments",
            serde_json::json!({
                "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"),
                "name": name,
                "type": "Microsoft.Authorization/roleAssignments",
                "properties": {
                    "scope": scope,
                    "roleDefinitionId": format!("{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}"),
                    "principalId": who,
                    "principalType": "User",
                    "condition": condition,
                    "conditionVersion": condition.map(|_| "2.0"),
                }
            }),
        );
    };
    let contributor = "b24988ac-6180-42a0-ab88-20f7382dd24c";
    let user_access_admin = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
    let secrets_user = "4633458b-17de-408a-b874-0445c86b69e6";
    assign(&mut s, sub, contributor, group, None);
    assign(&mut s, &rg, user_access_admin, group, None);
    assign(&mut s, &rbac_vault, secrets_user, &member(1), None);
    let only_secrets_user = "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {4633458b-17de-408a-b874-0445c86b69e6}))";
    assign(
        &mut s,
        &rbac_vault,
        user_access_admin,
        &member(2),
        Some(only_secrets_user),
    );
    push(
        &mut s,
        "denyAssignments",
        serde_json::json!({
            "id": format!("{rg}/providers/Microsoft.Authorization/denyAssignments/77777777-0000-0000-0000-300000000001"),
            "name": "77777777-0000-0000-0000-300000000001",
            "type": "Microsoft.Authorization/denyAssignments",
            "properties": {
                "denyAssignmentName": "no role assignments in rg-app-prod",
                "permissions": [{"actions": ["Microsoft.Authorization/roleAssignments/write"], "notActions": [], "dataActions": [], "notDataActions": []}],
                "scope": rg,
                "doNotApplyToChildScopes": false,
                "principals": [{"id": group, "type": "Group"}],
                "excludePrincipals": [{"id": member(3), "type": "User"}],
                "isSystemProtected": false
            }
        }),
    );
    let policies = s["vaults"][0]["properties"]["accessPolicies"]
        .as_array_mut()
        .unwrap();
    policies.push(serde_json::json!({"tenantId": "aaaaaaaa-0000-0000-0000-000000000001", "objectId": member(4), "permissions": {"keys": [], "secrets": ["get", "list"], "certificates": [], "storage": []}}));
    let text = serde_json::to_string(&s).unwrap();
    kvaccess::snapshot::parse(&text, std::path::Path::new("shared-rows")).unwrap()
}

/// The demo with grants made at one secret of kv-app-rbac: a group of four holds Key Vault Secrets User there,
/// one member also Key Vault Secrets Officer, an outsider only Reader. Members whose rows agree at the
/// vault but not at the item must not share the item's answers.
fn items_tenant() -> Snapshot {
    let mut s: Value = serde_json::from_str(kvaccess::snapshot::DEMO_JSON).unwrap();
    let sub = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001";
    let item = format!(
        "{sub}/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-app-rbac/secrets/storage-account-key"
    );
    let group = "78787878-0000-0000-0000-000000000001";
    let member = |n: u32| format!("78787878-0000-0000-0000-1000000000{n:02}");
    let push = |s: &mut Value, key: &str, v: Value| s[key].as_array_mut().unwrap().push(v);
    push(
        &mut s,
        "principals",
        serde_json::json!({"@odata.type": "#microsoft.graph.group", "id": group, "displayName": "Item readers"}),
    );
    for n in 1..=5 {
        push(
            &mut s,
            "principals",
            serde_json::json!({"@odata.type": "#microsoft.graph.user", "id": member(n), "displayName": format!("Reader {n}")}),
        );
        if n <= 4 {
            push(
                &mut s,
                "groupMemberships",
                serde_json::json!({"groupId": group, "memberId": member(n)}),
            );
        }
    }
    let roles = [
        (
            "4633458b-17de-408a-b874-0445c86b69e6",
            group.to_string(),
            "Group",
        ),
        ("b86a8fe4-44ce-4948-aee5-eccb2c155cd7", member(2), "User"),
        ("acdd72a7-3385-48ef-bd42-f606fba81ae7", member(5), "User"),
    ];
    for (n, (role, who, kind)) in roles.iter().enumerate() {
        let name = format!("78787878-0000-0000-0000-2000000000{n:02}");
        push(
            &mut s,
            "roleAssignments",
            serde_json::json!({
                "id": format!("{item}/providers/Microsoft.Authorization/roleAssignments/{name}"),
                "name": name,
                "type": "Microsoft.Authorization/roleAssignments",
                "properties": {
                    "scope": item,
                    "roleDefinitionId": format!("{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}"),
                    "principalId": who,
                    "principalType": kind,
                }
            }),
        );
    }
    let text = serde_json::to_string(&s).unwrap();
    kvaccess::snapshot::parse(&text, std::path::Path::new("items")).unwrap()
}

#[test]
fn bulk_queries_match_the_reference_with_grants_made_at_items() {
    let s = items_tenant();
    assert!(assert_everything(&s) > 500);
    let engine = Engine::new(s.clone());
    let vault = s.vaults.iter().find(|v| v.name == "kv-app-rbac").unwrap();
    let m = query::matrix_for_vault(&engine, &vault.scope).unwrap();
    let on = |label: &str, group: &str| {
        m.rows
            .iter()
            .find(|r| r.label == label)
            .and_then(|r| r.cells.iter().find(|c| c.group == group))
            .and_then(|c| c.on_items.clone())
    };
    // The officer sets the secret, the other members only read it; the outsider with Reader has no row.
    assert!(on("Reader 2", "secrets/set").is_some());
    assert!(on("Reader 1", "secrets/set").is_none());
    assert!(on("Reader 1", "secrets/get").is_some());
    assert!(m.rows.iter().all(|r| r.label != "Reader 5"));
}

#[test]
fn bulk_queries_match_the_reference_when_group_members_share_rows() {
    let s = shared_rows_tenant();
    let engine = Engine::new(s.clone());
    // Members 5 and 6 hold exactly what the group holds: the same findings but for who they are.
    let (five, six) = (
        "77777777-0000-0000-0000-100000000005",
        "77777777-0000-0000-0000-100000000006",
    );
    let under_prod = s.vaults.iter().filter(|v| {
        v.scope
            .id()
            .starts_with("/subscriptions/bbbbbbbb-0000-0000-0000-000000000001/")
    });
    for vault in under_prod {
        let findings = query::escalations_for_vault(&engine, vault);
        let of = |id: &str| -> Vec<Value> {
            findings
                .iter()
                .filter(|f| f.principal.id == id)
                .map(|f| {
                    let mut v = json(f);
                    v["principal"] = Value::Null;
                    v
                })
                .collect()
        };
        assert!(
            !of(five).is_empty(),
            "{}: member 5 has findings",
            vault.name
        );
        assert_eq!(of(five), of(six), "{}", vault.name);
        // The others differ from them somewhere: each got its own evidence, not the shared one.
        let differs = |n: &str| of(n) != of(five);
        if vault.name == "kv-app-rbac" {
            assert!(
                differs("77777777-0000-0000-0000-100000000001"),
                "extra data role"
            );
        }
        if vault.name == "kv-app-prod" {
            assert!(
                differs("77777777-0000-0000-0000-100000000004"),
                "own access policy"
            );
        }
        if vault.scope.id().contains("rg-app-prod") {
            assert!(
                differs("77777777-0000-0000-0000-100000000003"),
                "{}: excluded from the deny",
                vault.name
            );
        }
    }
    assert!(assert_everything(&s) > 500);
}

/// A finding without who and where: what a group of the grouped answer says.
fn group_key(f: &Finding) -> String {
    let mut v = json(f);
    for k in ["principal", "vaultId"] {
        v.as_object_mut().unwrap().remove(k);
    }
    v.as_object_mut().unwrap().remove("lacks");
    v.to_string()
}

/// The grouped escalations, expanded group by group and streamed row by row, against the flat answer (which
/// the other tests hold to `check`): the same facts, and every count right. Returns the findings compared.
fn assert_grouped_escalations(engine: &Engine, scope: Option<&Scope>) -> usize {
    use kvaccess::query::grouped::escalations::{
        each_escalation, escalation_groups, expand_groups,
    };
    let s: &Snapshot = &engine.snapshot;
    let in_scope: Vec<&Vault> = s
        .vaults
        .iter()
        .filter(|v| scope.is_none_or(|sc| engine.index.ancestry(&v.scope).contains(sc.key())))
        .collect();
    let flat: Vec<Finding> = in_scope
        .iter()
        .flat_map(|v| query::escalations_for_vault(engine, v))
        .collect();
    let mut expected: Vec<String> = flat.iter().map(|f| json(f).to_string()).collect();
    expected.sort();
    let mut streamed: Vec<String> = Vec::new();
    each_escalation(engine, scope, |f| {
        streamed.push(json(f).to_string());
        Ok::<(), ()>(())
    })
    .unwrap();
    streamed.sort();
    if streamed != expected {
        let brief = |x: &String| {
            let v: Value = serde_json::from_str(x).unwrap();
            format!(
                "{} {} {} {}",
                v["principal"]["id"], v["vaultId"], v["technique"], v["unknownBecause"]
            )
        };
        let extra: Vec<String> = streamed
            .iter()
            .filter(|x| !expected.contains(x))
            .map(brief)
            .take(3)
            .collect();
        let missing: Vec<String> = expected
            .iter()
            .filter(|x| !streamed.contains(x))
            .map(brief)
            .take(3)
            .collect();
        panic!(
            "streamed {} rows, flat {}\nextra {extra:#?}\nmissing {missing:#?}",
            streamed.len(),
            expected.len()
        );
    }
    let answer = escalation_groups(engine, scope);
    assert_eq!(answer.findings, flat.len());
    assert_eq!(answer.vaults_examined, in_scope.len());
    let mut by_key: HashMap<String, Vec<&Finding>> = HashMap::new();
    for f in &flat {
        let mut v: Value = serde_json::from_str(&group_key(f)).unwrap();
        v.as_object_mut().unwrap().retain(|_, x| !x.is_null());
        by_key.entry(v.to_string()).or_default().push(f);
    }
    let dir = Directory::new(s);
    let mut keys = HashSet::new();
    let all: Vec<_> = answer.groups.iter().collect();
    let expansions = expand_groups(engine, &answer, &all);
    for (group, expanded) in answer.groups.iter().zip(expansions) {
        let mut key = json(group);
        for k in [
            "holder",
            "vaults",
            "findings",
            "covers",
            "gains",
            "gainsVary",
            "identitiesPerVault",
        ] {
            key.as_object_mut().unwrap().remove(k);
        }
        if let Some(h) = group.holder.as_ref() {
            key["holder"] = Value::String(h.id.clone());
        }
        let members = by_key.get(&key.to_string()).cloned().unwrap_or_default();
        assert!(keys.insert(key.to_string()), "one group per key: {key}");
        let gains: BTreeSet<&str> = members
            .iter()
            .flat_map(|f| f.lacks.iter().copied())
            .collect();
        assert_eq!(
            group.gains.iter().copied().collect::<BTreeSet<_>>(),
            gains,
            "{key}"
        );
        let vary = members.iter().any(|f| f.lacks.len() != gains.len());
        assert_eq!(group.gains_vary, vary, "{key}");
        assert_eq!(group.findings, members.len(), "{key}");
        let vaults: BTreeSet<&str> = members.iter().map(|f| f.vault_id.as_str()).collect();
        assert_eq!(group.vaults, vaults.len(), "{key}");
        assert_eq!(
            group.covers.iter().map(|c| c.vaults).sum::<usize>(),
            vaults.len()
        );
        let mut per_vault: HashMap<&str, u32> = HashMap::new();
        for f in &members {
            *per_vault.entry(&f.vault_id).or_default() += 1;
        }
        let min = per_vault.values().min().copied().unwrap_or(0);
        let max = per_vault.values().max().copied().unwrap_or(0);
        assert_eq!(group.identities_per_vault, (min, max), "{key}");
        let mut per_identity: HashMap<&str, usize> = HashMap::new();
        for f in &members {
            *per_identity.entry(&f.principal.id).or_default() += 1;
        }
        assert_eq!(expanded.len(), per_identity.len(), "{key}");
        for (p, n) in &expanded {
            assert_eq!(per_identity.get(p.id.as_str()), Some(n), "{key}: {}", p.id);
        }
        if let Some(h) = &group.holder {
            assert_eq!(h.identities, dir.expand(&h.id).len().max(1), "{}", h.id);
        }
    }
    assert_eq!(keys.len(), by_key.len(), "every flat finding is in a group");
    flat.len()
}

#[test]
fn grouped_escalations_expand_to_the_flat_answer() {
    let mut compared = assert_grouped_escalations(&Engine::new(kvaccess::snapshot::demo()), None);
    let demo = kvaccess::snapshot::demo();
    let engine = Engine::new(demo.clone());
    for sub in &demo.subscriptions {
        compared += assert_grouped_escalations(&engine, Some(&sub.scope));
    }
    for (_, s) in scenarios::snapshots() {
        compared += assert_grouped_escalations(&Engine::new(s.clone()), None);
    }
    let shared = shared_rows_tenant();
    compared += assert_grouped_escalations(&Engine::new(shared.clone()), None);
    for (seed, errors) in [(1, 0), (7, 0), (5, 3)] {
        let s = synth(seed, errors);
        compared += assert_grouped_escalations(&Engine::new(s.clone()), None);
    }
    assert!(compared > 1000, "only {compared} findings compared");
}

/// `reach` against `check`: every (vault, data operation) whose decision is not "denied" is listed with
/// that decision, and nothing else; items through item-scoped grants likewise.
fn assert_reach(s: &Snapshot) -> usize {
    let engine = Engine::new(s.clone());
    let data: Vec<(&'static catalog::Operation, Action)> = operations()
        .into_iter()
        .filter(|(op, _)| op.plane == Plane::Data)
        .collect();
    let mut compared = 0;
    for p in s.principals.iter().filter(|p| p.kind.is_identity()) {
        let reach = query::principal_reach(&engine, &p.id, None);
        let listed: BTreeSet<(String, &str, Decision)> = reach
            .vaults
            .iter()
            .flat_map(|v| {
                v.groups.iter().flat_map(|g| {
                    g.operations
                        .iter()
                        .map(|&(op, d)| (v.vault_id.clone(), op, d))
                })
            })
            .collect();
        let mut expected = BTreeSet::new();
        for vault in &s.vaults {
            for (op, action) in &data {
                let v = ask(&engine, &p.id, &vault.scope, action, None);
                if v.decision != Decision::Denied {
                    expected.insert((vault.scope.id().to_string(), op.name, v.decision));
                }
                compared += 1;
            }
        }
        assert_eq!(listed, expected, "{}", p.display_name);
        for v in &reach.vaults {
            for item in &v.items {
                let scope = Scope::parse(&item.scope).unwrap();
                for &(op, d) in &item.operations {
                    let action = catalog::resolve(op).unwrap();
                    assert_eq!(ask(&engine, &p.id, &scope, &action, None).decision, d);
                }
            }
        }
    }
    compared
}

#[test]
fn reach_matches_check_on_the_demo_and_fixtures() {
    let mut compared = assert_reach(&kvaccess::snapshot::demo());
    for (_, s) in scenarios::snapshots() {
        compared += assert_reach(&s);
    }
    assert!(compared > 1000, "only {compared} compared");
}

/// The principal matrix and who-can from a caller location against `check` from the same location.
#[test]
fn matrix_and_who_can_from_a_location_match_check() {
    use kvaccess::eval::Origin;
    let s = kvaccess::snapshot::demo();
    let engine = Engine::new(s.clone());
    let origins = [
        Origin::Ip("8.8.8.8".parse().unwrap()),
        Origin::Ip("203.0.113.20".parse().unwrap()),
        Origin::TrustedService,
        Origin::PrivateEndpoint(None),
    ];
    let mut compared = 0;
    for origin in &origins {
        for p in s.principals.iter().filter(|p| p.kind.is_identity()) {
            let mut m = query::matrix_for_principal(&engine, &p.id, None);
            query::through_network(&engine, &mut m, origin);
            for row in &m.rows {
                let scope = Scope::parse(&row.id).unwrap();
                for (op, d) in row.cells.iter().flat_map(|c| c.decisions.iter()) {
                    let action = catalog::resolve(op).unwrap();
                    let target = engine.target(&scope);
                    let v = engine
                        .check(
                            &Request::new(&engine.subject(&p.id), &target, &action)
                                .from(Some(origin)),
                        )
                        .unwrap();
                    assert_eq!(
                        *d, v.decision,
                        "{} {op} at {} from {origin:?}",
                        p.display_name, row.id
                    );
                    compared += 1;
                }
            }
        }
        for vault in &s.vaults {
            let action = catalog::resolve("secrets/get").unwrap();
            let answer = query::who_can_from(&engine, &vault.scope, &action, Some(origin)).unwrap();
            for p in s.principals.iter().filter(|p| p.kind.is_identity()) {
                let target = engine.target(&vault.scope);
                let v = engine
                    .check(
                        &Request::new(&engine.subject(&p.id), &target, &action).from(Some(origin)),
                    )
                    .unwrap();
                let listed = answer
                    .principals
                    .iter()
                    .find(|e| e.id == p.id && e.via_app.is_none());
                match listed {
                    Some(e) => assert_eq!(
                        e.decision, v.decision,
                        "{} at {}",
                        p.display_name, vault.name
                    ),
                    None => assert_eq!(
                        v.decision,
                        Decision::Denied,
                        "{} at {}",
                        p.display_name,
                        vault.name
                    ),
                }
                compared += 1;
            }
        }
    }
    assert!(compared > 1000, "only {compared} compared");
}

/// who-can at a vault lists, besides those who can there, those who can on some of its items only: against
/// `check` at every item scope that an item-level assignment names.
#[test]
fn who_can_on_items_matches_check() {
    let mut compared = 0;
    let mut tenants = vec![kvaccess::snapshot::demo()];
    tenants.extend(scenarios::snapshots().into_iter().map(|(_, s)| s));
    for s in &tenants {
        let engine = Engine::new(s.clone());
        for vault in &s.vaults {
            let item_scopes: BTreeSet<String> = s
                .role_assignments
                .iter()
                .filter(|a| {
                    a.scope
                        .key()
                        .starts_with(&format!("{}/", vault.scope.key()))
                })
                .map(|a| a.scope.id().to_string())
                .collect();
            for name in ["secrets/get", "keys/decrypt", "certificates/get"] {
                let action = catalog::resolve(name).unwrap();
                let answer = query::who_can(&engine, &vault.scope, &action).unwrap();
                for p in s.principals.iter().filter(|p| p.kind.is_identity()) {
                    if answer.principals.iter().any(|e| e.id == p.id) {
                        continue;
                    }
                    let expected: Vec<(String, Decision)> = item_scopes
                        .iter()
                        .filter_map(|id| {
                            let scope = Scope::parse(id).unwrap();
                            let target = engine.target(&scope);
                            let v = engine
                                .check(&Request::new(&engine.subject(&p.id), &target, &action))
                                .ok()?;
                            (v.decision != Decision::Denied).then(|| (id.clone(), v.decision))
                        })
                        .collect();
                    let listed = answer
                        .on_items
                        .iter()
                        .find(|e| e.id == p.id)
                        .map(|e| e.items.clone())
                        .unwrap_or_default();
                    assert_eq!(
                        listed, expected,
                        "{} {name} at {}",
                        p.display_name, vault.name
                    );
                    // `check` at the vault names the same items, with the grants made there.
                    let question = query::Question {
                        principal: p.id.clone(),
                        scope: vault.scope.id().to_string(),
                        action: name.to_string(),
                        ..Default::default()
                    };
                    let beside = query::check_on_items(&engine, &question).unwrap();
                    let mut said: Vec<(String, Decision)> = beside
                        .iter()
                        .map(|i| (i.item.clone(), i.decision))
                        .collect();
                    said.sort();
                    assert_eq!(
                        said, expected,
                        "check: {} {name} at {}",
                        p.display_name, vault.name
                    );
                    for i in beside.iter().filter(|i| i.decision == Decision::Allowed) {
                        assert!(
                            i.grants.iter().any(|g| g.scope == i.item),
                            "{}: no grant made at {}",
                            p.display_name,
                            i.item
                        );
                    }
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 100, "only {compared} compared");
}
