//! The fetcher against a mock Azure on 127.0.0.1 (tests/support) serving Microsoft's own response shapes.
//! Every test starts its own server; no other address is ever contacted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support;

use std::path::Path;
use std::time::{Duration, Instant};

use kvaccess::eval::Request;
use kvaccess::eval::{Decision, Engine};
use kvaccess::fetch::{
    AuthError, Completeness, Credentials, FetchError, FetchOptions, FetchOutcome, FetchRequest,
    FetchUpdate, Fetcher, FixedTokenCredential, Section, StateStore,
};
use kvaccess::model::{Cloud, PrincipalKind, Scope, Snapshot, Topic};
use kvaccess::query::{self, Question};
use serde_json::json;
use support::*;
use wiremock::ResponseTemplate;

const TOKEN: &str = "test-token-7d41c0ffee";

pub(crate) fn options() -> FetchOptions {
    let mut o = FetchOptions::default().with_concurrency(8);
    o.http.backoff_base = Duration::from_millis(10);
    o.http.backoff_max = Duration::from_millis(40);
    o.http.timeout = Duration::from_secs(5);
    o.http.connect_timeout = Duration::from_secs(2);
    o.http.no_proxy = true;
    o
}

pub(crate) async fn fetch_with(
    mock: &MockAzureServer,
    request: FetchRequest,
    opts: FetchOptions,
    creds: Credentials,
) -> (Result<FetchOutcome, FetchError>, Vec<FetchUpdate>) {
    let fetcher = Fetcher::new(mock.cloud(), creds, opts).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let result = fetcher.run(&request, tx).await;
    let mut updates = Vec::new();
    while let Ok(u) = rx.try_recv() {
        updates.push(u);
    }
    (result, updates)
}

pub(crate) async fn fetch(mock: &MockAzureServer, request: FetchRequest) -> FetchOutcome {
    let (r, _) = fetch_with(mock, request, options(), Credentials::fixed(TOKEN)).await;
    r.unwrap()
}

/// `query::check` for principals the directory data holds; the engine directly for the others (a
/// principal whose directory object was not collected can still be asked about by object id).
fn verdict(s: &Snapshot, principal: &str, scope: &str, action: &str) -> Decision {
    let engine = Engine::new(s.clone());
    if query::resolve_principal(&engine, principal).is_err() {
        let subject = engine.subject(principal);
        let target = engine.target(&Scope::parse(scope).unwrap());
        let action = kvaccess::catalog::resolve(action).unwrap();
        return engine
            .check(&Request::new(&subject, &target, &action))
            .unwrap()
            .decision;
    }
    query::check(
        &engine,
        &Question {
            principal: principal.into(),
            scope: scope.into(),
            action: action.into(),
            ..Question::default()
        },
    )
    .unwrap_or_else(|e| panic!("{principal} {action} at {scope}: {e}"))
    .decision
}

fn sub_scope(s: &str) -> String {
    format!("/subscriptions/{s}")
}

/// The snapshot a complete read of the realistic tenant must give.
fn assert_realistic(s: &Snapshot) {
    assert_eq!(s.subscriptions.len(), 2);
    assert_eq!(s.resource_groups.len(), 2);
    assert_eq!(s.vaults.len(), 3);
    // 17 built-in roles + Microsoft's placeholder custom role, once each although read per subscription.
    assert_eq!(s.role_definitions.len(), 18);
    // 5 at A + 4 at B, of which the management-group assignment is listed by both.
    assert_eq!(s.role_assignments.len(), 8);
    assert_eq!(s.deny_assignments.len(), 1);
    assert_eq!(s.role_eligibilities.len(), 1);
    // Alice, Bob, Example, Pat, SecOps, Trevor (Billy shares his id and is dropped), Carol, On-call, Dave.
    assert_eq!(s.principals.len(), 9, "{:?}", s.principals);
    assert_eq!(s.group_memberships.len(), 3);
    // The listed group, plus the two child groups its `$expand=children` names.
    assert_eq!(s.management_groups.len(), 3);
    assert!(
        s.management_groups
            .iter()
            .any(|g| g.subscription_ids.contains(&SUB_A.to_string()))
    );
    let kv_rbac = vault_id(SUB_A, "kv-rbac");
    let kv_policies = vault_id(SUB_A, "kv-policies");
    assert_eq!(verdict(s, BOB, &kv_rbac, "secrets/get"), Decision::Allowed);
    assert_eq!(
        verdict(s, ALICE, &kv_policies, "secrets/get"),
        Decision::Allowed
    );
    // Through SecOps (Key Vault Administrator on the subscription), and through On-call nested in it.
    assert_eq!(
        verdict(s, CAROL, &kv_rbac, "secrets/get"),
        Decision::Allowed
    );
    assert_eq!(verdict(s, DAVE, &kv_rbac, "secrets/set"), Decision::Allowed);
    // Complete data lets the engine say no.
    assert_eq!(
        verdict(s, BOB, &kv_policies, "secrets/get"),
        Decision::Denied
    );
    assert_eq!(
        verdict(
            s,
            TREVOR,
            &sub_scope(SUB_B),
            "Microsoft.Resources/subscriptions/resourceGroups/read"
        ),
        Decision::Allowed
    );
}

