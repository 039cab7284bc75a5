//! Answers shared across vaults. A class's changed cells, their evidence and its escalation findings at a
//! vault follow from its rows there before and after (the assignments and deny assignments that reach its
//! members, and the vault's permission model and purge protection: `Row::key_across_vaults`) and the
//! vault's template-deployment flag. So the classes of many vaults with equal rows — the members of a group
//! whose subscription-wide assignment is removed, at every vault of the subscription — are compared once
//! (the first such class is the leader), and the answer is given to each (class, vault) with the vault's
//! name. A row that names anything of its vault (an access-policy entry, an application called through, an
//! item with grants of its own, a gap, a vault without properties) has no key: its class is its own leader.
//! Network rules are not part of the key: the diff decides without a caller location, so they decide
//! nothing here (their changes are reported apart).

use super::classes::Members;
use super::grouper::Evidence;
use super::memo::Keys;
use super::*;
use crate::eval::Request;
use crate::eval::decide::RowKey;
use crate::model::PrincipalKind;

/// What decides a class's answer at a vault, whatever the vault.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) struct ShareKey {
    rows: [RowKey; 2],
    kinds: [PrincipalKind; 2],
    /// The vault's template-deployment flag before and after (an escalation technique).
    deployment: [bool; 2],
    /// Whether the vault's findings are taken for everyone there (then a class's own are not taken).
    everyone: bool,
}

/// A class's changed cells at one scope with equal evidence: their operations, in catalog order, one of
/// the cells and the grants that held before.
pub(super) struct Entry {
    pub(super) scope: String,
    pub(super) evidence: Evidence,
    pub(super) ops: Vec<&'static str>,
    pub(super) cell: CellChange,
    pub(super) before: Vec<Grant>,
}

/// What a leader's class answers at its vault.
pub(super) struct Answer {
    pub(super) entries: Vec<Entry>,
    /// Escalation findings that appear (`true`) or disappear, in that order; empty where the vault's are
    /// taken for everyone.
    pub(super) findings: Vec<(bool, Finding)>,
}

