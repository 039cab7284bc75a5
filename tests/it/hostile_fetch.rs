//! The fetcher against a hostile mock Azure on 127.0.0.1: error bodies that echo the `Authorization` header
//! on every plane, absurd `Retry-After` values, vault URIs on other loopback addresses. Tokens must not
//! reach stderr, the snapshot's `collectionErrors` or the cache, even in part; nothing may panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use kvaccess::fetch::{Credentials, FetchOptions, FetchRequest, Fetcher};
use serde_json::json;
use support::*;
use wiremock::{Request, ResponseTemplate};

/// A JWT-shaped token, long enough that a 200-character cut of a message would keep a prefix of it.
fn jwt(plane: &str) -> String {
    let part = |seed: &str, n: usize| -> String {
        seed.bytes()
            .cycle()
            .take(n)
            .map(|b| (b'A' + (b % 26)) as char)
            .collect()
    };
    format!(
        "eyJ0eXAiOiJKV1QiLCJ{}.{}.{}",
        part(plane, 300),
        part(&format!("{plane}-claims"), 700),
        part(&format!("{plane}-sig"), 340)
    )
}

/// Every run of 8 characters of `token` that occurs in `text`.
fn fragments_in(text: &str, token: &str) -> Vec<String> {
    let t: Vec<char> = token.chars().collect();
    t.windows(8)
        .map(|w| w.iter().collect::<String>())
        .filter(|w| text.contains(w.as_str()))
        .take(3)
        .collect()
}

fn auth(r: &Request) -> String {
    r.headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn kvaccess() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kvaccess"));
    for k in [
        "KVACCESS_ARM_TOKEN",
        "KVACCESS_GRAPH_TOKEN",
        "KVACCESS_VAULT_TOKEN",
        "KVACCESS_SNAPSHOT",
        "KVACCESS_CACHE_DIR",
    ] {
        c.env_remove(k);
    }
    c.stdin(Stdio::null());
    c
}

async fn run(mut c: Command) -> Output {
    tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap()
}

fn read_all(dir: &Path, into: &mut String) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            read_all(&p, into);
        } else {
            into.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
        }
    }
}