#[tokio::test]
async fn happy_path_gives_the_expected_snapshot() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    let (result, updates) = fetch_with(
        &mock,
        FetchRequest::default(),
        options(),
        Credentials::fixed(TOKEN),
    )
    .await;
    let out = result.unwrap();
    assert_eq!(
        out.completeness(),
        Completeness::Complete,
        "{:?}",
        out.errors
    );
    assert_realistic(&out.snapshot);
    assert_eq!(out.tenant_id.as_deref().map(str::len), Some(36));
    // The document saved is a snapshot that loads without problems, and equals the one returned.
    let reloaded = kvaccess::snapshot::parse(&out.json.to_string(), Path::new("fetched")).unwrap();
    assert_realistic(&reloaded);
    // No request was made twice; every one carried the token.
    assert!(
        mock.duplicates().await.is_empty(),
        "{:?}",
        mock.duplicates().await
    );
    let requests = mock.requests().await;
    assert_eq!(out.stats.requests as usize, requests.len());
    assert!(requests.iter().all(
        |r| r.headers.get("authorization").and_then(|v| v.to_str().ok())
            == Some(&format!("Bearer {TOKEN}")[..])
    ));
    // 3 (subscriptions, groups list, group) + 9 per subscription (the 6 lists, the perimeters, resources
    // and user-assigned identities) + getByIds + 2 member lists + 5 Entra lists (role assignments,
    // eligibilities, Graph's service principal and its app role assignments, applications) + one owner
    // list per group and (not managed-identity) service principal.
    let owned = out
        .snapshot
        .principals
        .iter()
        .filter(|p| {
            matches!(
                p.kind,
                PrincipalKind::Group | PrincipalKind::ServicePrincipal
            )
        })
        .count();
    assert!(owned >= 2);
    assert_eq!(requests.len(), 3 + 18 + 1 + 2 + 5 + owned);
    // Vault items were not asked for.
    assert!(!requests.iter().any(|r| r.url.path().starts_with("/kv/")));
    // The channel told the story: started, progress, sections, finished.
    assert!(matches!(updates.first(), Some(FetchUpdate::Started { .. })));
    assert!(matches!(updates.last(), Some(FetchUpdate::Finished(_))));
    assert!(updates.iter().any(|u| matches!(
        u,
        FetchUpdate::Section {
            section: Section::Vaults,
            ..
        }
    )));
    let mut store = StateStore::new(Cloud::AzureCloud);
    let mut generations = Vec::new();
    for u in &updates {
        store.apply(u);
        generations.push(store.generation());
    }
    assert!(generations.windows(2).all(|w| w[0] <= w[1]));
    assert_realistic(&store.snapshot());
    let last = match updates.iter().rev().find_map(|u| match u {
        FetchUpdate::Progress { done, planned, .. } => Some((*done, *planned)),
        _ => None,
    }) {
        Some(p) => p,
        None => panic!("no progress"),
    };
    assert_eq!(last.0, last.1, "progress ends complete: {last:?}");
}

