//! A subject's row at a vault whose ancestry was gathered once for every subject: [`VaultRows::row`] works
//! out what lies above each resource group again for each subject (a search asks thousands of subjects,
//! mostly at resource groups no other vault of theirs shares), where the vault's whole ancestry, kept
//! beside the vault list, gives the same scopes in the same order.

use super::{Gaps, VaultRows};
use crate::eval::decide::Row;
use crate::eval::index::Ancestry;
use crate::model::{ScopeKind, Vault};

impl<'a> VaultRows<'_, 'a> {
    /// [`VaultRows::row`] at `vault` from its `ancestry` (`Index::ancestry` of its scope): the vault itself,
    /// its resource group, then everything [`VaultRows::row`] gathers from the subscription up, so the
    /// assignments and denies come in the same order. `entries_named` is false only when no access-policy
    /// entry of the vault names the subject or its groups (their scan is skipped). `quiet` only when no
    /// deny assignment, collection error or unplaced subscription is at or above the vault: the row then
    /// holds no deny, gap or unattributable grant, and only the assignments are looked up scope by scope.
    pub fn row_under(
        &mut self,
        vault: &'a Vault,
        ancestry: &Ancestry,
        entries_named: bool,
        quiet: bool,
    ) -> Row<'a> {
        let scope = &vault.scope;
        // Any other scope takes `prepare`'s way there, as in `row` (a vault's key always has a parent's).
        if scope.kind() != ScopeKind::Vault {
            return self.row(vault);
        }
        if quiet {
            let assignments = self.assigned_along(ancestry);
            let gaps = Gaps {
                grant: false,
                deny: false,
                policy: false,
            };
            return self.finish(
                scope,
                assignments,
                Vec::new(),
                Vec::new(),
                gaps,
                entries_named,
            );
        }
        let along = self.along(ancestry, true);
        let gaps = Gaps {
            grant: along.grant_gap,
            deny: along.deny_gap,
            policy: along.policy_gap,
        };
        self.finish(
            scope,
            along.assignments,
            along.unattributable,
            along.denies,
            gaps,
            entries_named,
        )
    }
}
