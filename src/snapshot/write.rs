//! Model → snapshot JSON (format version 1), in the same Azure shapes the loader reads.

use serde_json::{Value, json};

mod hops;

use crate::model::*;

fn opt<T: serde::Serialize>(v: &Option<T>) -> Value {
    v.as_ref().map_or(Value::Null, |v| json!(v))
}

fn patterns(p: &[crate::model::pattern::ActionPattern]) -> Value {
    Value::Array(p.iter().map(|p| json!(p.as_str())).collect())
}

fn permissions(perms: &[Permission]) -> Value {
    Value::Array(
        perms
            .iter()
            .map(|p| {
                let mut v = json!({
                    "actions": patterns(&p.actions), "notActions": patterns(&p.not_actions),
                    "dataActions": patterns(&p.data_actions), "notDataActions": patterns(&p.not_data_actions),
                });
                if let Some(c) = &p.condition {
                    v["condition"] = json!(c);
                    v["conditionVersion"] = json!("2.0");
                }
                v
            })
            .collect(),
    )
}

fn assignment(a: &RoleAssignment) -> Value {
    json!({
        "id": a.id, "name": crate::model::role::trailing_guid(&a.id), "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "scope": a.scope.id(), "roleDefinitionId": a.role_definition_id, "principalId": a.principal_id,
            "principalType": a.principal_type, "condition": opt(&a.condition), "conditionVersion": opt(&a.condition_version),
        }
    })
}

fn principal(p: &Principal) -> Value {
    let odata = match p.kind {
        PrincipalKind::User => "#microsoft.graph.user",
        PrincipalKind::Group => "#microsoft.graph.group",
        PrincipalKind::ServicePrincipal | PrincipalKind::ManagedIdentity => {
            "#microsoft.graph.servicePrincipal"
        }
        PrincipalKind::Unknown => "#microsoft.graph.directoryObject",
    };
    let mut v = json!({ "@odata.type": odata, "id": p.id, "displayName": p.display_name });
    if let Some(upn) = &p.user_principal_name {
        v["userPrincipalName"] = json!(upn);
    }
    if let Some(app) = &p.app_id {
        v["appId"] = json!(app);
    }
    match p.kind {
        PrincipalKind::ManagedIdentity => v["servicePrincipalType"] = json!("ManagedIdentity"),
        PrincipalKind::ServicePrincipal => v["servicePrincipalType"] = json!("Application"),
        _ => {}
    }
    v
}

fn vault(v: &Vault) -> Value {
    if v.properties_missing {
        return json!({ "id": v.scope.id(), "name": v.name, "type": "Microsoft.KeyVault/vaults", "location": v.location });
    }
    let policies: Vec<Value> = v
        .access_policies
        .iter()
        .map(|e| {
            let mut p = json!({
                "tenantId": opt(&e.tenant_id), "objectId": e.object_id,
                "permissions": { "keys": e.keys, "secrets": e.secrets, "certificates": e.certificates, "storage": e.storage },
            });
            if let Some(app) = &e.application_id {
                p["applicationId"] = json!(app);
            }
            p
        })
        .collect();
    let public = match &v.network.public_network_access {
        PublicNetworkAccess::Enabled => "Enabled".to_string(),
        PublicNetworkAccess::Disabled => "Disabled".to_string(),
        PublicNetworkAccess::SecuredByPerimeter => "SecuredByPerimeter".to_string(),
        PublicNetworkAccess::Other(s) => s.clone(),
    };
    let mut props = json!({
        "tenantId": opt(&v.tenant_id), "vaultUri": opt(&v.vault_uri), "enableRbacAuthorization": v.rbac_authorization,
        "accessPolicies": policies, "publicNetworkAccess": public, "enableSoftDelete": v.soft_delete,
        "enablePurgeProtection": v.purge_protection, "enabledForTemplateDeployment": v.enabled_for_template_deployment,
        "privateEndpointConnections": v.network.private_endpoints.iter().map(|p| json!({
            "properties": { "privateEndpoint": { "id": p.id }, "privateLinkServiceConnectionState": { "status": p.status } }
        })).collect::<Vec<_>>(),
    });
    // Written only when set, so files from before these flags were read stay byte-identical.
    if v.enabled_for_deployment {
        props["enabledForDeployment"] = json!(true);
    }
    if v.enabled_for_disk_encryption {
        props["enabledForDiskEncryption"] = json!(true);
    }
    if let Some(a) = &v.network.acls {
        props["networkAcls"] = json!({
            "defaultAction": if a.default_deny { "Deny" } else { "Allow" },
            "bypass": if a.bypass_azure_services { "AzureServices" } else { "None" },
            "ipRules": a.ip_rules.iter().map(|r| json!({ "value": r.text })).collect::<Vec<_>>(),
            "virtualNetworkRules": a.subnets.iter().map(|s| json!({ "id": s })).collect::<Vec<_>>(),
        });
    }
    json!({ "id": v.scope.id(), "name": v.name, "type": "Microsoft.KeyVault/vaults", "location": v.location, "properties": props })
}

