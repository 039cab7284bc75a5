//! Fast-path rows for questions that share one side: one subject at every vault (the principal matrix), or
//! many identities at one target (who-can, the vault matrix, self-escalation). [`Engine::prepare`] looks
//! everything up again for each (subject, target) pair; here what the shared side contributes is gathered
//! once, so each row costs only its own part. The rows are the ones `prepare` builds (the test suite
//! compares every bulk answer with `check`).

use rustc_hash::{FxHashMap, FxHashSet};

use crate::eval::decide::{DenyReach, Row, deny_reach};
use crate::eval::index::Ancestry;
use crate::eval::{Engine, Subject, Target};
use crate::model::Topic;
use crate::model::{Scope, ScopeKind, Vault};

/// What the scopes above a vault (its resource group and everything up to the root) hold for one subject.
struct Above {
    assignments: Vec<(usize, Option<usize>)>,
    unattributable: Vec<usize>,
    /// Deny assignments at those scopes (those that apply to child scopes), then those at management groups
    /// the subscription may be under.
    denies: Vec<(usize, DenyReach)>,
    grant_gap: bool,
    deny_gap: bool,
    policy_gap: bool,
}

/// One subject's rows at many vaults. Sibling vaults share everything above them: that part is gathered
/// once per parent scope, and each vault adds only what sits at the vault itself.
pub struct VaultRows<'e, 'a> {
    engine: &'a Engine,
    subject: &'e Subject,
    /// The subject and its groups: what the vault's access-policy entries are matched against.
    ids: FxHashSet<&'e str>,
    /// The subject's role assignments by scope key, with their role definitions.
    assigned: FxHashMap<&'a str, Vec<(usize, Option<usize>)>>,
    /// Assignments at management groups with a known role: (scope key, role definition).
    at_management_groups: Vec<(&'a str, usize)>,
    via_app: Option<String>,
    /// By the key of a vault's resource group, and of its subscription.
    above: FxHashMap<String, Above>,
}

/// The key of a scope's structural parent: the key with its last `segments` segments cut, as
/// [`Scope::structural_parent`] cuts them (four for a vault, two for a resource group).
fn parent_key(scope: &Scope, segments: usize) -> Option<&str> {
    let key = scope.key();
    let mut cut = key.len();
    for _ in 0..segments {
        cut = key.get(..cut)?.rfind('/')?;
    }
    key.get(..cut)
}

impl<'e, 'a> VaultRows<'e, 'a> {
    pub fn new(engine: &'a Engine, subject: &'e Subject, via_app: Option<&str>) -> Self {
        let s = &*engine.snapshot;
        let mut assigned: FxHashMap<&'a str, Vec<(usize, Option<usize>)>> = FxHashMap::default();
        let mut at_management_groups = Vec::new();
        for id in subject.set.ids() {
            for &i in engine.index.assignments_of.get(id).into_iter().flatten() {
                let Some(a) = s.role_assignments.get(i) else {
                    continue;
                };
                let role = engine.index.role_of(i, a);
                assigned.entry(a.scope.key()).or_default().push((i, role));
                if a.scope.kind() == ScopeKind::ManagementGroup
                    && let Some(r) = role
                {
                    at_management_groups.push((a.scope.key(), r));
                }
            }
        }
        Self {
            engine,
            subject,
            ids: subject.set.ids().collect(),
            assigned,
            at_management_groups,
            via_app: via_app.map(crate::model::guid::canonical),
            above: FxHashMap::default(),
        }
    }

    /// What the scopes from `scope` up hold for the subject, cached by the scope's key. A resource group's
    /// ancestry is the group followed by its subscription's: that part is shared by the subscription's groups.
    fn above(&mut self, key: &str, scope: &dyn Fn() -> Option<Scope>) -> bool {
        if self.above.contains_key(key) {
            return true;
        }
        let Some(scope) = scope() else {
            return false;
        };
        let scope = &scope;
        let above = match (scope.kind(), parent_key(scope, 2)) {
            (ScopeKind::ResourceGroup, Some(up_key))
                if self.above(up_key, &|| scope.structural_parent()) =>
            {
                let Some(up) = self.above.get(up_key) else {
                    return false;
                };
                let mut own = self.own(scope, true);
                own.assignments.extend_from_slice(&up.assignments);
                own.denies.extend_from_slice(&up.denies);
                own.unattributable.clone_from(&up.unattributable);
                own.grant_gap |= up.grant_gap;
                own.deny_gap |= up.deny_gap;
                own.policy_gap |= up.policy_gap;
                own
            }
            _ => self.gather(scope),
        };
        self.above.insert(key.to_string(), above);
        true
    }

