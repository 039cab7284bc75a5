//! `paths --from`: forwards from one principal, and the vault data each node reached holds.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::convert::Infallible;

use rustc_hash::FxHashMap;

use super::super::from_access::{BesideGroups, Groups, Lever, beside};
use super::super::graph::{HopGraph, Step, Walk};
use super::super::{DecidingGrant, LeverKind, PathsFrom, Reached};
use super::{Progress, Stopped, node_ref, weakest};
use crate::eval::{Engine, GrantKind};
use crate::query::{NamedVaults, VaultAccess, escalations_for_vault_among, vault_access_decided};

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
    let mut groups = Groups::default();
    let mut besides = BesideGroups::default();
    let position: FxHashMap<&str, usize> = engine
        .snapshot
        .vaults
        .iter()
        .enumerate()
        .map(|(at, v)| (v.scope.id(), at))
        .collect();
    let ops = crate::query::data_operations();
    let vault_at: FxHashMap<&str, usize> = engine
        .snapshot
        .vaults
        .iter()
        .enumerate()
        .map(|(at, v)| (v.scope.key(), at))
        .collect();
    let mut reached = Vec::with_capacity(order.len());
    for chunk in order.chunks(ACCESS_CHUNK) {
        progress(reached.len(), order.len())?;
        let (done, _) = crate::parallel::over_pool(
            chunk,
            || (),
            |(), id| {
                (
                    vault_access(engine, &named, id),
                    beside(engine, &vault_at, &ops, id),
                )
            },
        );
        for (id, (access, beside)) in chunk.iter().zip(done) {
            let mut hops = Vec::new();
            let mut node = id.clone();
            while let Some((_, Some(step))) = best.get(&node) {
                hops.push(walk.render(step));
                node = step.from.clone();
            }
            hops.reverse();
            let mut levers: Vec<Lever> = walk
                .vault_hops_from(id)
                .into_iter()
                .filter_map(|h| {
                    Some(Lever {
                        kind: LeverKind::VaultFlag,
                        at: *position.get(h.to.as_str())?,
                        technique: h.explanation,
                        decision: h.decision,
                        grant: None,
                        evidence: h.evidence,
                    })
                })
                .collect();
            levers.extend(self_grants.remove(id).unwrap_or_default());
            let (eligible, items) = besides.add(engine, &graph.vaults, beside);
            reached.push(Reached {
                node: node_ref(engine, id),
                decision: weakest(&hops),
                hops,
                vaults: access.len(),
                access: groups.add_access(engine, &access),
                levers: groups.add_levers(levers),
                items,
                eligible,
            });
        }
    }
    Ok(PathsFrom {
        start: node_ref(engine, start),
        max_hops,
        reached,
        access: groups.access,
        levers: groups.levers,
        items: besides.items,
        eligible: besides.eligible,
        tenant_admins: graph.tenant_admins.clone(),
        unknown_because: graph.gaps.clone(),
    })
}

/// The one-hop self-grants of each of `ids` (identities), vault by vault. Each vault is asked about the ids a
/// grant at or above it can name (the others have none there).
fn self_grants_of(walk: &Walk, ids: &[String]) -> FxHashMap<String, Vec<Lever>> {
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
    let mut out: FxHashMap<String, Vec<Lever>> = FxHashMap::default();
    for ((at, _), findings) in at.iter().zip(found) {
        for f in findings {
            out.entry(f.principal.id.clone()).or_default().push(Lever {
                kind: LeverKind::SelfGrant,
                at: *at,
                technique: f.technique.describe().to_string(),
                decision: f.decision,
                grant: Some(DecidingGrant {
                    kind: GrantKind::RoleAssignment,
                    id: f.grant.clone(),
                    holder: f.holder.clone().unwrap_or_else(|| f.principal.id.clone()),
                    role_name: f.role_name.clone(),
                    scope: f.grant_scope.clone().unwrap_or_default(),
                }),
                evidence: Vec::new(),
            });
        }
    }
    out
}

/// The vaults where `id` can use some operation, with what decides there.
fn vault_access<'a>(engine: &'a Engine, named: &NamedVaults, id: &str) -> Vec<VaultAccess<'a>> {
    if id.starts_with("external:") {
        return Vec::new();
    }
    vault_access_decided(engine, named, id)
}
