//! Escalation paths that appear or disappear: the self-escalation findings of each vault before and after,
//! compared by who, where, how and with what decision.

use std::collections::{BTreeSet, HashSet};

use crate::eval::{Decision, Engine};
use crate::model::Vault;
use crate::query::{self, Finding};

/// The findings at one vault in one snapshot: every identity's (`among` is `None`) when something about
/// the vault itself differs, otherwise only those of the identities compared there, since nobody else's
/// decisions can differ.
pub(super) fn findings(engine: &Engine, vault: &Vault, among: Option<&[String]>) -> Vec<Finding> {
    match among {
        None => query::escalations_for_vault(engine, vault),
        Some(ids) => {
            let chosen: BTreeSet<String> = ids.iter().cloned().collect();
            query::escalations_for_vault_among(engine, vault, &chosen)
        }
    }
}

/// What makes two findings the same path.
fn identity(f: &Finding) -> (String, String, &'static str, Decision) {
    (
        f.principal.id.clone(),
        f.vault_id.to_ascii_lowercase(),
        f.technique.as_str(),
        f.decision,
    )
}

/// (added, removed) over (before, after) findings, vault by vault.
pub(super) fn compare(sides: &[(Vec<Finding>, Vec<Finding>)]) -> (Vec<Finding>, Vec<Finding>) {
    let mut added = Vec::new();
    let mut removed = Vec::new();
    for (before, after) in sides {
        let before_ids: HashSet<_> = before.iter().map(identity).collect();
        let after_ids: HashSet<_> = after.iter().map(identity).collect();
        added.extend(
            after
                .iter()
                .filter(|f| !before_ids.contains(&identity(f)))
                .cloned(),
        );
        removed.extend(
            before
                .iter()
                .filter(|f| !after_ids.contains(&identity(f)))
                .cloned(),
        );
    }
    (added, removed)
}
