//! Deny assignments, added and removed in the hypothetical world (in Azure itself only platform features such
//! as Blueprints, managed applications and deployment stacks create them).

use crate::model::pattern::ActionPattern;
use crate::model::{DenyAssignment, EVERYONE, Permission, Snapshot};
use crate::sanitize::cut;

use super::super::change::{Change, IdRef, PermissionSpec};
use super::lookup::Lookup;
use super::{Applied, Result, err, known_scope, matches_id, object_id_for, to_permission, whole};

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
    lk: &mut Lookup,
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
        match lk.principal(s, &r.id) {
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

pub(super) fn add_deny(
    s: &mut Snapshot,
    lk: &mut Lookup,
    i: usize,
    change: &Change,
) -> Result<Applied> {
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
    let sc = known_scope(s, lk, i, "scope", scope);
    let who = deny_principals(s, lk, i, "principals", principals, true);
    let excluded = deny_principals(s, lk, i, "excludePrincipals", exclude_principals, false);
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
            format!("a deny assignment with the id '{}' exists", cut(&full_id)),
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

pub(super) fn remove_deny(
    s: &mut Snapshot,
    lk: &mut Lookup,
    i: usize,
    id: &str,
) -> Result<Applied> {
    let Some(at) = s
        .deny_assignments
        .iter()
        .position(|d| matches_id(&d.id, id))
    else {
        return Err(vec![err(
            i,
            "id",
            format!("no deny assignment '{}' in the snapshot", cut(id)),
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
        .all(|p| p == EVERYONE || lk.in_directory(s, p))
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
