//! Network Security Perimeters from `az rest` output, one subscription folder at a time:
//!
//! ```text
//! <sub>/network-perimeters.json                  GET /subscriptions/<sub>/providers/Microsoft.Network/networkSecurityPerimeters
//! <sub>/nsp-<name>-profiles.json                 GET <perimeter id>/profiles
//! <sub>/nsp-<name>-rules-<profile>.json          GET <profile id>/accessRules
//! <sub>/nsp-<name>-associations.json             GET <perimeter id>/resourceAssociations
//! ```
//!
//! assembled into the snapshot's `networkSecurityPerimeters` shape (profiles with `accessRules`, and
//! `resourceAssociations`, inside each perimeter). A missing list is a collection error: a perimeter may
//! associate a vault of any subscription, so the loader then answers `unknown` for the public access of
//! every vault no association read names. A profile without its rules file is left out (its vaults are
//! `unknown`, never "no rule admits").

use std::path::Path;

use serde_json::Value;

use super::folder::{Folder, Shape, arm_object, misshapen, objects};
use super::{ImportError, add, error};
use crate::fetch::events::Section;
use crate::fetch::store::StateStore;

const SECTION: Section = Section::NetworkSecurityPerimeters;
const API: &str = crate::fetch::api::NETWORK_SECURITY_PERIMETERS;

/// The objects of `folder/name`; a missing or misshapen file is recorded at `scope` (then `None`).
fn list(
    root: &Folder,
    store: &mut StateStore,
    folder: &Path,
    name: &str,
    scope: &str,
    command: &str,
) -> Result<Option<Vec<Value>>, ImportError> {
    let path = folder.join(name);
    match root.read(&path)? {
        None => {
            error(
                store,
                scope,
                SECTION,
                format!("{name} was not exported ({command})"),
            );
            Ok(None)
        }
        Some(v) => match objects(v, Shape::List) {
            Ok(items) => Ok(Some(items)),
            Err(m) => {
                error(store, scope, SECTION, misshapen(&path, &m));
                Ok(None)
            }
        },
    }
}

fn rest(url: &str) -> String {
    format!("az rest --method get --url \"{url}?api-version={API}\"")
}

/// A file-name-safe perimeter or profile name (ARM allows letters, digits, `-`, `_` and `.`).
fn plain(name: &str) -> Option<&str> {
    (!name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
    .then_some(name)
}

pub(super) fn import(
    root: &Folder,
    store: &mut StateStore,
    folder: &Path,
    scope: &str,
) -> Result<(), ImportError> {
    let listed = list(
        root,
        store,
        folder,
        "network-perimeters.json",
        scope,
        &rest(&format!(
            "{scope}/providers/Microsoft.Network/networkSecurityPerimeters"
        )),
    )?;
    store.add(SECTION, Vec::new());
    let mut out = Vec::new();
    for p in listed.unwrap_or_default() {
        let p = arm_object(&p);
        let (Some(id), Some(name)) = (
            p.get("id").and_then(Value::as_str).map(str::to_string),
            p.get("name").and_then(Value::as_str).and_then(plain),
        ) else {
            error(
                store,
                scope,
                SECTION,
                "network-perimeters.json: a perimeter without a usable id and name was left out"
                    .into(),
            );
            continue;
        };
        let name = name.to_string();
        out.push(perimeter(root, store, folder, p.clone(), &id, &name)?);
    }
    add(store, SECTION, scope, out);
    Ok(())
}

fn perimeter(
    root: &Folder,
    store: &mut StateStore,
    folder: &Path,
    mut p: Value,
    id: &str,
    name: &str,
) -> Result<Value, ImportError> {
    let profiles = list(
        root,
        store,
        folder,
        &format!("nsp-{name}-profiles.json"),
        id,
        &rest(&format!("{id}/profiles")),
    )?;
    let mut kept = Vec::new();
    for profile in profiles.unwrap_or_default() {
        let mut profile = arm_object(&profile);
        let Some(pname) = profile.get("name").and_then(Value::as_str).and_then(plain) else {
            error(
                store,
                id,
                SECTION,
                format!("nsp-{name}-profiles.json: a profile without a usable name was left out"),
            );
            continue;
        };
        let pid = profile
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let rules = list(
            root,
            store,
            folder,
            &format!("nsp-{name}-rules-{pname}.json"),
            id,
            &rest(&format!("{pid}/accessRules")),
        )?;
        if let Some(rules) = rules {
            profile["accessRules"] = Value::Array(rules.iter().map(arm_object).collect());
            kept.push(profile);
        }
    }
    let associations = list(
        root,
        store,
        folder,
        &format!("nsp-{name}-associations.json"),
        id,
        &rest(&format!("{id}/resourceAssociations")),
    )?;
    p["profiles"] = Value::Array(kept);
    p["resourceAssociations"] = Value::Array(
        associations
            .unwrap_or_default()
            .iter()
            .map(arm_object)
            .collect(),
    );
    Ok(p)
}