/// A compound access-policy entry names its application only by `applicationId`: the fetcher looks the
/// service principal up by appId, so every answer can name the application; an application without a
/// service principal in the tenant (404) keeps its appId as its name and is no collection error.
#[tokio::test]
async fn applications_named_only_by_app_id_are_resolved_by_app_id() {
    const APP: &str = "7777aaaa-0000-4000-8000-000000000001";
    const APP_SP: &str = "7777bbbb-0000-4000-8000-000000000002";
    const GONE_APP: &str = "7777cccc-0000-4000-8000-000000000003";
    let mock = MockAzureServer::start(|base| {
        let mut t = Tenant::realistic(base);
        let policies = &mut t.subs.get_mut(SUB_A).unwrap().vaults[0]["properties"]["accessPolicies"];
        for app in [APP, GONE_APP] {
            policies.as_array_mut().unwrap().push(json!({
                "tenantId": "00000000-0000-0000-0000-000000000000", "objectId": DAVE, "applicationId": app,
                "permissions": { "secrets": ["get"] } }));
        }
        t.directory.push(json!({ "@odata.type": "#microsoft.graph.servicePrincipal", "id": APP_SP,
            "appId": APP, "displayName": "payroll-api", "servicePrincipalType": "Application" }));
        t
    })
    .await;
    let out = fetch(&mock, FetchRequest::default()).await;
    assert_eq!(
        out.completeness(),
        Completeness::Complete,
        "{:?}",
        out.errors
    );
    let sp = out
        .snapshot
        .principals
        .iter()
        .find(|p| p.id == APP_SP)
        .expect("service principal read by appId");
    assert_eq!(
        (sp.display_name.as_str(), sp.app_id.as_deref()),
        ("payroll-api", Some(APP))
    );
    let paths: Vec<String> = mock
        .requests()
        .await
        .iter()
        .map(|r| r.url.path().to_ascii_lowercase())
        .collect();
    for app in [APP, GONE_APP] {
        assert!(
            paths
                .iter()
                .any(|p| p.ends_with(&format!("/serviceprincipals(appid='{app}')"))),
            "{paths:?}"
        );
    }
    let engine = Engine::new(out.snapshot.clone());
    let ask = |app: &str| {
        query::check(
            &engine,
            &Question {
                principal: DAVE.into(),
                via_app: Some(app.into()),
                scope: vault_id(SUB_A, "kv-policies"),
                action: "secrets/get".into(),
                origin: None,
            },
        )
        .unwrap()
    };
    let named = ask(APP);
    assert_eq!(named.via_app_name.as_deref(), Some("payroll-api"));
    let unnamed = ask(GONE_APP);
    assert_eq!(
        (unnamed.via_app.as_deref(), unnamed.via_app_name),
        (Some(GONE_APP), None)
    );
}

#[tokio::test]
async fn vault_items_are_listed_without_values_and_a_firewall_is_recorded() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    let out = fetch(
        &mock,
        FetchRequest {
            include_items: true,
            ..FetchRequest::default()
        },
    )
    .await;
    let s = &out.snapshot;
    let mut names: Vec<(String, String)> = s
        .vault_items
        .iter()
        .map(|i| (i.vault.name().to_string(), i.name.clone()))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ("kv-policies", "db-password"),
            ("kv-policies", "wrapping-key"),
            ("kv-rbac", "api-key"),
            ("kv-rbac", "other")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let db = s
        .vault_items
        .iter()
        .find(|i| i.name == "db-password")
        .unwrap();
    assert_eq!(db.enabled, Some(true));
    assert_eq!(db.expires.as_deref(), Some("2027-01-01T00:00:00Z"));
    let text = out.json.to_string();
    assert!(!text.contains("MUST-NOT-BE-STORED"), "a value was stored");
    assert!(
        !text.contains("text/plain"),
        "only names and attributes are kept"
    );
    // The firewalled vault: recorded for exactly that vault and section, and the run goes on.
    assert_eq!(out.completeness(), Completeness::WithCollectionErrors);
    let firewalled = vault_id(SUB_A, "kv-firewall");
    assert_eq!(s.collection_errors.len(), 3, "{:?}", s.collection_errors);
    for e in &s.collection_errors {
        assert_eq!(e.scope.id(), firewalled);
        assert_eq!(e.about, Topic::Section(Section::VaultItems));
        assert_eq!(e.status(), Some(403));
        assert!(
            e.message().contains("ForbiddenByFirewall"),
            "{}",
            e.message()
        );
    }
    assert_realistic(s);
}

#[tokio::test]
async fn every_list_followed_across_pages() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    mock.set_page_size(Some(1));
    let out = fetch(
        &mock,
        FetchRequest {
            include_items: true,
            ..FetchRequest::default()
        },
    )
    .await;
    assert_realistic(&out.snapshot);
    assert_eq!(out.snapshot.vault_items.len(), 4);
    let requests = mock.requests().await;
    let arm_pages = requests
        .iter()
        .filter(|r| r.url.query().unwrap_or("").contains("skiptoken"))
        .count();
    assert!(arm_pages > 30, "only {arm_pages} follow-up pages");
    let graph_pages = requests
        .iter()
        .filter(|r| {
            r.url.path().contains("/members") && r.url.query().unwrap_or("").contains("skiptoken")
        })
        .count();
    assert!(graph_pages >= 1, "@odata.nextLink was not followed");
    assert!(mock.duplicates().await.is_empty());
    assert!(
        out.stats.depth >= 8,
        "pages are sequential: depth {}",
        out.stats.depth
    );
}

