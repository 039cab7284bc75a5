//! Whom a walk asks about control of a resource: the identities `who-can` would examine for a control action
//! there (everyone a grant that can matter reaches, and everyone a PIM eligibility there reaches), and the
//! groups a grant names.
//!
//! Every synthetic or real compute resource has grants of its own, so expanding all the grants at and above
//! each resource (the subscription's groups again and again) was most of a `paths --to` walk. The candidates
//! at a resource are the union, over the scopes at and above it, of those a grant at that one scope reaches:
//! each scope's share is expanded once per walk and shared by every resource beneath it. Where every identity
//! must be examined whatever it holds (memberships or role assignments not fully collected, a subscription
//! placed in no known management group), the resource's candidates are expanded whole, as `who-can` does.

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::walk::{Memo, Walk};
use crate::catalog::Action;
use crate::eval::Target;
use crate::eval::index::NodeKind;
use crate::model::Scope;
use crate::query::reach::{Grants, Marks, assignments_unsure, holders, identities, reached};

/// Candidates a search has not reached yet, shrinking as it reaches them (numbered, see [`Walk::number`]).
pub(super) type Unreached = Rc<RefCell<Vec<u32>>>;

/// One scope's candidates and named groups a search has not reached yet: its own list, and the shared
/// list of each group whose members a grant there reaches (the lists may overlap).
pub(super) struct UnreachedAt {
    pub own: Unreached,
    pub groups: Vec<Unreached>,
}

/// One scope's share of the candidates before expanding groups: identities (not deduplicated), the
/// membership-graph groups whose identities are candidates, and the groups a grant there that may grant
/// the action names.
struct Share {
    own: Vec<u32>,
    groups: Vec<u32>,
    granting: Vec<u32>,
}

/// One scope's role assignments as [`Walk::candidates_at`] reads them: (role, principal) each, and the
/// identities absent from the directory they reach (not deduplicated).
#[derive(Default)]
struct Assigned<'e> {
    grants: Vec<(Option<usize>, &'e str)>,
    absent: Vec<u32>,
}

/// Whether an expansion keeps a node of this kind: identities, and those absent from the directory when
/// `absent`.
fn kept(kind: NodeKind, absent: bool) -> bool {
    match kind {
        NodeKind::Group => false,
        NodeKind::Absent => absent,
        NodeKind::Identity(_) => true,
    }
}

/// Per-walk answers about the scopes above resources.
#[derive(Default)]
pub(crate) struct ByScope<'e> {
    /// A resource's whole candidates (where each must be examined), by (scope, action).
    whole: Memo<(String, String), Rc<Vec<String>>>,
    /// One scope's share of the candidates, by (scope, action).
    at: Memo<(String, String), Rc<Vec<u32>>>,
    /// The groups a role assignment at one scope names, by scope.
    groups_at: Memo<String, Rc<Vec<String>>>,
    /// One scope's candidates and named groups not yet reached by the search, by (scope, action), both
    /// numbered ([`Walk::scope_number`], `labels`).
    unreached: Memo<(u32, u32), Rc<UnreachedAt>>,
    /// The actions `unreached` is asked for, by label lowercased, numbered by position.
    labels: RefCell<Vec<String>>,
    /// The identities inside a group not yet reached by the search, by group.
    members: Memo<u32, Unreached>,
    /// The role assignments at one scope, by scope.
    assigned: Memo<String, Rc<Assigned<'e>>>,
    /// Identities absent from the directory data, by each holder that reaches them (themselves and the
    /// groups above them).
    absent_below: std::cell::OnceCell<FxHashMap<&'e str, Vec<u32>>>,
    /// Whether each role may grant an action, by the action (its label lowercased, as the other keys here),
    /// then role: each resource's own grants are of a few roles, matched once per walk, not once per scope.
    may_grant: Memo<String, Vec<Option<bool>>>,
    marks: RefCell<Marks>,
    pub(super) numbered: RefCell<super::numbered::Numbered<'e>>,
}

impl<'e> Walk<'e> {
    /// The identities `who-can` would examine for `action` at `scope`, as lists whose union they are (sorted
    /// each; the lists may overlap).
    #[cfg(test)]
    pub(super) fn candidates(&self, scope: &Scope, action: &Action) -> Vec<Rc<Vec<String>>> {
        let target = self.target(scope);
        if !self.by_scope_alone(&target) {
            return vec![self.whole_candidates(scope, action)];
        }
        let named = |l: Rc<Vec<u32>>| {
            let mut ids: Vec<String> = l.iter().map(|&n| self.name(n).to_string()).collect();
            ids.sort_unstable();
            Rc::new(ids)
        };
        target
            .ancestry
            .scopes
            .iter()
            .map(|s| named(self.candidates_at(s, action)))
            .collect()
    }

