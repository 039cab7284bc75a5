//! One entry of `resource_changes`: its action, and its attribute values as the plan shows them — known,
//! known to be null, or unknown until apply (`after_unknown`).

use serde_json::{Map, Value};

use super::super::plan::PlanError;

/// What Terraform will do to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
    /// `["delete","create"]` or `["create","delete"]`.
    Replace,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Replace => "replace",
        }
    }

    /// `None` for the actions that change nothing (`no-op`, `read`, `forget`).
    pub fn from_actions(actions: &[&str]) -> Result<Option<Self>, String> {
        Ok(match actions {
            ["no-op"] | ["read"] | ["forget"] => None,
            ["create"] => Some(Self::Create),
            ["update"] => Some(Self::Update),
            ["delete"] => Some(Self::Delete),
            ["delete", "create"] | ["create", "delete"] => Some(Self::Replace),
            other => return Err(format!("unknown actions {other:?}")),
        })
    }

    pub fn removes(self) -> bool {
        matches!(self, Self::Delete | Self::Replace | Self::Update)
    }

    pub fn adds(self) -> bool {
        matches!(self, Self::Create | Self::Replace | Self::Update)
    }
}

/// An attribute of the planned (after) state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field<'p> {
    Known(&'p Value),
    /// Known to be null (not set).
    Null,
    /// Known only after apply.
    Unknown,
}

/// One `resource_changes[i]` entry.
#[derive(Debug, Clone)]
pub struct Instance<'p> {
    pub address: &'p str,
    /// `resource_changes[3]`.
    pub path: String,
    pub kind: &'p str,
    pub action: Action,
    pub before: Option<&'p Map<String, Value>>,
    pub after: Option<&'p Map<String, Value>>,
    pub unknown: Option<&'p Value>,
}

/// Whether an `after_unknown` value marks anything unknown.
pub fn any_unknown(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Array(a) => a.iter().any(any_unknown),
        Value::Object(o) => o.values().any(any_unknown),
        _ => false,
    }
}

impl<'p> Instance<'p> {
    /// Reads `resource_changes[i]`; `Ok(None)` for entries that change nothing (data sources, no-ops).
    pub fn read(i: usize, rc: &'p Value) -> Result<Option<Self>, PlanError> {
        let path = format!("resource_changes[{i}]");
        let obj = rc
            .as_object()
            .ok_or_else(|| PlanError::new(&path, "expected an object"))?;
        let text = |key: &str| -> Result<&'p str, PlanError> {
            obj.get(key)
                .and_then(Value::as_str)
                .ok_or_else(|| PlanError::new(format!("{path}.{key}"), "missing (a string)"))
        };
        let address = text("address")?;
        let kind = text("type")?;
        if obj.get("mode").and_then(Value::as_str) == Some("data") {
            return Ok(None);
        }
        let change = obj
            .get("change")
            .and_then(Value::as_object)
            .ok_or_else(|| PlanError::new(format!("{path}.change"), "missing (an object)"))?;
        let actions: Vec<&str> = change
            .get("actions")
            .and_then(Value::as_array)
            .ok_or_else(|| PlanError::new(format!("{path}.change.actions"), "missing (an array)"))?
            .iter()
            .map(|a| a.as_str().unwrap_or("?"))
            .collect();
        let Some(action) = Action::from_actions(&actions)
            .map_err(|m| PlanError::new(format!("{path}.change.actions"), m))?
        else {
            return Ok(None);
        };
        let side = |key: &str| -> Result<Option<&'p Map<String, Value>>, PlanError> {
            match change.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Object(o)) => Ok(Some(o)),
                Some(_) => Err(PlanError::new(
                    format!("{path}.change.{key}"),
                    "expected an object or null",
                )),
            }
        };
        let (before, after) = (side("before")?, side("after")?);
        let needs = |present: bool, key: &str| {
            if present {
                Ok(())
            } else {
                Err(PlanError::new(
                    format!("{path}.change.{key}"),
                    format!("missing: a {} needs it", action.as_str()),
                ))
            }
        };
        if action.removes() {
            needs(before.is_some(), "before")?;
        }
        if action.adds() {
            needs(after.is_some(), "after")?;
        }
        Ok(Some(Self {
            address,
            path,
            kind,
            action,
            before,
            after,
            unknown: change.get("after_unknown"),
        }))
    }

    /// The planned value of a top-level attribute.
    pub fn field(&self, name: &str) -> Field<'p> {
        if self
            .unknown
            .and_then(|u| u.get(name))
            .is_some_and(any_unknown)
        {
            return Field::Unknown;
        }
        match self.after.and_then(|a| a.get(name)) {
            None | Some(Value::Null) => Field::Null,
            Some(v) => Field::Known(v),
        }
    }

    /// A top-level attribute before the change.
    pub fn before_value(&self, name: &str) -> Option<&'p Value> {
        self.before
            .and_then(|b| b.get(name))
            .filter(|v| !v.is_null())
    }

    pub fn before_str(&self, name: &str) -> Option<&'p str> {
        self.before_value(name).and_then(Value::as_str)
    }

    /// The JSON path of an attribute of the after state, for messages.
    pub fn after_path(&self, name: &str) -> String {
        format!("{}.change.after.{name}", self.path)
    }
}

