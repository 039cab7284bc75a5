//! Decisions without evidence, for the bulk questions (matrices, who-can screening, escalations).
//!
//! [`Engine::check`](crate::eval::Engine::check) builds a verdict with every grant path and note; asking it
//! for every operation of every vault costs mostly strings. Here the per-question work is split: a [`Row`]
//! gathers, once per (principal, scope), the assignments, deny assignments and access-policy entries that can
//! matter, and [`Engine::decide`](crate::eval::Engine::decide) answers each operation from precomputed role
//! and deny lookups. It implements the same rules as `check`; the test suite compares the two on every
//! fixture and on generated tenants.

use crate::catalog::{Action, Plane};
use crate::eval::access_policy;
use crate::eval::combine::{Found, combine};
use crate::eval::condition::{self, Effect};
use crate::eval::index::Ancestry;
use crate::eval::rbac::blocks_allow;
use crate::eval::{Decision, Engine, Subject, Target};
use crate::model::Topic;
use crate::model::{DenyAssignment, EVERYONE, RoleAssignment, ScopeKind, Snapshot};

mod condition_effects;
mod match_cache;
mod row;
pub use match_cache::MatchCache;
use match_cache::{Match, plane_slot};
pub use row::{RbacKey, Row, RowKey};

/// How a deny assignment relates to the subject, whatever the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum DenyReach {
    Applies,
    /// It names groups, or excludes principals, and the subject's memberships are unknown.
    Unsure,
}

/// How deny assignment `d` relates to a subject, given which ids the subject is or is (transitively) in.
pub(super) fn deny_reach(
    d: &DenyAssignment,
    reaches: impl Fn(&str) -> bool,
    groups_known: bool,
) -> Option<DenyReach> {
    let everyone = d.principals.iter().any(|p| p == EVERYONE);
    let reached = d.principals.iter().any(|p| reaches(p));
    if !everyone && !reached {
        (!groups_known && !d.principals.is_empty()).then_some(DenyReach::Unsure)
    } else if d.exclude_principals.iter().any(|p| reaches(p)) || d.audit_only {
        None
    } else if !groups_known && !d.exclude_principals.is_empty() {
        Some(DenyReach::Unsure)
    } else {
        Some(DenyReach::Applies)
    }
}

impl Engine {
    /// Whether collection errors of `section` sit at or above the target.
    pub(crate) fn has_gap(&self, ancestry: &Ancestry, section: &Topic) -> bool {
        if self.snapshot.collection_errors.is_empty() {
            return false;
        }
        ancestry.scopes.iter().any(|scope| {
            self.index
                .errors_at
                .get(scope.key())
                .into_iter()
                .flatten()
                .filter_map(|&i| self.snapshot.collection_errors.get(i))
                .any(|e| e.is_about(section))
        })
    }

