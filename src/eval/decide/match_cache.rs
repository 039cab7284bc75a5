//! What every role definition and deny assignment says about every catalog action, computed once per
//! engine so that [`super`]'s bulk decisions look a match up instead of matching action patterns.

use super::condition_effects::ConditionEffects;
use crate::catalog::{self, Plane};
use crate::eval::rbac::{BlockMatch, blocks_allow};
use crate::model::{Permission, Snapshot};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Match {
    No,
    Yes,
    If,
}

impl From<&BlockMatch> for Match {
    fn from(m: &BlockMatch) -> Self {
        match m {
            BlockMatch::No => Match::No,
            BlockMatch::Yes(_) => Match::Yes,
            BlockMatch::If { .. } => Match::If,
        }
    }
}

/// What every role definition and deny assignment says about every catalog action, on both planes.
#[derive(Debug, Default)]
pub struct MatchCache {
    pub(super) roles: Vec<[Vec<Match>; 2]>,
    pub(super) denies: Vec<[Vec<Match>; 2]>,
    /// What role assignments' conditions do to each action when no secret is named.
    pub(super) conditions: ConditionEffects,
}

pub(super) fn plane_slot(plane: Plane) -> usize {
    match plane {
        Plane::Management => 0,
        Plane::Data => 1,
    }
}

fn table_for(blocks: &[Permission]) -> [Vec<Match>; 2] {
    let table = catalog::rbac_action_table();
    [Plane::Management, Plane::Data].map(|plane| {
        table
            .iter()
            .map(|a| Match::from(&blocks_allow(blocks, a, plane)))
            .collect()
    })
}

impl MatchCache {
    pub fn build(s: &Snapshot) -> Self {
        Self {
            roles: s
                .role_definitions
                .iter()
                .map(|d| table_for(&d.permissions))
                .collect(),
            denies: s
                .deny_assignments
                .iter()
                .map(|d| table_for(&d.permissions))
                .collect(),
            conditions: ConditionEffects::build(s),
        }
    }
}
