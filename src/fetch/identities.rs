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

use serde_json::Value;

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
        let kept: Vec<Value> = listing.items.into_iter().filter(runs_as_identity).collect();
        ctx.done(format!(
            "{}: {} resource(s) with identities",
            ctx.name_of(sub),
            kept.len()
        ));
        ctx.hold(section, kept);
        Ok::<u32, FetchError>(listing.depth)
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
        let kept: Vec<Value> = listing
            .items
            .into_iter()
            .filter(|r| text(r, "id").is_some())
            .collect();
        ctx.done(format!(
            "{}: {} user-assigned identit(ies)",
            ctx.name_of(sub),
            kept.len()
        ));
        ctx.hold(section, kept);
        Ok::<u32, FetchError>(listing.depth)
    };
    let (a, b) = futures::try_join!(hosts, assigned)?;
    Ok(a.max(b))
}
