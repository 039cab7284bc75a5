//! `paths --to`: backwards from the target's holders.

use std::collections::VecDeque;
use std::collections::hash_map::{Entry, VacantEntry};
use std::convert::Infallible;

use rustc_hash::FxHashMap;

use super::super::graph::{HopGraph, Skip, Step, Walk};
use super::super::{PathsTo, PathsToGrouped};
use super::last_hops::{LastHop, flag_hops, last_hops};
use super::{Progress, Stopped};
use crate::catalog::Action;
use crate::error::QueryError;
use crate::eval::Engine;
use crate::model::Scope;

mod tree;

/// Every identity or external subject that can reach `action` at `scope` in at most `max_hops` hops, one
/// path per start (the grouped answer, [`paths_to_grouped`], expanded).
pub fn paths_to(
    engine: &Engine,
    graph: &HopGraph,
    scope: &Scope,
    action: &Action,
    max_hops: usize,
) -> Result<PathsTo, QueryError> {
    Ok(paths_to_grouped(engine, graph, scope, action, max_hops)?.flat(engine))
}

/// [`paths_to`] grouped by the grant at the last hop, the holder it names and the ways into it.
pub fn paths_to_grouped(
    engine: &Engine,
    graph: &HopGraph,
    scope: &Scope,
    action: &Action,
    max_hops: usize,
) -> Result<PathsToGrouped, QueryError> {
    let mut never = |_, _| Ok::<(), Infallible>(());
    match search_to(engine, graph, scope, action, max_hops, &mut never)? {
        Ok(answer) => Ok(answer),
        Err(never) => match never {},
    }
}

/// [`paths_to_grouped`], telling `go_on` how far the search is (nodes searched, nodes found so far) and
/// stopping with `None` as soon as it returns `false`.
pub fn paths_to_grouped_with(
    engine: &Engine,
    graph: &HopGraph,
    scope: &Scope,
    action: &Action,
    max_hops: usize,
    go_on: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<Option<PathsToGrouped>, QueryError> {
    let mut progress = |done, total| go_on(done, total).then_some(()).ok_or(Stopped);
    Ok(search_to(engine, graph, scope, action, max_hops, &mut progress)?.ok())
}

fn search_to<E>(
    engine: &Engine,
    graph: &HopGraph,
    scope: &Scope,
    action: &Action,
    max_hops: usize,
    progress: &mut Progress<E>,
) -> Result<Result<PathsToGrouped, E>, QueryError> {
    let best = match reach(engine, graph, scope, action, max_hops, progress)? {
        Ok(best) => best,
        Err(stop) => return Ok(Err(stop)),
    };
    let groups = tree::grouped(engine, &Walk::new(engine, graph), &best);
    Ok(Ok(PathsToGrouped {
        scope: scope.id().to_string(),
        action: action.label.clone(),
        max_hops,
        starts: groups.iter().map(|g| g.starts).sum(),
        groups,
        tenant_admins: graph.tenant_admins.clone(),
        unknown_because: graph.gaps.clone(),
    }))
}

/// Every node that reaches the target in at most `max_hops` hops, with the edge it takes towards it.
fn reach<E>(
    engine: &Engine,
    graph: &HopGraph,
    scope: &Scope,
    action: &Action,
    max_hops: usize,
    progress: &mut Progress<E>,
) -> Result<Result<Best, E>, QueryError> {
    let walk = Walk::new(engine, graph);
    let mut sinks = last_hops(engine, scope, action)?;
    sinks.extend(flag_hops(&walk, scope, action));
    let mut best = Best::default();
    // Each node queued by number with its distance: dequeuing it looks nothing up.
    let mut queue: VecDeque<(u32, usize)> = VecDeque::new();
    // The membership graph's nodes reached, by number (the walk's lists hold numbers: `Skip::Marked`).
    let nodes = engine.index.memberships();
    let mut marked = vec![false; nodes.node_count()];
    let mark = |marked: &mut [bool], id: &str| {
        if let Some(m) = nodes.node(id).and_then(|n| marked.get_mut(n as usize)) {
            *m = true;
        }
    };
    for last in sinks {
        if let Entry::Vacant(slot) = best.number.entry(last.hop.from.clone()) {
            mark(&mut marked, &last.hop.from);
            queue.push_back((push(slot, &mut best.vias, Via::Last(last)), 1));
        }
    }
    let mut searched = 0;
    while let Some((n, dist)) = queue.pop_front() {
        if let Err(stop) = progress(searched, best.vias.len()) {
            return Ok(Err(stop));
        }
        searched += 1;
        if dist >= max_hops {
            continue;
        }
        let node = best.id(n).to_string();
        let reached = |id: &str| best.number.contains_key(id);
        let steps = walk.edges_into(&node, Skip::Marked(&reached, &marked));
        for step in steps {
            // One look-up per edge: the first edge from each node is kept.
            if let Entry::Vacant(slot) = best.number.entry(step.from.clone()) {
                mark(&mut marked, &step.from);
                queue.push_back((push(slot, &mut best.vias, Via::Step(step)), dist + 1));
            }
        }
    }
    // Putting edges into words asks the evaluator nothing: the search's memos go (with `walk`) before the
    // tree is built.
    Ok(Ok(best))
}

/// Every node reached, numbered in the order reached, with the edge it takes towards the target: the tree
/// reads the nodes by number, never looking an id up again.
#[derive(Default)]
pub(super) struct Best {
    number: FxHashMap<String, u32>,
    /// By number.
    vias: Vec<Via>,
}

/// Numbers the node `slot` holds the id of (in [`Best::number`]), reached by `via` (into [`Best::vias`]).
fn push(slot: VacantEntry<String, u32>, vias: &mut Vec<Via>, via: Via) -> u32 {
    let n = vias.len() as u32;
    slot.insert(n);
    vias.push(via);
    n
}

impl Best {
    /// The edge node `n` takes towards the target.
    fn via(&self, n: u32) -> &Via {
        &self.vias[n as usize]
    }

    /// The id of node `n`.
    fn id(&self, n: u32) -> &str {
        match self.via(n) {
            Via::Step(step) => &step.from,
            Via::Last(last) => &last.hop.from,
        }
    }

    /// The number of the node `id`, when reached.
    fn number(&self, id: &str) -> Option<u32> {
        self.number.get(id).copied()
    }

    /// How many nodes are reached: they are numbered from 0 below this.
    fn len(&self) -> u32 {
        self.vias.len() as u32
    }

    /// The edge the node `id` takes towards the target, when reached.
    #[cfg(test)]
    fn get(&self, id: &str) -> Option<&Via> {
        self.number(id).map(|n| self.via(n))
    }
}

/// How a node reached by `paths --to` goes on towards the target: an edge of the graph, or the last hop.
enum Via {
    Step(Step),
    Last(LastHop),
}
