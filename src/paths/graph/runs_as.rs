//! "Runs as a managed identity" edges: whoever can run code on a resource (a VM, an app, an automation
//! account …) can act as the identities attached to it; on an AKS cluster, as its kubelet identity.
//!
//! Who controls a resource is the evaluator's answer, asked only when a walk reaches the resource: going
//! backwards, each identity `who-can` would examine there (and each group a grant names, which holds the
//! actions for its members) that the walk has not reached yet; going forwards, whether the one principal
//! reached does. Both ask [`Walk::controller`], so the two directions agree.

use std::rc::Rc;

use rustc_hash::FxHashSet;

use super::super::HopKind;
use super::super::compute::{self, Reach, Way};
use super::Why;
use super::walk::{Memo, Step, Walk};
use crate::catalog::{Action, Plane};
use crate::eval::{Decision, Grant, Request, Subject, Target};
use crate::model::hops::IdentityResource;
use crate::model::{Scope, Topic};
use crate::query::reach::{Grants, holders, identities, reached};

impl Walk<'_> {
    /// Runs-as edges into a managed identity: the controllers of every resource whose code obtains it.
    pub(super) fn runs_as_into(
        &self,
        node: &str,
        skip: &dyn Fn(&str) -> bool,
        out: &mut Vec<Step>,
    ) {
        for &i in self.graph.hosts_of.get(node).into_iter().flatten() {
            let Some((r, host)) = self.host(i) else {
                continue;
            };
            for (w, way) in host.ways.iter().enumerate() {
                for c in self.controllers(&r.scope, &way_actions(way), skip) {
                    out.push(runs_as_step(c, node, i, w, way));
                }
            }
        }
    }

    /// Runs-as edges out of a principal: the identities of every resource it controls.
    pub(super) fn runs_as_out(&self, node: &str, out: &mut Vec<Step>) {
        if node.starts_with("external:") {
            return;
        }
        let scopes = self.reach_of(node);
        for i in self.graph.compute.reached_from(scopes.as_deref()) {
            let Some((r, host)) = self.host(i) else {
                continue;
            };
            if reachable(r, host.reach).is_empty() {
                continue;
            }
            for (w, way) in host.ways.iter().enumerate() {
                let Some(c) = self.controller(node, &r.scope, &way_actions(way)) else {
                    continue;
                };
                for mi in reachable(r, host.reach) {
                    out.push(runs_as_step(c.clone(), mi, i, w, way));
                }
            }
        }
    }

    pub(super) fn host(&self, i: usize) -> Option<(&IdentityResource, &'static compute::Host)> {
        let r = self.engine.snapshot.hops.resources.as_deref()?.get(i)?;
        Some((r, compute::host(&r.kind)?))
    }

    /// Who holds all of `actions` at `scope` (identities, and the groups a grant names), with the weakest
    /// decision over the actions and the grants as evidence, or would after activating an Azure RBAC PIM
    /// eligibility (`eligible`); sorted by (eligible, id). Those `skip` says a walk has already reached are
    /// not asked.
    pub(super) fn controllers(
        &self,
        scope: &Scope,
        actions: &[Action],
        skip: &dyn Fn(&str) -> bool,
    ) -> Vec<Controller> {
        let Some(first) = actions.first() else {
            return Vec::new();
        };
        let mut out: Vec<Controller> = Vec::new();
        let candidates = self.candidates(scope, first);
        let groups = self.named_groups(scope);
        for id in candidates.iter().chain(&groups) {
            if !skip(id)
                && let Some(c) = self.controller(id, scope, actions)
            {
                out.push(c);
            }
        }
        out.sort_by(|a, b| (a.eligible, &a.id).cmp(&(b.eligible, &b.id)));
        out
    }

    /// The identities `who-can` would examine for `action` at `scope` (everyone a grant that can matter
    /// reaches, and everyone a PIM eligibility there reaches), once per walk.
    fn candidates(&self, scope: &Scope, action: &Action) -> Rc<Vec<String>> {
        let key = (scope.key().to_string(), action.label.to_ascii_lowercase());
        if let Some(known) = self.cache.candidates.borrow().get(&key) {
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
        let eligible: Vec<(String, Option<String>)> = target
            .ancestry
            .scopes
            .iter()
            .filter_map(|s| engine.index.eligibilities_at.get(s.key()))
            .flatten()
            .filter_map(|&i| engine.snapshot.role_eligibilities.get(i))
            .map(|e| (e.principal_id.clone(), None))
            .collect();
        ids.extend(identities(engine, &eligible).into_iter().map(|(id, _)| id));
        ids.sort_unstable();
        ids.dedup();
        let ids = Rc::new(ids);
        self.cache
            .candidates
            .borrow_mut()
            .insert(key, Rc::clone(&ids));
        ids
    }

    /// Whether `id` is one of [`Walk::controllers`], without asking about anyone else.
    pub(super) fn controller(
        &self,
        id: &str,
        scope: &Scope,
        actions: &[Action],
    ) -> Option<Controller> {
        if self.engine.is_group(id) {
            return self.group_controller(id, scope, actions);
        }
        let mut decision = Decision::Allowed;
        let mut evidence = Vec::new();
        let mut all_active = true;
        for action in actions {
            match self.identity_holds(id, scope, action)? {
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
    fn identity_holds(&self, id: &str, scope: &Scope, action: &Action) -> Option<Holding> {
        let subject = self.subject(id);
        let target = self.target(scope);
        if !self.names(&subject, &target, false) {
            return None;
        }
        let v = self
            .engine
            .check(&Request::new(&subject, &target, action))
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

    /// Whether a grant at or above the target can name `subject` (itself, or one of its groups unless
    /// `only_itself`), or its answer may be "unknown" whatever it holds: otherwise it is "denied" there
    /// and need not be asked.
    fn names(&self, subject: &Subject, target: &Target, only_itself: bool) -> bool {
        let engine = self.engine;
        let ancestry = &target.ancestry;
        if !subject.groups_known
            || ancestry.unplaced_subscription
            || engine.has_gap(ancestry, &Topic::ROLE_ASSIGNMENTS)
        {
            return true;
        }
        let scopes = self.named_scopes(subject, only_itself);
        ancestry.scopes.iter().any(|s| scopes.contains(s.key()))
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
    fn named_scopes(&self, subject: &Subject, only_itself: bool) -> Rc<FxHashSet<String>> {
        let key = (subject.principal.id.clone(), only_itself);
        if let Some(s) = self.cache.named.borrow().get(&key) {
            return Rc::clone(s);
        }
        let s = &self.engine.snapshot;
        let ids: Vec<&str> = if only_itself {
            vec![subject.principal.id.as_str()]
        } else {
            subject.set.ids().collect()
        };
        let mut scopes = FxHashSet::default();
        for id in &ids {
            for &i in self
                .engine
                .index
                .assignments_of
                .get(*id)
                .into_iter()
                .flatten()
            {
                if let Some(a) = s.role_assignments.get(i) {
                    scopes.insert(a.scope.key().to_string());
                }
            }
        }
        let ids: FxHashSet<&str> = ids.into_iter().collect();
        for e in &s.role_eligibilities {
            if ids.contains(e.principal_id.as_str()) {
                scopes.insert(e.scope.key().to_string());
            }
        }
        let scopes = Rc::new(scopes);
        self.cache
            .named
            .borrow_mut()
            .insert(key, Rc::clone(&scopes));
        scopes
    }

    /// Groups a role assignment at or above `scope` names.
    fn named_groups(&self, scope: &Scope) -> Vec<String> {
        let target = self.target(scope);
        let mut out: Vec<String> = target
            .ancestry
            .scopes
            .iter()
            .flat_map(|s| self.engine.assignments_at(s))
            .map(|(_, a)| a.principal_id.clone())
            .filter(|id| self.engine.is_group(id))
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// What a walk has asked: `who-can` answers, groups' and principals' answers, subjects and targets.
#[derive(Default)]
pub(crate) struct Asked<'e> {
    candidates: Memo<(String, String), Rc<Vec<String>>>,
    groups: Memo<(String, String, String), Option<Held>>,
    named: Memo<(String, bool), Rc<FxHashSet<String>>>,
    pub(super) subjects: Memo<String, Rc<Subject>>,
    pub(super) targets: Memo<String, Rc<Target<'e>>>,
}

/// A decision and the grants cited for it.
type Held = (Decision, Vec<String>);

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

/// One holder of a set of actions at a scope.
#[derive(Debug, Clone)]
pub(super) struct Controller {
    pub id: String,
    pub decision: Decision,
    pub evidence: Vec<String>,
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
        evidence,
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
