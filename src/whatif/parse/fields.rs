//! Reading one change object's fields: each typed accessor records what it used and names any problem by
//! the change's index and the field's path; [`Fields::finish`] reports the fields nobody asked for.

use serde_json::{Map, Value};

use super::super::ChangeError;
use super::super::change::{IdRef, IpRuleRef, NetworkAclsSpec, PermissionSpec, PolicyPermissions};
use crate::suggest::did_you_mean;

pub(super) fn json_type(v: &Value) -> &'static str {
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
pub(super) struct Fields<'a> {
    pub(super) index: usize,
    pub(super) obj: &'a Map<String, Value>,
    pub(super) used: Vec<&'static str>,
    pub(super) errors: Vec<ChangeError>,
}

impl<'a> Fields<'a> {
    pub(super) fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .push(ChangeError::new(self.index, Some(field), message));
    }

    pub(super) fn get(&mut self, name: &'static str) -> Option<&'a Value> {
        self.used.push(name);
        self.obj.get(name).filter(|v| !v.is_null())
    }

    pub(super) fn opt_str(&mut self, name: &'static str) -> Option<String> {
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

    pub(super) fn req_str(&mut self, name: &'static str) -> String {
        let missing = self.obj.get(name).is_none_or(Value::is_null);
        let v = self.opt_str(name);
        if missing {
            self.error(name, "missing");
        }
        v.unwrap_or_default()
    }

    pub(super) fn req_bool(&mut self, name: &'static str) -> bool {
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

    pub(super) fn opt_bool(&mut self, name: &'static str) -> Option<bool> {
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
    pub(super) fn strings_at(&mut self, value: Option<&Value>, path: &str) -> Vec<String> {
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

    pub(super) fn strings(&mut self, name: &'static str) -> Vec<String> {
        let v = self.get(name);
        self.strings_at(v, name)
    }

    /// `[{"id": …}]` or `["…"]`.
    pub(super) fn id_refs(&mut self, name: &'static str, key: &'static str) -> Vec<String> {
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

    pub(super) fn permissions(&mut self, name: &'static str) -> Vec<PermissionSpec> {
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

    pub(super) fn policy_permissions(&mut self, name: &'static str) -> PolicyPermissions {
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

    pub(super) fn network_acls(&mut self, name: &'static str) -> Option<NetworkAclsSpec> {
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

    pub(super) fn nested_refs(
        &mut self,
        value: Option<&Value>,
        path: &str,
        key: &str,
    ) -> Vec<String> {
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
    pub(super) fn finish(mut self, kind: &str) -> Vec<ChangeError> {
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
