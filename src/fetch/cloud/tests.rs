use super::*;

#[test]
fn public_cloud_endpoints_and_audiences() {
    let c = CloudConfig::builtin(Cloud::AzureCloud);
    assert_eq!(c.resource_manager.as_str(), "https://management.azure.com/");
    assert_eq!(c.microsoft_graph.as_str(), "https://graph.microsoft.com/");
    assert_eq!(c.login.as_str(), "https://login.microsoftonline.com/");
    assert_eq!(
        c.scope(Endpoint::Arm),
        "https://management.azure.com/.default"
    );
    assert_eq!(
        c.scope(Endpoint::Graph),
        "https://graph.microsoft.com/.default"
    );
    assert_eq!(c.scope(Endpoint::Vault), "https://vault.azure.net/.default");
    assert_eq!(c.vault_dns_suffix, "vault.azure.net");
    assert!(matches!(
        c.credential_cloud(),
        azure_core::cloud::CloudConfiguration::AzurePublic
    ));
}

#[test]
fn china_cloud_endpoints_and_audiences() {
    let c = CloudConfig::builtin(Cloud::AzureChinaCloud);
    assert_eq!(
        c.resource_manager.as_str(),
        "https://management.chinacloudapi.cn/"
    );
    assert_eq!(
        c.microsoft_graph.as_str(),
        "https://microsoftgraph.chinacloudapi.cn/"
    );
    assert_eq!(c.login.as_str(), "https://login.chinacloudapi.cn/");
    assert_eq!(
        c.scope(Endpoint::Arm),
        "https://management.chinacloudapi.cn/.default"
    );
    assert_eq!(
        c.scope(Endpoint::Graph),
        "https://microsoftgraph.chinacloudapi.cn/.default"
    );
    assert_eq!(c.scope(Endpoint::Vault), "https://vault.azure.cn/.default");
    assert!(matches!(
        c.credential_cloud(),
        azure_core::cloud::CloudConfiguration::AzureChina
    ));
}

#[test]
fn us_government_endpoints_and_audiences() {
    let c = CloudConfig::builtin(Cloud::AzureUsGovernment);
    assert_eq!(
        c.resource_manager.as_str(),
        "https://management.usgovcloudapi.net/"
    );
    assert_eq!(c.microsoft_graph.as_str(), "https://graph.microsoft.us/");
    assert_eq!(c.login.as_str(), "https://login.microsoftonline.us/");
    assert_eq!(
        c.scope(Endpoint::Arm),
        "https://management.usgovcloudapi.net/.default"
    );
    assert_eq!(
        c.scope(Endpoint::Graph),
        "https://graph.microsoft.us/.default"
    );
    assert_eq!(
        c.scope(Endpoint::Vault),
        "https://vault.usgovcloudapi.net/.default"
    );
    assert!(matches!(
        c.credential_cloud(),
        azure_core::cloud::CloudConfiguration::AzureGovernment
    ));
}

#[test]
fn vault_uris_must_sit_under_the_cloud_suffix() {
    let c = CloudConfig::builtin(Cloud::AzureUsGovernment);
    let ok = Url::parse("https://kv1.vault.usgovcloudapi.net/").unwrap();
    assert!(c.vault_uri_allowed(&ok).is_ok());
    let public = Url::parse("https://kv1.vault.azure.net/").unwrap();
    assert!(c.vault_uri_allowed(&public).is_err());
    let evil = Url::parse("https://kv1.vault.usgovcloudapi.net.evil.example/").unwrap();
    assert!(c.vault_uri_allowed(&evil).is_err());
    let bare = Url::parse("https://vault.usgovcloudapi.net/").unwrap();
    assert!(c.vault_uri_allowed(&bare).is_err());
    let clear = Url::parse("http://kv1.vault.usgovcloudapi.net/").unwrap();
    assert!(c.vault_uri_allowed(&clear).is_err());
    // Loopback is no pass: only the configured endpoints' origins (a local mock) get a vault token.
    let local = Url::parse("http://127.0.0.1:8080/vaults/kv1/").unwrap();
    assert!(c.vault_uri_allowed(&local).is_err());
    let mock = CloudConfig::from_json(
        r#"{ "resourceManager": "http://127.0.0.1:8080/arm", "microsoftGraph": "http://127.0.0.1:8081/graph",
             "vaultDnsSuffix": "vault.azure.net" }"#,
        "mock.json",
    )
    .unwrap();
    assert!(mock.vault_uri_allowed(&local).is_ok());
    for other in [
        "http://127.0.0.2:8080/kv/",
        "http://127.0.0.1:8082/kv/",
        "http://localhost:8080/kv/",
    ] {
        let u = Url::parse(other).unwrap();
        assert!(mock.vault_uri_allowed(&u).is_err(), "{other}");
    }
}

