//! The fast path (`Engine::prepare` + `Engine::decide`) and the evidence path (`Engine::check`) implement the
//! same rules twice; on every question the demo tenant can be asked, they must agree.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::scenarios;

use kvaccess::catalog;
use kvaccess::eval::Engine;
use kvaccess::eval::Request;
use kvaccess::model::{Scope, Snapshot};
use kvaccess::query;

fn targets(s: &Snapshot) -> Vec<Scope> {
    let mut out: Vec<Scope> = s.vaults.iter().map(|v| v.scope.clone()).collect();
    out.extend(s.vault_items.iter().map(|i| i.scope.clone()));
    out.extend(s.resource_groups.iter().map(|r| r.scope.clone()));
    out.extend(s.subscriptions.iter().map(|r| r.scope.clone()));
    out.extend(s.management_groups.iter().map(|r| r.scope.clone()));
    out
}

pub fn assert_fast_path_agrees(s: &Snapshot) -> usize {
    let engine = Engine::new(s.clone());
    let mut ids: Vec<String> = s.principals.iter().map(|p| p.id.clone()).collect();
    ids.extend(engine.index.referenced_ids.iter().cloned());
    let apps: Vec<Option<String>> = std::iter::once(None)
        .chain(
            s.principals
                .iter()
                .filter_map(|p| p.app_id.clone())
                .map(Some),
        )
        .collect();
    let mut compared = 0;
    for scope in targets(s) {
        let target = engine.target(&scope);
        for id in &ids {
            let subject = engine.subject(id);
            for app in &apps {
                let row = engine.prepare(&subject, &target, app.as_deref());
                for op in catalog::operations() {
                    let action = catalog::resolve(op.name).unwrap();
                    let Ok(verdict) = engine
                        .check(&Request::new(&subject, &target, &action).via_app(app.as_deref()))
                    else {
                        continue;
                    };
                    let fast = engine.decide(&row, &action);
                    assert_eq!(
                        fast, verdict.decision,
                        "{} {:?} {} at {}: fast path says {fast:?}, check says {:?}\n{:#?}",
                        id, app, op.name, scope, verdict.decision, verdict
                    );
                    compared += 1;
                }
            }
        }
    }
    compared
}

#[test]
fn fast_path_agrees_with_check_on_the_demo_tenant() {
    let compared = assert_fast_path_agrees(&kvaccess::snapshot::demo());
    assert!(compared > 10_000, "only {compared} questions compared");
}

#[test]
fn fast_path_agrees_with_check_on_every_scenario_fixture() {
    let mut compared = 0;
    for (_, snapshot) in scenarios::snapshots() {
        compared += assert_fast_path_agrees(&snapshot);
    }
    assert!(compared > 10_000, "only {compared} questions compared");
}

