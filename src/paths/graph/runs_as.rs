//! "Runs as a managed identity" hops: whoever can run code on a resource (a VM, an app, an automation
//! account …) can act as the identities attached to it; on an AKS cluster, as its kubelet identity.

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::super::compute::{self, Reach, Way};
use super::super::{Hop, HopKind};
use super::HopGraph;
use crate::catalog::{Action, Plane};
use crate::eval::{Decision, Engine, Grant, UnknownBecause};
use crate::model::hops::IdentityResource;
use crate::model::{Snapshot, Topic};
use crate::query::who_can;

impl HopGraph {
    pub(super) fn managed_identities(&mut self, engine: &Engine, asked: &Asked) {
        let s: &Snapshot = &engine.snapshot;
        for r in s.hops.resources.iter().flatten() {
            let Some(host) = compute::host(&r.kind) else {
                continue;
            };
            let identities = reachable(r, host.reach);
            if identities.is_empty() {
                continue;
            }
            self.note_unreadable_assignments(engine, r, host.noun);
            for way in host.ways {
                for c in controllers(engine, asked, &r.scope, &way_actions(way)) {
                    for mi in &identities {
                        self.push(Hop {
                            kind: HopKind::RunsAs,
                            from: c.id.clone(),
                            to: mi.to_string(),
                            decision: weaken(c.decision, way),
                            eligible: c.eligible,
                            evidence: c.evidence.clone(),
                            explanation: format!(
                                "{}can run code on {} {} ({}): {}{}",
                                eligible_words(c.eligible),
                                host.noun,
                                r.name,
                                way.actions.join(" + "),
                                way.how,
                                unless_words(way)
                            ),
                        });
                    }
                }
            }
        }
    }

    /// Unreadable role assignments above a resource hide who controls it.
    pub(super) fn note_unreadable_assignments(
        &mut self,
        engine: &Engine,
        r: &IdentityResource,
        noun: &str,
    ) {
        let ancestry = engine.index.ancestry(&r.scope);
        if let Some(e) = engine
            .snapshot
            .collection_errors
            .iter()
            .find(|e| e.is_about(&Topic::ROLE_ASSIGNMENTS) && ancestry.contains(e.scope.key()))
        {
            self.gaps.push(format!(
                "who controls {noun} {} is not fully known: {}",
                r.name,
                UnknownBecause::from_error(e, e.scope.id().to_string())
            ));
        }
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

fn unless_words(way: &Way) -> String {
    way.unless.map(|u| format!("; {u}")).unwrap_or_default()
}

pub(super) fn eligible_words(eligible: bool) -> &'static str {
    if eligible {
        "once it activates its PIM eligibility (activation may need approval), "
    } else {
        ""
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

/// Who holds all of `actions` at `scope` (identities, and the groups whose grants give it), with the
/// weakest decision over the actions and the grants as evidence; then, apart, who would hold them after
/// activating an Azure RBAC PIM eligibility.
pub(super) fn controllers(
    engine: &Engine,
    asked: &Asked,
    scope: &crate::model::Scope,
    actions: &[Action],
) -> Vec<Controller> {
    let mut active: Option<Found> = None;
    let mut eligible: Option<Found> = None;
    for action in actions {
        let key = (scope.key().to_string(), action.label.to_ascii_lowercase());
        let known = asked.0.borrow().get(&key).cloned();
        let answer = match known {
            Some(a) => a,
            None => {
                let Some(a) = holders(engine, scope, action) else {
                    return Vec::new();
                };
                let a = Rc::new(a);
                asked.0.borrow_mut().insert(key, Rc::clone(&a));
                a
            }
        };
        let (found, pim_or_active) = (answer.0.clone(), answer.1.clone());
        active = Some(intersect(active, found));
        eligible = Some(intersect(eligible, pim_or_active));
    }
    let active = active.unwrap_or_default();
    let mut out: Vec<Controller> = Vec::new();
    for (id, (d, ev)) in &active {
        out.push(controller(id, *d, ev.clone(), false));
    }
    for (id, (d, ev)) in eligible.unwrap_or_default() {
        if !active.contains_key(&id) && ev.iter().any(|e| e.starts_with("eligibility ")) {
            out.push(controller(&id, d, ev, true));
        }
    }
    out.retain(|c| c.decision != Decision::Denied);
    out.sort_by(|a, b| (a.eligible, &a.id).cmp(&(b.eligible, &b.id)));
    out
}

/// `who_can` answers already asked while the graph is built, by scope and action: the footholds and the
/// vault-flag hops ask again what the runs-as hops asked.
#[derive(Default)]
pub(super) struct Asked(RefCell<FxHashMap<(String, String), Rc<Answer>>>);

/// The holders now, and the holders now or after a PIM activation.
type Answer = (Found, Found);

impl std::fmt::Debug for Asked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Asked({})", self.0.borrow().len())
    }
}

/// Who holds `action` at `scope` now, and who does now or after a PIM activation, with evidence.
fn holders(
    engine: &Engine,
    scope: &crate::model::Scope,
    action: &Action,
) -> Option<(Found, Found)> {
    let answer = who_can(engine, scope, action).ok()?;
    let a = &action.label;
    let mut found: Found = FxHashMap::default();
    for e in answer.principals {
        let evidence: Vec<String> = e.grants.iter().map(|g| cited(g, a)).collect();
        for g in &e.grants {
            if g.principal_id != e.id && engine.is_group(&g.principal_id) {
                let slot = found
                    .entry(g.principal_id.clone())
                    .or_insert((e.decision, Vec::new()));
                slot.0 = slot.0.max(e.decision);
                slot.1.push(cited(g, a));
            }
        }
        found.insert(e.id, (e.decision, evidence));
    }
    let mut pim: Found = FxHashMap::default();
    for e in answer.eligible {
        let conditional = e.eligible.iter().any(|g| g.condition.is_some());
        let decision = if conditional {
            Decision::Conditional
        } else {
            Decision::Allowed
        };
        let evidence = e
            .eligible
            .iter()
            .map(|g| format!("eligibility {}", cited(g, a)))
            .collect();
        pim.insert(e.id, (decision, evidence));
    }
    // Held now for this action counts towards an eligible holder's set too.
    let mut pim_or_active = found.clone();
    pim_or_active.extend(pim);
    Some((found, pim_or_active))
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

type Found = FxHashMap<String, (Decision, Vec<String>)>;

/// Holders of every action so far: the ones in both, with the weaker decision and both evidences.
fn intersect(prev: Option<Found>, next: Found) -> Found {
    match prev {
        None => next,
        Some(prev) => prev
            .into_iter()
            .filter_map(|(id, (d, mut ev))| {
                let (d2, ev2) = next.get(&id)?;
                ev.extend(ev2.iter().cloned());
                Some((id, (d.and(*d2), ev)))
            })
            .collect(),
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
