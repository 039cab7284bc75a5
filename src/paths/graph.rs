//! The hop graph at group level: the snapshot's hop sections indexed by the node they start from and the
//! node they end at, each edge's evidence a typed reference into the snapshot ([`Why`]), rendered to words
//! only for the paths shown. Nothing is expanded to identities when the graph is built: a grant's holder is
//! the principal it names (a group is a node of its own), and who holds a control action on a resource is
//! asked only when a walk ([`Walk`]) reaches that resource's identity — through the index's membership
//! graph and the evaluator, as `who-can` asks it.
//!
//! The walks list a node's edges in one fixed order (memberships, owners, directory roles, Graph
//! permissions, federated credentials, runs-as, user-assigned identities; within each, the snapshot's
//! order), so the breadth-first searches find the same shortest path whichever way they run.

use rustc_hash::{FxHashMap, FxHashSet};

use super::entra::{self, Power};
use super::{Hop, TenantAdmin};
use crate::eval::{Engine, UnknownBecause};
use crate::model::{PrincipalKind, Snapshot, Topic};

mod candidates;
mod decided;
mod directory;
mod forward;
mod identities;
mod naming;
mod numbered;
mod render;
mod runs_as;
mod targets;
mod vm_secrets;
mod walk;

pub(crate) use walk::{Skip, Step, Walk};

/// What one edge rests on: positions in the snapshot's sections, and for hops the evaluator decides, the
/// grants it cited. [`Walk::render`] puts it into words.
#[derive(Debug, Clone)]
pub(crate) enum Why {
    /// `groupMemberships[i]`: a group inside another.
    Member(usize),
    /// `owners[i]`.
    Owner(usize),
    /// `directoryRoleAssignments[i]` (or `directoryRoleEligibilities[i]` when eligible).
    DirectoryRole { at: usize, eligible: bool },
    /// `appRoleAssignments[i]`: a Microsoft Graph application permission.
    GraphPermission(usize),
    /// `applications[app].federatedIdentityCredentials[fic]`.
    AppFederated { app: usize, fic: usize },
    /// Runs code on `identityResources[resource]` the `way`-th way.
    RunsAs {
        resource: usize,
        way: usize,
        grants: std::rc::Rc<[String]>,
    },
    /// The `uai`-th user-assigned identity's federated credential `fic`.
    UaiFederated { uai: usize, fic: usize },
    /// May write the `uai`-th user-assigned identity's federated credentials.
    WritesFederated {
        uai: usize,
        grants: std::rc::Rc<[String]>,
    },
    /// May assign the `uai`-th user-assigned identity and run code on `foothold`.
    Attaches {
        uai: usize,
        grants: Vec<String>,
        foothold: std::rc::Rc<identities::Foothold>,
    },
}

/// The hop sections indexed both ways, and what the snapshot could not show.
#[derive(Debug, Default)]
pub struct HopGraph {
    /// Sections absent from the snapshot, in words: paths through them are unknown.
    pub gaps: Vec<String>,
    /// Tier-0 holders, stated once.
    pub tenant_admins: Vec<TenantAdmin>,
    /// Group-in-group memberships by the outer group, and by the inner one.
    members_in: FxHashMap<String, Vec<usize>>,
    member_of: FxHashMap<String, Vec<usize>>,
    /// Owner records by the node they give control of, and by the owner.
    owners_into: FxHashMap<String, Vec<usize>>,
    owners_of: FxHashMap<String, Vec<usize>>,
    /// Directory role assignments that add members or credentials, in order (active first).
    directory_powers: Vec<(usize, bool)>,
    /// App role assignments that add members or credentials, in order.
    graph_powers: Vec<usize>,
    /// Service principals (not managed identities) by appId, in directory order.
    sps_by_app: FxHashMap<String, Vec<usize>>,
    /// Application objects: appId → object id (the last one listed), object id → appId.
    app_object: FxHashMap<String, String>,
    app_id_of: FxHashMap<String, String>,
    /// Applications by appId, in order (their federated credentials lead to the service principals).
    apps_by_app_id: FxHashMap<String, Vec<usize>>,
    /// Application federated credentials (app, fic) by the external node.
    app_federated_from: FxHashMap<String, Vec<(usize, usize)>>,
    /// Compute resources by the identity code run in them obtains (once per time it is reachable).
    hosts_of: FxHashMap<String, Vec<usize>>,
    /// Compute resources (with identities or not) by the scopes at and above them.
    compute: Placed,
    /// User-assigned identities, and the position of each by object id, and by the scopes above it.
    uais: Vec<identities::UserAssignedIdentity>,
    uais_placed: Placed,
    uai_of: FxHashMap<String, usize>,
    /// User-assigned identity federated credentials (uai, fic) by the external node.
    uai_federated_from: FxHashMap<String, Vec<(usize, usize)>>,
    /// Vaults by the scopes at and above them (for a reached principal's one-hop self-grants).
    pub(super) vaults: Placed,
    /// Owners of service principals that hold `Application.ReadWrite.OwnedBy`.
    owned_by: FxHashSet<String>,
}

