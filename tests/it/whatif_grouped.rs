//! The grouped what-if and diff answer is the flat answer, grouped: every group expanded gives exactly the
//! rows (identity, scope, operation, before, after, evidence) and escalation findings that the diff
//! computed identity by identity gives — itself held to `check` by `whatif_props`. On every scenario
//! fixture, on synthetic tenants with random change lists, and on a group change that reaches many
//! identities at many vaults (one class standing for thousands of members).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::*;
use crate::scenarios;
use kvaccess::eval::Engine;
use kvaccess::model::{PrincipalKind, Snapshot};
use kvaccess::synth::{SynthSpec, generate};
use kvaccess::whatif::{self, Change};

/// Seeds for `changes_from`: every change kind, a few of each.
fn seeds(n: u32) -> Vec<(u8, u32, u32, u32, u32)> {
    (0..n)
        .map(|i| {
            let k = (i % 13) as u8;
            (
                k,
                i.wrapping_mul(2_654_435_761),
                i * 7 + 3,
                i * 13 + 1,
                i * 31 + 5,
            )
        })
        .collect()
}

#[test]
fn every_fixture_with_changes() {
    for (file, base) in scenarios::snapshots() {
        for round in 0..3u32 {
            let s: Vec<_> = seeds(6 + round)
                .into_iter()
                .map(|(k, a, b, c, d)| (k, a ^ round, b, c, d))
                .collect();
            let changes = changes_from(&base, &s);
            let after = whatif::apply(&base, &changes).unwrap();
            eprintln!(
                "{} round {round}: {} changes",
                file.display(),
                changes.len()
            );
            assert_grouped_matches_flat(&base, &after, None);
        }
    }
}

#[test]
fn synthetic_tenants_with_random_changes() {
    for seed in 1..4 {
        let base = generate(&SynthSpec::new(400, 24, 900, seed));
        let changes = changes_from(&base, &seeds(12 + seed as u32));
        assert!(!changes.is_empty());
        let after = whatif::apply(&base, &changes).unwrap();
        assert_grouped_matches_flat(&base, &after, None);
    }
}

/// The group with the most identities in a snapshot.
fn biggest_group(s: &Snapshot) -> (String, usize) {
    let e = Engine::new(s.clone());
    s.principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::Group)
        .map(|p| {
            let n = e
                .index
                .transitive_members(&p.id)
                .iter()
                .filter(|(m, _)| !e.is_group(m))
                .count();
            (p.id.clone(), n)
        })
        .max_by_key(|(id, n)| (*n, std::cmp::Reverse(id.clone())))
        .unwrap()
}

#[test]
fn a_big_group_at_a_subscription_is_a_few_groups() {
    let base = generate(&SynthSpec::new(400, 16, 700, 5));
    let (group, members) = biggest_group(&base);
    assert!(
        members > 50,
        "the tenant's biggest group has {members} identities"
    );
    let sub = base.subscriptions[0].scope.id().to_string();
    let changes = vec![
        Change::AddRoleAssignment {
            principal: group.clone(),
            role: "Key Vault Reader".into(),
            scope: sub.clone(),
            condition: None,
            condition_version: None,
            id: None,
        },
        Change::AddRoleAssignment {
            principal: group.clone(),
            role: "Key Vault Secrets Officer".into(),
            scope: sub,
            condition: None,
            condition_version: None,
            id: None,
        },
    ];
    let after = whatif::apply(&base, &changes).unwrap();
    assert_grouped_matches_flat(&base, &after, None);
    let (eb, ea) = (Engine::new(base), Engine::new(after));
    let g = whatif::diff_grouped(&eb, &ea, None);
    assert!(g.gained > members, "{} cells gained", g.gained);
    assert!(
        g.groups.len() * 20 < g.gained,
        "{} groups for {} cells",
        g.groups.len(),
        g.gained
    );
    // One member per class was compared: fewer (identity, vault) pairs than the identities reached.
    let vaults = g.stats.vaults;
    assert!(
        g.stats.classes > 0 && g.stats.pairs < members * vaults,
        "{:?}",
        g.stats
    );
    let top = &g.groups[0];
    assert!(top.gained && top.identities > 1);
    assert!(
        top.grants
            .iter()
            .any(|x| x.holder.id == group && x.holder.identities == members)
    );
}
