//! Role definitions, role assignments (and PIM eligibilities) and deny assignments.

use rustc_hash::FxHashSet;

use super::seen::SeenIds;
use super::{At, Ctx, guid_id};
use crate::model::pattern::ActionPattern;
use crate::model::role::trailing_guid;
use crate::model::*;
use crate::snapshot::raw::*;

pub(super) fn role_definitions(
    list: List<RawRoleDefinition>,
    ctx: &mut Ctx,
) -> Vec<RoleDefinition> {
    let mut out = Vec::new();
    let mut seen = FxHashSet::default();
    let top = At::Top(Section::RoleDefinitions.key());
    for (i, d) in ctx.items(list, &top, "an object") {
        let path = top.index(i);
        let id = ctx.opt_text(d.id, &path.key("id"));
        let name = ctx.opt_text(d.name, &path.key("name"));
        let Some(id) = id.or(name) else {
            ctx.problem(&path.key("id"), "missing (neither id nor name given)");
            continue;
        };
        let guid = trailing_guid(&id);
        if !seen.insert(guid.clone()) {
            continue; // the same definition listed at several scopes
        }
        let ppath = path.key("properties");
        let Some(p) = ctx.required(d.properties, &ppath, "an object", "missing") else {
            continue;
        };
        out.push(RoleDefinition {
            role_name: ctx
                .opt_text(p.role_name, &ppath.key("roleName"))
                .unwrap_or_else(|| guid.clone()),
            built_in: ctx
                .opt_text(p.role_type, &ppath.key("type"))
                .is_some_and(|t| t.eq_ignore_ascii_case("BuiltInRole")),
            description: ctx
                .opt_text(p.description, &ppath.key("description"))
                .unwrap_or_default(),
            assignable_scopes: ctx.strings(p.assignable_scopes, &ppath.key("assignableScopes")),
            permissions: permissions(p.permissions, &ppath.key("permissions"), ctx),
            id,
            guid,
        });
    }
    out
}

fn permissions(list: List<RawPermission>, path: &At, ctx: &mut Ctx) -> Vec<Permission> {
    let mut out = Vec::new();
    for (i, p) in ctx.items(list, path, "an object") {
        let ppath = path.index(i);
        let mut patterns = |l: List<String>, name: &'static str| -> Vec<ActionPattern> {
            ctx.strings(l, &ppath.key(name))
                .iter()
                .map(|s| ActionPattern::new(s))
                .collect()
        };
        let actions = patterns(p.actions, "actions");
        let not_actions = patterns(p.not_actions, "notActions");
        let data_actions = patterns(p.data_actions, "dataActions");
        let not_data_actions = patterns(p.not_data_actions, "notDataActions");
        let condition = ctx.opt_text(p.condition, &ppath.key("condition"));
        ctx.opt_text(p.condition_version, &ppath.key("conditionVersion"));
        out.push(Permission {
            actions,
            not_actions,
            data_actions,
            not_data_actions,
            condition,
        });
    }
    out
}

/// The scope an assignment sits at, read from its id when `properties.scope` is absent.
pub(super) fn scope_from_id(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let at = lower.rfind("/providers/microsoft.authorization/")?;
    Some(if at == 0 {
        "/".to_string()
    } else {
        id[..at].to_string()
    })
}

pub(super) fn deny_assignments(
    list: List<RawDenyAssignment>,
    ctx: &mut Ctx,
) -> Vec<DenyAssignment> {
    let mut out: Vec<DenyAssignment> = Vec::new();
    let mut seen = SeenIds::default();
    let top = At::Top(Section::DenyAssignments.key());
    for (i, d) in ctx.items(list, &top, "an object") {
        let path = top.index(i);
        let Some(id) = ctx.req_text(d.id, &path.key("id")) else {
            continue;
        };
        let ppath = path.key("properties");
        let Some(p) = ctx.required(d.properties, &ppath, "an object", "missing") else {
            continue;
        };
        let Some(scope_text) = ctx
            .opt_text(p.scope, &ppath.key("scope"))
            .or_else(|| scope_from_id(&id))
        else {
            ctx.problem(&ppath.key("scope"), "missing");
            continue;
        };
        let Some(scope) = ctx.scope(&scope_text, &ppath.key("scope"), &[]) else {
            continue;
        };
        let principals = deny_principals(p.principals, &ppath.key("principals"), ctx);
        let exclude_principals =
            deny_principals(p.exclude_principals, &ppath.key("excludePrincipals"), ctx);
        if principals.is_empty() {
            ctx.warn(
                &ppath.key("principals"),
                "empty: this deny assignment applies to nobody",
            );
        }
        let effect = ctx.opt_text(p.deny_assignment_effect, &ppath.key("denyAssignmentEffect"));
        if !seen.insert(&id, out.len(), |k| out.get(k).map_or("", |d| d.id.as_str())) {
            continue;
        }
        out.push(DenyAssignment {
            name: ctx
                .opt_text(p.deny_assignment_name, &ppath.key("denyAssignmentName"))
                .or_else(|| ctx.opt_text(d.name, &path.key("name")))
                .unwrap_or_else(|| trailing_guid(&id)),
            do_not_apply_to_child_scopes: ctx
                .opt_bool(
                    p.do_not_apply_to_child_scopes,
                    &ppath.key("doNotApplyToChildScopes"),
                )
                .unwrap_or(false),
            permissions: permissions(p.permissions, &ppath.key("permissions"), ctx),
            is_system_protected: ctx
                .opt_bool(p.is_system_protected, &ppath.key("isSystemProtected"))
                .unwrap_or(false),
            audit_only: effect.is_some_and(|e| e.eq_ignore_ascii_case("audit")),
            principals,
            exclude_principals,
            scope,
            id,
        });
    }
    out
}

fn deny_principals(list: List<RawDenyPrincipal>, path: &At, ctx: &mut Ctx) -> Vec<String> {
    let mut out = Vec::new();
    for (i, p) in ctx.items(list, path, "an object") {
        let ppath = path.index(i);
        ctx.opt_text(p.kind, &ppath.key("type"));
        if let Some(id) = ctx.req_text(p.id, &ppath.key("id")) {
            if !crate::model::guid::is_guid(&id) {
                ctx.warn(
                    &ppath.key("id"),
                    format!("'{id}' is not a GUID; it can only match an object with that exact id"),
                );
            }
            out.push(guid_id(id));
        }
    }
    out
}
