//! The candidates by scope held to `who-can`'s expansion of every grant at and above each resource, which
//! the walks asked before the index, on generated tenants with identities absent from the directory, PIM
//! eligibilities, nested groups and unreadable role assignments.

use proptest::prelude::*;

use super::super::runs_as::{Controller, way_actions};
use super::super::{HopGraph, Walk};
use crate::eval::Engine;
use crate::model::Scope;
use crate::synth::{SynthSpec, generate};

/// A generated tenant with every hop section; every `absent`-th principal left out of the directory (its
/// grants and memberships stay, so it is only named), and `errors` subscriptions whose role assignments
/// could not be read.
fn engine(seed: u64, absent: usize, errors: usize) -> Engine {
    let spec = SynthSpec {
        compute_resources: 40,
        applications: 10,
        role_eligibilities: 20,
        collection_errors: errors,
        ..SynthSpec::new(200, 10, 400, seed)
    };
    let mut s = generate(&spec);
    let mut i = 0;
    s.principals.retain(|_| {
        i += 1;
        i % absent != 0
    });
    Engine::new(s)
}

/// What [`Walk::controllers`] asked before the index: `who-can`'s candidates at the resource, and the groups
/// a grant at or above it names.
fn expanded(walk: &Walk, scope: &Scope, actions: &[crate::catalog::Action]) -> Vec<Controller> {
    let Some(first) = actions.first() else {
        return Vec::new();
    };
    let target = walk.target(scope);
    let mut groups: Vec<String> = target
        .ancestry
        .scopes
        .iter()
        .flat_map(|s| walk.engine.assignments_at(s))
        .map(|(_, a)| a.principal_id.clone())
        .filter(|id| walk.engine.is_group(id))
        .collect();
    groups.sort();
    groups.dedup();
    let candidates = walk.whole_candidates(scope, first);
    let mut out: Vec<Controller> = candidates
        .iter()
        .chain(&groups)
        .filter_map(|id| walk.controller(id, scope, actions))
        .collect();
    out.sort_by(|a, b| (a.eligible, &a.id).cmp(&(b.eligible, &b.id)));
    out
}

fn words(cs: &[Controller]) -> Vec<String> {
    cs.iter().map(|c| format!("{c:?}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    #[test]
    fn indexed_controllers_are_the_expanded_ones(
        seed in 0u64..1_000,
        absent in 3usize..12,
        errors in 0usize..2,
    ) {
        let engine = engine(seed, absent, errors);
        let graph = HopGraph::build(&engine);
        let walk = Walk::new(&engine, &graph);
        let fresh = Walk::new(&engine, &graph);
        let mut asked = 0;
        for (i, r) in engine.snapshot.hops.resources.iter().flatten().enumerate() {
            let Some((_, host)) = walk.host(i) else {
                continue;
            };
            for way in host.ways {
                let actions = way_actions(way);
                let mut union: Vec<String> = walk
                    .candidates(&r.scope, &actions[0])
                    .iter()
                    .flat_map(|l| l.iter().cloned())
                    .collect();
                union.sort();
                union.dedup();
                let whole = fresh.whole_candidates(&r.scope, &actions[0]);
                prop_assert_eq!(&union, &*whole, "candidates at {}", r.scope.id());
                let indexed = walk.controllers(&r.scope, &actions, &|_| false);
                prop_assert_eq!(words(&indexed), words(&expanded(&fresh, &r.scope, &actions)));
                asked += indexed.len();
            }
        }
        prop_assert!(asked > 0, "no resource has a controller: the tenant tests nothing");
    }
}
