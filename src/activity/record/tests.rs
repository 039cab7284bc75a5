//! The record forms, normalised.
use super::*;

fn call(json: &str) -> Result<Call<'static>, Skip> {
    let leaked: &'static str = Box::leak(json.to_string().into_boxed_str());
    let row: Row = serde_json::from_str(leaked).unwrap();
    row.normalise(&Window::default())
}

#[test]
fn raw_record_with_short_claims_and_the_pitfalls() {
    let c = call(r#"{"time":"2024-04-02T08:20:49.2681600Z","resourceId":"/SUBSCRIPTIONS/AAAA/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1","operationName":"SecretGet","resultType":"Success","resultSignature":"Forbidden","durationMs":"78","callerIpAddress":"203.0.113.9","identity":{"claim":{"oid":"AAAAAAAA-0000-0000-0000-000000000001","appid":"BBBB"}},"properties":{"id":"https://kv1.vault.azure.net/secrets/DB-Password/abc","httpStatusCode":403,"isAccessPolicyMatch":false},"category":"AuditEvent"}"#).unwrap();
    assert_eq!(c.status, Some(403));
    assert_eq!(c.caller, "aaaaaaaa-0000-0000-0000-000000000001");
    assert_eq!(c.app.as_deref(), Some("bbbb"));
    assert_eq!(
        c.item,
        Some(("secrets", Cow::Owned("db-password".to_string())))
    );
    assert_eq!(c.policy_match, Some(false));
    assert!(!c.network_denial);
}

#[test]
fn long_claims_azure_diagnostics_and_azkv_rows() {
    let c = call(r#"{"time":"2024-04-02T08:20:49Z","resourceId":"/SUBSCRIPTIONS/A/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1","operationName":"VaultGet","identity":{"claim":{"http://schemas.microsoft.com/identity/claims/objectidentifier":"X1","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"a@b.c"}},"properties":{"httpStatusCode":200}}"#).unwrap();
    assert_eq!(
        (c.caller.as_ref(), c.caller_name.as_deref()),
        ("x1", Some("a@b.c"))
    );
    let c = call(r#"{"TableName":"PrimaryResult","TimeGenerated":"2024-04-02T08:20:49Z","ResourceId":"/SUBSCRIPTIONS/A/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1","OperationName":"KeySign","identity_claim_oid_g":"None","identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g":"X2","httpStatusCode_d":"200.0","isRbacAuthorized_b":"True","isAccessPolicyMatch_b":"None","id_s":"https://kv1.vault.azure.net/keys/k1","CallerIPAddress":"10.0.0.1","DurationMs":"12"}"#).unwrap();
    assert_eq!(c.caller, "x2");
    assert_eq!(
        (c.status, c.rbac_authorized, c.policy_match),
        (Some(200), Some(true), None)
    );
    let c = call(r#"{"TimeGenerated":"2024-04-02T08:20:49Z","_ResourceId":"/subscriptions/a/resourcegroups/rg/providers/microsoft.keyvault/vaults/kv1","OperationName":"SecretList","Identity":"{\"claim\":{\"oid\":\"X3\"}}","HttpStatusCode":"403","IsAddressAuthorized":"False","Id":"https://kv1.vault.azure.net/secrets","DurationMs":5}"#).unwrap();
    assert_eq!(
        (c.caller.as_ref(), c.status, c.item.is_none()),
        ("x3", Some(403), true)
    );
    assert!(c.network_denial);
}

#[test]
fn unusable_records_say_why() {
    let v = r#""resourceId":"/SUBSCRIPTIONS/A/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1""#;
    let hsm = r#""resourceId":"/SUBSCRIPTIONS/A/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/MANAGEDHSMS/H""#;
    let cases = [
        (
            format!(r#"{{{v},"operationName":"SecretGet"}}"#),
            Skip::NoTime,
        ),
        (
            format!(
                r#"{{"time":"2024-01-01T00:00:00Z",{hsm},"operationName":"KeyGet","identity":{{"claim":{{"oid":"x"}}}}}}"#
            ),
            Skip::NotAVault,
        ),
        (
            format!(r#"{{"time":"2024-01-01T00:00:00Z",{v}}}"#),
            Skip::NoOperation,
        ),
        (
            format!(
                r#"{{"time":"2024-01-01T00:00:00Z",{v},"operationName":"SecretNearExpiryEventGridNotification"}}"#
            ),
            Skip::ServiceEmitted,
        ),
        (
            format!(
                r#"{{"time":"2024-01-01T00:00:00Z",{v},"operationName":"SecretGet","identity":{{"claim":{{"appid":"x"}}}}}}"#
            ),
            Skip::NoCaller,
        ),
        (
            format!(
                r#"{{"time":"2024-01-01T00:00:00Z",{v},"category":"AzurePolicyEvaluationDetails"}}"#
            ),
            Skip::NotAuditEvent,
        ),
    ];
    for (json, skip) in cases {
        assert_eq!(call(&json).unwrap_err(), skip, "{json}");
    }
}

#[test]
fn deny_assignment_and_items() {
    assert_eq!(
        deny_assignment_in(
            "Assignment: (not found)\nDenyAssignmentId: /providers/X/denyAssignments/D1\nDecisionReason: null"
        ),
        Some("/providers/x/denyassignments/d1".to_string())
    );
    assert_eq!(deny_assignment_in("DenyAssignmentId: null"), None);
    assert_eq!(
        item_of("https://v.vault.azure.net/deletedkeys/K?api-version=7.4"),
        Some(("keys", "k".into()))
    );
    assert_eq!(item_of("https://v.vault.azure.net/"), None);
    assert_eq!(
        item_of("https://v.vault.azure.net/certificates/contacts"),
        Some(("certificates", "contacts".into()))
    );
}

#[test]
fn vault_ids_in_any_case_and_nothing_else() {
    let ok = "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV";
    assert!(is_vault_id(ok));
    assert!(is_vault_id(&format!("{ok}/")));
    assert!(is_vault_id(&ok.to_ascii_lowercase()));
    for bad in [
        "",
        "/",
        "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/MANAGEDHSMS/H",
        "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS",
        "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV/SECRETS/X",
        "/SUBSCRIPTIONS//RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV",
        "SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV/X",
        "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.STORAGE/VAULTS/KV",
        "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS//",
    ] {
        assert!(!is_vault_id(bad), "{bad}");
    }
}
