//! The optional `networkSecurityPerimeters` section, and each vault's link to the perimeter that names it.

use ipnet::IpNet;

use super::{At, Ctx, guid_id, lower};
use crate::eval::UnknownBecause;
use crate::model::perimeter::*;
use crate::model::vault::IpRule;
use crate::model::{Section, Snapshot, Topic};
use crate::snapshot::lenient::Field;
use crate::snapshot::raw::*;

/// The section's perimeters; `None` when the file does not have the section (absent or `null`).
pub(super) fn perimeters(
    list: List<RawPerimeter>,
    ctx: &mut Ctx,
) -> Option<Vec<NetworkSecurityPerimeter>> {
    if matches!(list, Field::Absent | Field::Null) {
        return None;
    }
    let top = At::Top("networkSecurityPerimeters");
    let mut out = Vec::new();
    for (i, p) in ctx.items(list, &top, "an object") {
        let path = top.index(i);
        let Some(id) = ctx.req_text(p.id, &path.key("id")).map(lower) else {
            continue;
        };
        let name = ctx
            .opt_text(p.name, &path.key("name"))
            .unwrap_or_else(|| id.rsplit('/').next().unwrap_or_default().to_string());
        let ppath = path.key("profiles");
        let profiles = ctx
            .items(p.profiles, &ppath, "an object")
            .filter_map(|(k, raw)| profile(raw, &ppath.index(k), ctx))
            .collect();
        let apath = path.key("resourceAssociations");
        let associations = ctx
            .items(p.resource_associations, &apath, "an object")
            .filter_map(|(k, raw)| association(raw, &apath.index(k), ctx))
            .collect();
        out.push(NetworkSecurityPerimeter {
            id,
            name,
            profiles,
            associations,
        });
    }
    Some(out)
}

fn profile(p: RawPerimeterProfile, path: &At, ctx: &mut Ctx) -> Option<PerimeterProfile> {
    let id = ctx.req_text(p.id, &path.key("id")).map(lower)?;
    let name = ctx
        .opt_text(p.name, &path.key("name"))
        .unwrap_or_else(|| id.rsplit('/').next().unwrap_or_default().to_string());
    let rpaths = path.key("accessRules");
    let mut inbound = Vec::new();
    for (k, r) in ctx.items(p.access_rules, &rpaths, "an object") {
        let rpath = rpaths.index(k);
        let name = ctx.opt_text(r.name, &rpath.key("name")).unwrap_or_default();
        let prpath = rpath.key("properties");
        let Some(props) = ctx.opt(r.properties, &prpath, "an object") else {
            continue;
        };
        let direction = ctx.opt_text(props.direction, &prpath.key("direction"));
        if !direction.is_some_and(|d| d.eq_ignore_ascii_case("inbound")) {
            continue; // outbound rules do not decide who may call the vault
        }
        let apath = prpath.key("addressPrefixes");
        let address_prefixes = ctx
            .strings(props.address_prefixes, &apath)
            .into_iter()
            .enumerate()
            .map(|(n, text)| {
                let net = prefix(&text);
                if net.is_none() {
                    ctx.warn(
                        &apath.index(n),
                        format!("'{text}' is not an address prefix; it admits nothing"),
                    );
                }
                IpRule { text, net }
            })
            .collect();
        let spath = prpath.key("subscriptions");
        let subscriptions = ctx
            .items(props.subscriptions, &spath, "an object")
            .filter_map(|(n, s)| ctx.opt_text(s.id, &spath.index(n).key("id")))
            .map(|id| {
                guid_id(
                    id.trim_end_matches('/')
                        .rsplit('/')
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                )
            })
            .collect();
        inbound.push(InboundRule {
            name,
            address_prefixes,
            subscriptions,
        });
    }
    Some(PerimeterProfile { id, name, inbound })
}

/// An IPv4 or IPv6 address or CIDR prefix.
fn prefix(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .map(|n| n.trunc())
        .ok()
        .or_else(|| text.parse::<std::net::IpAddr>().ok().map(IpNet::from))
}

fn association(
    a: RawPerimeterAssociation,
    path: &At,
    ctx: &mut Ctx,
) -> Option<PerimeterAssociation> {
    let name = ctx.opt_text(a.name, &path.key("name")).unwrap_or_default();
    let ppath = path.key("properties");
    let props = ctx.required(a.properties, &ppath, "an object", "missing")?;
    let rpath = ppath.key("privateLinkResource");
    let resource_id = ctx
        .required(props.private_link_resource, &rpath, "an object", "missing")
        .and_then(|r| ctx.req_text(r.id, &rpath.key("id")))
        .map(lower)?;
    let fpath = ppath.key("profile");
    let profile_id = ctx
        .opt(props.profile, &fpath, "an object")
        .and_then(|r| ctx.opt_text(r.id, &fpath.key("id")))
        .map(lower);
    // Learning is the default access mode when none is written.
    let access_mode = ctx
        .opt_text(props.access_mode, &ppath.key("accessMode"))
        .map_or(AccessMode::Learning, |m| AccessMode::parse(&m));
    Some(PerimeterAssociation {
        name,
        resource_id,
        profile_id,
        access_mode,
    })
}

/// Sets each vault's [`PerimeterLink`] from the perimeters' associations. A vault that no association read
/// names is unknown, not "none", while a `networkSecurityPerimeters` collection error stands: a perimeter in
/// a subscription that could not be listed may cover a vault in any subscription.
pub(super) fn link(snapshot: &mut Snapshot) {
    let gap = snapshot
        .collection_errors
        .iter()
        .find(|e| e.is_about(&Topic::Section(Section::NetworkSecurityPerimeters)))
        .map(|e| UnknownBecause::from_error(e, e.scope.id().to_string()).to_string());
    let Some(perimeters) = &snapshot.perimeters else {
        if let Some(why) = gap {
            for vault in &mut snapshot.vaults {
                vault.network.perimeter = PerimeterLink::Unreadable(why.clone());
            }
        }
        return;
    };
    for vault in &mut snapshot.vaults {
        let id = vault.scope.id().trim_end_matches('/').to_ascii_lowercase();
        let found = perimeters.iter().find_map(|p| {
            p.associations
                .iter()
                .find(|a| a.resource_id.trim_end_matches('/') == id)
                .map(|a| (p, a))
        });
        vault.network.perimeter = match found {
            None => match &gap {
                Some(why) => PerimeterLink::Unreadable(why.clone()),
                None => PerimeterLink::None,
            },
            Some((p, a)) => PerimeterLink::Associated {
                perimeter: p.name.clone(),
                mode: a.access_mode.clone(),
                profile: a
                    .profile_id
                    .as_ref()
                    .and_then(|pid| p.profiles.iter().find(|x| &x.id == pid))
                    .cloned(),
            },
        };
    }
}
