//! Choosing roles for a migration: what each built-in role grants among the data operations, and the
//! smallest combination of built-in roles that covers an entry's permissions.

use std::collections::BTreeSet;

use crate::catalog::{self, Plane};
use crate::eval::rbac::{BlockMatch, blocks_allow};
use crate::model::{RoleDefinition, Scope, Snapshot};
use crate::whatif::resolve;

/// Data operations of the catalog: (name, required RBAC data actions, access-policy permission).
pub(super) struct DataOps {
    pub ops: Vec<(&'static str, Vec<String>, crate::model::PolicyKind, String)>,
}

impl DataOps {
    pub fn new() -> Self {
        Self {
            ops: catalog::operations()
                .iter()
                .filter(|op| op.plane == Plane::Data)
                .filter_map(|op| {
                    let (kind, perm) = op.policy?;
                    Some((
                        op.name,
                        op.actions.iter().map(|a| a.to_string()).collect(),
                        kind,
                        perm.to_ascii_lowercase(),
                    ))
                })
                .collect(),
        }
    }

    /// Operations a role grants unconditionally on an RBAC vault.
    pub fn granted_by(&self, role: &RoleDefinition) -> BTreeSet<usize> {
        self.ops
            .iter()
            .enumerate()
            .filter(|(_, (_, actions, _, _))| {
                actions.iter().all(|a| {
                    matches!(
                        blocks_allow(&role.permissions, &a.to_ascii_lowercase(), Plane::Data),
                        BlockMatch::Yes(_)
                    )
                })
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Every operation whose data actions are all among those `wanted` needs: what any role granting
    /// `wanted` also grants.
    pub fn closure(&self, wanted: &BTreeSet<usize>) -> BTreeSet<usize> {
        let actions: BTreeSet<String> = wanted
            .iter()
            .filter_map(|&i| self.ops.get(i))
            .flat_map(|(_, a, _, _)| a.iter().map(|x| x.to_ascii_lowercase()))
            .collect();
        self.ops
            .iter()
            .enumerate()
            .filter(|(_, (_, a, _, _))| a.iter().all(|x| actions.contains(&x.to_ascii_lowercase())))
            .map(|(i, _)| i)
            .collect()
    }

    pub fn names(&self, set: &BTreeSet<usize>) -> Vec<String> {
        set.iter()
            .filter_map(|&i| self.ops.get(i))
            .map(|(n, _, _, _)| n.to_string())
            .collect()
    }

    pub fn is_purge(&self, i: usize) -> bool {
        self.ops.get(i).is_some_and(|(_, _, _, p)| p == "purge")
    }
}

/// (under-grant, avoidable over-grant, roles, all over-grant): lower is better.
type Score = (usize, usize, usize, usize);

/// The best built-in combination: (roles, under-grant count, avoidable over-grant count).
pub(super) fn best_builtins<'r>(
    candidates: &[(&'r RoleDefinition, BTreeSet<usize>)],
    wanted: &BTreeSet<usize>,
    tolerated: &BTreeSet<usize>,
) -> Option<(Vec<&'r RoleDefinition>, usize, usize)> {
    let relevant: Vec<&(&RoleDefinition, BTreeSet<usize>)> = candidates
        .iter()
        .filter(|(_, g)| !g.is_disjoint(wanted))
        .collect();
    let n = relevant.len();
    let mut best: Option<(Score, Vec<&RoleDefinition>)> = None;
    let mut consider = |picked: &[usize]| {
        let mut union = BTreeSet::new();
        for &i in picked {
            if let Some((_, g)) = relevant.get(i) {
                union.extend(g.iter().copied());
            }
        }
        let under = wanted.difference(&union).count();
        let over_all: Vec<usize> = union.difference(wanted).copied().collect();
        let over = over_all.iter().filter(|i| !tolerated.contains(i)).count();
        let score = (under, over, picked.len(), over_all.len());
        if best.as_ref().is_none_or(|(b, _)| score < *b) {
            let roles = picked
                .iter()
                .filter_map(|&i| relevant.get(i).map(|(r, _)| *r))
                .collect();
            best = Some((score, roles));
        }
    };
    for a in 0..n {
        consider(&[a]);
        for b in a + 1..n {
            consider(&[a, b]);
            for c in b + 1..n {
                consider(&[a, b, c]);
            }
        }
    }
    best.map(|((under, over, _, _), roles)| (roles, under, over))
}

pub(super) fn assignable_at(s: &Snapshot, role: &RoleDefinition, scope: &Scope) -> bool {
    if role.assignable_scopes.is_empty() {
        return true;
    }
    let above = resolve::ancestor_keys(s, scope);
    role.assignable_scopes
        .iter()
        .any(|a| Scope::parse(a).is_ok_and(|a| above.iter().any(|k| k == a.key())))
}
