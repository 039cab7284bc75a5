//! Hash indexes over the snapshot a change list is applied to. A Terraform plan can hold thousands of
//! changes against a tenant of hundreds of thousands of objects; without these, every change scanned the
//! principals, vaults and role assignments (a 5 000-change plan on the large tenant took over a minute).
//!
//! Each index is built the first time a change needs it, so a one-change scenario pays one pass. The role
//! assignments are only indexed once a few look-ups have scanned them: a scan compares strings in place,
//! while indexing a million assignments three ways hashes and allocates for each (a tenth of a one-change
//! what-if on a tenant that size). Answers are the same either way: an index maps a hash of the key to
//! candidate positions, each candidate is checked with the scan's own predicate, and the first position in
//! snapshot order wins.
//! Removed role assignments and memberships stay in place, marked, until [`Lookup::finish`] drops them in
//! one pass keeping order, so that positions stay valid (and a removal does not move the whole table).

use std::hash::{BuildHasher, Hash};

use rustc_hash::{FxBuildHasher, FxHashMap};

use crate::model::role::trailing_guid;
use crate::model::{
    GroupMembership, Principal, RoleAssignment, Scope, ScopeKind, Snapshot, Tailed,
};

use super::super::resolve;

fn hash_of(key: impl Hash) -> u64 {
    FxBuildHasher.hash_one(key)
}

/// Positions by key hash; several positions per hash when keys repeat or collide.
#[derive(Default)]
struct Positions(FxHashMap<u64, Vec<u32>>);

impl Positions {
    fn insert(&mut self, key: u64, at: usize) {
        self.0.entry(key).or_default().push(at as u32);
    }

    fn candidates(&self, key: u64) -> impl Iterator<Item = usize> + '_ {
        self.0
            .get(&key)
            .into_iter()
            .flat_map(|v| v.iter().map(|&p| p as usize))
    }
}

/// The first live position among `candidates` that satisfies `accept`.
fn first(
    candidates: impl Iterator<Item = usize>,
    removed: &[bool],
    mut accept: impl FnMut(usize) -> bool,
) -> Option<usize> {
    candidates
        .filter(|&p| !removed.get(p).copied().unwrap_or(false))
        .filter(|&p| accept(p))
        .min()
}

fn grant_key(principal: &str, role_guid: &str, scope: &Scope) -> u64 {
    hash_of((principal, role_guid, scope.key()))
}

fn id_key(id: &str) -> u64 {
    hash_of(id.trim().trim_end_matches('/').to_ascii_lowercase())
}

fn membership_key(group: &str, member: &str) -> u64 {
    hash_of((group, member))
}

/// Look-ups of role assignments answered by scanning before the assignments are indexed.
const SCANS: usize = 4;

#[derive(Default)]
struct AssignmentIndex {
    by_grant: Positions,
    by_id: Positions,
    by_guid: Positions,
}

impl AssignmentIndex {
    fn build(all: &Tailed<RoleAssignment>) -> Self {
        let mut out = AssignmentIndex::default();
        for (at, a) in all.iter().enumerate() {
            out.index(at, a);
        }
        out
    }

    fn index(&mut self, at: usize, a: &RoleAssignment) {
        self.by_grant.insert(
            grant_key(&a.principal_id, &a.role_definition_guid, &a.scope),
            at,
        );
        self.by_id.insert(id_key(&a.id), at);
        self.by_guid.insert(hash_of(trailing_guid(&a.id)), at);
    }
}

/// Which index a look-up would use.
enum By {
    Grant,
    Id,
    Guid,
}

#[derive(Default)]
struct Assignments {
    /// Built at the look-up after [`SCANS`] scans.
    index: Option<AssignmentIndex>,
    scans: usize,
    removed: Vec<bool>,
}

impl Assignments {
    fn new(all: &Tailed<RoleAssignment>) -> Self {
        Assignments {
            removed: vec![false; all.len()],
            ..Default::default()
        }
    }

    /// The first live position holding `key` (in the index `by`) that passes `accept`: a scan of every
    /// position while look-ups are few, the index's candidates after.
    fn first(
        &mut self,
        all: &Tailed<RoleAssignment>,
        by: By,
        key: u64,
        mut accept: impl FnMut(usize) -> bool,
    ) -> Option<usize> {
        if self.index.is_none() && self.scans < SCANS {
            self.scans += 1;
            let removed = &self.removed;
            return (0..all.len())
                .filter(|&p| !removed.get(p).copied().unwrap_or(false))
                .find(|&p| accept(p));
        }
        let index = self
            .index
            .get_or_insert_with(|| AssignmentIndex::build(all));
        let candidates = match by {
            By::Grant => index.by_grant.candidates(key),
            By::Id => index.by_id.candidates(key),
            By::Guid => index.by_guid.candidates(key),
        };
        first(candidates, &self.removed, accept)
    }
}

#[derive(Default)]
struct Memberships {
    by_pair: Positions,
    removed: Vec<bool>,
}

