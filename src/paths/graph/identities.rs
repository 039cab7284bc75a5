//! Edges onto user-assigned managed identities that do not need code already running as them:
//!
//! * **attach**: whoever may assign the identity (`…/userAssignedIdentities/*/assign/action`, held by
//!   Managed Identity Operator) and may update and run code on some compute resource attaches the identity
//!   to that resource, then runs code as it;
//! * **federated credential write**: whoever may write the identity's federated identity credentials
//!   (Managed Identity Contributor) adds one trusting an issuer it controls and signs in as the identity.
//!   Azure manages managed identities' secrets (no password or certificate can be added, BloodHound issue
//!   943), but a user-assigned identity's federated credentials are ordinary ARM sub-resources;
//! * **existing federated credentials** of a user-assigned identity: the external subject signs in as it.

use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::super::HopKind;
use super::super::compute::{self, ASSIGN_IDENTITY, USER_ASSIGNED_KIND, WRITE_FEDERATED};
use super::forward::{Asks, Place};
use super::runs_as::{Controller, way_actions};
use super::walk::{Footholds, Skip, Step, Walk};
use super::{HopGraph, Why, external_id};
use crate::catalog::{Action, Plane};
use crate::eval::{Decision, Engine};
use crate::model::Scope;

/// A user-assigned identity the snapshot shows: its resource, name and object id, and the identity
/// resource record holding its federated credentials (when it is listed itself).
#[derive(Debug)]
pub(super) struct UserAssignedIdentity {
    pub scope: Scope,
    pub name: String,
    pub principal_id: String,
    pub record: Option<usize>,
}

/// Where a controller can run code after attaching an identity: the first such resource.
#[derive(Debug)]
pub(crate) struct Foothold {
    pub what: String,
    pub decision: Decision,
    pub evidence: Vec<String>,
}

impl HopGraph {
    /// Every user-assigned identity with an object id: the identity resources themselves, and the ones
    /// attached to compute resources (by resource id), each once.
    pub(super) fn index_identities(&mut self, engine: &Engine) {
        let resources = engine
            .snapshot
            .hops
            .resources
            .as_deref()
            .unwrap_or_default();
        for (i, r) in resources.iter().enumerate() {
            if r.kind == USER_ASSIGNED_KIND
                && let Some(p) = r.principal_id.as_deref()
                && !self.uai_of.contains_key(p)
            {
                let at = self.uais.len();
                self.uai_of.insert(p.to_string(), at);
                self.uais_placed.add(engine, at, &r.scope);
                for (f, fic) in r.federated_credentials.iter().enumerate() {
                    self.uai_federated_from
                        .entry(external_id(&fic.issuer, &fic.subject))
                        .or_default()
                        .push((at, f));
                }
                self.uais.push(UserAssignedIdentity {
                    scope: r.scope.clone(),
                    name: r.name.clone(),
                    principal_id: p.to_string(),
                    record: Some(i),
                });
            }
        }
        for r in resources {
            for u in r.user_assigned.iter().chain(&r.kubelet) {
                let Some(p) = u.principal_id.as_deref() else {
                    continue;
                };
                if self.uai_of.contains_key(p) {
                    continue;
                }
                let Ok(scope) = Scope::parse(&u.resource_id) else {
                    continue;
                };
                self.uai_of.insert(p.to_string(), self.uais.len());
                self.uais_placed.add(engine, self.uais.len(), &scope);
                self.uais.push(UserAssignedIdentity {
                    name: scope.name().to_string(),
                    scope,
                    principal_id: p.to_string(),
                    record: None,
                });
            }
        }
    }

    pub(super) fn uai(&self, at: usize) -> Option<&UserAssignedIdentity> {
        self.uais.get(at)
    }
}