    /// What one scope itself holds for the subject; `above` when it is above the target, so that deny
    /// assignments that do not apply to child scopes are left out.
    fn own(&self, scope: &Scope, above: bool) -> Above {
        let engine = self.engine;
        let mut denies = Vec::new();
        self.denies_at(scope, above, &mut denies);
        let gap = |section: &Topic| {
            !engine.snapshot.collection_errors.is_empty()
                && engine
                    .index
                    .errors_at
                    .get(scope.key())
                    .into_iter()
                    .flatten()
                    .filter_map(|&i| engine.snapshot.collection_errors.get(i))
                    .any(|e| e.is_about(section))
        };
        Above {
            assignments: self.assigned.get(scope.key()).cloned().unwrap_or_default(),
            unattributable: Vec::new(),
            denies,
            grant_gap: gap(&Topic::ROLE_ASSIGNMENTS),
            deny_gap: gap(&Topic::DENY_ASSIGNMENTS),
            policy_gap: gap(&Topic::AccessPolicies),
        }
    }

    /// [`VaultRows::above`] from the full ancestry of `scope`.
    fn gather(&self, scope: &Scope) -> Above {
        self.along(&self.engine.index.ancestry(scope), false)
    }

    /// What the scopes of `ancestry` hold for the subject, in its order. A deny that does not apply to child
    /// scopes counts only at the target itself: the first scope when `target_first`, else none of them.
    fn along(&self, ancestry: &Ancestry, target_first: bool) -> Above {
        let engine = self.engine;
        let assignments = self.assigned_along(ancestry);
        let mut denies = Vec::new();
        for (at, scope) in ancestry.scopes.iter().enumerate() {
            self.denies_at(scope, at > 0 || !target_first, &mut denies);
        }
        denies.extend(self.unattributable_denies(ancestry));
        Above {
            assignments,
            unattributable: self.unattributable(ancestry),
            denies,
            grant_gap: engine.has_gap(ancestry, &Topic::ROLE_ASSIGNMENTS),
            deny_gap: engine.has_gap(ancestry, &Topic::DENY_ASSIGNMENTS),
            policy_gap: engine.has_gap(ancestry, &Topic::AccessPolicies),
        }
    }

    /// The subject's assignments at the scopes of `ancestry`, in its order.
    fn assigned_along(&self, ancestry: &Ancestry) -> Vec<(usize, Option<usize>)> {
        ancestry
            .scopes
            .iter()
            .filter_map(|scope| self.assigned.get(scope.key()))
            .flatten()
            .copied()
            .collect()
    }

    /// The roles of the subject's assignments at management groups that may or may not hold the target.
    fn unattributable(&self, ancestry: &Ancestry) -> Vec<usize> {
        if !ancestry.unplaced_subscription {
            return Vec::new();
        }
        self.at_management_groups
            .iter()
            .filter(|(key, _)| !ancestry.contains(key))
            .map(|&(_, r)| r)
            .collect()
    }

    fn denies_at(&self, scope: &Scope, above: bool, out: &mut Vec<(usize, DenyReach)>) {
        for (i, d) in self.engine.denies_at(scope) {
            if above && d.do_not_apply_to_child_scopes {
                continue;
            }
            let set = &self.subject.set;
            if let Some(r) = deny_reach(d, |p| set.reach(p).is_some(), self.subject.groups_known) {
                out.push((i, r));
            }
        }
    }

    fn unattributable_denies(&self, ancestry: &Ancestry) -> Vec<(usize, DenyReach)> {
        if !ancestry.unplaced_subscription {
            return Vec::new();
        }
        self.engine
            .rbac()
            .unattributable_denies(&self.subject.set, ancestry)
            .map(|(i, _)| (i, DenyReach::Unsure))
            .collect()
    }

