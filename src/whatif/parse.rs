//! JSON → [`Change`], every problem named by the change's index and field. Only the shape is checked
//! here; whether the principal, role or vault exists is [`apply`](super::apply)'s business, because it
//! depends on the changes before.

use serde_json::Value;

use super::change::{Change, ChangeKind, IdRef};
use super::{ChangeError, WhatIfError};
use crate::suggest::did_you_mean;

mod fields;
use fields::{Fields, json_type};

/// Parses a change list (a JSON array). Returns each change with its `enabled` flag.
pub fn parse_changes(text: &str) -> Result<Vec<(Change, bool)>, WhatIfError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(text).map_err(|e| WhatIfError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or("")
            .to_string(),
    })?;
    let Value::Array(items) = value else {
        return Err(WhatIfError::NotAList(json_type(&value).to_string()));
    };
    let mut out = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match parse_change(i, item) {
            Ok(c) => out.push(c),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(WhatIfError::Invalid(errors))
    }
}

/// Parses one change object; `index` is its position in the list (for messages).
pub fn parse_change(index: usize, value: &Value) -> Result<(Change, bool), Vec<ChangeError>> {
    let Value::Object(obj) = value else {
        return Err(vec![ChangeError::new(
            index,
            None,
            format!(
                "expected an object with a \"kind\", found {}",
                json_type(value)
            ),
        )]);
    };
    let kind = match obj.get("kind") {
        Some(Value::String(k)) => k.trim().to_string(),
        Some(other) => {
            return Err(vec![ChangeError::new(
                index,
                Some("kind"),
                format!("expected a string, found {}", json_type(other)),
            )]);
        }
        None => {
            return Err(vec![ChangeError::new(
                index,
                Some("kind"),
                format!("missing (one of {})", ChangeKind::list()),
            )]);
        }
    };
    let mut f = Fields {
        index,
        obj,
        used: Vec::new(),
        errors: Vec::new(),
    };
    let enabled = f.opt_bool("enabled").unwrap_or(true);
    f.used.clear();
    let Some(tag) = ChangeKind::parse(&kind) else {
        let hint = did_you_mean(&kind, ChangeKind::ALL.map(ChangeKind::as_str).into_iter())
            .map(|s| format!(" (did you mean '{s}'?)"))
            .unwrap_or_default();
        return Err(vec![ChangeError::new(
            index,
            Some("kind"),
            format!(
                "unknown kind '{kind}'{hint}; expected one of {}",
                ChangeKind::list()
            ),
        )]);
    };
    let change = match tag {
        ChangeKind::AddRoleAssignment => Change::AddRoleAssignment {
            principal: f.req_str("principal"),
            role: f.req_str("role"),
            scope: f.req_str("scope"),
            condition: f.opt_str("condition"),
            condition_version: f.opt_str("conditionVersion"),
            id: f.opt_str("id"),
        },
        ChangeKind::RemoveRoleAssignment => {
            let c = Change::RemoveRoleAssignment {
                id: f.opt_str("id"),
                principal: f.opt_str("principal"),
                role: f.opt_str("role"),
                scope: f.opt_str("scope"),
            };
            if let Change::RemoveRoleAssignment {
                id: None,
                principal,
                role,
                scope,
            } = &c
                && (principal.is_none() || role.is_none() || scope.is_none())
            {
                f.errors.push(ChangeError::new(
                    index,
                    None,
                    "give the assignment's id, or its principal, role and scope",
                ));
            }
            c
        }
        ChangeKind::AddAccessPolicy => Change::AddAccessPolicy {
            vault: f.req_str("vault"),
            object_id: f.req_str("objectId"),
            application_id: f.opt_str("applicationId"),
            tenant_id: f.opt_str("tenantId"),
            permissions: f.policy_permissions("permissions"),
        },
        ChangeKind::RemoveAccessPolicy => Change::RemoveAccessPolicy {
            vault: f.req_str("vault"),
            object_id: f.req_str("objectId"),
            application_id: f.opt_str("applicationId"),
        },
        ChangeKind::SetPermissionModel => Change::SetPermissionModel {
            vault: f.req_str("vault"),
            enable_rbac_authorization: f.req_bool("enableRbacAuthorization"),
        },
        ChangeKind::AddGroupMember => Change::AddGroupMember {
            group: f.req_str("group"),
            member: f.req_str("member"),
        },
        ChangeKind::RemoveGroupMember => Change::RemoveGroupMember {
            group: f.req_str("group"),
            member: f.req_str("member"),
        },
        ChangeKind::SetNetworkAcls => Change::SetNetworkAcls {
            vault: f.req_str("vault"),
            network_acls: f.network_acls("networkAcls"),
        },
        ChangeKind::SetPublicNetworkAccess => Change::SetPublicNetworkAccess {
            vault: f.req_str("vault"),
            value: f.req_str("value"),
        },
        ChangeKind::AddDenyAssignment => Change::AddDenyAssignment {
            id: f.opt_str("id"),
            deny_assignment_name: f.opt_str("denyAssignmentName"),
            scope: f.req_str("scope"),
            permissions: f.permissions("permissions"),
            principals: f
                .id_refs("principals", "id")
                .into_iter()
                .map(|id| IdRef { id })
                .collect(),
            exclude_principals: f
                .id_refs("excludePrincipals", "id")
                .into_iter()
                .map(|id| IdRef { id })
                .collect(),
            do_not_apply_to_child_scopes: f.opt_bool("doNotApplyToChildScopes").unwrap_or(false),
        },
        ChangeKind::RemoveDenyAssignment => Change::RemoveDenyAssignment {
            id: f.req_str("id"),
        },
        ChangeKind::ActivateEligibility => Change::ActivateEligibility {
            id: f.req_str("id"),
        },
        ChangeKind::AddRoleDefinition => Change::AddRoleDefinition {
            id: f.opt_str("id"),
            role_name: f.req_str("roleName"),
            description: f.opt_str("description"),
            assignable_scopes: f.strings("assignableScopes"),
            permissions: f.permissions("permissions"),
        },
    };
    let errors = f.finish(&kind);
    if errors.is_empty() {
        Ok((change, enabled))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests;
