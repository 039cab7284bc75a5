//! Hops onto user-assigned managed identities that do not need code already running as them:
//!
//! * **attach**: whoever may assign the identity (`…/userAssignedIdentities/*/assign/action`, held by
//!   Managed Identity Operator) and may update and run code on some compute resource attaches the identity
//!   to that resource, then runs code as it;
//! * **federated credential write**: whoever may write the identity's federated identity credentials
//!   (Managed Identity Contributor) adds one trusting an issuer it controls and signs in as the identity.
//!   Azure manages managed identities' secrets (no password or certificate can be added, BloodHound issue
//!   943), but a user-assigned identity's federated credentials are ordinary ARM sub-resources;
//! * **existing federated credentials** of a user-assigned identity: the external subject signs in as it.

use rustc_hash::FxHashMap;

use super::super::compute::{self, ASSIGN_IDENTITY, USER_ASSIGNED_KIND, WRITE_FEDERATED};
use super::super::{Hop, HopKind};
use super::runs_as::{Asked, Controller, controllers, eligible_words, way_actions};
use super::{HopGraph, external_id};
use crate::catalog::{Action, Plane};
use crate::eval::{Decision, Engine};
use crate::model::Scope;
use crate::model::hops::FederatedCredential;

/// A user-assigned identity the snapshot shows: its resource and object id.
struct UserAssignedIdentity<'s> {
    scope: Scope,
    name: String,
    principal_id: &'s str,
    federated: &'s [FederatedCredential],
}

/// Where a controller can run code after attaching an identity: the first such resource.
pub(super) struct Foothold {
    pub what: String,
    pub decision: Decision,
    pub evidence: Vec<String>,
}

impl HopGraph {
    pub(super) fn user_assigned_identities(&mut self, engine: &Engine, asked: &Asked) {
        let identities = user_assigned(engine);
        let mut footholds: Option<FxHashMap<String, Foothold>> = None;
        let assign = [Action::arm(ASSIGN_IDENTITY, Plane::Management)];
        let write_fic = [Action::arm(WRITE_FEDERATED, Plane::Management)];
        for uai in &identities {
            for f in uai.federated {
                self.push(Hop {
                    kind: HopKind::FederatedCredential,
                    from: external_id(&f.issuer, &f.subject),
                    to: uai.principal_id.to_string(),
                    decision: Decision::Allowed,
                    eligible: false,
                    evidence: vec![format!(
                        "identityResources {}: federatedIdentityCredentials '{}'",
                        uai.scope.id(),
                        f.name
                    )],
                    explanation: format!(
                        "whoever controls subject '{}' at issuer {} gets tokens for user-assigned identity {}",
                        f.subject, f.issuer, uai.name
                    ),
                });
            }
            for c in controllers(engine, asked, &uai.scope, &write_fic) {
                self.push(Hop {
                    kind: HopKind::AddsCredential,
                    from: c.id.clone(),
                    to: uai.principal_id.to_string(),
                    decision: c.decision,
                    eligible: c.eligible,
                    evidence: c.evidence.clone(),
                    explanation: format!(
                        "{}can add a federated identity credential to user-assigned identity {} ({WRITE_FEDERATED}) trusting an issuer it controls, then sign in as it",
                        eligible_words(c.eligible),
                        uai.name
                    ),
                });
            }
            let holders = controllers(engine, asked, &uai.scope, &assign);
            if holders.is_empty() {
                continue;
            }
            let footholds =
                footholds.get_or_insert_with(|| compute_footholds(engine, asked, false));
            for c in holders {
                let Some(f) = footholds.get(&c.id) else {
                    continue;
                };
                self.push(attach_hop(&c, f, uai));
            }
        }
    }
}

fn attach_hop(c: &Controller, f: &Foothold, uai: &UserAssignedIdentity) -> Hop {
    let mut evidence = c.evidence.clone();
    evidence.extend(f.evidence.iter().cloned());
    evidence.sort();
    evidence.dedup();
    Hop {
        kind: HopKind::RunsAs,
        from: c.id.clone(),
        to: uai.principal_id.to_string(),
        decision: c.decision.and(f.decision),
        eligible: c.eligible,
        evidence,
        explanation: format!(
            "{}can attach user-assigned identity {} ({ASSIGN_IDENTITY}) to {}, then run code there as it",
            eligible_words(c.eligible),
            uai.name,
            f.what
        ),
    }
}

/// For every principal that can update a compute resource and run code on it (without a PIM activation),
/// the first such resource; only virtual machines when `vms_only`.
pub(super) fn compute_footholds(
    engine: &Engine,
    asked: &Asked,
    vms_only: bool,
) -> FxHashMap<String, Foothold> {
    let mut out: FxHashMap<String, Foothold> = FxHashMap::default();
    for r in engine.snapshot.hops.resources.iter().flatten() {
        let Some(host) = compute::host(&r.kind) else {
            continue;
        };
        if vms_only && host.kind != compute::VIRTUAL_MACHINE_KIND {
            continue;
        }
        for way in host.ways.iter().filter(|w| w.unless.is_none() && !w.data) {
            let mut actions = vec![Action::arm(host.write, Plane::Management)];
            actions.extend(way_actions(way));
            for c in controllers(engine, asked, &r.scope, &actions) {
                if c.eligible || out.contains_key(&c.id) {
                    continue;
                }
                out.insert(
                    c.id,
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
                        evidence: c.evidence,
                    },
                );
            }
        }
    }
    out
}

/// Every user-assigned identity with an object id: the identity resources themselves, and the ones
/// attached to compute resources (by resource id), each once.
fn user_assigned(engine: &Engine) -> Vec<UserAssignedIdentity<'_>> {
    let mut out: Vec<UserAssignedIdentity> = Vec::new();
    let mut seen: FxHashMap<&str, usize> = FxHashMap::default();
    let resources = engine.snapshot.hops.resources.iter().flatten();
    for r in resources.clone() {
        if r.kind == USER_ASSIGNED_KIND
            && let Some(p) = r.principal_id.as_deref()
            && !seen.contains_key(p)
        {
            seen.insert(p, out.len());
            out.push(UserAssignedIdentity {
                scope: r.scope.clone(),
                name: r.name.clone(),
                principal_id: p,
                federated: &r.federated_credentials,
            });
        }
    }
    for r in resources {
        for u in r.user_assigned.iter().chain(&r.kubelet) {
            let Some(p) = u.principal_id.as_deref() else {
                continue;
            };
            if seen.contains_key(p) {
                continue;
            }
            let Ok(scope) = Scope::parse(&u.resource_id) else {
                continue;
            };
            seen.insert(p, out.len());
            out.push(UserAssignedIdentity {
                name: scope.name().to_string(),
                scope,
                principal_id: p,
                federated: &[],
            });
        }
    }
    out
}
