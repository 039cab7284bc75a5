//! Microsoft Graph for the attack-path hops, read once the principals are known:
//!
//! - `directoryRoleAssignments`: `GET /roleManagement/directory/roleAssignments` (paged);
//! - `directoryRoleEligibilities`: `GET /roleManagement/directory/roleEligibilitySchedules` (paged);
//! - `appRoleAssignments`: the assignments of Microsoft Graph's app roles (application permissions), as
//!   `GET /servicePrincipals/{Graph's SP}/appRoleAssignedTo` lists them — one list instead of one per
//!   service principal; the hops read Graph permissions only;
//! - `applications`: `GET /applications` (paged), each with `GET /applications/{id}/federatedIdentityCredentials`;
//! - `owners`: `GET /{groups|servicePrincipals|applications}/{id}/owners` for every group and service
//!   principal the snapshot names (and those the role lists name), the application of each such service
//!   principal, and, transitively, every service principal found as an owner.
//!
//! Ids the role lists name that the directory data lacks are looked up (`directoryObjects/getByIds`) so
//! paths name them. Any failure within a section leaves that section out (missing: paths through it are
//! `unknown`), with a collection error saying what failed. Secrets are never read: federated credentials hold
//! issuers and subjects, and applications are read with `$select` (no `passwordCredentials`).

use std::collections::{BTreeSet, HashMap, HashSet};

use reqwest::Method;
use serde_json::{Value, json};

use super::client::{CallError, Failure};
use super::{Ctx, Endpoint, FetchError, Section, url_at};

/// Microsoft Graph's application id, the same in every tenant and cloud.
const MICROSOFT_GRAPH_APP: &str = "00000003-0000-0000-c000-000000000000";
const OWNER_FIELDS: &str = "id,displayName,userPrincipalName,appId,servicePrincipalType";
const SECTIONS: [Section; 5] = [
    Section::DirectoryRoleAssignments,
    Section::DirectoryRoleEligibilities,
    Section::AppRoleAssignments,
    Section::Applications,
    Section::Owners,
];

fn id_of(v: &Value, key: &str) -> Option<String> {
    let s = v.get(key)?.as_str()?.trim().to_ascii_lowercase();
    uuid::Uuid::try_parse(&s).is_ok().then_some(s)
}

fn odata_kind(v: &Value) -> Option<String> {
    v.get("@odata.type")
        .and_then(Value::as_str)
        .map(|t| t.trim_start_matches('#').to_ascii_lowercase())
}

/// One paged Graph list; a failure is recorded for `section` (with `what` in the message).
async fn list(
    ctx: &Ctx<'_>,
    section: Section,
    path: &str,
    query: &[(&str, &str)],
    what: &str,
    depth: u32,
) -> Result<(Vec<Value>, u32, bool), FetchError> {
    let graph = &ctx.client.cloud().microsoft_graph;
    let url = match url_at(graph, path, None, query) {
        Ok(u) => u,
        Err(f) => {
            ctx.error("/", section, &f);
            return Ok((Vec::new(), depth, false));
        }
    };
    ctx.plan(1);
    let listing = ctx.client.list(Endpoint::Graph, url, depth).await?;
    let ok = listing.error.is_none();
    if let Some(f) = &listing.error {
        let message = format!("{what}: {}", f.message);
        ctx.error("/", section, &Failure::new(f.status, message));
    }
    ctx.done(format!("{what}: {} item(s)", listing.items.len()));
    Ok((listing.items, listing.depth, ok))
}

