//! Answers that rest only on grants: where no deny assignment, collection error, unplaced subscription or
//! vault lies at or above a resource, whether a principal controls it depends only on the role assignments
//! and eligibilities naming it or its groups at or above, so it is the same at every resource whose nearest
//! scope naming them is the same. A walk decides it once per such scope (asking the evaluator at the first
//! resource) and reuses it beneath; elsewhere each resource is asked.

use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::runs_as::Controller;
use super::walk::Walk;
use crate::catalog::{Action, Plane};
use crate::eval::Target;
use crate::eval::index::NodeKind;
use crate::model::Scope;

impl<'e> Walk<'e> {
    /// Whether `id` is one of [`Walk::controllers`], without asking about anyone else. Where the answer
    /// rests only on the grants and eligibilities naming `id` (or its groups), it is the same at every
    /// resource whose nearest scope naming them is the same: asked once per such scope.
    pub(super) fn controller(
        &self,
        id: &str,
        scope: &Scope,
        actions: &[Action],
    ) -> Option<Controller> {
        let target = self.target(scope);
        if !self.decided_above(&target) {
            return self.controller_asked(id, scope, actions);
        }
        match self.nearest_naming(id, &target.ancestry.scopes) {
            Naming::Unsure => self.controller_asked(id, scope, actions),
            Naming::Nowhere => None,
            Naming::At(level, class) => {
                let key = decided_key(level, actions);
                if let Some(known) = self
                    .cache
                    .decided
                    .borrow()
                    .get(&key)
                    .and_then(|m| m.get(id))
                {
                    return known.clone();
                }
                let found = self.class_controller(id, scope, actions, &key, class);
                let mut memo = self.cache.decided.borrow_mut();
                memo.entry(key)
                    .or_default()
                    .insert(id.to_string(), found.clone());
                found
            }
        }
    }

    /// [`Walk::controller_asked`], shared by the identities of one class at `key`'s scope: those whose
    /// groups (and themselves) that any grant or eligibility at or above names are the same. Their rows
    /// there name the same assignments and eligibilities, so they get the same decision and evidence
    /// (`Row::key`); a group's own answer is asked alone.
    fn class_controller(
        &self,
        id: &str,
        scope: &Scope,
        actions: &[Action],
        key: &str,
        class: Option<Vec<u32>>,
    ) -> Option<Controller> {
        let Some(class) = class else {
            return self.controller_asked(id, scope, actions);
        };
        let class_key = (key.to_string(), class);
        if let Some(known) = self.cache.classes.borrow().get(&class_key) {
            return known.as_ref().map(|c| Controller {
                id: id.to_string(),
                ..c.clone()
            });
        }
        let found = self.controller_asked(id, scope, actions);
        self.cache
            .classes
            .borrow_mut()
            .insert(class_key, found.clone());
        found
    }

    /// Whether everyone's answer at `target` rests only on the role assignments and eligibilities naming
    /// them there (and so is the same wherever the nearest of those is the same): no deny assignment and
    /// no collection error at or above it, its subscription placed, and no vault (whose own settings and
    /// item names decide too).
    pub(super) fn decided_above(&self, target: &Target) -> bool {
        let index = &self.engine.index;
        let none_at = |map: &FxHashMap<String, Vec<usize>>, s: &Scope| {
            map.get(s.key()).is_none_or(Vec::is_empty)
        };
        target.vault.is_none()
            && target.scope.vault().is_none()
            && !target.ancestry.unplaced_subscription
            && target
                .ancestry
                .scopes
                .iter()
                .all(|s| none_at(&index.denies_at, s) && none_at(&index.errors_at, s))
    }