/// Indexes over a snapshot being changed. Every table it indexes must change only through it.
#[derive(Default)]
pub(super) struct Lookup {
    principal_by_id: Option<FxHashMap<String, usize>>,
    principal_by_app: Option<FxHashMap<String, Vec<usize>>>,
    vault_by_key: Option<FxHashMap<String, usize>>,
    assignments: Option<Assignments>,
    memberships: Option<Memberships>,
}

impl Lookup {
    // Principals and vaults: a change list never adds or removes them.

    fn principal_ids(&mut self, s: &Snapshot) -> &FxHashMap<String, usize> {
        self.principal_by_id.get_or_insert_with(|| {
            let mut map = FxHashMap::default();
            for (at, p) in s.principals.iter().enumerate() {
                map.entry(p.id.clone()).or_insert(at);
            }
            map
        })
    }

    fn principal_apps(&mut self, s: &Snapshot) -> &FxHashMap<String, Vec<usize>> {
        self.principal_by_app.get_or_insert_with(|| {
            let mut map: FxHashMap<String, Vec<usize>> = FxHashMap::default();
            for (at, p) in s.principals.iter().enumerate() {
                if let Some(app) = &p.app_id {
                    map.entry(app.to_ascii_lowercase()).or_default().push(at);
                }
            }
            map
        })
    }