#[tokio::test]
async fn vault_list_next_link_to_the_generic_resource_list_is_completed_by_get() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    // Microsoft's example: the vault list's nextLink leads to `/resources` (items without properties).
    let base = mock.base().to_string();
    let listed = example("listVaultBySubscription.json");
    mock.fault(
        Some("GET"),
        &format!("/arm/subscriptions/{SUB_A}/providers/Microsoft.KeyVault/vaults?"),
        1,
        move |_| {
            let mut body = listed.clone();
            body["value"] = json!([]);
            let next = body["nextLink"]
                .as_str()
                .unwrap()
                .replace("https://management.azure.com", &format!("{base}/arm"));
            body["nextLink"] = json!(next.replace("00000000-0000-0000-0000-000000000000", SUB_A));
            ResponseTemplate::new(200).set_body_json(body)
        },
    );
    let out = fetch(&mock, FetchRequest::default()).await;
    assert_eq!(
        out.completeness(),
        Completeness::Complete,
        "{:?}",
        out.errors
    );
    assert_realistic(&out.snapshot);
    let gets = mock
        .requests()
        .await
        .into_iter()
        .filter(|r| {
            r.url
                .path()
                .contains("/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/")
        })
        .count();
    assert_eq!(gets, 3, "each vault read once by Vaults_Get");
}

#[tokio::test]
async fn throttling_with_retry_after_is_waited_out() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    mock.fault(
        Some("GET"),
        &format!("/subscriptions/{SUB_A}/providers/microsoft.authorization/roleassignments"),
        1,
        |_| {
            arm_error(429, "TooManyRequests", "Rate limit exceeded")
                .insert_header("Retry-After", "1")
        },
    );
    let started = Instant::now();
    let out = fetch(&mock, FetchRequest::default()).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1),
        "did not wait for Retry-After: {elapsed:?}"
    );
    assert_eq!(
        out.completeness(),
        Completeness::Complete,
        "{:?}",
        out.errors
    );
    assert_realistic(&out.snapshot);
    assert_eq!(out.stats.throttled, 1);
    assert_eq!(out.stats.retries, 1);
    assert!(out.stats.waited_ms >= 900, "{:?}", out.stats);
}

#[tokio::test]
async fn throttling_past_the_budget_is_recorded_for_that_section() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    mock.fault(
        Some("GET"),
        &format!("/subscriptions/{SUB_B}/providers/microsoft.authorization/denyassignments"),
        usize::MAX,
        |_| {
            arm_error(429, "TooManyRequests", "Rate limit exceeded")
                .insert_header("Retry-After", "3600")
        },
    );
    let started = Instant::now();
    let out = fetch(&mock, FetchRequest::default()).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "an hour-long Retry-After is not waited for"
    );
    let errors = &out.snapshot.collection_errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].scope.id(), sub_scope(SUB_B));
    assert_eq!(errors[0].about, Topic::DENY_ASSIGNMENTS);
    assert_eq!(errors[0].status(), Some(429));
    assert!(
        errors[0].message().contains("throttled"),
        "{}",
        errors[0].message()
    );
    // Deny assignments unknown at B: an allow there becomes unknown, never a silent allow.
    assert_eq!(
        verdict(
            &out.snapshot,
            TREVOR,
            &sub_scope(SUB_B),
            "Microsoft.Resources/subscriptions/resourceGroups/read"
        ),
        Decision::Unknown
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    mock.fault(
        Some("GET"),
        &format!("/subscriptions/{SUB_A}/providers/microsoft.keyvault/vaults"),
        2,
        |_| {
            arm_error(
                500,
                "InternalServerError",
                "Encountered internal server error",
            )
        },
    );
    mock.fault(Some("POST"), "/directoryobjects/getbyids", 1, |_| {
        ResponseTemplate::new(503)
            .insert_header("Retry-After", "0")
            .set_body_string("Service Unavailable")
    });
    let out = fetch(&mock, FetchRequest::default()).await;
    assert_eq!(
        out.completeness(),
        Completeness::Complete,
        "{:?}",
        out.errors
    );
    assert_realistic(&out.snapshot);
    assert_eq!(out.stats.retries, 3);
}

