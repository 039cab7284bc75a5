//! The optional hop sections → JSON, in the shapes the loader reads. Absent sections stay absent.

use serde_json::{Map, Value, json};

use crate::model::hops::*;

/// Adds each present hop section to the snapshot object `out`.
pub fn add(hops: &Hops, out: &mut Value) {
    let Some(obj) = out.as_object_mut() else {
        return;
    };
    put(obj, "identityResources", &hops.resources, resource);
    put(obj, "directoryRoleAssignments", &hops.directory_roles, role);
    put(
        obj,
        "directoryRoleEligibilities",
        &hops.directory_eligibilities,
        role,
    );
    put(
        obj,
        "owners",
        &hops.owners,
        |o| json!({ "objectId": o.object_id, "ownerId": o.owner_id }),
    );
    put(obj, "appRoleAssignments", &hops.app_role_assignments, |a| {
        json!({
            "id": a.id, "principalId": a.principal_id, "resourceId": a.resource_id,
            "resourceDisplayName": a.resource_display_name, "appRoleId": a.app_role_id,
        })
    });
    put(obj, "applications", &hops.applications, |a| {
        json!({
            "id": a.id, "appId": a.app_id, "displayName": a.display_name,
            "federatedIdentityCredentials": a.federated_credentials.iter().map(|f| json!({
                "name": f.name, "issuer": f.issuer, "subject": f.subject,
            })).collect::<Vec<_>>(),
        })
    });
}

fn put<T>(obj: &mut Map<String, Value>, key: &str, list: &Option<Vec<T>>, f: impl Fn(&T) -> Value) {
    if let Some(list) = list {
        obj.insert(key.to_string(), Value::Array(list.iter().map(f).collect()));
    }
}

fn resource(r: &IdentityResource) -> Value {
    let mut identity = serde_json::Map::new();
    if let Some(p) = &r.principal_id {
        identity.insert("principalId".into(), json!(p));
    }
    if !r.user_assigned.is_empty() {
        let map: Map<String, Value> = r
            .user_assigned
            .iter()
            .map(|u| {
                (
                    u.resource_id.clone(),
                    json!({ "principalId": u.principal_id }),
                )
            })
            .collect();
        identity.insert("userAssignedIdentities".into(), Value::Object(map));
    }
    let mut out =
        json!({ "id": r.scope.id(), "name": r.name, "type": r.kind, "identity": identity });
    if let Some(k) = &r.kubelet {
        out["properties"] = json!({ "identityProfile": { "kubeletidentity": {
            "resourceId": k.resource_id, "objectId": k.principal_id,
        } } });
    }
    if !r.federated_credentials.is_empty() {
        out["federatedIdentityCredentials"] = r
            .federated_credentials
            .iter()
            .map(|f| json!({ "name": f.name, "issuer": f.issuer, "subject": f.subject }))
            .collect();
    }
    out
}

fn role(a: &DirectoryRoleAssignment) -> Value {
    json!({
        "id": a.id, "principalId": a.principal_id, "roleDefinitionId": a.role_definition_id,
        "directoryScopeId": a.directory_scope_id,
    })
}
