//! Self-grants of many rows asked one at a time (`paths --from`: each node reached, at the vaults whose
//! rows name it): the nodes hold their own assignments, but of few roles, so rows of different nodes and
//! vaults mostly decide the levers alike, and a node's rows at vaults of different classes cite the same
//! lever verdicts. [`findings_of_row`](super::findings_of_row) decides each row on its own; here what
//! decides is kept from row to row.

use rustc_hash::FxHashMap;

use super::levers::{Decided, Levers};
use super::{Finding, LeverVerdicts, findings_of_levers, levers};
use crate::eval::decide::{Row, RowKey};
use crate::eval::{Engine, Subject, Target};
use crate::model::Vault;

/// What [`RowFindings::findings`] keeps from row to row.
#[derive(Default)]
pub(crate) struct RowFindings {
    /// Lever decisions and what a row lacks, by [`Row::decision_key_by_entries`]: rows with equal keys get
    /// equal decisions for every action, at any vault, and both are decisions alone.
    decided: FxHashMap<RowKey, Decided>,
    /// The lever verdicts findings cite, shared as the escalation walk shares them across vaults (by
    /// the row's RBAC part, which names nothing of the vault or the subject).
    verdicts: LeverVerdicts,
}

impl RowFindings {
    /// [`findings_of_row`](super::findings_of_row): the same findings, from what earlier rows decided,
    /// of a row whose [`Row::decision_key_by_entries`] the caller already has (`key`: the cells are decided
    /// by it too). Only for a subject that is not a group and a row with some role assignment: the others
    /// have no self-grant, so the caller asks nothing.
    pub(crate) fn findings(
        &mut self,
        engine: &Engine,
        (vault, target): (&Vault, &Target),
        subject: &Subject,
        row: &Row,
        key: &RowKey,
    ) -> Vec<Finding> {
        let decided = match self.decided.get(key) {
            Some(decided) => decided.clone(),
            None => self
                .decided
                .entry(key.clone())
                .or_insert_with(|| Decided::of(engine, row, levers()))
                .clone(),
        };
        let l = Levers::of(engine, row, decided);
        findings_of_levers((engine, vault, target), subject, row, &l, &self.verdicts)
    }
}

#[cfg(test)]
mod tests;