impl<'a> Run<'_, 'a> {
    /// The key under which `id`'s class at the plan's vault may share its answer; `None` when the answer
    /// can name something of the vault itself.
    pub(super) fn share_key(
        &mut self,
        id: &str,
        plan: &VaultPlan<'a>,
        everyone: bool,
    ) -> Option<ShareKey> {
        let [t] = plan.targets.as_slice() else {
            return None;
        };
        let unplaced =
            t.before.ancestry.unplaced_subscription || t.after.ancestry.unplaced_subscription;
        if t.scope != plan.scope || unplaced {
            return None;
        }
        let (eb, ea) = (self.eb, self.ea);
        let deployment = [eb, ea].map(|e| {
            self.vault_in(e, &plan.key)
                .map(|v| v.enabled_for_template_deployment)
        });
        let [Some(b), Some(a)] = deployment else {
            return None;
        };
        self.subject_pair(id);
        self.name(id);
        let (pair, named) = (self.subjects.get(id)?, self.named.get(id)?);
        let [before, after] = self.rows(pair, named, t, None);
        let (before, after) = (before.key_across_vaults()?, after.key_across_vaults()?);
        if !self.apps(&plan.scope, pair).is_empty() {
            return None;
        }
        Some(ShareKey {
            rows: [before, after],
            kinds: [pair.0.principal.kind, pair.1.principal.kind],
            deployment: [b, a],
            everyone,
        })
    }

    /// The answer of the class led by `rep` at the plan's vault: its changed cells with their evidence and,
    /// unless the vault's findings are taken for everyone, its escalation findings.
    pub(super) fn answer(&mut self, plan: &VaultPlan<'a>, rep: &str, everyone: bool) -> Answer {
        let mut raw = Vec::new();
        self.principal(rep, &plan.scope, &plan.targets, &mut raw);
        // The rows just prepared at the vault serve the evidence and the findings.
        let rows = self
            .vault_rows
            .take()
            .filter(|(id, _)| id == rep)
            .map(|(_, rows)| rows);
        let keys = match &rows {
            Some(rows) if !raw.is_empty() => {
                for (gathering, row) in self.gathered.iter_mut().zip(rows) {
                    gathering.seed(rep, plan.scope.key(), row.assignments());
                }
                self.keys(plan, rep, rows)
            }
            _ => None,
        };
        let entries = self.entries(&raw, keys.as_ref());
        let findings = if everyone {
            Vec::new()
        } else {
            self.own_findings(plan, rep, rows)
        };
        Answer { entries, findings }
    }

    /// The escalation findings of `rep` that appear or disappear at the plan's vault (what the vault's
    /// findings among its compared identities give for it); `rows` are its rows there, when prepared.
    fn own_findings(
        &mut self,
        plan: &VaultPlan<'a>,
        rep: &str,
        rows: Option<[Row<'a>; 2]>,
    ) -> Vec<(bool, Finding)> {
        self.subject_pair(rep);
        let Some(pair) = self.subjects.get(rep) else {
            return Vec::new();
        };
        let [before, after] = rows.map_or([None, None], |r| r.map(Some));
        let planned = plan.targets.first();
        let side = |e: &Engine, subject: &Subject, row: Option<Row<'a>>, made: Option<&Target>| {
            let Some(vault) = self.vault_in(e, &plan.key) else {
                return Vec::new();
            };
            // The plan's target at the vault is this one when spelled the same (it names the vault).
            let own;
            let target = match made.filter(|t| t.scope.id() == vault.scope.id()) {
                Some(t) => t,
                None => {
                    own = e.target(&vault.scope);
                    &own
                }
            };
            let row = row.unwrap_or_else(|| e.prepare(subject, target, None));
            crate::query::findings_of_row(e, vault, target, subject, &row)
        };
        let (before, after) = (
            side(self.eb, &pair.0, before, planned.map(|t| &t.before)),
            side(self.ea, &pair.1, after, planned.map(|t| &t.after)),
        );
        let (added, removed) = escalate::compare(&[(before, after)]);
        let added = added.into_iter().map(|f| (true, f));
        added
            .chain(removed.into_iter().map(|f| (false, f)))
            .collect()
    }

    /// Changed cells with their evidence, joined by scope and evidence in the order they come; `keys` let
    /// cells at the vault take evidence already taken for another class.
    pub(super) fn entries(&mut self, raw: &[Raw], keys: Option<&Keys>) -> Vec<Entry> {
        let mut out: Vec<Entry> = Vec::new();
        for r in raw {
            let before = if r.after < r.before {
                self.remembered(false, r, keys, |run| (run.grants_before(r), vec![], vec![]))
                    .0
            } else {
                Vec::new()
            };
            let after = self.remembered(true, r, keys, |run| {
                run.evidence_after(r).unwrap_or_default()
            });
            let Some((op, cell)) = self.change(r, after) else {
                continue;
            };
            let name = self.ops.get(op).map_or("", |o| o.name);
            let evidence = Evidence::of(&cell, &before);
            match out
                .iter_mut()
                .find(|e| e.scope == cell.scope && e.evidence == evidence)
            {
                Some(e) => e.ops.push(name),
                None => out.push(Entry {
                    scope: cell.scope.clone(),
                    evidence,
                    ops: vec![name],
                    cell,
                    before,
                }),
            }
        }
        out
    }

    /// The bystander classes of a wide vault with their entries.
    pub(super) fn bystander_entries(&mut self, plan: &VaultPlan<'a>) -> Vec<(Members, Vec<Entry>)> {
        self.bystander_classes(&plan.scope, &plan.targets, &plan.ids)
            .into_iter()
            .map(|(members, cells)| (members, self.entries(&cells, None)))
            .collect()
    }

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
