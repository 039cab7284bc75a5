//! Rules against a change list: the state it leaves, and `no-new-access` against its difference, with
//! each violation traced to the plan resources behind it.

use std::collections::HashMap;
use std::sync::Arc;

use crate::display::in_words;
use crate::eval::{Engine, Grant, GrantKind, PrincipalRef};
use crate::model::{Snapshot, Vault};
use crate::whatif::{Change, GrantRef, GroupedDiff, Outcome, Pending, diff_grouped};

use super::evaluate::{VaultTags, base, evaluate};
use super::rules::Rule;
use super::{Report, Violation};

/// What a change list or plan did, for `no-new-access`.
pub struct ChangeInput<'a> {
    pub diff: &'a GroupedDiff,
    /// Plan changes that could not be evaluated.
    pub pending: &'a [Pending],
    /// Each applied change in canonical form (ids filled in), with the plan address it came from.
    pub applied: &'a [(Change, String)],
}

/// Why a change list could not be gated: a rule cannot be decided (the changes applied already).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GateError {
    #[error("{0}")]
    Rules(String),
}

/// Checks the rules against the state an applied change list (from a plan, or written by hand) leaves, and
/// `no-new-access` against the difference. `address` names the plan resource of the change at a position
/// of the scenario; `pending` are the plan's changes that could not be evaluated. `Err` is a rule's problem,
/// in words.
#[allow(clippy::too_many_arguments)]
pub fn evaluate_outcome(
    snapshot: &Arc<Snapshot>,
    outcome: Outcome,
    address: impl Fn(usize) -> String,
    pending: &[Pending],
    rules: &[Rule],
    tags: &VaultTags,
    today: &str,
    rules_file: &str,
) -> Result<(Report, GroupedDiff), GateError> {
    // The engine after takes what the change list left alone from the engine before.
    let before = Engine::new(snapshot.clone());
    let after = Engine::after(&before, outcome.snapshot);
    let mut diff = diff_grouped(&before, &after, None);
    diff.changes = outcome.applied.len();
    let applied: Vec<(Change, String)> = outcome
        .applied
        .iter()
        .map(|x| (x.change.clone(), address(x.index)))
        .collect();
    let input = ChangeInput {
        diff: &diff,
        pending,
        applied: &applied,
    };
    let report =
        evaluate(&after, rules, tags, Some(&input), today, rules_file).map_err(GateError::Rules)?;
    Ok((report, diff))
}

/// Every group of the difference where someone gains data access, one violation per (group, vault): the
/// identity when one gains it there, else the holder of the grant that decides it with how many identities
/// it reaches; and every change not evaluated that may add access.
pub(super) fn new_access(
    engine: &Engine,
    vaults: &[&Vault],
    change: &ChangeInput,
) -> Vec<Violation> {
    let by_key: HashMap<&str, &Vault> = vaults.iter().map(|v| (v.scope.key(), *v)).collect();
    let mut out: Vec<Violation> = Vec::new();
    for g in change.diff.groups.iter().filter(|g| g.gains_data_access()) {
        let mut at: Vec<(&Vault, Vec<&str>)> = Vec::new();
        for (scope, members) in g.entries() {
            let Some(vault) = crate::model::Scope::parse(scope)
                .ok()
                .and_then(|s| s.vault())
            else {
                continue;
            };
            let Some(v) = by_key.get(vault.key()) else {
                continue;
            };
            match at.iter_mut().find(|(x, _)| x.scope == v.scope) {
                Some((_, ids)) => ids.extend(members.iter().map(String::as_str)),
                None => at.push((v, members.iter().map(String::as_str).collect())),
            }
        }
        for (v, mut ids) in at {
            ids.sort_unstable();
            ids.dedup();
            let mut x = base(String::new(), v);
            let name = super::short(v.scope.id());
            let ops = g.operations.join(", ");
            match ids.as_slice() {
                [one] => {
                    let p = crate::whatif::principal_ref(engine, engine, one);
                    x.message = format!("{} gains {ops} on {name}", p.display_name);
                    x.principal = Some(p);
                }
                many => {
                    let holder = g.grants.first().map(|h| &h.holder);
                    x.message = match holder {
                        Some(h) => format!(
                            "{} identities gain {ops} on {name} through {} ({} identities)",
                            many.len(),
                            h.display_name,
                            h.identities
                        ),
                        None => format!("{} identities gain {ops} on {name}", many.len()),
                    };
                    x.principal = holder.map(|h| PrincipalRef {
                        id: h.id.clone(),
                        display_name: h.display_name.clone(),
                        kind: h.kind,
                    });
                }
            }
            x.via_app = g.via_app.clone();
            x.operations = g.operations.iter().map(|o| o.to_string()).collect();
            x.decision = Some(g.after);
            x.grants = g.grants.iter().map(grant).collect();
            x.unknown_because = in_words(&g.unknown_because);
            out.push(x);
        }
    }
    for p in change.pending.iter().filter(|p| p.effect.may_add()) {
        out.push(Violation {
            message: format!("{} {} (not evaluated: {})", p.address, p.what, p.reason),
            principal: None,
            via_app: None,
            vault: None,
            operations: Vec::new(),
            decision: Some(crate::eval::Decision::Unknown),
            grants: Vec::new(),
            evidence: Vec::new(),
            unknown_because: vec![p.reason.clone()],
            addresses: vec![p.address.clone()],
        });
    }
    out
}