impl Walk<'_> {
    /// Edges into a user-assigned identity: its federated credentials' subjects, who may write them, who
    /// may attach it to a resource it controls.
    pub(super) fn identity_into(&self, node: &str, skip: Skip, out: &mut Vec<Step>) {
        let Some(&at) = self.graph.uai_of.get(node) else {
            return;
        };
        let Some(uai) = self.graph.uai(at) else {
            return;
        };
        for (f, fic) in self.federated(uai).iter().enumerate() {
            out.push(Step::federated(
                external_id(&fic.issuer, &fic.subject),
                node.to_string(),
                Why::UaiFederated { uai: at, fic: f },
            ));
        }
        let writers = self.controllers_at(Place::Uai(at), &uai.scope, &write_federated(), skip);
        // A search keeps the first edge from each node: the attach edge of one that may write the
        // credentials comes after that edge and is dropped, so its foothold (the costly part) is not sought.
        let writing: FxHashSet<String> = if skip.searching() {
            writers.iter().map(|c| c.id.clone()).collect()
        } else {
            FxHashSet::default()
        };
        for c in writers {
            out.push(writes_step(c, node, at));
        }
        for c in self.controllers_at(Place::Uai(at), &uai.scope, &assign(), skip) {
            if writing.contains(&c.id) {
                continue;
            }
            if let Some(f) = self.foothold(&c.id, false) {
                out.push(attach_step(c, f, node, at));
            }
        }
    }

    /// Edges out of a principal onto user-assigned identities (or, from an external subject, its
    /// federated credentials'), but onto those `skip` says the walk has already reached (the search would
    /// drop those edges; their control checks and the foothold are the costly part).
    pub(super) fn identity_out(&self, node: &str, skip: Skip, out: &mut Vec<Step>) {
        if node.starts_with("external:") {
            for &(at, f) in self
                .graph
                .uai_federated_from
                .get(node)
                .into_iter()
                .flatten()
            {
                if let Some(uai) = self.graph.uai(at) {
                    out.push(Step::federated(
                        node.to_string(),
                        uai.principal_id.clone(),
                        Why::UaiFederated { uai: at, fic: f },
                    ));
                }
            }
            return;
        }
        let scopes = self.reach_of(node);
        let mut outward = self.outward(node);
        for at in self.graph.uais_placed.reached_from(scopes.as_deref()) {
            let Some(uai) = self.graph.uai(at).filter(|u| !skip.skips(&u.principal_id)) else {
                continue;
            };
            let writes = || write_federated().to_vec();
            let place = Place::Uai(at);
            let asked =
                self.controller_out(&mut outward, node, place, Asks::WriteFederated, writes);
            if let Some(c) = asked {
                out.push(writes_step(c, &uai.principal_id, at));
            }
            if let Some(c) = self.controller_out(&mut outward, node, place, Asks::Assign, || {
                assign().to_vec()
            }) && let Some(f) = self.foothold(node, false)
            {
                out.push(attach_step(c, f, &uai.principal_id, at));
            }
        }
    }

    pub(super) fn federated(
        &self,
        uai: &UserAssignedIdentity,
    ) -> &[crate::model::hops::FederatedCredential] {
        let resources = self.engine.snapshot.hops.resources.as_deref();
        uai.record
            .and_then(|i| resources?.get(i))
            .map_or(&[], |r| r.federated_credentials.as_slice())
    }

    /// The first compute resource (only virtual machines when `vms_only`) that `id` can update and run
    /// code on without a PIM activation.
    pub(super) fn foothold(&self, id: &str, vms_only: bool) -> Option<Rc<Foothold>> {
        let key = (id.to_string(), vms_only);
        if let Some(known) = self.footholds.borrow().get(&key) {
            return known.clone();
        }
        let found = self.find_foothold(id, vms_only);
        self.footholds.borrow_mut().insert(key, found.clone());
        found
    }

    fn find_foothold(&self, id: &str, vms_only: bool) -> Option<Rc<Foothold>> {
        let scopes = self.reach_of(id);
        let places = self.graph.compute.reached_from(scopes.as_deref());
        // The resources beneath one nearest scope naming `id` get one answer per way: asked once each
        // (`controller_out`, as `--from` asks), not at every resource of a scope that names it to no avail.
        let mut outward = self.outward(id);
        for (i, r, host, way) in self.foothold_ways(&places, vms_only) {
            let asks = Asks::Foothold(std::ptr::from_ref(way) as usize);
            let actions = || foothold_actions(host, way);
            if let Some(c) =
                self.controller_out(&mut outward, id, Place::Resource(i), asks, actions)
                && !c.eligible
            {
                return Some(Rc::new(foothold(r, host, way, c)));
            }
        }
        None
    }

    /// Every principal with a foothold on a virtual machine, sorted by id (asked once per walk).
    pub(super) fn vm_footholds(&self) -> Footholds {
        if let Some(known) = self.vm_footholds.borrow().as_ref() {
            return Rc::clone(known);
        }
        let mut first: FxHashMap<String, Rc<Foothold>> = FxHashMap::default();
        for (_, r, host, way) in self.foothold_ways(&self.graph.compute.all, true) {
            for c in self.controllers(&r.scope, &foothold_actions(host, way), Skip::Nobody) {
                if c.eligible || first.contains_key(&c.id) {
                    continue;
                }
                first.insert(c.id.clone(), Rc::new(foothold(r, host, way, c)));
            }
        }
        let mut all: Vec<(String, Rc<Foothold>)> = first.into_iter().collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        let all = Rc::new(all);
        *self.vm_footholds.borrow_mut() = Some(Rc::clone(&all));
        all
    }

    /// Each compute resource's ways to update it and run code without an unrecorded fact, in order, with
    /// the resource's position (listed as asked: a foothold search stops at the first).
    fn foothold_ways<'w>(
        &'w self,
        places: &'w [usize],
        vms_only: bool,
    ) -> impl Iterator<
        Item = (
            usize,
            &'w crate::model::hops::IdentityResource,
            &'static compute::Host,
            &'static compute::Way,
        ),
    > + 'w {
        let resources = self
            .engine
            .snapshot
            .hops
            .resources
            .as_deref()
            .unwrap_or_default();
        places
            .iter()
            .filter_map(|&i| Some((i, resources.get(i)?)))
            .filter_map(|(i, r)| Some((i, r, compute::host(&r.kind)?)))
            .filter(move |(_, _, host)| !vms_only || host.kind == compute::VIRTUAL_MACHINE_KIND)
            .flat_map(|(i, r, host)| {
                let ways = host.ways.iter().filter(|w| w.unless.is_none() && !w.data);
                ways.map(move |way| (i, r, host, way))
            })
    }
}

