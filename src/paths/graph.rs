//! The hop graph: every "controller can become / join / act as controlled" edge the snapshot shows, each
//! with its evidence. Built once per snapshot; the searches only read it.

use rustc_hash::{FxHashMap, FxHashSet};

use super::entra::{self, Power};
use super::{Hop, HopKind, TenantAdmin};
use crate::eval::{Decision, Engine};
use crate::model::{PrincipalKind, Snapshot};

mod identities;
mod runs_as;
mod vm_secrets;

pub use vm_secrets::VaultHop;

/// The edges, indexed both ways, and what the snapshot could not show.
#[derive(Debug, Default)]
pub struct HopGraph {
    pub hops: Vec<Hop>,
    into: FxHashMap<String, Vec<usize>>,
    out: FxHashMap<String, Vec<usize>>,
    /// Sections absent from the snapshot, in words: paths through them are unknown.
    pub gaps: Vec<String>,
    /// Tier-0 holders, stated once.
    pub tenant_admins: Vec<TenantAdmin>,
    /// Last hops that vault flags give for some operations (`enabledForDeployment`, …).
    pub vault_hops: Vec<VaultHop>,
}

/// Shown for every join-a-group hop a role or Graph permission gives: the snapshot has no
/// `isAssignableToRole`, and those powers stop at role-assignable groups.
const NOT_ROLE_ASSIGNABLE: &str =
    "only if the group is not role-assignable (the snapshot does not record isAssignableToRole)";

impl HopGraph {
    pub fn build(engine: &Engine) -> Self {
        let s: &Snapshot = &engine.snapshot;
        let mut g = HopGraph::default();
        g.note_gaps(s);
        g.nested_groups(engine);
        g.owners(engine);
        g.directory_roles(engine);
        g.graph_permissions(engine);
        g.federated(engine);
        // Answers asked while building, shared by the hops that ask the same question.
        let asked = runs_as::Asked::default();
        g.managed_identities(engine, &asked);
        g.user_assigned_identities(engine, &asked);
        g.vm_secrets(engine, &asked);
        for (i, h) in g.hops.iter().enumerate() {
            g.into.entry(h.to.clone()).or_default().push(i);
            g.out.entry(h.from.clone()).or_default().push(i);
        }
        g
    }

