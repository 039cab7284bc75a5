//! What the exported files name but do not describe: object ids that role assignments, deny assignments,
//! access policies and group memberships name without a directory object in principals.json (or in a
//! member list or an assignment's `principalName`), and applications compound entries name by appId alone.
//! Answers about such principals are "unknown"; the import says which ids to collect.

use std::collections::BTreeSet;

use serde_json::Value;

use super::super::events::Section;
use super::super::store::StateStore;
use crate::model::{EVERYONE, guid};

fn ids_at<'v>(v: &'v Value, pointer: &str) -> impl Iterator<Item = &'v str> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("id").and_then(Value::as_str))
}

/// Object ids the data names, in their one spelling (the Everyone id is no directory object).
fn named_ids(store: &StateStore) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut add = |id: Option<&str>| {
        if let Some(id) = id.filter(|i| guid::is_guid(i)).map(guid::canonical)
            && id != EVERYONE
        {
            ids.insert(id);
        }
    };
    for section in [Section::RoleAssignments, Section::RoleEligibilities] {
        for a in store.items(section) {
            add(a.pointer("/properties/principalId").and_then(Value::as_str));
        }
    }
    for d in store.items(Section::DenyAssignments) {
        ids_at(d, "/properties/principals").for_each(|id| add(Some(id)));
        ids_at(d, "/properties/excludePrincipals").for_each(|id| add(Some(id)));
    }
    for v in store.items(Section::Vaults) {
        for p in policies(v) {
            add(p.get("objectId").and_then(Value::as_str));
        }
    }
    for m in store.items(Section::GroupMemberships) {
        add(m.get("groupId").and_then(Value::as_str));
        add(m.get("memberId").and_then(Value::as_str));
    }
    ids
}

fn policies(vault: &Value) -> impl Iterator<Item = &Value> {
    vault
        .pointer("/properties/accessPolicies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn present(store: &StateStore, key: &str) -> BTreeSet<String> {
    store
        .items(Section::Principals)
        .filter_map(|p| p.get(key).and_then(Value::as_str))
        .filter(|i| guid::is_guid(i))
        .map(guid::canonical)
        .collect()
}

/// Object ids named but without a directory object, sorted.
pub(super) fn lacking_principals(store: &StateStore) -> Vec<String> {
    let known = present(store, "id");
    named_ids(store)
        .into_iter()
        .filter(|id| !known.contains(id))
        .collect()
}

/// Application ids compound access-policy entries name whose service principal is not in the data: the
/// answers stand, but they can only name the application by its appId.
pub(super) fn unnamed_apps(store: &StateStore) -> Vec<String> {
    let known = present(store, "appId");
    let apps: BTreeSet<String> = store
        .items(Section::Vaults)
        .flat_map(policies)
        .filter_map(|p| p.get("applicationId").and_then(Value::as_str))
        .filter(|a| guid::is_guid(a))
        .map(guid::canonical)
        .filter(|a| !known.contains(a))
        .collect();
    apps.into_iter().collect()
}
