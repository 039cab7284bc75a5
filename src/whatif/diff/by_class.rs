//! The grouped diff: the same pairs as [`diff_engines`], but each vault's identities are sorted into
//! classes (see `classes`) and one member per class is compared, its evidence taken once; the changes are
//! then grouped by what decides them. Nothing of size identity × vault × operation is built.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::classes::Members;
use super::*;
use crate::eval::{Request, UnknownBecause};
use crate::query::grouped::{Holder, Layout};
use crate::whatif::grouped::{
    ChangeGroup, DenyRef, EscalationChange, GrantRef, GroupedDiff, distinct,
};

/// [`diff_engines`], grouped. The flat answer it stands for is the same set of facts (the tests expand
/// every group and compare).
pub fn diff_grouped(eb: &Engine, ea: &Engine, scope: Option<&Scope>) -> GroupedDiff {
    let work = affected::plan(eb, ea);
    let none = HashMap::new();
    let keys = Run::new(eb, ea, scope, &none).vaults_to_evaluate(&work);
    let special = if keys.is_empty() {
        HashMap::new()
    } else {
        special_items(eb, ea)
    };
    let new_run = || Run::new(eb, ea, scope, &special);
    let mut stats = DiffStats {
        global: work.global,
        ..DiffStats::default()
    };
    let (plans, runs) = parallel(&keys, new_run, |run, key| run.plan_vault(&work, key));
    runs.iter().for_each(|r| stats.add(&r.stats));
    let mut plans: Vec<VaultPlan> = plans.into_iter().flatten().collect();
    let (classes, runs) = parallel(&plans, new_run, |run, plan| run.classes(plan));
    runs.iter().for_each(|r| stats.add(&r.stats));
    // From here a plan's `ids` are the classes' first members; every identity is kept for the bystanders.
    let mut everyone: Vec<Vec<String>> = Vec::with_capacity(plans.len());
    let mut class_of: Vec<FxHashMap<String, Members>> = Vec::with_capacity(plans.len());
    for (plan, cs) in plans.iter_mut().zip(&classes) {
        let mut reps: Vec<String> = cs.iter().filter_map(|c| c.first().cloned()).collect();
        reps.sort_unstable();
        everyone.push(std::mem::replace(&mut plan.ids, reps));
        class_of.push(
            cs.iter()
                .filter_map(|c| Some((c.first()?.clone(), c.clone())))
                .collect(),
        );
    }
    drop(classes);
    let mut jobs: Vec<Job> = Run::new(eb, ea, scope, &special)
        .escalation_tasks(&work, &plans)
        .into_iter()
        .map(Job::Task)
        .collect();
    for (n, plan) in plans.iter().enumerate() {
        jobs.extend(plan.ids.chunks(SLICE).map(|ids| Job::Reps { plan: n, ids }));
        if plan.wide {
            jobs.push(Job::Bystanders(n));
        }
    }
    let (done, runs) = parallel(&jobs, new_run, |run, job| match job {
        Job::Task(t) => Out::Task(run.task(t)),
        Job::Reps { plan, ids } => {
            let mut out = Vec::new();
            if let Some(p) = plans.get(*plan) {
                for id in *ids {
                    run.principal(id, &p.scope, &p.targets, &mut out);
                }
            }
            Out::Reps(*plan, out)
        }
        Job::Bystanders(n) => match (plans.get(*n), everyone.get(*n)) {
            (Some(p), Some(named)) => {
                Out::Bystanders(run.bystander_classes(&p.scope, &p.targets, named))
            }
            _ => Out::Bystanders(Vec::new()),
        },
    });
    runs.iter().for_each(|r| stats.add(&r.stats));
    drop(runs);
    let mut raw: Vec<(Members, Raw)> = Vec::new();
    let mut sides: BTreeMap<&str, (Vec<Finding>, Vec<Finding>)> = BTreeMap::new();
    for d in done {
        match d {
            Out::Task(Done::Findings { key, after, found }) => {
                let side = sides.entry(key).or_default();
                if after {
                    side.1 = found;
                } else {
                    side.0 = found;
                }
            }
            Out::Task(Done::Cells(_)) => {}
            Out::Reps(n, cells) => {
                let classes = class_of.get(n);
                for r in cells {
                    let members = classes
                        .and_then(|c| c.get(&r.principal).cloned())
                        .unwrap_or_else(|| Arc::new(vec![r.principal.clone()]));
                    raw.push((members, r));
                }
            }
            Out::Bystanders(found) => {
                for (members, cells) in found {
                    raw.extend(cells.into_iter().map(|r| (members.clone(), r)));
                }
            }
        }
    }
    let (cells, runs) = parallel(&raw, new_run, |run, (_, r)| {
        let before = if r.after < r.before {
            run.grants_before(r)
        } else {
            Vec::new()
        };
        run.cell(r).map(|(op, c)| (op, c, before))
    });
    drop(runs);
    let mut grouper = Grouper::new(eb, ea, scope);
    let run = Run::new(eb, ea, scope, &special);
    for ((members, _), cell) in raw.iter().zip(cells) {
        if let Some((op, c, before)) = cell {
            let name = run.ops.get(op).map_or("", |o| o.name);
            grouper.cell(members, c, name, before);
        }
    }
    // Findings of the classes' first members stand for their classes, except where everyone's were taken.
    let keyed: FxHashMap<&str, usize> = plans
        .iter()
        .enumerate()
        .map(|(n, p)| (p.key.as_str(), n))
        .collect();
    for side in sides.values() {
        let (added, removed) = escalate::compare(std::slice::from_ref(side));
        for (is_added, list) in [(true, added), (false, removed)] {
            for f in list {
                let vault_key = f.vault_id.to_ascii_lowercase();
                let all = work.global
                    || work.wide.contains(&vault_key)
                    || work.escalation_only.contains(&vault_key);
                let members = (!all)
                    .then(|| keyed.get(vault_key.as_str()))
                    .flatten()
                    .and_then(|&n| class_of.get(n))
                    .and_then(|c| c.get(&f.principal.id).cloned())
                    .unwrap_or_else(|| Arc::new(vec![f.principal.id.clone()]));
                grouper.finding(is_added, &f, members);
            }
        }
    }
    let network = run.network(&work);
    let mut out = grouper.finish();
    out.changes = work.structural;
    out.network = network;
    out.stats = stats;
    out
}