/// Echoes the header on ARM (403 JSON and 500 HTML), Graph (JSON error) and the vault plane.
fn echo_everywhere(mock: &MockAzureServer) {
    mock.fault(
        Some("GET"),
        &format!("/subscriptions/{SUB_B}/providers/microsoft.authorization/roleassignments"),
        usize::MAX,
        |r| {
            arm_error(
                403,
                "AuthorizationFailed",
                &format!(
                    "The client with header 'Authorization: {}' is not allowed",
                    auth(r)
                ),
            )
        },
    );
    mock.fault(
        Some("GET"),
        &format!("/subscriptions/{SUB_A}/resourcegroups"),
        usize::MAX,
        |r| ResponseTemplate::new(500).set_body_string(format!("<html>{}</html>", auth(r))),
    );
    mock.fault(None, "/graph/", usize::MAX, |r| {
        ResponseTemplate::new(401).set_body_json(json!({ "error": { "code": "InvalidAuthenticationToken",
            "message": format!("Access token {} has expired", auth(r).trim_start_matches("Bearer ")) } }))
    });
    mock.fault(None, "/kv/kv-rbac/secrets", usize::MAX, |r| {
        ResponseTemplate::new(401)
            .set_body_json(json!({ "error": { "code": "Unauthorized", "message": auth(r) } }))
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echoed_tokens_never_reach_stderr_the_snapshot_or_the_cache() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    echo_everywhere(&mock);
    let dir = tempfile::tempdir().unwrap();
    let cloud = dir.path().join("cloud.json");
    std::fs::write(&cloud, mock.cloud_json()).unwrap();
    let out = dir.path().join("snapshot.json");
    let cache = dir.path().join("cache");
    let tokens = [jwt("arm"), jwt("graph"), jwt("vault")];
    let mut c = kvaccess();
    c.args([
        "fetch",
        "--auth",
        "token",
        "--plain",
        "--include-items",
        "--cache",
    ])
    .arg("--cloud-config")
    .arg(&cloud)
    .arg("-o")
    .arg(&out)
    .env("KVACCESS_CACHE_DIR", &cache)
    .env("KVACCESS_ARM_TOKEN", &tokens[0])
    .env("KVACCESS_GRAPH_TOKEN", &tokens[1])
    .env("KVACCESS_VAULT_TOKEN", &tokens[2]);
    let o = run(c).await;
    let mut everything = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(3), "{everything}");
    assert!(everything.contains("<redacted token>"), "{everything}");
    read_all(dir.path(), &mut everything);
    let snapshot = kvaccess::snapshot::load_file(&out).unwrap();
    assert!(
        snapshot.collection_errors.len() >= 4,
        "{:?}",
        snapshot.collection_errors
    );
    for t in &tokens {
        assert_eq!(fragments_in(&everything, t), Vec::<String>::new());
    }

    // A 200 whose body is the header itself: the malformed-JSON error is fatal and must be clean too.
    mock.fault(None, "/arm/subscriptions?", usize::MAX, |r| {
        ResponseTemplate::new(200).set_body_string(auth(r))
    });
    let mut c = kvaccess();
    c.args(["fetch", "--auth", "token", "--plain", "--cloud-config"])
        .arg(&cloud)
        .arg("-o")
        .arg(dir.path().join("second.json"))
        .env("KVACCESS_ARM_TOKEN", &tokens[0])
        .env("KVACCESS_GRAPH_TOKEN", &tokens[1])
        .env("KVACCESS_VAULT_TOKEN", &tokens[2]);
    let o = run(c).await;
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(2), "{all}");
    assert!(all.contains("not valid JSON"), "{all}");
    assert_eq!(
        fragments_in(&all, &tokens[0]),
        Vec::<String>::new(),
        "{all}"
    );
}

fn options() -> FetchOptions {
    let mut o = FetchOptions::default().with_concurrency(4);
    o.http.backoff_base = Duration::from_millis(5);
    o.http.backoff_max = Duration::from_millis(20);
    o.http.timeout = Duration::from_secs(5);
    o.http.no_proxy = true;
    o
}

#[tokio::test]
async fn absurd_retry_after_values_are_recorded_not_panicked_on() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    let absurd: [(&'static str, &'static str, u16, &str); 6] = [
        (
            "retry-after",
            "1e20",
            429,
            "/providers/microsoft.authorization/roledefinitions",
        ),
        (
            "retry-after-ms",
            "1e300",
            503,
            "/providers/microsoft.authorization/denyassignments",
        ),
        (
            "x-ms-retry-after-ms",
            "99999999999999999999999",
            429,
            "/providers/microsoft.authorization/roleeligibilityscheduleinstances",
        ),
        (
            "retry-after",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            503,
            "/resourcegroups",
        ),
        (
            "retry-after",
            "-3",
            429,
            "/providers/microsoft.keyvault/vaults",
        ),
        (
            "retry-after",
            "NaN",
            500,
            "/providers/microsoft.authorization/roleassignments",
        ),
    ];
    for (name, value, status, pattern) in absurd {
        mock.fault(Some("GET"), pattern, usize::MAX, move |_| {
            ResponseTemplate::new(status).insert_header(name, value)
        });
    }
    let fetcher =
        Fetcher::new(mock.cloud(), Credentials::fixed("t0ken-abcdef"), options()).unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let started = std::time::Instant::now();
    let out = fetcher.run(&FetchRequest::default(), tx).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(60));
    let messages: Vec<&str> = out.errors.iter().map(|e| e.message.as_str()).collect();
    // Every faulted section is a collection error; none was waited for a day.
    assert!(messages.len() >= 6, "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("throttled past the retry budget") && m.contains("a day or more")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("past what this run waits")),
        "{messages:?}"
    );
    // Negative and NaN headers are ignored: the usual back-off ran out the attempts.
    assert!(
        messages
            .iter()
            .any(|m| m.contains("gave up after 4 attempt(s))")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("throttled past the retry budget after 6 attempt(s)")),
        "{messages:?}"
    );
}