impl HopGraph {
    pub fn build(engine: &Engine) -> Self {
        let s: &Snapshot = &engine.snapshot;
        let mut g = HopGraph::default();
        g.note_gaps(s);
        g.index_directory(engine);
        g.index_hosts(engine);
        g.index_identities(engine);
        g.tenant_admins(engine);
        for (i, v) in s.vaults.iter().enumerate() {
            g.vaults.add(engine, i, &v.scope);
        }
        g
    }

    /// Every edge into `node`, in words (a walk of one step).
    pub fn edges_into(&self, engine: &Engine, node: &str) -> Vec<Hop> {
        let walk = Walk::new(engine, self);
        let steps = walk.edges_into(node, Skip::Nobody);
        steps.iter().map(|s| walk.render(s)).collect()
    }

    /// Every edge out of `node`, in words (a walk of one step).
    pub fn edges_out_of(&self, engine: &Engine, node: &str) -> Vec<Hop> {
        let walk = Walk::new(engine, self);
        let steps = walk.edges_out_of(node);
        steps.iter().map(|s| walk.render(s)).collect()
    }

    fn note_gaps(&mut self, s: &Snapshot) {
        let h = &s.hops;
        let mut gap = |present: bool, what: &str| {
            if !present {
                self.gaps.push(what.to_string());
            }
        };
        gap(
            h.resources.is_some(),
            "identityResources absent: who can run code as a managed identity is not known",
        );
        gap(
            h.owners.is_some(),
            "owners absent: owners of groups, applications and service principals are not known",
        );
        gap(
            h.directory_roles.is_some(),
            "directoryRoleAssignments absent: Entra admin roles (group and application administrators, tenant admins) are not known",
        );
        gap(
            h.directory_eligibilities.is_some(),
            "directoryRoleEligibilities absent: PIM-eligible Entra roles are not known",
        );
        gap(
            h.app_role_assignments.is_some(),
            "appRoleAssignments absent: Microsoft Graph application permissions are not known",
        );
        gap(
            h.applications.is_some(),
            "applications absent: application owners and federated credentials are not known",
        );
    }

