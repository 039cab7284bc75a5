//! ARM resources that run code as managed identities, for the attack-path hops (`identityResources`): per
//! subscription one generic resource list (`Resources_List`, api-version 2021-04-01, which carries each
//! resource's `identity`), kept to the kinds a hop knows how to run code on, and the user-assigned
//! identities themselves (`UserAssignedIdentities_ListBySubscription`, 2023-01-31, whose object id is
//! `properties.principalId`).
//!
//! `Resources_List` documents `$filter=resourceType eq '…'` for one type; combining several types with
//! `or` is not documented, so the list is read whole (1000 resources a page) and filtered here: one paged
//! request per subscription instead of one per type. A failure leaves the whole section out (missing, so
//! paths through it are unknown), with the collection error saying where.
//!
//! The generic list carries no `properties`, so two more reads fill what the hops need:
//! * where it lists an AKS cluster, `ManagedClusters_List` (2024-08-01) for the subscription, whose
//!   `properties.identityProfile.kubeletidentity` names the identity the cluster's nodes run as (only that
//!   part of the properties is kept);
//! * for each user-assigned identity, `FederatedIdentityCredentials_List`
//!   (`…/userAssignedIdentities/{name}/federatedIdentityCredentials`, 2023-01-31, paged), kept under the
//!   identity's `federatedIdentityCredentials`.

use serde_json::{Value, json};

use super::arm::{read_list, text};
use super::{Ctx, FetchError, Section, api};

/// The ARM types whose code runs as their identities (`paths::compute`), lower-cased.
const HOSTS: [&str; 7] = [
    "microsoft.compute/virtualmachines",
    "microsoft.compute/virtualmachinescalesets",
    "microsoft.web/sites",
    "microsoft.automation/automationaccounts",
    "microsoft.logic/workflows",
    "microsoft.containerservice/managedclusters",
    "microsoft.containerregistry/registries",
];

/// Whether a listed resource runs code as an identity it holds.
fn runs_as_identity(r: &Value) -> bool {
    let kind = text(r, "type").map(str::to_ascii_lowercase);
    kind.is_some_and(|k| HOSTS.contains(&k.as_str()))
        && r.get("identity").is_some_and(Value::is_object)
        && text(r, "id").is_some()
}

/// The subscription's identity-bearing resources and user-assigned identities. Returns the depth reached.
pub(crate) async fn collect(ctx: &Ctx<'_>, sub: &str, depth: u32) -> Result<u32, FetchError> {
    let scope = format!("/subscriptions/{sub}");
    let scope = scope.as_str();
    let section = Section::IdentityResources;
    ctx.plan(2);
    let hosts = async {
        let listing = read_list(
            ctx,
            section,
            scope,
            &format!("{scope}/resources"),
            api::RESOURCES,
            &[],
            depth,
        )
        .await?;
        let mut kept: Vec<Value> = listing.items.into_iter().filter(runs_as_identity).collect();
        ctx.done(format!(
            "{}: {} resource(s) with identities",
            ctx.name_of(sub),
            kept.len()
        ));
        let depth = with_kubelets(ctx, scope, &mut kept, listing.depth).await?;
        ctx.hold(section, kept);
        Ok::<u32, FetchError>(depth)
    };
    let assigned = async {
        let listing = read_list(
            ctx,
            section,
            scope,
            &format!("{scope}/providers/Microsoft.ManagedIdentity/userAssignedIdentities"),
            api::MANAGED_IDENTITY,
            &[],
            depth,
        )
        .await?;
        let mut kept: Vec<Value> = listing
            .items
            .into_iter()
            .filter(|r| text(r, "id").is_some())
            .collect();
        ctx.done(format!(
            "{}: {} user-assigned identit(ies)",
            ctx.name_of(sub),
            kept.len()
        ));
        let depth = with_federated(ctx, scope, &mut kept, listing.depth).await?;
        ctx.hold(section, kept);
        Ok::<u32, FetchError>(depth)
    };
    let (a, b) = futures::try_join!(hosts, assigned)?;
    Ok(a.max(b))
}

const CLUSTER_KIND: &str = "microsoft.containerservice/managedclusters";

/// Fills each listed AKS cluster's kubelet identity from the subscription's cluster list. Returns the depth
/// reached.
async fn with_kubelets(
    ctx: &Ctx<'_>,
    scope: &str,
    kept: &mut [Value],
    depth: u32,
) -> Result<u32, FetchError> {
    let is_cluster =
        |r: &Value| text(r, "type").is_some_and(|t| t.eq_ignore_ascii_case(CLUSTER_KIND));
    if !kept.iter().any(is_cluster) {
        return Ok(depth);
    }
    ctx.plan(1);
    let listing = read_list(
        ctx,
        Section::IdentityResources,
        scope,
        &format!("{scope}/providers/Microsoft.ContainerService/managedClusters"),
        api::MANAGED_CLUSTERS,
        &[],
        depth,
    )
    .await?;
    ctx.done(format!(
        "{}: {} AKS cluster(s)",
        ctx.name_of(scope.trim_start_matches("/subscriptions/")),
        listing.items.len()
    ));
    for cluster in &listing.items {
        let (Some(id), Some(kubelet)) = (
            text(cluster, "id"),
            cluster.pointer("/properties/identityProfile/kubeletidentity"),
        ) else {
            continue;
        };
        for r in kept.iter_mut().filter(|r| is_cluster(r)) {
            if text(r, "id").is_some_and(|i| i.eq_ignore_ascii_case(id)) {
                r["properties"] = json!({ "identityProfile": { "kubeletidentity": kubelet } });
            }
        }
    }
    Ok(listing.depth)
}

/// Reads each user-assigned identity's federated identity credentials into it. Returns the depth reached.
async fn with_federated(
    ctx: &Ctx<'_>,
    scope: &str,
    identities: &mut [Value],
    depth: u32,
) -> Result<u32, FetchError> {
    ctx.plan(identities.len());
    let lists = futures::future::try_join_all(identities.iter().map(|u| async move {
        let id = text(u, "id").unwrap_or_default();
        let listing = read_list(
            ctx,
            Section::IdentityResources,
            scope,
            &format!("{id}/federatedIdentityCredentials"),
            api::MANAGED_IDENTITY,
            &[],
            depth,
        )
        .await?;
        ctx.done(format!(
            "{}: {} federated credential(s)",
            text(u, "name").unwrap_or(id),
            listing.items.len()
        ));
        Ok::<_, FetchError>(listing)
    }))
    .await?;
    let mut reached = depth;
    for (u, listing) in identities.iter_mut().zip(lists) {
        reached = reached.max(listing.depth);
        u["federatedIdentityCredentials"] = Value::Array(listing.items);
    }
    Ok(reached)
}