/// The optional `networkSecurityPerimeters` section, in the shape it is read.
fn perimeters(list: &[crate::model::perimeter::NetworkSecurityPerimeter]) -> Value {
    list.iter()
        .map(|p| {
            json!({
                "id": p.id, "name": p.name,
                "profiles": p.profiles.iter().map(|f| json!({
                    "id": f.id, "name": f.name,
                    "accessRules": f.inbound.iter().map(|r| json!({ "name": r.name, "properties": {
                        "direction": "Inbound",
                        "addressPrefixes": r.address_prefixes.iter().map(|a| &a.text).collect::<Vec<_>>(),
                        "subscriptions": r.subscriptions.iter().map(|s| json!({ "id": format!("/subscriptions/{s}") })).collect::<Vec<_>>(),
                    } })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "resourceAssociations": p.associations.iter().map(|a| json!({ "name": a.name, "properties": {
                    "privateLinkResource": { "id": a.resource_id },
                    "profile": a.profile_id.as_ref().map(|id| json!({ "id": id })),
                    "accessMode": a.access_mode.as_str(),
                } })).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// The whole snapshot as format-1 JSON. Loading the result gives back an equal snapshot (minus warnings).
pub fn to_json(s: &Snapshot) -> Value {
    let mut doc = json!({
        "kvaccessSnapshot": 1,
        "cloud": s.cloud.as_str(),
        "tenantId": opt(&s.tenant_id),
        "collectedAt": opt(&s.collected_at),
        "managementGroups": s.management_groups.iter().map(|g| json!({
            "id": g.scope.id(), "name": g.scope.name(), "displayName": g.display_name,
            "parentId": g.parent.as_ref().map(|p| p.id()), "subscriptionIds": g.subscription_ids,
        })).collect::<Vec<_>>(),
        "subscriptions": s.subscriptions.iter().map(|x| json!({
            "id": x.scope.id(), "subscriptionId": x.subscription_id, "displayName": x.display_name,
            "tenantId": opt(&x.tenant_id), "state": opt(&x.state),
        })).collect::<Vec<_>>(),
        "resourceGroups": s.resource_groups.iter().map(|g| json!({ "id": g.scope.id(), "name": g.name, "location": g.location })).collect::<Vec<_>>(),
        "vaults": s.vaults.iter().map(vault).collect::<Vec<_>>(),
        "roleDefinitions": s.role_definitions.iter().map(|d| json!({
            "id": d.id, "name": d.guid, "type": "Microsoft.Authorization/roleDefinitions",
            "properties": {
                "roleName": d.role_name, "type": if d.built_in { "BuiltInRole" } else { "CustomRole" },
                "description": d.description, "assignableScopes": d.assignable_scopes, "permissions": permissions(&d.permissions),
            }
        })).collect::<Vec<_>>(),
        "roleAssignments": s.role_assignments.iter().map(assignment).collect::<Vec<_>>(),
        "roleEligibilities": s.role_eligibilities.iter().map(assignment).collect::<Vec<_>>(),
        "denyAssignments": s.deny_assignments.iter().map(|d| json!({
            "id": d.id, "name": crate::model::role::trailing_guid(&d.id), "type": "Microsoft.Authorization/denyAssignments",
            "properties": {
                "denyAssignmentName": d.name, "scope": d.scope.id(), "doNotApplyToChildScopes": d.do_not_apply_to_child_scopes,
                "permissions": permissions(&d.permissions),
                "principals": d.principals.iter().map(|p| json!({ "id": p })).collect::<Vec<_>>(),
                "excludePrincipals": d.exclude_principals.iter().map(|p| json!({ "id": p })).collect::<Vec<_>>(),
                "isSystemProtected": d.is_system_protected,
            }
        })).collect::<Vec<_>>(),
        "principals": s.principals.iter().map(principal).collect::<Vec<_>>(),
        "groupMemberships": s.group_memberships.iter().map(|m| json!({ "groupId": m.group_id, "memberId": m.member_id })).collect::<Vec<_>>(),
        "vaultItems": s.vault_items.iter().map(|i| json!({
            "vaultId": i.vault.id(), "kind": i.kind.as_str(), "name": i.name, "enabled": opt(&i.enabled), "expires": opt(&i.expires),
        })).collect::<Vec<_>>(),
        "collectionErrors": s.collection_errors.iter().map(|e| json!({
            "scope": e.scope.id(), "what": e.about.key(), "status": opt(&e.status()), "message": e.message(),
        })).collect::<Vec<_>>(),
    });
    if let Some(list) = &s.perimeters {
        doc["networkSecurityPerimeters"] = perimeters(list);
    }
    hops::add(&s.hops, &mut doc);
    if !s.assumptions.is_empty() {
        doc["assumptions"] = json!(s.assumptions);
    }
    doc
}