enum Job<'p, 'a> {
    Task(Task<'p, 'a>),
    /// The first members of some of a plan's classes.
    Reps {
        plan: usize,
        ids: &'p [String],
    },
    Bystanders(usize),
}

enum Out<'p> {
    Task(Done<'p>),
    Reps(usize, Vec<Raw>),
    Bystanders(Vec<(Members, Vec<Raw>)>),
}

impl Run<'_, '_> {
    /// The grants that held before for a lost cell (the representative's `check` in the snapshot before).
    fn grants_before(&mut self, r: &Raw) -> Vec<Grant> {
        let id = r.from_rep.unwrap_or(r.principal.as_str()).to_string();
        let Some(action) = self.ops.get(r.op).map(|o| o.action.clone()) else {
            return Vec::new();
        };
        self.subject_pair(&id);
        let eb = self.eb;
        let target = self
            .before_targets
            .entry(r.scope.key().to_string())
            .or_insert_with(|| eb.target(&r.scope));
        self.subjects
            .get(&id)
            .and_then(|pair| {
                let request = Request::new(&pair.0, target, &action).via_app(r.via_app.as_deref());
                self.gathered[0].check(eb, &request, &id)
            })
            .map(|v| v.grants)
            .unwrap_or_default()
    }
}

/// What makes two changed cells of one class at one scope print as one line.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Evidence {
    gained: bool,
    before: Decision,
    after: Decision,
    plane: Plane,
    via_app: Option<String>,
    grants: Vec<String>,
    grants_before: Vec<String>,
    denies: Vec<String>,
    unknown_because: Vec<UnknownBecause>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct EscalationKey {
    added: bool,
    technique: &'static str,
    grant: String,
    holder: Option<String>,
    decision: Decision,
    condition: Option<String>,
    unknown_because: Vec<UnknownBecause>,
    lacks: Vec<&'static str>,
}

/// The changed cells of one class at one scope with equal evidence: their operations, one of the cells
/// and the grants before.
type Pending = (
    (Members, String, Evidence),
    Vec<&'static str>,
    CellChange,
    Vec<Grant>,
);