#[tokio::test]
async fn server_errors_past_the_budget_are_recorded() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    mock.fault(
        Some("GET"),
        &format!("/subscriptions/{SUB_A}/resourcegroups"),
        usize::MAX,
        |_| arm_error(502, "BadGateway", "upstream"),
    );
    let out = fetch(&mock, FetchRequest::default()).await;
    let e = &out.snapshot.collection_errors;
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        (e[0].scope.id(), &e[0].about, e[0].status()),
        (
            &*sub_scope(SUB_A),
            &Topic::Section(Section::ResourceGroups),
            Some(502)
        )
    );
    assert!(
        e[0].message().contains("gave up after 4 attempt(s)"),
        "{}",
        e[0].message()
    );
    assert_eq!(out.stats.retries, 3);
}

#[tokio::test]
async fn a_timeout_is_retried_and_a_persistent_one_recorded() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    let slow = |_: &wiremock::Request| {
        ResponseTemplate::new(200)
            .set_body_json(json!({ "value": [] }))
            .set_delay(Duration::from_secs(3))
    };
    mock.fault(
        Some("GET"),
        &format!("/subscriptions/{SUB_A}/resourcegroups"),
        1,
        slow,
    );
    mock.fault(
        Some("GET"),
        &format!("/subscriptions/{SUB_B}/resourcegroups"),
        usize::MAX,
        slow,
    );
    let mut opts = options();
    opts.http.timeout = Duration::from_millis(300);
    opts.http.max_attempts = 2;
    let started = Instant::now();
    let (result, _) = fetch_with(
        &mock,
        FetchRequest::default(),
        opts,
        Credentials::fixed(TOKEN),
    )
    .await;
    let out = result.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // A: timed out once, then read. B: timed out twice, recorded.
    assert!(
        out.snapshot
            .resource_groups
            .iter()
            .any(|g| g.name == "rg-kv"),
        "{:?}",
        out.errors
    );
    let e = &out.snapshot.collection_errors;
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].scope.id(), sub_scope(SUB_B));
    assert_eq!(e[0].about, Topic::Section(Section::ResourceGroups));
    assert_eq!(e[0].status(), None);
    assert!(
        e[0].message().contains("no answer within 0.3 s"),
        "{}",
        e[0].message()
    );
}

#[tokio::test]
async fn forbidden_role_assignments_make_that_subscription_unknown() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    mock.fault(Some("GET"), &format!("/subscriptions/{SUB_B}/providers/microsoft.authorization/roleassignments"), usize::MAX, |_| {
        arm_error(403, "AuthorizationFailed", "The client does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read'.")
    });
    let out = fetch(&mock, FetchRequest::default()).await;
    assert_eq!(out.completeness(), Completeness::WithCollectionErrors);
    let e = &out.snapshot.collection_errors;
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].scope.id(), sub_scope(SUB_B));
    assert_eq!(e[0].about, Topic::ROLE_ASSIGNMENTS);
    assert_eq!(e[0].status(), Some(403));
    assert!(e[0].message().contains("AuthorizationFailed"));
    let s = &out.snapshot;
    // Trevor's Reader assignment at B could not be read: unknown, not denied.
    assert_eq!(
        verdict(
            s,
            TREVOR,
            &sub_scope(SUB_B),
            "Microsoft.Resources/subscriptions/resourceGroups/read"
        ),
        Decision::Unknown
    );
    // Subscription A is unaffected.
    assert_eq!(
        verdict(s, BOB, &vault_id(SUB_A, "kv-rbac"), "secrets/get"),
        Decision::Allowed
    );
    assert_eq!(
        verdict(s, BOB, &vault_id(SUB_A, "kv-policies"), "secrets/get"),
        Decision::Denied
    );
    // The management-group assignment still arrived through A's list.
    assert_eq!(s.role_assignments.len(), 5);
}

#[tokio::test]
async fn malformed_json_is_a_clear_error_and_nothing_is_kept() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    mock.fault(
        Some("GET"),
        &format!("/subscriptions/{SUB_A}/providers/microsoft.keyvault/vaults"),
        usize::MAX,
        |_| {
            ResponseTemplate::new(200).set_body_raw(
                r#"{"value": [ {"id": "/subscriptions/x", "#,
                "application/json",
            )
        },
    );
    let (result, updates) = fetch_with(
        &mock,
        FetchRequest::default(),
        options(),
        Credentials::fixed(TOKEN),
    )
    .await;
    let err = result.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, FetchError::Malformed { .. }), "{err:?}");
    assert!(text.contains("not valid JSON"), "{text}");
    assert!(
        text.contains(&format!(
            "/arm/subscriptions/{SUB_A}/providers/Microsoft.KeyVault/vaults"
        )),
        "{text}"
    );
    assert!(text.contains("line 1"), "{text}");
    assert!(matches!(updates.last(), Some(FetchUpdate::Failed(_))));
}

