//! The difference two snapshots make: every (principal, scope, operation) whose decision changes, with the
//! evidence after, and the escalation paths that appear or disappear.
//!
//! Decisions are taken with the fast path (`Engine::prepare` + `Engine::decide`, the same rules as
//! `check`), without a caller location, for every operation of the catalog: data operations at each vault
//! (and at each key, secret or certificate that has role or deny assignments of its own), management
//! operations at each vault. Only the pairs [`affected::plan`] cannot rule out are evaluated; evidence is built
//! with `check` for the changed cells only.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::catalog::{self, Action, Plane};
use crate::eval::decide::Row;
use crate::eval::{Decision, Deny, Engine, Grant, PrincipalRef, Subject, Target, network};
use crate::model::{EVERYONE, PublicNetworkAccess, Scope, ScopeKind, Snapshot, Vault};
use crate::query::Finding;

use super::affected::{self, Work, directory_gaps, identities_of};
use crate::parallel::over_pool as parallel;

mod by_class;
mod bystander;
mod cells;
mod classes;
mod compare;
mod escalate;
mod grouper;
mod items;
mod memo;
mod profiles;
mod report;
mod shared;

use bystander::{REP_DANGLING, REP_DIRECTORY};
use cells::{Evidence, Raw, raw, split};
use items::special_items;

pub use by_class::diff_grouped;
pub use report::{CellChange, Diff, DiffStats, NetworkChange};

/// Compares two snapshots. `scope` keeps only the vaults at or below it (an item selects its vault).
pub fn diff(
    before: impl Into<Arc<Snapshot>>,
    after: impl Into<Arc<Snapshot>>,
    scope: Option<&Scope>,
) -> Diff {
    let eb = Engine::new(before);
    let ea = Engine::new(after);
    diff_engines(&eb, &ea, scope)
}

/// [`diff`] over engines the caller keeps (a front-end re-diffing as changes are toggled builds the
/// "before" engine once).
pub fn diff_engines(eb: &Engine, ea: &Engine, scope: Option<&Scope>) -> Diff {
    let work = affected::plan(eb, ea);
    let none = HashMap::new();
    let keys = Run::new(eb, ea, scope, &none).vaults_to_evaluate(&work);
    let special = if keys.is_empty() {
        HashMap::new()
    } else {
        special_items(eb, ea)
    };
    let (plans, runs) = parallel(
        &keys,
        || Run::new(eb, ea, scope, &special),
        |run, key| run.plan_vault(&work, key),
    );
    let mut stats = DiffStats {
        global: work.global,
        ..DiffStats::default()
    };
    for run in &runs {
        stats.add(&run.stats);
    }
    let plans: Vec<VaultPlan> = plans.into_iter().flatten().collect();
    let findings = Run::new(eb, ea, scope, &special).escalation_tasks(&work, &plans);
    // The comparisons and the escalation analysis do not depend on each other: one pool takes them all,
    // the largest first, and a vault's identities go out in slices, so that one wide vault does not keep
    // a single core busy while the others idle.
    let mut tasks = findings;
    for plan in &plans {
        tasks.extend(
            plan.ids
                .chunks(SLICE)
                .map(|ids| Task::Identities { plan, ids }),
        );
        if plan.wide {
            tasks.push(Task::Bystanders(plan));
        }
    }
    let (done, runs) = parallel(
        &tasks,
        || Run::new(eb, ea, scope, &special),
        |run, task| run.task(task),
    );
    for run in &runs {
        stats.add(&run.stats);
    }
    drop(runs);
    let mut raw = Vec::new();
    // Findings reported in vault order, whatever order they were computed in.
    let mut sides: BTreeMap<&str, (Vec<Finding>, Vec<Finding>)> = BTreeMap::new();
    for d in done {
        match d {
            Done::Cells(cells) => raw.extend(cells),
            Done::Findings { key, after, found } => {
                let side = sides.entry(key).or_default();
                if after {
                    side.1 = found;
                } else {
                    side.0 = found;
                }
            }
        }
    }
    let sides: Vec<_> = sides.into_values().collect();
    let (cells, runs) = parallel(
        &raw,
        || Run::new(eb, ea, scope, &special),
        |run, r| run.cell(r),
    );
    drop(runs);
    let (gained, lost) = split(cells.into_iter().flatten().collect());
    let (escalations_added, escalations_removed) = escalate::compare(&sides);
    let network = Run::new(eb, ea, scope, &special).network(&work);
    Diff {
        changes: work.structural,
        gained,
        lost,
        escalations_added,
        escalations_removed,
        network,
        stats,
    }
}

