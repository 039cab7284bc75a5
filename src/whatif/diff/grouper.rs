//! Builds the groups of the grouped diff from the classes' answers: a class's changed cells at a scope with
//! equal evidence and operations join one group, and an escalation finding joins the group of its
//! technique, grant and decision. Groups appear in the order their first cell is given.

use rustc_hash::FxHashMap;

use super::classes::Members;
use super::shared::Entry;
use super::*;
use crate::eval::UnknownBecause;
use crate::query::grouped::{Holder, Layout};
use crate::whatif::grouped::{
    ChangeGroup, DenyRef, EscalationChange, GrantRef, GroupedDiff, distinct,
};

/// What makes two changed cells of one class at one scope print as one line.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) struct Evidence {
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

impl Evidence {
    pub(super) fn of(c: &CellChange, before: &[Grant]) -> Self {
        Self {
            gained: c.is_gain(),
            before: c.before,
            after: c.after,
            plane: c.plane,
            via_app: c.via_app.clone(),
            grants: c.grants.iter().map(|g| g.id.clone()).collect(),
            grants_before: before.iter().map(|g| g.id.clone()).collect(),
            denies: c.denies.iter().map(|d| d.id.clone()).collect(),
            unknown_because: c.unknown_because.clone(),
        }
    }
}

/// A gained or lost self-grant path: the grouped escalations' key, and what the path would gain.
#[derive(Clone, PartialEq, Eq, Hash)]
struct EscalationKey {
    added: bool,
    finding: crate::query::grouped::escalations::Key,
    lacks: Vec<&'static str>,
}

pub(super) struct Grouper<'e> {
    eb: &'e Engine,
    ea: &'e Engine,
    range: String,
    groups: Vec<ChangeGroup>,
    group_at: FxHashMap<(Evidence, Vec<&'static str>), usize>,
    escalations: Vec<EscalationChange>,
    escalation_at: FxHashMap<EscalationKey, usize>,
    holders: FxHashMap<String, usize>,
}

impl<'e> Grouper<'e> {
    pub(super) fn new(eb: &'e Engine, ea: &'e Engine, scope: Option<&Scope>) -> Self {
        Self {
            eb,
            ea,
            range: scope.map_or_else(|| "/".to_string(), |s| s.id().to_string()),
            groups: Vec::new(),
            group_at: FxHashMap::default(),
            escalations: Vec::new(),
            escalation_at: FxHashMap::default(),
            holders: FxHashMap::default(),
        }
    }

    /// The group of `e`'s evidence and operations, made on first use.
    pub(super) fn group(&mut self, e: &Entry) -> usize {
        let key = (e.evidence.clone(), e.ops.clone());
        if let Some(&at) = self.group_at.get(&key) {
            return at;
        }
        let c = &e.cell;
        let grants = c.grants.iter().map(|g| self.grant(g)).collect();
        let grants_before = e.before.iter().map(|g| self.grant(g)).collect();
        self.groups.push(ChangeGroup {
            gained: c.is_gain(),
            before: c.before,
            after: c.after,
            plane: c.plane,
            operations: e.ops.clone(),
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
        self.group_at.insert(key, self.groups.len() - 1);
        self.groups.len() - 1
    }

    /// Adds a class's cells at `scope` to group `at`.
    pub(super) fn push(&mut self, at: usize, scope: &str, members: &Members) {
        if let Some(g) = self.groups.get_mut(at) {
            g.entries.push((scope.to_string(), members.clone()));
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

    /// Adds a finding of `members` at `vault_id` (a class's finding stands for every member).
    pub(super) fn finding(&mut self, added: bool, f: &Finding, vault_id: &str, members: Members) {
        let key = EscalationKey {
            added,
            finding: crate::query::grouped::escalations::Key::of(f),
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
            g.entries.push((vault_id.to_string(), members));
        }
    }

    pub(super) fn finish(mut self) -> GroupedDiff {
        let mut groups = std::mem::take(&mut self.groups);
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
            (at.len(), layout.covers(&at))
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