    /// The row [`Engine::prepare`] builds for the subject at `vault`.
    pub fn row(&mut self, vault: &'a Vault) -> Row<'a> {
        let engine = self.engine;
        let scope = &vault.scope;
        let parent = match (scope.kind(), parent_key(scope, 4)) {
            (ScopeKind::Vault, Some(key)) if self.above(key, &|| scope.structural_parent()) => key,
            _ => {
                let target = engine.target(scope);
                return engine.prepare(self.subject, &target, self.via_app.as_deref());
            }
        };
        let own = self.own(scope, false);
        let Some(above) = self.above.get(parent) else {
            let target = engine.target(scope);
            return engine.prepare(self.subject, &target, self.via_app.as_deref());
        };
        let mut assignments = own.assignments;
        assignments.extend_from_slice(&above.assignments);
        let mut denies = own.denies;
        denies.extend_from_slice(&above.denies);
        let gaps = Gaps {
            grant: above.grant_gap || own.grant_gap,
            deny: above.deny_gap || own.deny_gap,
            policy: above.policy_gap || own.policy_gap,
        };
        let unattributable = above.unattributable.clone();
        self.finish(scope, assignments, unattributable, denies, gaps, true)
    }

    /// The row at the vault at `scope` from what its scopes hold for the subject: the vault's access-policy
    /// entries naming it are added here (none when `entries_named` is false: no entry names the subject).
    fn finish(
        &self,
        scope: &Scope,
        assignments: Vec<(usize, Option<usize>)>,
        unattributable: Vec<usize>,
        denies: Vec<(usize, DenyReach)>,
        gaps: Gaps,
        entries_named: bool,
    ) -> Row<'a> {
        let engine = self.engine;
        let target_vault = engine
            .index
            .vault
            .get(scope.key())
            .and_then(|&i| engine.snapshot.vaults.get(i));
        let via_app = self.via_app.as_deref();
        let entries = target_vault
            .filter(|_| entries_named)
            .map(|v| {
                v.access_policies
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| self.ids.contains(e.object_id.as_str()))
                    .filter(|(_, e)| {
                        e.application_id.is_none() || e.application_id.as_deref() == via_app
                    })
                    .map(|(i, _)| i)
                    .collect()
            })
            .unwrap_or_default();
        Row {
            assignments,
            unattributable,
            denies,
            grant_gaps: !self.subject.groups_known || gaps.grant,
            deny_gaps: gaps.deny,
            entries,
            policy_gaps: gaps.policy,
            vault: target_vault,
            groups_known: self.subject.groups_known,
            in_directory: self.subject.in_directory,
            target_is_data_capable: true,
            secret: None,
        }
    }
}

/// Collection gaps at or above a vault: of role assignments, deny assignments and access policies.
struct Gaps {
    grant: bool,
    deny: bool,
    policy: bool,
}

/// Many subjects' rows at one target: the assignments, deny assignments and access-policy entries at or
/// above it are gathered once and indexed by the object id they name, so each row looks up only the
/// subject's own ids.
pub struct TargetRows<'e, 'a> {
    engine: &'a Engine,
    target: &'e Target<'a>,
    /// What the target's own scopes hold (all of its ancestry, or up to its subscription when `above` holds
    /// the rest).
    own: Granted<'a>,
    /// What the scopes from the target's subscription up hold, shared by the subscription's targets.
    above: std::sync::Arc<Granted<'a>>,
    /// The vault's access-policy entries by object id.
    entries_of: FxHashMap<&'a str, Vec<usize>>,
    grant_gap: bool,
    deny_gap: bool,
    policy_gap: bool,
}

impl<'e, 'a> TargetRows<'e, 'a> {
    pub fn new(engine: &'a Engine, target: &'e Target<'a>) -> Self {
        let own = Granted::gather(engine, &target.ancestry.scopes, &target.scope);
        Self::of(engine, target, own, std::sync::Arc::default())
    }