/// A string list attribute (permission lists): `null` is empty.
pub fn strings(v: Option<&Value>, path: &str) -> Result<Vec<String>, PlanError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(n, s)| {
                s.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| PlanError::new(format!("{path}[{n}]"), "expected a string"))
            })
            .collect(),
        Some(_) => Err(PlanError::new(path, "expected an array of strings")),
    }
}

/// One step of an attribute path: `identity[0].principal_id` is `identity`, `0`, `principal_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Name(String),
    Index(usize),
    Key(String),
}

/// Splits a Terraform reference (`module.m["a"].azurerm_x.y[0].identity[0].principal_id`) into steps.
pub fn steps(reference: &str) -> Vec<Step> {
    let mut out = Vec::new();
    let mut rest = reference;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').unwrap_or(r.len());
            let inner = &r[..end];
            out.push(match inner.parse::<usize>() {
                Ok(n) => Step::Index(n),
                Err(_) => Step::Key(inner.trim_matches('"').to_string()),
            });
            rest = r.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            out.push(Step::Name(rest[..end].to_string()));
            rest = &rest[end..];
        }
    }
    out
}

/// Writes steps back as Terraform writes them.
pub fn join(steps: &[Step]) -> String {
    let mut s = String::new();
    for step in steps {
        match step {
            Step::Name(n) if s.is_empty() => s.push_str(n),
            Step::Name(n) => {
                s.push('.');
                s.push_str(n);
            }
            Step::Index(i) => s.push_str(&format!("[{i}]")),
            Step::Key(k) => s.push_str(&format!("[\"{k}\"]")),
        }
    }
    s
}

/// The value at an attribute path inside a resource's values.
pub fn value_at<'v>(mut v: &'v Value, path: &[Step]) -> Option<&'v Value> {
    for step in path {
        v = match step {
            Step::Name(n) | Step::Key(n) => v.get(n.as_str())?,
            Step::Index(i) => v.get(*i)?,
        };
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_into_steps_and_back() {
        let r = "module.m[\"a\"].azurerm_x.y[0].identity[0].principal_id";
        let s = steps(r);
        assert_eq!(s[1], Step::Name("m".into()));
        assert_eq!(s[2], Step::Key("a".into()));
        assert_eq!(s[5], Step::Index(0));
        assert_eq!(join(&s), r);
    }

    #[test]
    fn unknown_marks_are_found_at_any_depth() {
        let u: Value = serde_json::json!({"a": [false, {"b": true}]});
        assert!(any_unknown(&u));
        assert!(!any_unknown(&serde_json::json!({"a": [false]})));
    }

    #[test]
    fn actions_read_as_terraform_writes_them() {
        assert_eq!(
            Action::from_actions(&["create", "delete"]),
            Ok(Some(Action::Replace))
        );
        assert_eq!(Action::from_actions(&["no-op"]), Ok(None));
        assert!(Action::from_actions(&["explode"]).is_err());
    }
}
