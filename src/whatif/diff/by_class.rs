//! The grouped diff: the same pairs as [`diff_engines`], but each vault's identities are sorted into
//! classes (see `classes`), classes with equal rows at different vaults share one answer (see `shared`),
//! one member per distinct class is compared and its evidence taken once; the changes are then grouped by
//! what decides them. Nothing of size identity × vault × operation is built.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::classes::{Interned, Members};
use super::grouper::Grouper;
use super::memo::EvidenceMemo;
use super::shared::{Answer, Entry, ShareKey};
use super::*;
use crate::whatif::grouped::GroupedDiff;

/// How many leaders a worker answers at a time.
const LEADERS: usize = 16;

/// [`diff_engines`], grouped. The flat answer it stands for is the same set of facts (the tests expand
/// every group and compare).
pub fn diff_grouped(eb: &Engine, ea: &Engine, scope: Option<&Scope>) -> GroupedDiff {
    let mut work = affected::plan(eb, ea);
    let none = HashMap::new();
    let keys = Run::new(eb, ea, scope, &none).vaults_to_evaluate(&work);
    let special = if keys.is_empty() {
        HashMap::new()
    } else {
        special_items(eb, ea)
    };
    let memo = EvidenceMemo::default();
    let new_run = || Run {
        memo: Some(&memo),
        ..Run::new(eb, ea, scope, &special)
    };
    let mut stats = DiffStats {
        global: work.global,
        ..DiffStats::default()
    };
    let (plans, runs) = parallel(&keys, new_run, |run, key| run.plan_vault(&work, key));
    runs.iter().for_each(|r| stats.add(&r.stats));
    drop(runs);
    let mut plans: Vec<VaultPlan> = plans.into_iter().flatten().collect();
    // The plans hold whom to compare where now; at a large change (a group of tens of thousands at a
    // subscription) each of these lists is that many ids per vault, so none is kept longer than needed.
    work.targeted = BTreeMap::new();
    // Where a vault itself differs, its escalation findings are taken for everyone there.
    let everyone =
        |key: &str| work.global || work.wide.contains(key) || work.escalation_only.contains(key);
    let interned = Interned::default();
    let (classes, runs) = parallel(&plans, new_run, |run, plan| {
        let all = everyone(&plan.key);
        let mut classes = run.classes(plan);
        classes.sort_by(|a, b| a.first().cmp(&b.first()));
        classes
            .into_iter()
            .map(|c| {
                let key = c.first().and_then(|rep| run.share_key(rep, plan, all));
                (interned.keep(c), key)
            })
            .collect::<Vec<(Members, Option<ShareKey>)>>()
    });
    runs.iter().for_each(|r| stats.add(&r.stats));
    drop((runs, interned));
    // The classes hold the identities now; only a wide vault's bystanders are found from the plan's list.
    for plan in plans.iter_mut().filter(|p| !p.wide) {
        plan.ids = Vec::new();
    }
    let (leaders, led) = leaders(&classes);
    stats.shared += led.iter().map(Vec::len).sum::<usize>() - leaders.len();
    let mut jobs: Vec<Job> = Run::new(eb, ea, scope, &special)
        .escalation_tasks(&work, &plans)
        .into_iter()
        .filter(|t| matches!(t, Task::Findings { among: None, .. }))
        .map(Job::Task)
        .collect();
    jobs.extend(leaders.chunks(LEADERS).map(Job::Leaders));
    jobs.extend(
        plans
            .iter()
            .enumerate()
            .filter(|(_, p)| p.wide)
            .map(|(n, _)| Job::Bystanders(n)),
    );
    let (done, runs) = parallel(&jobs, new_run, |run, job| match job {
        Job::Task(t) => Out::Task(run.task(t)),
        Job::Leaders(list) => Out::Answers(
            list.iter()
                .filter_map(|&(n, rep)| {
                    let plan = plans.get(n)?;
                    Some(run.answer(plan, rep, everyone(&plan.key)))
                })
                .collect(),
        ),
        Job::Bystanders(n) => Out::Bystanders(
            *n,
            plans
                .get(*n)
                .map(|p| run.bystander_entries(p))
                .unwrap_or_default(),
        ),
    });
    runs.iter().for_each(|r| stats.add(&r.stats));
    drop(runs);
    let mut answers: Vec<Answer> = Vec::with_capacity(leaders.len());
    let mut bystanders: FxHashMap<usize, Vec<(Members, Vec<Entry>)>> = FxHashMap::default();
    let mut sides: BTreeMap<&str, Side> = BTreeMap::new();
    for d in done {
        match d {
            Out::Task(Done::Findings { key, after, found }) => {
                let side = sides
                    .entry(key)
                    .or_insert_with(|| Side::Everyone(Vec::new(), Vec::new()));
                if let Side::Everyone(b, a) = side {
                    *(if after { a } else { b }) = found;
                }
            }
            Out::Task(Done::Cells(_)) => {}
            Out::Answers(list) => answers.extend(list),
            Out::Bystanders(n, found) => {
                bystanders.insert(n, found);
            }
        }
    }
    let mut grouper = Grouper::new(eb, ea, scope);
    // Each leader's entries find their groups once; the classes it answers for join them.
    let mut group_of: Vec<Vec<Option<usize>>> = answers
        .iter()
        .map(|a| vec![None; a.entries.len()])
        .collect();
    for (n, plan) in plans.iter().enumerate() {
        let vault_id = plan.scope.id();
        let here = classes
            .get(n)
            .into_iter()
            .flatten()
            .zip(led.get(n).into_iter().flatten());
        for ((members, _), &l) in here {
            let (Some(answer), Some(slots)) = (answers.get(l), group_of.get_mut(l)) else {
                continue;
            };
            let own = leaders.get(l).is_some_and(|&(ln, _)| ln == n);
            for (e, slot) in answer.entries.iter().zip(slots) {
                let at = *slot.get_or_insert_with(|| grouper.group(e));
                grouper.push(at, if own { &e.scope } else { vault_id }, members);
            }
        }
        for (members, entries) in bystanders.remove(&n).unwrap_or_default() {
            for e in &entries {
                let at = grouper.group(e);
                grouper.push(at, &e.scope, &members);
            }
        }
        if !everyone(&plan.key) {
            sides.insert(&plan.key, Side::Classes(n));
        }
    }
    // Findings in vault order: a vault's own for everyone there, else each class's (its leader's at
    // another vault stand for it, named after this one).
    for (key, side) in &sides {
        match side {
            Side::Everyone(before, after) => {
                let (added, removed) = escalate::compare(&[(before.clone(), after.clone())]);
                for (is_added, list) in [(true, added), (false, removed)] {
                    for f in list {
                        let one = Arc::new(vec![f.principal.id.clone()]);
                        grouper.finding(is_added, &f, &f.vault_id, one);
                    }
                }
            }
            Side::Classes(n) => {
                let vault_id = |added: bool| {
                    let e = if added { ea } else { eb };
                    e.index
                        .vault
                        .get(*key)
                        .and_then(|&i| e.snapshot.vaults.get(i))
                        .map(|v| v.scope.id().to_string())
                        .unwrap_or_default()
                };
                let ids = [vault_id(false), vault_id(true)];
                for is_added in [true, false] {
                    let here = classes.get(*n).into_iter().flatten();
                    for ((members, _), &l) in here.zip(led.get(*n).into_iter().flatten()) {
                        let found = answers.get(l).map_or(&[][..], |a| &a.findings[..]);
                        for (_, f) in found.iter().filter(|(a, _)| *a == is_added) {
                            let id = &ids[usize::from(is_added)];
                            grouper.finding(is_added, f, id, members.clone());
                        }
                    }
                }
            }
        }
    }
    let network = Run::new(eb, ea, scope, &special).network(&work);
    let mut out = grouper.finish();
    out.changes = work.structural;
    out.network = network;
    out.stats = stats;
    out
}