#[tokio::test]
async fn another_loopback_address_never_receives_the_vault_token() {
    let mock = MockAzureServer::start(|base| {
        let mut t = Tenant::realistic(base);
        let port = base.rsplit(':').next().unwrap().to_string();
        let vaults = &mut t.subs.get_mut(SUB_A).unwrap().vaults;
        vaults[0]["properties"]["vaultUri"] =
            json!(format!("http://127.0.0.2:{port}/kv/kv-policies/"));
        vaults[1]["properties"]["vaultUri"] = json!("http://127.0.0.1:9/kv/kv-rbac/");
        t
    })
    .await;
    let fetcher =
        Fetcher::new(mock.cloud(), Credentials::fixed("t0ken-abcdef"), options()).unwrap();
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
    let refused = out
        .errors
        .iter()
        .filter(|e| {
            e.message
                .contains("not under this cloud's vault DNS suffix")
        })
        .count();
    assert_eq!(refused, 2, "{:?}", out.errors);
    let port = mock.base().rsplit(':').next().unwrap().to_string();
    assert!(
        !mock
            .requests()
            .await
            .iter()
            .any(|r| r.url.path().starts_with("/kv/kv-policies")
                || r.url.path().starts_with("/kv/kv-rbac")),
        "a refused vault was contacted (port {port})"
    );
}

/// Ids in Azure's answers become request paths for child lists (a perimeter's profiles, an object's
/// owners): one that would lead elsewhere (another host, `..`, a query) is never requested.
#[tokio::test]
async fn ids_that_would_lead_elsewhere_are_not_followed() {
    let mock = MockAzureServer::start(|base| {
        let mut t = Tenant::realistic(base);
        t.subs.get_mut(SUB_A).unwrap().perimeters = vec![
            json!({ "id": "http://127.0.0.2:9/steal", "name": "evil", "profiles": [], "resourceAssociations": [] }),
            json!({ "id": format!("/subscriptions/{SUB_A}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityPerimeters/x/../../../../graph/v1.0/users"),
                    "name": "dots", "profiles": [], "resourceAssociations": [] }),
        ];
        t.owners.insert(
            SECOPS.into(),
            vec![json!({ "@odata.type": "#microsoft.graph.servicePrincipal", "id": "../../users?x=", "appId": "a" })],
        );
        t
    })
    .await;
    let fetcher = Fetcher::new(
        mock.cloud(),
        Credentials::fixed("t"),
        FetchOptions::default().with_concurrency(4),
    )
    .unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let out = fetcher.run(&FetchRequest::default(), tx).await.unwrap();
    let paths: Vec<String> = mock
        .requests()
        .await
        .iter()
        .map(|r| r.url.path().to_ascii_lowercase())
        .collect();
    assert!(
        !paths
            .iter()
            .any(|p| p.contains("steal") || p.contains("/users") || p.contains("..")),
        "{paths:?}"
    );
    // The unusable perimeters are recorded, so unassociated vaults are unknown rather than decided.
    assert!(
        out.errors
            .iter()
            .any(|e| e.section == kvaccess::fetch::Section::NetworkSecurityPerimeters)
    );
    let v = out
        .snapshot
        .vaults
        .iter()
        .find(|v| v.name == "kv-rbac")
        .unwrap();
    let origin = kvaccess::eval::Origin::Ip("198.51.100.7".parse().unwrap());
    assert_eq!(
        kvaccess::eval::network::admits(&v.network, &origin).allowed(),
        None
    );
}
