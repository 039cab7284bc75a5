//! Self-escalation paths grouped by the grant that opens them. Each vault's identities are sorted into
//! classes (see [`crate::query::classes`]); one member per class is asked, and its findings stand for the
//! class. Nothing of size identity × vault × technique is held: a run keeps the groups, each with its vaults
//! and counts, and the classes of one subscription at a time.

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::gains::{Gains, Pool};
use super::{Cover, Holder, Layout};
use crate::eval::index::NodeKind;
use crate::eval::{Decision, Engine, PrincipalRef, UnknownBecause};
use crate::model::Scope;
use crate::query::classes::Expansions;
use crate::query::escalation::{Finding, Found, KeyParts, Technique, gainable};
use gathering::{Gathering, InOrder};
pub(super) use walk::walk;
use walk::{pieces, vaults_in, walk_until};

pub mod by_grant;
mod expand;
mod gathering;
mod walk;

pub use expand::{GroupMember, expand_group, expand_groups, group_members_with, group_vaults};

/// Everything a finding says but who and where: findings with equal keys form one group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    technique: &'static str,
    grant: String,
    holder: Option<String>,
    decision: Decision,
    condition: Option<String>,
    unknown_because: Vec<UnknownBecause>,
}

impl Key {
    pub(crate) fn of(f: &Finding) -> Self {
        Self::of_parts(f.key_parts())
    }

    /// [`Key::of`] a finding as a walk holds it.
    pub(crate) fn of_found(f: &Found) -> Self {
        Self::of_parts(f.key_parts())
    }

    fn of_parts(parts: KeyParts) -> Self {
        let (technique, grant, holder, decision, condition, unknown_because) = parts;
        Self {
            technique,
            grant: grant.to_string(),
            holder: holder.map(String::from),
            decision,
            condition: condition.map(String::from),
            unknown_because: unknown_because.to_vec(),
        }
    }

    /// The key, borrowed as [`Found::key_parts`] says it.
    pub(crate) fn parts(&self) -> KeyParts<'_> {
        (
            self.technique,
            &self.grant,
            self.holder.as_deref(),
            self.decision,
            self.condition.as_deref(),
            &self.unknown_because,
        )
    }
}

/// Identities that can grant themselves data access through one grant, by one technique.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EscalationGroup {
    pub technique: Technique,
    /// The principal the lever grant names; `None` when no grant is known (an unknown finding).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<Holder>,
    /// The role assignment that opens the path.
    pub grant: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_scope: Option<String>,
    pub decision: Decision,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// The data operations they stand to gain (each what it lacks now; see `gainsVary`), by object kind:
    /// `"all"` for every operation of the kind, else the list.
    #[serde(serialize_with = "super::by_kind")]
    pub gains: Gains,
    /// Some identities of the group stand to gain less than `gains` (they hold part of it already).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub gains_vary: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_because: Vec<UnknownBecause>,
    /// The technique is one Microsoft's articles disagree on.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disputed: bool,
    /// Vaults covered.
    pub vaults: usize,
    /// The fewest and the most identities with the finding at one of those vaults.
    pub identities_per_vault: (u32, u32),
    /// (identity, vault) pairs: the findings of the flat answer this group stands for.
    pub findings: usize,
    pub covers: Vec<Cover>,
    #[serde(skip)]
    key: Key,
    /// Positions (in the run's vault list) of the vaults covered.
    #[serde(skip)]
    at: Vec<u32>,
}

/// The grouped answer of `kvaccess escalations`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EscalationGroups {
    /// The scope asked about (`/`: the whole tenant).
    pub scope: String,
    pub vaults_examined: usize,
    /// Findings of the flat answer, in total.
    pub findings: usize,
    pub groups: Vec<EscalationGroup>,
}

/// Self-escalation paths at every vault at or below `scope` (all vaults when `None`), grouped by the grant
/// and technique that open them.
pub fn escalation_groups(engine: &Engine, scope: Option<&Scope>) -> EscalationGroups {
    escalation_groups_from(engine, scope, PARALLEL_FROM_VAULTS, &mut |_, _| true).0
}

/// [`escalation_groups`] for the explorer: `go_on(done, total)` is asked as the vaults are walked; when it
/// says no, the walk stops, and the groups of the vaults walked so far come back with `false` (the answer is
/// not complete).
pub fn escalation_groups_with(
    engine: &Engine,
    scope: Option<&Scope>,
    go_on: &mut dyn FnMut(usize, usize) -> bool,
) -> (EscalationGroups, bool) {
    escalation_groups_from(engine, scope, PARALLEL_FROM_VAULTS, go_on)
}

/// From this many vaults on, two threads share the walk, each over whole subscriptions.
const PARALLEL_FROM_VAULTS: usize = 64;

/// How many runs of subscriptions the two threads share: enough that neither waits long for the other at
/// the end (subscriptions differ in cost), few enough that each run's fresh walk costs nothing to speak of.
const PIECES: usize = 32;