/// One leader per distinct key (every class without a key leads itself), in the order of the plans and
/// their classes, and for each plan's classes the leader that answers for each.
#[allow(clippy::type_complexity)]
fn leaders(classes: &[Vec<(Members, Option<ShareKey>)>]) -> (Vec<(usize, &str)>, Vec<Vec<usize>>) {
    let mut leaders: Vec<(usize, &str)> = Vec::new();
    let mut at: FxHashMap<&ShareKey, usize> = FxHashMap::default();
    let mut led = Vec::with_capacity(classes.len());
    for (n, cs) in classes.iter().enumerate() {
        let mut mine = Vec::with_capacity(cs.len());
        for (members, key) in cs {
            let rep = members.first().map_or("", String::as_str);
            let existing = key.as_ref().and_then(|k| at.get(k).copied());
            let l = existing.unwrap_or_else(|| {
                leaders.push((n, rep));
                if let Some(k) = key {
                    at.insert(k, leaders.len() - 1);
                }
                leaders.len() - 1
            });
            mine.push(l);
        }
        led.push(mine);
    }
    (leaders, led)
}

enum Job<'p, 'a> {
    Task(Task<'p, 'a>),
    /// Leaders to answer: (plan, first member of the class).
    Leaders(&'p [(usize, &'p str)]),
    Bystanders(usize),
}

enum Out<'p> {
    Task(Done<'p>),
    Answers(Vec<Answer>),
    Bystanders(usize, Vec<(Members, Vec<Entry>)>),
}

/// Where a vault's escalation findings come from.
enum Side {
    /// Everyone's, before and after.
    Everyone(Vec<Finding>, Vec<Finding>),
    /// Its classes' (a plan's position).
    Classes(usize),
}
