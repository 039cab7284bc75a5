//! Microsoft Graph: every principal the collected objects name (`directoryObjects/getByIds`, 1000 ids a
//! call), the service principal of every application an access policy names only by its `applicationId`
//! (`servicePrincipals(appId='…')`), and the direct members of every group among them, transitively
//! (`groups/{id}/members`, paged).

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use super::client::{CallError, Failure};
use super::{Ctx, Endpoint, FetchError, Section, url_at};
use crate::model::EVERYONE;

const BATCH: usize = 1000;
const MEMBER_FIELDS: &str = "id,displayName,userPrincipalName,mail,appId,servicePrincipalType,securityEnabled,groupTypes,mailEnabled";

fn guid(s: &str) -> Option<String> {
    let s = s.trim().to_ascii_lowercase();
    (uuid::Uuid::try_parse(&s).is_ok() && s != EVERYONE).then_some(s)
}

/// Object ids named by role assignments, eligibilities, deny assignments and access policies.
fn referenced_ids(ctx: &Ctx<'_>) -> BTreeSet<String> {
    ctx.with_store(|store| {
        let mut ids = BTreeSet::new();
        let mut add = |v: Option<&Value>| {
            if let Some(id) = v.and_then(Value::as_str).and_then(guid) {
                ids.insert(id);
            }
        };
        for section in [Section::RoleAssignments, Section::RoleEligibilities] {
            for a in store.items(section) {
                add(a.pointer("/properties/principalId"));
            }
        }
        for d in store.items(Section::DenyAssignments) {
            for list in ["principals", "excludePrincipals"] {
                if let Some(ps) = d
                    .pointer(&format!("/properties/{list}"))
                    .and_then(Value::as_array)
                {
                    for p in ps {
                        add(p.get("id"));
                    }
                }
            }
        }
        for v in store.items(Section::Vaults) {
            if let Some(ps) = v
                .pointer("/properties/accessPolicies")
                .and_then(Value::as_array)
            {
                for p in ps {
                    add(p.get("objectId"));
                }
            }
        }
        ids
    })
}

/// Application ids that compound access-policy entries name (`applicationId`), whose service principals
/// the directory data does not have yet: only their names are missing, the answers do not depend on them.
fn unnamed_apps(ctx: &Ctx<'_>) -> BTreeSet<String> {
    ctx.with_store(|store| {
        let known: BTreeSet<String> = store
            .items(Section::Principals)
            .filter_map(|p| p.get("appId").and_then(Value::as_str).and_then(guid))
            .collect();
        store
            .items(Section::Vaults)
            .filter_map(|v| {
                v.pointer("/properties/accessPolicies")
                    .and_then(Value::as_array)
            })
            .flatten()
            .filter_map(|p| {
                p.get("applicationId")
                    .and_then(Value::as_str)
                    .and_then(guid)
            })
            .filter(|app| !known.contains(app))
            .collect()
    })
}

/// Looks up the service principal of each application in `apps` by its appId. Not found (HTTP 404: the
/// application has no service principal in this tenant) or unreadable leaves the appId as its name.
async fn app_principals(
    ctx: &Ctx<'_>,
    graph: &reqwest::Url,
    apps: BTreeSet<String>,
    depth: u32,
) -> Result<(), FetchError> {
    ctx.plan(apps.len());
    futures::future::try_join_all(apps.into_iter().map(|app| async move {
        let path = format!("v1.0/servicePrincipals(appId='{app}')");
        let url = match url_at(graph, &path, None, &[("$select", MEMBER_FIELDS)]) {
            Ok(u) => u,
            Err(f) => {
                ctx.done(format!("application {app}: {}", f.message));
                return Ok(());
            }
        };
        match ctx
            .client
            .send(Endpoint::Graph, Method::GET, &url, None, depth)
            .await
        {
            Ok(sp) if object_id(&sp).is_some() => {
                ctx.done(format!("application {app}: service principal found"));
                ctx.section(Section::Principals, "/", vec![sp]);
            }
            Ok(_) => ctx.done(format!(
                "application {app}: the response is not a service principal"
            )),
            Err(CallError::Failed(f)) => ctx.done(format!(
                "application {app}: no service principal read ({}); it is named by its appId",
                f.status
                    .map_or_else(|| f.message.clone(), |s| format!("HTTP {s}"))
            )),
            Err(CallError::Fatal(e)) => return Err(e),
        }
        Ok::<_, FetchError>(())
    }))
    .await?;
    Ok(())
}

