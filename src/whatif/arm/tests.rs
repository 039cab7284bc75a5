//! ARM what-if shapes: accessPolicies children, the REST nesting, unevaluated expressions, bad input.

use super::*;

const KV: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv";

fn read(changes: Value) -> Plan {
    read_arm_whatif(&json!({"status": "Succeeded", "properties": {"changes": changes}}).to_string())
        .unwrap()
}

use serde_json::json;

#[test]
fn access_policy_children_add_and_remove_entries() {
    let entry = json!({"tenantId": "t", "objectId": "O1", "permissions": {"secrets": ["get"]}});
    let plan = read(json!([
        {"resourceId": format!("{KV}/accessPolicies/add"), "changeType": "Create",
         "after": {"properties": {"accessPolicies": [entry]}}},
        {"resourceId": format!("{KV}/accessPolicies/remove"), "changeType": "Create",
         "after": {"properties": {"accessPolicies": [entry]}}}
    ]));
    let kinds: Vec<&str> = plan
        .changes
        .iter()
        .map(|c| c.change.kind().as_str())
        .collect();
    assert_eq!(kinds, ["removeAccessPolicy", "addAccessPolicy"]);
    assert_eq!(plan.changes[0].path, "properties.changes[1]");
    assert!(matches!(&plan.changes[1].change,
        Change::AddAccessPolicy { vault, object_id, .. } if vault == KV && object_id == "o1"));
}

#[test]
fn unevaluated_template_expressions_make_a_change_pending() {
    let plan = read(json!([
        {"resourceId": format!("{KV}/providers/Microsoft.Authorization/roleAssignments/g"), "changeType": "Create",
         "after": {"properties": {"principalId": "[reference('x').principalId]", "roleDefinitionId": "r"}}}
    ]));
    assert!(plan.changes.is_empty());
    assert_eq!(plan.pending.len(), 1);
    assert_eq!(plan.pending[0].effect, Effect::MayAdd);
}

#[test]
fn a_role_assignment_scope_comes_from_its_id_when_the_body_lacks_it() {
    let id = format!("{KV}/providers/Microsoft.Authorization/roleAssignments/g");
    let plan = read(json!([
        {"resourceId": id, "changeType": "Create",
         "after": {"properties": {"principalId": "p", "roleDefinitionId": "r"}}}
    ]));
    assert!(matches!(&plan.changes[0].change,
        Change::AddRoleAssignment { scope, .. } if scope == KV));
}

#[test]
fn bad_what_ifs_name_the_json_path() {
    let err = |t: &str| read_arm_whatif(t).unwrap_err().to_string();
    assert!(err("[").starts_with("line 1, column 1"));
    assert!(err(r#"{"status":"Failed"}"#).contains("what-if status 'Failed'"));
    assert_eq!(
        err(r#"{"changes":[{"resourceId":"/x","changeType":"Explode"}]}"#),
        "changes[0].changeType: unknown change type 'Explode'"
    );
    assert_eq!(
        err(r#"{"changes":[{"changeType":"Create"}]}"#),
        "changes[0].resourceId: missing (a string)"
    );
}