#[tokio::test]
async fn broken_pagination_is_recorded_not_followed_forever() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    // Microsoft's own subscription list, whose nextLink is "...".
    mock.fault(Some("GET"), "/arm/subscriptions?", 1, |_| {
        ResponseTemplate::new(200).set_body_json(example("GetSubscriptions.json"))
    });
    // A resource-group list whose nextLink points at itself.
    let base = mock.base().to_string();
    mock.fault(
        Some("GET"),
        &format!("/subscriptions/{SUB_A}/resourcegroups"),
        usize::MAX,
        move |r| {
            let again = format!("{base}{}?{}", r.url.path(), r.url.query().unwrap_or(""));
            ResponseTemplate::new(200).set_body_json(json!({ "value": [], "nextLink": again }))
        },
    );
    // A member list whose @odata.nextLink leaves for another host: the token must not follow.
    mock.fault(Some("GET"), &format!("/groups/{ONCALL}/members"), usize::MAX, |_| {
        ResponseTemplate::new(200).set_body_json(json!({ "value": [], "@odata.nextLink": "https://graph.evil.example/v1.0/groups/x/members?$skiptoken=1" }))
    });
    let started = Instant::now();
    let out = fetch(&mock, FetchRequest::default()).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    let mut found: Vec<(String, String)> = out
        .snapshot
        .collection_errors
        .iter()
        .map(|e| (e.about.key(), e.message()))
        .collect();
    found.sort();
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0].0, "groupmemberships");
    assert!(found[0].1.contains("leaves"), "{}", found[0].1);
    assert_eq!(found[1].0, "resourcegroups");
    assert!(found[1].1.contains("repeats"), "{}", found[1].1);
    assert_eq!(found[2].0, "subscriptions");
    assert!(found[2].1.contains("'...' is not a URL"), "{}", found[2].1);
    // Both subscriptions of the first page were kept.
    assert_eq!(out.snapshot.subscriptions.len(), 2);
    let self_links = mock
        .requests()
        .await
        .iter()
        .filter(|r| r.url.path().ends_with(&format!("{SUB_A}/resourcegroups")))
        .count();
    assert_eq!(self_links, 1);
}

#[tokio::test]
async fn explicit_subscriptions_are_read_alone() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    let out = fetch(
        &mock,
        FetchRequest {
            subscriptions: vec![SUB_B.to_uppercase()],
            include_items: false,
        },
    )
    .await;
    assert_eq!(
        out.completeness(),
        Completeness::Complete,
        "{:?}",
        out.errors
    );
    assert_eq!(out.snapshot.subscriptions.len(), 1);
    assert_eq!(out.snapshot.subscriptions[0].subscription_id, SUB_B);
    assert!(out.snapshot.vaults.is_empty());
    let requests = mock.requests().await;
    assert!(
        !requests
            .iter()
            .any(|r| r.url.path() == "/arm/subscriptions"),
        "the list is not read"
    );
    assert!(!requests.iter().any(|r| r.url.path().contains(SUB_A)));
    // An unknown subscription: recorded, nothing readable.
    let out = fetch(
        &mock,
        FetchRequest {
            subscriptions: vec!["00000000-1111-2222-3333-444444444444".into()],
            include_items: false,
        },
    )
    .await;
    assert_eq!(out.completeness(), Completeness::NothingReadable);
    assert!(
        out.errors
            .iter()
            .any(|e| e.status == Some(404) && e.section == Section::Subscriptions)
    );
}

#[tokio::test]
async fn ratelimit_headers_slow_requests_down() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    mock.azure.arm_headers.lock().unwrap().push((
        "x-ms-ratelimit-remaining-subscription-reads".into(),
        "40".into(),
    ));
    let mut opts = options();
    opts.http.low_remaining = 100; // 40 left of a low mark of 100: 40 ms between ARM requests
    let (result, _) = fetch_with(
        &mock,
        FetchRequest::default(),
        opts,
        Credentials::fixed(TOKEN),
    )
    .await;
    let out = result.unwrap();
    assert_eq!(out.completeness(), Completeness::Complete);
    // 15 ARM requests; once the first answers, the rest are spaced ~40 ms apart.
    assert!(out.stats.waited_ms >= 200, "{:?}", out.stats);
}

