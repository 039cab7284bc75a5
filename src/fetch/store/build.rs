//! Turning the accumulated document into a snapshot: items the loader rejects are dropped, each recorded
//! (a collection error at its scope, or the whole attack-path section left out), until it loads.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde_json::Value;

use super::super::events::{CollectionErrorRecord, Section};
use crate::error::LoadError;
use crate::model::{Scope, Snapshot};
use crate::snapshot;

/// The scope an unreadable item is recorded at: its own scope when it names a readable one, else the root.
fn item_scope(section: Section, v: &Value) -> String {
    let candidates = [
        v.pointer("/properties/scope").and_then(Value::as_str),
        v.get("id").and_then(Value::as_str),
    ];
    for c in candidates.into_iter().flatten() {
        let c = match section {
            Section::RoleAssignments | Section::DenyAssignments | Section::RoleEligibilities => {
                let lower = c.to_ascii_lowercase();
                match lower.rfind("/providers/microsoft.authorization/") {
                    Some(0) => "/",
                    Some(at) => &c[..at],
                    None => c,
                }
            }
            _ => c,
        };
        if let Ok(s) = Scope::parse(c) {
            return s.id().to_string();
        }
    }
    "/".to_string()
}

/// Parses the document; items that the loader rejects are removed (and recorded) until it loads.
pub(super) fn build(mut doc: Value) -> (Snapshot, Value, Vec<String>) {
    let mut dropped = Vec::new();
    for _ in 0..8 {
        match snapshot::parse_value(&doc, Path::new("<fetched data>")) {
            Ok(s) => return (s, doc, dropped),
            Err(LoadError::Invalid { problems, .. }) => {
                let mut remove: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
                let mut reasons: HashMap<(String, usize), String> = HashMap::new();
                for p in &problems {
                    if let Some((section, index)) = split_path(&p.path) {
                        remove.entry(section.clone()).or_default().insert(index);
                        reasons
                            .entry((section, index))
                            .or_insert_with(|| format!("{}: {}", p.path, p.message));
                    }
                }
                if remove.is_empty() {
                    break;
                }
                let mut new_errors = Vec::new();
                for (key, indices) in &remove {
                    let section = Section::from_key(key);
                    // An attack-path section with an unreadable item is incomplete: missing, as a whole.
                    if let Some(s) = section.filter(|s| s.missing_when_incomplete())
                        && let Some(obj) = doc.as_object_mut()
                    {
                        obj.remove(key.as_str());
                        dropped.push(format!(
                            "{key}: an item could not be read ({}); the section is left out, so paths through it are unknown",
                            reasons.get(&(key.clone(), indices.first().copied().unwrap_or(0))).cloned().unwrap_or_default()
                        ));
                        new_errors.push(
                            CollectionErrorRecord {
                                scope: "/".into(),
                                section: s,
                                status: None,
                                message: "an item could not be read; the section is left out"
                                    .into(),
                            }
                            .to_json(),
                        );
                        continue;
                    }
                    let Some(list) = doc.get_mut(key.as_str()).and_then(Value::as_array_mut) else {
                        continue;
                    };
                    for &i in indices.iter().rev() {
                        if i >= list.len() {
                            continue;
                        }
                        let item = list.remove(i);
                        let reason = reasons.get(&(key.clone(), i)).cloned().unwrap_or_default();
                        dropped.push(format!(
                            "dropped an item Azure returned that kvaccess cannot read: {reason}"
                        ));
                        // A directory object or item that cannot be read is simply absent (the evaluator
                        // already says "unknown" for principals it does not know); an ARM object makes its
                        // scope unknown for that section.
                        match section {
                            Some(
                                Section::Principals
                                | Section::GroupMemberships
                                | Section::VaultItems,
                            )
                            | None => {}
                            Some(s) => new_errors.push(
                                CollectionErrorRecord {
                                    scope: item_scope(s, &item),
                                    section: s,
                                    status: None,
                                    message: format!(
                                        "an item could not be read and was left out ({reason})"
                                    ),
                                }
                                .to_json(),
                            ),
                        }
                    }
                }
                if let Some(errors) = doc
                    .get_mut("collectionErrors")
                    .and_then(Value::as_array_mut)
                {
                    errors.extend(new_errors);
                }
            }
            Err(_) => break,
        }
    }
    dropped.push("the collected data could not be turned into a snapshot".to_string());
    (Snapshot::default(), doc, dropped)
}

/// `roleAssignments[12].properties.principalId` → (`roleAssignments`, 12).
pub(super) fn split_path(path: &str) -> Option<(String, usize)> {
    let open = path.find('[')?;
    let close = path[open..].find(']')? + open;
    let index = path[open + 1..close].parse().ok()?;
    let section = &path[..open];
    (!section.contains('.')).then(|| (section.to_string(), index))
}