    /// Compute resources with identities, each indexed by the identities code run in it obtains; and,
    /// when role assignments above one could not be read, a gap saying who controls it is not known.
    fn index_hosts(&mut self, engine: &Engine) {
        let resources = engine.snapshot.hops.resources.iter().flatten();
        let errors = engine
            .snapshot
            .collection_errors
            .iter()
            .any(|e| e.is_about(&Topic::ROLE_ASSIGNMENTS));
        for (i, r) in resources.enumerate() {
            let Some(host) = super::compute::host(&r.kind) else {
                continue;
            };
            self.compute.add(engine, i, &r.scope);
            let identities = runs_as::reachable(r, host.reach);
            if identities.is_empty() {
                continue;
            }
            if errors {
                self.note_unreadable_assignments(engine, r, host.noun);
            }
            for mi in identities {
                let list = self.hosts_of.entry(mi.to_string()).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
    }

    /// Unreadable role assignments above a resource hide who controls it.
    fn note_unreadable_assignments(
        &mut self,
        engine: &Engine,
        r: &crate::model::hops::IdentityResource,
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

    /// Tier-0 holders: directory roles (active, then eligible), then Graph permissions.
    fn tenant_admins(&mut self, engine: &Engine) {
        let h = &engine.snapshot.hops;
        for (a, eligible) in directory_assignments(&engine.snapshot) {
            let Some(role) = entra::directory_role(&a.role_definition_id) else {
                continue;
            };
            if role.power != Power::TenantAdmin {
                continue;
            }
            let how = if eligible {
                "eligible (PIM) for"
            } else {
                "holds"
            };
            self.tenant_admins.push(TenantAdmin {
                principal_id: a.principal_id.clone(),
                role: role.name.to_string(),
                eligible,
                evidence: render::directory_evidence(a, role.name, eligible),
                explanation: format!("{how} {}: {}", role.name, role.why),
            });
        }
        for a in h.app_role_assignments.iter().flatten() {
            let Some(p) = entra::graph_permission(&a.app_role_id) else {
                continue;
            };
            if p.power == Power::TenantAdmin {
                self.tenant_admins.push(TenantAdmin {
                    principal_id: a.principal_id.clone(),
                    role: p.name.to_string(),
                    eligible: false,
                    evidence: render::graph_evidence(a, p.name),
                    explanation: format!(
                        "holds Microsoft Graph {}: can assign itself any Entra role",
                        p.name
                    ),
                });
            }
        }
    }
}

/// Positions of resources by every scope at or above them, so that a walk finds the resources a principal's
/// grants can reach without asking about every resource.
#[derive(Debug, Default)]
pub(super) struct Placed {
    under: FxHashMap<String, Vec<usize>>,
    /// Where anyone's answer may be "unknown" whatever they hold (role assignments not read above it, a
    /// subscription placed in no known management group): always asked.
    always: Vec<usize>,
    pub all: Vec<usize>,
    /// One past the highest position added.
    bound: usize,
}

impl Placed {
    pub(super) fn add(&mut self, engine: &Engine, at: usize, scope: &crate::model::Scope) {
        let ancestry = engine.index.ancestry(scope);
        if ancestry.unplaced_subscription || engine.has_gap(&ancestry, &Topic::ROLE_ASSIGNMENTS) {
            self.always.push(at);
        }
        for s in &ancestry.scopes {
            match self.under.get_mut(s.key()) {
                Some(list) => list.push(at),
                None => {
                    self.under.insert(s.key().to_string(), vec![at]);
                }
            }
        }
        self.all.push(at);
        self.bound = self.bound.max(at + 1);
    }

    /// The positions at or below the scope `key` (the resource's own scope included), in the order added.
    pub(crate) fn under(&self, key: &str) -> &[usize] {
        self.under.get(key).map_or(&[], Vec::as_slice)
    }

    /// The positions, ascending, that a grant at one of `scopes` reaches, and those always asked; all of
    /// them when `scopes` is `None` (the principal's groups are not known).
    pub(super) fn reached_from(&self, scopes: Option<&FxHashSet<String>>) -> Vec<usize> {
        let Some(scopes) = scopes else {
            return self.all.clone();
        };
        let mut out = self.always.clone();
        for s in scopes {
            out.extend(self.under.get(s).into_iter().flatten());
        }
        crate::positions::ascending_unique(&mut out, self.bound);
        out
    }
}

/// Directory role assignments, then eligibilities, with whether each is an eligibility.
pub(super) fn directory_assignments(
    s: &Snapshot,
) -> impl Iterator<Item = (&crate::model::hops::DirectoryRoleAssignment, bool)> {
    let active = s.hops.directory_roles.iter().flatten().map(|a| (a, false));
    let eligible = s
        .hops
        .directory_eligibilities
        .iter()
        .flatten()
        .map(|a| (a, true));
    active.chain(eligible)
}

/// The `at`-th of [`directory_assignments`].
pub(super) fn directory_at(
    s: &Snapshot,
    at: usize,
) -> Option<&crate::model::hops::DirectoryRoleAssignment> {
    let active = s.hops.directory_roles.as_deref().unwrap_or_default();
    match at.checked_sub(active.len()) {
        None => active.get(at),
        Some(i) => s.hops.directory_eligibilities.as_deref()?.get(i),
    }
}

pub(super) fn owner_at(s: &Snapshot, i: usize) -> Option<&crate::model::hops::Owner> {
    s.hops.owners.as_deref()?.get(i)
}

pub(super) fn application_at(s: &Snapshot, i: usize) -> Option<&crate::model::hops::Application> {
    s.hops.applications.as_deref()?.get(i)
}

pub fn kind_of(engine: &Engine, id: &str) -> Option<PrincipalKind> {
    let &i = engine.index.principal.get(id)?;
    engine.snapshot.principals.get(i).map(|p| p.kind)
}

/// The node id of an external subject (a federated credential's issuer and subject).
pub fn external_id(issuer: &str, subject: &str) -> String {
    format!("external:{issuer}#{subject}")
}
