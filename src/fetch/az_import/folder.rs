//! The export folder as `import --az` may use it: files read only from inside it (a link that leaves it is
//! refused), only regular files ([`crate::files::read_text`]), and of the documented shape. A file of the
//! wrong shape is not read as "nothing there": the caller records a collection error for its section.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::ImportError;

/// Top-level fields of the ARM objects the snapshot format defines (sections keep Azure's shapes below
/// `properties`); anything else an export file carries is not copied.
const ARM_FIELDS: [&str; 9] = [
    "id",
    "name",
    "type",
    "location",
    "properties",
    "subscriptionId",
    "displayName",
    "tenantId",
    "state",
];

/// The fields of a directory object: what the fetcher asks Graph for (`graph::MEMBER_FIELDS`), and its type.
const DIRECTORY_FIELDS: [&str; 10] = [
    "@odata.type",
    "id",
    "displayName",
    "userPrincipalName",
    "mail",
    "appId",
    "servicePrincipalType",
    "securityEnabled",
    "groupTypes",
    "mailEnabled",
];

fn keep(v: &Value, fields: &[&str]) -> Value {
    let Value::Object(o) = v else {
        return v.clone();
    };
    let kept: Map<String, Value> = fields
        .iter()
        .filter_map(|f| o.get(*f).map(|x| (f.to_string(), x.clone())))
        .collect();
    Value::Object(kept)
}

/// An ARM object with only the fields the format defines.
pub(super) fn arm_object(v: &Value) -> Value {
    keep(v, &ARM_FIELDS)
}

/// A directory object with only the fields the format defines.
pub(super) fn directory_object(v: &Value) -> Value {
    keep(v, &DIRECTORY_FIELDS)
}

/// What a file is expected to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// A JSON array of objects, or a REST page `{"value": [...]}` (every `… list` command).
    List,
    /// That, or one object (`… show`).
    ListOrOne,
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The file's objects, or why the file is not of the expected shape.
pub(super) fn objects(v: Value, shape: Shape) -> Result<Vec<Value>, String> {
    let items = match v {
        Value::Array(a) => a,
        Value::Object(mut o) if o.get("value").is_some_and(Value::is_array) => {
            match o.remove("value") {
                Some(Value::Array(a)) => a,
                _ => Vec::new(),
            }
        }
        Value::Object(o) if shape == Shape::ListOrOne => vec![Value::Object(o)],
        other => {
            return Err(format!(
                "{} where {} was expected",
                json_kind(&other),
                match shape {
                    Shape::List => "a list (a JSON array, or {\"value\": [...]})",
                    Shape::ListOrOne => "an object or a list of objects",
                }
            ));
        }
    };
    if let Some((i, bad)) = items.iter().enumerate().find(|(_, v)| !v.is_object()) {
        return Err(format!("item [{i}] is {}, not an object", json_kind(bad)));
    }
    Ok(items)
}

/// A collection error's text for a file that is not of the documented shape.
pub(super) fn misshapen(path: &Path, why: &str) -> String {
    format!(
        "{}: {why}; this section is unknown here until the file is exported again",
        path.display()
    )
}

/// The export folder, resolved once.
#[derive(Debug)]
pub(super) struct Folder {
    root: PathBuf,
}

impl Folder {
    pub fn open(dir: &Path) -> Result<Self, ImportError> {
        let root = dir
            .canonicalize()
            .map_err(|e| ImportError::Io(dir.to_path_buf(), e))?;
        Ok(Self { root })
    }

    /// Whether `path` exists, refusing it if it (or a link on the way) resolves outside the folder.
    pub fn exists(&self, path: &Path) -> Result<bool, ImportError> {
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(ImportError::Io(path.to_path_buf(), e)),
            Ok(_) => {}
        }
        let real = path
            .canonicalize()
            .map_err(|e| ImportError::Io(path.to_path_buf(), e))?;
        if real.starts_with(&self.root) {
            Ok(true)
        } else {
            Err(ImportError::Outside {
                file: path.to_path_buf(),
                target: real,
            })
        }
    }

    /// Whether `path` is a directory inside the folder.
    pub fn is_dir(&self, path: &Path) -> Result<bool, ImportError> {
        Ok(self.exists(path)? && path.is_dir())
    }

    /// The JSON of a file inside the folder; `None` when it does not exist.
    pub fn read(&self, path: &Path) -> Result<Option<Value>, ImportError> {
        if !self.exists(path)? {
            return Ok(None);
        }
        let text =
            crate::files::read_text(path).map_err(|e| ImportError::Io(path.to_path_buf(), e))?;
        // `az` may print a UTF-8 byte order mark on some platforms.
        let text = text.trim_start_matches('\u{feff}');
        serde_json::from_str(text)
            .map(Some)
            .map_err(|e| ImportError::Syntax {
                file: path.to_path_buf(),
                line: e.line(),
                column: e.column(),
                message: e
                    .to_string()
                    .split(" at line ")
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            })
    }
}

#[cfg(test)]
mod tests;