    /// [`TargetRows::new`], sharing what the scopes from the target's subscription up hold with the other
    /// targets of the subscription through `above` (the last one gathered; replaced at another subscription).
    pub fn sharing(
        engine: &'a Engine,
        target: &'e Target<'a>,
        above: &mut std::sync::Arc<Granted<'a>>,
    ) -> Self {
        let scopes = &target.ancestry.scopes;
        let Some(cut) = scopes
            .iter()
            .position(|s| s.kind() == ScopeKind::Subscription)
            .filter(|&c| c > 0)
        else {
            return Self::new(engine, target);
        };
        let (mine, up) = scopes.split_at(cut);
        let same =
            above.keys.len() == up.len() && above.keys.iter().zip(up).all(|(k, s)| *k == s.key());
        if !same {
            let mut shared = Granted::gather(engine, up, &target.scope);
            shared.keys = up.iter().map(|s| s.key().to_string()).collect();
            *above = std::sync::Arc::new(shared);
        }
        let own = Granted::gather(engine, mine, &target.scope);
        Self::of(engine, target, own, above.clone())
    }

    fn of(
        engine: &'a Engine,
        target: &'e Target<'a>,
        own: Granted<'a>,
        above: std::sync::Arc<Granted<'a>>,
    ) -> Self {
        // Sized once: made at every vault of a walk, grown step by step it was rehashed again and again.
        let entries = target.vault.map_or(0, |v| v.access_policies.len());
        let mut entries_of: FxHashMap<&'a str, Vec<usize>> =
            FxHashMap::with_capacity_and_hasher(entries, Default::default());
        for (i, e) in target
            .vault
            .iter()
            .flat_map(|v| v.access_policies.iter().enumerate())
        {
            entries_of.entry(e.object_id.as_str()).or_default().push(i);
        }
        Self {
            engine,
            target,
            own,
            above,
            entries_of,
            grant_gap: engine.has_gap(&target.ancestry, &Topic::ROLE_ASSIGNMENTS),
            deny_gap: engine.has_gap(&target.ancestry, &Topic::DENY_ASSIGNMENTS),
            policy_gap: engine.has_gap(&target.ancestry, &Topic::AccessPolicies),
        }
    }

    /// The row [`Engine::prepare`] builds for `subject` at the target.
    pub fn row(&self, subject: &Subject, via_app: Option<&str>) -> Row<'a> {
        let engine = self.engine;
        let target = self.target;
        if target.ancestry.unplaced_subscription {
            // Assignments and denies at management groups the target may be under depend on the subject.
            return engine.prepare(subject, target, via_app);
        }
        let set = &subject.set;
        let mut assignments = self.own.naming(set.ids());
        assignments.extend(self.above.naming(set.ids()));
        let denies = self
            .own
            .denies
            .iter()
            .chain(&self.above.denies)
            .filter_map(|&i| {
                let d = engine.snapshot.deny_assignments.get(i)?;
                deny_reach(d, |p| set.reach(p).is_some(), subject.groups_known).map(|r| (i, r))
            })
            .collect();
        let via_app = via_app.map(crate::model::guid::canonical);
        let entries = match target.vault {
            Some(vault) => {
                self.entries_naming(subject)
                    .into_iter()
                    .filter(|&i| {
                        vault.access_policies.get(i).is_some_and(|e| {
                            e.application_id.is_none() || e.application_id == via_app
                        })
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        Row {
            assignments,
            unattributable: Vec::new(),
            denies,
            grant_gaps: !subject.groups_known || self.grant_gap,
            deny_gaps: self.deny_gap,
            entries,
            policy_gaps: self.policy_gap,
            vault: target.vault,
            groups_known: subject.groups_known,
            in_directory: subject.in_directory,
            target_is_data_capable: target.scope.vault().is_some(),
            secret: crate::eval::rbac::secret_of(&target.scope).map(str::to_string),
        }
    }

    /// The target vault's access-policy entries that name the subject or one of its groups, whatever
    /// application they are bound to (positions, ascending).
    pub fn entries_naming(&self, subject: &Subject) -> Vec<usize> {
        let mut entries: Vec<usize> = subject
            .set
            .ids()
            .filter_map(|id| self.entries_of.get(id))
            .flatten()
            .copied()
            .collect();
        entries.sort_unstable();
        entries
    }
}

mod granted;
mod under;

pub use granted::Granted;

#[cfg(test)]
mod tests;
