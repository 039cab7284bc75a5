//! "Runs as a managed identity" hops: whoever can run code on a resource (a VM, an app, an automation
//! account …) can act as the identities attached to it.

use rustc_hash::FxHashMap;

use super::super::compute;
use super::super::{Hop, HopKind};
use super::HopGraph;
use crate::catalog;
use crate::eval::{Decision, Engine, Grant, UnknownBecause};
use crate::model::Snapshot;
use crate::model::Topic;
use crate::query::who_can;

impl HopGraph {
    pub(super) fn managed_identities(&mut self, engine: &Engine) {
        let s: &Snapshot = &engine.snapshot;
        for r in s.hops.resources.iter().flatten() {
            let Some(host) = compute::host(&r.kind) else {
                continue;
            };
            let identities: Vec<&str> = r
                .principal_id
                .iter()
                .chain(
                    r.user_assigned
                        .iter()
                        .filter_map(|u| u.principal_id.as_ref()),
                )
                .map(String::as_str)
                .collect();
            if identities.is_empty() {
                continue;
            }
            // Unreadable role assignments above the resource hide who controls it.
            let ancestry = engine.index.ancestry(&r.scope);
            if let Some(e) = s
                .collection_errors
                .iter()
                .find(|e| e.is_about(&Topic::ROLE_ASSIGNMENTS) && ancestry.contains(e.scope.key()))
            {
                self.gaps.push(format!(
                    "who can run code on {} {} is not fully known: {}",
                    host.noun,
                    r.name,
                    UnknownBecause::from_error(e, e.scope.id().to_string())
                ));
            }
            for (controller, decision, evidence) in controllers(engine, &r.scope, host.actions) {
                for mi in &identities {
                    self.push(Hop {
                        kind: HopKind::RunsAs,
                        from: controller.clone(),
                        to: mi.to_string(),
                        decision,
                        eligible: false,
                        evidence: evidence.clone(),
                        explanation: format!(
                            "can run code on {} {} ({}): {}",
                            host.noun,
                            r.name,
                            host.actions.join(" + "),
                            host.how
                        ),
                    });
                }
            }
        }
    }
}

/// Who holds all of `actions` at `scope` (identities, and the groups whose grants give it), with the
/// weakest decision over the actions and the grants as evidence.
fn controllers(
    engine: &Engine,
    scope: &crate::model::Scope,
    actions: &[&str],
) -> Vec<(String, Decision, Vec<String>)> {
    let mut acc: Option<FxHashMap<String, (Decision, Vec<String>)>> = None;
    for a in actions {
        let Ok(action) = catalog::resolve(a) else {
            return Vec::new();
        };
        let Ok(answer) = who_can(engine, scope, &action) else {
            return Vec::new();
        };
        let mut found: FxHashMap<String, (Decision, Vec<String>)> = FxHashMap::default();
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
        acc = Some(match acc {
            None => found,
            Some(prev) => prev
                .into_iter()
                .filter_map(|(id, (d, mut ev))| {
                    let (d2, ev2) = found.get(&id)?;
                    ev.extend(ev2.iter().cloned());
                    Some((id, (d.and(*d2), ev)))
                })
                .collect(),
        });
    }
    let mut out: Vec<_> = acc
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, (d, _))| *d != Decision::Denied)
        .map(|(id, (d, mut ev))| {
            ev.sort();
            ev.dedup();
            (id, d, ev)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A grant as evidence of one action.
fn cited(g: &Grant, action: &str) -> String {
    format!(
        "{} ({}, {action})",
        g.id,
        g.role_name.as_deref().unwrap_or("role")
    )
}