    /// Whether the candidates at `target` are the union of each scope's share (otherwise every identity
    /// must be examined whatever it holds).
    pub(super) fn by_scope_alone(&self, target: &Target) -> bool {
        !self.engine.directory_gaps() && !assignments_unsure(self.engine, &target.ancestry)
    }

    /// One scope's share of the candidates for `action` and the groups a grant there that may grant it
    /// names, less those a search has already reached: [`Walk::controllers`] drops the reached ones from the
    /// lists as it meets them, for good, since a node once reached stays reached for the rest of the walk.
    /// Without this, a subscription's or management group's candidates were looked at again at every
    /// resource beneath. The identities inside a group a grant names are one list per group, shared by
    /// every scope naming it: a group granted at many resource groups is expanded once, and each member
    /// reached is dropped once, not once per scope.
    /// Every scope's is numbered ([`Walk::scope_number`]): asked at each scope above every resource reached,
    /// it is looked up without the scope's or action's text.
    pub(super) fn unreached_at(
        &self,
        (level, number): (&Scope, u32),
        (action, label): (&Action, u32),
    ) -> Rc<UnreachedAt> {
        let key = (number, label);
        if let Some(known) = self.cache.by_scope.unreached.borrow().get(&key) {
            return Rc::clone(known);
        }
        let share = self.share_at(level, action);
        let mut own = share.own;
        own.extend(share.granting);
        own.sort_unstable();
        own.dedup();
        let at = Rc::new(UnreachedAt {
            own: Rc::new(RefCell::new(own)),
            groups: share
                .groups
                .iter()
                .map(|&g| self.members_unreached(g))
                .collect(),
        });
        self.cache
            .by_scope
            .unreached
            .borrow_mut()
            .insert(key, Rc::clone(&at));
        at
    }

    /// [`Walk::unreached_at`] at each scope of `target`'s ancestry (numbered `levels`), nearest first.
    pub(super) fn unreached_along(
        &self,
        target: &Target,
        levels: &[u32],
        action: &Action,
    ) -> Vec<Rc<UnreachedAt>> {
        let label = self.label_number(action);
        let scopes = target.ancestry.scopes.iter().zip(levels);
        scopes
            .map(|(l, &k)| self.unreached_at((l, k), (action, label)))
            .collect()
    }

    /// The number of `action`'s label among those [`Walk::unreached_at`] is asked for.
    fn label_number(&self, action: &Action) -> u32 {
        let mut labels = self.cache.by_scope.labels.borrow_mut();
        if let Some(k) = labels
            .iter()
            .position(|l| l.eq_ignore_ascii_case(&action.label))
        {
            return k as u32;
        }
        labels.push(action.label.to_ascii_lowercase());
        (labels.len() - 1) as u32
    }

    /// The identities inside membership-graph group `g` (transitively) not yet reached, once per walk.
    fn members_unreached(&self, g: u32) -> Unreached {
        if let Some(known) = self.cache.by_scope.members.borrow().get(&g) {
            return Rc::clone(known);
        }
        let mut ids: Vec<u32> = Vec::new();
        self.expand_into(&[g], &mut ids);
        ids.sort_unstable();
        let ids = Rc::new(RefCell::new(ids));
        self.cache
            .by_scope
            .members
            .borrow_mut()
            .insert(g, Rc::clone(&ids));
        ids
    }

    /// The groups a role assignment at or above `scope` names, as lists (sorted each) whose union they are.
    pub(super) fn named_groups(&self, scope: &Scope) -> Vec<Rc<Vec<String>>> {
        let target = self.target(scope);
        target
            .ancestry
            .scopes
            .iter()
            .map(|s| self.groups_at(s))
            .collect()
    }

    /// `who-can`'s expansion of every grant at and above `scope`, once per walk and resource.
    pub(super) fn whole_candidates(&self, scope: &Scope, action: &Action) -> Rc<Vec<String>> {
        let key = (scope.key().to_string(), action.label.to_ascii_lowercase());
        if let Some(known) = self.cache.by_scope.whole.borrow().get(&key) {
            return Rc::clone(known);
        }
        let engine = self.engine;
        let target = self.target(scope);
        let grants = Grants {
            rbac: true,
            policies: false,
            role_matters: |role| engine.role_may_grant(role, action),
            entry_matters: |_: &crate::model::AccessPolicy| false,
        };
        let mut ids: Vec<String> = reached(engine, &holders(engine, &target, grants))
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        // Where the candidates are the union of each scope's share, they are the same as that union.
        let only_matters = self.by_scope_alone(&target);
        let mut eligible: Vec<(String, Option<String>)> = Vec::new();
        for s in &target.ancestry.scopes {
            let (named, absent) = self.eligible_at(s, action, only_matters);
            eligible.extend(named.into_iter().map(|id| (id.to_string(), None)));
            ids.extend(absent.into_iter().map(|n| self.name(n).to_string()));
        }
        ids.extend(identities(engine, &eligible).into_iter().map(|(id, _)| id));
        ids.sort_unstable();
        ids.dedup();
        let ids = Rc::new(ids);
        self.cache
            .by_scope
            .whole
            .borrow_mut()
            .insert(key, Rc::clone(&ids));
        ids
    }

