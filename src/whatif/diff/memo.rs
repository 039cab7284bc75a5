//! Evidence shared between the classes compared at different vaults. A changed cell's evidence (grants,
//! deny assignments, reasons for unknown) is `check` in one snapshot, and at a vault, called directly, it
//! follows from less than the whole row:
//! - a management operation's from the row's role and deny assignments when none has a condition, nothing
//!   is missing and memberships are known (`Row::rbac_key`, as the escalation levers share their verdicts),
//!   and the vault's purge protection (a purge is denied under it);
//! - any operation's from `Row::key_across_vaults` (no access-policy entry, gap or missing property).
//!
//! So a class whose own answer cannot be shared (its row names an entry of its vault) still takes the
//! evidence of its management cells from the first class with the same assignments, and the grouped diff
//! runs one `check` per distinct key and operation instead of one per changed cell. Principal kinds are part
//! of the key; a subscription placed under no known management group takes no shortcut.

use std::sync::Mutex;

use rustc_hash::FxHashMap;

use super::cells::{Evidence, Raw};
use super::*;
use crate::eval::decide::{RbacKey, RowKey};
use crate::model::PrincipalKind;

/// What decides one side's evidence of a cell at the vault, whatever the vault and the identity.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Decides {
    /// A management operation: the RBAC part of the row and the vault's purge protection.
    Management(RbacKey, Option<bool>),
    /// Any operation: the row.
    Row(RowKey),
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    after: bool,
    op: usize,
    kind: PrincipalKind,
    decides: Decides,
}

/// Evidence by key, shared by the workers of one grouped diff.
#[derive(Default)]
pub(super) struct EvidenceMemo(Mutex<FxHashMap<Key, Evidence>>);

/// The keys of one compared class at its vault, before (`[0]`) and after.
pub(super) struct Keys {
    vault: Scope,
    management: [Option<(RbacKey, Option<bool>)>; 2],
    rows: [Option<RowKey>; 2],
    kinds: [PrincipalKind; 2],
}

impl Keys {
    /// The key of `r`'s evidence on one side; `None` when it may depend on more (an application, an item,
    /// a bystander's representative).
    fn of(&self, after: bool, r: &Raw, plane: Plane) -> Option<Key> {
        if r.via_app.is_some() || r.from_rep.is_some() || r.scope != self.vault {
            return None;
        }
        let side = usize::from(after);
        let rbac = self.management.get(side).cloned().flatten();
        let decides = match (plane, rbac) {
            (Plane::Management, Some((k, purge))) => Decides::Management(k, purge),
            _ => Decides::Row(self.rows.get(side).cloned().flatten()?),
        };
        Some(Key {
            after,
            op: r.op,
            kind: self.kinds[side],
            decides,
        })
    }
}

impl<'a> Run<'_, 'a> {
    /// The keys of `rep`'s evidence at the plan's vault from its rows there (`None` for a subscription
    /// placed under no known management group).
    pub(super) fn keys(
        &mut self,
        plan: &VaultPlan<'a>,
        rep: &str,
        rows: &[Row<'a>; 2],
    ) -> Option<Keys> {
        let t = plan.targets.first()?;
        if t.before.ancestry.unplaced_subscription || t.after.ancestry.unplaced_subscription {
            return None;
        }
        self.subject_pair(rep);
        let pair = self.subjects.get(rep)?;
        let kinds = [pair.0.principal.kind, pair.1.principal.kind];
        let engines = [self.eb, self.ea];
        let management = [0, 1].map(|s| {
            let purge = self
                .vault_in(engines[s], &plan.key)
                .map(|v| v.purge_protection);
            rows[s].rbac_key(&engines[s].snapshot).map(|k| (k, purge))
        });
        Some(Keys {
            vault: plan.scope.clone(),
            management,
            rows: [rows[0].key_across_vaults(), rows[1].key_across_vaults()],
            kinds,
        })
    }

    /// `r`'s evidence on one side: remembered under its key, or computed by `compute` (and remembered).
    pub(super) fn remembered(
        &mut self,
        after: bool,
        r: &Raw,
        keys: Option<&Keys>,
        compute: impl FnOnce(&mut Self) -> Evidence,
    ) -> Evidence {
        let plane = self.ops.get(r.op).map(|o| o.plane);
        let key = self
            .memo
            .and(keys)
            .zip(plane)
            .and_then(|(k, plane)| k.of(after, r, plane));
        let Some((memo, key)) = self.memo.zip(key) else {
            return compute(self);
        };
        if let Some(found) = memo.0.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return found;
        }
        let e = compute(self);
        if let Ok(mut m) = memo.0.lock() {
            m.insert(key, e.clone());
        }
        e
    }
}
