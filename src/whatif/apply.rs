//! Applying a change list to a copy of a snapshot. Each change is validated against the state the changes
//! before it produced, then applied; a failed change leaves that state untouched, and the remaining
//! changes are still checked so that every problem is reported at once.

mod deny;
mod lookup;
mod rbac;
mod vault;

use crate::model::pattern::ActionPattern;
use crate::model::role::trailing_guid;
use crate::model::{GroupMembership, Permission, PrincipalKind, Scope, Snapshot};
use crate::sanitize::cut;

use self::lookup::Lookup;
use super::change::{Change, PermissionSpec};
use super::resolve::derived_guid;
use super::{ChangeError, WhatIfError};

/// One applied change: its canonical form (every name resolved to an id, generated ids filled in), the
/// change that would undo it, and remarks worth showing next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Position in the list as given.
    pub index: usize,
    pub change: Change,
    /// `None` when the change cannot be expressed backwards (a new role definition) or would not validate
    /// (it names a principal or role the directory data lacks).
    pub undo: Option<Change>,
    pub notes: Vec<String>,
}

/// The hypothetical snapshot and what went into it.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub snapshot: Snapshot,
    pub applied: Vec<Applied>,
}

type Result<T> = std::result::Result<T, Vec<ChangeError>>;

pub(super) fn err(index: usize, field: &str, message: impl Into<String>) -> ChangeError {
    ChangeError::new(index, Some(field), message)
}

pub(super) fn whole(index: usize, message: impl Into<String>) -> ChangeError {
    ChangeError::new(index, None, message)
}

/// Applies `changes` to a clone of `before`. The input is never modified.
pub fn apply(before: &Snapshot, changes: &[Change]) -> std::result::Result<Snapshot, WhatIfError> {
    apply_detailed(before, changes).map(|o| o.snapshot)
}

/// [`apply`], keeping the canonical form, undo and notes of every change.
pub fn apply_detailed(
    before: &Snapshot,
    changes: &[Change],
) -> std::result::Result<Outcome, WhatIfError> {
    apply_indexed(before, changes.iter().enumerate())
}

/// Applies changes numbered as the caller wants them named in errors (a scenario skips disabled ones).
pub(crate) fn apply_indexed<'c>(
    before: &Snapshot,
    changes: impl Iterator<Item = (usize, &'c Change)>,
) -> std::result::Result<Outcome, WhatIfError> {
    let (outcome, errors) = apply_what_applies(before, changes);
    if errors.is_empty() {
        Ok(outcome)
    } else {
        Err(WhatIfError::Invalid(errors))
    }
}

/// Applies every change that validates and lists the problems of the others. A change that fails leaves
/// the state as it was, so the outcome is the one the list without the failing changes gives (their
/// positions still count in `Applied::index`).
pub(crate) fn apply_what_applies<'c>(
    before: &Snapshot,
    changes: impl Iterator<Item = (usize, &'c Change)>,
) -> (Outcome, Vec<ChangeError>) {
    let mut snapshot = before.clone();
    let mut lookup = Lookup::default();
    let mut applied = Vec::new();
    let mut errors = Vec::new();
    for (index, change) in changes {
        match apply_one(&mut snapshot, &mut lookup, index, change) {
            Ok(a) => applied.push(a),
            Err(e) => errors.extend(e),
        }
    }
    lookup.finish(&mut snapshot);
    (Outcome { snapshot, applied }, errors)
}

fn apply_one(s: &mut Snapshot, lk: &mut Lookup, i: usize, change: &Change) -> Result<Applied> {
    match change {
        Change::AddRoleAssignment {
            principal,
            role,
            scope,
            condition,
            condition_version,
            id,
        } => rbac::add_assignment(
            s,
            lk,
            i,
            rbac::NewAssignment {
                principal,
                role,
                scope,
                condition: condition.as_deref(),
                condition_version: condition_version.as_deref(),
                id: id.as_deref(),
            },
        ),
        Change::RemoveRoleAssignment {
            id,
            principal,
            role,
            scope,
        } => rbac::remove_assignment(
            s,
            lk,
            i,
            id.as_deref(),
            (principal.as_deref(), role.as_deref(), scope.as_deref()),
        ),
        Change::AddAccessPolicy {
            vault,
            object_id,
            application_id,
            tenant_id,
            permissions,
        } => vault::add_policy(
            s,
            lk,
            i,
            vault,
            object_id,
            application_id.as_deref(),
            tenant_id.as_deref(),
            permissions,
        ),
        Change::RemoveAccessPolicy {
            vault,
            object_id,
            application_id,
        } => vault::remove_policy(s, lk, i, vault, object_id, application_id.as_deref()),
        Change::SetPermissionModel {
            vault,
            enable_rbac_authorization,
        } => vault::set_model(s, lk, i, vault, *enable_rbac_authorization),
        Change::SetNetworkAcls {
            vault,
            network_acls,
        } => vault::set_network_acls(s, lk, i, vault, network_acls.as_ref()),
        Change::SetPublicNetworkAccess { vault, value } => {
            vault::set_public_access(s, lk, i, vault, value)
        }
        Change::AddGroupMember { group, member } => add_member(s, lk, i, group, member),
        Change::RemoveGroupMember { group, member } => remove_member(s, lk, i, group, member),
        Change::AddDenyAssignment { .. } => deny::add_deny(s, lk, i, change),
        Change::RemoveDenyAssignment { id } => deny::remove_deny(s, lk, i, id),
        Change::ActivateEligibility { id } => rbac::activate(s, lk, i, id),
        Change::AddRoleDefinition { .. } => rbac::add_definition(s, lk, i, change),
    }
}

