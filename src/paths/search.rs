//! Breadth-first searches over the hop graph: backwards from a target's holders (`paths --to`) and
//! forwards from one principal (`paths --from`). Breadth-first, so every path found is a shortest one.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::convert::Infallible;

use rustc_hash::FxHashMap;

use super::graph::{HopGraph, Skip, Step, Walk, kind_of};
use super::{Hop, NodeRef, Path, PathGroup, PathsFrom, PathsTo, Reached, kind_word};
use crate::catalog::Action;
use crate::error::QueryError;
use crate::eval::{Decision, Engine};
use crate::model::Scope;
use crate::query::{NamedVaults, escalations_for_vault_among, vault_wide_access};

mod last_hops;

use last_hops::{flag_hops, last_hops};

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

/// The caller stopped the search.
struct Stopped;

/// Reports (done, total) and may stop the search with `E`.
type Progress<'p, E> = dyn FnMut(usize, usize) -> Result<(), E> + 'p;

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

fn weakest(hops: &[Hop]) -> Decision {
    hops.iter()
        .map(|h| h.decision)
        .fold(Decision::Allowed, Decision::and)
}

fn grant_key(last: &Hop) -> String {
    format!("{}: {}", last.kind.as_str(), last.evidence.join("; "))
}

/// The node in words; the names come from Azure, so control characters are stripped.
pub fn node_ref(engine: &Engine, id: &str) -> NodeRef {
    if let Some(rest) = id.strip_prefix("external:") {
        let subject = rest.rsplit('#').next().unwrap_or(rest);
        return NodeRef {
            id: crate::sanitize::clean(id).into_owned(),
            display_name: crate::sanitize::clean(subject).into_owned(),
            kind: "external".into(),
        };
    }
    let name = engine
        .index
        .principal
        .get(id)
        .and_then(|&i| engine.snapshot.principals.get(i))
        .map_or(id, |p| p.display_name.as_str());
    NodeRef {
        id: id.to_string(),
        display_name: crate::sanitize::clean(name).into_owned(),
        kind: kind_word(kind_of(engine, id)),
    }
}

/// Everything `start` can become in at most `max_hops` hops, and the vault data each of those holds.
pub fn paths_from(engine: &Engine, graph: &HopGraph, start: &str, max_hops: usize) -> PathsFrom {
    let mut never = |_, _| Ok::<(), Infallible>(());
    match search_from(engine, graph, start, max_hops, &mut never) {
        Ok(answer) => answer,
        Err(never) => match never {},
    }
}

/// [`paths_from`], telling `go_on` how far it is (nodes searched, then nodes whose vault data is known, of
/// those found) and stopping with `None` as soon as it returns `false`.
pub fn paths_from_with(
    engine: &Engine,
    graph: &HopGraph,
    start: &str,
    max_hops: usize,
    go_on: &mut dyn FnMut(usize, usize) -> bool,
) -> Option<PathsFrom> {
    let mut progress = |done, total| go_on(done, total).then_some(()).ok_or(Stopped);
    search_from(engine, graph, start, max_hops, &mut progress).ok()
}

/// Reached nodes whose vault data is computed (on every core) between two reports of progress.
const ACCESS_CHUNK: usize = 64;

fn search_from<E>(
    engine: &Engine,
    graph: &HopGraph,
    start: &str,
    max_hops: usize,
    progress: &mut Progress<E>,
) -> Result<PathsFrom, E> {
    let walk = Walk::new(engine, graph);
    let mut best: FxHashMap<String, (usize, Option<Step>)> = FxHashMap::default();
    best.insert(start.to_string(), (0, None));
    let mut order = vec![start.to_string()];
    let mut queue = VecDeque::from([start.to_string()]);
    let mut searched = 0;
    while let Some(node) = queue.pop_front() {
        progress(searched, best.len())?;
        searched += 1;
        let dist = best.get(&node).map_or(0, |b| b.0);
        if dist >= max_hops {
            continue;
        }
        for step in walk.edges_out_of(&node) {
            if !best.contains_key(&step.to) {
                queue.push_back(step.to.clone());
                order.push(step.to.clone());
                best.insert(step.to.clone(), (dist + 1, Some(step)));
            }
        }
    }
    let mut self_grants = self_grants_of(&walk, &order);
    // Each node's vault access is independent of the others': on every core, asking only the vaults where
    // something can name the node.
    let named = NamedVaults::new(engine);
    let mut access = Vec::with_capacity(order.len());
    for chunk in order.chunks(ACCESS_CHUNK) {
        progress(access.len(), order.len())?;
        let (done, _) =
            crate::parallel::over_pool(chunk, || (), |(), id| vault_access(engine, &named, id));
        access.extend(done);
    }
    let reached = order
        .iter()
        .zip(access)
        .map(|(id, mut vault_access)| {
            let mut hops = Vec::new();
            let mut node = id.clone();
            while let Some((_, Some(step))) = best.get(&node) {
                hops.push(walk.render(step));
                node = step.from.clone();
            }
            hops.reverse();
            vault_access.extend(
                walk.vault_hops_from(id)
                    .into_iter()
                    .map(|h| format!("{}: {}", h.to, h.explanation)),
            );
            vault_access.extend(self_grants.remove(id).unwrap_or_default());
            Reached {
                node: node_ref(engine, id),
                decision: weakest(&hops),
                hops,
                vault_access,
            }
        })
        .collect();
    Ok(PathsFrom {
        start: node_ref(engine, start),
        max_hops,
        reached,
        tenant_admins: graph.tenant_admins.clone(),
        unknown_because: graph.gaps.clone(),
    })
}

/// The one-hop self-grants of each of `ids` (identities), vault by vault: `vault: technique`. Each vault is
/// asked about the ids a grant at or above it can name (the others have none there).
fn self_grants_of(walk: &Walk, ids: &[String]) -> FxHashMap<String, Vec<String>> {
    let engine = walk.engine;
    let mut at: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for id in ids {
        if id.starts_with("external:") || engine.is_group(id) {
            continue;
        }
        let scopes = walk.reach_of(id);
        for v in walk.graph.vaults.reached_from(scopes.as_deref()) {
            at.entry(v).or_default().insert(id.clone());
        }
    }
    // Each vault's self-grants are independent of the others': on every core, in vault order.
    let at: Vec<(usize, BTreeSet<String>)> = at.into_iter().collect();
    let (found, _) = crate::parallel::over_pool(
        &at,
        || (),
        |(), (v, candidates)| match engine.snapshot.vaults.get(*v) {
            Some(vault) => escalations_for_vault_among(engine, vault, candidates),
            None => Vec::new(),
        },
    );
    let mut out: FxHashMap<String, Vec<String>> = FxHashMap::default();
    for findings in found {
        for f in findings {
            out.entry(f.principal.id.clone()).or_default().push(format!(
                "{}: {}",
                f.vault_id,
                f.technique.describe()
            ));
        }
    }
    out
}

/// `vault: group(summary), …` for every vault where `id` can use some operation.
fn vault_access(engine: &Engine, named: &NamedVaults, id: &str) -> Vec<String> {
    if id.starts_with("external:") {
        return Vec::new();
    }
    vault_wide_access(engine, named, id)
        .into_iter()
        .map(|(vault, cells)| {
            let cells: Vec<String> = cells
                .iter()
                .filter(|c| c.any())
                .map(|c| format!("{} ({})", c.group, c.summary()))
                .collect();
            format!("{}: {}", vault.name, cells.join(", "))
        })
        .collect()
}