/// A group's grant as a violation cites it (without a group chain: its identities reach it through
/// different ones; the holder is the principal the grant names).
fn grant(g: &GrantRef) -> Grant {
    Grant {
        kind: g.kind,
        id: g.id.clone(),
        role_name: g.role_name.clone(),
        role_definition_id: None,
        scope: g.scope.clone(),
        principal_id: g.holder.id.clone(),
        via_groups: Vec::new(),
        condition: g.condition.clone(),
        matched: Vec::new(),
    }
}

/// The applied changes by what a grant can point at, to name the plan resources behind a violation.
#[derive(Default)]
pub(super) struct Sources {
    /// Role-assignment id → address.
    assignments: HashMap<String, Vec<String>>,
    /// (vault id, object id) → address.
    entries: HashMap<(String, String), Vec<String>>,
    /// Group id → address (a new member).
    groups: HashMap<String, Vec<String>>,
    /// Vault id → address (a setting).
    vaults: HashMap<String, Vec<String>>,
    /// Role name → address (a new definition).
    roles: HashMap<String, Vec<String>>,
}

impl Sources {
    pub(super) fn new(change: &ChangeInput) -> Self {
        let mut s = Self::default();
        for (c, address) in change.applied {
            let low = |t: &str| t.to_ascii_lowercase();
            let slot = match c {
                Change::AddRoleAssignment { id: Some(id), .. } => s.assignments.entry(low(id)),
                Change::AddAccessPolicy {
                    vault, object_id, ..
                } => {
                    s.entries
                        .entry((low(vault), low(object_id)))
                        .or_default()
                        .push(address.clone());
                    continue;
                }
                Change::AddGroupMember { group, .. } => s.groups.entry(low(group)),
                Change::SetPermissionModel { vault, .. }
                | Change::SetNetworkAcls { vault, .. }
                | Change::SetPublicNetworkAccess { vault, .. } => s.vaults.entry(low(vault)),
                Change::AddRoleDefinition { role_name, .. } => s.roles.entry(role_name.clone()),
                _ => continue,
            };
            slot.or_default().push(address.clone());
        }
        s
    }

    /// The plan resources a violation's evidence (grants at a vault) points at.
    pub(super) fn addresses(&self, grants: &[Grant], vault: Option<&str>) -> Vec<String> {
        let vault = vault.unwrap_or_default().to_ascii_lowercase();
        let mut out: Vec<String> = Vec::new();
        let none = Vec::new();
        let get = |m: &HashMap<String, Vec<String>>, k: &str| m.get(k).unwrap_or(&none).clone();
        for g in grants {
            let mut found = get(&self.assignments, &g.id.to_ascii_lowercase());
            if g.kind == GrantKind::AccessPolicy {
                let key = (vault.clone(), g.principal_id.to_ascii_lowercase());
                found.extend(self.entries.get(&key).cloned().unwrap_or_default());
            }
            for group in g.via_groups.iter().chain([&g.principal_id]) {
                found.extend(get(&self.groups, &group.to_ascii_lowercase()));
            }
            if let Some(r) = &g.role_name {
                found.extend(get(&self.roles, r));
            }
            found.extend(get(&self.vaults, &vault));
            for a in found {
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
        out
    }
}
