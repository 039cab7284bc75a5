//! `paths --from`: forwards from one principal, and the vault data each node reached holds.

mod handed;

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::super::from_access::{
    BesideGroups, EligibilitiesOf, Groups, Held, HeldAt, Lever, SelfGrants, beside,
};
use super::super::graph::{HopGraph, Skip, Step, Walk};
use super::super::{DecidingGrant, LeverKind, PathsFrom, Reached};
use super::{Progress, Stopped, node_ref, weakest};
use crate::eval::{Engine, GrantKind, Target};
use crate::query::{DecidedCells, Finding, NamedVaults, RowFindings, each_named_vault_alike};
use handed::{Handed, Next};

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

/// Reached nodes whose vault data is grouped between two reports of progress.
const ACCESS_CHUNK: usize = 64;

fn search_from<'e, E>(
    engine: &'e Engine,
    graph: &HopGraph,
    start: &str,
    max_hops: usize,
    progress: &mut Progress<E>,
) -> Result<PathsFrom, E> {
    let walk = Walk::new(engine, graph);
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
    // Each node's vault access is independent of the walk and of the others': asked only at the vaults
    // where something can name the node, its self-grants read from the same rows (a vault where no role
    // assignment names it or its groups has none), each thread keeping the vaults' targets and cells it
    // asked. What can name a node at each vault is gathered first, on the other core, which then asks the
    // nodes as the walk finds them; this thread, once the walk is over, groups the answers in the walk's
    // order and asks the nodes left over between them.
    let eligibilities = EligibilitiesOf::new(engine);
    let named: OnceLock<NamedVaults> = OnceLock::new();
    let handed = Handed::default();
    let ask = |worker: &mut Worker<'e>, named: &NamedVaults, id: &str| {
        let (access, self_grants) = vault_access(engine, named, worker, id);
        (
            access,
            self_grants,
            beside(engine, &vault_at, &ops, &eligibilities, id),
        )
    };
    let ((), found) = crate::parallel::both(
        || {
            let _done = handed.helper_done();
            let named = named.get_or_init(|| NamedVaults::new(engine));
            let mut worker = Worker::default();
            while let Some((place, id)) = handed.take() {
                handed.put(place, ask(&mut worker, named, &id));
            }
        },
        || {
            let (best, order) =
                match walk_from(&walk, start, max_hops, progress, &|id| handed.push(id)) {
                    Ok(walked) => walked,
                    Err(e) => {
                        handed.stop();
                        return Err(e);
                    }
                };
            handed.close();
            let mut groups = Groups::default();
            let mut besides = BesideGroups::default();
            let mut worker = Worker::default();
            let mut reached = Vec::with_capacity(order.len());
            let mut reported = None;
            while reached.len() < order.len() {
                if reached.len() % ACCESS_CHUNK == 0 && reported != Some(reached.len()) {
                    reported = Some(reached.len());
                    if let Err(e) = progress(reached.len(), order.len()) {
                        handed.stop();
                        return Err(e);
                    }
                }
                let (access, self_grants, beside) =
                    match handed.next(reached.len(), named.get().is_some()) {
                        Next::Answer(answer) => answer,
                        Next::Ask(place, id) => {
                            if let Some(named) = named.get() {
                                handed.put(place, ask(&mut worker, named, &id));
                            }
                            continue;
                        }
                        Next::Finished => break,
                    };
                let Some(id) = order.get(reached.len()) else {
                    break;
                };
                let mut hops = Vec::new();
                let mut node = id.clone();
                while let Some((_, Some(step))) = best.get(&node) {
                    hops.push(walk.render(step));
                    node = step.from.clone();
                }
                hops.reverse();
                let flags: Vec<Lever> = walk
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
                let (eligible, items) = besides.add(engine, &graph.vaults, &ops, beside);
                reached.push(Reached {
                    node: node_ref(engine, id),
                    decision: weakest(&hops),
                    hops,
                    vaults: access.at.len(),
                    access: groups.add_access(engine, &access),
                    levers: groups.add_levers(flags, &self_grants),
                    items,
                    eligible,
                });
            }
            Ok((reached, groups, besides))
        },
    );
    let (reached, groups, besides) = found?;
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

