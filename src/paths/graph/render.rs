//! An edge's evidence and explanation in words, from the typed reference it keeps: only for the paths an
//! answer shows.

use super::super::compute::{self, ASSIGN_IDENTITY, WRITE_FEDERATED};
use super::super::entra::{self, Power};
use super::walk::{Step, Walk};
use super::{Why, application_at, directory_at, kind_of, owner_at};
use crate::model::PrincipalKind;
use crate::model::hops::{AppRoleAssignment, DirectoryRoleAssignment};

/// Shown for every join-a-group hop a role or Graph permission gives: the snapshot has no
/// `isAssignableToRole`, and those powers stop at role-assignable groups.
const NOT_ROLE_ASSIGNABLE: &str =
    "only if the group is not role-assignable (the snapshot does not record isAssignableToRole)";

/// (evidence, explanation) of one edge.
pub(super) fn words(walk: &Walk, step: &Step) -> (Vec<String>, String) {
    let s = &walk.engine.snapshot;
    match &step.why {
        Why::Member(i) => {
            let (member, group) = s
                .group_memberships
                .get(*i)
                .map_or(("", ""), |m| (m.member_id.as_str(), m.group_id.as_str()));
            (
                vec![format!("groupMemberships: {member} in {group}")],
                "members of this group are members of the outer group".into(),
            )
        }
        Why::Owner(i) => owner_words(walk, step, *i),
        Why::DirectoryRole { at, eligible } => {
            let Some(a) = directory_at(s, *at) else {
                return (Vec::new(), String::new());
            };
            let Some(role) = entra::directory_role(&a.role_definition_id) else {
                return (Vec::new(), String::new());
            };
            let how = if *eligible {
                "eligible (PIM) for"
            } else {
                "holds"
            };
            let activation = if *eligible {
                "; it must first activate the role (activation may need approval)"
            } else {
                ""
            };
            let explanation = match role.power {
                Power::AddMembers => format!(
                    "{how} {}, which can add members to groups, {NOT_ROLE_ASSIGNABLE}{activation}",
                    role.name
                ),
                _ => format!(
                    "{how} {}, which can add credentials to applications and service principals{activation}",
                    role.name
                ),
            };
            (
                vec![directory_evidence(a, role.name, *eligible)],
                explanation,
            )
        }
        Why::GraphPermission(i) => {
            let a = s
                .hops
                .app_role_assignments
                .as_deref()
                .and_then(|l| l.get(*i));
            let (Some(a), Some(p)) = (a, a.and_then(|a| entra::graph_permission(&a.app_role_id)))
            else {
                return (Vec::new(), String::new());
            };
            let explanation = match p.power {
                Power::AddMembers => format!(
                    "holds Graph {}, which can add members to any group, {NOT_ROLE_ASSIGNABLE}",
                    p.name
                ),
                _ => format!(
                    "holds Graph {}, which can add credentials to any application",
                    p.name
                ),
            };
            (vec![graph_evidence(a, p.name)], explanation)
        }
        Why::AppFederated { app, fic } => {
            let a = application_at(s, *app);
            let Some((a, f)) = a.and_then(|a| Some((a, a.federated_credentials.get(*fic)?))) else {
                return (Vec::new(), String::new());
            };
            (
                vec![format!(
                    "applications {}: federatedIdentityCredentials '{}'",
                    a.id, f.name
                )],
                format!(
                    "whoever controls subject '{}' at issuer {} gets tokens for the application",
                    f.subject, f.issuer
                ),
            )
        }
        Why::RunsAs {
            resource,
            way,
            grants,
        } => {
            let r = s.hops.resources.as_deref().and_then(|l| l.get(*resource));
            let host = r.and_then(|r| compute::host(&r.kind));
            let (Some(r), Some(host)) = (r, host) else {
                return (grants.to_vec(), String::new());
            };
            let Some(w) = host.ways.get(*way) else {
                return (grants.to_vec(), String::new());
            };
            (
                grants.to_vec(),
                format!(
                    "{}can run code on {} {} ({}): {}{}",
                    eligible_words(step.eligible),
                    host.noun,
                    r.name,
                    w.actions.join(" + "),
                    w.how,
                    w.unless.map(|u| format!("; {u}")).unwrap_or_default()
                ),
            )
        }
        Why::UaiFederated { uai, fic } => {
            let u = walk.graph.uai(*uai);
            let Some((u, f)) = u.and_then(|u| Some((u, walk.federated(u).get(*fic)?))) else {
                return (Vec::new(), String::new());
            };
            (
                vec![format!(
                    "identityResources {}: federatedIdentityCredentials '{}'",
                    u.scope.id(),
                    f.name
                )],
                format!(
                    "whoever controls subject '{}' at issuer {} gets tokens for user-assigned identity {}",
                    f.subject, f.issuer, u.name
                ),
            )
        }
        Why::WritesFederated { uai, grants } => {
            let name = walk.graph.uai(*uai).map_or("", |u| u.name.as_str());
            (
                grants.to_vec(),
                format!(
                    "{}can add a federated identity credential to user-assigned identity {name} ({WRITE_FEDERATED}) trusting an issuer it controls, then sign in as it",
                    eligible_words(step.eligible),
                ),
            )
        }
        Why::Attaches {
            uai,
            grants,
            foothold,
        } => {
            let name = walk.graph.uai(*uai).map_or("", |u| u.name.as_str());
            (
                grants.clone(),
                format!(
                    "{}can attach user-assigned identity {name} ({ASSIGN_IDENTITY}) to {}, then run code there as it",
                    eligible_words(step.eligible),
                    foothold.what
                ),
            )
        }
    }
}

fn owner_words(walk: &Walk, step: &Step, i: usize) -> (Vec<String>, String) {
    let engine = walk.engine;
    let Some(o) = owner_at(&engine.snapshot, i) else {
        return (Vec::new(), String::new());
    };
    let evidence = vec![format!("owners: {} owns {}", o.owner_id, o.object_id)];
    let owner_kind = kind_of(engine, &o.owner_id);
    if engine.is_group(&o.object_id) {
        let note = match owner_kind {
            Some(PrincipalKind::User) => "",
            _ => {
                " (an owner that is not a user acts through Microsoft Graph permissions the owner record does not show)"
            }
        };
        return (
            evidence,
            format!("owns the group, so can add itself as a member{note}"),
        );
    }
    let sp_note = if step.decision == crate::eval::Decision::Conditional {
        " (a service principal owner also needs Application.ReadWrite.OwnedBy, which the snapshot does not show it holding)"
    } else {
        ""
    };
    let explanation = if walk.graph.app_id_of.contains_key(&o.object_id) {
        format!(
            "owns the application, so can add a secret or certificate and sign in as its service principal{sp_note}"
        )
    } else {
        format!(
            "owns the service principal, so can add a credential to it and sign in as it{sp_note}"
        )
    };
    (evidence, explanation)
}

pub(super) fn eligible_words(eligible: bool) -> &'static str {
    if eligible {
        "once it activates its PIM eligibility (activation may need approval), "
    } else {
        ""
    }
}

pub(super) fn directory_evidence(
    a: &DirectoryRoleAssignment,
    role: &str,
    eligible: bool,
) -> String {
    format!(
        "{} {}: {role} at directory scope {}",
        if eligible {
            "directoryRoleEligibilities"
        } else {
            "directoryRoleAssignments"
        },
        a.id,
        a.directory_scope_id
    )
}

pub(super) fn graph_evidence(a: &AppRoleAssignment, permission: &str) -> String {
    format!(
        "appRoleAssignments {}: Microsoft Graph {permission} (application permission)",
        a.id
    )
}
