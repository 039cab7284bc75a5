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

/// No application, then each application id the directory holds: the callers a compound identity can use.
fn apps_and_none(s: &Snapshot) -> Vec<Option<String>> {
    std::iter::once(None)
        .chain(
            s.principals
                .iter()
                .filter_map(|p| p.app_id.clone())
                .map(Some),
        )
        .collect()
}

pub fn assert_fast_path_agrees(s: &Snapshot) -> usize {
    let engine = Engine::new(s.clone());
    let mut ids: Vec<String> = s.principals.iter().map(|p| p.id.clone()).collect();
    ids.extend(engine.index.referenced_ids.iter().cloned());
    let apps = apps_and_none(s);
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

/// who-can three ways — flat, grouped (built from the grants) then expanded, streamed from the grouped
/// answer — on every vault, item and scope above them, for a spread of operations, from nowhere in particular
/// and from two caller locations: the same facts. Every identity of the flat answer gets from `check` the
/// decision it is listed with; every identity a deny group lists is denied by `check` with that deny
/// assignment and a grant. Returns the identities compared.
pub fn assert_who_can_agrees(s: &Snapshot) -> usize {
    use kvaccess::eval::Origin;
    use kvaccess::query::grouped::who_can::{Decides, WhoCanGroup, grouped_who_can};
    use std::collections::BTreeSet;
    let engine = Engine::new(s.clone());
    let ops = [
        "secrets/get",
        "secrets/set",
        "keys/sign",
        "certificates/get",
        "vaults/write",
    ];
    let origins = [
        None,
        Some(Origin::Ip("203.0.113.20".parse().unwrap())),
        Some(Origin::PrivateEndpoint(None)),
    ];
    let mut compared = 0;
    for scope in targets(s) {
        let target = engine.target(&scope);
        for op in ops {
            let action = catalog::resolve(op).unwrap();
            for origin in &origins {
                let Ok(flat) = query::who_can_from(&engine, &scope, &action, origin.as_ref())
                else {
                    continue;
                };
                let label = format!("{op} at {} from {origin:?}", scope.id());
                let ask = |id: &str, app: Option<&str>| {
                    let subject = engine.subject(id);
                    engine
                        .check(
                            &Request::new(&subject, &target, &action)
                                .via_app(app)
                                .from(origin.as_ref()),
                        )
                        .unwrap()
                };
                // Flat == check, identity by identity.
                for p in &flat.principals {
                    let v = ask(&p.id, p.via_app.as_deref());
                    assert_eq!(v.decision, p.decision, "{label}: {}", p.id);
                }
                let grouped = grouped_who_can(&engine, &scope, &action, origin.as_ref()).unwrap();
                let expanded = grouped.expanded(&engine);
                // Grouped, expanded: every (identity, grant) fact of the flat answer once, and nothing else.
                let mut from_groups = BTreeSet::new();
                for g in &expanded.groups {
                    let members = g.members.as_ref().unwrap();
                    assert_eq!(g.identities, members.len(), "{label}: count of {}", g.grant);
                    if let Some(h) = &g.holder {
                        // The holder stands for itself, or every identity inside the group.
                        let inside = if engine.is_group(&h.id) {
                            let members = engine.index.transitive_members(&h.id);
                            members.iter().filter(|(m, _)| !engine.is_group(m)).count()
                        } else {
                            1
                        };
                        assert_eq!(h.identities, inside, "{label}: {}", h.id);
                    }
                    for m in members {
                        let key = (
                            m.id.clone(),
                            g.grant.clone(),
                            g.decision,
                            g.via_app.clone(),
                            m.via_groups.clone(),
                        );
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
                        from_flat.insert((
                            p.id.clone(),
                            String::new(),
                            p.decision,
                            p.via_app.clone(),
                            Vec::new(),
                        ));
                    }
                    for g in &p.grants {
                        let via: Vec<String> = g
                            .via_groups
                            .iter()
                            .filter(|v| **v != g.principal_id)
                            .cloned()
                            .collect();
                        from_flat.insert((
                            p.id.clone(),
                            g.id.clone(),
                            p.decision,
                            p.via_app.clone(),
                            via,
                        ));
                    }
                }
                assert_eq!(from_groups, from_flat, "{label}: grouped vs flat");
                let ids: BTreeSet<&str> = flat.principals.iter().map(|p| p.id.as_str()).collect();
                assert_eq!(grouped.answer.identities, ids.len(), "{label}");
                // Deny groups: whom a deny assignment stops, each denied by it with a grant in hand.
                for g in &expanded.denied {
                    for m in g.members.as_ref().unwrap() {
                        let v = ask(&m.id, g.via_app.as_deref());
                        assert_eq!(
                            v.decision,
                            kvaccess::eval::Decision::Denied,
                            "{label}: {}",
                            m.id
                        );
                        assert!(!v.grants.is_empty(), "{label}: {} holds no grant", m.id);
                        assert!(
                            v.denies.iter().any(|d| d.id == g.grant),
                            "{label}: {} not denied by {}",
                            m.id,
                            g.grant
                        );
                        compared += 1;
                    }
                }
                // The other sections: the flat lists' facts, in the groups.
                let facts_at = |groups: &[WhoCanGroup], at: fn(&WhoCanGroup) -> String| {
                    let mut out: Vec<(String, String)> = groups
                        .iter()
                        .flat_map(|g| {
                            g.members
                                .as_ref()
                                .unwrap()
                                .iter()
                                .map(move |m| (m.id.clone(), at(g)))
                        })
                        .collect();
                    out.sort();
                    out.dedup();
                    out
                };
                let facts = |groups: &[WhoCanGroup]| facts_at(groups, |g| g.grant.clone());
                let mut items: Vec<(String, String)> = flat
                    .on_items
                    .iter()
                    .flat_map(|p| p.items.iter().map(|(s, _)| (p.id.clone(), s.clone())))
                    .collect();
                items.sort();
                // An item's group is the assignment made there, and `check` at the item names it.
                for g in &expanded.on_items {
                    let item = Scope::parse(g.grant_scope.as_deref().unwrap()).unwrap();
                    let at_item = engine.target(&item);
                    for m in g.members.as_ref().unwrap() {
                        let subject = engine.subject(&m.id);
                        let v = engine
                            .check(&Request::new(&subject, &at_item, &action).from(origin.as_ref()))
                            .unwrap();
                        assert_eq!(v.decision, g.decision, "{label}: {} at {}", m.id, item.id());
                        assert!(
                            g.holder.is_none() || v.grants.iter().any(|x| x.id == g.grant),
                            "{label}: {} not granted by {} at the item",
                            m.id,
                            g.grant
                        );
                    }
                }
                // Its scope is the item.
                let item_of = |g: &WhoCanGroup| g.grant_scope.clone().unwrap_or_default();
                assert_eq!(
                    facts_at(&expanded.on_items, item_of),
                    items,
                    "{label}: on items"
                );
                let mut eligible: Vec<(String, String)> = flat
                    .eligible
                    .iter()
                    .flat_map(|p| p.eligible.iter().map(|g| (p.id.clone(), g.id.clone())))
                    .collect();
                eligible.sort();
                assert_eq!(facts(&expanded.eligible), eligible, "{label}: eligible");
                let mut levers: Vec<(String, String)> = flat
                    .can_grant_themselves
                    .iter()
                    .map(|f| (f.principal.id.clone(), f.grant.clone()))
                    .collect();
                levers.sort();
                let mut got = facts(&expanded.can_grant_themselves);
                got.dedup();
                levers.dedup();
                assert_eq!(got, levers, "{label}: can grant themselves");
                // Streamed: one row per (identity, application) of the flat answer, with its grants.
                let mut streamed = Vec::new();
                grouped
                    .each_row(&engine, |r| {
                        let d = &r.decided;
                        if d.section.is_none() {
                            streamed.push((
                                r.id.to_string(),
                                d.via_app.map(str::to_string),
                                d.decision,
                                d.grants.to_vec(),
                            ));
                        }
                        Ok::<_, ()>(())
                    })
                    .unwrap();
                let mut want: Vec<_> = flat
                    .principals
                    .iter()
                    .map(|p| {
                        (
                            p.id.clone(),
                            p.via_app.clone(),
                            p.decision,
                            p.grants.iter().map(|g| g.id.clone()).collect::<Vec<_>>(),
                        )
                    })
                    .collect();
                streamed.sort();
                want.sort();
                assert_eq!(streamed, want, "{label}: streamed vs flat");
                // Written as JSON lines (what `--output jsonl` prints): each row as serde_json writes it.
                let mut lines = Vec::new();
                grouped
                    .each_row(&engine, |r| {
                        serde_json::to_writer(&mut lines, r)?;
                        lines.push(b'\n');
                        Ok::<_, serde_json::Error>(())
                    })
                    .unwrap();
                let mut written = Vec::new();
                let n = grouped.write_jsonl(&engine, &mut written).unwrap();
                assert_eq!(n, lines.iter().filter(|&&b| b == b'\n').count(), "{label}");
                assert_eq!(
                    String::from_utf8_lossy(&written),
                    String::from_utf8_lossy(&lines),
                    "{label}: JSON lines"
                );
                compared += flat.principals.len();
            }
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

/// A verdict asked `without_ignored_mechanism` (as the grouped who-can asks) is `check`'s verdict less its
/// notes on the mechanism the vault ignores, for every principal, application, vault and item and data
/// operation. Returns the verdicts compared, and how many of `check`'s named a grant in such a note.
fn assert_without_ignored_mechanism_only_drops_its_notes(s: &Snapshot) -> (usize, usize) {
    use kvaccess::eval::{Gathered, Note};
    let engine = Engine::new(s.clone());
    let apps = apps_and_none(s);
    let scopes = s.vaults.iter().map(|v| &v.scope);
    let (mut compared, mut named) = (0, 0);
    for scope in scopes.chain(s.vault_items.iter().map(|i| &i.scope)) {
        let target = engine.target(scope);
        for p in &s.principals {
            let subject = engine.subject(&p.id);
            for app in &apps {
                for op in catalog::operations() {
                    let action = catalog::resolve(op.name).unwrap();
                    let request = Request::new(&subject, &target, &action).via_app(app.as_deref());
                    let Ok(full) = engine.check(&request) else {
                        continue;
                    };
                    let gathered = Gathered {
                        without_ignored_mechanism: true,
                        ..Gathered::default()
                    };
                    let lean = engine.check_gathered(&request, gathered).unwrap();
                    let mut expected = full.clone();
                    expected.notes.retain(|n| {
                        let ignored = matches!(
                            n,
                            Note::RbacInactive { .. } | Note::AccessPoliciesInactive { .. }
                        );
                        named += usize::from(matches!(
                            n,
                            Note::RbacInactive {
                                would_grant: Some(_)
                            } | Note::AccessPoliciesInactive {
                                would_grant: Some(_)
                            }
                        ));
                        !ignored
                    });
                    assert_eq!(lean, expected, "{} {app:?} {} at {scope}", p.id, op.name);
                    compared += 1;
                }
            }
        }
    }
    (compared, named)
}

#[test]
fn who_can_grouped_skips_only_the_notes_on_the_ignored_mechanism() {
    let (mut compared, mut named) =
        assert_without_ignored_mechanism_only_drops_its_notes(&kvaccess::snapshot::demo());
    for (_, snapshot) in scenarios::snapshots() {
        let (c, n) = assert_without_ignored_mechanism_only_drops_its_notes(&snapshot);
        compared += c;
        named += n;
    }
    assert!(compared > 10_000, "only {compared} verdicts compared");
    assert!(
        named > 10,
        "only {named} notes named a grant the vault ignores"
    );
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

proptest::proptest! {
    // A few synthetic tenants per run (PROPTEST_CASES for a longer hunt); each is compared on every scope.
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(3),
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// Synthetic tenants of random size and seed, with some identities dropped from the directory data
    /// (their grants remain: unknown) and conditions on some role assignments: the grouped who-can, expanded,
    /// is the flat answer, which is `check`'s.
    #[test]
    fn grouped_who_can_expands_to_the_flat_answer_on_random_tenants(
        seed in 0u64..100_000,
        principals in 30usize..90,
        vaults in 2usize..4,
        dropped in 0usize..4,
    ) {
        let mut s = kvaccess::synth::generate(&kvaccess::synth::SynthSpec::new(
            principals,
            vaults,
            principals * 2,
            seed,
        ));
        let step = (seed as usize % 7) + 3;
        let mut users = 0;
        s.principals.retain(|p| {
            let is_user = p.kind == kvaccess::model::PrincipalKind::User;
            users += usize::from(is_user);
            !(is_user && users % step == 0 && users / step <= dropped)
        });
        let condition = "((!(ActionMatches{'Microsoft.KeyVault/vaults/secrets/getSecret/action'})) OR \
            (@Resource[Microsoft.KeyVault/vaults/secrets:name] StringStartsWith 'app-'))";
        for a in s.role_assignments.iter_mut().skip(seed as usize % 5).step_by(9) {
            a.condition = Some(condition.to_string());
            a.condition_version = Some("2.0".to_string());
        }
        // A deny assignment on secrets (the deny fixture's) naming a group, with an identity excluded, at a
        // vault's resource group: it must split the classes of the identities it reaches.
        let deny = scenarios::snapshots()
            .into_iter()
            .flat_map(|(_, f)| f.deny_assignments)
            .find(|d| d.name == "Protect secrets and vault deletion")
            .unwrap();
        let groups: Vec<String> = s
            .principals
            .iter()
            .filter(|p| p.kind == kvaccess::model::PrincipalKind::Group)
            .map(|p| p.id.clone())
            .collect();
        let users: Vec<String> = s
            .principals
            .iter()
            .filter(|p| p.kind == kvaccess::model::PrincipalKind::User)
            .map(|p| p.id.clone())
            .collect();
        let at = s.vaults[seed as usize % s.vaults.len()].scope.structural_parent().unwrap();
        s.deny_assignments.push(kvaccess::model::DenyAssignment {
            id: format!("{}/providers/Microsoft.Authorization/denyAssignments/test", at.id()),
            scope: at,
            principals: vec![groups[seed as usize % groups.len()].clone()],
            exclude_principals: vec![users[seed as usize % users.len()].clone()],
            ..deny
        });
        assert_who_can_agrees(&s);
    }
}