fn add_member(
    s: &mut Snapshot,
    lk: &mut Lookup,
    i: usize,
    group: &str,
    member: &str,
) -> Result<Applied> {
    let g = lk.principal(s, group).map_err(|m| err(i, "group", m));
    let m = lk.principal(s, member).map_err(|m| err(i, "member", m));
    let (g, m) = match (g, m) {
        (Ok(g), Ok(m)) => (g, m),
        (g, m) => return Err(g.err().into_iter().chain(m.err()).collect()),
    };
    if g.kind != PrincipalKind::Group {
        return Err(vec![err(
            i,
            "group",
            format!("'{}' is a {}, not a group", g.display_name, g.kind.as_str()),
        )]);
    }
    if g.id == m.id {
        return Err(vec![err(
            i,
            "member",
            "a group cannot be a member of itself",
        )]);
    }
    let (gid, mid) = (g.id.clone(), m.id.clone());
    if lk.membership(s, &gid, &mid).is_some() {
        return Err(vec![whole(
            i,
            format!(
                "{} is already a direct member of group {}",
                lk.label(s, &mid),
                lk.label(s, &gid)
            ),
        )]);
    }
    lk.add_membership(
        s,
        GroupMembership {
            group_id: gid.clone(),
            member_id: mid.clone(),
        },
    );
    Ok(Applied {
        index: i,
        change: Change::AddGroupMember {
            group: gid.clone(),
            member: mid.clone(),
        },
        undo: Some(Change::RemoveGroupMember {
            group: gid,
            member: mid,
        }),
        notes: Vec::new(),
    })
}

fn remove_member(
    s: &mut Snapshot,
    lk: &mut Lookup,
    i: usize,
    group: &str,
    member: &str,
) -> Result<Applied> {
    let g = lk.object_id(s, group).map_err(|m| err(i, "group", m));
    let m = lk.object_id(s, member).map_err(|m| err(i, "member", m));
    let (gid, mid) = match (g, m) {
        (Ok(g), Ok(m)) => (g, m),
        (g, m) => return Err(g.err().into_iter().chain(m.err()).collect()),
    };
    let Some(at) = lk.membership(s, &gid, &mid) else {
        return Err(vec![whole(
            i,
            format!(
                "{} is not a direct member of group {} in the snapshot",
                lk.label(s, &mid),
                lk.label(s, &gid)
            ),
        )]);
    };
    lk.remove_membership(s, at);
    let undo =
        (lk.in_directory(s, &gid) && lk.in_directory(s, &mid)).then(|| Change::AddGroupMember {
            group: gid.clone(),
            member: mid.clone(),
        });
    Ok(Applied {
        index: i,
        change: Change::RemoveGroupMember {
            group: gid,
            member: mid,
        },
        undo,
        notes: Vec::new(),
    })
}

// Helpers shared by the role-assignment and deny-assignment changes: ids, scopes, permission blocks.

/// `<scope>/providers/Microsoft.Authorization/<kind>/<guid>`, with the root written as the empty prefix.
pub(super) fn child_id(scope: &Scope, kind: &str, guid: &str) -> String {
    let prefix = if scope.id() == "/" { "" } else { scope.id() };
    format!("{prefix}/providers/Microsoft.Authorization/{kind}/{guid}")
}

/// An id given by the user (a GUID, or a full id of that kind) or derived from `parts`.
pub(super) fn object_id_for(
    i: usize,
    given: Option<&str>,
    scope: &Scope,
    kind: &str,
    parts: &[&str],
) -> std::result::Result<String, ChangeError> {
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
            format!("'{}' is neither a GUID nor a {kind} id", cut(text)),
        )),
    }
}

/// A scope as the CLI takes it: a full id, or a vault's name or URL (resolved against the snapshot, so the
/// applied change and the `az` commands carry the full id).
pub(super) fn parse_scope(
    s: &Snapshot,
    i: usize,
    field: &str,
    text: &str,
) -> std::result::Result<Scope, ChangeError> {
    crate::query::resolve_scope(s, text).map_err(|e| err(i, field, e.to_string()))
}

fn known_scope(
    s: &Snapshot,
    lk: &mut Lookup,
    i: usize,
    field: &str,
    text: &str,
) -> std::result::Result<Scope, ChangeError> {
    let scope = parse_scope(s, i, field, text)?;
    lk.check_scope(s, &scope).map_err(|m| err(i, field, m))?;
    Ok(scope)
}

pub(super) fn matches_id(actual: &str, given: &str) -> bool {
    if given.contains('/') {
        actual
            .trim_end_matches('/')
            .eq_ignore_ascii_case(given.trim().trim_end_matches('/'))
    } else {
        trailing_guid(actual) == given.trim().to_ascii_lowercase()
    }
}

pub(super) fn to_permission(spec: &PermissionSpec) -> Permission {
    let patterns = |l: &[String]| l.iter().map(|a| ActionPattern::new(a)).collect();
    Permission {
        actions: patterns(&spec.actions),
        not_actions: patterns(&spec.not_actions),
        data_actions: patterns(&spec.data_actions),
        not_data_actions: patterns(&spec.not_data_actions),
        condition: spec.condition.clone(),
    }
}
