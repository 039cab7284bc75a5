use super::*;

#[test]
fn flattened_az_shapes_are_wrapped() {
    let d = role_definition(
        json!({ "id": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
        "name": "acdd72a7-3385-48ef-bd42-f606fba81ae7", "roleName": "Reader", "roleType": "BuiltInRole",
        "assignableScopes": ["/"], "permissions": [{ "actions": ["*/read"] }] }),
    );
    assert_eq!(d["properties"]["type"], "BuiltInRole");
    assert_eq!(d["properties"]["roleName"], "Reader");
    let a = role_assignment(
        json!({ "id": "/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/1",
        "name": "1", "principalId": "ce2ce14e-85d7-4629-bdbc-454d0519d987", "principalName": "bob@contoso.com",
        "principalType": "User", "roleDefinitionId": "/x/acdd72a7-3385-48ef-bd42-f606fba81ae7", "scope": "/subscriptions/s", "condition": null }),
    );
    assert_eq!(a["properties"]["scope"], "/subscriptions/s");
    assert!(a["properties"].get("condition").is_none());
    let sub = subscription(&json!({ "id": "291bba3f-e0a5-47bc-a099-3bdcb2a50a05", "name": "Prod", "tenantId": "t", "state": "Enabled" })).unwrap();
    assert_eq!(
        sub["id"],
        "/subscriptions/291bba3f-e0a5-47bc-a099-3bdcb2a50a05"
    );
    assert_eq!(sub["displayName"], "Prod");
}

#[test]
fn management_group_tree_is_flattened() {
    let tree = json!({ "id": "/providers/Microsoft.Management/managementGroups/root", "name": "root", "displayName": "Tenant Root Group",
        "details": { "parent": null }, "children": [
          { "id": "/providers/Microsoft.Management/managementGroups/prod", "name": "prod", "displayName": "Prod",
            "type": "Microsoft.Management/managementGroups",
            "children": [ { "id": "/subscriptions/AAAA", "name": "AAAA", "type": "/subscriptions" } ] } ] });
    let mut out = Vec::new();
    management_groups(&tree, None, &mut out);
    assert_eq!(out.len(), 2);
    let prod = out.iter().find(|g| g["name"] == "prod").unwrap();
    assert_eq!(
        prod["parentId"],
        "/providers/Microsoft.Management/managementGroups/root"
    );
    assert_eq!(prod["subscriptionIds"], json!(["aaaa"]));
}
