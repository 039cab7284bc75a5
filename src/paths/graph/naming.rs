//! Where the grants that can name a principal are: the scopes of the role assignments and eligibilities
//! naming it (or its groups), kept per walk, and whether a grant at or above a target can name it at all
//! (otherwise its answer there is "denied" without asking).

use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::walk::Walk;
use crate::eval::{Subject, Target};
use crate::model::{Scope, Topic};

impl<'e> Walk<'e> {
    /// Whether a grant at or above the target can name `subject` (itself, or one of its groups unless
    /// `only_itself`), or its answer may be "unknown" whatever it holds: otherwise it is "denied" there
    /// and need not be asked.
    pub(super) fn names(&self, subject: &Subject, target: &Target, only_itself: bool) -> bool {
        let engine = self.engine;
        let ancestry = &target.ancestry;
        if !subject.groups_known
            || ancestry.unplaced_subscription
            || engine.has_gap(ancestry, &Topic::ROLE_ASSIGNMENTS)
        {
            return true;
        }
        if only_itself {
            return self.named_in(&subject.principal.id, ancestry);
        }
        subject.set.ids().any(|id| self.named_in(id, ancestry))
    }

    /// Whether a role assignment or eligibility at a scope of `ancestry` names `id` itself: its own few
    /// grants looked at, no set of their scopes built (asked for every identity a walk asks about).
    pub(super) fn named_in(&self, id: &str, ancestry: &crate::eval::index::Ancestry) -> bool {
        self.grant_scopes(id)
            .any(|scope| ancestry.contains(scope.key()))
    }

    /// The scopes where a grant can name `node` (a group: only itself; an identity: itself or its groups);
    /// `None` when its groups are not known, so any grant might.
    pub(crate) fn reach_of(&self, node: &str) -> Option<Rc<FxHashSet<String>>> {
        let subject = self.subject(node);
        subject
            .groups_known
            .then(|| self.named_scopes(&subject, self.engine.is_group(node)))
    }

    /// The scopes of the role assignments and eligibilities naming the subject (or its groups).
    pub(super) fn named_scopes(
        &self,
        subject: &Subject,
        only_itself: bool,
    ) -> Rc<FxHashSet<String>> {
        if only_itself {
            return self.named_by(&subject.principal.id);
        }
        let id = subject.principal.id.as_str();
        if let Some(s) = self.cache.named.borrow().get(id) {
            return Rc::clone(s);
        }
        let mut scopes = FxHashSet::default();
        for named in subject.set.ids() {
            scopes.extend(self.named_by(named).iter().cloned());
        }
        let scopes = Rc::new(scopes);
        let mut memo = self.cache.named.borrow_mut();
        memo.insert(id.to_string(), Rc::clone(&scopes));
        scopes
    }

    /// The scopes of the role assignments and eligibilities naming `id` itself, once per walk.
    pub(super) fn named_by(&self, id: &str) -> Rc<FxHashSet<String>> {
        if let Some(s) = self.cache.named_by.borrow().get(id) {
            return Rc::clone(s);
        }
        let scopes: FxHashSet<String> = self
            .grant_scopes(id)
            .map(|scope| scope.key().to_string())
            .collect();
        let scopes = Rc::new(scopes);
        let mut memo = self.cache.named_by.borrow_mut();
        memo.insert(id.to_string(), Rc::clone(&scopes));
        scopes
    }

    /// The scopes of the role assignments and eligibilities naming `id` itself.
    fn grant_scopes<'w>(&'w self, id: &str) -> impl Iterator<Item = &'w Scope> {
        let s = &self.engine.snapshot;
        let assigned = self
            .engine
            .index
            .assignments_of
            .get(id)
            .into_iter()
            .flatten();
        let assigned = assigned.filter_map(|&i| s.role_assignments.get(i));
        let eligible = self.eligibilities_of().get(id).into_iter().flatten();
        let eligible = eligible.filter_map(|&i| s.role_eligibilities.get(i));
        assigned.chain(eligible).map(|grant| &grant.scope)
    }

    /// Role eligibilities by the principal they name, once per walk.
    fn eligibilities_of(&self) -> &FxHashMap<String, Vec<usize>> {
        self.cache.eligibilities_of.get_or_init(|| {
            let mut by: FxHashMap<String, Vec<usize>> = FxHashMap::default();
            for (i, e) in self.engine.snapshot.role_eligibilities.iter().enumerate() {
                by.entry(e.principal_id.clone()).or_default().push(i);
            }
            by
        })
    }
}