/// How many identities of one vault a worker compares at a time.
const SLICE: usize = 128;

/// One vault to compare: where, and whom.
struct VaultPlan<'a> {
    key: String,
    scope: Scope,
    targets: Vec<TargetPair<'a>>,
    /// Sorted, without repeats.
    ids: Vec<String>,
    wide: bool,
}

/// A share of the diff that one worker takes at a time.
enum Task<'p, 'a> {
    /// The escalation findings of a vault in one snapshot, of everyone or only of `among`.
    Findings {
        key: &'p str,
        after: bool,
        among: Option<&'p [String]>,
    },
    /// Some of a vault's identities.
    Identities {
        plan: &'p VaultPlan<'a>,
        ids: &'p [String],
    },
    /// The identities named nowhere in a wide vault.
    Bystanders(&'p VaultPlan<'a>),
}

enum Done<'p> {
    Cells(Vec<Raw>),
    Findings {
        key: &'p str,
        after: bool,
        found: Vec<Finding>,
    },
}

struct Op {
    name: &'static str,
    plane: Plane,
    action: Action,
}

struct TargetPair<'a> {
    scope: Scope,
    before: Target<'a>,
    after: Target<'a>,
    /// Positions in `Run::ops`.
    ops: Vec<usize>,
}

/// The role assignments naming a subject or its groups, before and after: (assignment, definition).
type Named = [Vec<(usize, Option<usize>)>; 2];

