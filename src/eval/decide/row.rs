//! A [`Row`]: what one (subject, target) pair brings to every decision there, gathered once; and its keys,
//! by which bulk questions decide equal rows once.

use super::DenyReach;
use crate::model::{PolicyKind, Vault};

/// Everything about one (subject, target) pair that does not depend on the action.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    /// Role assignments naming the subject or its groups at the target or above: (assignment, definition).
    pub(in crate::eval) assignments: Vec<(usize, Option<usize>)>,
    /// Definitions of assignments at management groups that may or may not contain the target.
    pub(in crate::eval) unattributable: Vec<usize>,
    pub(in crate::eval) denies: Vec<(usize, DenyReach)>,
    pub(in crate::eval) grant_gaps: bool,
    pub(in crate::eval) deny_gaps: bool,
    /// Access-policy entries that apply to the subject (compound entries only through their application).
    pub(in crate::eval) entries: Vec<usize>,
    pub(in crate::eval) policy_gaps: bool,
    pub(in crate::eval) vault: Option<&'a Vault>,
    pub(in crate::eval) groups_known: bool,
    pub(in crate::eval) in_directory: bool,
    pub(in crate::eval) target_is_data_capable: bool,
    /// The secret the target is, when it is one: conditions on its name are decided (docs/semantics.md D10).
    pub(in crate::eval) secret: Option<String>,
}

/// Everything [`Engine::decide`] reads from a [`Row`]: rows with equal keys get equal decisions for every
/// action, so a bulk query decides each distinct key once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RowKey {
    assignments: Vec<(usize, Option<usize>)>,
    unattributable: Vec<usize>,
    denies: Vec<(usize, DenyReach)>,
    entries: Vec<usize>,
    /// The vault whose entries `entries` points into (its address); 0 when there are none.
    entries_of: usize,
    /// The entries' permissions by kind ([`PolicyKind::ALL`]), in a key that stands for the entries by what
    /// they hold rather than where they are ([`Row::decision_key_by_entries`]); empty otherwise.
    entry_permissions: Vec<[Vec<String>; 4]>,
    /// grant, deny and policy gaps, groups known, in directory, data capable, has a vault, RBAC vault,
    /// purge protection, vault properties missing.
    flags: [bool; 10],
    secret: Option<String>,
}

/// What a management-plane verdict reads from a [`Row`] that has no condition, gap or unknown membership:
/// rows with equal keys at any vaults get the same verdicts for a management action but for the target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RbacKey {
    assignments: Vec<(usize, Option<usize>)>,
    denies: Vec<(usize, DenyReach)>,
}

impl RbacKey {
    /// The key for one action, which only the role definitions `may_grant` can grant: an assignment of
    /// another role is passed over by the scan (`Rbac::examine`), so it adds nothing to that action's
    /// decision, grants or reasons, and rows that differ only by such assignments share the verdict.
    pub fn for_action(&self, may_grant: impl Fn(usize) -> bool) -> RbacKey {
        RbacKey {
            assignments: self
                .assignments
                .iter()
                .filter(|(_, role)| role.is_none_or(&may_grant))
                .copied()
                .collect(),
            denies: self.denies.clone(),
        }
    }
}

impl<'a> Row<'a> {
    /// The row's [`RbacKey`]; `None` when a verdict may depend on more (a condition, a gap, unknown
    /// memberships, a principal missing from the directory, grants that cannot be placed).
    pub fn rbac_key(&self, snapshot: &crate::model::Snapshot) -> Option<RbacKey> {
        let plain = self.groups_known
            && self.in_directory
            && !self.grant_gaps
            && !self.deny_gaps
            && self.unattributable.is_empty()
            && self.assignments.iter().all(|&(i, role)| {
                role.is_some()
                    && snapshot
                        .role_assignments
                        .get(i)
                        .is_some_and(|a| a.condition.is_none())
            });
        plain.then(|| RbacKey {
            assignments: self.assignments.clone(),
            denies: self.denies.clone(),
        })
    }

    /// The role assignments naming the subject or its groups at or above the target: (assignment, role
    /// definition).
    pub fn assignments(&self) -> &[(usize, Option<usize>)] {
        &self.assignments
    }

    /// The target vault's access-policy entries that apply to the subject (positions in its list).
    pub fn entries(&self) -> &[usize] {
        &self.entries
    }

    /// The row's [`RowKey`] when a verdict built from it names nothing of the vault itself: memberships
    /// known, the principal in the directory, no collection gaps, no access-policy entry (entries belong to
    /// their vault), no grant that cannot be placed, the vault's properties known, not an item. Rows with
    /// equal such keys at different vaults get the same decisions and the same evidence (grants, denies,
    /// reasons) for every action; `None` otherwise.
    pub fn key_across_vaults(&self) -> Option<RowKey> {
        let plain = self.groups_known
            && self.in_directory
            && !self.grant_gaps
            && !self.deny_gaps
            && !self.policy_gaps
            && self.unattributable.is_empty()
            && self.entries.is_empty()
            && self.secret.is_none()
            && self.target_is_data_capable
            && self.vault.is_some_and(|v| !v.properties_missing);
        plain.then(|| self.key())
    }