#[test]
fn custom_config_with_defaults() {
    let c = CloudConfig::from_json(
        r#"{ "resourceManager": "http://127.0.0.1:9999/arm", "microsoftGraph": "http://localhost:9999/graph/",
             "vaultDnsSuffix": ".vault.local.azurestack.external" }"#,
        "test.json",
    )
    .unwrap();
    assert_eq!(c.resource_manager.as_str(), "http://127.0.0.1:9999/arm/");
    assert_eq!(c.microsoft_graph.as_str(), "http://localhost:9999/graph/");
    assert_eq!(c.vault_dns_suffix, "vault.local.azurestack.external");
    assert_eq!(c.scope(Endpoint::Arm), "http://127.0.0.1:9999/arm/.default");
    assert_eq!(
        c.scope(Endpoint::Graph),
        "http://localhost:9999/graph/.default"
    );
    assert_eq!(
        c.scope(Endpoint::Vault),
        "https://vault.local.azurestack.external/.default"
    );
    assert_eq!(c.cloud, Cloud::AzureCloud);
    assert!(c.all_loopback());
    assert!(c.custom);
}

#[test]
fn custom_config_with_audiences_and_login() {
    let c = CloudConfig::from_json(
        r#"{ "name": "stack", "cloud": "AzureUSGovernment",
             "resourceManager": "https://management.local.azurestack.external",
             "microsoftGraph": "https://graph.local.azurestack.external",
             "login": "https://login.local.azurestack.external/",
             "vaultDnsSuffix": "vault.local.azurestack.external",
             "audiences": { "resourceManager": "https://management.adfs.azurestack.local/abc",
                            "microsoftGraph": "https://graph.local.azurestack.external/.default",
                            "keyVault": "https://management.core.windows.net/" } }"#,
        "stack.json",
    )
    .unwrap();
    assert_eq!(c.name, "stack");
    assert_eq!(c.cloud, Cloud::AzureUsGovernment);
    assert_eq!(
        c.scope(Endpoint::Arm),
        "https://management.adfs.azurestack.local/abc/.default"
    );
    assert_eq!(
        c.scope(Endpoint::Graph),
        "https://graph.local.azurestack.external/.default"
    );
    assert_eq!(
        c.scope(Endpoint::Vault),
        "https://management.core.windows.net//.default"
    );
    match c.credential_cloud() {
        azure_core::cloud::CloudConfiguration::Custom(custom) => {
            assert_eq!(
                custom.authority_host,
                "https://login.local.azurestack.external"
            )
        }
        other => panic!("expected a custom cloud, got {other:?}"),
    }
    assert!(!c.all_loopback());
}

#[test]
fn plain_http_is_rejected_unless_loopback() {
    for bad in [
        "http://10.0.0.5:8080",
        "http://management.azure.com",
        "http://192.168.1.10/",
        "http://[fe80::1]/",
    ] {
        let text = format!(
            r#"{{ "resourceManager": "{bad}", "microsoftGraph": "https://graph.microsoft.com", "vaultDnsSuffix": "vault.azure.net" }}"#
        );
        let err = CloudConfig::from_json(&text, "c.json").unwrap_err();
        assert!(
            matches!(err, CloudConfigError::InsecureUrl { .. }),
            "{bad}: {err}"
        );
        assert!(err.to_string().contains("loopback"), "{err}");
    }
    for good in [
        "http://127.0.0.1:1",
        "http://127.1.2.3/",
        "http://[::1]:80/",
        "http://localhost:5",
        "https://example.com",
    ] {
        assert!(endpoint(good, "x").is_ok(), "{good}");
    }
    assert!(matches!(
        endpoint("ftp://127.0.0.1/", "x"),
        Err(CloudConfigError::BadScheme { .. })
    ));
    assert!(endpoint("not a url", "x").is_err());
}

#[test]
fn typos_and_bad_values_are_reported() {
    let err = CloudConfig::from_json(
        r#"{ "resourceManager": "https://a.example", "microsoftGraph": "https://b.example", "vaultDnsSufix": "x" }"#,
        "c.json",
    )
    .unwrap_err();
    assert!(err.to_string().contains("c.json"), "{err}");
    let err = CloudConfig::from_json(
        r#"{ "resourceManager": "https://a.example", "microsoftGraph": "https://b.example", "vaultDnsSuffix": "x", "cloud": "Mars" }"#,
        "c.json",
    )
    .unwrap_err();
    assert!(err.to_string().contains("Mars"), "{err}");
    let err = CloudConfig::from_json(
        r#"{ "resourceManager": "https://a.example", "microsoftGraph": "https://b.example", "vaultDnsSuffix": "novault" }"#,
        "c.json",
    )
    .unwrap_err();
    assert!(err.to_string().contains("DNS suffix"), "{err}");
}

#[test]
fn scopes_from_audiences() {
    assert_eq!(
        scope_for("https://management.azure.com"),
        "https://management.azure.com/.default"
    );
    assert_eq!(
        scope_for("https://vault.azure.net/.default"),
        "https://vault.azure.net/.default"
    );
}
