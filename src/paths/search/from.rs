//! `paths --from`: forwards from one principal, and the vault data each node reached holds.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::convert::Infallible;

use rustc_hash::FxHashMap;

use super::super::graph::{HopGraph, Step, Walk};
use super::super::{PathsFrom, Reached};
use super::{Progress, Stopped, node_ref, weakest};
use crate::eval::Engine;
use crate::query::{NamedVaults, escalations_for_vault_among, vault_wide_access};

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
