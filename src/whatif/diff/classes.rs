//! Identities that the same holders reach at a vault decide the same there, in both snapshots: a decision
//! is made from the grants, deny assignments and access-policy entries naming the identity or one of its
//! groups (see `affected`). So the identities compared at a vault are sorted into classes by the set of
//! named ids (holders) that reach them before and after, and one member per class is compared. An identity
//! whose groups are not known in either snapshot is a class of its own (its answer names it).

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::profiles::{Num, Of};
use super::*;
use crate::model::PrincipalKind;

/// The identities of one class at one vault, sorted; the first is the one compared.
pub(super) type Members = Arc<Vec<String>>;

/// Below this many identities at a vault, each is its own class: sorting them would cost more than it saves.
const MIN_CLASSED: usize = 8;

/// Classes of at least this many identities are held once when equal at several vaults.
const INTERNED: usize = 64;

/// Equal large classes of different vaults, held once: the members of a group granted a role at a
/// subscription are one class at each of its vaults (tens of thousands of ids, at each).
#[derive(Default)]
pub(super) struct Interned(std::sync::Mutex<FxHashSet<Members>>);

impl Interned {
    /// `c`, or the equal class kept before it.
    pub(super) fn keep(&self, c: Members) -> Members {
        if c.len() < INTERNED {
            return c;
        }
        let Ok(mut kept) = self.0.lock() else {
            return c;
        };
        match kept.get(&c) {
            Some(earlier) => earlier.clone(),
            None => {
                kept.insert(c.clone());
                c
            }
        }
    }
}

impl<'a> Run<'_, 'a> {
    /// The ids (principals and groups, not expanded) named at the vault: by role and deny assignments at
    /// its scopes and items and above, and by its access-policy entries, in either snapshot.
    pub(super) fn named_at(&mut self, vault: &Scope, targets: &[TargetPair]) -> FxHashSet<&'a str> {
        let (eb, ea) = (self.eb, self.ea);
        let mut ids: FxHashSet<&'a str> = FxHashSet::default();
        let mut unplaced = false;
        for e in [eb, ea] {
            let s: &'a Snapshot = &e.snapshot;
            for t in targets {
                let ancestry = e.index.ancestry(&t.scope);
                unplaced |= ancestry.unplaced_subscription;
                for sc in &ancestry.scopes {
                    for &i in e.index.assignments_at.get(sc.key()).into_iter().flatten() {
                        if let Some(a) = s.role_assignments.get(i) {
                            ids.insert(&a.principal_id);
                        }
                    }
                    for &i in e.index.denies_at.get(sc.key()).into_iter().flatten() {
                        if let Some(d) = s.deny_assignments.get(i) {
                            ids.extend(
                                d.principals
                                    .iter()
                                    .chain(&d.exclude_principals)
                                    .map(String::as_str),
                            );
                        }
                    }
                }
            }
            if let Some(v) = self.vault_in(e, vault.key()) {
                ids.extend(v.access_policies.iter().map(|p| p.object_id.as_str()));
            }
        }
        if unplaced {
            let mg = self.mg_named.get_or_insert_with(|| {
                let mut out = Vec::new();
                for e in [eb, ea] {
                    let s: &'a Snapshot = &e.snapshot;
                    out.extend(
                        s.role_assignments
                            .iter()
                            .filter(|a| a.scope.kind() == ScopeKind::ManagementGroup)
                            .map(|a| a.principal_id.as_str()),
                    );
                    for d in s
                        .deny_assignments
                        .iter()
                        .filter(|d| d.scope.kind() == ScopeKind::ManagementGroup)
                    {
                        out.extend(
                            d.principals
                                .iter()
                                .chain(&d.exclude_principals)
                                .map(String::as_str),
                        );
                    }
                }
                out
            });
            ids.extend(mg.iter().copied());
        }
        ids.remove(EVERYONE);
        ids
    }

    /// The plan's identities sorted into classes, each sorted, the classes in the order of their first
    /// member. The keys are built from each identity's profile of numbered ids (see `profiles`), kept
    /// across the worker's vaults.
    pub(super) fn classes(&mut self, plan: &VaultPlan<'a>) -> Vec<Members> {
        if plan.ids.len() < MIN_CLASSED {
            return plan
                .ids
                .iter()
                .map(|id| Arc::new(vec![id.clone()]))
                .collect();
        }
        let named = self.named_at(&plan.scope, &plan.targets);
        let mut standing = Vec::with_capacity(plan.ids.len());
        for id in &plan.ids {
            let of = match self.profiles.get(id) {
                Some(of) => Some(of),
                None => {
                    self.subject_pair(id);
                    self.subjects
                        .get(id.as_str())
                        .map(|(b, a)| self.profiles.add(id, b, a))
                }
            };
            standing.push(of);
        }
        let mut is_named = vec![false; self.profiles.ids()];
        for n in named.iter().filter_map(|x| self.profiles.num_of(x)) {
            if let Some(slot) = is_named.get_mut(n as usize) {
                *slot = true;
            }
        }
        let named_ = |n: &&Num| is_named.get(**n as usize).copied().unwrap_or(false);
        type Key = (Vec<Num>, usize, [PrincipalKind; 2]);
        let mut by_key: FxHashMap<Key, usize> = FxHashMap::default();
        let mut out: Vec<Vec<String>> = Vec::new();
        for (id, of) in plan.ids.iter().zip(standing) {
            let profile = match of {
                None => continue,
                // Without known groups, the answer names the identity (`unknown` because of its memberships).
                Some(Of::Alone) => {
                    out.push(vec![id.clone()]);
                    continue;
                }
                Some(Of::Profile(p)) => match self.profiles.profile(p) {
                    Some(profile) => profile,
                    None => continue,
                },
            };
            let mut reached: Vec<Num> = profile.before.iter().filter(named_).copied().collect();
            let split = reached.len();
            reached.extend(profile.after.iter().filter(named_).copied());
            reached[..split].sort_unstable();
            reached[split..].sort_unstable();
            let next = out.len();
            let c = *by_key
                .entry((reached, split, profile.kinds))
                .or_insert(next);
            if c == next {
                out.push(Vec::new());
            }
            if let Some(members) = out.get_mut(c) {
                members.push(id.clone());
            }
        }
        self.stats.classes += out.len();
        out.into_iter().map(Arc::new).collect()
    }
}