#[tokio::test]
async fn concurrency_is_bounded() {
    let mock = MockAzureServer::start(|b| Tenant::synthetic(b, 6, 4)).await;
    mock.set_latency(Duration::from_millis(20));
    let opts = options().with_concurrency(3);
    let (result, _) = fetch_with(
        &mock,
        FetchRequest {
            include_items: true,
            ..FetchRequest::default()
        },
        opts,
        Credentials::fixed(TOKEN),
    )
    .await;
    let out = result.unwrap();
    assert_eq!(
        out.completeness(),
        Completeness::Complete,
        "{:?}",
        out.errors
    );
    assert_eq!(out.snapshot.vaults.len(), 24);
    assert_eq!(out.snapshot.vault_items.len(), 24 * 3);
    let max = mock
        .azure
        .max_in_flight
        .load(std::sync::atomic::Ordering::SeqCst);
    assert!(max <= 3, "{max} requests in flight at once");
    assert!(mock.duplicates().await.is_empty());
}

#[tokio::test]
async fn tokens_never_appear_in_errors_updates_or_debug_output() {
    let secret = "eyJ0eXAi.SUPER-SECRET-TOKEN.sig";
    let mock = MockAzureServer::start(Tenant::realistic).await;
    // A server that echoes the Authorization header back in its error.
    mock.fault(
        Some("GET"),
        &format!("/subscriptions/{SUB_B}/providers/microsoft.authorization/roleassignments"),
        usize::MAX,
        |r| {
            let auth = r
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            arm_error(
                403,
                "AuthorizationFailed",
                &format!("token {auth} is not allowed"),
            )
        },
    );
    mock.fault(
        Some("GET"),
        &format!("/subscriptions/{SUB_A}/resourcegroups"),
        usize::MAX,
        |r| {
            let auth = r
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            ResponseTemplate::new(500).set_body_string(format!("<html>{auth}</html>"))
        },
    );
    let creds = Credentials::fixed(secret);
    assert!(!format!("{creds:?}").contains(secret));
    let fetcher = Fetcher::new(mock.cloud(), creds.clone(), options()).unwrap();
    assert!(!format!("{fetcher:?}").contains(secret));
    let (result, updates) = fetch_with(&mock, FetchRequest::default(), options(), creds).await;
    let out = result.unwrap();
    assert_eq!(out.errors.len(), 2, "{:?}", out.errors);
    let everything = format!("{updates:?} {out:?} {}", out.json);
    assert!(!everything.contains(secret), "the token leaked");
    assert!(everything.contains("<redacted token>"));
    // Malformed-response errors are scrubbed too.
    mock.fault(None, "/arm/subscriptions?", usize::MAX, |r| {
        let auth = r
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        ResponseTemplate::new(200).set_body_string(auth)
    });
    let (result, updates) = fetch_with(
        &mock,
        FetchRequest::default(),
        options(),
        Credentials::fixed(secret),
    )
    .await;
    let err = result.unwrap_err();
    assert!(!format!("{err} {err:?} {updates:?}").contains(secret));
    assert!(!format!("{:?}", FixedTokenCredential::new(secret)).contains(secret));
}

#[tokio::test]
async fn an_auth_failure_names_the_credential_and_the_fix() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    let cloud = mock.cloud();
    let creds = Credentials::from_method(kvaccess::fetch::AuthMethod::Token, &cloud, &|_| None);
    let err = creds.unwrap_err();
    assert!(matches!(err, AuthError::Failed { .. }));
    assert!(err.to_string().contains("KVACCESS_ARM_TOKEN"));
    // Only an ARM token: the directory and vault items are recorded as unreadable, not fatal.
    let creds = Credentials::per_plane(
        Some(FixedTokenCredential::new(TOKEN)),
        None,
        None,
        "arm only",
    );
    let (result, _) = fetch_with(
        &mock,
        FetchRequest {
            include_items: true,
            ..FetchRequest::default()
        },
        options(),
        creds,
    )
    .await;
    let out = result.unwrap();
    assert!(out.errors.iter().any(|e| e.section == Section::Principals && e.message.contains("KVACCESS_GRAPH_TOKEN")));
    assert!(out.errors.iter().any(|e| e.section == Section::VaultItems && e.message.contains("KVACCESS_VAULT_TOKEN")));
    assert!(
        !mock
            .requests()
            .await
            .iter()
            .any(|r| r.url.path().starts_with("/graph") || r.url.path().starts_with("/kv"))
    );
    // The evaluator cannot vouch for group-based access without the directory.
    assert_eq!(
        verdict(
            &out.snapshot,
            CAROL,
            &vault_id(SUB_A, "kv-rbac"),
            "secrets/get"
        ),
        Decision::Unknown
    );
}