/// Builds the groups from the representatives' changed cells, one (class, scope) at a time.
struct Grouper<'e> {
    eb: &'e Engine,
    ea: &'e Engine,
    range: String,
    /// (class, scope, evidence) → operations and the grants themselves.
    pending: Vec<Pending>,
    pending_at: FxHashMap<(usize, String, Evidence), usize>,
    escalations: Vec<EscalationChange>,
    escalation_at: FxHashMap<EscalationKey, usize>,
    holders: FxHashMap<String, usize>,
}

impl<'e> Grouper<'e> {
    fn new(eb: &'e Engine, ea: &'e Engine, scope: Option<&Scope>) -> Self {
        Self {
            eb,
            ea,
            range: scope.map_or_else(|| "/".to_string(), |s| s.id().to_string()),
            pending: Vec::new(),
            pending_at: FxHashMap::default(),
            escalations: Vec::new(),
            escalation_at: FxHashMap::default(),
            holders: FxHashMap::default(),
        }
    }

    fn cell(&mut self, members: &Members, c: CellChange, op: &'static str, before: Vec<Grant>) {
        let evidence = Evidence {
            gained: c.is_gain(),
            before: c.before,
            after: c.after,
            plane: c.plane,
            via_app: c.via_app.clone(),
            grants: c.grants.iter().map(|g| g.id.clone()).collect(),
            grants_before: before.iter().map(|g| g.id.clone()).collect(),
            denies: c.denies.iter().map(|d| d.id.clone()).collect(),
            unknown_because: c.unknown_because.clone(),
        };
        let key = (Arc::as_ptr(members) as usize, c.scope.clone(), evidence);
        match self.pending_at.get(&key) {
            Some(&at) => {
                if let Some(p) = self.pending.get_mut(at) {
                    p.1.push(op);
                }
            }
            None => {
                let (_, scope, evidence) = key.clone();
                self.pending_at.insert(key, self.pending.len());
                self.pending
                    .push(((members.clone(), scope, evidence), vec![op], c, before));
            }
        }
    }

    /// The principal a grant names, with the identities it stands for in the snapshot after (counted on the
    /// membership graph, once per holder).
    fn holder(&mut self, id: &str) -> Holder {
        let ea = self.ea;
        let n = *self
            .holders
            .entry(id.to_string())
            .or_insert_with(|| identities_under(ea, id));
        Holder::new(ea, id, n)
    }

    fn grant(&mut self, g: &Grant) -> GrantRef {
        GrantRef {
            kind: g.kind,
            id: g.id.clone(),
            role_name: g.role_name.clone(),
            scope: g.scope.clone(),
            holder: self.holder(&g.principal_id),
            condition: g.condition.clone(),
        }
    }

    fn finding(&mut self, added: bool, f: &Finding, members: Members) {
        let key = EscalationKey {
            added,
            technique: f.technique.as_str(),
            grant: f.grant.clone(),
            holder: f.holder.clone(),
            decision: f.decision,
            condition: f.condition.clone(),
            unknown_because: f.unknown_because.clone(),
            lacks: f.lacks.clone(),
        };
        let at = match self.escalation_at.get(&key) {
            Some(&at) => at,
            None => {
                let holder = f.holder.as_deref().map(|h| self.holder(h));
                self.escalation_at.insert(key, self.escalations.len());
                self.escalations.push(EscalationChange {
                    added,
                    technique: f.technique,
                    holder,
                    grant: f.grant.clone(),
                    role_name: f.role_name.clone(),
                    grant_scope: f.grant_scope.clone(),
                    decision: f.decision,
                    condition: f.condition.clone(),
                    gains: f.lacks.clone(),
                    unknown_because: f.unknown_because.clone(),
                    vaults: 0,
                    covers: Vec::new(),
                    identities: 0,
                    findings: 0,
                    expanded: None,
                    entries: Vec::new(),
                });
                self.escalations.len() - 1
            }
        };
        if let Some(g) = self.escalations.get_mut(at) {
            g.entries.push((f.vault_id.clone(), members));
        }
    }