    /// Gathers what matters for `subject` at `target`, once for all actions.
    pub fn prepare<'a>(
        &self,
        subject: &Subject,
        target: &Target<'a>,
        via_app: Option<&str>,
    ) -> Row<'a> {
        let by_principal: usize = subject
            .set
            .ids()
            .map(|id| self.index.assignments_of.get(id).map_or(0, Vec::len))
            .sum();
        let named = self.assignments_to(subject).map(|(i, _, role)| (i, role));
        self.prepare_from(subject, target, via_app, by_principal, named)
    }

    /// The role assignments naming `subject` or one of its groups, with their role definitions, for
    /// [`Engine::prepare_among`].
    pub fn assignments_naming(&self, subject: &Subject) -> Vec<(usize, Option<usize>)> {
        self.assignments_to(subject)
            .map(|(i, _, role)| (i, role))
            .collect()
    }

    /// [`Engine::prepare`] for a subject whose assignments [`Engine::assignments_naming`] listed already (a
    /// bulk question that prepares one subject at many targets): the same row.
    pub fn prepare_among<'a>(
        &self,
        subject: &Subject,
        target: &Target<'a>,
        via_app: Option<&str>,
        named: &[(usize, Option<usize>)],
    ) -> Row<'a> {
        self.prepare_from(subject, target, via_app, named.len(), named.iter().copied())
    }

    fn prepare_from<'a>(
        &self,
        subject: &Subject,
        target: &Target<'a>,
        via_app: Option<&str>,
        by_principal: usize,
        named: impl Iterator<Item = (usize, Option<usize>)>,
    ) -> Row<'a> {
        let mut assignments = Vec::new();
        let mut unattributable = Vec::new();
        let ancestry = &target.ancestry;
        let by_scope: usize = ancestry
            .scopes
            .iter()
            .map(|scope| {
                self.index
                    .assignments_at
                    .get(scope.key())
                    .map_or(0, Vec::len)
            })
            .sum();
        if by_scope < by_principal && !ancestry.unplaced_subscription {
            // Members of large groups: their groups hold many assignments across the tenant, few of them
            // at or above the target. Start from the target instead.
            for scope in &ancestry.scopes {
                for (i, a) in self.assignments_at(scope) {
                    if subject.set.reach(&a.principal_id).is_some() {
                        let role = self.index.role_definition.get(&a.role_definition_guid);
                        assignments.push((i, role.copied()));
                    }
                }
            }
            return self.prepare_with(subject, target, via_app, assignments, unattributable);
        }
        for (i, role) in named {
            let Some(a) = self.snapshot.role_assignments.get(i) else {
                continue;
            };
            if target.ancestry.contains(a.scope.key()) {
                assignments.push((i, role));
            } else if target.ancestry.unplaced_subscription
                && a.scope.kind() == ScopeKind::ManagementGroup
                && let Some(r) = role
            {
                unattributable.push(r);
            }
        }
        self.prepare_with(subject, target, via_app, assignments, unattributable)
    }

    /// Role assignments naming the subject or one of its groups, with their role definitions.
    fn assignments_to<'s>(
        &'s self,
        subject: &'s Subject,
    ) -> impl Iterator<Item = (usize, &'s RoleAssignment, Option<usize>)> + 's {
        let s: &'s Snapshot = &self.snapshot;
        subject
            .set
            .ids()
            .flat_map(|id| self.index.assignments_of.get(id).into_iter().flatten())
            .filter_map(move |&i| s.role_assignments.get(i).map(|a| (i, a)))
            .map(|(i, a)| {
                let role = self.index.role_definition.get(&a.role_definition_guid);
                (i, a, role.copied())
            })
    }

    fn prepare_with<'a>(
        &self,
        subject: &Subject,
        target: &Target<'a>,
        via_app: Option<&str>,
        assignments: Vec<(usize, Option<usize>)>,
        unattributable: Vec<usize>,
    ) -> Row<'a> {
        let set = &subject.set;
        let mut denies = Vec::new();
        for scope in &target.ancestry.scopes {
            for (i, d) in self.denies_at(scope) {
                if d.do_not_apply_to_child_scopes && d.scope != target.scope {
                    continue;
                }
                if let Some(r) = deny_reach(d, |p| set.reach(p).is_some(), subject.groups_known) {
                    denies.push((i, r));
                }
            }
        }
        if target.ancestry.unplaced_subscription {
            denies.extend(
                self.rbac()
                    .unattributable_denies(set, &target.ancestry)
                    .map(|(i, _)| (i, DenyReach::Unsure)),
            );
        }
        let via_app = via_app.map(crate::model::guid::canonical);
        let entries = target
            .vault
            .map(|v| {
                v.access_policies
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| set.reach(&e.object_id).is_some())
                    .filter(|(_, e)| e.application_id.is_none() || e.application_id == via_app)
                    .map(|(i, _)| i)
                    .collect()
            })
            .unwrap_or_default();
        Row {
            assignments,
            unattributable,
            denies,
            grant_gaps: !subject.groups_known
                || self.has_gap(&target.ancestry, &Topic::ROLE_ASSIGNMENTS),
            deny_gaps: self.has_gap(&target.ancestry, &Topic::DENY_ASSIGNMENTS),
            entries,
            policy_gaps: self.has_gap(&target.ancestry, &Topic::AccessPolicies),
            vault: target.vault,
            groups_known: subject.groups_known,
            in_directory: subject.in_directory,
            target_is_data_capable: target.scope.vault().is_some(),
            secret: crate::eval::rbac::secret_of(&target.scope).map(str::to_string),
        }
    }

    fn role_match(&self, role: usize, action: &str, id: Option<usize>, plane: Plane) -> Match {
        match id.and_then(|id| {
            self.cache
                .roles
                .get(role)
                .and_then(|t| t[plane_slot(plane)].get(id))
        }) {
            Some(m) => *m,
            None => self
                .snapshot
                .role_definitions
                .get(role)
                .map_or(Match::No, |d| {
                    Match::from(&blocks_allow(
                        &d.permissions,
                        &action.to_ascii_lowercase(),
                        plane,
                    ))
                }),
        }
    }

    /// Whether role definition `role` can grant `action` at all (with or without a condition): the bulk
    /// queries skip the identities that only assignments of other roles reach.
    pub(crate) fn role_may_grant(&self, role: usize, action: &Action) -> bool {
        action
            .rbac_actions
            .iter()
            .zip(&action.rbac_ids)
            .any(|(a, id)| self.role_match(role, a, *id, action.plane) != Match::No)
    }

    /// How role definition `role` matches the `k`-th RBAC action of `action`: `Some(true)` without a
    /// condition, `Some(false)` not at all, `None` only under a condition (the match cache's answer, which
    /// [`blocks_allow`] gives the condition of).
    pub(crate) fn role_matches(&self, role: usize, action: &Action, k: usize) -> Option<bool> {
        let (Some(a), Some(id)) = (action.rbac_actions.get(k), action.rbac_ids.get(k)) else {
            return Some(false);
        };
        match self.role_match(role, a, *id, action.plane) {
            Match::No => Some(false),
            Match::Yes => Some(true),
            Match::If => None,
        }
    }

    /// Whether an assignment to the subject or its groups at or above the target has a role that can grant
    /// the action.
    pub(crate) fn any_assignment_may_grant(
        &self,
        subject: &Subject,
        target: &Target,
        action: &Action,
    ) -> bool {
        self.assignments_to(subject)
            .filter(|(_, a, _)| target.ancestry.contains(a.scope.key()))
            .filter_map(|(_, _, role)| role)
            .any(|r| self.role_may_grant(r, action))
    }

    /// Whether role definition `role` grants any catalog action on `plane`.
    pub(crate) fn role_grants_any(&self, role: usize, plane: Plane) -> bool {
        self.cache
            .roles
            .get(role)
            .and_then(|t| t.get(plane_slot(plane)))
            .is_some_and(|t| t.iter().any(|m| *m != Match::No))
    }

    fn deny_match(&self, deny: usize, action: &str, id: Option<usize>, plane: Plane) -> Match {
        match id.and_then(|id| {
            self.cache
                .denies
                .get(deny)
                .and_then(|t| t[plane_slot(plane)].get(id))
        }) {
            Some(m) => *m,
            None => self
                .snapshot
                .deny_assignments
                .get(deny)
                .map_or(Match::No, |d| {
                    Match::from(&blocks_allow(
                        &d.permissions,
                        &action.to_ascii_lowercase(),
                        plane,
                    ))
                }),
        }
    }

    /// The RBAC decision for one action string.
    fn decide_rbac(&self, row: &Row, action: &str, id: Option<usize>, plane: Plane) -> Decision {
        let mut conditional_deny = false;
        let mut unsure_deny = false;
        for &(d, reach) in &row.denies {
            match (self.deny_match(d, action, id, plane), reach) {
                (Match::No, _) => {}
                // A deny decides whatever the grants are: no need to look at them.
                (Match::Yes, DenyReach::Applies) => {
                    return combine(Found {
                        denied: true,
                        ..Found::default()
                    })
                    .decision();
                }
                (Match::If, DenyReach::Applies) => conditional_deny = true,
                (_, DenyReach::Unsure) => unsure_deny = true,
            }
        }
        let mut granted = false;
        let mut conditional = false;
        let mut missing = false;
        for &(a, role) in &row.assignments {
            let Some(role) = role else {
                missing = true;
                continue;
            };
            let matched = self.role_match(role, action, id, plane);
            if matched == Match::No {
                continue;
            }
            // The assignment's own condition, decided where it tests the secret the row is about (D10).
            let effect = self
                .snapshot
                .role_assignments
                .get(a)
                .and_then(|x| x.condition.as_ref())
                .map_or(Effect::Holds, |c| match (id, row.secret.as_deref()) {
                    (Some(id), None) => self.cache.conditions.effect(a, c, id),
                    (_, secret) => condition::effect(c, &action.to_ascii_lowercase(), secret),
                });
            match (matched, effect) {
                (_, Effect::Fails) => {}
                (Match::Yes, Effect::Holds) => granted = true,
                _ => conditional = true,
            }
        }
        let mg_gap = row
            .unattributable
            .iter()
            .any(|&r| self.role_match(r, action, id, plane) != Match::No);
        combine(Found {
            denied: false,
            denied_if: conditional_deny,
            denies_unknown: unsure_deny || row.deny_gaps,
            granted,
            granted_if: conditional,
            grants_unknown: missing || row.grant_gaps || mg_gap,
        })
        .decision()
    }

    /// The decision `check` would give for `action` with no caller location, without its evidence.
    /// Questions `check` rejects (a data action outside a vault) are `Denied` here.
    pub fn decide(&self, row: &Row, action: &Action) -> Decision {
        let mut decision = match (action.plane, row.vault) {
            (Plane::Data, _) if !row.target_is_data_capable && !action.is_foreign_data() => {
                return Decision::Denied;
            }
            (Plane::Data, None) if !action.is_foreign_data() => return Decision::Denied,
            (Plane::Data, Some(vault)) if vault.properties_missing => return Decision::Unknown,
            (Plane::Data, Some(vault)) if !vault.rbac_authorization => {
                let held = !action.policy.is_empty()
                    && action.policy.iter().all(|(k, p)| {
                        row.entries
                            .iter()
                            .filter_map(|&i| vault.access_policies.get(i))
                            .any(|e| access_policy::holds(e, *k, p).is_some())
                    });
                if held {
                    Decision::Allowed
                } else if row.policy_gaps || !row.groups_known {
                    Decision::Unknown
                } else {
                    Decision::Denied
                }
            }
            (plane, _) => action
                .rbac_actions
                .iter()
                .zip(&action.rbac_ids)
                .map(|(a, id)| self.decide_rbac(row, a, *id, plane))
                .fold(Decision::Allowed, Decision::and),
        };
        if !row.in_directory && decision.grants_something() {
            decision = Decision::Unknown;
        }
        if action.purge && row.vault.is_some_and(|v| v.purge_protection) {
            decision = Decision::Denied;
        }
        decision
    }
}