#[tokio::test]
async fn tokens_are_requested_with_the_cloud_audiences() {
    use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
    use std::sync::{Arc, Mutex};

    #[derive(Debug, Default)]
    struct Recording(Mutex<Vec<String>>);
    #[async_trait::async_trait]
    impl TokenCredential for Recording {
        async fn get_token(
            &self,
            scopes: &[&str],
            _: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AccessToken> {
            self.0
                .lock()
                .unwrap()
                .extend(scopes.iter().map(|s| s.to_string()));
            Ok(AccessToken::new(
                "t0k3n-value",
                azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
            ))
        }
    }
    let mock = MockAzureServer::start(Tenant::realistic).await;
    // A US Government-like custom cloud whose endpoints are the mock.
    let cloud = kvaccess::fetch::CloudConfig::from_json(
        &json!({ "cloud": "AzureUSGovernment", "resourceManager": format!("{}/arm", mock.base()),
                 "microsoftGraph": format!("{}/graph", mock.base()), "vaultDnsSuffix": "vault.usgovcloudapi.net",
                 "audiences": { "resourceManager": "https://management.usgovcloudapi.net", "microsoftGraph": "https://graph.microsoft.us",
                                "keyVault": "https://vault.usgovcloudapi.net" } })
        .to_string(),
        "gov.json",
    )
    .unwrap();
    let recording = Arc::new(Recording::default());
    let fetcher = Fetcher::new(
        cloud,
        Credentials::single(recording.clone(), "recording"),
        options(),
    )
    .unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let out = fetcher
        .run(
            &FetchRequest {
                include_items: true,
                ..FetchRequest::default()
            },
            tx,
        )
        .await
        .unwrap();
    assert_eq!(out.snapshot.cloud, Cloud::AzureUsGovernment);
    let mut scopes = recording.0.lock().unwrap().clone();
    scopes.sort();
    scopes.dedup();
    assert_eq!(
        scopes,
        [
            "https://graph.microsoft.us/.default",
            "https://management.usgovcloudapi.net/.default",
            "https://vault.usgovcloudapi.net/.default"
        ]
    );
}

#[tokio::test]
async fn vault_uris_outside_the_cloud_are_never_contacted() {
    let mock = MockAzureServer::start(|base| {
        let mut t = Tenant::realistic(base);
        let vaults = &mut t.subs.get_mut(SUB_A).unwrap().vaults;
        vaults[0]["properties"]["vaultUri"] = json!("http://kv-policies.vault.azure.net/");
        vaults[1]["properties"]["vaultUri"] = json!("https://kv-rbac.attacker.example/");
        t
    })
    .await;
    let out = fetch(
        &mock,
        FetchRequest {
            include_items: true,
            ..FetchRequest::default()
        },
    )
    .await;
    let messages: Vec<String> = out
        .snapshot
        .collection_errors
        .iter()
        .map(|e| e.message())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("plain http") && m.contains("loopback")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("not under this cloud's vault DNS suffix")),
        "{messages:?}"
    );
}

#[test]
fn fetcher_futures_can_run_on_a_spawned_task() {
    fn is_send<T: Send>(_: &T) {}
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let cloud = kvaccess::fetch::CloudConfig::builtin(Cloud::AzureCloud);
        let fetcher =
            Fetcher::new(cloud, Credentials::fixed("x"), FetchOptions::default()).unwrap();
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let request = FetchRequest::default();
        let fut = fetcher.run(&request, tx);
        is_send(&fut);
        drop(fut); // never polled: no request is made
    });
}

#[tokio::test]
async fn without_streaming_the_channel_carries_no_data_and_the_result_is_the_same() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    let mut opts = options();
    opts.stream_sections = false;
    let (result, updates) = fetch_with(
        &mock,
        FetchRequest::default(),
        opts,
        Credentials::fixed(TOKEN),
    )
    .await;
    let out = result.unwrap();
    assert_realistic(&out.snapshot);
    assert!(
        !updates
            .iter()
            .any(|u| matches!(u, FetchUpdate::Section { .. }))
    );
    assert!(
        updates
            .iter()
            .any(|u| matches!(u, FetchUpdate::Progress { .. }))
    );
}
