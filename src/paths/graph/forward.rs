//! A forward walk's control checks (`paths --from`): whether the one node reached controls each compute
//! resource under the scopes naming it. [`Walk::controller`] already decides that once per nearest scope
//! naming the node (where nothing else can change the answer); a node's edges visit many resources under
//! the same few scopes, so what stays the same for the node (the scopes naming it or its groups, the answers
//! per nearest scope and way) is kept for the node's listing, and whether a resource's answer rests only on
//! grants is kept per resource for the walk. The answers are [`Walk::controller`]'s.

use rustc_hash::{FxHashMap, FxHashSet};
use std::rc::Rc;

use super::runs_as::Controller;
use super::walk::Walk;
use crate::catalog::Action;
use crate::model::Scope;

/// What one node's listing keeps: the scopes where a grant names it or its groups (`None`: its groups are
/// not known, so any may), and its answers by nearest such scope, then by the actions asked.
pub(super) struct Outward {
    named: Option<Rc<FxHashSet<String>>>,
    decided: FxHashMap<String, Vec<(Asks, Option<Controller>)>>,
}

/// Names the actions of a control check for [`Walk::controller_out`]'s memo: the same key always asks the
/// same actions. A way is named by its address (the hosts' ways are static, each in one host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Asks {
    /// Running code on a compute resource one way (its actions).
    RunsAs(usize),
    /// Updating a compute resource and running code on it one way (a foothold).
    Foothold(usize),
    /// Writing a user-assigned identity's federated credentials.
    WriteFederated,
    /// Assigning a user-assigned identity to a resource.
    Assign,
}

impl Walk<'_> {
    pub(super) fn outward(&self, node: &str) -> Outward {
        let subject = self.subject(node);
        Outward {
            named: subject
                .groups_known
                .then(|| self.named_scopes(&subject, false)),
            decided: FxHashMap::default(),
        }
    }

    /// [`Walk::controller`] for the node `o` was made for, `asks` naming the actions; `actions` is called
    /// only when the evaluator must be asked.
    pub(super) fn controller_out(
        &self,
        o: &mut Outward,
        node: &str,
        scope: &Scope,
        asks: Asks,
        actions: impl Fn() -> Vec<Action>,
    ) -> Option<Controller> {
        let target = self.target(scope);
        let Some(named) = o.named.as_ref().filter(|_| self.quiet(&target)) else {
            return self.controller_asked(node, scope, &actions());
        };
        let level = target
            .ancestry
            .scopes
            .iter()
            .find(|s| named.contains(s.key()))?;
        if let Some((_, known)) = o
            .decided
            .get(level.key())
            .and_then(|list| list.iter().find(|(a, _)| *a == asks))
        {
            return known.clone();
        }
        let found = self.controller(node, scope, &actions());
        o.decided
            .entry(level.key().to_string())
            .or_default()
            .push((asks, found.clone()));
        found
    }

    /// [`Walk::decided_above`], once per target scope for the walk.
    fn quiet(&self, target: &crate::eval::Target) -> bool {
        let key = target.scope.key();
        if let Some(&known) = self.cache.quiet.borrow().get(key) {
            return known;
        }
        let quiet = self.decided_above(target);
        self.cache.quiet.borrow_mut().insert(key.to_string(), quiet);
        quiet
    }
}

#[cfg(test)]
mod tests;
