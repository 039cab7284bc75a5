//! Management groups: kvaccess's own small shape, or ARM's `$expand=children` object (with
//! `$recurse=true`, a whole tree) pasted as is.

use super::{At, Ctx, guid_id};
use crate::model::*;
use crate::snapshot::raw::*;

pub(super) fn management_groups(
    list: List<RawManagementGroup>,
    ctx: &mut Ctx,
) -> Vec<ManagementGroup> {
    let mut groups: Vec<ManagementGroup> = Vec::new();
    let mut child_links: Vec<ChildGroup> = Vec::new();
    let top = At::Top(Section::ManagementGroups.key());
    for (i, mg) in ctx.items(list, &top, "an object") {
        let path = top.index(i);
        let props = ctx.opt(mg.properties, &path.key("properties"), "an object");
        let id = ctx.opt_text(mg.id, &path.key("id")).or_else(|| {
            ctx.opt_text(mg.name, &path.key("name"))
                .map(|n| format!("/providers/Microsoft.Management/managementGroups/{n}"))
        });
        let Some(id) = id else {
            ctx.problem(&path.key("id"), "missing");
            continue;
        };
        let Some(scope) = ctx.scope(&id, &path.key("id"), &[ScopeKind::ManagementGroup]) else {
            continue;
        };
        let mut display_name = ctx.opt_text(mg.display_name, &path.key("displayName"));
        let mut parent_id = ctx.opt_text(mg.parent_id, &path.key("parentId"));
        let mut subscription_ids: Vec<String> = ctx
            .strings(mg.subscription_ids, &path.key("subscriptionIds"))
            .into_iter()
            .map(guid_id)
            .collect();
        if let Some(props) = props {
            let ppath = path.key("properties");
            display_name = display_name
                .or_else(|| ctx.opt_text(props.display_name, &ppath.key("displayName")));
            let dpath = ppath.key("details");
            if let Some(details) = ctx.opt(props.details, &dpath, "an object")
                && let Some(parent) = ctx.opt(details.parent, &dpath.key("parent"), "an object")
            {
                parent_id = parent_id.or_else(|| ctx.opt_text(parent.id, &dpath.key("parent.id")));
            }
            let cpaths = ppath.key("children");
            let direct = mg_children(props.children, &scope, &cpaths, &mut child_links, ctx);
            subscription_ids.extend(direct);
        }
        let parent = parent_id
            .and_then(|p| ctx.scope(&p, &path.key("parentId"), &[ScopeKind::ManagementGroup]));
        let display_name = display_name.unwrap_or_else(|| scope.name().to_string());
        groups.push(ManagementGroup {
            scope,
            display_name,
            parent,
            subscription_ids,
        });
    }
    // ARM's `$expand=children` names child groups; those not listed themselves still belong in the tree.
    for child in child_links {
        match groups.iter_mut().find(|g| g.scope == child.scope) {
            Some(g) => {
                if g.parent.is_none() {
                    g.parent = Some(child.parent);
                }
                for s in child.subscription_ids {
                    if !g.subscription_ids.contains(&s) {
                        g.subscription_ids.push(s);
                    }
                }
            }
            None => groups.push(ManagementGroup {
                scope: child.scope,
                display_name: child.name,
                parent: Some(child.parent),
                subscription_ids: child.subscription_ids,
            }),
        }
    }
    groups
}

/// A management group named as a child in an `$expand=children` tree.
struct ChildGroup {
    scope: Scope,
    parent: Scope,
    name: String,
    subscription_ids: Vec<String>,
}

/// The children of `parent` as ARM lists them: returns the subscriptions directly below it and adds each
/// child group (and, with `$recurse=true`, every group below it, to any depth) to `out`.
fn mg_children(
    children: List<RawManagementGroupChild>,
    parent: &Scope,
    cpaths: &At,
    out: &mut Vec<ChildGroup>,
    ctx: &mut Ctx,
) -> Vec<String> {
    let mut subscription_ids = Vec::new();
    for (c, child) in ctx.items(children, cpaths, "an object") {
        let cpath = cpaths.index(c);
        let Some(cid) = ctx.opt_text(child.id, &cpath.key("id")) else {
            continue;
        };
        match Scope::parse(&cid) {
            Ok(c) if c.kind() == ScopeKind::Subscription => {
                subscription_ids.push(guid_id(c.subscription().unwrap_or_default().to_string()));
            }
            Ok(c) if c.kind() == ScopeKind::ManagementGroup => {
                let name = ctx.opt_text(child.display_name, &cpath.key("displayName"));
                let below = mg_children(child.children, &c, &cpath.key("children"), out, ctx);
                out.push(ChildGroup {
                    name: name.unwrap_or_else(|| c.name().to_string()),
                    scope: c,
                    parent: parent.clone(),
                    subscription_ids: below,
                });
            }
            _ => ctx.warn(
                &cpath.key("id"),
                format!("'{cid}' is neither a management group nor a subscription; ignored"),
            ),
        }
    }
    subscription_ids
}
