//! `import --az` on hostile folders: misshapen section files, links and ids leading out, extra fields.

use std::path::Path;

use serde_json::{Value, json};

use super::super::{ImportError, import_az_dir};
use crate::eval::{Decision, Engine};
use crate::model::{Cloud, Scope};

const SUB: &str = "291bba3f-e0a5-47bc-a099-3bdcb2a50a05";
const BOB: &str = "b0b00000-0000-4000-8000-000000000002";
const SECRETS_USER: &str = "4633458b-17de-408a-b874-0445c86b69e6";

fn vault_id() -> String {
    format!("/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv")
}

fn write(p: &Path, v: &Value) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, v.to_string()).unwrap();
}

/// One subscription, one RBAC vault, Bob allowed secrets/get there; a deny assignment on `with_deny`.
fn export(dir: &Path, with_deny: bool) {
    write(
        &dir.join("account.json"),
        &json!([{ "id": SUB, "name": "Prod", "tenantId": "31c75423-32d6-4322-88b7-c478bdde4858", "state": "Enabled",
                  "user": { "name": "me@contoso.com", "type": "user" } }]),
    );
    write(
        &dir.join("principals.json"),
        &json!({ "value": [{ "@odata.type": "#microsoft.graph.user", "id": BOB, "displayName": "Bob" }] }),
    );
    write(&dir.join("management-groups.json"), &json!([]));
    let sub = dir.join(SUB);
    write(&sub.join("groups.json"), &json!([]));
    write(&sub.join("keyvaults.json"), &json!([]));
    write(
        &sub.join("keyvault-kv.json"),
        &json!({ "id": vault_id(), "name": "kv", "type": "Microsoft.KeyVault/vaults", "location": "westeurope",
                 "properties": { "tenantId": "31c75423-32d6-4322-88b7-c478bdde4858", "vaultUri": "https://kv.vault.azure.net/",
                                 "enableRbacAuthorization": true, "accessPolicies": [] } }),
    );
    write(
        &sub.join("role-definitions.json"),
        &json!([{ "id": format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{SECRETS_USER}"),
                  "name": SECRETS_USER, "roleName": "Key Vault Secrets User", "roleType": "BuiltInRole", "assignableScopes": ["/"],
                  "permissions": [{ "actions": [], "notActions": [], "dataActions": ["Microsoft.KeyVault/vaults/secrets/getSecret/action",
                                    "Microsoft.KeyVault/vaults/secrets/readMetadata/action"], "notDataActions": [] }] }]),
    );
    write(
        &sub.join("role-assignments.json"),
        &json!([{ "id": format!("{}/providers/Microsoft.Authorization/roleAssignments/1", vault_id()), "name": "1",
                  "principalId": BOB, "principalType": "User", "scope": vault_id(),
                  "roleDefinitionId": format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{SECRETS_USER}") }]),
    );
    let deny = if with_deny {
        json!({ "value": [{ "id": format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/denyAssignments/d1"), "name": "d1",
            "properties": { "denyAssignmentName": "no secrets", "scope": format!("/subscriptions/{SUB}"), "doNotApplyToChildScopes": false,
              "permissions": [{ "actions": [], "notActions": [], "dataActions": ["Microsoft.KeyVault/vaults/secrets/*"], "notDataActions": [] }],
              "principals": [{ "id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined" }], "excludePrincipals": [],
              "isSystemProtected": true } }] })
    } else {
        json!([])
    };
    write(&sub.join("deny-assignments.json"), &deny);
}

fn bob_reads_secrets(dir: &Path) -> Decision {
    let out = import_az_dir(dir, Cloud::AzureCloud, None).unwrap();
    let engine = Engine::new(&out.snapshot);
    let subject = engine.subject(BOB);
    let target = engine.target(&Scope::parse(&vault_id()).unwrap());
    let action = crate::catalog::resolve("secrets/get").unwrap();
    let v = engine
        .check(&subject, &target, &action, None, None)
        .unwrap();
    v.decision
}

fn errors(dir: &Path) -> Vec<String> {
    import_az_dir(dir, Cloud::AzureCloud, None)
        .unwrap()
        .errors
        .iter()
        .map(|e| e.message.clone())
        .collect()
}

#[test]
fn a_section_file_of_the_wrong_shape_makes_its_answers_unknown() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), false);
    assert_eq!(bob_reads_secrets(dir.path()), Decision::Allowed);
    export(dir.path(), true);
    assert_eq!(bob_reads_secrets(dir.path()), Decision::Denied);
    let deny = dir.path().join(SUB).join("deny-assignments.json");
    for bad in [
        json!(null),
        json!("[]"),
        json!({ "id": "x" }),
        json!([1, 2]),
        json!(7),
    ] {
        write(&deny, &bad);
        assert_eq!(bob_reads_secrets(dir.path()), Decision::Unknown, "{bad}");
        let e = errors(dir.path());
        assert!(
            e.iter()
                .any(|m| m.contains("deny-assignments.json") && m.contains("unknown")),
            "{bad}: {e:?}"
        );
    }
    export(dir.path(), false);
    let assignments = dir.path().join(SUB).join("role-assignments.json");
    write(&assignments, &json!(null));
    assert_eq!(bob_reads_secrets(dir.path()), Decision::Unknown);
    let e = errors(dir.path());
    assert!(
        e.iter()
            .any(|m| m.contains("role-assignments.json: null where a list")),
        "{e:?}"
    );
    write(&dir.path().join("account.json"), &json!("not a list"));
    let e = import_az_dir(dir.path(), Cloud::AzureCloud, None).unwrap_err();
    assert!(matches!(e, ImportError::Shape { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("account.json: a string where a list"),
        "{e}"
    );
}

#[cfg(unix)]
#[test]
fn links_and_ids_that_leave_the_folder_are_refused() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("msal_token_cache.json");
    write(
        &secret,
        &json!([{ "id": BOB, "secret": "eyJ0eXAiOiJKV1Qi.stolen.token", "displayName": "x" }]),
    );
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), false);
    std::fs::remove_file(dir.path().join("principals.json")).unwrap();
    symlink(&secret, dir.path().join("principals.json")).unwrap();
    let e = import_az_dir(dir.path(), Cloud::AzureCloud, None).unwrap_err();
    assert!(matches!(e, ImportError::Outside { .. }), "{e}");
    assert!(e.to_string().contains("outside the folder"), "{e}");
    std::fs::remove_file(dir.path().join("principals.json")).unwrap();
    // A link that stays inside is fine.
    std::fs::rename(
        dir.path().join(SUB).join("groups.json"),
        dir.path().join("groups-real.json"),
    )
    .unwrap();
    symlink(
        dir.path().join("groups-real.json"),
        dir.path().join(SUB).join("groups.json"),
    )
    .unwrap();
    assert!(import_az_dir(dir.path(), Cloud::AzureCloud, None).is_ok());
    // A subscription folder that is a link out, and a subscription id that is a path.
    let elsewhere = tempfile::tempdir().unwrap();
    export(elsewhere.path(), false);
    let other = "72ac930a-f34e-42d8-b06d-dc2a9e12ed71";
    symlink(elsewhere.path().join(SUB), dir.path().join(other)).unwrap();
    let mut accounts = json!([{ "id": SUB, "name": "Prod" }, { "id": other, "name": "Linked" }]);
    write(&dir.path().join("account.json"), &accounts);
    let e = import_az_dir(dir.path(), Cloud::AzureCloud, None).unwrap_err();
    assert!(matches!(e, ImportError::Outside { .. }), "{e}");
    std::fs::remove_file(dir.path().join(other)).unwrap();
    accounts[1] = json!({ "id": "/subscriptions/x", "subscriptionId": format!("../{}", SUB), "displayName": "Escape" });
    write(&dir.path().join("account.json"), &accounts);
    let out = import_az_dir(dir.path(), Cloud::AzureCloud, None).unwrap();
    assert_eq!(out.snapshot.subscriptions.len(), 1);
}

#[test]
fn only_the_fields_the_format_defines_are_copied() {
    let dir = tempfile::tempdir().unwrap();
    export(dir.path(), false);
    write(
        &dir.path().join("principals.json"),
        &json!({ "value": [{ "@odata.type": "#microsoft.graph.user", "id": BOB, "displayName": "Bob",
                             "userPrincipalName": "bob@contoso.com", "refresh_token": "0.AAAA-secret", "passwordProfile": { "password": "hunter2" } }] }),
    );
    let vault = dir.path().join(SUB).join("keyvault-kv.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&vault).unwrap()).unwrap();
    v["accessToken"] = json!("eyJhbGciOi.leaked.sig");
    write(&vault, &v);
    let out = import_az_dir(dir.path(), Cloud::AzureCloud, None).unwrap();
    let text = out.json.to_string();
    for leaked in ["refresh_token", "hunter2", "accessToken", "leaked"] {
        assert!(!text.contains(leaked), "{leaked} copied");
    }
    assert!(text.contains("bob@contoso.com"));
    assert_eq!(out.snapshot.principals.len(), 1);
}
