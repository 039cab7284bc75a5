//! One line per change for the panel's list, with ids turned into the names a reader knows.

use crate::eval::Engine;
use crate::model::Scope;
use crate::sanitize::clean;
use crate::tui::explain::{describe_scope, name_of};
use crate::whatif::{Change, PolicyPermissions};

/// A principal's name when the id is one the snapshot knows, else the text as given (a UPN or a name).
fn who(engine: &Engine, text: &str) -> String {
    let id = text.to_ascii_lowercase();
    if engine.index.principal.contains_key(&id) {
        name_of(engine, &id)
    } else {
        clean(text).into_owned()
    }
}

/// A role's name for a role name, GUID or full role-definition id.
fn role(engine: &Engine, text: &str) -> String {
    let guid = text.rsplit('/').next().unwrap_or(text).to_ascii_lowercase();
    let name = engine
        .snapshot
        .role_definitions
        .iter()
        .find(|r| r.guid == guid)
        .map_or(text, |r| r.role_name.as_str());
    clean(name).into_owned()
}

/// A vault or scope in words; a bare vault name is kept as it is.
fn place(engine: &Engine, text: &str) -> String {
    if Scope::parse(text).is_ok() {
        describe_scope(engine, text)
    } else {
        clean(text).into_owned()
    }
}

fn assignment<'p>(
    engine: &Engine,
    id: &str,
    pool: impl IntoIterator<Item = &'p crate::model::RoleAssignment>,
) -> String {
    let guid = id.rsplit('/').next().unwrap_or(id);
    pool.into_iter()
        .find(|a| a.id.eq_ignore_ascii_case(id) || a.id.rsplit('/').next() == Some(guid))
        .map_or_else(
            || clean(guid).into_owned(),
            |a| {
                format!(
                    "{} as {} @ {}",
                    name_of(engine, &a.principal_id),
                    role(engine, &a.role_definition_guid),
                    describe_scope(engine, a.scope.id())
                )
            },
        )
}

fn permissions(p: &PolicyPermissions) -> String {
    let mut parts = Vec::new();
    for (kind, list) in [
        ("keys", &p.keys),
        ("secrets", &p.secrets),
        ("certificates", &p.certificates),
        ("storage", &p.storage),
    ] {
        if !list.is_empty() {
            parts.push(format!("{kind}: {}", list.join(",")));
        }
    }
    clean(&parts.join("; ")).into_owned()
}

/// "add role Key Vault Secrets User for Bob @ vault kv-app-rbac".
pub fn describe(engine: &Engine, change: &Change) -> String {
    match change {
        Change::AddRoleAssignment {
            principal,
            role: r,
            scope,
            condition,
            ..
        } => format!(
            "add role {} for {} @ {}{}",
            role(engine, r),
            who(engine, principal),
            place(engine, scope),
            if condition.is_some() {
                " (conditional)"
            } else {
                ""
            }
        ),
        Change::RemoveRoleAssignment { id: Some(id), .. } => format!(
            "remove role assignment {}",
            assignment(engine, id, &engine.snapshot.role_assignments)
        ),
        Change::RemoveRoleAssignment {
            principal,
            role: r,
            scope,
            ..
        } => format!(
            "remove role {} of {} @ {}",
            r.as_deref().map_or_else(|| "?".into(), |r| role(engine, r)),
            principal
                .as_deref()
                .map_or_else(|| "?".into(), |p| who(engine, p)),
            scope
                .as_deref()
                .map_or_else(|| "?".into(), |s| place(engine, s))
        ),
        Change::AddAccessPolicy {
            vault,
            object_id,
            permissions: p,
            ..
        } => format!(
            "add access policy for {} on {} ({})",
            who(engine, object_id),
            place(engine, vault),
            permissions(p)
        ),
        Change::RemoveAccessPolicy {
            vault, object_id, ..
        } => format!(
            "remove access policy of {} on {}",
            who(engine, object_id),
            place(engine, vault)
        ),
        Change::SetPermissionModel {
            vault,
            enable_rbac_authorization,
        } => format!(
            "{} on {}",
            if *enable_rbac_authorization {
                "switch to Azure RBAC"
            } else {
                "switch to access policies"
            },
            place(engine, vault)
        ),
        Change::AddGroupMember { group, member } => format!(
            "add {} to group {}",
            who(engine, member),
            who(engine, group)
        ),
        Change::RemoveGroupMember { group, member } => format!(
            "remove {} from group {}",
            who(engine, member),
            who(engine, group)
        ),
        Change::SetNetworkAcls {
            vault,
            network_acls,
        } => match network_acls {
            Some(n) => format!(
                "set firewall of {}: default {}, {} IP rule(s), {} subnet rule(s)",
                place(engine, vault),
                clean(&n.default_action),
                n.ip_rules.len(),
                n.virtual_network_rules.len()
            ),
            None => format!("remove the firewall of {}", place(engine, vault)),
        },
        Change::SetPublicNetworkAccess { vault, value } => format!(
            "public network access {} on {}",
            clean(value),
            place(engine, vault)
        ),
        Change::AddDenyAssignment { scope, .. } => {
            format!("add deny assignment @ {}", place(engine, scope))
        }
        Change::RemoveDenyAssignment { id } => {
            let name = engine
                .snapshot
                .deny_assignments
                .iter()
                .find(|d| d.id.eq_ignore_ascii_case(id))
                .map_or(id.as_str(), |d| d.name.as_str());
            format!("remove deny assignment {}", clean(name))
        }
        Change::ActivateEligibility { id } => format!(
            "activate eligibility {}",
            assignment(engine, id, &engine.snapshot.role_eligibilities)
        ),
        Change::AddRoleDefinition { role_name, .. } => {
            format!("add custom role {}", clean(role_name))
        }
    }
}
