//! A node's control checks kept for its listing held to the evaluator's answer at each resource, and its
//! edges listed without the nodes already reached held to the whole list less those, on generated tenants
//! with PIM eligibilities, deny assignments, unreadable role assignments and principals absent from the
//! directory.

use proptest::prelude::*;

use rustc_hash::FxHashSet;

use std::rc::Rc;

use super::super::identities::{
    Foothold, assign, attach_step, foothold, foothold_actions, write_federated, writes_step,
};
use super::super::runs_as::way_actions;
use super::super::{HopGraph, Skip, Step, Walk, Why};
use super::{Asks, Place};
use crate::catalog::Action;
use crate::eval::Target;
use crate::model::Scope;
use crate::synth::test_tenant::engine;

/// A runs-as edge onto a resource's identity (attaching a user-assigned identity is one too, listed with
/// the identities).
fn runs_as(s: &Step) -> bool {
    matches!(s.why, Why::RunsAs { .. })
}

/// An edge onto a user-assigned identity from a principal that writes its federated credentials or
/// attaches it.
fn onto_identity(s: &Step) -> bool {
    matches!(s.why, Why::WritesFederated { .. } | Why::Attaches { .. })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Every `every`-th principal (groups too) asked every check of a listing (the runs-as and foothold ways
    /// of every resource, writing and assigning every user-assigned identity) twice through one listing's
    /// memo (so the second round answers from it): each answer is the evaluator's at that resource.
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
        // Every check a listing makes, each key with its actions: each way of each compute resource, to run
        // code and (a foothold) to update it and run code, and writing and assigning each user-assigned
        // identity.
        let mut asked: Vec<(Place, &Scope, Asks, Vec<Action>)> = Vec::new();
        for (i, r, host) in resources.filter_map(|(i, r)| Some((i, r, walk.host(i)?.1))) {
            let place = Place::Resource(i);
            for way in host.ways {
                let at = std::ptr::from_ref(way) as usize;
                asked.push((place, &r.scope, Asks::RunsAs(at), way_actions(way)));
                asked.push((place, &r.scope, Asks::Foothold(at), foothold_actions(host, way)));
            }
        }
        for (at, uai) in graph.uais.iter().enumerate() {
            let place = Place::Uai(at);
            asked.push((place, &uai.scope, Asks::WriteFederated, write_federated().to_vec()));
            asked.push((place, &uai.scope, Asks::Assign, assign().to_vec()));
        }
        let ids = engine.snapshot.principals.iter().step_by(every).map(|p| p.id.as_str());
        let (mut held, mut named) = (0, 0);
        for id in ids.chain(["not-in-the-directory"]) {
            let mut outward = walk.outward(id);
            for _round in 0..2 {
                for (place, scope, key, actions) in &asked {
                    let got = walk.controller_out(&mut outward, id, *place, *key, || actions.clone());
                    let want = fresh.controller_asked(id, scope, actions);
                    prop_assert_eq!(format!("{got:?}"), format!("{want:?}"), "{} at {} ({:?})", id, scope.id(), key);
                    held += usize::from(got.is_some());
                }
            }
            named += outward.decided.len();
        }
        // What the checks read of each place, kept by its position, is that place's own.
        for (place, scope, _, _) in &asked {
            let Some(at) = walk.at_place(*place) else {
                return Err(TestCaseError::fail(format!("{place:?} has no scope")));
            };
            let want = engine.target(scope);
            let ids = |t: &Target| t.ancestry.scopes.iter().map(|s| s.id().to_string()).collect::<Vec<_>>();
            prop_assert_eq!(at.scope.id(), scope.id(), "{:?}", place);
            prop_assert_eq!(ids(&at.target), ids(&want), "{:?}", place);
            prop_assert_eq!(at.quiet, walk.decided_above(&want), "{:?}", place);
        }
        // A generated tenant with none is skipped, not failed (a few seeds give none); were every tenant
        // to give none, proptest would fail the test for rejecting too many cases.
        prop_assume!(held > 0, "nothing was held: the tenant tests nothing");
        prop_assert!(named > 0 || denies + errors > 0, "no answer was kept for a listing");
    }

    /// Each principal's edges listed with every `reached_every`-th principal (and every third controlled
    /// identity) reached are its whole list less the runs-as and identity edges into those, in the same
    /// order.
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
        let (mut dropped, mut onto_identities) = (0, 0);
        for p in &engine.snapshot.principals {
            let all = whole.edges_out_of(&p.id);
            let want: Vec<String> = all
                .iter()
                .filter(|s| !(runs_as(s) || onto_identity(s)) || !reached.contains(&s.to))
                .map(|s| format!("{s:?}"))
                .collect();
            let got: Vec<String> = but
                .edges_out_of_but(&p.id, Skip::Reached(&|id| reached.contains(id)))
                .iter()
                .map(|s| format!("{s:?}"))
                .collect();
            dropped += all.len() - want.len();
            onto_identities += all.iter().filter(|s| onto_identity(s) && reached.contains(&s.to)).count();
            prop_assert_eq!(got, want, "edges out of {}", &p.id);
            reached.extend(all.iter().filter(|s| runs_as(s)).step_by(3).map(|s| s.to.clone()));
        }
        prop_assume!(dropped > 0, "no runs-as edge led to a reached node: the tenant tests nothing");
        prop_assume!(onto_identities > 0, "no identity edge led to a reached node: the tenant tests nothing");
    }
}

