//! Role assignments, deny assignments, PIM activation and custom role definitions.

use crate::eval::pattern::ActionPattern;
use crate::model::role::trailing_guid;
use crate::model::{
    DenyAssignment, EVERYONE, Permission, RoleAssignment, RoleDefinition, Scope, ScopeKind,
    Snapshot,
};
use crate::sanitize::clean;

use super::super::change::{Change, IdRef, PermissionSpec};
use super::super::resolve::{self, derived_guid};
use super::{Applied, Result, err, in_directory, object_id, whole};

pub(super) struct NewAssignment<'a> {
    pub principal: &'a str,
    pub role: &'a str,
    pub scope: &'a str,
    pub condition: Option<&'a str>,
    pub condition_version: Option<&'a str>,
    pub id: Option<&'a str>,
}

/// `<scope>/providers/Microsoft.Authorization/<kind>/<guid>`, with the root written as the empty prefix.
fn child_id(scope: &Scope, kind: &str, guid: &str) -> String {
    let prefix = if scope.id() == "/" { "" } else { scope.id() };
    format!("{prefix}/providers/Microsoft.Authorization/{kind}/{guid}")
}

/// An id given by the user (a GUID, or a full id of that kind) or derived from `parts`.
fn object_id_for(
    i: usize,
    given: Option<&str>,
    scope: &Scope,
    kind: &str,
    parts: &[&str],
) -> std::result::Result<String, super::ChangeError> {
    match given {
        None => Ok(child_id(scope, kind, &derived_guid(parts))),
        Some(text) if uuid::Uuid::try_parse(text).is_ok() => {
            Ok(child_id(scope, kind, &text.to_ascii_lowercase()))
        }
        Some(text)
            if text.to_ascii_lowercase().contains(&format!(
                "/providers/microsoft.authorization/{}/",
                kind.to_ascii_lowercase()
            )) && uuid::Uuid::try_parse(&trailing_guid(text)).is_ok() =>
        {
            Ok(text.to_string())
        }
        Some(text) => Err(err(
            i,
            "id",
            format!("'{}' is neither a GUID nor a {kind} id", clean(text)),
        )),
    }
}

fn parse_scope(
    i: usize,
    field: &str,
    text: &str,
) -> std::result::Result<Scope, super::ChangeError> {
    Scope::parse(text).map_err(|_| err(i, field, format!("not an Azure scope: '{}'", clean(text))))
}

fn known_scope(
    s: &Snapshot,
    i: usize,
    field: &str,
    text: &str,
) -> std::result::Result<Scope, super::ChangeError> {
    let scope = parse_scope(i, field, text)?;
    resolve::check_scope(s, &scope).map_err(|m| err(i, field, m))?;
    Ok(scope)
}

fn has_data_actions(d: &RoleDefinition) -> bool {
    d.permissions.iter().any(|p| !p.data_actions.is_empty())
}

