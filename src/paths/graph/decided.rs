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
use crate::model::Scope;

impl Walk<'_> {
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
        class: Vec<String>,
    ) -> Option<Controller> {
        if self.engine.is_group(id) {
            return self.controller_asked(id, scope, actions);
        }
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
        let subject = self.subject(id);
        if !subject.groups_known {
            return Naming::Unsure;
        }
        // Each id's own scopes, not their union per subject: the groups' are shared by all their members.
        let named: Vec<(&str, Rc<FxHashSet<String>>)> = subject
            .set
            .ids()
            .map(|id| (id, self.named_by(id)))
            .collect();
        let Some(at) = scopes
            .iter()
            .position(|s| named.iter().any(|(_, n)| n.contains(s.key())))
        else {
            return Naming::Nowhere;
        };
        // Nothing below `at` names any of them: those named at or above it are those named anywhere.
        let mut class: Vec<String> = named
            .iter()
            .filter(|(_, n)| scopes[at..].iter().any(|s| n.contains(s.key())))
            .map(|(id, _)| id.to_string())
            .collect();
        class.sort_unstable();
        Naming::At(&scopes[at], class)
    }
}

/// Where the grants that can decide for a principal at a target are.
pub(super) enum Naming<'s> {
    /// Its groups are not known: any grant might name it.
    Unsure,
    /// No role assignment or eligibility at or above the target names it (or its groups).
    Nowhere,
    /// The nearest scope where one does, and the principal and groups of its that a grant or eligibility at
    /// or above names, sorted.
    At(&'s Scope, Vec<String>),
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
