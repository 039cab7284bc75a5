//! `paths --to`: backwards from the target's holders.

use std::collections::VecDeque;
use std::convert::Infallible;

use rustc_hash::FxHashMap;

use super::super::graph::{HopGraph, Skip, Step, Walk};
use super::super::{Hop, Path, PathGroup, PathsTo};
use super::last_hops::{flag_hops, last_hops};
use super::{Progress, Stopped, node_ref, weakest};
use crate::catalog::Action;
use crate::error::QueryError;
use crate::eval::Engine;
use crate::model::Scope;

/// Every identity or external subject that can reach `action` at `scope` in at most `max_hops` hops.
pub fn paths_to(
    engine: &Engine,
    graph: &HopGraph,
    scope: &Scope,
    action: &Action,
    max_hops: usize,
) -> Result<PathsTo, QueryError> {
    let mut never = |_, _| Ok::<(), Infallible>(());
    match search_to(engine, graph, scope, action, max_hops, &mut never)? {
        Ok(answer) => Ok(answer),
        Err(never) => match never {},
    }
}

/// [`paths_to`], telling `go_on` how far the search is (nodes searched, nodes found so far) and stopping
/// with `None` as soon as it returns `false`.
pub fn paths_to_with(
    engine: &Engine,
    graph: &HopGraph,
    scope: &Scope,
    action: &Action,
    max_hops: usize,
    go_on: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<Option<PathsTo>, QueryError> {
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
) -> Result<Result<PathsTo, E>, QueryError> {
    let walk = Walk::new(engine, graph);
    let mut sinks = last_hops(engine, scope, action)?;
    sinks.extend(flag_hops(&walk, scope, action));
    // node → (distance, the edge it takes towards the target)
    let mut best: FxHashMap<String, (usize, Via)> = FxHashMap::default();
    let mut queue: VecDeque<String> = VecDeque::new();
    for hop in sinks {
        if !best.contains_key(&hop.from) {
            queue.push_back(hop.from.clone());
            best.insert(hop.from.clone(), (1, Via::Last(hop)));
        }
    }
    let mut searched = 0;
    while let Some(node) = queue.pop_front() {
        if let Err(stop) = progress(searched, best.len()) {
            return Ok(Err(stop));
        }
        searched += 1;
        let Some(&(dist, _)) = best.get(&node) else {
            continue;
        };
        if dist >= max_hops {
            continue;
        }
        for step in walk.edges_into(&node, Skip::Reached(&|id| best.contains_key(id))) {
            if !best.contains_key(&step.from) {
                queue.push_back(step.from.clone());
                best.insert(step.from.clone(), (dist + 1, Via::Step(step)));
            }
        }
    }
    // Many starts share the rest of their way (every member of a group goes on through the group): each
    // node's hop is put into words once, and each grant's key once.
    let mut said: FxHashMap<&str, Hop> = FxHashMap::default();
    let mut keys: FxHashMap<&str, std::rc::Rc<str>> = FxHashMap::default();
    let mut groups: FxHashMap<std::rc::Rc<str>, Vec<Path>> = FxHashMap::default();
    for start in best.keys() {
        if engine.is_group(start) {
            continue; // groups are stepping stones, not attackers
        }
        let (hops, sink) = chain(&walk, &best, start, &mut said);
        let Some(last) = hops.last() else {
            continue;
        };
        let key = keys
            .entry(sink)
            .or_insert_with(|| grant_key(last).into())
            .clone();
        groups
            .entry(key)
            .or_default()
            .push(path(engine, start, hops));
    }
    let mut groups: Vec<PathGroup> = groups
        .into_iter()
        .map(|(grant, mut paths)| {
            paths.sort_by(|a, b| {
                (a.hops.len(), &a.start.display_name, &a.start.id).cmp(&(
                    b.hops.len(),
                    &b.start.display_name,
                    &b.start.id,
                ))
            });
            PathGroup {
                grant: grant.to_string(),
                paths,
            }
        })
        .collect();
    groups.sort_by(|a, b| {
        let len = |g: &PathGroup| g.paths.first().map_or(0, |p| p.hops.len());
        (len(a), &a.grant).cmp(&(len(b), &b.grant))
    });
    Ok(Ok(PathsTo {
        scope: scope.id().to_string(),
        action: action.label.clone(),
        max_hops,
        groups,
        tenant_admins: graph.tenant_admins.clone(),
        unknown_because: graph.gaps.clone(),
    }))
}

/// How a node reached by `paths --to` goes on towards the target: an edge of the graph, or the last hop.
enum Via {
    Step(Step),
    Last(Hop),
}

/// The hops from `start` to the target, following each node's best edge, in words (each node's hop put
/// into words once, in `said`), and the node whose hop is the last.
fn chain<'b>(
    walk: &Walk,
    best: &'b FxHashMap<String, (usize, Via)>,
    start: &'b str,
    said: &mut FxHashMap<&'b str, Hop>,
) -> (Vec<Hop>, &'b str) {
    let mut hops = Vec::new();
    let mut node = start;
    while let Some((key, (_, via))) = best.get_key_value(node) {
        let hop = said.entry(key.as_str()).or_insert_with(|| match via {
            Via::Last(hop) => hop.clone(),
            Via::Step(step) => walk.render(step),
        });
        hops.push(hop.clone());
        match via {
            Via::Last(_) => return (hops, key.as_str()),
            Via::Step(step) => node = step.to.as_str(),
        }
    }
    (hops, node)
}

fn path(engine: &Engine, start: &str, hops: Vec<Hop>) -> Path {
    Path {
        start: node_ref(engine, start),
        decision: weakest(&hops),
        needs_activation: hops.iter().any(|h| h.eligible),
        hops,
    }
}

fn grant_key(last: &Hop) -> String {
    format!("{}: {}", last.kind.as_str(), last.evidence.join("; "))
}