fn escalation_groups_from(
    engine: &Engine,
    scope: Option<&Scope>,
    parallel_from: usize,
    go_on: &mut dyn FnMut(usize, usize) -> bool,
) -> (EscalationGroups, bool) {
    escalation_groups_in(engine, scope, (parallel_from, PIECES), go_on)
}

/// A group's holder (when it names one) and its (vault, identities) counts: what its covers and holder
/// are worked out from once the walk is over.
type Unfinished<'g> = (Option<&'g str>, &'g [(u32, u32)]);

/// [`escalation_groups_from`] with the walk cut in about `pieces` runs when two threads share it.
fn escalation_groups_in(
    engine: &Engine,
    scope: Option<&Scope>,
    (parallel_from, pieces_wanted): (usize, usize),
    go_on: &mut dyn FnMut(usize, usize) -> bool,
) -> (EscalationGroups, bool) {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let vaults = vaults_in(engine, scope);
    let total = vaults.len();
    let parallel = vaults.len() >= parallel_from.max(2);
    let runs = if parallel {
        pieces(&vaults, pieces_wanted)
    } else {
        std::iter::once(0..vaults.len()).collect()
    };
    // Vaults begun on either thread, and whether the caller said stop: the thread that can ask `go_on`
    // (this one) asks it for both. Each thread takes the next run until none is left.
    let (begun, stop, next) = (
        AtomicUsize::new(0),
        AtomicBool::new(false),
        AtomicUsize::new(0),
    );
    let joined = std::sync::Mutex::new(InOrder::default());
    // Both threads list a group's identities once for the whole walk.
    let expansions = Expansions::new(engine);
    let gather = |step: &mut dyn FnMut() -> bool| {
        while !stop.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(range) = runs.get(i) else { break };
            let mut gathering = Gathering::default();
            walk_until(
                engine,
                &vaults,
                range.clone(),
                None,
                &expansions,
                step,
                |seen, _| {
                    gathering.add(&seen);
                },
            );
            joined
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .add(i, gathering);
        }
    };
    let ask = |go_on: &mut dyn FnMut(usize, usize) -> bool| {
        if !go_on(begun.load(Ordering::Relaxed), total) {
            stop.store(true, Ordering::Relaxed);
        }
        !stop.load(Ordering::Relaxed)
    };
    if runs.len() > 1 {
        std::thread::scope(|threads| {
            let later = threads.spawn(|| {
                gather(&mut || {
                    begun.fetch_add(1, Ordering::Relaxed);
                    !stop.load(Ordering::Relaxed)
                })
            });
            gather(&mut || {
                let go = ask(go_on);
                begun.fetch_add(1, Ordering::Relaxed);
                go
            });
            // The other thread may still be walking: its progress is told from here.
            while !later.is_finished() {
                std::thread::sleep(std::time::Duration::from_millis(10));
                ask(go_on);
            }
            later
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
        });
    } else {
        gather(&mut || {
            let go = ask(go_on);
            begun.fetch_add(1, Ordering::Relaxed);
            go
        });
    }
    let Gathering {
        mut groups,
        counts,
        masks,
        ..
    } = joined
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .finish();
    let complete = !stop.load(Ordering::Relaxed);
    let range = scope.map_or("/", |s| s.id());
    let layout = Layout::new(&vaults, range);
    let mut findings = 0;
    let order = |op: &str| {
        crate::catalog::operations()
            .iter()
            .position(|o| o.name == op)
            .unwrap_or(usize::MAX)
    };
    // Groups gaining the same operations share one list (see `Gains`).
    let mut pool = Pool::default();
    let mut by_mask: FxHashMap<u64, Gains> = FxHashMap::default();
    for ((group, list), (m, vary)) in groups.iter_mut().zip(&counts).zip(&masks) {
        if let Some(m) = m {
            group.gains = by_mask
                .entry(*m)
                .or_insert_with(|| {
                    let ops: Vec<_> = gainable()
                        .iter()
                        .zip(0u32..)
                        .filter(|(_, i)| m & (1u64 << (*i).min(63)) != 0)
                        .map(|((name, _), _)| *name)
                        .collect();
                    pool.get(&ops)
                })
                .clone();
            group.gains_vary = *vary;
        } else {
            let mut ops = group.gains.to_vec();
            ops.sort_by_key(|op| order(op));
            group.gains = pool.get(&ops);
            group.gains_vary = true;
        }
        group.vaults = list.len();
        group.identities_per_vault = (
            list.iter().map(|&(_, n)| n).min().unwrap_or(0),
            list.iter().map(|&(_, n)| n).max().unwrap_or(0),
        );
        group.findings = list.iter().map(|&(_, n)| n as usize).sum();
        group.at = list.iter().map(|&(v, _)| v).collect();
        findings += group.findings;
    }
    // The covers and holders, on both threads (the walk is over: the other core would be idle).
    let asks: Vec<Unfinished> = groups
        .iter()
        .zip(&counts)
        .map(|(group, list)| (group.key.holder.as_deref(), list.as_slice()))
        .collect();
    let finish = |asks: &[Unfinished]| {
        let mut reach: FxHashMap<&str, usize> = FxHashMap::default();
        let mut behind = Behind::default();
        let finished = asks.iter().map(|&(holder, list)| {
            let holder = holder.map(|id| {
                let n = *reach.entry(id).or_insert_with(|| behind.count(engine, id));
                Holder::new(engine, id, n)
            });
            (layout.covers(list), holder)
        });
        finished.collect::<Vec<_>>()
    };
    // Sorted as positions: a group is hundreds of bytes, and tens of thousands of them are moved once, not
    // at every step of the sort. The order reads nothing that the covers and holders change: on two
    // threads, it is worked out beside them (the cores would otherwise take turns).
    let sorting = || {
        let mut order: Vec<usize> = (0..groups.len()).collect();
        order.sort_by(|&a, &b| match (groups.get(a), groups.get(b)) {
            // Each tie-break compared only on a tie (tens of thousands of groups, long grant ids).
            (Some(a), Some(b)) => b
                .findings
                .cmp(&a.findings)
                .then_with(|| a.technique.as_str().cmp(b.technique.as_str()))
                .then_with(|| a.grant.cmp(&b.grant))
                .then_with(|| a.key.unknown_because.cmp(&b.key.unknown_because)),
            _ => a.cmp(&b),
        });
        order
    };
    let from = if parallel { 2 } else { usize::MAX };
    let finishing = || {
        crate::parallel::in_halves(&asks, from, finish, |mut early, later| {
            early.extend(later);
            early
        })
    };
    let (order, finished) = if parallel {
        crate::parallel::both(sorting, finishing)
    } else {
        (sorting(), finishing())
    };
    drop(asks);
    drop(counts);
    for (group, (covers, holder)) in groups.iter_mut().zip(finished) {
        group.covers = covers;
        group.holder = holder;
    }
    // Each group swapped to its place, in place: a second list of them would add to the run's peak memory.
    let mut place = vec![0; order.len()];
    for (to, &from) in order.iter().enumerate() {
        place[from] = to;
    }
    for i in 0..place.len() {
        while place[i] != i {
            let to = place[i];
            groups.swap(i, to);
            place.swap(i, to);
        }
    }
    let answer = EscalationGroups {
        scope: range.to_string(),
        vaults_examined: vaults.len(),
        findings,
        groups,
    };
    (answer, complete)
}

