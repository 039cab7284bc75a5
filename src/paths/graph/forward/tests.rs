//! A node's control checks kept for its listing held to the evaluator's answer at each resource, and its
//! edges listed without the nodes already reached held to the whole list less those, on generated tenants
//! with PIM eligibilities, deny assignments, unreadable role assignments and principals absent from the
//! directory.

use proptest::prelude::*;

use rustc_hash::FxHashSet;

use super::super::runs_as::way_actions;
use super::super::{HopGraph, Skip, Step, Walk, Why};
use crate::synth::test_tenant::engine;

/// A runs-as edge onto a resource's identity (attaching a user-assigned identity is one too, listed with
/// the identities).
fn runs_as(s: &Step) -> bool {
    matches!(s.why, Why::RunsAs { .. })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Every `every`-th principal (groups too) asked about every way of every resource twice through one
    /// listing's memo (so the second round answers from it): each answer is the evaluator's at that resource.
    #[test]
    fn a_listings_control_checks_are_the_evaluators(
        seed in 0u64..1_000,
        errors in 0usize..2,
        denies in 0usize..3,
        absent in 3usize..12,
        every in 1usize..5,
    ) {
        let engine = engine(seed, absent, errors, denies);
        let graph = HopGraph::build(&engine);
        let walk = Walk::new(&engine, &graph);
        let fresh = Walk::new(&engine, &graph);
        let resources = engine.snapshot.hops.resources.iter().flatten().enumerate();
        let ways: Vec<_> = resources
            .filter_map(|(i, r)| Some((r, walk.host(i)?.1)))
            .flat_map(|(r, host)| host.ways.iter().map(move |w| (r, w)))
            .collect();
        let ids = engine.snapshot.principals.iter().step_by(every).map(|p| p.id.as_str());
        let (mut held, mut named) = (0, 0);
        for id in ids.chain(["not-in-the-directory"]) {
            let mut outward = walk.outward(id);
            for _round in 0..2 {
                for &(r, way) in &ways {
                    let key = std::ptr::from_ref(way) as usize;
                    let got = walk.controller_out(&mut outward, id, &r.scope, key, || way_actions(way));
                    let want = fresh.controller_asked(id, &r.scope, &way_actions(way));
                    prop_assert_eq!(format!("{got:?}"), format!("{want:?}"), "{} at {}", id, r.scope.id());
                    held += usize::from(got.is_some());
                }
            }
            named += outward.decided.len();
        }
        prop_assert!(held > 0, "nothing was held: the tenant tests nothing");
        prop_assert!(named > 0 || denies + errors > 0, "no answer was kept for a listing");
    }

    /// Each principal's edges listed with every `reached_every`-th principal (and every third controlled
    /// identity) reached are its whole list less the runs-as edges into those, in the same order.
    #[test]
    fn edges_past_the_reached_are_the_whole_list_less_them(
        seed in 0u64..1_000,
        denies in 0usize..3,
        reached_every in 2usize..7,
    ) {
        let engine = engine(seed, 50, 0, denies);
        let graph = HopGraph::build(&engine);
        let whole = Walk::new(&engine, &graph);
        let but = Walk::new(&engine, &graph);
        let mut reached: FxHashSet<String> = engine
            .snapshot
            .principals
            .iter()
            .step_by(reached_every)
            .map(|p| p.id.clone())
            .collect();
        let mut dropped = 0;
        for p in &engine.snapshot.principals {
            let all = whole.edges_out_of(&p.id);
            let want: Vec<String> = all
                .iter()
                .filter(|s| !runs_as(s) || !reached.contains(&s.to))
                .map(|s| format!("{s:?}"))
                .collect();
            let got: Vec<String> = but
                .edges_out_of_but(&p.id, Skip::Reached(&|id| reached.contains(id)))
                .iter()
                .map(|s| format!("{s:?}"))
                .collect();
            dropped += all.len() - want.len();
            prop_assert_eq!(got, want, "edges out of {}", &p.id);
            reached.extend(all.iter().filter(|s| runs_as(s)).step_by(3).map(|s| s.to.clone()));
        }
        prop_assert!(dropped > 0, "no runs-as edge led to a reached node: the tenant tests nothing");
    }
}