    /// One scope's share of the candidates, once per walk: the identities in the directory that a grant
    /// there that can matter reaches (groups expanded), the identities absent from the directory that any
    /// grant there reaches (their memberships are unknown, so whatever they hold may matter: as
    /// `query::reach::reached` keeps them), and the identities a PIM eligibility there reaches. Numbered
    /// (see [`Walk::number`]), sorted by number.
    pub(super) fn candidates_at(&self, level: &Scope, action: &Action) -> Rc<Vec<u32>> {
        let key = (level.key().to_string(), action.label.to_ascii_lowercase());
        if let Some(known) = self.cache.by_scope.at.borrow().get(&key) {
            return Rc::clone(known);
        }
        let share = self.share_at(level, action);
        let mut ids = share.own;
        self.expand_into(&share.groups, &mut ids);
        ids.sort_unstable();
        ids.dedup();
        let ids = Rc::new(ids);
        self.cache
            .by_scope
            .at
            .borrow_mut()
            .insert(key, Rc::clone(&ids));
        ids
    }

    /// [`Walk::candidates_at`] before the groups that a grant that can matter names are expanded.
    fn share_at(&self, level: &Scope, action: &Action) -> Share {
        let engine: &'e crate::eval::Engine = self.engine;
        let assigned = self.assigned_at(level);
        let mut relevant: Vec<&'e str> = Vec::new();
        // Those absent from the directory that any grant here reaches, whatever its role.
        let mut own: Vec<u32> = assigned.absent.clone();
        let mut memo = self.cache.by_scope.may_grant.borrow_mut();
        let roles = memo
            .entry(action.label.to_ascii_lowercase())
            .or_insert_with(|| vec![None; engine.snapshot.role_definitions.len()]);
        for &(role, principal) in &assigned.grants {
            let may = role.is_none_or(|r| match roles.get_mut(r) {
                Some(known) => *known.get_or_insert_with(|| engine.role_may_grant(r, action)),
                None => engine.role_may_grant(r, action),
            });
            if may {
                relevant.push(principal);
            }
        }
        drop(memo);
        relevant.sort_unstable();
        relevant.dedup();
        // Those absent from the directory come from `absent_below` above, whatever the grant's role.
        let (groups, empty) = self.identities_into(&relevant, false, &mut own);
        let (eligible, absent) = self.eligible_at(level, action, true);
        own.extend(absent);
        let (eligible_groups, _) = self.identities_into(&eligible, true, &mut own);
        self.expand_absent_into(&eligible_groups, &mut own);
        let mut granting = groups.clone();
        granting.extend(empty);
        Share {
            own,
            groups,
            granting,
        }
    }