    fn finish(mut self) -> GroupedDiff {
        let mut groups: Vec<ChangeGroup> = Vec::new();
        let mut group_at: FxHashMap<(Evidence, Vec<&'static str>), usize> = FxHashMap::default();
        for ((members, scope, evidence), ops, c, before) in std::mem::take(&mut self.pending) {
            let key = (evidence, ops);
            let at = match group_at.get(&key) {
                Some(&at) => at,
                None => {
                    let grants = c.grants.iter().map(|g| self.grant(g)).collect();
                    let grants_before = before.iter().map(|g| self.grant(g)).collect();
                    groups.push(ChangeGroup {
                        gained: key.0.gained,
                        before: c.before,
                        after: c.after,
                        plane: c.plane,
                        operations: key.1.clone(),
                        via_app: c.via_app.clone(),
                        grants,
                        grants_before,
                        denies: c
                            .denies
                            .iter()
                            .map(|d| DenyRef {
                                id: d.id.clone(),
                                name: d.name.clone(),
                                scope: d.scope.clone(),
                            })
                            .collect(),
                        unknown_because: c.unknown_because.clone(),
                        vaults: 0,
                        covers: Vec::new(),
                        items: Vec::new(),
                        identities: 0,
                        cells: 0,
                        expanded: None,
                        entries: Vec::new(),
                    });
                    group_at.insert(key, groups.len() - 1);
                    groups.len() - 1
                }
            };
            if let Some(g) = groups.get_mut(at) {
                g.entries.push((scope, members));
            }
        }
        let (eb, ea) = (self.eb, self.ea);
        let mut seen = std::collections::HashSet::new();
        let vaults: Vec<&Vault> = ea
            .snapshot
            .vaults
            .iter()
            .chain(&eb.snapshot.vaults)
            .filter(|v| seen.insert(v.scope.key()))
            .collect();
        let position: FxHashMap<&str, u32> = vaults
            .iter()
            .zip(0u32..)
            .map(|(v, i)| (v.scope.key(), i))
            .collect();
        let layout = Layout::new(&vaults, &self.range);
        let covers = |entries: &[(String, Members)], items: &mut Vec<String>| {
            let mut at: Vec<(u32, u32)> = Vec::new();
            for (scope, m) in entries {
                let parsed = Scope::parse(scope).ok();
                let vault = parsed.as_ref().and_then(Scope::vault);
                if parsed.as_ref().is_some_and(|p| Some(p) != vault.as_ref()) {
                    items.push(scope.clone());
                }
                if let Some(&p) = vault.as_ref().and_then(|v| position.get(v.key())) {
                    at.push((p, m.len() as u32));
                }
            }
            at.sort_unstable();
            at.dedup_by_key(|e| e.0);
            items.sort();
            items.dedup();
            (at.len(), layout.covers(&vaults, &at))
        };
        let mut out = GroupedDiff::default();
        let mut everyone = rustc_hash::FxHashSet::default();
        for g in &mut groups {
            let mut items = Vec::new();
            (g.vaults, g.covers) = covers(&g.entries, &mut items);
            g.items = items;
            g.identities = distinct(&g.entries).len();
            g.cells = g.entries.iter().map(|(_, m)| m.len()).sum::<usize>() * g.operations.len();
            if g.gained {
                out.gained += g.cells;
            } else {
                out.lost += g.cells;
            }
            everyone.extend(distinct(&g.entries));
        }
        out.identities = everyone.len();
        for g in &mut self.escalations {
            (g.vaults, g.covers) = covers(&g.entries, &mut Vec::new());
            g.identities = distinct(&g.entries).len();
            g.findings = g.entries.iter().map(|(_, m)| m.len()).sum();
            if g.added {
                out.escalations_added += g.findings;
            } else {
                out.escalations_removed += g.findings;
            }
        }
        groups.sort_by_key(|g| (!g.gained, std::cmp::Reverse(g.cells)));
        self.escalations
            .sort_by_key(|g| (!g.added, std::cmp::Reverse(g.findings)));
        out.groups = groups;
        out.escalations = self.escalations;
        out
    }
}

/// How many identities (non-groups) `id` stands for: itself, or a group's transitive members.
fn identities_under(e: &Engine, id: &str) -> usize {
    if !e.is_group(id) {
        return 1;
    }
    let graph = e.index.memberships();
    let mut seen: rustc_hash::FxHashSet<&str> = rustc_hash::FxHashSet::default();
    seen.insert(id);
    let mut stack = vec![id];
    let mut n = 0;
    while let Some(g) = stack.pop() {
        for m in graph.members_of(g) {
            if !seen.insert(m) {
                continue;
            }
            if graph.has_members(m) {
                stack.push(m);
            }
            if !e.is_group(m) {
                n += 1;
            }
        }
    }
    n
}