/// How many identities `id` stands for: itself, or those inside the group.
pub(super) fn identities_behind(engine: &Engine, id: &str) -> usize {
    Behind::default().count(engine, id)
}

/// Counts the identities behind holders, with one scratch buffer for all of them: counted from the
/// membership graph's nodes, without listing their ids (a large tenant's answer names thousands of holders).
#[derive(Default)]
struct Behind {
    seen: Vec<u32>,
    stamp: u32,
}

impl Behind {
    fn count(&mut self, engine: &Engine, id: &str) -> usize {
        if !engine.is_group(id) {
            return 1;
        }
        let graph = engine.index.memberships();
        let Some(node) = graph.node(id) else {
            return 0;
        };
        if self.stamp == u32::MAX {
            self.seen.fill(0);
            self.stamp = 0;
        }
        self.stamp += 1;
        // A node is a group exactly when `is_group` says so of its id (`Index::node_kind`).
        graph
            .members_below(&[node], &mut self.seen, self.stamp)
            .into_iter()
            .filter(|&m| engine.index.node_kind(m) != NodeKind::Group)
            .count()
    }
}

/// The flat answer, one finding per identity, vault and technique, handed to `row` as it is computed: the
/// memory held is one subscription's classes, whatever the size of the answer. The order is by vault, then
/// by class.
pub fn each_escalation<E>(
    engine: &Engine,
    scope: Option<&Scope>,
    mut row: impl FnMut(&Finding) -> Result<(), E>,
) -> Result<(), E> {
    let vaults = vaults_in(engine, scope);
    let mut result = Ok(());
    walk(engine, &vaults, 0..vaults.len(), None, |seen, members| {
        if result.is_err() {
            return;
        }
        let vault = vaults.get(seen.at as usize).map_or("", |v| v.scope.id());
        let mut f = seen.finding.finding(vault);
        for id in members() {
            if id != f.principal.id {
                f.principal = principal_ref(engine, &id);
            }
            if let Err(e) = row(&f) {
                result = Err(e);
                return;
            }
        }
    });
    result
}

/// The principal as a finding names it (what [`Engine::subject`] would say, without its groups).
fn principal_ref(engine: &Engine, id: &str) -> PrincipalRef {
    let h = Holder::new(engine, id, 0);
    PrincipalRef {
        id: h.id,
        display_name: h.display_name,
        kind: h.kind,
    }
}

impl EscalationGroup {
    /// Whether `f` is one of the group's findings (but for who and where).
    pub fn has(&self, f: &Finding) -> bool {
        self.key.parts() == f.key_parts()
    }
}

#[cfg(test)]
mod tests;
