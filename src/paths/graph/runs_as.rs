//! "Runs as a managed identity" edges: whoever can run code on a resource (a VM, an app, an automation
//! account …) can act as the identities attached to it; on an AKS cluster, as its kubelet identity.
//!
//! Who controls a resource is the evaluator's answer, asked only when a walk reaches the resource: going
//! backwards, each identity `who-can` would examine there (and each group a grant names, which holds the
//! actions for its members) that the walk has not reached yet; going forwards, whether the one principal
//! reached does. Both ask [`Walk::controller`], so the two directions agree. Which grants can name a principal
//! is `naming.rs`.

use std::rc::Rc;

use rustc_hash::FxHashSet;

use super::super::HopKind;
use super::super::compute::{self, Reach, Way};
use super::Why;
use super::forward::{Asks, Place};
use super::walk::{Skip, Step, Walk};
use crate::catalog::{Action, Plane};
use crate::eval::{Decision, Gathered, Grant, Request, Target};
use crate::model::Scope;
use crate::model::hops::IdentityResource;

impl<'e> Walk<'e> {
    /// Runs-as edges into a managed identity: the controllers of every resource whose code obtains it.
    pub(super) fn runs_as_into(&self, node: &str, skip: Skip, out: &mut Vec<Step>) {
        for &i in self.graph.hosts_of.get(node).into_iter().flatten() {
            let Some((r, host)) = self.host(i) else {
                continue;
            };
            for (w, way) in host.ways.iter().enumerate() {
                let actions = self.actions_of(way);
                for c in self.controllers_at(Place::Resource(i), &r.scope, &actions, skip) {
                    out.push(runs_as_step(c, node, i, w, way));
                }
            }
        }
    }

    /// [`way_actions`], once per walk and way (the search asks them at every host of every identity it
    /// reaches). Keyed by the way's address: a way met at another address is only worked out again.
    fn actions_of(&self, way: &Way) -> Rc<[Action]> {
        let key = std::ptr::from_ref(way) as usize;
        if let Some(known) = self.cache.way_actions.borrow().get(&key) {
            return Rc::clone(known);
        }
        let actions: Rc<[Action]> = way_actions(way).into();
        self.cache
            .way_actions
            .borrow_mut()
            .insert(key, Rc::clone(&actions));
        actions
    }

    /// Runs-as edges out of a principal: the identities of every resource it controls, but those `skip`
    /// says the walk has already reached (a resource whose identities all are is not asked about).
    pub(super) fn runs_as_out(&self, node: &str, skip: Skip, out: &mut Vec<Step>) {
        if node.starts_with("external:") {
            return;
        }
        let scopes = self.reach_of(node);
        let mut outward = self.outward(node);
        for i in self.graph.compute.reached_from(scopes.as_deref()) {
            let Some((r, host)) = self.host(i) else {
                continue;
            };
            let mis = self.unreached(i, r, host.reach, skip);
            if mis.is_empty() {
                continue;
            }
            for (w, way) in host.ways.iter().enumerate() {
                let asks = Asks::RunsAs(std::ptr::from_ref(way) as usize);
                let actions = || way_actions(way);
                let Some(c) =
                    self.controller_out(&mut outward, node, Place::Resource(i), asks, actions)
                else {
                    continue;
                };
                for mi in &mis {
                    out.push(runs_as_step(c.clone(), mi, i, w, way));
                }
            }
        }
    }

    pub(super) fn host(&self, i: usize) -> Option<(&IdentityResource, &'static compute::Host)> {
        let r = self.engine.snapshot.hops.resources.as_deref()?.get(i)?;
        Some((r, self.host_at(i)?))
    }

    /// Who holds all of `actions` at `scope` (identities, and the groups a grant names), with the weakest
    /// decision over the actions and the grants as evidence, or would after activating an Azure RBAC PIM
    /// eligibility (`eligible`); sorted by (eligible, id). Those `skip` says a walk has already reached are
    /// not asked.
    pub(super) fn controllers(
        &self,
        scope: &Scope,
        actions: &[Action],
        skip: Skip,
    ) -> Vec<Controller> {
        let target = self.target(scope);
        let levels = || self.levels_of(&target);
        self.controllers_of(scope, &target, levels, actions, skip)
    }

    /// [`Walk::controllers`] at `place` (at `scope`), whose target and numbered ancestry are kept per walk.
    pub(super) fn controllers_at(
        &self,
        place: Place,
        scope: &Scope,
        actions: &[Action],
        skip: Skip,
    ) -> Vec<Controller> {
        match self.at_place(place) {
            Some(at) => {
                let levels = || Rc::clone(&at.levels);
                self.controllers_of(scope, &at.target, levels, actions, skip)
            }
            None => self.controllers(scope, actions, skip),
        }
    }

