//! What a finding cites of a lever's verdict, from the verdict or worked out from the row.

use crate::catalog;
use crate::eval::rbac::{BlockMatch, blocks_allow};
use crate::eval::reason::UnknownBecause;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::eval::{Decision, Engine, Verdict};

use super::Finding;

/// What a finding cites of a lever's verdict: the decision, one grant, and why the answer is unknown.
#[derive(Debug, Clone)]
pub(crate) struct Cited {
    decision: Decision,
    grant: Option<CitedGrant>,
    /// Sorted, once each; empty unless the decision is "unknown".
    unknown_because: Vec<UnknownBecause>,
    /// This citation's own number (see [`Cited::serial`]); not part of what it says.
    serial: u64,
}

impl PartialEq for Cited {
    fn eq(&self, other: &Self) -> bool {
        self.decision == other.decision
            && self.grant == other.grant
            && self.unknown_because == other.unknown_because
    }
}

#[derive(Debug, Clone, PartialEq)]
struct CitedGrant {
    id: String,
    role_name: Option<String>,
    principal_id: String,
    scope: String,
    condition: Option<String>,
}

/// A number no other citation of the run has.
fn next_serial() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl Cited {
    /// A number told to this citation when it was made, never to another (a clone keeps it: it says the
    /// same): a walk places the findings citing one citation by its number and technique, without
    /// comparing their strings.
    pub(super) fn serial(&self) -> u64 {
        self.serial
    }

    pub(crate) fn decision(&self) -> Decision {
        self.decision
    }

    /// The grant's role assignment id (empty when no grant is cited).
    pub(crate) fn grant_id(&self) -> &str {
        self.grant.as_ref().map_or("", |g| g.id.as_str())
    }

    pub(crate) fn role_name(&self) -> Option<&str> {
        self.grant.as_ref().and_then(|g| g.role_name.as_deref())
    }

    /// The principal the grant names.
    pub(crate) fn holder(&self) -> Option<&str> {
        self.grant.as_ref().map(|g| g.principal_id.as_str())
    }

    pub(crate) fn grant_scope(&self) -> Option<&str> {
        self.grant.as_ref().map(|g| g.scope.as_str())
    }

    pub(crate) fn condition(&self) -> Option<&str> {
        self.grant.as_ref().and_then(|g| g.condition.as_deref())
    }

    pub(crate) fn unknown_because(&self) -> &[UnknownBecause] {
        &self.unknown_because
    }

    /// What `f` cites (every finding is made from a citation: `f.holder` names a grant when one is cited).
    pub(super) fn of_finding(f: &Finding) -> Self {
        Self {
            decision: f.decision,
            grant: f.holder.as_ref().map(|holder| CitedGrant {
                id: f.grant.clone(),
                role_name: f.role_name.clone(),
                principal_id: holder.clone(),
                scope: f.grant_scope.clone().unwrap_or_default(),
                condition: f.condition.clone(),
            }),
            unknown_because: f.unknown_because.clone(),
            serial: next_serial(),
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
            serial: next_serial(),
        }
    }

    /// The citation of what [`Chosen::from_row`] chose.
    pub(super) fn of_chosen(engine: &Engine, chosen: Chosen) -> Self {
        let s = &engine.snapshot;
        let grant = chosen.grant.and_then(|(i, role, condition)| {
            let a = s.role_assignments.get(i)?;
            let def = s.role_definitions.get(role)?;
            Some(CitedGrant {
                id: a.id.clone(),
                role_name: Some(def.role_name.clone()),
                principal_id: a.principal_id.clone(),
                scope: a.scope.id().to_string(),
                condition,
            })
        });
        Self {
            decision: chosen.decision,
            grant,
            unknown_because: Vec::new(),
            serial: next_serial(),
        }
    }
}

/// [`Chosen::key`]: the decision, and the cited (assignment, role definition, lever if conditional).
pub(super) type ChosenKey = (Decision, Option<(usize, usize, Option<usize>)>);

/// What a finding cites of a lever's verdict, worked out from the row, by position: the decision and the
/// grant (assignment, role definition, condition of its matching block). Which block of a role first
/// matches a lever's action does not depend on the row, so the citation is told by the decision, the
/// assignment with its role, and the lever when that block has a condition ([`Chosen::key`]).
#[derive(Debug)]
pub(super) struct Chosen {
    decision: Decision,
    grant: Option<(usize, usize, Option<String>)>,
}

impl Chosen {
    /// [`Cited::of`] the verdict `check` gives (once [`Cited::of_chosen`]), without building it, for a row
    /// with an [`RbacKey`](crate::eval::decide::RbacKey) (no condition on its assignments, every role
    /// definition known, no gap, memberships known) and a `decision` (the fast path's) that allows, with or
    /// without a condition: then the verdict's grants are the row's assignments whose roles match the
    /// action (`Rbac::examine`), and nothing is unknown. `None` where that does not hold: the full verdict
    /// is built. `block(role, k)` is [`block_condition`] of the role for the action's `k`th RBAC action (a
    /// walk keeps it: parsing a delegation condition at every row that cites a conditional role cost more
    /// than the rest of the citation).
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
        // (assignment, role, condition of the matching block), the first match of an assignment kept.
        let mut grants: Vec<(usize, &crate::model::RoleAssignment, usize, Option<String>)> =
            Vec::new();
        for k in 0..action.rbac_actions.len() {
            for &(i, role) in assignments {
                let a = s.role_assignments.get(i)?;
                let role = role?;
                s.role_definitions.get(role)?;
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
                if !grants.iter().any(|(_, g, _, _)| g.id == a.id) {
                    grants.push((i, a, role, condition));
                }
            }
        }
        let lowest = |conditional: bool| {
            grants
                .iter()
                .filter(|g| conditional || g.3.is_none())
                .min_by(|a, b| a.1.id.cmp(&b.1.id))
        };
        let grant = lowest(false).or_else(|| lowest(true));
        Some(Self {
            decision,
            grant: grant.map(|(i, _, role, condition)| (*i, *role, condition.clone())),
        })
    }

    /// What tells this citation, chosen for lever `lever`, from the others: its decision, and its assignment
    /// with the role definition it gives and, when the matching block has a condition, the lever (the
    /// condition is that of the block matching the lever's action). A grant cited outright for several
    /// levers is one citation.
    pub(super) fn key(&self, lever: usize) -> ChosenKey {
        let grant = self.grant.as_ref();
        (
            self.decision,
            grant.map(|(i, role, condition)| (*i, *role, condition.as_ref().map(|_| lever))),
        )
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