/// Reads every hop section, each shown once whole. Without a Graph credential each is recorded as not read
/// (so left out).
pub(crate) async fn collect(ctx: &Ctx<'_>, depth: u32) -> Result<(), FetchError> {
    if !ctx.client.credentials().has(Endpoint::Graph) {
        for s in SECTIONS {
            let f = Failure::new(None, "no Microsoft Graph credential: not read");
            ctx.error("/", s, &f);
        }
        return Ok(());
    }
    let roles = async {
        let (items, d, _) = list(
            ctx,
            Section::DirectoryRoleAssignments,
            "v1.0/roleManagement/directory/roleAssignments",
            &[],
            "directory role assignments",
            depth,
        )
        .await?;
        ctx.complete(Section::DirectoryRoleAssignments, items.clone());
        Ok::<_, FetchError>((items, d))
    };
    let eligible = async {
        let (items, d, _) = list(
            ctx,
            Section::DirectoryRoleEligibilities,
            "v1.0/roleManagement/directory/roleEligibilitySchedules",
            &[],
            "directory role eligibilities",
            depth,
        )
        .await?;
        ctx.complete(Section::DirectoryRoleEligibilities, items.clone());
        Ok::<_, FetchError>((items, d))
    };
    let (((roles, d1), (eligible, d2)), (grants, d3), (apps, d4)) = futures::try_join!(
        async { futures::try_join!(roles, eligible) },
        app_role_assignments(ctx, depth),
        applications(ctx, depth),
    )?;
    // Whoever the role lists name, the directory data should describe (names, and which are groups).
    let named: BTreeSet<String> = roles
        .iter()
        .chain(&eligible)
        .chain(&grants)
        .filter_map(|a| id_of(a, "principalId"))
        .collect();
    let d5 = super::graph::describe(ctx, named, d1.max(d2).max(d3)).await?;
    owners(ctx, &apps, d4.max(d5)).await
}

/// The assignments of Microsoft Graph's app roles, from Graph's own service principal.
async fn app_role_assignments(ctx: &Ctx<'_>, depth: u32) -> Result<(Vec<Value>, u32), FetchError> {
    let section = Section::AppRoleAssignments;
    let graph = ctx.client.cloud().microsoft_graph.clone();
    let path = format!("v1.0/servicePrincipals(appId='{MICROSOFT_GRAPH_APP}')");
    let url = match url_at(&graph, &path, None, &[("$select", "id,appId,displayName")]) {
        Ok(u) => u,
        Err(f) => {
            ctx.error("/", section, &f);
            return Ok((Vec::new(), depth));
        }
    };
    ctx.plan(1);
    let sp = match ctx
        .client
        .send(Endpoint::Graph, Method::GET, &url, None, depth + 1)
        .await
    {
        Ok(sp) => id_of(&sp, "id"),
        Err(CallError::Failed(f)) => {
            let message = format!("Microsoft Graph's service principal: {}", f.message);
            ctx.error("/", section, &Failure::new(f.status, message));
            None
        }
        Err(CallError::Fatal(e)) => return Err(e),
    };
    ctx.done("Microsoft Graph's service principal".into());
    let Some(sp) = sp else {
        ctx.error(
            "/",
            section,
            &Failure::new(None, "Microsoft Graph's service principal was not found"),
        );
        return Ok((Vec::new(), depth + 1));
    };
    let (items, d, _) = list(
        ctx,
        section,
        &format!("v1.0/servicePrincipals/{sp}/appRoleAssignedTo"),
        &[("$top", "999")],
        "Microsoft Graph app role assignments",
        depth + 1,
    )
    .await?;
    ctx.complete(section, items.clone());
    Ok((items, d))
}

