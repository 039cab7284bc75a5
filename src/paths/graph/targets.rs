//! The targets a walk asks at: every compute resource and user-assigned identity it reaches. Working out a
//! scope's ancestry parses each scope above it again (its parent, the subscription's management groups),
//! about a tenth of a `paths --to` search when done for each resource; a resource's or resource group's
//! ancestry is itself then its parent's, which the walk keeps, so the resources of a resource group share
//! the walk up from it.

use std::rc::Rc;

use super::walk::Walk;
use crate::eval::Target;
use crate::eval::index::Ancestry;
use crate::model::Scope;

impl<'e> Walk<'e> {
    /// [`Engine::target`](crate::eval::Engine::target) at `scope`, once per walk.
    pub(super) fn target(&self, scope: &Scope) -> Rc<Target<'e>> {
        if let Some(t) = self.cache.targets.borrow().get(scope.key()) {
            return Rc::clone(t);
        }
        let t = Rc::new(self.built_target(scope));
        self.cache
            .targets
            .borrow_mut()
            .insert(scope.key().to_string(), Rc::clone(&t));
        t
    }

    /// The target at `scope`: below a subscription, built on its structural parent's ([`Ancestry::under`]),
    /// looked up by the parent's key (most resources share a resource group already asked, and parsing the
    /// parent again for each was most of this); from a subscription up, the engine's.
    fn built_target(&self, scope: &Scope) -> Target<'e> {
        let Some(parent_key) = scope.structural_parent_key() else {
            return self.engine.target(scope);
        };
        let known = self.cache.targets.borrow().get(parent_key).map(Rc::clone);
        let parent = match (known, scope.structural_parent()) {
            (Some(parent), _) => parent,
            (None, Some(parent)) => self.target(&parent),
            (None, None) => return self.engine.target(scope),
        };
        Target {
            scope: scope.clone(),
            ancestry: Ancestry::under(scope, &parent.ancestry),
            vault: self.engine.vault_of(scope),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::{HopGraph, Walk};
    use crate::eval::Target;
    use crate::model::Scope;
    use crate::synth::test_tenant::engine;

    fn words(t: &Target) -> String {
        let scopes: Vec<&str> = t.ancestry.scopes.iter().map(Scope::id).collect();
        format!(
            "{} {scopes:?} {} {:?}",
            t.scope.id(),
            t.ancestry.unplaced_subscription,
            t.vault.map(|v| std::ptr::from_ref(v) as usize)
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

        /// Every scope a walk can ask at (compute resources, user-assigned identities, the scopes of role
        /// assignments, vaults and what lies beneath them, asked in both orders so a parent is met
        /// before and after its children) gets the engine's own target.
        #[test]
        fn a_target_built_on_its_parent_is_the_engines(seed in 0u64..1_000, reversed: bool) {
            let engine = engine(seed, 4, 1, 1);
            let graph = HopGraph::build(&engine);
            let walk = Walk::new(&engine, &graph);
            let s = &engine.snapshot;
            let mut scopes: Vec<Scope> = s.hops.resources.iter().flatten().map(|r| r.scope.clone()).collect();
            scopes.extend(s.role_assignments.iter().map(|a| a.scope.clone()));
            for v in &s.vaults {
                scopes.push(v.scope.clone());
                for item in ["secrets/a", "keys/b/versions/1"] {
                    scopes.extend(Scope::parse(&format!("{}/{item}", v.scope.id())));
                }
            }
            scopes.extend(Scope::parse("/subscriptions/unknown/resourceGroups/rg/providers/A.B/c/d/e/f"));
            if reversed {
                scopes.reverse();
            }
            let mut beneath = 0;
            for scope in &scopes {
                beneath += usize::from(scope.structural_parent().is_some());
                prop_assert_eq!(words(&walk.target(scope)), words(&engine.target(scope)));
            }
            prop_assert!(beneath > 0, "no scope has a parent: the tenant tests nothing");
        }
    }
}