    /// [`Walk::controllers`], `levels` giving the target's ancestry numbered.
    fn controllers_of(
        &self,
        scope: &Scope,
        target: &Rc<Target<'e>>,
        levels: impl FnOnce() -> Rc<[u32]>,
        actions: &[Action],
        skip: Skip,
    ) -> Vec<Controller> {
        let Some(first) = actions.first() else {
            return Vec::new();
        };
        let mut out = if skip.searching() && self.by_scope_alone(target) {
            self.controllers_unreached(scope, target, levels(), first, (actions, skip))
        } else {
            self.controllers_asked(scope, first, actions, skip)
        };
        out.sort_by(|a, b| (a.eligible, &a.id).cmp(&(b.eligible, &b.id)));
        out
    }

    /// [`Walk::controllers`] not yet reached by a search, from each scope's candidates (see
    /// [`Walk::unreached_at`]): the same ones as [`Walk::controllers_asked`] finds, without looking again at
    /// those reached.
    fn controllers_unreached(
        &self,
        scope: &Scope,
        target: &Rc<Target<'e>>,
        levels: Rc<[u32]>,
        first: &Action,
        (actions, skip): (&[Action], Skip),
    ) -> Vec<Controller> {
        let mut out: Vec<Controller> = Vec::new();
        let mut asked: FxHashSet<u32> = FxHashSet::default();
        let along = self.unreached_along(target, &levels, first);
        let at = self.deciding_at(scope, Rc::clone(target), levels);
        for lists in &along {
            for list in std::iter::once(&lists.own).chain(&lists.groups) {
                list.borrow_mut().retain(|&n| {
                    if skip.skips_numbered(n, || self.name(n)) {
                        return false;
                    }
                    if asked.insert(n)
                        && let Some(c) = self.controller_in(self.name(n), Some(n), &at, actions)
                    {
                        out.push(c);
                    }
                    true
                });
            }
        }
        out
    }

    /// [`Walk::controllers`] where anyone's answer may depend on more than the grants naming them: every
    /// candidate at the resource asked there.
    fn controllers_asked(
        &self,
        scope: &Scope,
        first: &Action,
        actions: &[Action],
        skip: Skip,
    ) -> Vec<Controller> {
        let target = self.target(scope);
        let (whole, by_scope) = if self.by_scope_alone(&target) {
            let lists = target.ancestry.scopes.iter();
            (None, lists.map(|s| self.candidates_at(s, first)).collect())
        } else {
            (Some(self.whole_candidates(scope, first)), Vec::new())
        };
        let groups = self.named_groups(scope);
        let numbered = by_scope
            .iter()
            .flat_map(|l| l.iter().map(|&n| self.name(n)));
        let named = whole
            .iter()
            .chain(&groups)
            .flat_map(|l| l.iter().map(String::as_str));
        let mut out: Vec<Controller> = Vec::new();
        // The lists overlap (a group granted at the subscription and at the resource): each id asked once.
        let mut asked: FxHashSet<&str> = FxHashSet::default();
        let at = self.deciding(scope);
        for id in numbered.chain(named) {
            if !skip.skips(id)
                && asked.insert(id)
                && let Some(c) = self.controller_in(id, None, &at, actions)
            {
                out.push(c);
            }
        }
        out
    }

    /// [`Walk::controller`] asked of the evaluator at `scope`.
    pub(super) fn controller_asked(
        &self,
        id: &str,
        scope: &Scope,
        actions: &[Action],
    ) -> Option<Controller> {
        self.controller_gathered(id, scope, actions, None)
    }

    /// [`Walk::controller_asked`], given (`gathered`) the role assignments naming `id` or its groups at or
    /// above `scope`, with their roles, when the caller has them (see `Gathered::assignments`).
    pub(super) fn controller_gathered(
        &self,
        id: &str,
        scope: &Scope,
        actions: &[Action],
        gathered: Option<&[(usize, Option<usize>)]>,
    ) -> Option<Controller> {
        if self.engine.is_group(id) {
            return self.group_controller(id, scope, actions);
        }
        let mut decision = Decision::Allowed;
        let mut evidence = Vec::new();
        let mut all_active = true;
        for action in actions {
            match self.identity_holds(id, scope, action, gathered)? {
                Holding::Active(d, ev) => {
                    decision = decision.and(d);
                    evidence.extend(ev);
                }
                Holding::Eligible(d, ev) => {
                    all_active = false;
                    decision = decision.and(d);
                    evidence.extend(ev);
                }
            }
        }
        let c = controller(id, decision, evidence, !all_active);
        (c.decision != Decision::Denied).then_some(c)
    }

    /// A group holds the actions for its members when a grant names it and its own answer is not
    /// "denied"; the evidence is the grants naming it.
    fn group_controller(&self, id: &str, scope: &Scope, actions: &[Action]) -> Option<Controller> {
        let mut decision = Decision::Allowed;
        let mut evidence = Vec::new();
        for action in actions {
            let (d, ev) = self.group_holds(id, scope, action)?;
            decision = decision.and(d);
            evidence.extend(ev);
        }
        let c = controller(id, decision, evidence, false);
        (c.decision != Decision::Denied).then_some(c)
    }

