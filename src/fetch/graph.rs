//! Microsoft Graph: every principal the collected objects name (`directoryObjects/getByIds`, 1000 ids a
//! call) and the direct members of every group among them, transitively (`groups/{id}/members`, paged).

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use super::client::{CallError, Failure};
use super::{Ctx, FetchError, Plane, Section, url_at};
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

/// Whether a directory object is a group: by `@odata.type`, or (member lists sometimes omit it) by the
/// fields only groups have.
fn is_group(o: &Value) -> bool {
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
    if !ctx.client.credentials().has(Plane::Graph) {
        let f = Failure {
            status: None,
            message: "no Microsoft Graph credential (set KVACCESS_GRAPH_TOKEN): principals and group memberships were not read".into(),
        };
        ctx.error("/", Section::Principals, &f);
        return Ok(());
    }
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
                .send(Plane::Graph, Method::POST, &url, Some(&body), depth + 1)
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
    // Groups among them (those typed in ARM are already being walked).
    ctx.found_groups(
        found
            .iter()
            .flatten()
            .filter(|o| is_group(o))
            .filter_map(object_id),
        depth + 1,
    );
    Ok(())
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
    let listing = ctx.client.list(Plane::Graph, url, depth).await?;
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