/// Whether a directory object is a group: by `@odata.type`, or (member lists sometimes omit it) by the
/// fields only groups have.
pub(crate) fn is_group(o: &Value) -> bool {
    match o.get("@odata.type").and_then(Value::as_str) {
        Some(t) => t
            .trim_start_matches('#')
            .eq_ignore_ascii_case("microsoft.graph.group"),
        None => {
            o.get("groupTypes").is_some_and(Value::is_array)
                || o.get("securityEnabled").is_some_and(Value::is_boolean)
        }
    }
}

fn object_id(o: &Value) -> Option<String> {
    o.get("id").and_then(Value::as_str).and_then(guid)
}

pub(crate) async fn directory(ctx: &Ctx<'_>, depth: u32) -> Result<(), FetchError> {
    let ids: Vec<String> = referenced_ids(ctx).into_iter().collect();
    if ids.is_empty() {
        return Ok(());
    }
    if !ctx.client.credentials().has(Endpoint::Graph) {
        let f = Failure {
            status: None,
            message: "no Microsoft Graph credential (set KVACCESS_GRAPH_TOKEN): principals and group memberships were not read".into(),
        };
        ctx.error("/", Section::Principals, &f);
        return Ok(());
    }
    let graph = ctx.client.cloud().microsoft_graph.clone();
    let found = get_by_ids(ctx, &ids, depth).await?;
    let apps = unnamed_apps(ctx);
    if !apps.is_empty() {
        app_principals(ctx, &graph, apps, depth + 2).await?;
    }
    // Groups among them (those typed in ARM are already being walked).
    ctx.found_groups(
        found.iter().filter(|o| is_group(o)).filter_map(object_id),
        depth + 1,
    );
    Ok(())
}

/// The directory objects of `ids`, 1000 a call, added to the principals; unreadable batches are recorded.
async fn get_by_ids(ctx: &Ctx<'_>, ids: &[String], depth: u32) -> Result<Vec<Value>, FetchError> {
    let graph = ctx.client.cloud().microsoft_graph.clone();
    let batches: Vec<&[String]> = ids.chunks(BATCH).collect();
    ctx.plan(batches.len());
    let found = futures::future::try_join_all(batches.iter().map(|batch| {
        let graph = graph.clone();
        async move {
            let url = match url_at(&graph, "v1.0/directoryObjects/getByIds", None, &[]) {
                Ok(u) => u,
                Err(f) => {
                    ctx.error("/", Section::Principals, &f);
                    return Ok(Vec::new());
                }
            };
            let body = json!({ "ids": batch, "types": ["user", "group", "servicePrincipal"] });
            let objects = match ctx
                .client
                .send(Endpoint::Graph, Method::POST, &url, Some(&body), depth + 1)
                .await
            {
                Ok(v) => match v.get("value").and_then(Value::as_array) {
                    Some(list) => list.clone(),
                    None => {
                        ctx.error(
                            "/",
                            Section::Principals,
                            &Failure {
                                status: None,
                                message: format!("{url}: the response has no `value` array"),
                            },
                        );
                        Vec::new()
                    }
                },
                Err(CallError::Failed(f)) => {
                    ctx.error("/", Section::Principals, &f);
                    Vec::new()
                }
                Err(CallError::Fatal(e)) => return Err(e),
            };
            ctx.done(format!(
                "directory: {} of {} object(s) found",
                objects.len(),
                batch.len()
            ));
            ctx.section(Section::Principals, "/", objects.clone());
            Ok::<_, FetchError>(objects)
        }
    }))
    .await?;
    Ok(found.into_iter().flatten().collect())
}

