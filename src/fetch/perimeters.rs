//! Network Security Perimeters (`Microsoft.Network/networkSecurityPerimeters`, api-version 2024-07-01):
//! per subscription the perimeters (`NetworkSecurityPerimeters_ListBySubscription`), and per perimeter its
//! profiles (`NspProfiles_List`) with each profile's access rules (`NspAccessRules_List`) and its resource
//! associations (`NspAssociations_List`), assembled into the snapshot's `networkSecurityPerimeters` shape.
//!
//! A perimeter may associate a vault of any subscription, so a list that fails anywhere is a
//! `networkSecurityPerimeters` collection error, and the loader then answers `unknown` for the public
//! access of every vault no association read names. A profile whose access rules cannot be read is left
//! out, so the vaults associated through it are `unknown` too (never "no rule admits").

use serde_json::Value;

use super::arm::{read_list, text};
use super::client::Failure;
use super::{Ctx, FetchError, Section, api};

/// Whether `id` is an ARM id below a subscription that can be joined under the ARM endpoint as a path
/// (ids come from Azure's answers and must not lead elsewhere).
fn safe_child(id: &str, kind: &str) -> bool {
    let lower = id.to_ascii_lowercase();
    lower.starts_with("/subscriptions/")
        && lower.contains(kind)
        && !lower.contains("//")
        && !lower.contains("..")
        && !lower.contains(['?', '#', ':', '\\', '%'])
        && !lower.chars().any(char::is_control)
}

/// The perimeters of one subscription, each with its profiles, access rules and associations. Returns the
/// dependency depth reached.
pub(crate) async fn collect(ctx: &Ctx<'_>, sub: &str, depth: u32) -> Result<u32, FetchError> {
    let scope = format!("/subscriptions/{sub}");
    let scope = scope.as_str();
    let section = Section::NetworkSecurityPerimeters;
    ctx.plan(1);
    let listing = read_list(
        ctx,
        section,
        scope,
        &format!("{scope}/providers/Microsoft.Network/networkSecurityPerimeters"),
        api::NETWORK_SECURITY_PERIMETERS,
        &[],
        depth,
    )
    .await?;
    ctx.done(format!(
        "{}: {} network security perimeter(s)",
        ctx.name_of(sub),
        listing.items.len()
    ));
    let mut perimeters = Vec::new();
    for p in listing.items {
        match text(&p, "id") {
            Some(id)
                if safe_child(
                    id,
                    "/providers/microsoft.network/networksecurityperimeters/",
                ) =>
            {
                perimeters.push((id.to_string(), p));
            }
            _ => ctx.error(
                scope,
                section,
                &Failure::new(
                    None,
                    "a perimeter without a usable resource id was left out",
                ),
            ),
        }
    }
    let at = listing.depth;
    let read = futures::future::try_join_all(
        perimeters
            .into_iter()
            .map(|(id, p)| perimeter(ctx, id, p, at)),
    )
    .await?;
    Ok(read.into_iter().fold(at, u32::max))
}

/// One perimeter: its profiles (with their rules) and associations, read in parallel.
async fn perimeter(ctx: &Ctx<'_>, id: String, mut p: Value, depth: u32) -> Result<u32, FetchError> {
    let section = Section::NetworkSecurityPerimeters;
    ctx.plan(2);
    let name = id.rsplit('/').next().unwrap_or_default().to_string();
    let profiles = async {
        let listing = read_list(
            ctx,
            section,
            &id,
            &format!("{id}/profiles"),
            api::NETWORK_SECURITY_PERIMETERS,
            &[],
            depth,
        )
        .await?;
        ctx.done(format!(
            "perimeter {name}: {} profile(s)",
            listing.items.len()
        ));
        let at = listing.depth;
        let with_rules = futures::future::try_join_all(
            listing
                .items
                .into_iter()
                .map(|profile| access_rules(ctx, &id, profile, at)),
        )
        .await?;
        let d = with_rules.iter().map(|(_, d)| *d).fold(at, u32::max);
        let kept: Vec<Value> = with_rules.into_iter().filter_map(|(p, _)| p).collect();
        Ok::<_, FetchError>((kept, d))
    };
    let associations = async {
        let listing = read_list(
            ctx,
            section,
            &id,
            &format!("{id}/resourceAssociations"),
            api::NETWORK_SECURITY_PERIMETERS,
            &[],
            depth,
        )
        .await?;
        ctx.done(format!(
            "perimeter {name}: {} resource association(s)",
            listing.items.len()
        ));
        Ok::<_, FetchError>((listing.items, listing.depth))
    };
    let ((profiles, d1), (associations, d2)) = futures::try_join!(profiles, associations)?;
    p["profiles"] = Value::Array(profiles);
    p["resourceAssociations"] = Value::Array(associations);
    ctx.hold(section, vec![p]);
    Ok(d1.max(d2))
}

/// A profile with its access rules under `accessRules`; `None` (left out) when they cannot be read.
async fn access_rules(
    ctx: &Ctx<'_>,
    perimeter: &str,
    mut profile: Value,
    depth: u32,
) -> Result<(Option<Value>, u32), FetchError> {
    let section = Section::NetworkSecurityPerimeters;
    let Some(id) = text(&profile, "id")
        .filter(|id| safe_child(id, "/profiles/"))
        .map(str::to_string)
    else {
        ctx.error(
            perimeter,
            section,
            &Failure::new(None, "a profile without a usable resource id was left out"),
        );
        return Ok((None, depth));
    };
    ctx.plan(1);
    let listing = read_list(
        ctx,
        section,
        perimeter,
        &format!("{id}/accessRules"),
        api::NETWORK_SECURITY_PERIMETERS,
        &[],
        depth,
    )
    .await?;
    ctx.done(format!(
        "profile {}: {} access rule(s)",
        id.rsplit('/').next().unwrap_or_default(),
        listing.items.len()
    ));
    if listing.error.is_some() {
        return Ok((None, listing.depth));
    }
    profile["accessRules"] = Value::Array(listing.items);
    Ok((Some(profile), listing.depth))
}
