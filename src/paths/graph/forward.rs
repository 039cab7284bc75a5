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
use crate::eval::Target;
use crate::model::Scope;

/// What one node's listing keeps: the scopes where a grant names it or its groups, numbered (`None`: its
/// groups are not known, so any may), and its answers by nearest such scope, then by the actions asked.
pub(super) struct Outward {
    named: Option<FxHashSet<u32>>,
    decided: FxHashMap<u32, Vec<(Asks, Option<Controller>)>>,
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

/// Where a forward control check is asked: a compute resource or a user-assigned identity, by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Place {
    Resource(usize),
    Uai(usize),
}

/// What every node's checks read of a place, once per walk: its scope and target, whether answers there
/// rest on grants alone, and the scopes of its ancestry numbered ([`Walk::scope_number`]). Each node's
/// listing visits thousands of places under the same few scopes: looking each one up by its id's text
/// (target, quietness, each scope of the ancestry) was most of a `--from` walk.
pub(super) struct AtPlace<'e> {
    pub scope: &'e Scope,
    pub target: Rc<Target<'e>>,
    quiet: bool,
    pub levels: Rc<[u32]>,
}

impl<'e> Walk<'e> {
    pub(super) fn outward(&self, node: &str) -> Outward {
        let subject = self.subject(node);
        Outward {
            named: subject.groups_known.then(|| {
                let named = self.named_scopes(&subject, false);
                named.iter().map(|s| self.scope_number(s)).collect()
            }),
            decided: FxHashMap::default(),
        }
    }

    /// [`Walk::controller`] for the node `o` was made for at `place`, `asks` naming the actions; `actions`
    /// is called only when the evaluator must be asked.
    pub(super) fn controller_out(
        &self,
        o: &mut Outward,
        node: &str,
        place: Place,
        asks: Asks,
        actions: impl Fn() -> Vec<Action>,
    ) -> Option<Controller> {
        let at = self.at_place(place)?;
        let Some(named) = o.named.as_ref().filter(|_| at.quiet) else {
            return self.controller_asked(node, at.scope, &actions());
        };
        let level = *at.levels.iter().find(|l| named.contains(l))?;
        if let Some((_, known)) = o
            .decided
            .get(&level)
            .and_then(|list| list.iter().find(|(a, _)| *a == asks))
        {
            return known.clone();
        }
        let deciding = self.deciding_at(at.scope, Rc::clone(&at.target), Rc::clone(&at.levels));
        let found = self.controller_in(node, None, &deciding, &actions());
        o.decided
            .entry(level)
            .or_default()
            .push((asks, found.clone()));
        found
    }

    /// The scope of `place`.
    fn scope_of(&self, place: Place) -> Option<&'e Scope> {
        match place {
            Place::Resource(i) => {
                let resources = self.engine.snapshot.hops.resources.as_deref()?;
                Some(&resources.get(i)?.scope)
            }
            Place::Uai(at) => Some(&self.graph.uai(at)?.scope),
        }
    }

    /// [`AtPlace`] of `place`, once per walk.
    pub(super) fn at_place(&self, place: Place) -> Option<Rc<AtPlace<'e>>> {
        if let Some(known) = self.cache.places.borrow().get(&place) {
            return Some(Rc::clone(known));
        }
        let scope = self.scope_of(place)?;
        let target = self.target(scope);
        let levels = target.ancestry.scopes.iter();
        let at = Rc::new(AtPlace {
            scope,
            quiet: self.quiet(&target),
            levels: levels.map(|s| self.scope_number(s.key())).collect(),
            target,
        });
        self.cache.places.borrow_mut().insert(place, Rc::clone(&at));
        Some(at)
    }

    /// A number for the scope `key`, the same for the rest of the walk.
    pub(super) fn scope_number(&self, key: &str) -> u32 {
        if let Some(&n) = self.cache.scope_numbers.borrow().get(key) {
            return n;
        }
        let mut numbers = self.cache.scope_numbers.borrow_mut();
        let n = numbers.len() as u32;
        numbers.insert(key.to_string(), n);
        n
    }

    /// [`Walk::decided_above`], once per target scope for the walk.
    fn quiet(&self, target: &Target) -> bool {
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
