//! The optional hop sections → model. An absent (or `null`) section stays `None`: missing data, never
//! "nothing there".

use super::{At, Ctx, Field, List, lower};
use crate::model::hops::*;
use crate::snapshot::raw::*;

/// The raw hop sections, moved out of the raw snapshot together.
pub struct RawHops {
    pub resources: List<RawIdentityResource>,
    pub directory_roles: List<RawDirectoryRole>,
    pub directory_eligibilities: List<RawDirectoryRole>,
    pub owners: List<RawOwner>,
    pub app_role_assignments: List<RawAppRoleAssignment>,
    pub applications: List<RawApplication>,
}

pub fn hops(raw: RawHops, ctx: &mut Ctx) -> Hops {
    Hops {
        resources: section(raw.resources, "identityResources", ctx, resource),
        directory_roles: section(
            raw.directory_roles,
            "directoryRoleAssignments",
            ctx,
            directory_role,
        ),
        directory_eligibilities: section(
            raw.directory_eligibilities,
            "directoryRoleEligibilities",
            ctx,
            directory_role,
        ),
        owners: section(raw.owners, "owners", ctx, owners).map(|o| o.concat()),
        app_role_assignments: section(
            raw.app_role_assignments,
            "appRoleAssignments",
            ctx,
            app_role_assignment,
        ),
        applications: section(raw.applications, "applications", ctx, application),
    }
}

/// A present section's well-formed elements; `None` when the section is absent, `null` or not an array.
fn section<R, M>(
    list: List<R>,
    key: &'static str,
    ctx: &mut Ctx,
    convert: impl Fn(R, &At, &mut Ctx) -> Option<M>,
) -> Option<Vec<M>> {
    if matches!(list, Field::Absent | Field::Null) {
        return None;
    }
    let top = At::Top(key);
    let wrong = list.wrong().is_some();
    let out: Vec<M> = ctx
        .items(list, &top, "an object")
        .filter_map(|(i, r)| convert(r, &top.index(i), ctx))
        .collect();
    (!wrong).then_some(out)
}

fn id(ctx: &mut Ctx, field: Field<String>, path: &At) -> Option<String> {
    let text = ctx.req_text(field, path)?;
    ctx.guid(text, path)
}

fn resource(r: RawIdentityResource, path: &At, ctx: &mut Ctx) -> Option<IdentityResource> {
    let id_at = path.key("id");
    let text = ctx.req_text(r.id, &id_at)?;
    let scope = ctx.scope(&text, &id_at, &[])?;
    let kind = ctx
        .req_text(r.kind, &path.key("type"))
        .map(lower)
        .unwrap_or_default();
    let name = ctx
        .opt_text(r.name, &path.key("name"))
        .unwrap_or_else(|| scope.name().to_string());
    let mut principal_id = None;
    let mut user_assigned = Vec::new();
    let ipath = path.key("identity");
    if let Some(identity) = ctx.opt(r.identity, &ipath, "an object") {
        if let Some(p) = ctx.opt_text(identity.principal_id, &ipath.key("principalId")) {
            principal_id = ctx.guid(p, &ipath.key("principalId"));
        }
        let upath = ipath.key("userAssignedIdentities");
        let map = ctx.opt(identity.user_assigned_identities, &upath, "an object");
        for (resource_id, entry) in map.unwrap_or_default() {
            let entry = ctx.opt(entry, &upath, "an object");
            let principal = entry
                .and_then(|e| ctx.opt_text(e.principal_id, &upath.key("principalId")))
                .and_then(|p| ctx.guid(p, &upath.key("principalId")));
            user_assigned.push(UserAssigned {
                resource_id,
                principal_id: principal,
            });
        }
    }
    let ppath = path.key("properties");
    let mut kubelet = None;
    if let Some(props) = ctx.opt(r.properties, &ppath, "an object") {
        if principal_id.is_none()
            && let Some(p) = ctx.opt_text(props.principal_id, &ppath.key("principalId"))
        {
            principal_id = ctx.guid(p, &ppath.key("principalId"));
        }
        kubelet = kubelet_identity(props.identity_profile, &ppath.key("identityProfile"), ctx);
    }
    let fpath = path.key("federatedIdentityCredentials");
    let mut federated_credentials = Vec::new();
    for (i, f) in ctx.items(r.federated_identity_credentials, &fpath, "an object") {
        let at = fpath.index(i);
        let name = ctx.opt_text(f.name, &at.key("name")).unwrap_or_default();
        let (issuer, subject, at) = match ctx.opt(f.properties, &at.key("properties"), "an object")
        {
            Some(p) => (p.issuer, p.subject, at.key("properties")),
            None => (f.issuer, f.subject, at),
        };
        if let Some(fc) = federated_credential(name, issuer, subject, &at, ctx) {
            federated_credentials.push(fc);
        }
    }
    Some(IdentityResource {
        scope,
        kind,
        name,
        principal_id,
        user_assigned,
        kubelet,
        federated_credentials,
    })
}