    fn group_holds(
        &self,
        id: &str,
        scope: &Scope,
        action: &Action,
    ) -> Option<(Decision, Vec<String>)> {
        let key = (
            id.to_string(),
            scope.key().to_string(),
            action.label.to_ascii_lowercase(),
        );
        if let Some(known) = self.cache.groups.borrow().get(&key) {
            return known.clone();
        }
        let subject = self.subject(id);
        let target = self.target(scope);
        let found = if self.names(&subject, &target, true) {
            self.engine
                .check(&Request::new(&subject, &target, action))
                .ok()
                .filter(|v| v.decision != Decision::Denied)
                .and_then(|v| {
                    let ev: Vec<String> = v
                        .grants
                        .iter()
                        .filter(|g| g.principal_id == subject.principal.id)
                        .map(|g| cited(g, &action.label))
                        .collect();
                    (!ev.is_empty()).then_some((v.decision, ev))
                })
        } else {
            None
        };
        self.cache.groups.borrow_mut().insert(key, found.clone());
        found
    }

    /// One identity's answer for one action: held now, held after a PIM activation, or neither (`None`).
    fn identity_holds(
        &self,
        id: &str,
        scope: &Scope,
        action: &Action,
        assignments: Option<&[(usize, Option<usize>)]>,
    ) -> Option<Holding> {
        let subject = self.subject(id);
        let target = self.target(scope);
        if !self.names(&subject, &target, false) {
            return None;
        }
        let gathered = Gathered {
            assignments,
            ..Gathered::default()
        };
        let v = self
            .engine
            .check_gathered(&Request::new(&subject, &target, action), gathered)
            .ok()?;
        let a = &action.label;
        if v.decision != Decision::Denied {
            let ev = v.grants.iter().map(|g| cited(g, a)).collect();
            return Some(Holding::Active(v.decision, ev));
        }
        if v.eligible.is_empty() {
            return None;
        }
        Some(Holding::Eligible(
            eligibility_decision(&v.eligible),
            v.eligible
                .iter()
                .map(|g| format!("{ELIGIBILITY}{}", cited(g, a)))
                .collect(),
        ))
    }
}

/// A decision and the grants cited for it.
pub(super) type Held = (Decision, Vec<String>);

enum Holding {
    Active(Decision, Vec<String>),
    Eligible(Decision, Vec<String>),
}

/// Evidence of a hold that needs a PIM activation starts with this.
const ELIGIBILITY: &str = "eligibility ";

/// An eligibility with a condition gives at best a conditional hold.
fn eligibility_decision(eligible: &[Grant]) -> Decision {
    if eligible.iter().any(|g| g.condition.is_some()) {
        Decision::Conditional
    } else {
        Decision::Allowed
    }
}

/// One holder of a set of actions at a scope. The evidence is shared by every holder of a class and the
/// edges made from it (one copy per answer, not per start).
#[derive(Debug, Clone)]
pub(super) struct Controller {
    pub id: String,
    pub decision: Decision,
    pub evidence: Rc<[String]>,
    /// Holds them only through an Azure RBAC PIM eligibility.
    pub eligible: bool,
}

fn controller(
    id: &str,
    decision: Decision,
    mut evidence: Vec<String>,
    eligible: bool,
) -> Controller {
    evidence.sort();
    evidence.dedup();
    Controller {
        id: id.to_string(),
        decision,
        evidence: evidence.into(),
        eligible,
    }
}

fn runs_as_step(c: Controller, mi: &str, resource: usize, way: usize, w: &Way) -> Step {
    Step {
        kind: HopKind::RunsAs,
        from: c.id,
        to: mi.to_string(),
        decision: weaken(c.decision, w),
        eligible: c.eligible,
        why: Why::RunsAs {
            resource,
            way,
            grants: c.evidence,
        },
    }
}

/// The identities whose tokens code run in `r` obtains.
pub(super) fn reachable(r: &IdentityResource, reach: Reach) -> Vec<&str> {
    match reach {
        Reach::Attached => r
            .principal_id
            .iter()
            .chain(
                r.user_assigned
                    .iter()
                    .filter_map(|u| u.principal_id.as_ref()),
            )
            .map(String::as_str)
            .collect(),
        Reach::Kubelet => r
            .kubelet
            .iter()
            .filter_map(|k| k.principal_id.as_deref())
            .collect(),
    }
}

pub(super) fn way_actions(way: &Way) -> Vec<Action> {
    let plane = if way.data {
        Plane::Data
    } else {
        Plane::Management
    };
    way.actions.iter().map(|a| Action::arm(a, plane)).collect()
}

/// A way that depends on an unrecorded fact is at best conditional.
fn weaken(decision: Decision, way: &Way) -> Decision {
    match way.unless {
        Some(_) => decision.and(Decision::Conditional),
        None => decision,
    }
}

/// A grant as evidence of one action.
pub(super) fn cited(g: &Grant, action: &str) -> String {
    format!(
        "{} ({}, {action})",
        g.id,
        g.role_name.as_deref().unwrap_or("role")
    )
}
