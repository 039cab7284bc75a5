//! Each plan fixture (written from the provider's documented attributes) against the same change written
//! by hand; what cannot be resolved is pending with its address; bad plans name the JSON path.

use super::super::parse_changes;
use super::*;

fn fixture(name: &str, ext: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/gate/tf/{name}.{ext}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const CASES: [&str; 13] = [
    "role_assignment_create",
    "role_assignment_delete",
    "role_assignment_replace",
    "role_assignment_update",
    "access_policy_create",
    "access_policy_update",
    "access_policy_delete",
    "access_policy_replace",
    "key_vault_update_v3",
    "key_vault_update_v4",
    "role_definition_create",
    "group_member",
    "module_unknown_resolved",
];

#[test]
fn every_plan_reads_as_the_change_list_written_by_hand() {
    for name in CASES {
        let plan =
            read_terraform_plan(&fixture(name, "plan")).unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected: Vec<Change> = parse_changes(&fixture(name, "changes"))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(plan.change_list(), expected, "{name}");
        assert!(plan.pending.is_empty(), "{name}: {:?}", plan.pending);
    }
}

#[test]
fn changes_name_the_terraform_address_they_come_from() {
    let plan = read_terraform_plan(&fixture("module_unknown_resolved", "plan")).unwrap();
    let addresses: Vec<&str> = plan.changes.iter().map(|c| c.address.as_str()).collect();
    assert_eq!(
        addresses,
        [
            "azurerm_key_vault_access_policy.web",
            "module.kv_access[\"web\"].azurerm_key_vault_access_policy.this"
        ]
    );
    assert_eq!(plan.changes[1].path, "resource_changes[2]");
}

#[test]
fn values_known_only_after_apply_are_pending_with_the_address_that_makes_them() {
    let plan = read_terraform_plan(&fixture("unknown_pending", "plan")).unwrap();
    assert!(plan.changes.is_empty(), "{:?}", plan.changes);
    let find = |address: &str| {
        plan.pending
            .iter()
            .find(|p| p.address == address)
            .unwrap_or_else(|| panic!("{address} not pending: {:?}", plan.pending))
    };
    let vault = find("azurerm_key_vault.new");
    assert_eq!(vault.effect, Effect::Adds);
    assert!(vault.what.contains("kv-new"), "{}", vault.what);
    let policy = find("azurerm_key_vault_access_policy.dana_new");
    assert!(
        policy.reason.contains("azurerm_key_vault.new"),
        "{}",
        policy.reason
    );
    let identity = find("azurerm_role_assignment.new_app");
    assert!(
        identity
            .reason
            .contains("azurerm_user_assigned_identity.new"),
        "{}",
        identity.reason
    );
    assert_eq!(identity.effect, Effect::Adds);
    let local = find("azurerm_role_assignment.local");
    assert!(local.reason.contains("local.admin_id"), "{}", local.reason);
    let skipped: Vec<&str> = plan.skipped.iter().map(|s| s.address.as_str()).collect();
    assert_eq!(
        skipped,
        [
            "azurerm_storage_account.logs",
            "azurerm_user_assigned_identity.new"
        ]
    );
}

#[test]
fn bad_plans_name_the_json_path() {
    let err = |text: &str| read_terraform_plan(text).unwrap_err().to_string();
    assert!(err("{").starts_with("line 1, column 1"), "{}", err("{"));
    assert!(err(r#"{"format_version":"2.0"}"#).starts_with("format_version: '2.0'"));
    assert!(
        err(r#"{"format_version":"1.2","values":{}}"#).starts_with("resource_changes: missing")
    );
    let bad = r#"{"format_version":"1.2","resource_changes":[{"address":"a.b","type":"azurerm_role_assignment","change":{"actions":["delete"],"before":{}}}]}"#;
    assert_eq!(
        err(bad),
        "resource_changes[0].change.before.id: missing: the assignment's id is needed to remove it"
    );
    let lists = r#"{"format_version":"1.2","resource_changes":[{"address":"a.b","type":"azurerm_key_vault_access_policy","change":{"actions":["create"],"after":{"key_vault_id":"/x","object_id":"o","secret_permissions":"Get"}}}]}"#;
    assert_eq!(
        err(lists),
        "resource_changes[0].change.after.secret_permissions: expected an array of strings"
    );
    let actions = r#"{"format_version":"1.2","resource_changes":[{"address":"a.b","type":"t","change":{"actions":["create"]}}]}"#;
    assert_eq!(
        err(actions),
        "resource_changes[0].change.after: missing: a create needs it"
    );
}

#[test]
fn a_plan_without_changes_is_empty_and_data_sources_are_not_changes() {
    let plan = read_terraform_plan(r#"{"format_version":"1.2","planned_values":{}}"#).unwrap();
    assert_eq!(plan, Plan::default());
    let data = r#"{"format_version":"1.2","resource_changes":[{"address":"data.azurerm_client_config.c","mode":"data","type":"azurerm_client_config","change":{"actions":["read"]}}]}"#;
    assert_eq!(read_terraform_plan(data).unwrap(), Plan::default());
}