    /// Hops that end at `node`.
    pub fn into(&self, node: &str) -> impl Iterator<Item = &Hop> {
        self.into
            .get(node)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.hops.get(i))
    }

    /// Hops that start at `node`.
    pub fn out_of(&self, node: &str) -> impl Iterator<Item = &Hop> {
        self.out
            .get(node)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.hops.get(i))
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

    fn push(&mut self, hop: Hop) {
        self.hops.push(hop);
    }

    /// A group inside another group passes the outer group's grants to its members.
    fn nested_groups(&mut self, engine: &Engine) {
        for m in &engine.snapshot.group_memberships {
            if engine.is_group(&m.member_id) {
                self.push(Hop {
                    kind: HopKind::MemberOf,
                    from: m.member_id.clone(),
                    to: m.group_id.clone(),
                    decision: Decision::Allowed,
                    eligible: false,
                    evidence: vec![format!(
                        "groupMemberships: {} in {}",
                        m.member_id, m.group_id
                    )],
                    explanation: "members of this group are members of the outer group".into(),
                });
            }
        }
    }

    fn owners(&mut self, engine: &Engine) {
        let s: &Snapshot = &engine.snapshot;
        let Some(owners) = &s.hops.owners else {
            return;
        };
        let apps: FxHashMap<&str, &str> = s
            .hops
            .applications
            .iter()
            .flatten()
            .map(|a| (a.id.as_str(), a.app_id.as_str()))
            .collect();
        let owned_by: FxHashSet<&str> = s
            .hops
            .app_role_assignments
            .iter()
            .flatten()
            .filter(|a| a.app_role_id == entra::OWNED_BY)
            .map(|a| a.principal_id.as_str())
            .collect();
        for o in owners {
            let evidence = vec![format!("owners: {} owns {}", o.owner_id, o.object_id)];
            let owner_kind = kind_of(engine, &o.owner_id);
            // A service principal uses its ownership only with Application.ReadWrite.OwnedBy.
            let (decision, sp_note) = if matches!(
                owner_kind,
                Some(PrincipalKind::ServicePrincipal | PrincipalKind::ManagedIdentity)
            ) && !owned_by.contains(o.owner_id.as_str())
            {
                (
                    Decision::Conditional,
                    " (a service principal owner also needs Application.ReadWrite.OwnedBy, which the snapshot does not show it holding)",
                )
            } else {
                (Decision::Allowed, "")
            };
            if engine.is_group(&o.object_id) {
                // A user owner manages the group's members itself; an application acts through Graph
                // permissions, which the owner record alone does not show.
                let (decision, note) = match owner_kind {
                    Some(PrincipalKind::User) => (Decision::Allowed, ""),
                    _ => (
                        Decision::Conditional,
                        " (an owner that is not a user acts through Microsoft Graph permissions the owner record does not show)",
                    ),
                };
                self.push(Hop {
                    kind: HopKind::JoinsGroup,
                    from: o.owner_id.clone(),
                    to: o.object_id.clone(),
                    decision,
                    eligible: false,
                    evidence,
                    explanation: format!("owns the group, so can add itself as a member{note}"),
                });
            } else if let Some(app_id) = apps.get(o.object_id.as_str()) {
                for sp in service_principals_of(s, app_id) {
                    self.push(Hop {
                        kind: HopKind::AddsCredential,
                        from: o.owner_id.clone(),
                        to: sp.to_string(),
                        decision,
                        eligible: false,
                        evidence: evidence.clone(),
                        explanation: format!(
                            "owns the application, so can add a secret or certificate and sign in as its service principal{sp_note}"
                        ),
                    });
                }
            } else if kind_of(engine, &o.object_id) == Some(PrincipalKind::ServicePrincipal) {
                self.push(Hop {
                    kind: HopKind::AddsCredential,
                    from: o.owner_id.clone(),
                    to: o.object_id.clone(),
                    decision,
                    eligible: false,
                    evidence,
                    explanation: format!(
                        "owns the service principal, so can add a credential to it and sign in as it{sp_note}"
                    ),
                });
            }
        }
    }

    fn directory_roles(&mut self, engine: &Engine) {
        let h = &engine.snapshot.hops;
        let active = h.directory_roles.iter().flatten().map(|a| (a, false));
        let eligible = h
            .directory_eligibilities
            .iter()
            .flatten()
            .map(|a| (a, true));
        let all: Vec<_> = active.chain(eligible).collect();
        for (a, is_eligible) in all {
            let Some(role) = entra::directory_role(&a.role_definition_id) else {
                continue;
            };
            let how = if is_eligible {
                "eligible (PIM) for"
            } else {
                "holds"
            };
            let evidence = vec![format!(
                "{} {}: {} at directory scope {}",
                if is_eligible {
                    "directoryRoleEligibilities"
                } else {
                    "directoryRoleAssignments"
                },
                a.id,
                role.name,
                a.directory_scope_id
            )];
            let activation = if is_eligible {
                "; it must first activate the role (activation may need approval)"
            } else {
                ""
            };
            match role.power {
                Power::TenantAdmin => self.tenant_admins.push(TenantAdmin {
                    principal_id: a.principal_id.clone(),
                    role: role.name.to_string(),
                    eligible: is_eligible,
                    evidence: evidence[0].clone(),
                    explanation: format!("{how} {}: {}", role.name, role.why),
                }),
                Power::AddMembers => {
                    for group in groups(engine) {
                        let Some(covers) = entra::scope_covers(&a.directory_scope_id, group) else {
                            continue;
                        };
                        if covers {
                            self.push(Hop {
                                kind: HopKind::JoinsGroup,
                                from: a.principal_id.clone(),
                                to: group.to_string(),
                                decision: Decision::Conditional,
                                eligible: is_eligible,
                                evidence: evidence.clone(),
                                explanation: format!(
                                    "{how} {}, which can add members to groups, {NOT_ROLE_ASSIGNABLE}{activation}",
                                    role.name
                                ),
                            });
                        }
                    }
                }
                Power::AddCredentials => {
                    for (sp, app) in credential_targets(engine) {
                        let covers = [Some(sp), app]
                            .into_iter()
                            .flatten()
                            .any(|id| entra::scope_covers(&a.directory_scope_id, id) == Some(true));
                        if covers {
                            self.push(Hop {
                                kind: HopKind::AddsCredential,
                                from: a.principal_id.clone(),
                                to: sp.to_string(),
                                decision: Decision::Allowed,
                                eligible: is_eligible,
                                evidence: evidence.clone(),
                                explanation: format!(
                                    "{how} {}, which can add credentials to applications and service principals{activation}",
                                    role.name
                                ),
                            });
                        }
                    }
                }
            }
        }
    }

    fn graph_permissions(&mut self, engine: &Engine) {
        let list = engine.snapshot.hops.app_role_assignments.iter().flatten();
        let held: Vec<_> = list
            .filter_map(|a| entra::graph_permission(&a.app_role_id).map(|p| (a, p)))
            .collect();
        for (a, p) in held {
            let evidence = vec![format!(
                "appRoleAssignments {}: Microsoft Graph {} (application permission)",
                a.id, p.name
            )];
            match p.power {
                Power::TenantAdmin => self.tenant_admins.push(TenantAdmin {
                    principal_id: a.principal_id.clone(),
                    role: p.name.to_string(),
                    eligible: false,
                    evidence: evidence[0].clone(),
                    explanation: format!(
                        "holds Microsoft Graph {}: can assign itself any Entra role",
                        p.name
                    ),
                }),
                Power::AddMembers => {
                    for group in groups(engine) {
                        self.push(Hop {
                            kind: HopKind::JoinsGroup,
                            from: a.principal_id.clone(),
                            to: group.to_string(),
                            decision: Decision::Conditional,
                            eligible: false,
                            evidence: evidence.clone(),
                            explanation: format!(
                                "holds Graph {}, which can add members to any group, {NOT_ROLE_ASSIGNABLE}",
                                p.name
                            ),
                        });
                    }
                }
                Power::AddCredentials => {
                    for (sp, _) in credential_targets(engine) {
                        self.push(Hop {
                            kind: HopKind::AddsCredential,
                            from: a.principal_id.clone(),
                            to: sp.to_string(),
                            decision: Decision::Allowed,
                            eligible: false,
                            evidence: evidence.clone(),
                            explanation: format!(
                                "holds Graph {}, which can add credentials to any application",
                                p.name
                            ),
                        });
                    }
                }
            }
        }
    }

    fn federated(&mut self, engine: &Engine) {
        let s: &Snapshot = &engine.snapshot;
        for app in s.hops.applications.iter().flatten() {
            for f in &app.federated_credentials {
                for sp in service_principals_of(s, &app.app_id) {
                    self.push(Hop {
                        kind: HopKind::FederatedCredential,
                        from: external_id(&f.issuer, &f.subject),
                        to: sp.to_string(),
                        decision: Decision::Allowed,
                        eligible: false,
                        evidence: vec![format!(
                            "applications {}: federatedIdentityCredentials '{}'",
                            app.id, f.name
                        )],
                        explanation: format!(
                            "whoever controls subject '{}' at issuer {} gets tokens for the application",
                            f.subject, f.issuer
                        ),
                    });
                }
            }
        }
    }
}