struct Run<'e, 'a> {
    eb: &'a Engine,
    ea: &'a Engine,
    filter: Option<&'e Scope>,
    ops: Vec<Op>,
    subjects: HashMap<String, (Subject, Subject)>,
    /// The role assignments naming each compared subject or its groups, before and after: listed once,
    /// not at every vault it is prepared at.
    named: HashMap<String, Named>,
    /// Item scopes with assignments or denies of their own, per vault key.
    special_items: &'e HashMap<String, BTreeMap<String, Scope>>,
    /// Targets in the snapshot after, for evidence.
    after_targets: HashMap<String, Target<'a>>,
    /// Targets in the snapshot before, for the grants a lost cell had.
    before_targets: HashMap<String, Target<'a>>,
    /// The role assignments of the last (subject, scope) whose evidence was taken, before and after: a
    /// pair's changed cells come one after another, and each would otherwise gather them again.
    gathered: [cells::Gathering; 2],
    /// Principals named at management-group scopes (for vaults of unplaced subscriptions).
    mg_named: Option<Vec<&'a str>>,
    rep_evidence: HashMap<(String, String, usize), Evidence>,
    /// The rows (before, after) of the last principal compared, at its vault, called directly: its
    /// evidence and escalation findings start from them instead of gathering them again.
    vault_rows: Option<(String, [Row<'a>; 2])>,
    /// Evidence shared between the classes compared at different vaults (the grouped diff's).
    memo: Option<&'e memo::EvidenceMemo>,
    /// What each identity's class is made from, for the classes of this worker's vaults.
    profiles: profiles::Profiles,
    stats: DiffStats,
}

impl<'e, 'a> Run<'e, 'a> {
    fn new(
        eb: &'a Engine,
        ea: &'a Engine,
        filter: Option<&'e Scope>,
        special_items: &'e HashMap<String, BTreeMap<String, Scope>>,
    ) -> Self {
        let ops = catalog::operations()
            .iter()
            .filter_map(|op| {
                catalog::resolve(op.name).ok().map(|action| Op {
                    name: op.name,
                    plane: op.plane,
                    action,
                })
            })
            .collect();
        Self {
            eb,
            ea,
            filter,
            ops,
            subjects: HashMap::new(),
            named: HashMap::new(),
            special_items,
            after_targets: HashMap::new(),
            before_targets: HashMap::new(),
            gathered: Default::default(),
            mg_named: None,
            rep_evidence: HashMap::new(),
            vault_rows: None,
            memo: None,
            profiles: Default::default(),
            stats: DiffStats::default(),
        }
    }

    fn vault_in(&self, e: &'a Engine, key: &str) -> Option<&'a Vault> {
        e.index
            .vault
            .get(key)
            .and_then(|&i| e.snapshot.vaults.get(i))
    }

    fn vault_scope(&self, key: &str) -> Option<Scope> {
        self.vault_in(self.ea, key)
            .or_else(|| self.vault_in(self.eb, key))
            .map(|v| v.scope.clone())
    }

    fn in_filter(&self, vault: &Scope) -> bool {
        let Some(f) = self.filter else {
            return true;
        };
        if let Some(v) = f.vault() {
            return v == *vault;
        }
        f.contains_structurally(vault)
            || [self.eb, self.ea]
                .iter()
                .any(|e| e.index.ancestry(vault).contains(f.key()))
    }

    fn vaults_to_evaluate(&mut self, work: &Work) -> Vec<String> {
        let all = || {
            self.eb
                .snapshot
                .vaults
                .iter()
                .chain(&self.ea.snapshot.vaults)
                .map(|v| v.scope.key().to_string())
                .collect::<BTreeSet<String>>()
        };
        let keys: BTreeSet<String> = if work.global || !work.everywhere.is_empty() {
            all()
        } else {
            work.wide
                .iter()
                .chain(work.targeted.keys())
                .cloned()
                .collect()
        };
        keys.into_iter()
            .filter(|k| self.vault_scope(k).is_some_and(|s| self.in_filter(&s)))
            .collect()
    }

    fn targets(&mut self, vault: &Scope) -> Vec<TargetPair<'a>> {
        let (eb, ea) = (self.eb, self.ea);
        let all: Vec<usize> = (0..self.ops.len()).collect();
        let mut out = vec![TargetPair {
            scope: vault.clone(),
            before: eb.target(vault),
            after: ea.target(vault),
            ops: all,
        }];
        let items: Vec<Scope> = self
            .special_items
            .get(vault.key())
            .into_iter()
            .flat_map(|m| m.values().cloned())
            .collect();
        for item in items {
            let ScopeKind::VaultItem(kind) = item.kind() else {
                continue;
            };
            let ops = self
                .ops
                .iter()
                .enumerate()
                .filter(|(_, op)| {
                    op.plane == Plane::Data
                        && op.action.policy_kind().and_then(|k| k.item_kind()) == Some(kind)
                })
                .map(|(i, _)| i)
                .collect();
            out.push(TargetPair {
                before: eb.target(&item),
                after: ea.target(&item),
                scope: item,
                ops,
            });
        }
        out
    }

    fn subject_pair(&mut self, id: &str) -> &(Subject, Subject) {
        let (eb, ea) = (self.eb, self.ea);
        self.subjects.entry(id.to_string()).or_insert_with(|| {
            let rep = |e: &Engine, dangling: bool| {
                let mut s = e.subject(id);
                if !dangling {
                    s.in_directory = true;
                    s.groups_known = !directory_gaps(&e.snapshot);
                }
                s
            };
            match id {
                REP_DIRECTORY => (rep(eb, false), rep(ea, false)),
                REP_DANGLING => (rep(eb, true), rep(ea, true)),
                _ => (eb.subject(id), ea.subject(id)),
            }
        })
    }

    /// Every identity named at the vault (its scopes above, its items, its access policies, its deny
    /// assignments) in either snapshot.
    fn involved(&mut self, vault: &Scope, targets: &[TargetPair]) -> BTreeSet<String> {
        let (eb, ea) = (self.eb, self.ea);
        let mut out = BTreeSet::new();
        for id in self.named_at(vault, targets) {
            out.extend(identities_of([eb, ea], id));
        }
        out
    }

    /// The vault's targets and the identities to compare there.
    fn plan_vault(&mut self, work: &Work, key: &str) -> Option<VaultPlan<'a>> {
        let scope = self.vault_scope(key)?;
        self.stats.vaults += 1;
        let targets = self.targets(&scope);
        let wide = work.global || work.wide.contains(key);
        let mut principals: BTreeSet<String> = work.everywhere.clone();
        principals.extend(work.targeted.get(key).into_iter().flatten().cloned());
        if wide {
            self.stats.wide_vaults += 1;
            let involved = self.involved(&scope, &targets);
            principals.extend(involved);
        }
        Some(VaultPlan {
            key: key.to_string(),
            scope,
            targets,
            ids: principals.into_iter().collect(),
            wide,
        })
    }

    fn task<'p>(&mut self, task: &Task<'p, 'a>) -> Done<'p> {
        match task {
            Task::Findings { key, after, among } => {
                let e = if *after { self.ea } else { self.eb };
                let found = self
                    .vault_in(e, key)
                    .map(|v| escalate::findings(e, v, *among))
                    .unwrap_or_default();
                Done::Findings {
                    key,
                    after: *after,
                    found,
                }
            }
            Task::Identities { plan, ids } => {
                let mut out = Vec::new();
                for id in *ids {
                    self.principal(id, &plan.scope, &plan.targets, &mut out);
                }
                Done::Cells(out)
            }
            Task::Bystanders(plan) => {
                let mut out = Vec::new();
                self.bystanders(&plan.scope, &plan.targets, &plan.ids, &mut out);
                Done::Cells(out)
            }
        }
    }

    /// (before, after) findings tasks for every compared vault and every vault whose template-deployment
    /// flag differs, the vaults whose every identity is examined first (they take longest).
    fn escalation_tasks<'p>(
        &self,
        work: &'p Work,
        plans: &'p [VaultPlan<'a>],
    ) -> Vec<Task<'p, 'a>> {
        let mut keys: BTreeMap<&str, Option<&[String]>> = plans
            .iter()
            .map(|p| (p.key.as_str(), Some(p.ids.as_slice())))
            .collect();
        for key in &work.escalation_only {
            if self.vault_scope(key).is_some_and(|s| self.in_filter(&s)) {
                keys.insert(key.as_str(), None);
            }
        }
        let mut tasks: Vec<(bool, Task)> = keys
            .into_iter()
            .flat_map(|(key, ids)| {
                let everyone =
                    work.global || work.wide.contains(key) || work.escalation_only.contains(key);
                let among = if everyone { None } else { ids };
                [false, true].map(|after| (everyone, Task::Findings { key, after, among }))
            })
            .collect();
        tasks.sort_by_key(|(everyone, _)| !everyone);
        tasks.into_iter().map(|(_, t)| t).collect()
    }

    fn network(&self, work: &Work) -> Vec<NetworkChange> {
        let open = |v: &Vault| {
            v.network.public_network_access == PublicNetworkAccess::Enabled
                && v.network.acls.as_ref().is_none_or(|a| !a.default_deny)
        };
        work.network
            .iter()
            .filter_map(|key| {
                let (b, a) = (self.vault_in(self.eb, key)?, self.vault_in(self.ea, key)?);
                self.in_filter(&a.scope).then(|| NetworkChange {
                    vault: a.scope.id().to_string(),
                    before: network::describe(&b.network),
                    after: network::describe(&a.network),
                    any_network_before: open(b),
                    any_network_after: open(a),
                })
            })
            .collect()
    }
}