/// Looks up those of `ids` the directory data lacks (named by Entra role lists), and walks the members of
/// the groups among them. Returns the depth reached.
pub(crate) async fn describe(
    ctx: &Ctx<'_>,
    ids: BTreeSet<String>,
    depth: u32,
) -> Result<u32, FetchError> {
    let known: BTreeSet<String> =
        ctx.with_store(|s| s.items(Section::Principals).filter_map(object_id).collect());
    let missing: Vec<String> = ids
        .into_iter()
        .filter_map(|i| guid(&i))
        .filter(|i| !known.contains(i))
        .collect();
    if missing.is_empty() {
        return Ok(depth);
    }
    let found = get_by_ids(ctx, &missing, depth).await?;
    let groups: Vec<String> = found
        .iter()
        .filter(|o| is_group(o))
        .filter_map(object_id)
        .filter(|g| ctx.first_visit(g))
        .collect();
    futures::future::try_join_all(groups.into_iter().map(|g| walk(ctx, g, depth + 1))).await?;
    Ok(depth + 2)
}

/// Group ids that ARM objects name with their type (`principalType: Group`, deny principals of type
/// Group): their members can be listed before the directory lookup, shortening the critical path.
pub(crate) fn typed_groups(section: Section, items: &[Value]) -> Vec<String> {
    let group = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("group"))
    };
    let mut out = Vec::new();
    for item in items {
        match section {
            Section::RoleAssignments | Section::RoleEligibilities => {
                if group(item.pointer("/properties/principalType"))
                    && let Some(id) = item
                        .pointer("/properties/principalId")
                        .and_then(Value::as_str)
                        .and_then(guid)
                {
                    out.push(id);
                }
            }
            Section::DenyAssignments => {
                for list in ["principals", "excludePrincipals"] {
                    for p in item
                        .pointer(&format!("/properties/{list}"))
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        if group(p.get("type"))
                            && let Some(id) = p.get("id").and_then(Value::as_str).and_then(guid)
                        {
                            out.push(id);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Lists a group's members and, recursively, those of every group among them not walked yet.
pub(crate) fn walk<'a>(
    ctx: &'a Ctx<'a>,
    group: String,
    depth: u32,
) -> futures::future::BoxFuture<'a, Result<(), FetchError>> {
    use futures::FutureExt;
    async move {
        let graph = ctx.client.cloud().microsoft_graph.clone();
        ctx.plan(1);
        let (members, depth) = group_members(ctx, &graph, &group, depth).await?;
        let nested: Vec<String> = members
            .iter()
            .filter(|o| is_group(o))
            .filter_map(object_id)
            .filter(|id| ctx.first_visit(id))
            .collect();
        futures::future::try_join_all(nested.into_iter().map(|g| walk(ctx, g, depth))).await?;
        Ok(())
    }
    .boxed()
}

async fn group_members(
    ctx: &Ctx<'_>,
    graph: &reqwest::Url,
    group: &str,
    depth: u32,
) -> Result<(Vec<Value>, u32), FetchError> {
    let url = match url_at(
        graph,
        &format!("v1.0/groups/{group}/members"),
        None,
        &[("$select", MEMBER_FIELDS), ("$top", "999")],
    ) {
        Ok(u) => u,
        Err(f) => {
            ctx.error("/", Section::GroupMemberships, &f);
            return Ok((Vec::new(), depth));
        }
    };
    let listing = ctx.client.list(Endpoint::Graph, url, depth).await?;
    if let Some(f) = &listing.error {
        ctx.error(
            "/",
            Section::GroupMemberships,
            &Failure {
                status: f.status,
                message: format!("members of group {group}: {}", f.message),
            },
        );
    }
    let members: Vec<Value> = listing
        .items
        .into_iter()
        .filter(|m| object_id(m).is_some())
        .collect();
    let edges: Vec<Value> = members
        .iter()
        .filter_map(object_id)
        .map(|m| json!({ "groupId": group, "memberId": m }))
        .collect();
    ctx.section(Section::Principals, "/", members.clone());
    ctx.section(Section::GroupMemberships, "/", edges);
    ctx.done(format!("group {group}: {} member(s)", members.len()));
    Ok((members, listing.depth))
}