/// The actions a foothold needs: updating the resource and running code on it `way`.
pub(super) fn foothold_actions(host: &compute::Host, way: &compute::Way) -> Vec<Action> {
    let mut actions = vec![Action::arm(host.write, Plane::Management)];
    actions.extend(way_actions(way));
    actions
}

pub(super) fn foothold(
    r: &crate::model::hops::IdentityResource,
    host: &compute::Host,
    way: &compute::Way,
    c: Controller,
) -> Foothold {
    Foothold {
        what: format!(
            "{} {}, which it can update ({}) and run code on ({}: {})",
            host.noun,
            r.name,
            host.write,
            way.actions.join(" + "),
            way.how
        ),
        decision: c.decision,
        evidence: c.evidence.to_vec(),
    }
}

pub(super) fn write_federated() -> [Action; 1] {
    [Action::arm(WRITE_FEDERATED, Plane::Management)]
}

pub(super) fn assign() -> [Action; 1] {
    [Action::arm(ASSIGN_IDENTITY, Plane::Management)]
}

pub(super) fn writes_step(c: Controller, to: &str, uai: usize) -> Step {
    Step {
        kind: HopKind::AddsCredential,
        from: c.id,
        to: to.to_string(),
        decision: c.decision,
        eligible: c.eligible,
        why: Why::WritesFederated {
            uai,
            grants: c.evidence,
        },
    }
}

pub(super) fn attach_step(c: Controller, f: Rc<Foothold>, to: &str, uai: usize) -> Step {
    let mut grants = c.evidence.to_vec();
    grants.extend(f.evidence.iter().cloned());
    grants.sort();
    grants.dedup();
    Step {
        kind: HopKind::RunsAs,
        from: c.id,
        to: to.to_string(),
        decision: c.decision.and(f.decision),
        eligible: c.eligible,
        why: Why::Attaches {
            uai,
            grants,
            foothold: f,
        },
    }
}

#[cfg(test)]
mod tests;
