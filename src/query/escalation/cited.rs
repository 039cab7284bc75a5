//! What a finding cites of a lever's verdict, from the verdict or worked out from the row.

use crate::catalog;
use crate::eval::rbac::{BlockMatch, blocks_allow};
use crate::eval::reason::UnknownBecause;
use crate::eval::{Decision, Engine, PrincipalRef, Verdict};
use crate::model::Vault;

use super::{Finding, Technique};

/// What a finding cites of a lever's verdict: the decision, one grant, and why the answer is unknown.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cited {
    decision: Decision,
    grant: Option<CitedGrant>,
    /// Sorted, once each; empty unless the decision is "unknown".
    unknown_because: Vec<UnknownBecause>,
}

#[derive(Debug, Clone, PartialEq)]
struct CitedGrant {
    id: String,
    role_name: Option<String>,
    principal_id: String,
    scope: String,
    condition: Option<String>,
}

impl Cited {
    /// The finding of `principal` at `vault` by `technique`, citing this.
    pub(super) fn finding(
        &self,
        principal: &PrincipalRef,
        vault: &Vault,
        technique: Technique,
        lacks: Vec<&'static str>,
    ) -> Finding {
        let grant = self.grant.as_ref();
        Finding {
            principal: principal.clone(),
            vault_id: vault.scope.id().to_string(),
            technique,
            grant: grant.map(|g| g.id.clone()).unwrap_or_default(),
            role_name: grant.and_then(|g| g.role_name.clone()),
            holder: grant.map(|g| g.principal_id.clone()),
            grant_scope: grant.map(|g| g.scope.clone()),
            decision: self.decision,
            condition: grant.and_then(|g| g.condition.clone()),
            lacks,
            unknown_because: self.unknown_because.clone(),
            disputed: technique.disputed(),
        }
    }

    /// From a full verdict. The grant is the lowest id among the unconditional grants (else among all):
    /// the same whichever way the engine found them, so that identities with equal grants cite the same one.
    pub(super) fn of(via: &Verdict) -> Self {
        let lowest = |conditional: bool| {
            via.grants
                .iter()
                .filter(|g| conditional || g.condition.is_none())
                .min_by(|a, b| a.id.cmp(&b.id))
        };
        let grant = lowest(false).or_else(|| lowest(true));
        let mut unknown_because = if via.decision == Decision::Unknown {
            via.unknown_because.clone()
        } else {
            Vec::new()
        };
        unknown_because.sort_unstable();
        unknown_because.dedup();
        Self {
            decision: via.decision,
            grant: grant.map(|g| CitedGrant {
                id: g.id.clone(),
                role_name: g.role_name.clone(),
                principal_id: g.principal_id.clone(),
                scope: g.scope.clone(),
                condition: g.condition.clone(),
            }),
            unknown_because,
        }
    }

    /// [`Cited::of`] the verdict `check` gives, without building it, for a row with an [`RbacKey`] (no
    /// condition on its assignments, every role definition known, no gap, memberships known) and a
    /// `decision` (the fast path's) that allows, with or without a condition: then the verdict's grants are
    /// the row's assignments whose roles match the action (`Rbac::examine`), and nothing is unknown. `None`
    /// where that does not hold: the full verdict is built.
    /// `block(role, k)` is [`block_condition`] of the role for the action's `k`th RBAC action (a walk keeps
    /// it: parsing a delegation condition at every row that cites a conditional role cost more than the rest
    /// of the citation).
    pub(super) fn from_row(
        engine: &Engine,
        assignments: &[(usize, Option<usize>)],
        action: &catalog::Action,
        decision: Decision,
        block: impl Fn(usize, usize) -> BlockCondition,
    ) -> Option<Self> {
        if !matches!(decision, Decision::Allowed | Decision::Conditional) {
            return None;
        }
        let s = &engine.snapshot;
        // (assignment, condition of the matching block), the first match of an assignment kept.
        let mut grants: Vec<(&crate::model::RoleAssignment, &str, Option<String>)> = Vec::new();
        for k in 0..action.rbac_actions.len() {
            for &(i, role) in assignments {
                let a = s.role_assignments.get(i)?;
                let role = role?;
                let def = s.role_definitions.get(role)?;
                if a.condition.is_some() {
                    return None;
                }
                // The role's match is known to the engine: only a conditional one needs the patterns, for
                // the condition.
                let condition = match engine.role_matches(role, action, k) {
                    Some(false) => continue,
                    Some(true) => None,
                    None => match block(role, k) {
                        None => continue,
                        Some(condition) => condition,
                    },
                };
                if !grants.iter().any(|(g, _, _)| g.id == a.id) {
                    grants.push((a, &def.role_name, condition));
                }
            }
        }
        let lowest = |conditional: bool| {
            grants
                .iter()
                .filter(|g| conditional || g.2.is_none())
                .min_by(|a, b| a.0.id.cmp(&b.0.id))
        };
        let grant = lowest(false).or_else(|| lowest(true));
        Some(Self {
            decision,
            grant: grant.map(|(a, role, condition)| CitedGrant {
                id: a.id.clone(),
                role_name: Some(role.to_string()),
                principal_id: a.principal_id.clone(),
                scope: a.scope.id().to_string(),
                condition: condition.clone(),
            }),
            unknown_because: Vec::new(),
        })
    }
}

/// What a role's permission blocks say of an RBAC action: `None` when they do not allow it, else the
/// condition of the block that allows it only under one (`Some(None)`: outright).
pub(super) type BlockCondition = Option<Option<String>>;

/// [`BlockCondition`] of role definition `role` for `action`'s `k`th RBAC action.
pub(super) fn block_condition(
    engine: &Engine,
    role: usize,
    action: &catalog::Action,
    k: usize,
) -> BlockCondition {
    let def = engine.snapshot.role_definitions.get(role)?;
    let rbac_action = action.rbac_actions.get(k)?;
    match blocks_allow(
        &def.permissions,
        &rbac_action.to_ascii_lowercase(),
        action.plane,
    ) {
        BlockMatch::No => None,
        BlockMatch::Yes(_) => Some(None),
        BlockMatch::If { condition, .. } => Some(Some(condition)),
    }
}