pub fn kind_of(engine: &Engine, id: &str) -> Option<PrincipalKind> {
    let &i = engine.index.principal.get(id)?;
    engine.snapshot.principals.get(i).map(|p| p.kind)
}

/// Every group of the directory data.
fn groups(engine: &Engine) -> impl Iterator<Item = &str> {
    engine
        .snapshot
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::Group)
        .map(|p| p.id.as_str())
}

/// Service principals that can be given credentials (never managed identities: Azure manages theirs), with
/// the object id of their application when the snapshot has it.
fn credential_targets(engine: &Engine) -> Vec<(&str, Option<&str>)> {
    let s: &Snapshot = &engine.snapshot;
    let apps: FxHashMap<&str, &str> = s
        .hops
        .applications
        .iter()
        .flatten()
        .map(|a| (a.app_id.as_str(), a.id.as_str()))
        .collect();
    s.principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::ServicePrincipal)
        .map(|p| {
            let app = p.app_id.as_deref().and_then(|a| apps.get(a).copied());
            (p.id.as_str(), app)
        })
        .collect()
}

/// The service principals (not managed identities) of an appId.
fn service_principals_of<'s>(s: &'s Snapshot, app_id: &'s str) -> impl Iterator<Item = &'s str> {
    s.principals
        .iter()
        .filter(move |p| {
            p.kind == PrincipalKind::ServicePrincipal && p.app_id.as_deref() == Some(app_id)
        })
        .map(|p| p.id.as_str())
}

/// The node id of an external subject (a federated credential's issuer and subject).
pub fn external_id(issuer: &str, subject: &str) -> String {
    format!("external:{issuer}#{subject}")
}
