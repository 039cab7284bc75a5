//! What the add form's pickers offer, read from the snapshot the next change would apply to: principals,
//! groups, roles, scopes, role assignments, eligibilities, deny assignments, access-policy entries,
//! memberships, and the access-policy permission names of the catalog.

use crate::catalog::Plane;
use crate::eval::Engine;
use crate::model::{PrincipalKind, RoleAssignment};
use crate::sanitize::clean;
use crate::tui::explain::{describe_scope, name_of};
use crate::tui::permissions::operations;
use crate::tui::principals::icon;
use crate::tui::scopes::ScopeTree;

/// Separates the parts of a value that stands for two fields (an access-policy entry, a membership).
pub const SEP: char = '\u{1f}';

/// One pickable thing: what the list shows, what the change gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub label: String,
    pub value: String,
}

impl Choice {
    fn new(label: String, value: String) -> Self {
        Self { label, value }
    }
}

pub fn principals(engine: &Engine, only: Option<PrincipalKind>) -> Vec<Choice> {
    let mut out: Vec<Choice> = engine
        .snapshot
        .principals
        .iter()
        .filter(|p| only.is_none_or(|k| p.kind == k))
        .map(|p| {
            let extra = p
                .user_principal_name
                .as_deref()
                .or(p.app_id.as_deref())
                .map(|x| format!(" ({})", clean(x)))
                .unwrap_or_default();
            Choice::new(
                format!("{} {}{extra}", icon(p.kind), clean(&p.display_name)),
                p.id.clone(),
            )
        })
        .collect();
    out.sort_by_key(|c| c.label.to_lowercase());
    out
}

pub fn roles(engine: &Engine) -> Vec<Choice> {
    let mut out: Vec<Choice> = engine
        .snapshot
        .role_definitions
        .iter()
        .map(|r| {
            let custom = if r.built_in { "" } else { " (custom)" };
            Choice::new(format!("{}{custom}", clean(&r.role_name)), r.guid.clone())
        })
        .collect();
    // Key Vault roles first: they are what a what-if on a vault is mostly about.
    out.sort_by_key(|c| (!c.label.starts_with("Key Vault"), c.label.to_lowercase()));
    out
}

/// Every scope of the tree, in tree order (tenant root, management groups, subscriptions, …, items).
pub fn scopes(tree: &ScopeTree) -> Vec<Choice> {
    let mut out = Vec::new();
    let mut stack: Vec<(usize, usize)> = tree.roots.iter().rev().map(|&r| (r, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        let Some(n) = tree.nodes.get(i) else { continue };
        out.push(Choice::new(
            format!("{}{}", "  ".repeat(depth), clean(&n.label)),
            n.scope.id().to_string(),
        ));
        stack.extend(n.children.iter().rev().map(|&c| (c, depth + 1)));
    }
    out
}

pub fn vaults(engine: &Engine) -> Vec<Choice> {
    engine
        .snapshot
        .vaults
        .iter()
        .map(|v| {
            let model = if v.rbac_authorization {
                "Azure RBAC"
            } else {
                "access policies"
            };
            Choice::new(
                format!("{} ({model})", clean(&v.name)),
                v.scope.id().to_string(),
            )
        })
        .collect()
}

fn assignments<'l>(
    engine: &Engine,
    list: impl IntoIterator<Item = &'l RoleAssignment>,
) -> Vec<Choice> {
    list.into_iter()
        .map(|a| {
            let role = engine
                .snapshot
                .role_definitions
                .iter()
                .find(|r| r.guid == a.role_definition_guid)
                .map_or_else(
                    || a.role_definition_guid.clone(),
                    |r| clean(&r.role_name).into_owned(),
                );
            Choice::new(
                format!(
                    "{} as {role} @ {}",
                    name_of(engine, &a.principal_id),
                    describe_scope(engine, a.scope.id())
                ),
                a.id.clone(),
            )
        })
        .collect()
}

pub fn role_assignments(engine: &Engine) -> Vec<Choice> {
    assignments(engine, &engine.snapshot.role_assignments)
}

pub fn eligibilities(engine: &Engine) -> Vec<Choice> {
    assignments(engine, &engine.snapshot.role_eligibilities)
}

pub fn deny_assignments(engine: &Engine) -> Vec<Choice> {
    engine
        .snapshot
        .deny_assignments
        .iter()
        .map(|d| {
            Choice::new(
                format!(
                    "{} @ {}",
                    clean(&d.name),
                    describe_scope(engine, d.scope.id())
                ),
                d.id.clone(),
            )
        })
        .collect()
}

/// Access-policy entries: the value is `vault SEP objectId [SEP applicationId]`.
pub fn policy_entries(engine: &Engine) -> Vec<Choice> {
    let mut out = Vec::new();
    for v in &engine.snapshot.vaults {
        for e in &v.access_policies {
            let app = e
                .application_id
                .as_deref()
                .map(|a| format!(" through app {}", name_of(engine, a)))
                .unwrap_or_default();
            let mut value = format!("{}{SEP}{}", v.scope.id(), e.object_id);
            if let Some(a) = &e.application_id {
                value.push(SEP);
                value.push_str(a);
            }
            out.push(Choice::new(
                format!("{}: {}{app}", clean(&v.name), name_of(engine, &e.object_id)),
                value,
            ));
        }
    }
    out
}

/// Direct memberships: the value is `group SEP member`.
pub fn memberships(engine: &Engine) -> Vec<Choice> {
    engine
        .snapshot
        .group_memberships
        .iter()
        .map(|m| {
            Choice::new(
                format!(
                    "{} in {}",
                    name_of(engine, &m.member_id),
                    name_of(engine, &m.group_id)
                ),
                format!("{}{SEP}{}", m.group_id, m.member_id),
            )
        })
        .collect()
}

/// Access-policy permission names as `kind/permission`, with `kind/all` first for each kind.
pub fn policy_permissions() -> Vec<Choice> {
    let mut out = Vec::new();
    for kind in crate::model::PolicyKind::ALL {
        let k = kind.as_str();
        out.push(Choice::new(format!("{k}/all"), format!("{k}/all")));
        for (op, _) in operations() {
            if op.plane == Plane::Data
                && let Some((pk, perm)) = op.policy
                && pk == kind
            {
                let name = format!("{k}/{perm}");
                if !out.iter().any(|c| c.value == name) {
                    out.push(Choice::new(name.clone(), name));
                }
            }
        }
    }
    out
}

/// A fixed list of words.
pub fn words(items: &[(&str, &str)]) -> Vec<Choice> {
    items
        .iter()
        .map(|(label, value)| Choice::new((*label).to_string(), (*value).to_string()))
        .collect()
}