/// Every application with its federated identity credentials (`federatedIdentityCredentials`).
async fn applications(ctx: &Ctx<'_>, depth: u32) -> Result<(Vec<Value>, u32), FetchError> {
    let section = Section::Applications;
    let (apps, d, _) = list(
        ctx,
        section,
        "v1.0/applications",
        &[("$select", "id,appId,displayName"), ("$top", "999")],
        "applications",
        depth,
    )
    .await?;
    let apps: Vec<Value> = apps
        .into_iter()
        .filter(|a| id_of(a, "id").is_some())
        .collect();
    let with_credentials =
        futures::future::try_join_all(apps.into_iter().map(|mut app| async move {
            let id = id_of(&app, "id").unwrap_or_default();
            let (fics, d, _) = list(
                ctx,
                section,
                &format!("v1.0/applications/{id}/federatedIdentityCredentials"),
                &[("$select", "name,issuer,subject,audiences")],
                &format!("federated credentials of application {id}"),
                d,
            )
            .await?;
            app["federatedIdentityCredentials"] = Value::Array(fics);
            Ok::<_, FetchError>((app, d))
        }))
        .await?;
    let depth = with_credentials.iter().map(|(_, d)| *d).fold(d, u32::max);
    let apps: Vec<Value> = with_credentials.into_iter().map(|(a, _)| a).collect();
    ctx.complete(section, apps.clone());
    Ok((apps, depth))
}

/// What an owner list is asked of.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Owned {
    Group,
    ServicePrincipal,
    Application,
}

impl Owned {
    fn collection(self) -> &'static str {
        match self {
            Self::Group => "groups",
            Self::ServicePrincipal => "servicePrincipals",
            Self::Application => "applications",
        }
    }
}

/// Owners of every group and service principal the directory data holds, of the application behind each
/// such service principal, and of every service principal found as an owner, level by level.
async fn owners(ctx: &Ctx<'_>, apps: &[Value], depth: u32) -> Result<(), FetchError> {
    let section = Section::Owners;
    let app_of: HashMap<String, String> = apps
        .iter()
        .filter_map(|a| Some((id_of(a, "appId")?, id_of(a, "id")?)))
        .collect();
    let mut seen: HashSet<(Owned, String)> = HashSet::new();
    let mut next: Vec<(Owned, String)> = Vec::new();
    let queue = |next: &mut Vec<(Owned, String)>, o: &Value| {
        let Some(id) = id_of(o, "id") else {
            return;
        };
        let kind = odata_kind(o);
        if kind.as_deref() == Some("microsoft.graph.group") || super::graph::is_group(o) {
            next.push((Owned::Group, id));
        } else if (kind.as_deref() == Some("microsoft.graph.serviceprincipal")
            || o.get("appId").is_some_and(Value::is_string))
            // A managed identity cannot be given a credential, so its owners open no hop.
            && !o
                .get("servicePrincipalType")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case("ManagedIdentity"))
        {
            if let Some(app) = id_of(o, "appId").and_then(|a| app_of.get(&a)) {
                next.push((Owned::Application, app.clone()));
            }
            next.push((Owned::ServicePrincipal, id));
        }
    };
    let principals: Vec<Value> =
        ctx.with_store(|s| s.items(Section::Principals).cloned().collect());
    for p in &principals {
        queue(&mut next, p);
    }
    let mut depth = depth;
    while !next.is_empty() {
        let level: Vec<(Owned, String)> = std::mem::take(&mut next)
            .into_iter()
            .filter(|k| seen.insert(k.clone()))
            .collect();
        let read = futures::future::try_join_all(level.iter().map(|(kind, id)| async move {
            let (found, d, _) = list(
                ctx,
                section,
                &format!("v1.0/{}/{id}/owners", kind.collection()),
                &[("$select", OWNER_FIELDS)],
                &format!("owners of {} {id}", kind.collection()),
                depth,
            )
            .await?;
            let found: Vec<Value> = found
                .into_iter()
                .filter(|o| id_of(o, "id").is_some())
                .collect();
            let edges: Vec<Value> = found
                .iter()
                .filter_map(|o| id_of(o, "id"))
                .map(|owner| json!({ "objectId": id, "ownerId": owner }))
                .collect();
            ctx.hold(section, edges);
            ctx.section(Section::Principals, "/", found.clone());
            Ok::<_, FetchError>((found, d))
        }))
        .await?;
        depth = read.iter().map(|(_, d)| *d).fold(depth, u32::max);
        for (found, _) in &read {
            for o in found {
                queue(&mut next, o);
            }
        }
    }
    ctx.complete(section, Vec::new());
    Ok(())
}