/// A principal's first foothold asked of the evaluator resource by resource and way by way, nothing kept.
fn foothold_asked(walk: &Walk, id: &str) -> Option<Rc<Foothold>> {
    let resources = walk
        .engine
        .snapshot
        .hops
        .resources
        .iter()
        .flatten()
        .enumerate();
    for (r, host) in resources.filter_map(|(i, r)| Some((r, walk.host(i)?.1))) {
        for way in host.ways.iter().filter(|w| w.unless.is_none() && !w.data) {
            let c = walk.controller_asked(id, &r.scope, &foothold_actions(host, way));
            if let Some(c) = c.filter(|c| !c.eligible) {
                return Some(Rc::new(foothold(r, host, way, c)));
            }
        }
    }
    None
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Each principal's edges onto user-assigned identities (writing their federated credentials, attaching
    /// them to a resource it controls), listed with a listing's memo, are those the evaluator gives asked
    /// identity by identity.
    #[test]
    fn a_nodes_identity_edges_are_the_evaluators(
        seed in 0u64..1_000,
        errors in 0usize..2,
        denies in 0usize..3,
        every in 1usize..4,
    ) {
        let engine = engine(seed, 8, errors, denies);
        let graph = HopGraph::build(&engine);
        let walk = Walk::new(&engine, &graph);
        let fresh = Walk::new(&engine, &graph);
        let mut found = 0;
        for p in engine.snapshot.principals.iter().step_by(every) {
            let id = p.id.as_str();
            let foothold = foothold_asked(&fresh, id);
            let mut want: Vec<Step> = Vec::new();
            for (at, uai) in graph.uais.iter().enumerate() {
                if let Some(c) = fresh.controller_asked(id, &uai.scope, &write_federated()) {
                    want.push(writes_step(c, &uai.principal_id, at));
                }
                if let (Some(c), Some(f)) = (fresh.controller_asked(id, &uai.scope, &assign()), &foothold) {
                    want.push(attach_step(c, Rc::clone(f), &uai.principal_id, at));
                }
            }
            let got: Vec<String> = walk
                .edges_out_of(id)
                .iter()
                .filter(|s| matches!(s.why, Why::WritesFederated { .. } | Why::Attaches { .. }))
                .map(|s| format!("{s:?}"))
                .collect();
            let want: Vec<String> = want.iter().map(|s| format!("{s:?}")).collect();
            found += want.len();
            prop_assert_eq!(got, want, "identity edges out of {}", id);
        }
        prop_assume!(found > 0, "no identity edge: the tenant tests nothing");
    }
}
