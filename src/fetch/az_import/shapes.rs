//! The shapes `az` prints, turned into the ARM and snapshot shapes the store takes: subscriptions from
//! `az account list`, flattened role definitions and assignments, the management-group tree.

use serde_json::{Value, json};

use super::folder::arm_object;

pub(super) fn s<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

pub(super) fn is_guid(s: &str) -> bool {
    uuid::Uuid::try_parse(s.trim()).is_ok()
}

/// `az account list` record → ARM subscription shape.
pub(super) fn subscription(a: &Value) -> Option<Value> {
    // The id names a folder: anything but a GUID (`../..`, a path) is not a subscription.
    if let Some(id) = a.get("subscriptionId") {
        return id.as_str().is_some_and(is_guid).then(|| arm_object(a));
    }
    let id = s(a, "id")?;
    let id = id.rsplit('/').next().unwrap_or(id);
    is_guid(id).then(|| {
        json!({
            "id": format!("/subscriptions/{id}"), "subscriptionId": id,
            "displayName": s(a, "name").unwrap_or(id), "tenantId": s(a, "tenantId"), "state": s(a, "state"),
        })
    })
}

/// `az role definition list` prints definitions flattened (`roleName`, `roleType` at the top).
pub(super) fn role_definition(d: Value) -> Value {
    if d.get("properties").is_some() {
        return d;
    }
    json!({
        "id": d.get("id"), "name": d.get("name"), "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": d.get("roleName"), "type": d.get("roleType").or_else(|| d.get("type")),
            "description": d.get("description"), "assignableScopes": d.get("assignableScopes"),
            "permissions": d.get("permissions"),
        }
    })
}

/// `az role assignment list` prints assignments flattened (`scope`, `principalId`, … at the top).
pub(super) fn role_assignment(a: Value) -> Value {
    if a.get("properties").is_some() {
        return a;
    }
    let mut props = json!({
        "scope": a.get("scope"), "roleDefinitionId": a.get("roleDefinitionId"), "principalId": a.get("principalId"),
        "principalType": a.get("principalType"),
    });
    for k in ["condition", "conditionVersion", "description"] {
        if let Some(v) = a.get(k).filter(|v| !v.is_null()) {
            props[k] = v.clone();
        }
    }
    json!({ "id": a.get("id"), "name": a.get("name"), "type": "Microsoft.Authorization/roleAssignments", "properties": props })
}

/// A directory object as far as a role assignment names it (`principalName`, `principalType`).
pub(super) fn principal_from_assignment(a: &Value) -> Option<Value> {
    let id = s(a, "principalId").filter(|i| is_guid(i))?;
    let name = s(a, "principalName")?;
    let kind = s(a, "principalType").unwrap_or("");
    Some(match kind.to_ascii_lowercase().as_str() {
        "user" => {
            json!({ "@odata.type": "#microsoft.graph.user", "id": id, "displayName": name, "userPrincipalName": name })
        }
        "group" => {
            json!({ "@odata.type": "#microsoft.graph.group", "id": id, "displayName": name })
        }
        "serviceprincipal" => {
            json!({ "@odata.type": "#microsoft.graph.servicePrincipal", "id": id, "displayName": name })
        }
        _ => return None,
    })
}

/// `az account management-group show --expand --recurse` (flattened, or the REST shape) → kvaccess's
/// management-group records, one per group in the tree.
pub(super) fn management_groups(g: &Value, parent: Option<&str>, out: &mut Vec<Value>) {
    let props = g.get("properties").unwrap_or(g);
    let Some(id) = s(g, "id") else {
        return;
    };
    let parent_id = props
        .pointer("/details/parent/id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| parent.map(str::to_string));
    let children = props
        .get("children")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut subs = Vec::new();
    for c in &children {
        let cid = s(c, "id").unwrap_or("");
        if cid.to_ascii_lowercase().starts_with("/subscriptions/") {
            subs.push(cid.rsplit('/').next().unwrap_or(cid).to_ascii_lowercase());
        } else if cid
            .to_ascii_lowercase()
            .starts_with("/providers/microsoft.management/managementgroups/")
        {
            management_groups(c, Some(id), out);
        }
    }
    out.push(json!({
        "id": id, "name": s(g, "name"),
        "displayName": s(props, "displayName").or_else(|| s(g, "displayName")),
        "parentId": parent_id, "subscriptionIds": subs,
    }));
}

pub(super) fn is_group(o: &Value) -> bool {
    match s(o, "@odata.type") {
        Some(t) => t
            .trim_start_matches('#')
            .eq_ignore_ascii_case("microsoft.graph.group"),
        None => o.get("securityEnabled").is_some() || o.get("groupTypes").is_some(),
    }
}