/// Each node reached: its distance and the last step of a shortest way there (none for the start).
type Best = FxHashMap<String, (usize, Option<Step>)>;

/// Breadth first from `start`, at most `max_hops` hops: every node reached, and their order (each told to
/// `found` as it is reached).
fn walk_from<E>(
    walk: &Walk,
    start: &str,
    max_hops: usize,
    progress: &mut Progress<E>,
    found: &dyn Fn(&str),
) -> Result<(Best, Vec<String>), E> {
    let mut best: Best = FxHashMap::default();
    best.insert(start.to_string(), (0, None));
    found(start);
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
        let reached = |id: &str| best.contains_key(id);
        let steps = walk.edges_out_of_but(&node, Skip::Reached(&reached));
        for step in steps {
            if !best.contains_key(&step.to) {
                found(&step.to);
                queue.push_back(step.to.clone());
                order.push(step.to.clone());
                best.insert(step.to.clone(), (dist + 1, Some(step)));
            }
        }
    }
    Ok((best, order))
}

/// What a thread keeps from node to node: vault targets by the vault's position, cells by decision key
/// (the nodes reached hold their own assignments, mostly of the same few roles), and what decides their
/// self-grants.
#[derive(Default)]
struct Worker<'a> {
    targets: FxHashMap<usize, Target<'a>>,
    cells: DecidedCells,
    findings: RowFindings,
}

/// The vaults where `id` can use some operation, with what decides there, and its one-hop self-grants
/// (from the same rows); `worker` keeps the vaults' targets and cells a worker has asked. Vaults whose
/// rows are alike (one class) are decided once, at the first of them: the holding and the self-grants
/// (but for the vault they are at) are the class's.
fn vault_access<'a>(
    engine: &'a Engine,
    named: &NamedVaults,
    worker: &mut Worker<'a>,
    id: &str,
) -> (Held, SelfGrants) {
    let (mut held, mut levers) = (Held::default(), SelfGrants::default());
    if id.starts_with("external:") {
        return (held, levers);
    }
    // Asked once per node, as given and as the subject's id (the self-grants are asked of neither).
    let group = engine.is_group(id) || engine.is_group(&crate::model::guid::canonical(id));
    let (targets, findings) = (&mut worker.targets, &mut worker.findings);
    each_named_vault_alike(
        engine,
        named,
        id,
        &mut worker.cells,
        |at, vault, class, first| {
            if let Some((subject, row, decision, cells)) = first {
                held.classes.push(HeldAt::of(at, row, cells));
                let mut found = Vec::new();
                // A row with no role assignment has no self-grant (`findings_of_row`): no target is needed.
                if !group && !row.assignments().is_empty() {
                    let target = targets
                        .entry(at)
                        .or_insert_with(|| named.target(engine, at, &vault.scope));
                    found.extend(
                        findings
                            .findings(engine, (vault, target), subject, row, decision)
                            .into_iter()
                            .map(|f| self_grant(at, f)),
                    );
                }
                levers.classes.push(found);
            }
            if held.classes.get(class).is_some_and(Option::is_some) {
                held.at.push((at, class));
            }
            if levers.classes.get(class).is_some_and(|l| !l.is_empty()) {
                levers.at.push((at, class));
            }
        },
    );
    (held, levers)
}

/// A self-grant finding at the vault at position `at`, as a lever.
fn self_grant(at: usize, f: Finding) -> Lever {
    Lever {
        kind: LeverKind::SelfGrant,
        at,
        technique: f.technique.describe().to_string(),
        decision: f.decision,
        grant: Some(DecidingGrant {
            kind: GrantKind::RoleAssignment,
            holder: f.holder.unwrap_or_else(|| f.principal.id.clone()),
            id: f.grant,
            role_name: f.role_name,
            scope: f.grant_scope.unwrap_or_default(),
        }),
        evidence: Vec::new(),
    }
}