    /// What [`Engine::decide`](crate::eval::Engine::decide) reads of the row for a data operation: at a
    /// vault that uses access policies (its properties known), the entries and flags alone; elsewhere the
    /// key without the assignments whose roles cannot match a data operation (`grants_data` says which:
    /// such an assignment is passed over before its condition is read). Rows with equal data keys get
    /// equal decisions for every data operation.
    pub fn data_key(&self, grants_data: impl Fn(usize) -> bool) -> RowKey {
        let by_policy = self.target_is_data_capable
            && self
                .vault
                .is_some_and(|v| !v.rbac_authorization && !v.properties_missing);
        let mut key = self.key_with(if by_policy {
            Vec::new()
        } else {
            self.assignments
                .iter()
                .filter(|(_, role)| role.is_none_or(&grants_data))
                .copied()
                .collect()
        });
        if by_policy {
            key.unattributable.clear();
            key.denies.clear();
            key.secret = None;
        }
        key
    }

    /// What [`Engine::decide`](crate::eval::Engine::decide) reads of the row for a management operation:
    /// the [decision key](Row::decision_key) without the access-policy entries (that plane reads none) and
    /// without the assignments whose roles cannot match the operations asked (`may_match` says which). Rows
    /// with equal such keys get equal decisions for those operations.
    pub fn management_key(
        &self,
        snapshot: &crate::model::Snapshot,
        may_match: impl Fn(usize) -> bool,
    ) -> RowKey {
        let mut key = self.key_with(by_role(
            snapshot,
            self.assignments
                .iter()
                .filter(|(_, role)| role.is_none_or(&may_match)),
        ));
        key.entries.clear();
        key.entries_of = 0;
        key
    }

    /// The row at another vault where it holds the same: the subject's grants, denies and gaps there are
    /// those here (nothing at or above either vault but the same grants naming the subject) and no
    /// access-policy entry applies to it at either. `None` when one applies here (entries are the vault's).
    pub fn at_alike_vault(&self, vault: &'a Vault) -> Option<Row<'a>> {
        self.entries.is_empty().then(|| Row {
            vault: Some(vault),
            ..self.clone()
        })
    }

    pub fn key(&self) -> RowKey {
        self.key_with(self.assignments.clone())
    }

    /// The key by what [`Engine::decide`](crate::eval::Engine::decide) reads of the row's role assignments:
    /// the role of each, and the condition of those that have one. Rows of different principals holding
    /// the same roles this way (at other vaults and subscriptions, through other assignments) get equal
    /// decisions for every action; the grants they cite are not part of a decision.
    pub fn decision_key(&self, snapshot: &crate::model::Snapshot) -> RowKey {
        self.key_with(by_role(snapshot, self.assignments.iter()))
    }

    /// [`Row::decision_key`] with the access-policy entries stood for by their permissions, as a decision
    /// reads them: at a vault that uses access policies (its properties known) the data plane reads only
    /// their permissions, elsewhere no plane reads them. Rows with equal such keys get equal decisions for
    /// every action, at any vault (their evidence differs).
    pub fn decision_key_by_entries(&self, snapshot: &crate::model::Snapshot) -> RowKey {
        let mut key = self.decision_key(snapshot);
        key.entries.clear();
        key.entries_of = 0;
        if let Some(v) = self.vault
            && !v.rbac_authorization
            && !v.properties_missing
        {
            let entries = self
                .entries
                .iter()
                .filter_map(|&i| v.access_policies.get(i));
            key.entry_permissions = entries
                .map(|e| PolicyKind::ALL.map(|kind| e.permissions(kind).to_vec()))
                .collect();
        }
        key
    }

    fn key_with(&self, assignments: Vec<(usize, Option<usize>)>) -> RowKey {
        RowKey {
            assignments,
            unattributable: self.unattributable.clone(),
            denies: self.denies.clone(),
            entries: self.entries.clone(),
            entries_of: match self.vault {
                Some(v) if !self.entries.is_empty() => std::ptr::from_ref(v) as usize,
                _ => 0,
            },
            entry_permissions: Vec::new(),
            flags: [
                self.grant_gaps,
                self.deny_gaps,
                self.policy_gaps,
                self.groups_known,
                self.in_directory,
                self.target_is_data_capable,
                self.vault.is_some(),
                self.vault.is_some_and(|v| v.rbac_authorization),
                self.vault.is_some_and(|v| v.purge_protection),
                self.vault.is_some_and(|v| v.properties_missing),
            ],
            secret: self.secret.clone(),
        }
    }
}

/// Role assignments as a decision reads them: one without a condition counts by its role alone (one such
/// grant of a role is as good as two), one with a condition by its own position.
fn by_role<'r>(
    snapshot: &crate::model::Snapshot,
    assignments: impl Iterator<Item = &'r (usize, Option<usize>)>,
) -> Vec<(usize, Option<usize>)> {
    /// Stands for any assignment without a condition.
    const PLAIN: usize = usize::MAX;
    let mut out: Vec<(usize, Option<usize>)> = assignments
        .map(|&(i, role)| {
            let conditional = snapshot
                .role_assignments
                .get(i)
                .is_none_or(|a| a.condition.is_some());
            (if conditional { i } else { PLAIN }, role)
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}