/// Whether `scope` is at or below one of the definition's assignable scopes.
fn assignable(s: &Snapshot, d: &RoleDefinition, scope: &Scope, i: usize) -> Result<()> {
    let mut errors = Vec::new();
    if !d.assignable_scopes.is_empty() {
        let above = resolve::ancestor_keys(s, scope);
        let ok = d
            .assignable_scopes
            .iter()
            .any(|a| Scope::parse(a).is_ok_and(|a| above.iter().any(|k| k == a.key())));
        if !ok {
            errors.push(err(
                i,
                "scope",
                format!(
                    "role '{}' is assignable only at {}; '{}' is not at or below any of them",
                    clean(&d.role_name),
                    clean(&d.assignable_scopes.join(", ")),
                    clean(scope.id())
                ),
            ));
        }
    }
    if !d.built_in && has_data_actions(d) && scope.kind() == ScopeKind::ManagementGroup {
        errors.push(err(
            i,
            "scope",
            format!(
                "custom role '{}' has DataActions, and such roles cannot be assigned at a management group",
                clean(&d.role_name)
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

pub(super) fn add_assignment(s: &mut Snapshot, i: usize, new: NewAssignment) -> Result<Applied> {
    let p = resolve::principal(s, new.principal).map_err(|m| err(i, "principal", m));
    let r = resolve::role(s, new.role).map_err(|m| err(i, "role", m));
    let sc = known_scope(s, i, "scope", new.scope);
    let (p, r, sc) = match (p, r, sc) {
        (Ok(p), Ok(r), Ok(sc)) => (p, r, sc),
        (p, r, sc) => {
            return Err(p.err().into_iter().chain(r.err()).chain(sc.err()).collect());
        }
    };
    assignable(s, r, &sc, i)?;
    if let Some(a) = s
        .role_assignments
        .iter()
        .find(|a| a.principal_id == p.id && a.role_definition_guid == r.guid && a.scope == sc)
    {
        return Err(vec![whole(
            i,
            format!(
                "{} already has role '{}' at {} (assignment {})",
                clean(&p.display_name),
                clean(&r.role_name),
                clean(sc.id()),
                clean(&a.id)
            ),
        )]);
    }
    let id = object_id_for(
        i,
        new.id,
        &sc,
        "roleAssignments",
        &["roleAssignment", &p.id, &r.guid, sc.key()],
    )
    .map_err(|e| vec![e])?;
    if s.role_assignments
        .iter()
        .any(|a| a.id.eq_ignore_ascii_case(&id))
    {
        return Err(vec![err(
            i,
            "id",
            format!("a role assignment with the id '{}' exists", clean(&id)),
        )]);
    }
    let condition = new.condition.map(str::to_string);
    let condition_version = condition
        .as_ref()
        .map(|_| new.condition_version.unwrap_or("2.0").to_string());
    let assignment = RoleAssignment {
        id: id.clone(),
        scope: sc.clone(),
        role_definition_id: r.id.clone(),
        role_definition_guid: r.guid.clone(),
        principal_id: p.id.clone(),
        principal_type: resolve::principal_type(p.kind).to_string(),
        condition: condition.clone(),
        condition_version: condition_version.clone(),
    };
    let change = Change::AddRoleAssignment {
        principal: p.id.clone(),
        role: r.id.clone(),
        scope: sc.id().to_string(),
        condition,
        condition_version,
        id: Some(id.clone()),
    };
    s.role_assignments.push(assignment);
    Ok(Applied {
        index: i,
        change,
        undo: Some(Change::RemoveRoleAssignment {
            id: Some(id),
            principal: None,
            role: None,
            scope: None,
        }),
        notes: Vec::new(),
    })
}

fn matches_id(actual: &str, given: &str) -> bool {
    if given.contains('/') {
        actual
            .trim_end_matches('/')
            .eq_ignore_ascii_case(given.trim().trim_end_matches('/'))
    } else {
        trailing_guid(actual) == given.trim().to_ascii_lowercase()
    }
}

pub(super) fn remove_assignment(
    s: &mut Snapshot,
    i: usize,
    id: Option<&str>,
    by: (Option<&str>, Option<&str>, Option<&str>),
) -> Result<Applied> {
    let at = match (id, by) {
        (Some(id), _) => s
            .role_assignments
            .iter()
            .position(|a| matches_id(&a.id, id))
            .ok_or_else(|| {
                vec![err(
                    i,
                    "id",
                    format!("no role assignment '{}' in the snapshot", clean(id)),
                )]
            })?,
        (None, (Some(principal), Some(role), Some(scope))) => {
            let p = object_id(s, principal).map_err(|m| err(i, "principal", m));
            let r = resolve::role(s, role)
                .map(|d| d.guid.clone())
                .or_else(|m| {
                    let g = trailing_guid(role);
                    uuid::Uuid::try_parse(&g).map(|_| g).map_err(|_| m)
                })
                .map_err(|m| err(i, "role", m));
            let sc = parse_scope(i, "scope", scope);
            let (p, r, sc) = match (p, r, sc) {
                (Ok(p), Ok(r), Ok(sc)) => (p, r, sc),
                (p, r, sc) => {
                    return Err(p.err().into_iter().chain(r.err()).chain(sc.err()).collect());
                }
            };
            s.role_assignments
                .iter()
                .position(|a| a.principal_id == p && a.role_definition_guid == r && a.scope == sc)
                .ok_or_else(|| {
                    vec![whole(
                        i,
                        format!(
                            "no assignment of role '{}' to {p} at {} in the snapshot",
                            clean(role),
                            clean(sc.id())
                        ),
                    )]
                })?
        }
        _ => {
            return Err(vec![whole(
                i,
                "give the assignment's id, or its principal, role and scope",
            )]);
        }
    };
    let a = s.role_assignments.remove(at);
    let restorable = in_directory(s, &a.principal_id)
        && s.role_definitions
            .iter()
            .any(|d| d.guid == a.role_definition_guid);
    let undo = restorable.then(|| Change::AddRoleAssignment {
        principal: a.principal_id.clone(),
        role: a.role_definition_id.clone(),
        scope: a.scope.id().to_string(),
        condition: a.condition.clone(),
        condition_version: a.condition_version.clone(),
        id: Some(a.id.clone()),
    });
    Ok(Applied {
        index: i,
        change: Change::RemoveRoleAssignment {
            id: Some(a.id),
            principal: None,
            role: None,
            scope: None,
        },
        undo,
        notes: Vec::new(),
    })
}

fn to_permission(spec: &PermissionSpec) -> Permission {
    let patterns = |l: &[String]| l.iter().map(|a| ActionPattern::new(a)).collect();
    Permission {
        actions: patterns(&spec.actions),
        not_actions: patterns(&spec.not_actions),
        data_actions: patterns(&spec.data_actions),
        not_data_actions: patterns(&spec.not_data_actions),
        condition: spec.condition.clone(),
    }
}

fn to_spec(p: &Permission) -> PermissionSpec {
    let texts = |l: &[ActionPattern]| l.iter().map(|a| a.as_str().to_string()).collect();
    PermissionSpec {
        actions: texts(&p.actions),
        not_actions: texts(&p.not_actions),
        data_actions: texts(&p.data_actions),
        not_data_actions: texts(&p.not_data_actions),
        condition: p.condition.clone(),
    }
}

/// Deny-assignment principals: `Everyone` (or the all-zero id) or principals of the snapshot.
fn deny_principals(
    s: &Snapshot,
    i: usize,
    field: &str,
    refs: &[IdRef],
    everyone_ok: bool,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (n, r) in refs.iter().enumerate() {
        let path = format!("{field}[{n}]");
        if r.id.eq_ignore_ascii_case("everyone") || r.id == EVERYONE {
            if everyone_ok {
                out.push(EVERYONE.to_string());
            } else {
                errors.push(err(i, &path, "everyone cannot be excluded"));
            }
            continue;
        }
        match resolve::principal(s, &r.id) {
            Ok(p) => out.push(p.id.clone()),
            Err(m) => errors.push(err(i, &path, m)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

pub(super) fn add_deny(s: &mut Snapshot, i: usize, change: &Change) -> Result<Applied> {
    let Change::AddDenyAssignment {
        id,
        deny_assignment_name,
        scope,
        permissions,
        principals,
        exclude_principals,
        do_not_apply_to_child_scopes,
    } = change
    else {
        return Err(vec![whole(i, "not a deny assignment")]);
    };
    let sc = known_scope(s, i, "scope", scope);
    let who = deny_principals(s, i, "principals", principals, true);
    let excluded = deny_principals(s, i, "excludePrincipals", exclude_principals, false);
    let (sc, who, excluded) = match (sc, who, excluded) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (a, b, c) => {
            return Err(a
                .err()
                .into_iter()
                .chain(b.err().into_iter().flatten())
                .chain(c.err().into_iter().flatten())
                .collect());
        }
    };
    if who.is_empty() {
        return Err(vec![err(
            i,
            "principals",
            "empty: name the principals to deny (everyone is 00000000-0000-0000-0000-000000000000)",
        )]);
    }
    let name = deny_assignment_name
        .clone()
        .unwrap_or_else(|| "what-if deny assignment".to_string());
    let fingerprint = serde_json::to_string(permissions).unwrap_or_default();
    let full_id = object_id_for(
        i,
        id.as_deref(),
        &sc,
        "denyAssignments",
        &[
            "denyAssignment",
            sc.key(),
            &name,
            &fingerprint,
            &who.join(","),
        ],
    )
    .map_err(|e| vec![e])?;
    if s.deny_assignments
        .iter()
        .any(|d| d.id.eq_ignore_ascii_case(&full_id))
    {
        return Err(vec![err(
            i,
            "id",
            format!("a deny assignment with the id '{}' exists", clean(&full_id)),
        )]);
    }
    s.deny_assignments.push(DenyAssignment {
        id: full_id.clone(),
        name: name.clone(),
        scope: sc.clone(),
        do_not_apply_to_child_scopes: *do_not_apply_to_child_scopes,
        permissions: permissions.iter().map(to_permission).collect(),
        principals: who.clone(),
        exclude_principals: excluded.clone(),
        is_system_protected: false,
        audit_only: false,
    });
    let ids = |v: Vec<String>| v.into_iter().map(|id| IdRef { id }).collect();
    Ok(Applied {
        index: i,
        change: Change::AddDenyAssignment {
            id: Some(full_id.clone()),
            deny_assignment_name: Some(name),
            scope: sc.id().to_string(),
            permissions: permissions.clone(),
            principals: ids(who),
            exclude_principals: ids(excluded),
            do_not_apply_to_child_scopes: *do_not_apply_to_child_scopes,
        },
        undo: Some(Change::RemoveDenyAssignment { id: full_id }),
        notes: Vec::new(),
    })
}

pub(super) fn remove_deny(s: &mut Snapshot, i: usize, id: &str) -> Result<Applied> {
    let Some(at) = s
        .deny_assignments
        .iter()
        .position(|d| matches_id(&d.id, id))
    else {
        return Err(vec![err(
            i,
            "id",
            format!("no deny assignment '{}' in the snapshot", clean(id)),
        )]);
    };
    let d = s.deny_assignments.remove(at);
    let mut notes = Vec::new();
    if d.is_system_protected {
        notes.push(format!(
            "deny assignment '{}' is system-protected: Azure removes it only with what created it (a deployment stack, blueprint or managed application)",
            d.name
        ));
    }
    let undo = (d
        .principals
        .iter()
        .chain(&d.exclude_principals)
        .all(|p| p == EVERYONE || in_directory(s, p))
        && !d.audit_only)
        .then(|| Change::AddDenyAssignment {
            id: Some(d.id.clone()),
            deny_assignment_name: Some(d.name.clone()),
            scope: d.scope.id().to_string(),
            permissions: d.permissions.iter().map(to_spec).collect(),
            principals: d
                .principals
                .iter()
                .map(|id| IdRef { id: id.clone() })
                .collect(),
            exclude_principals: d
                .exclude_principals
                .iter()
                .map(|id| IdRef { id: id.clone() })
                .collect(),
            do_not_apply_to_child_scopes: d.do_not_apply_to_child_scopes,
        });
    Ok(Applied {
        index: i,
        change: Change::RemoveDenyAssignment { id: d.id },
        undo,
        notes,
    })
}

pub(super) fn activate(s: &mut Snapshot, i: usize, id: &str) -> Result<Applied> {
    let Some(e) = s
        .role_eligibilities
        .iter()
        .find(|e| matches_id(&e.id, id))
        .cloned()
    else {
        return Err(vec![err(
            i,
            "id",
            format!("no PIM eligibility '{}' in the snapshot", clean(id)),
        )]);
    };
    if let Some(a) = s.role_assignments.iter().find(|a| {
        a.principal_id == e.principal_id
            && a.role_definition_guid == e.role_definition_guid
            && a.scope == e.scope
    }) {
        return Err(vec![whole(
            i,
            format!(
                "eligibility {} is already active as role assignment {}",
                clean(&e.id),
                clean(&a.id)
            ),
        )]);
    }
    let new_id = child_id(
        &e.scope,
        "roleAssignments",
        &derived_guid(&["activation", &e.id]),
    );
    s.role_assignments.push(RoleAssignment {
        id: new_id.clone(),
        ..e.clone()
    });
    Ok(Applied {
        index: i,
        change: Change::ActivateEligibility { id: e.id.clone() },
        undo: Some(Change::RemoveRoleAssignment {
            id: Some(new_id),
            principal: None,
            role: None,
            scope: None,
        }),
        notes: vec![format!(
            "activation lasts as long as the eligibility's policy allows (often hours); {} stays eligible afterwards",
            e.principal_id
        )],
    })
}

pub(super) fn add_definition(s: &mut Snapshot, i: usize, change: &Change) -> Result<Applied> {
    let Change::AddRoleDefinition {
        id,
        role_name,
        description,
        assignable_scopes,
        permissions,
    } = change
    else {
        return Err(vec![whole(i, "not a role definition")]);
    };
    let mut errors = Vec::new();
    if let Some(d) = s
        .role_definitions
        .iter()
        .find(|d| d.role_name.eq_ignore_ascii_case(role_name))
    {
        errors.push(err(
            i,
            "roleName",
            format!("a role named '{}' exists ({})", clean(&d.role_name), d.guid),
        ));
    }
    if assignable_scopes.is_empty() {
        errors.push(err(i, "assignableScopes", "empty: give at least one scope"));
    }
    let mut scopes = Vec::new();
    for (n, text) in assignable_scopes.iter().enumerate() {
        match known_scope(s, i, &format!("assignableScopes[{n}]"), text) {
            Ok(sc) => scopes.push(sc),
            Err(e) => errors.push(e),
        }
    }
    let data = permissions.iter().any(|p| !p.data_actions.is_empty());
    if data
        && scopes
            .iter()
            .any(|sc| sc.kind() == ScopeKind::ManagementGroup)
    {
        errors.push(err(
            i,
            "assignableScopes",
            "a custom role with DataActions cannot be assignable at a management group",
        ));
    }
    let guid = match id {
        None => derived_guid(&["roleDefinition", role_name]),
        Some(text) if uuid::Uuid::try_parse(&trailing_guid(text)).is_ok() => trailing_guid(text),
        Some(text) => {
            errors.push(err(i, "id", format!("'{}' is not a GUID", clean(text))));
            String::new()
        }
    };
    if s.role_definitions.iter().any(|d| d.guid == guid) {
        errors.push(err(
            i,
            "id",
            format!("a role definition with the id {guid} exists"),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let full_id = match scopes.first().and_then(|sc| sc.subscription()) {
        Some(sub) => {
            format!("/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}")
        }
        None => format!("/providers/Microsoft.Authorization/roleDefinitions/{guid}"),
    };
    s.role_definitions.push(RoleDefinition {
        id: full_id.clone(),
        guid,
        role_name: role_name.clone(),
        built_in: false,
        description: description.clone().unwrap_or_default(),
        assignable_scopes: scopes.iter().map(|sc| sc.id().to_string()).collect(),
        permissions: permissions.iter().map(to_permission).collect(),
    });
    Ok(Applied {
        index: i,
        change: Change::AddRoleDefinition {
            id: Some(full_id),
            role_name: role_name.clone(),
            description: description.clone(),
            assignable_scopes: scopes.iter().map(|sc| sc.id().to_string()).collect(),
            permissions: permissions.clone(),
        },
        undo: None,
        notes: Vec::new(),
    })
}