    /// `query::reach::identities` of `holders`, numbered, but the groups among them not expanded: the
    /// identities among them (those absent from the directory only when `absent`) into `out`, not
    /// deduplicated. Returns the membership-graph groups among them and the groups the directory lists
    /// without members (nobody inside), numbered.
    fn identities_into(
        &self,
        holders: &[&'e str],
        absent: bool,
        out: &mut Vec<u32>,
    ) -> (Vec<u32>, Vec<u32>) {
        let engine = self.engine;
        let graph = engine.index.memberships();
        let mut groups: Vec<u32> = Vec::new();
        let mut empty: Vec<u32> = Vec::new();
        for &id in holders {
            match graph.node(id) {
                Some(n) if engine.index.node_kind(n) == NodeKind::Group => groups.push(n),
                Some(n) => {
                    if kept(engine.index.node_kind(n), absent) {
                        out.push(n);
                    }
                }
                None if engine.is_group(id) => empty.push(self.number(id)),
                None => {
                    if absent || !engine.index.referenced_ids.contains(id) {
                        out.push(self.number(id));
                    }
                }
            }
        }
        (groups, empty)
    }

    /// The identities in the directory inside `groups` (transitively) into `out`.
    fn expand_into(&self, groups: &[u32], out: &mut Vec<u32>) {
        self.members_into(groups, false, out);
    }

    /// The identities inside `groups` (transitively), those absent from the directory too, into `out`.
    fn expand_absent_into(&self, groups: &[u32], out: &mut Vec<u32>) {
        self.members_into(groups, true, out);
    }

    fn members_into(&self, groups: &[u32], absent: bool, out: &mut Vec<u32>) {
        if groups.is_empty() {
            return;
        }
        let engine = self.engine;
        let graph = engine.index.memberships();
        let marks = &mut *self.cache.by_scope.marks.borrow_mut();
        let stamp = marks.next();
        let below = graph.members_below(groups, &mut marks.seen, stamp);
        out.extend(
            below
                .into_iter()
                .filter(|&m| kept(engine.index.node_kind(m), absent)),
        );
    }

    /// The principals a PIM eligibility at `level` names, to be expanded to identities: when `only_matters`,
    /// those whose eligibility's role may grant `action` (where every other grant is known, one whose role
    /// cannot makes nobody a holder, even after activation); then, numbered, the identities absent from the
    /// directory that the others reach (their groups are unknown: "unknown" whatever they hold, as
    /// `query::reach::reached` keeps them).
    fn eligible_at(
        &self,
        level: &Scope,
        action: &Action,
        only_matters: bool,
    ) -> (Vec<&'e str>, Vec<u32>) {
        let engine: &'e crate::eval::Engine = self.engine;
        let mut named = Vec::new();
        let mut absent = Vec::new();
        let at = engine.index.eligibilities_at.get(level.key());
        for e in at
            .into_iter()
            .flatten()
            .filter_map(|&i| engine.snapshot.role_eligibilities.get(i))
        {
            if !only_matters || self.may_grant(e, action) {
                named.push(e.principal_id.as_str());
            } else {
                absent.extend(
                    self.absent_below()
                        .get(e.principal_id.as_str())
                        .into_iter()
                        .flatten(),
                );
            }
        }
        (named, absent)
    }

    /// The role assignments at `level` (role, principal), and the identities absent from the directory
    /// that they reach, once per walk: read again for each action asked there.
    fn assigned_at(&self, level: &Scope) -> Rc<Assigned<'e>> {
        if let Some(known) = self.cache.by_scope.assigned.borrow().get(level.key()) {
            return Rc::clone(known);
        }
        let engine: &'e crate::eval::Engine = self.engine;
        let absent_below = self.absent_below();
        let mut assigned = Assigned::default();
        for (_, a) in engine.assignments_at(level) {
            let role = engine.index.role_definition.get(&a.role_definition_guid);
            assigned
                .grants
                .push((role.copied(), a.principal_id.as_str()));
            let absent = absent_below.get(a.principal_id.as_str());
            assigned.absent.extend(absent.into_iter().flatten());
        }
        let assigned = Rc::new(assigned);
        self.cache
            .by_scope
            .assigned
            .borrow_mut()
            .insert(level.key().to_string(), Rc::clone(&assigned));
        assigned
    }

    /// Whether the role of `a` (an assignment or an eligibility) may grant `action`, or is not known.
    fn may_grant(&self, a: &crate::model::RoleAssignment, action: &Action) -> bool {
        let role = self
            .engine
            .index
            .role_definition
            .get(&a.role_definition_guid);
        role.is_none_or(|&r| self.engine.role_may_grant(r, action))
    }

    /// Each identity absent from the directory data (not a group), numbered, listed under itself and every
    /// group above it: a grant naming any of those reaches it.
    fn absent_below(&self) -> &FxHashMap<&'e str, Vec<u32>> {
        self.cache.by_scope.absent_below.get_or_init(|| {
            let engine: &'e crate::eval::Engine = self.engine;
            let graph = engine.index.memberships();
            let mut out: FxHashMap<&'e str, Vec<u32>> = FxHashMap::default();
            for id in &engine.index.referenced_ids {
                if engine.is_group(id) {
                    continue;
                }
                let n = self.number(id);
                out.entry(id.as_str()).or_default().push(n);
                let above = graph
                    .node(id)
                    .map(|n| graph.groups_above(n))
                    .unwrap_or_default();
                for (g, _) in above {
                    out.entry(graph.name(g)).or_default().push(n);
                }
            }
            out
        })
    }

    /// The groups a role assignment at `level` names, once per walk.
    fn groups_at(&self, level: &Scope) -> Rc<Vec<String>> {
        if let Some(known) = self.cache.by_scope.groups_at.borrow().get(level.key()) {
            return Rc::clone(known);
        }
        let mut out: Vec<String> = self
            .engine
            .assignments_at(level)
            .map(|(_, a)| a.principal_id.clone())
            .filter(|id| self.engine.is_group(id))
            .collect();
        out.sort();
        out.dedup();
        let out = Rc::new(out);
        self.cache
            .by_scope
            .groups_at
            .borrow_mut()
            .insert(level.key().to_string(), Rc::clone(&out));
        out
    }
}

#[cfg(test)]
mod tests;
