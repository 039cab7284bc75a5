//! Role assignments, PIM activation and custom role definitions.

use crate::model::role::trailing_guid;
use crate::model::{RoleAssignment, RoleDefinition, Scope, ScopeKind, Snapshot};
use crate::sanitize::cut;

use super::super::change::Change;
use super::super::resolve::{self, derived_guid};
use super::lookup::Lookup;
use super::{
    Applied, Result, child_id, err, known_scope, matches_id, object_id_for, parse_scope,
    to_permission, whole,
};

pub(super) struct NewAssignment<'a> {
    pub principal: &'a str,
    pub role: &'a str,
    pub scope: &'a str,
    pub condition: Option<&'a str>,
    pub condition_version: Option<&'a str>,
    pub id: Option<&'a str>,
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
                    cut(&d.role_name),
                    cut(&d.assignable_scopes.join(", ")),
                    cut(scope.id())
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
                cut(&d.role_name)
            ),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

pub(super) fn add_assignment(
    s: &mut Snapshot,
    lk: &mut Lookup,
    i: usize,
    new: NewAssignment,
) -> Result<Applied> {
    let p = lk
        .principal(s, new.principal)
        .map_err(|m| err(i, "principal", m));
    let r = resolve::role(s, new.role).map_err(|m| err(i, "role", m));
    let sc = known_scope(s, lk, i, "scope", new.scope);
    let (p, r, sc) = match (p, r, sc) {
        (Ok(p), Ok(r), Ok(sc)) => (p, r, sc),
        (p, r, sc) => {
            return Err(p.err().into_iter().chain(r.err()).chain(sc.err()).collect());
        }
    };
    assignable(s, r, &sc, i)?;
    if let Some(a) = lk
        .assignment(s, &p.id, &r.guid, &sc)
        .and_then(|at| s.role_assignments.get(at))
    {
        return Err(vec![whole(
            i,
            format!(
                "{} already has role '{}' at {} (assignment {})",
                cut(&p.display_name),
                cut(&r.role_name),
                cut(sc.id()),
                cut(&a.id)
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
    if lk.assignment_with_id(s, &id).is_some() {
        return Err(vec![err(
            i,
            "id",
            format!("a role assignment with the id '{}' exists", cut(&id)),
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
    lk.add_assignment(s, assignment);
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

pub(super) fn remove_assignment(
    s: &mut Snapshot,
    lk: &mut Lookup,
    i: usize,
    id: Option<&str>,
    by: (Option<&str>, Option<&str>, Option<&str>),
) -> Result<Applied> {
    let at = match (id, by) {
        (Some(id), _) => lk.assignment_matching(s, id).ok_or_else(|| {
            vec![err(
                i,
                "id",
                format!("no role assignment '{}' in the snapshot", cut(id)),
            )]
        })?,
        (None, (Some(principal), Some(role), Some(scope))) => {
            let p = lk
                .object_id(s, principal)
                .map_err(|m| err(i, "principal", m));
            let r = resolve::role(s, role)
                .map(|d| d.guid.clone())
                .or_else(|m| {
                    let g = trailing_guid(role);
                    uuid::Uuid::try_parse(&g).map(|_| g).map_err(|_| m)
                })
                .map_err(|m| err(i, "role", m));
            let sc = parse_scope(s, i, "scope", scope);
            let (p, r, sc) = match (p, r, sc) {
                (Ok(p), Ok(r), Ok(sc)) => (p, r, sc),
                (p, r, sc) => {
                    return Err(p.err().into_iter().chain(r.err()).chain(sc.err()).collect());
                }
            };
            lk.assignment(s, &p, &r, &sc).ok_or_else(|| {
                vec![whole(
                    i,
                    format!(
                        "no assignment of role '{}' to {p} at {} in the snapshot",
                        cut(role),
                        cut(sc.id())
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
    let Some(a) = lk.remove_assignment(s, at) else {
        return Err(vec![whole(i, "the role assignment was removed already")]);
    };
    let restorable = lk.in_directory(s, &a.principal_id)
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

pub(super) fn activate(s: &mut Snapshot, lk: &mut Lookup, i: usize, id: &str) -> Result<Applied> {
    let Some(e) = s
        .role_eligibilities
        .iter()
        .find(|e| matches_id(&e.id, id))
        .cloned()
    else {
        return Err(vec![err(
            i,
            "id",
            format!("no PIM eligibility '{}' in the snapshot", cut(id)),
        )]);
    };
    if let Some(a) = lk
        .assignment(s, &e.principal_id, &e.role_definition_guid, &e.scope)
        .and_then(|at| s.role_assignments.get(at))
    {
        return Err(vec![whole(
            i,
            format!(
                "eligibility {} is already active as role assignment {}",
                cut(&e.id),
                cut(&a.id)
            ),
        )]);
    }
    let new_id = child_id(
        &e.scope,
        "roleAssignments",
        &derived_guid(&["activation", &e.id]),
    );
    lk.add_assignment(
        s,
        RoleAssignment {
            id: new_id.clone(),
            ..e.clone()
        },
    );
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

pub(super) fn add_definition(
    s: &mut Snapshot,
    lk: &mut Lookup,
    i: usize,
    change: &Change,
) -> Result<Applied> {
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
            format!("a role named '{}' exists ({})", cut(&d.role_name), d.guid),
        ));
    }
    if assignable_scopes.is_empty() {
        errors.push(err(i, "assignableScopes", "empty: give at least one scope"));
    }
    let mut scopes = Vec::new();
    for (n, text) in assignable_scopes.iter().enumerate() {
        match known_scope(s, lk, i, &format!("assignableScopes[{n}]"), text) {
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
            errors.push(err(i, "id", format!("'{}' is not a GUID", cut(text))));
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
