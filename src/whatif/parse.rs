//! JSON → [`Change`], every problem named by the change's index and field. Only the shape is checked
//! here; whether the principal, role or vault exists is [`apply`](super::apply)'s business, because it
//! depends on the changes before.

use serde_json::{Map, Value};

use super::change::{
    Change, ChangeKind, IdRef, IpRuleRef, NetworkAclsSpec, PermissionSpec, PolicyPermissions,
};
use super::{ChangeError, WhatIfError};
use crate::suggest::did_you_mean;

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

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads the fields of one change object, remembering which were used and what was wrong.
struct Fields<'a> {
    index: usize,
    obj: &'a Map<String, Value>,
    used: Vec<&'static str>,
    errors: Vec<ChangeError>,
}

impl<'a> Fields<'a> {
    fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .push(ChangeError::new(self.index, Some(field), message));
    }

    fn get(&mut self, name: &'static str) -> Option<&'a Value> {
        self.used.push(name);
        self.obj.get(name).filter(|v| !v.is_null())
    }

    fn opt_str(&mut self, name: &'static str) -> Option<String> {
        match self.get(name)? {
            Value::String(s) if s.trim().is_empty() => {
                self.error(name, "empty");
                None
            }
            Value::String(s) => Some(s.trim().to_string()),
            other => {
                let found = json_type(other);
                self.error(name, format!("expected a string, found {found}"));
                None
            }
        }
    }

    fn req_str(&mut self, name: &'static str) -> String {
        let missing = self.obj.get(name).is_none_or(Value::is_null);
        let v = self.opt_str(name);
        if missing {
            self.error(name, "missing");
        }
        v.unwrap_or_default()
    }

    fn req_bool(&mut self, name: &'static str) -> bool {
        match self.get(name) {
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                let found = json_type(other);
                self.error(name, format!("expected true or false, found {found}"));
                false
            }
            None => {
                self.error(name, "missing (true or false)");
                false
            }
        }
    }

    fn opt_bool(&mut self, name: &'static str) -> Option<bool> {
        match self.get(name)? {
            Value::Bool(b) => Some(*b),
            other => {
                let found = json_type(other);
                self.error(name, format!("expected true or false, found {found}"));
                None
            }
        }
    }

    /// An array of strings at `path` (`value` is already looked up).
    fn strings_at(&mut self, value: Option<&Value>, path: &str) -> Vec<String> {
        match value {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(i, v)| match v {
                    Value::String(s) => Some(s.trim().to_string()),
                    other => {
                        let found = json_type(other);
                        self.error(
                            &format!("{path}[{i}]"),
                            format!("expected a string, found {found}"),
                        );
                        None
                    }
                })
                .collect(),
            Some(other) => {
                let found = json_type(other);
                self.error(path, format!("expected an array of strings, found {found}"));
                Vec::new()
            }
        }
    }

    fn strings(&mut self, name: &'static str) -> Vec<String> {
        let v = self.get(name);
        self.strings_at(v, name)
    }

    /// `[{"id": …}]` or `["…"]`.
    fn id_refs(&mut self, name: &'static str, key: &'static str) -> Vec<String> {
        let Some(value) = self.get(name) else {
            return Vec::new();
        };
        let Value::Array(items) = value else {
            let found = json_type(value);
            self.error(name, format!("expected an array, found {found}"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, v) in items.iter().enumerate() {
            match v {
                Value::String(s) => out.push(s.trim().to_string()),
                Value::Object(o) => match o.get(key) {
                    Some(Value::String(s)) => out.push(s.trim().to_string()),
                    _ => self.error(&format!("{name}[{i}].{key}"), "missing (expected a string)"),
                },
                other => {
                    let found = json_type(other);
                    self.error(
                        &format!("{name}[{i}]"),
                        format!("expected a string or {{\"{key}\": …}}, found {found}"),
                    );
                }
            }
        }
        out
    }

    fn permissions(&mut self, name: &'static str) -> Vec<PermissionSpec> {
        let Some(value) = self.get(name) else {
            self.error(
                name,
                "missing (an array of {actions, notActions, dataActions, notDataActions})",
            );
            return Vec::new();
        };
        let Value::Array(blocks) = value else {
            let found = json_type(value);
            self.error(name, format!("expected an array, found {found}"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, block) in blocks.iter().enumerate() {
            let path = format!("{name}[{i}]");
            let Value::Object(o) = block else {
                let found = json_type(block);
                self.error(&path, format!("expected an object, found {found}"));
                continue;
            };
            const KEYS: [&str; 6] = [
                "actions",
                "notActions",
                "dataActions",
                "notDataActions",
                "condition",
                "conditionVersion",
            ];
            for key in o.keys() {
                if !KEYS.contains(&key.as_str()) {
                    self.error(
                        &format!("{path}.{key}"),
                        format!(
                            "unknown field (a permission block takes {})",
                            KEYS.join(", ")
                        ),
                    );
                }
            }
            let condition = match o.get("condition") {
                Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
                None | Some(Value::Null) | Some(Value::String(_)) => None,
                Some(other) => {
                    let found = json_type(other);
                    self.error(
                        &format!("{path}.condition"),
                        format!("expected a string, found {found}"),
                    );
                    None
                }
            };
            out.push(PermissionSpec {
                actions: self.strings_at(o.get("actions"), &format!("{path}.actions")),
                not_actions: self.strings_at(o.get("notActions"), &format!("{path}.notActions")),
                data_actions: self.strings_at(o.get("dataActions"), &format!("{path}.dataActions")),
                not_data_actions: self
                    .strings_at(o.get("notDataActions"), &format!("{path}.notDataActions")),
                condition,
            });
        }
        if out.is_empty() && self.errors.is_empty() {
            self.error(name, "empty: give at least one permission block");
        }
        out
    }

    fn policy_permissions(&mut self, name: &'static str) -> PolicyPermissions {
        let Some(value) = self.get(name) else {
            self.error(
                name,
                "missing (an object with keys, secrets, certificates, storage)",
            );
            return PolicyPermissions::default();
        };
        let Value::Object(o) = value else {
            let found = json_type(value);
            self.error(name, format!("expected an object, found {found}"));
            return PolicyPermissions::default();
        };
        for key in o.keys() {
            if !["keys", "secrets", "certificates", "storage"].contains(&key.as_str()) {
                self.error(
                    &format!("{name}.{key}"),
                    "unknown permission list (keys, secrets, certificates or storage)",
                );
            }
        }
        let mut list = |k: &str| self.strings_at(o.get(k), &format!("{name}.{k}"));
        PolicyPermissions {
            keys: list("keys"),
            secrets: list("secrets"),
            certificates: list("certificates"),
            storage: list("storage"),
        }
    }

    fn network_acls(&mut self, name: &'static str) -> Option<NetworkAclsSpec> {
        self.used.push(name);
        let value = match self.obj.get(name) {
            None => {
                self.error(name, "missing (an object, or null to remove the firewall)");
                return None;
            }
            Some(Value::Null) => return None,
            Some(v) => v,
        };
        let Value::Object(o) = value else {
            let found = json_type(value);
            self.error(name, format!("expected an object or null, found {found}"));
            return None;
        };
        const KEYS: [&str; 4] = ["defaultAction", "bypass", "ipRules", "virtualNetworkRules"];
        for key in o.keys() {
            if !KEYS.contains(&key.as_str()) {
                self.error(
                    &format!("{name}.{key}"),
                    format!("unknown field (networkAcls takes {})", KEYS.join(", ")),
                );
            }
        }
        let mut text = |key: &str, allowed: [&str; 2], default: &str| -> String {
            match o.get(key) {
                None | Some(Value::Null) => default.to_string(),
                Some(Value::String(s)) => {
                    match allowed.iter().find(|a| a.eq_ignore_ascii_case(s.trim())) {
                        Some(a) => a.to_string(),
                        None => {
                            self.error(
                                &format!("{name}.{key}"),
                                format!("'{s}' is not one of {}", allowed.join(", ")),
                            );
                            default.to_string()
                        }
                    }
                }
                Some(other) => {
                    let found = json_type(other);
                    self.error(
                        &format!("{name}.{key}"),
                        format!("expected a string, found {found}"),
                    );
                    default.to_string()
                }
            }
        };
        let default_action = text("defaultAction", ["Allow", "Deny"], "Allow");
        let bypass = text("bypass", ["AzureServices", "None"], "AzureServices");
        let ip_rules = self
            .nested_refs(o.get("ipRules"), &format!("{name}.ipRules"), "value")
            .into_iter()
            .map(|value| IpRuleRef { value })
            .collect();
        let virtual_network_rules = self
            .nested_refs(
                o.get("virtualNetworkRules"),
                &format!("{name}.virtualNetworkRules"),
                "id",
            )
            .into_iter()
            .map(|id| IdRef { id })
            .collect();
        Some(NetworkAclsSpec {
            default_action,
            bypass,
            ip_rules,
            virtual_network_rules,
        })
    }

    fn nested_refs(&mut self, value: Option<&Value>, path: &str, key: &str) -> Vec<String> {
        match value {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, v) in items.iter().enumerate() {
                    match v {
                        Value::String(s) => out.push(s.trim().to_string()),
                        Value::Object(o) => match o.get(key) {
                            Some(Value::String(s)) => out.push(s.trim().to_string()),
                            _ => self.error(
                                &format!("{path}[{i}].{key}"),
                                "missing (expected a string)",
                            ),
                        },
                        other => {
                            let found = json_type(other);
                            self.error(
                                &format!("{path}[{i}]"),
                                format!("expected a string or {{\"{key}\": …}}, found {found}"),
                            )
                        }
                    }
                }
                out
            }
            Some(other) => {
                let found = json_type(other);
                self.error(path, format!("expected an array, found {found}"));
                Vec::new()
            }
        }
    }

    /// Reports fields this kind does not take.
    fn finish(mut self, kind: &str) -> Vec<ChangeError> {
        let unknown: Vec<String> = self
            .obj
            .keys()
            .filter(|k| k.as_str() != "kind" && k.as_str() != "enabled")
            .filter(|k| !self.used.contains(&k.as_str()))
            .cloned()
            .collect();
        let mut takes = self.used.clone();
        takes.dedup();
        for key in unknown {
            let hint = did_you_mean(&key, takes.iter().copied())
                .map(|s| format!(" (did you mean '{s}'?)"))
                .unwrap_or_default();
            self.error(
                &key,
                format!(
                    "unknown field for {kind}{hint}; it takes {}",
                    takes.join(", ")
                ),
            );
        }
        self.errors
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
