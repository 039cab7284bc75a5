//! Footholds found from the answers a walk shares per nearest scope naming a principal and way, held to
//! the evaluator's answer asked at every resource in turn, on generated tenants with identities absent
//! from the directory, PIM eligibilities, nested groups, deny assignments and unreadable role assignments.

use proptest::prelude::*;

use super::super::{HopGraph, Walk};
use super::{foothold, foothold_actions};
use crate::synth::test_tenant::engine;

/// The first resource and way where `id` can update and run code without a PIM activation, asked of each
/// resource in turn, and how many ways were asked.
fn asked_at_each(walk: &Walk, id: &str, vms_only: bool) -> (Option<String>, usize) {
    let scopes = walk.reach_of(id);
    let places = walk.graph.compute.reached_from(scopes.as_deref());
    let mut asked = 0;
    for (r, host, way) in walk.foothold_ways(&places, vms_only) {
        asked += 1;
        if let Some(c) = walk.controller(id, &r.scope, &foothold_actions(host, way))
            && !c.eligible
        {
            return (Some(format!("{:?}", foothold(r, host, way, c))), asked);
        }
    }
    (None, asked)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// Every principal's foothold (any compute resource, then virtual machines only) is the one asking
    /// each resource in turn finds, although a walk asks once per nearest scope naming it and way.
    #[test]
    fn a_foothold_is_the_first_resource_asked_in_turn(
        seed in 0u64..1_000,
        absent in 3usize..12,
        errors in 0usize..2,
        denies in 0usize..3,
    ) {
        let engine = engine(seed, absent, errors, denies);
        let graph = HopGraph::build(&engine);
        let walk = Walk::new(&engine, &graph);
        let fresh = Walk::new(&engine, &graph);
        let mut asked = 0;
        for p in &engine.snapshot.principals {
            for vms_only in [false, true] {
                let shared = walk.foothold(&p.id, vms_only).map(|f| format!("{f:?}"));
                let (want, ways) = asked_at_each(&fresh, &p.id, vms_only);
                prop_assert_eq!(&shared, &want, "{} (virtual machines only: {})", p.id, vms_only);
                asked += ways;
            }
        }
        prop_assert!(asked > 0, "no principal can be named at a compute resource: the tenant tests nothing");
    }
}

/// Generated tenants give footholds: the property above is not held by answers that are all "none".
#[test]
fn generated_tenants_have_footholds() {
    let engine = engine(42, 5, 0, 0);
    let graph = HopGraph::build(&engine);
    let walk = Walk::new(&engine, &graph);
    let found = engine.snapshot.principals.iter();
    let found = found.filter(|p| walk.foothold(&p.id, false).is_some());
    assert!(found.count() > 0);
}
