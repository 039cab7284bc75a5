//! Azure Resource Manager: management groups, subscriptions and, per subscription, resource groups,
//! vaults, role definitions, role assignments, deny assignments and PIM eligibilities.

use std::collections::HashSet;

use futures::channel::mpsc::UnboundedSender;
use reqwest::Method;
use serde_json::Value;

use super::client::{CallError, Failure, Listing};
use super::{Ctx, Endpoint, FetchError, Section, api, url_at};
use crate::model::{Scope, ScopeKind};

pub(crate) fn text<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// One ARM list: errors are recorded for `scope`/`section`, the items returned.
pub(crate) async fn read_list(
    ctx: &Ctx<'_>,
    section: Section,
    scope: &str,
    path: &str,
    api_version: &str,
    extra: &[(&str, &str)],
    depth: u32,
) -> Result<Listing, FetchError> {
    let url = match url_at(
        &ctx.client.cloud().resource_manager,
        path,
        Some(api_version),
        extra,
    ) {
        Ok(u) => u,
        Err(f) => {
            ctx.error(scope, section, &f);
            return Ok(Listing {
                depth,
                ..Listing::default()
            });
        }
    };
    let listing = ctx.client.list(Endpoint::Arm, url, depth).await?;
    if let Some(f) = &listing.error {
        ctx.error(scope, section, f);
    }
    Ok(listing)
}

/// One ARM object by id.
async fn read_one(
    ctx: &Ctx<'_>,
    id: &str,
    api_version: &str,
    extra: &[(&str, &str)],
    depth: u32,
) -> Result<Result<Value, Failure>, FetchError> {
    let url = match url_at(
        &ctx.client.cloud().resource_manager,
        id,
        Some(api_version),
        extra,
    ) {
        Ok(u) => u,
        Err(f) => return Ok(Err(f)),
    };
    match ctx
        .client
        .send(Endpoint::Arm, Method::GET, &url, None, depth)
        .await
    {
        Ok(v) if v.is_object() => Ok(Ok(v)),
        Ok(_) => Ok(Err(Failure {
            status: None,
            message: format!("{url}: the response is not an object"),
        })),
        Err(CallError::Failed(f)) => Ok(Err(f)),
        Err(CallError::Fatal(e)) => Err(e),
    }
}

/// Every subscription the identity can see. Returns their ids and the depth reached.
pub(crate) async fn list_subscriptions(ctx: &Ctx<'_>) -> Result<(Vec<String>, u32), FetchError> {
    ctx.plan(1);
    let listing = read_list(
        ctx,
        Section::Subscriptions,
        "/",
        "subscriptions",
        api::SUBSCRIPTIONS,
        &[],
        0,
    )
    .await?;
    let mut ids = Vec::new();
    let mut seen = HashSet::new();
    for s in &listing.items {
        let id = text(s, "subscriptionId").map(str::to_string).or_else(|| {
            text(s, "id").and_then(|id| {
                Scope::parse(id)
                    .ok()
                    .and_then(|sc| sc.subscription().map(str::to_string))
            })
        });
        if let Some(id) = id {
            let id = id.to_ascii_lowercase();
            if let Some(name) = text(s, "displayName") {
                ctx.remember_name(&id, name);
            }
            if seen.insert(id.clone()) {
                ids.push(id);
            }
        }
    }
    let n = ids.len();
    ctx.section(Section::Subscriptions, "/", listing.items);
    ctx.done(format!("{n} subscription(s)"));
    Ok((ids, listing.depth))
}

/// The records of subscriptions named on the command line.
pub(crate) async fn get_subscriptions(ctx: &Ctx<'_>, ids: &[String]) -> Result<u32, FetchError> {
    ctx.plan(ids.len());
    futures::future::try_join_all(ids.iter().map(|id| async move {
        let scope = format!("/subscriptions/{id}");
        match read_one(ctx, &scope, api::SUBSCRIPTIONS, &[], 1).await? {
            Ok(v) => {
                if let Some(name) = text(&v, "displayName") {
                    ctx.remember_name(id, name);
                }
                ctx.section(Section::Subscriptions, &scope, vec![v]);
            }
            Err(f) => ctx.error(&scope, Section::Subscriptions, &f),
        }
        ctx.done(format!("subscription {}", ctx.name_of(id)));
        Ok::<(), FetchError>(())
    }))
    .await?;
    Ok(1)
}

/// The management-group hierarchy: the list, then each group with `$expand=children` (its parent and the
/// groups and subscriptions directly below it), stored in ARM's shape, which the loader reads. Returns the
/// dependency depth reached.
pub(crate) async fn management_groups(ctx: &Ctx<'_>) -> Result<u32, FetchError> {
    ctx.plan(1);
    let listing = read_list(
        ctx,
        Section::ManagementGroups,
        "/",
        "providers/Microsoft.Management/managementGroups",
        api::MANAGEMENT_GROUPS,
        &[],
        0,
    )
    .await?;
    let groups: Vec<(String, Value)> = listing
        .items
        .iter()
        .filter_map(|g| {
            let id = text(g, "id")?;
            let scope = Scope::parse(id).ok()?;
            (scope.kind() == ScopeKind::ManagementGroup)
                .then(|| (scope.id().to_string(), g.clone()))
        })
        .collect();
    ctx.done(format!("{} management group(s)", groups.len()));
    ctx.plan(groups.len());
    let depth = listing.depth;
    futures::future::try_join_all(groups.iter().map(|(id, listed)| async move {
        match read_one(
            ctx,
            id,
            api::MANAGEMENT_GROUPS,
            &[("$expand", "children")],
            depth + 1,
        )
        .await?
        {
            Ok(v) => ctx.section(Section::ManagementGroups, id, vec![v]),
            Err(f) => {
                ctx.error(id, Section::ManagementGroups, &f);
                // Keep the group itself; only its place in the tree is unknown.
                ctx.section(Section::ManagementGroups, id, vec![listed.clone()]);
            }
        }
        ctx.done(format!(
            "management group {}",
            id.rsplit('/').next().unwrap_or(id)
        ));
        Ok::<(), FetchError>(())
    }))
    .await?;
    Ok(if groups.is_empty() { depth } else { depth + 1 })
}