    /// The principal whose object id is `id` exactly.
    pub fn principal_with_id<'s>(&mut self, s: &'s Snapshot, id: &str) -> Option<&'s Principal> {
        self.principal_ids(s)
            .get(id)
            .and_then(|&at| s.principals.get(at))
    }

    /// The first principal whose appId passes `accept`, among those equal to `app` ignoring case.
    fn by_app_id<'s>(
        &mut self,
        s: &'s Snapshot,
        app: &str,
        accept: impl Fn(&str) -> bool,
    ) -> Option<&'s Principal> {
        self.principal_apps(s)
            .get(&app.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .filter_map(|&at| s.principals.get(at))
            .find(|p| p.app_id.as_deref().is_some_and(&accept))
    }

    /// [`resolve::principal`]: by object id, then appId, then UPN or display name.
    pub fn principal<'s>(&mut self, s: &'s Snapshot, text: &str) -> Result<&'s Principal, String> {
        let lower = crate::model::guid::canonical(text.trim());
        if let Some(p) = self.principal_with_id(s, &lower) {
            return Ok(p);
        }
        if let Some(p) = self.by_app_id(s, &lower, |a| a == lower) {
            return Ok(p);
        }
        resolve::principal(s, text)
    }

    /// An object id as given when it is a GUID (so that dangling ids can be named), else a resolved
    /// principal's.
    pub fn object_id(&mut self, s: &Snapshot, text: &str) -> Result<String, String> {
        let lower = crate::model::guid::canonical(text.trim());
        if crate::model::guid::is_guid(&lower) {
            return Ok(lower);
        }
        self.principal(s, text).map(|p| p.id.clone())
    }

    pub fn in_directory(&mut self, s: &Snapshot, id: &str) -> bool {
        self.principal_ids(s).contains_key(id)
    }

    /// `Name (id)` for messages, or the id alone when the directory data lacks it.
    pub fn label(&mut self, s: &Snapshot, id: &str) -> String {
        resolve::label_of(self.principal_with_id(s, id), id)
    }

    /// An application by its service principal's name when the directory has it, always with its appId.
    pub fn app_label(&mut self, s: &Snapshot, app_id: &str) -> String {
        let p = self.by_app_id(s, app_id, |a| a.eq_ignore_ascii_case(app_id));
        resolve::app_label_of(p, app_id)
    }

    /// [`resolve::vault`]: a vault's position by full id or unambiguous name.
    pub fn vault(&mut self, s: &Snapshot, text: &str) -> Result<usize, String> {
        if let Some(v) = Scope::parse(text).ok().and_then(|sc| sc.vault())
            && let Some(at) = self.vault_at(s, &v)
        {
            return Ok(at);
        }
        resolve::vault(s, text)
    }

    fn vault_at(&mut self, s: &Snapshot, v: &Scope) -> Option<usize> {
        let map = self.vault_by_key.get_or_insert_with(|| {
            let mut map = FxHashMap::default();
            for (at, x) in s.vaults.iter().enumerate() {
                map.entry(x.scope.key().to_string()).or_insert(at);
            }
            map
        });
        map.get(v.key()).copied()
    }

    /// [`resolve::check_scope`], with a vault (or an item in one) found through the index.
    pub fn check_scope(&mut self, s: &Snapshot, scope: &Scope) -> Result<(), String> {
        if matches!(scope.kind(), ScopeKind::Vault | ScopeKind::VaultItem(_))
            && let Some(v) = scope.vault()
            && self.vault_at(s, &v).is_some()
        {
            return Ok(());
        }
        resolve::check_scope(s, scope)
    }

    // Role assignments.

    fn assignments(&mut self, s: &Snapshot) -> &mut Assignments {
        self.assignments
            .get_or_insert_with(|| Assignments::new(&s.role_assignments))
    }

    /// The first assignment of `role_guid` to `principal` at `scope`.
    pub fn assignment(
        &mut self,
        s: &Snapshot,
        principal: &str,
        role_guid: &str,
        scope: &Scope,
    ) -> Option<usize> {
        let key = grant_key(principal, role_guid, scope);
        self.assignments(s)
            .first(&s.role_assignments, By::Grant, key, |p| {
                s.role_assignments.get(p).is_some_and(|a| {
                    a.principal_id == principal
                        && a.role_definition_guid == role_guid
                        && a.scope == *scope
                })
            })
    }

    /// The first assignment whose id is `id`, ignoring case.
    pub fn assignment_with_id(&mut self, s: &Snapshot, id: &str) -> Option<usize> {
        self.assignments(s)
            .first(&s.role_assignments, By::Id, id_key(id), |p| {
                s.role_assignments
                    .get(p)
                    .is_some_and(|a| a.id.eq_ignore_ascii_case(id))
            })
    }

    /// The first assignment that [`super::matches_id`] `given` (a full id, or a GUID).
    pub fn assignment_matching(&mut self, s: &Snapshot, given: &str) -> Option<usize> {
        let (by, key) = if given.contains('/') {
            (By::Id, id_key(given))
        } else {
            (By::Guid, hash_of(given.trim().to_ascii_lowercase()))
        };
        self.assignments(s)
            .first(&s.role_assignments, by, key, |p| {
                s.role_assignments
                    .get(p)
                    .is_some_and(|a| super::matches_id(&a.id, given))
            })
    }

    pub fn add_assignment(&mut self, s: &mut Snapshot, a: RoleAssignment) {
        let at = s.role_assignments.len();
        let t = self.assignments(s);
        if let Some(index) = &mut t.index {
            index.index(at, &a);
        }
        t.removed.push(false);
        s.role_assignments.push(a);
    }

    /// Marks the assignment at `at` removed and returns a copy of it.
    pub fn remove_assignment(&mut self, s: &Snapshot, at: usize) -> Option<RoleAssignment> {
        let t = self.assignments(s);
        let slot = t.removed.get_mut(at)?;
        if *slot {
            return None;
        }
        *slot = true;
        s.role_assignments.get(at).cloned()
    }

    // Group memberships.

    fn memberships(&mut self, s: &Snapshot) -> &mut Memberships {
        self.memberships.get_or_insert_with(|| {
            let mut out = Memberships {
                removed: vec![false; s.group_memberships.len()],
                ..Default::default()
            };
            for (at, e) in s.group_memberships.iter().enumerate() {
                out.by_pair
                    .insert(membership_key(&e.group_id, &e.member_id), at);
            }
            out
        })
    }

    /// The first direct membership of `member` in `group`.
    pub fn membership(&mut self, s: &Snapshot, group: &str, member: &str) -> Option<usize> {
        let t = self.memberships(s);
        first(
            t.by_pair.candidates(membership_key(group, member)),
            &t.removed,
            |p| {
                s.group_memberships
                    .get(p)
                    .is_some_and(|e| e.group_id == group && e.member_id == member)
            },
        )
    }

    pub fn add_membership(&mut self, s: &mut Snapshot, e: GroupMembership) {
        let at = s.group_memberships.len();
        let t = self.memberships(s);
        t.by_pair
            .insert(membership_key(&e.group_id, &e.member_id), at);
        t.removed.push(false);
        s.group_memberships.with_room(room(at)).push(e);
    }

    pub fn remove_membership(&mut self, s: &Snapshot, at: usize) {
        if let Some(slot) = self.memberships(s).removed.get_mut(at) {
            *slot = true;
        }
    }

    /// Drops the removed assignments and memberships, keeping the order of the rest.
    pub fn finish(self, s: &mut Snapshot) {
        // A list with none marked stays as it is (shared with the snapshot it was copied from, when it is).
        if let Some(t) = self.assignments
            && t.removed.contains(&true)
        {
            retain_unmarked(s.role_assignments.own(), &t.removed);
        }
        if let Some(t) = self.memberships
            && t.removed.contains(&true)
        {
            retain_unmarked(&mut s.group_memberships, &t.removed);
        }
    }
}

/// Room made in a list of `len` items when a change list first adds to it (a plan adds thousands to a list
/// of hundreds of thousands; growing by doubling would move it twice).
fn room(len: usize) -> usize {
    (len / 32).max(16)
}

/// Takes out the marked items, keeping the order of the rest.
fn retain_unmarked<T>(items: &mut Vec<T>, removed: &[bool]) {
    let mut at = 0;
    items.retain(|_| {
        let keep = !removed.get(at).copied().unwrap_or(false);
        at += 1;
        keep
    });
}

#[cfg(test)]
mod tests;