/// who-can three ways — flat, grouped then expanded, streamed — on every vault, item and scope above them,
/// for a spread of operations: the same facts. And every identity of the flat answer gets from `check` the
/// decision it is listed with. Returns the identities compared.
pub fn assert_who_can_agrees(s: &Snapshot) -> usize {
    use kvaccess::query::grouped::who_can::{Decides, group_who_can};
    use std::collections::BTreeSet;
    let engine = Engine::new(s.clone());
    let ops = [
        "secrets/get",
        "secrets/set",
        "keys/sign",
        "certificates/get",
        "vaults/write",
    ];
    let mut compared = 0;
    for scope in targets(s) {
        let target = engine.target(&scope);
        for op in ops {
            let action = catalog::resolve(op).unwrap();
            let Ok(flat) = query::who_can(&engine, &scope, &action) else {
                continue;
            };
            let label = format!("{op} at {}", scope.id());
            // Flat == check, identity by identity.
            for p in &flat.principals {
                let subject = engine.subject(&p.id);
                let v = engine
                    .check(&Request::new(&subject, &target, &action).via_app(p.via_app.as_deref()))
                    .unwrap();
                assert_eq!(v.decision, p.decision, "{label}: {}", p.id);
            }
            // Grouped, expanded: every (identity, grant) fact of the flat answer once, and nothing else.
            let grouped = group_who_can(&engine, &flat, true);
            let mut from_groups = BTreeSet::new();
            for g in &grouped.groups {
                let members = g.members.as_ref().unwrap();
                assert_eq!(g.identities, members.len(), "{label}: count of {}", g.grant);
                if let Some(h) = &g.holder {
                    assert!(h.identities >= 1, "{label}");
                }
                for m in members {
                    let key = (m.id.clone(), g.grant.clone(), g.decision, g.via_app.clone());
                    assert!(
                        from_groups.insert(key),
                        "{label}: {} twice in {}",
                        m.id,
                        g.grant
                    );
                }
                if g.decides == Decides::Nothing {
                    assert!(
                        !g.unknown_because.is_empty(),
                        "{label}: no grant, no reason"
                    );
                }
            }
            let mut from_flat = BTreeSet::new();
            for p in &flat.principals {
                if p.grants.is_empty() {
                    from_flat.insert((p.id.clone(), String::new(), p.decision, p.via_app.clone()));
                }
                for g in &p.grants {
                    from_flat.insert((p.id.clone(), g.id.clone(), p.decision, p.via_app.clone()));
                }
            }
            assert_eq!(from_groups, from_flat, "{label}: grouped vs flat");
            let ids: BTreeSet<&str> = flat.principals.iter().map(|p| p.id.as_str()).collect();
            assert_eq!(grouped.identities, ids.len(), "{label}");
            // The other sections: every identity of the flat lists, in the groups.
            let count = |groups: &[kvaccess::query::grouped::who_can::WhoCanGroup]| {
                groups
                    .iter()
                    .map(|g| g.members.as_ref().unwrap().len())
                    .sum::<usize>()
            };
            let items: usize = flat.on_items.iter().map(|p| p.items.len()).sum();
            assert_eq!(count(&grouped.on_items), items, "{label}: on items");
            let eligible: usize = flat.eligible.iter().map(|p| p.eligible.len()).sum();
            assert_eq!(count(&grouped.eligible), eligible, "{label}: eligible");
            assert_eq!(
                count(&grouped.can_grant_themselves),
                flat.can_grant_themselves.len(),
                "{label}: can grant themselves"
            );
            // Streamed: the same entries, in another order.
            let mut streamed = Vec::new();
            query::each_who_can(&engine, &scope, &action, None, |e| {
                streamed.push(serde_json::to_string(e).unwrap());
                Ok::<_, kvaccess::error::QueryError>(())
            })
            .unwrap();
            let mut want: Vec<String> = flat
                .principals
                .iter()
                .map(|p| serde_json::to_string(p).unwrap())
                .collect();
            streamed.sort();
            want.sort();
            assert_eq!(streamed, want, "{label}: streamed vs flat");
            compared += flat.principals.len();
        }
    }
    compared
}

#[test]
fn who_can_flat_grouped_and_streamed_agree_with_check_on_the_demo_and_fixtures() {
    let mut compared = assert_who_can_agrees(&kvaccess::snapshot::demo());
    for (_, snapshot) in scenarios::snapshots() {
        compared += assert_who_can_agrees(&snapshot);
    }
    assert!(compared > 300, "only {compared} identities compared");
}

#[test]
fn who_can_flat_grouped_and_streamed_agree_on_synthetic_tenants() {
    let s = kvaccess::synth::generate(&kvaccess::synth::SynthSpec::new(250, 5, 500, 7));
    let compared = assert_who_can_agrees(&s);
    assert!(compared > 500, "only {compared} identities compared");
}

/// Gina's assignment tests the secret's name (decided at a secret, D10); here her role's permission block
/// carries a condition of its own too. Where the name fails, the grant does not apply, whatever the role's
/// condition: the fast path must say so as `check` does.
#[test]
fn fast_path_agrees_when_a_role_condition_meets_a_decided_name_condition() {
    let mut s = kvaccess::snapshot::demo();
    let role = s
        .role_definitions
        .iter_mut()
        .find(|d| d.role_name == "Key Vault Secrets User")
        .unwrap();
    for block in &mut role.permissions {
        block.condition = Some(
            "((!(ActionMatches{'Microsoft.KeyVault/vaults/secrets/getSecret/action'})) OR (@Resource[Microsoft.KeyVault/vaults:name] StringEquals 'kv-app-rbac'))"
                .to_string(),
        );
    }
    assert!(assert_fast_path_agrees(&s) > 10_000);
    let engine = Engine::new(s);
    let gina = engine.subject("11111111-0000-0000-0000-000000000007");
    let action = catalog::resolve("secrets/get").unwrap();
    let decide = |item: &str| {
        let scope = kvaccess::query::resolve_scope(&engine.snapshot, item).unwrap();
        let target = engine.target(&scope);
        engine
            .check(&Request::new(&gina, &target, &action))
            .unwrap()
            .decision
    };
    use kvaccess::eval::Decision;
    // The name fails: not applicable. The name holds: the role's own condition still leaves it open.
    assert_eq!(
        decide("kv-app-rbac/secrets/storage-account-key"),
        Decision::Denied
    );
    assert_eq!(
        decide("kv-app-rbac/secrets/app-db-password"),
        Decision::Conditional
    );
}
