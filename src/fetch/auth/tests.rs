use super::*;
use crate::model::Cloud;
use azure_core::credentials::{AccessToken, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::time::OffsetDateTime;
use std::sync::atomic::Ordering;

#[derive(Debug)]
struct Failing(&'static str);

#[async_trait::async_trait]
impl TokenCredential for Failing {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Err(azure_core::Error::with_message(
            ErrorKind::Credential,
            self.0.to_string(),
        ))
    }
}

#[derive(Debug, Default)]
struct Counting(std::sync::atomic::AtomicUsize);

#[async_trait::async_trait]
impl TokenCredential for Counting {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        Ok(AccessToken::new(
            format!("tok-{n}"),
            OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |k| {
        pairs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    }
}

#[tokio::test]
async fn chain_takes_the_first_working_link_and_sticks_to_it() {
    let counting = Arc::new(Counting::default());
    let chain = ChainCredential::new(vec![
        ChainLink {
            name: "env".into(),
            credential: Err("AZURE_CLIENT_SECRET not set".into()),
            timeout: Duration::from_secs(1),
        },
        ChainLink {
            name: "broken".into(),
            credential: Ok(Arc::new(Failing("nope"))),
            timeout: Duration::from_secs(1),
        },
        ChainLink {
            name: "works".into(),
            credential: Ok(counting.clone()),
            timeout: Duration::from_secs(1),
        },
    ]);
    let t = chain.get_token(&["s"], None).await.unwrap();
    assert_eq!(t.token.secret(), "tok-0");
    assert_eq!(chain.chosen(), Some("works"));
    chain.get_token(&["s"], None).await.unwrap();
    assert_eq!(counting.0.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn chain_failure_names_every_credential_tried() {
    let chain = ChainCredential::new(vec![
        ChainLink {
            name: "environment service principal".into(),
            credential: Err("AZURE_TENANT_ID, AZURE_CLIENT_ID not set".into()),
            timeout: Duration::from_secs(1),
        },
        ChainLink {
            name: "developer tools (az, azd)".into(),
            credential: Ok(Arc::new(Failing("az not found on PATH"))),
            timeout: Duration::from_secs(1),
        },
    ]);
    let e = chain.get_token(&["s"], None).await.unwrap_err().to_string();
    assert!(
        e.contains("environment service principal: AZURE_TENANT_ID"),
        "{e}"
    );
    assert!(e.contains("developer tools (az, azd): az not found"), "{e}");
}

#[tokio::test]
async fn cache_serves_until_expiry() {
    let counting = Arc::new(Counting::default());
    let cache = CachingCredential::new(counting.clone());
    let a = cache.get_token(&["x"], None).await.unwrap();
    let b = cache.get_token(&["x"], None).await.unwrap();
    let c = cache.get_token(&["y"], None).await.unwrap();
    assert_eq!(a.token.secret(), b.token.secret());
    assert_ne!(a.token.secret(), c.token.secret());
    assert_eq!(counting.0.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn pre_issued_tokens_per_plane() {
    let cloud = CloudConfig::builtin(Cloud::AzureCloud);
    let c = Credentials::from_method(
        AuthMethod::Token,
        &cloud,
        &env_of(&[
            ("KVACCESS_ARM_TOKEN", " Bearer arm-secret-1 "),
            ("KVACCESS_VAULT_TOKEN", "vault-secret-2"),
        ]),
    )
    .unwrap();
    assert!(c.has(Endpoint::Arm) && c.has(Endpoint::Vault) && !c.has(Endpoint::Graph));
    let t = c.token(Endpoint::Arm, &cloud.arm_scope).await.unwrap();
    assert_eq!(t.secret(), "arm-secret-1");
    let e = c
        .token(Endpoint::Graph, &cloud.graph_scope)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("KVACCESS_GRAPH_TOKEN"), "{e}");
    let debug = format!("{c:?}");
    assert!(
        !debug.contains("arm-secret-1") && !debug.contains("vault-secret-2"),
        "{debug}"
    );
    assert!(debug.contains("redacted"), "{debug}");
}

#[test]
fn missing_variables_say_what_to_set() {
    let cloud = CloudConfig::builtin(Cloud::AzureCloud);
    let e = Credentials::from_method(AuthMethod::Token, &cloud, &env_of(&[])).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("KVACCESS_ARM_TOKEN is not set"), "{text}");
    assert!(text.contains("az account get-access-token"), "{text}");
    let e = Credentials::from_method(
        AuthMethod::Env,
        &cloud,
        &env_of(&[("AZURE_TENANT_ID", "t"), ("AZURE_CLIENT_ID", "c")]),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("environment service principal"), "{e}");
    assert!(e.contains("AZURE_CLIENT_SECRET not set"), "{e}");
    assert!(e.contains("to fix: set AZURE_TENANT_ID"), "{e}");
    let e = Credentials::from_method(AuthMethod::WorkloadIdentity, &cloud, &env_of(&[]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("AZURE_FEDERATED_TOKEN_FILE"), "{e}");
}

#[test]
fn secrets_from_the_environment_never_show_in_debug() {
    let cloud = CloudConfig::builtin(Cloud::AzureCloud);
    let c = Credentials::from_method(
        AuthMethod::Env,
        &cloud,
        &env_of(&[
            ("AZURE_TENANT_ID", "00000000-0000-0000-0000-0000000000aa"),
            ("AZURE_CLIENT_ID", "11111111-1111-1111-1111-111111111111"),
            ("AZURE_CLIENT_SECRET", "very-secret-value"),
        ]),
    )
    .unwrap();
    let debug = format!("{c:?}");
    assert!(!debug.contains("very-secret-value"), "{debug}");
    let fixed = FixedTokenCredential::new("tok-abc");
    assert!(!format!("{fixed:?}").contains("tok-abc"));
}