fn kubelet_identity(
    profile: Field<RawIdentityProfile>,
    path: &At,
    ctx: &mut Ctx,
) -> Option<UserAssigned> {
    let profile = ctx.opt(profile, path, "an object")?;
    let kpath = path.key("kubeletidentity");
    let k = ctx.opt(profile.kubeletidentity, &kpath, "an object")?;
    let principal_id = ctx
        .opt_text(k.object_id, &kpath.key("objectId"))
        .and_then(|p| ctx.guid(p, &kpath.key("objectId")));
    Some(UserAssigned {
        resource_id: ctx
            .opt_text(k.resource_id, &kpath.key("resourceId"))
            .unwrap_or_default(),
        principal_id,
    })
}

fn federated_credential(
    name: String,
    issuer: Text,
    subject: Text,
    at: &At,
    ctx: &mut Ctx,
) -> Option<FederatedCredential> {
    let issuer = ctx.req_text(issuer, &at.key("issuer"));
    let subject = ctx.req_text(subject, &at.key("subject"));
    Some(FederatedCredential {
        name,
        issuer: issuer?,
        subject: subject?,
    })
}

fn directory_role(
    r: RawDirectoryRole,
    path: &At,
    ctx: &mut Ctx,
) -> Option<DirectoryRoleAssignment> {
    let principal_id = id(ctx, r.principal_id, &path.key("principalId"));
    let role = ctx.req_text(r.role_definition_id, &path.key("roleDefinitionId"));
    let scope = ctx
        .opt_text(r.directory_scope_id, &path.key("directoryScopeId"))
        .unwrap_or_else(|| "/".to_string());
    Some(DirectoryRoleAssignment {
        id: ctx.opt_text(r.id, &path.key("id")).unwrap_or_default(),
        principal_id: principal_id?,
        role_definition_id: lower(role?),
        directory_scope_id: lower(scope),
    })
}

fn owners(r: RawOwner, path: &At, ctx: &mut Ctx) -> Option<Vec<Owner>> {
    let object_id = id(ctx, r.object_id, &path.key("objectId"))?;
    let mut out = Vec::new();
    if let Some(owner) = ctx.opt_text(r.owner_id, &path.key("ownerId")) {
        out.extend(ctx.guid(owner, &path.key("ownerId")));
    }
    let vpath = path.key("value");
    for (i, o) in ctx.items(r.value, &vpath, "an object") {
        out.extend(id(ctx, o.id, &vpath.index(i).key("id")));
    }
    if out.is_empty() {
        ctx.problem(
            path,
            "an owner entry needs `ownerId` or a `value` array of owners",
        );
    }
    Some(
        out.into_iter()
            .map(|owner_id| Owner {
                object_id: object_id.clone(),
                owner_id,
            })
            .collect(),
    )
}

fn app_role_assignment(
    r: RawAppRoleAssignment,
    path: &At,
    ctx: &mut Ctx,
) -> Option<AppRoleAssignment> {
    let principal_id = id(ctx, r.principal_id, &path.key("principalId"));
    let resource_id = id(ctx, r.resource_id, &path.key("resourceId"));
    let app_role_id = id(ctx, r.app_role_id, &path.key("appRoleId"));
    Some(AppRoleAssignment {
        id: ctx.opt_text(r.id, &path.key("id")).unwrap_or_default(),
        principal_id: principal_id?,
        resource_id: resource_id?,
        resource_display_name: ctx
            .opt_text(r.resource_display_name, &path.key("resourceDisplayName")),
        app_role_id: app_role_id?,
    })
}

fn application(r: RawApplication, path: &At, ctx: &mut Ctx) -> Option<Application> {
    let id_ = id(ctx, r.id, &path.key("id"));
    let app_id = id(ctx, r.app_id, &path.key("appId"));
    let display_name = ctx
        .opt_text(r.display_name, &path.key("displayName"))
        .unwrap_or_default();
    let fpath = path.key("federatedIdentityCredentials");
    let mut federated_credentials = Vec::new();
    for (i, f) in ctx.items(r.federated_identity_credentials, &fpath, "an object") {
        let at = fpath.index(i);
        let name = ctx.opt_text(f.name, &at.key("name")).unwrap_or_default();
        federated_credentials.extend(federated_credential(name, f.issuer, f.subject, &at, ctx));
    }
    Some(Application {
        id: id_?,
        app_id: app_id?,
        display_name,
        federated_credentials,
    })
}
