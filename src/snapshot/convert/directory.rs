//! Directory objects (users, groups, service principals, managed identities) and group memberships.

use rustc_hash::FxHashMap;

use super::{At, Ctx, guid_id};
use crate::model::*;
use crate::snapshot::raw::*;

fn principal_kind(odata_type: Option<&str>, p: &RawPrincipal) -> PrincipalKind {
    let odata = odata_type.map_or("", |t| t.trim_start_matches('#'));
    let is = |name: &str| odata.eq_ignore_ascii_case(name);
    if is("microsoft.graph.user") {
        return PrincipalKind::User;
    }
    if is("microsoft.graph.group") {
        return PrincipalKind::Group;
    }
    if is("microsoft.graph.serviceprincipal") {
        let mi = p
            .service_principal_type
            .get()
            .is_some_and(|t| t.eq_ignore_ascii_case("ManagedIdentity"));
        return if mi {
            PrincipalKind::ManagedIdentity
        } else {
            PrincipalKind::ServicePrincipal
        };
    }
    // `directoryObject` or no type at all: infer from the fields Graph returns for each kind.
    if p.service_principal_type
        .get()
        .is_some_and(|t| t.eq_ignore_ascii_case("ManagedIdentity"))
    {
        PrincipalKind::ManagedIdentity
    } else if p.app_id.get().is_some() || p.service_principal_type.get().is_some() {
        PrincipalKind::ServicePrincipal
    } else if p.user_principal_name.get().is_some() {
        PrincipalKind::User
    } else if p.security_enabled.get().is_some() || p.group_types.get().is_some() {
        PrincipalKind::Group
    } else {
        PrincipalKind::Unknown
    }
}

pub(super) fn principals(list: List<RawPrincipal>, ctx: &mut Ctx) -> Vec<Principal> {
    let mut out: Vec<Principal> = Vec::new();
    // Lower-cased id → index in `list`, for the duplicate warning.
    let mut seen: FxHashMap<String, usize> = FxHashMap::default();
    let top = At::Top(Section::Principals.key());
    let items = ctx.items(list, &top, "an object");
    out.reserve(items.len());
    seen.reserve(items.len());
    for (i, p) in items {
        let path = top.index(i);
        // Read before the fields move out: the kind is inferred from which of them are present.
        let odata_type = p
            .odata_type
            .get()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty());
        let kind = principal_kind(odata_type, &p);
        let RawPrincipal {
            odata_type,
            id: raw_id,
            display_name,
            user_principal_name,
            mail,
            app_id,
            service_principal_type,
            security_enabled,
            ..
        } = p;
        ctx.opt_text(odata_type, &path.key("@odata.type"));
        let display_name = ctx.opt_text(display_name, &path.key("displayName"));
        let upn = ctx.opt_text(user_principal_name, &path.key("userPrincipalName"));
        let app_id = ctx.opt_text(app_id, &path.key("appId")).map(guid_id);
        ctx.opt_text(mail, &path.key("mail"));
        ctx.opt_text(service_principal_type, &path.key("servicePrincipalType"));
        ctx.opt_bool(security_enabled, &path.key("securityEnabled"));
        let id_wrong = raw_id.wrong().is_some();
        let Some(id) = ctx.opt_text(raw_id, &path.key("id")) else {
            if !id_wrong {
                ctx.warn(&path.key("id"), "directory object without an id; skipped");
            }
            continue;
        };
        let id = guid_id(id);
        if let Some(&first) = seen.get(&id) {
            ctx.warn(
                &path.key("id"),
                format!(
                    "id {id} already used by {}; this entry is ignored",
                    top.index(first)
                ),
            );
            continue;
        }
        seen.insert(id.clone(), i);
        out.push(Principal {
            display_name: display_name
                .or_else(|| upn.clone())
                .unwrap_or_else(|| id.clone()),
            user_principal_name: upn,
            app_id,
            kind,
            id,
        });
    }
    out
}

pub(super) fn group_memberships(
    list: List<RawGroupMembership>,
    ctx: &mut Ctx,
) -> Vec<GroupMembership> {
    let mut out = Vec::new();
    let top = At::Top(Section::GroupMemberships.key());
    let items = ctx.items(list, &top, "an object");
    out.reserve(items.len());
    for (i, m) in items {
        let path = top.index(i);
        let group = ctx.req_text(m.group_id, &path.key("groupId"));
        let member = ctx.req_text(m.member_id, &path.key("memberId"));
        if let (Some(g), Some(m)) = (group, member) {
            out.push(GroupMembership {
                group_id: guid_id(g),
                member_id: guid_id(m),
            });
        }
    }
    out
}
