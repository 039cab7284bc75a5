//! The grouped diff takes a changed cell's evidence at a vault once per key (the row's RBAC part for a
//! management operation, the row across vaults otherwise) and gives it to every class with that key, at
//! any vault. Classes with a key in common but a different answer — an access-policy entry of their own,
//! purge protection, a deny assignment, another principal kind — must still get their own evidence. Each
//! case grants a random role to a group or a user at a subscription, adds a member to a group, or takes a
//! role assignment or a membership away, on a tenant where random vaults differ in those ways: the grouped answer, expanded, must be the flat one
//! (whose evidence is `check` cell by cell), and the grants a lost cell had must be `check`'s before.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::*;
use kvaccess::catalog;
use kvaccess::eval::{Engine, Request};
use kvaccess::model::{PrincipalKind, Scope, Snapshot};
use kvaccess::synth::{SynthSpec, generate};
use kvaccess::whatif;
use proptest::prelude::*;
use serde_json::{Value, json};

const ROLES: [&str; 6] = [
    "Reader",
    "Contributor",
    "Owner",
    "Key Vault Contributor",
    "Key Vault Administrator",
    "Key Vault Secrets Officer",
];

fn ids(s: &Snapshot, kind: PrincipalKind) -> Vec<String> {
    s.principals
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| p.id.clone())
        .collect()
}

/// `base` with, on the vaults `picks` chooses, access-policy entries, purge protection turned over and a
/// deny assignment of management writes, each naming someone `picks` chooses.
fn varied(base: &Snapshot, picks: &[usize]) -> Snapshot {
    let users = ids(base, PrincipalKind::User);
    let groups = ids(base, PrincipalKind::Group);
    let vault = |k: usize| base.vaults[picks[k] % base.vaults.len()].scope.clone();
    let someone = |k: usize| {
        let n = picks[k] / 3;
        if n.is_multiple_of(2) || groups.is_empty() {
            users[n % users.len()].clone()
        } else {
            groups[n % groups.len()].clone()
        }
    };
    let changes: Vec<Value> = (0..4)
        .map(|k| {
            json!({"kind": "addAccessPolicy", "vault": vault(k).id(), "objectId": someone(k),
                   "permissions": {"secrets": ["get"], "keys": ["get", "list"]}})
        })
        .chain([
            json!({"kind": "addDenyAssignment", "scope": vault(4).id(), "principals": [someone(4)],
                   "permissions": [{"actions": ["*/write"], "notActions": [],
                                    "dataActions": [], "notDataActions": []}]}),
        ])
        .collect();
    let mut s = changes.into_iter().fold(base.clone(), |s, c| {
        let (c, _) = whatif::parse_change(0, &c).unwrap();
        whatif::apply(&s, &[c]).unwrap_or(s)
    });
    for k in 5..8 {
        let v = vault(k);
        if let Some(v) = s.vaults.iter_mut().find(|x| x.scope == v) {
            v.purge_protection = !v.purge_protection;
        }
    }
    s
}

/// Every lost cell's grants before are `check`'s in the snapshot before (a few identities per entry).
fn assert_grants_before(eb: &Engine, ea: &Engine) {
    let grouped = whatif::diff_grouped(eb, ea, None);
    for g in grouped.groups.iter().filter(|g| g.after < g.before) {
        let mut want: Vec<&str> = g.grants_before.iter().map(|x| x.id.as_str()).collect();
        want.sort_unstable();
        for (scope, members) in g.entries() {
            let target = eb.target(&Scope::parse(scope).unwrap());
            for id in members.iter().take(3) {
                let subject = eb.subject(id);
                for op in &g.operations {
                    let action = catalog::resolve(op).unwrap();
                    let request =
                        Request::new(&subject, &target, &action).via_app(g.via_app.as_deref());
                    let verdict = eb.check(&request).unwrap();
                    let mut got: Vec<&str> = verdict.grants.iter().map(|x| x.id.as_str()).collect();
                    got.sort_unstable();
                    assert_eq!(got, want, "grants before of {id} for {op} at {scope}");
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10),
        ..ProptestConfig::default()
    })]

    #[test]
    fn evidence_shared_by_key_is_checks(
        seed in 1u64..1_000,
        picks in prop::collection::vec(0usize..10_000, 10),
        role in 0usize..ROLES.len(),
        how in 0usize..5,
    ) {
        let base = varied(&generate(&SynthSpec::new(160, 16, 400, seed)), &picks);
        let users = ids(&base, PrincipalKind::User);
        let groups = ids(&base, PrincipalKind::Group);
        prop_assume!(!groups.is_empty());
        let group = groups[picks[8] % groups.len()].clone();
        let user = users[picks[9] % users.len()].clone();
        let sub = base.vaults[picks[9] % base.vaults.len()].scope.subscription().unwrap().to_string();
        let change = match how {
            0 => json!({"kind": "addRoleAssignment", "principal": group, "role": ROLES[role],
                        "scope": format!("/subscriptions/{sub}")}),
            1 => json!({"kind": "addRoleAssignment", "principal": user, "role": ROLES[role],
                        "scope": format!("/subscriptions/{sub}")}),
            2 => json!({"kind": "addGroupMember", "group": group, "member": user}),
            3 => {
                let at = picks[8] % base.role_assignments.len();
                let id = base.role_assignments.get(at).map(|a| a.id.clone());
                json!({"kind": "removeRoleAssignment", "id": id})
            }
            _ => {
                let m = &base.group_memberships[picks[8] % base.group_memberships.len()];
                json!({"kind": "removeGroupMember", "group": m.group_id, "member": m.member_id})
            }
        };
        let (change, _) = whatif::parse_change(0, &change).unwrap();
        let Ok(after) = whatif::apply(&base, &[change]) else {
            return Ok(());
        };
        assert_grouped_matches_flat(&base, &after, None);
        assert_grants_before(&Engine::new(base), &Engine::new(after));
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(16),
        ..ProptestConfig::default()
    })]

    /// `prepare_among` (the assignments naming the subject listed once) gives `prepare`'s row, at vaults,
    /// items and scopes above, directly and through an application.
    #[test]
    fn prepare_among_is_prepare(seed in 1u64..1_000, picks in prop::collection::vec(0usize..10_000, 12)) {
        let engine = Engine::new(generate(&SynthSpec::new(200, 20, 600, seed)));
        let s = &engine.snapshot;
        let targets: Vec<Scope> = s
            .vaults
            .iter()
            .map(|v| v.scope.clone())
            .chain(s.vault_items.iter().map(|i| i.scope.clone()))
            .chain(s.resource_groups.iter().map(|r| r.scope.clone()))
            .collect();
        for pick in picks.chunks(2) {
            let id = &s.principals[pick[0] % s.principals.len()].id;
            let subject = engine.subject(id);
            let named = engine.assignments_naming(&subject);
            let target = engine.target(&targets[pick[1] % targets.len()]);
            for app in [None, Some("11111111-2222-3333-4444-555555555555")] {
                prop_assert_eq!(
                    engine.prepare_among(&subject, &target, app, &named).key(),
                    engine.prepare(&subject, &target, app).key()
                );
            }
        }
    }
}