/// Everything below one subscription. Vaults are handed to `vaults_out` (for their items) as soon as
/// their properties are complete. Returns the dependency depth reached.
pub(crate) async fn subscription_contents(
    ctx: &Ctx<'_>,
    sub: &str,
    depth: u32,
    vaults_out: Option<UnboundedSender<(Value, u32)>>,
) -> Result<u32, FetchError> {
    let scope = format!("/subscriptions/{sub}");
    let scope = scope.as_str();
    ctx.plan(6);
    let simple = |section: Section,
                  path: String,
                  api_version: &'static str,
                  filter: Option<&'static str>,
                  what: &'static str| async move {
        let extra: Vec<(&str, &str)> = filter.map(|f| vec![("$filter", f)]).unwrap_or_default();
        let listing = read_list(ctx, section, scope, &path, api_version, &extra, depth).await?;
        ctx.found_groups(
            super::graph::typed_groups(section, &listing.items),
            listing.depth,
        );
        let n = listing.items.len();
        ctx.section(section, scope, listing.items);
        ctx.done(format!("{}: {n} {what}", ctx.name_of(sub)));
        Ok::<u32, FetchError>(listing.depth)
    };
    let authz = |kind: &str| format!("{scope}/providers/Microsoft.Authorization/{kind}");
    let (a, b, c, d, e, f, g, h) = futures::try_join!(
        simple(
            Section::ResourceGroups,
            format!("{scope}/resourcegroups"),
            api::RESOURCE_GROUPS,
            None,
            "resource group(s)"
        ),
        vaults(ctx, sub, scope, depth, vaults_out),
        simple(
            Section::RoleDefinitions,
            authz("roleDefinitions"),
            api::AUTHORIZATION,
            Some("atScopeAndBelow()"),
            "role definition(s)"
        ),
        simple(
            Section::RoleAssignments,
            authz("roleAssignments"),
            api::AUTHORIZATION,
            None,
            "role assignment(s)"
        ),
        simple(
            Section::DenyAssignments,
            authz("denyAssignments"),
            api::AUTHORIZATION,
            None,
            "deny assignment(s)"
        ),
        simple(
            Section::RoleEligibilities,
            authz("roleEligibilityScheduleInstances"),
            api::PIM,
            None,
            "PIM eligibility instance(s)"
        ),
        super::perimeters::collect(ctx, sub, depth),
        super::identities::collect(ctx, sub, depth),
    )?;
    Ok([b, c, d, e, f, g, h].into_iter().fold(a, u32::max))
}

fn is_vault(v: &Value) -> bool {
    text(v, "type").is_none_or(|t| t.eq_ignore_ascii_case("Microsoft.KeyVault/vaults"))
}

/// `Vaults_ListBySubscription`. Its `nextLink` may lead to the generic resource list, whose items carry no
/// properties; those vaults are then read one by one (`Vaults_Get`).
async fn vaults(
    ctx: &Ctx<'_>,
    sub: &str,
    scope: &str,
    depth: u32,
    out: Option<UnboundedSender<(Value, u32)>>,
) -> Result<u32, FetchError> {
    let listing = read_list(
        ctx,
        Section::Vaults,
        scope,
        &format!("{scope}/providers/Microsoft.KeyVault/vaults"),
        api::KEY_VAULT,
        &[],
        depth,
    )
    .await?;
    let mut complete = Vec::new();
    let mut partial = Vec::new();
    let mut seen = HashSet::new();
    for v in listing.items {
        let Some(id) = text(&v, "id").map(str::to_string) else {
            complete.push(v); // the loader reports it
            continue;
        };
        if !is_vault(&v) || !seen.insert(id.to_ascii_lowercase()) {
            continue;
        }
        if v.get("properties").is_some_and(Value::is_object) {
            complete.push(v);
        } else {
            partial.push(id);
        }
    }
    let n = complete.len() + partial.len();
    let mut vault_depth = listing.depth;
    if !partial.is_empty() {
        ctx.plan(partial.len());
        let fetched = futures::future::try_join_all(partial.iter().map(|id| async move {
            let got = read_one(ctx, id, api::KEY_VAULT, &[], listing.depth + 1).await?;
            ctx.done(format!("vault {}", id.rsplit('/').next().unwrap_or(id)));
            Ok::<_, FetchError>((id, got))
        }))
        .await?;
        vault_depth += 1;
        for (id, got) in fetched {
            match got {
                Ok(v) => complete.push(v),
                Err(f) => {
                    let at = Scope::parse(id)
                        .ok()
                        .filter(|s| s.kind() == ScopeKind::Vault)
                        .map_or_else(|| scope.to_string(), |s| s.id().to_string());
                    ctx.error(&at, Section::Vaults, &f);
                }
            }
        }
    }
    if let Some(tx) = &out {
        for v in &complete {
            let _ = tx.unbounded_send((v.clone(), vault_depth));
        }
    }
    ctx.section(Section::Vaults, scope, complete);
    ctx.done(format!("{}: {n} vault(s)", ctx.name_of(sub)));
    Ok(vault_depth)
}
