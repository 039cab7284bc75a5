//! Which tenant an import covers. A snapshot is one tenant: its root (`/`) and management-group
//! assignments apply to every vault in it. `az account list --all` lists the subscriptions of every tenant
//! the login can reach, and `az role assignment list --include-inherited` reports each one's inherited
//! root and management-group assignments; putting two tenants in one snapshot would apply one tenant's
//! root grants to the other's vaults. So one tenant is imported, and the others' subscriptions are named
//! as left out.

use std::collections::BTreeMap;

use serde_json::Value;

use super::s;
use crate::model::guid;

/// The tenant to import and why it was chosen (`None`: the accounts name no tenant).
pub(super) struct Choice {
    pub tenant: Option<String>,
    pub why: String,
}

/// The tenant of an `az account list` record (`tenantId`), in its one spelling.
pub(super) fn of_account(a: &Value) -> Option<String> {
    s(a, "tenantId").map(guid::canonical)
}

/// The tenant whose tree `management-groups.json` shows: its root group's `properties.tenantId`, or the
/// root's name (the tenant root group is named after the tenant id).
fn of_tree(tree: &Value) -> Option<String> {
    let props = tree.get("properties").unwrap_or(tree);
    s(props, "tenantId")
        .or_else(|| s(tree, "tenantId"))
        .or_else(|| s(tree, "name").filter(|n| guid::is_guid(n)))
        .map(guid::canonical)
}

/// Picks the tenant: the one asked for; the only one; the management-group tree's; the default account's;
/// else the one with most subscriptions (the smallest id on a tie, so the choice is repeatable).
pub(super) fn choose(accounts: &[Value], tree: Option<&Value>, wanted: Option<&str>) -> Choice {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for a in accounts {
        if let Some(t) = of_account(a) {
            *counts.entry(t).or_default() += 1;
        }
    }
    if let Some(w) = wanted {
        return Choice {
            tenant: Some(guid::canonical(w)),
            why: "asked for with --tenant".into(),
        };
    }
    if counts.len() <= 1 {
        return Choice {
            tenant: counts.into_keys().next(),
            why: "the only tenant in account.json".into(),
        };
    }
    if let Some(t) = tree.and_then(of_tree).filter(|t| counts.contains_key(t)) {
        return Choice {
            tenant: Some(t),
            why: "the tenant of management-groups.json".into(),
        };
    }
    let default = accounts
        .iter()
        .find(|a| a.get("isDefault").and_then(Value::as_bool) == Some(true))
        .and_then(of_account);
    if let Some(t) = default {
        return Choice {
            tenant: Some(t),
            why: "the tenant of the default account (isDefault)".into(),
        };
    }
    let most = counts.values().copied().max().unwrap_or(0);
    Choice {
        tenant: counts.into_iter().find(|(_, n)| *n == most).map(|(t, _)| t),
        why: "the tenant with the most subscriptions".into(),
    }
}

/// Whether the management-group tree belongs to another tenant than `tenant`.
pub(super) fn tree_is_foreign(tree: &Value, tenant: Option<&str>) -> bool {
    matches!((of_tree(tree), tenant), (Some(t), Some(want)) if t != want)
}