    /// The nearest of `scopes` (the target's ancestry) where a role assignment or eligibility names `id` or
    /// one of its groups (a group's answer, too, counts the grants of the groups it is in).
    pub(super) fn nearest_naming<'s>(&self, id: &str, scopes: &'s [Scope]) -> Naming<'s> {
        let engine = self.engine;
        if engine.directory_gaps() || !engine.index.principal.contains_key(id) {
            return self.nearest_naming_asked(id, scopes);
        }
        // Listed under this very id, its memberships known: itself and its groups, numbered.
        let along = self.named_along(scopes);
        let graph = engine.index.memberships();
        let (set, group): (Vec<u32>, bool) = match graph.node(id) {
            Some(n) => {
                let above = graph.groups_above(n).into_iter().map(|(g, _)| g);
                let group = engine.index.node_kind(n) == NodeKind::Group;
                (std::iter::once(n).chain(above).collect(), group)
            }
            // Every principal named along `scopes` is numbered by now: one that is not is named nowhere.
            None => match self.numbered(id) {
                Some(n) => (vec![n], engine.is_group(id)),
                None => return Naming::Nowhere,
            },
        };
        let Some(at) = along
            .iter()
            .position(|named| set.iter().any(|p| named.contains(p)))
        else {
            return Naming::Nowhere;
        };
        // Nothing below `at` names any of them: those named at or above it are those named anywhere.
        let class = (!group).then(|| {
            let mut class: Vec<u32> = set
                .into_iter()
                .filter(|p| along[at..].iter().any(|named| named.contains(p)))
                .collect();
            class.sort_unstable();
            class
        });
        Naming::At(&scopes[at], class)
    }

    /// [`Walk::nearest_naming`] from the evaluator's subject (its id made canonical, its groups maybe
    /// unknown); no class.
    fn nearest_naming_asked<'s>(&self, id: &str, scopes: &'s [Scope]) -> Naming<'s> {
        let subject = self.subject(id);
        if !subject.groups_known {
            return Naming::Unsure;
        }
        // Each id's own scopes, not their union per subject: the groups' are shared by all their members.
        let named: Vec<Rc<FxHashSet<String>>> =
            subject.set.ids().map(|id| self.named_by(id)).collect();
        scopes
            .iter()
            .position(|s| named.iter().any(|n| n.contains(s.key())))
            .map_or(Naming::Nowhere, |at| Naming::At(&scopes[at], None))
    }

    /// The principals a role assignment or eligibility at each of `scopes` names, numbered, once per walk
    /// and target.
    fn named_along(&self, scopes: &[Scope]) -> Rc<Vec<FxHashSet<u32>>> {
        let key = scopes.first().map_or("", Scope::key);
        if let Some(known) = self.cache.named_along.borrow().get(key) {
            return Rc::clone(known);
        }
        let engine: &'e crate::eval::Engine = self.engine;
        let index = &engine.index;
        let along: Vec<FxHashSet<u32>> = scopes
            .iter()
            .map(|s| {
                let assigned = engine.assignments_at(s).map(|(_, a)| a);
                let eligible = index.eligibilities_at.get(s.key()).into_iter().flatten();
                let eligible = eligible.filter_map(|&i| engine.snapshot.role_eligibilities.get(i));
                assigned
                    .chain(eligible)
                    .map(|a| self.number(&a.principal_id))
                    .collect()
            })
            .collect();
        let along = Rc::new(along);
        self.cache
            .named_along
            .borrow_mut()
            .insert(key.to_string(), Rc::clone(&along));
        along
    }
}

/// Where the grants that can decide for a principal at a target are.
pub(super) enum Naming<'s> {
    /// Its groups are not known: any grant might name it.
    Unsure,
    /// No role assignment or eligibility at or above the target names it (or its groups).
    Nowhere,
    /// The nearest scope where one does, and (for an identity whose groups the walk has numbered) its class:
    /// itself and the groups of its that a grant or eligibility at or above names, numbered, sorted.
    At(&'s Scope, Option<Vec<u32>>),
}

/// The memo key of the controllers decided at `level` for `actions`.
fn decided_key(level: &Scope, actions: &[Action]) -> String {
    let mut key = level.key().to_string();
    for a in actions {
        key.push('\n');
        key.push_str(if a.plane == Plane::Data {
            "data "
        } else {
            "arm "
        });
        key.push_str(&a.rbac_actions.join(" ").to_ascii_lowercase());
    }
    key
}
