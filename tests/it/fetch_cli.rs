//! `kvaccess fetch` and `kvaccess import --az` as a user runs them: exit codes, atomic output, progress,
//! errors. The binary talks to a mock Azure on 127.0.0.1 only (`--auth token`, `--cloud-config`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use kvaccess::eval::Request;
use kvaccess::eval::{Decision, Engine};
use kvaccess::model::{Scope, Topic};
use serde_json::{Value, json};
use support::*;
use wiremock::ResponseTemplate;

const GOOD: &str = "{\"kvaccessSnapshot\": 1, \"note\": \"the previous good snapshot\"}\n";

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

struct Setup {
    dir: tempfile::TempDir,
    cloud: PathBuf,
    out: PathBuf,
}

fn setup(mock: &MockAzureServer) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let cloud = dir.path().join("cloud.json");
    std::fs::write(&cloud, mock.cloud_json()).unwrap();
    let out = dir.path().join("snapshot.json");
    Setup { dir, cloud, out }
}

fn fetch_cmd(s: &Setup, extra: &[&str]) -> Command {
    let mut c = kvaccess();
    c.args(["fetch", "--auth", "token", "--plain", "--cloud-config"])
        .arg(&s.cloud)
        .arg("-o")
        .arg(&s.out)
        .args(extra)
        .env("KVACCESS_ARM_TOKEN", "arm-token-abc123")
        .env("KVACCESS_GRAPH_TOKEN", "graph-token-abc123")
        .env("KVACCESS_VAULT_TOKEN", "vault-token-abc123");
    c
}

async fn output(mut c: Command) -> Output {
    tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_writes_a_private_snapshot_and_exits_0() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    let s = setup(&mock);
    let cache = s.dir.path().join("cache");
    let mut c = fetch_cmd(&s, &["--cache", "--concurrency", "4"]);
    c.env("KVACCESS_CACHE_DIR", &cache);
    let o = output(c).await;
    let all = text(&o);
    assert_eq!(o.status.code(), Some(0), "{all}");
    assert!(all.contains("wrote "), "{all}");
    assert!(all.contains("[1/"), "plain progress lines: {all}");
    assert!(!all.contains("token-abc123"), "a token was printed: {all}");
    let snapshot = kvaccess::snapshot::load_file(&s.out).unwrap();
    assert_eq!(snapshot.vaults.len(), 3);
    assert_eq!(snapshot.subscriptions.len(), 2);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&s.out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // The per-tenant cache the TUI opens first.
    let cached: Vec<String> = files_in(&cache.join("snapshots"));
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert!(cached[0].starts_with("AzureCloud-") && cached[0].ends_with(".json"));
    assert!(
        !std::fs::read_to_string(&s.out)
            .unwrap()
            .contains("token-abc123")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collection_errors_exit_3_and_are_listed() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    mock.fault(
        Some("GET"),
        &format!("/subscriptions/{SUB_B}/providers/microsoft.authorization/roleassignments"),
        usize::MAX,
        |_| arm_error(403, "AuthorizationFailed", "no roleAssignments/read"),
    );
    let s = setup(&mock);
    let o = output(fetch_cmd(&s, &["--include-items"])).await;
    let all = text(&o);
    assert_eq!(o.status.code(), Some(3), "{all}");
    assert!(
        all.contains(&format!(
            "roleAssignments at /subscriptions/{SUB_B}: HTTP 403"
        )),
        "{all}"
    );
    assert!(all.contains("ForbiddenByFirewall"), "{all}");
    let snapshot = kvaccess::snapshot::load_file(&s.out).unwrap();
    assert_eq!(snapshot.collection_errors.len(), 4);
    assert_eq!(snapshot.vault_items.len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_exits_2_and_leaves_the_previous_file() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    mock.fault(
        Some("GET"),
        "/providers/microsoft.authorization/denyassignments",
        usize::MAX,
        |_| ResponseTemplate::new(200).set_body_raw("<html>proxy error</html>", "text/html"),
    );
    let s = setup(&mock);
    std::fs::write(&s.out, GOOD).unwrap();
    let o = output(fetch_cmd(&s, &[])).await;
    let all = text(&o);
    assert_eq!(o.status.code(), Some(2), "{all}");
    assert!(all.contains("not valid JSON"), "{all}");
    assert!(all.contains("nothing was written"), "{all}");
    assert_eq!(std::fs::read_to_string(&s.out).unwrap(), GOOD);
    assert_eq!(files_in(s.dir.path()), ["cloud.json", "snapshot.json"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_leaves_the_previous_file() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    mock.set_latency(Duration::from_secs(20));
    let s = setup(&mock);
    std::fs::write(&s.out, GOOD).unwrap();
    let mut c = fetch_cmd(&s, &[]);
    c.stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    let started = Instant::now();
    while mock.requests().await.is_empty() && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!mock.requests().await.is_empty(), "the run never started");
    child.kill().unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(!status.success());
    assert_eq!(std::fs::read_to_string(&s.out).unwrap(), GOOD);
    assert_eq!(files_in(s.dir.path()), ["cloud.json", "snapshot.json"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_readable_exits_2_without_writing() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    mock.fault(None, "/arm/", usize::MAX, |_| {
        arm_error(
            401,
            "InvalidAuthenticationToken",
            "The access token is invalid.",
        )
    });
    let s = setup(&mock);
    let o = output(fetch_cmd(&s, &[])).await;
    let all = text(&o);
    assert_eq!(o.status.code(), Some(2), "{all}");
    assert!(all.contains("nothing could be read"), "{all}");
    assert!(all.contains("InvalidAuthenticationToken"), "{all}");
    assert!(!s.out.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_a_non_loopback_address_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cloud = dir.path().join("cloud.json");
    std::fs::write(
        &cloud,
        json!({ "resourceManager": "http://10.20.30.40:8080/", "microsoftGraph": "https://graph.microsoft.com",
                "vaultDnsSuffix": "vault.azure.net" })
        .to_string(),
    )
    .unwrap();
    let mut c = kvaccess();
    c.args(["fetch", "--auth", "token", "--cloud-config"])
        .arg(&cloud)
        .arg("-o")
        .arg(dir.path().join("out.json"))
        .env("KVACCESS_ARM_TOKEN", "t");
    let o = output(c).await;
    let all = text(&o);
    assert_eq!(o.status.code(), Some(2), "{all}");
    assert!(all.contains("http://10.20.30.40:8080/"), "{all}");
    assert!(all.contains("only for loopback"), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_token_says_what_to_set() {
    let mock = MockAzureServer::start(Tenant::realistic).await;
    let s = setup(&mock);
    let mut c = kvaccess();
    c.args(["fetch", "--auth", "token", "--cloud-config"])
        .arg(&s.cloud)
        .arg("-o")
        .arg(&s.out);
    let o = output(c).await;
    let all = text(&o);
    assert_eq!(o.status.code(), Some(2), "{all}");
    assert!(all.contains("pre-issued tokens"), "{all}");
    assert!(all.contains("KVACCESS_ARM_TOKEN is not set"), "{all}");
    assert!(all.contains("az account get-access-token"), "{all}");
    // Without a token this process could only have sent unauthenticated requests. A request that carries
    // a token comes from another test's process whose server had this port before (seen once under load).
    let unauthenticated: Vec<String> = mock
        .requests()
        .await
        .iter()
        .filter(|r| !r.headers.contains_key("authorization"))
        .map(|r| r.url.to_string())
        .collect();
    assert!(unauthenticated.is_empty(), "{unauthenticated:?}");
}

#[test]
fn bad_arguments_are_refused() {
    let o = kvaccess()
        .args(["fetch", "-o", "x.json", "--subscription", "prod"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("not a subscription id"));
    let o = kvaccess()
        .args(["fetch", "-o", "x.json", "--cloud", "AzureGermanCloud"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = kvaccess()
        .args([
            "fetch",
            "-o",
            "x.json",
            "--cloud",
            "azurechinacloud",
            "--concurrency",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("concurrency"));
}

// --- import --az --------------------------------------------------------------------------------------

fn az_role_definition(d: &Value) -> Value {
    json!({
        "assignableScopes": d["properties"]["assignableScopes"], "description": d["properties"]["description"],
        "id": d["id"], "name": d["name"], "permissions": d["properties"]["permissions"],
        "roleName": d["properties"]["roleName"], "roleType": d["properties"]["type"], "type": "Microsoft.Authorization/roleDefinitions",
    })
}

fn az_assignment(
    scope: &str,
    role: &str,
    principal: &str,
    kind: &str,
    name: &str,
    principal_name: &str,
) -> Value {
    json!({
        "condition": null, "conditionVersion": null, "createdBy": null, "createdOn": "2026-01-01T00:00:00+00:00",
        "delegatedManagedIdentityResourceId": null, "description": null,
        "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"), "name": name,
        "principalId": principal, "principalName": principal_name, "principalType": kind,
        "roleDefinitionId": format!("/subscriptions/{SUB_A}/providers/Microsoft.Authorization/roleDefinitions/{role}"),
        "roleDefinitionName": "x", "scope": scope, "type": "Microsoft.Authorization/roleAssignments",
    })
}

/// What the `az` commands print for subscription A of the realistic tenant.
fn az_export(dir: &Path, with_members: bool, with_deny: bool) {
    let tenant = "31c75423-32d6-4322-88b7-c478bdde4858";
    write(
        dir.join("account.json"),
        json!([
            { "cloudName": "AzureCloud", "homeTenantId": tenant, "id": SUB_A, "isDefault": true, "managedByTenants": [],
              "name": "Prod", "state": "Enabled", "tenantId": tenant, "user": { "name": "me@contoso.com", "type": "user" } },
            { "cloudName": "AzureCloud", "homeTenantId": tenant, "id": SUB_B, "isDefault": false, "managedByTenants": [],
              "name": "Not exported", "state": "Enabled", "tenantId": tenant, "user": { "name": "me@contoso.com", "type": "user" } }
        ]),
    );
    let sub = dir.join(SUB_A);
    write(
        sub.join("groups.json"),
        json!([{ "id": format!("/subscriptions/{SUB_A}/resourceGroups/rg-kv"), "location": "westeurope", "managedBy": null,
                 "name": "rg-kv", "properties": { "provisioningState": "Succeeded" }, "tags": null, "type": "Microsoft.Resources/resourceGroups" }]),
    );
    let mut shown = vault(
        &example("getVault.json"),
        SUB_A,
        "kv-rbac",
        "https://kv-rbac.vault.azure.net/",
    );
    shown["properties"]["enableRbacAuthorization"] = json!(true);
    shown["resourceGroup"] = json!("rg-kv");
    write(
        sub.join("keyvaults.json"),
        json!([{ "id": vault_id(SUB_A, "kv-rbac"), "location": "westus", "name": "kv-rbac", "resourceGroup": "rg-kv",
                 "tags": {}, "type": "Microsoft.KeyVault/vaults" }]),
    );
    write(sub.join("keyvault-kv-rbac.json"), shown);
    let roles: Vec<Value> = fixture("builtin-roles.json")
        .as_array()
        .unwrap()
        .iter()
        .map(az_role_definition)
        .collect();
    write(sub.join("role-definitions.json"), Value::Array(roles));
    write(
        sub.join("role-assignments.json"),
        json!([
            az_assignment(
                &vault_id(SUB_A, "kv-rbac"),
                SECRETS_USER,
                BOB,
                "User",
                "b0b0a551-0000-4000-8000-000000000001",
                "bob@contoso.com"
            ),
            az_assignment(
                &format!("/subscriptions/{SUB_A}"),
                KV_ADMIN,
                SECOPS,
                "Group",
                "5ec0a551-0000-4000-8000-000000000002",
                "SecOps"
            ),
        ]),
    );
    if with_deny {
        write(sub.join("deny-assignments.json"), json!({ "value": [] }));
        write(sub.join("network-perimeters.json"), json!({ "value": [] }));
    }
    if with_members {
        write(
            dir.join(format!("group-members-{SECOPS}.json")),
            json!([{ "@odata.type": "#microsoft.graph.user", "id": CAROL, "displayName": "Carol", "userPrincipalName": "carol@contoso.com" }]),
        );
    }
}

fn decide(
    snapshot: &kvaccess::model::Snapshot,
    principal: &str,
    scope: &str,
    action: &str,
) -> Decision {
    let engine = Engine::new(snapshot.clone());
    let subject = engine.subject(principal);
    let target = engine.target(&Scope::parse(scope).unwrap());
    let action = kvaccess::catalog::resolve(action).unwrap();
    engine
        .check(&Request::new(&subject, &target, &action))
        .unwrap()
        .decision
}

#[test]
fn import_from_az_outputs() {
    let dir = tempfile::tempdir().unwrap();
    az_export(dir.path(), true, true);
    let out = dir.path().join("imported.json");
    let o = kvaccess()
        .args(["import", "--az"])
        .arg(dir.path())
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let all = text(&o);
    assert_eq!(o.status.code(), Some(0), "{all}");
    assert!(
        all.contains(&format!(
            "subscription {SUB_B} (Not exported) has no folder"
        )),
        "{all}"
    );
    let s = kvaccess::snapshot::load_file(&out).unwrap();
    assert_eq!(s.subscriptions.len(), 1);
    assert_eq!(s.vaults.len(), 1);
    assert_eq!(s.role_definitions.len(), 17);
    assert_eq!(s.role_assignments.len(), 2);
    // Principals named by `az role assignment list` (principalName) and by the member list.
    assert_eq!(s.principals.len(), 3, "{:?}", s.principals);
    assert_eq!(
        s.principals
            .iter()
            .find(|p| p.id == BOB)
            .unwrap()
            .user_principal_name
            .as_deref(),
        Some("bob@contoso.com")
    );
    let kv = vault_id(SUB_A, "kv-rbac");
    assert_eq!(decide(&s, BOB, &kv, "secrets/get"), Decision::Allowed);
    assert_eq!(decide(&s, CAROL, &kv, "secrets/get"), Decision::Allowed);
    assert_eq!(decide(&s, BOB, &kv, "secrets/set"), Decision::Denied);
}

fn write(p: PathBuf, v: Value) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

/// The `az rest` files of one perimeter (docs/import-az.md) associating kv-rbac, Enforced, admitting
/// 203.0.113.0/24; `rules` false leaves the profile's rules file out.
fn az_perimeter(sub: &Path, rules: bool) {
    let id = format!(
        "/subscriptions/{SUB_A}/resourceGroups/rg-nsp/providers/Microsoft.Network/networkSecurityPerimeters/nsp-corp"
    );
    let profile = format!("{id}/profiles/default");
    write(
        sub.join("network-perimeters.json"),
        json!({ "value": [ { "id": id, "name": "nsp-corp", "type": "Microsoft.Network/networkSecurityPerimeters",
                              "location": "westus", "properties": { "provisioningState": "Succeeded" } } ] }),
    );
    write(
        sub.join("nsp-nsp-corp-profiles.json"),
        json!({ "value": [ { "id": profile, "name": "default", "properties": { "accessRulesVersion": 1 } } ] }),
    );
    if rules {
        write(
            sub.join("nsp-nsp-corp-rules-default.json"),
            json!({ "value": [ { "id": format!("{profile}/accessRules/office"), "name": "office",
                                  "properties": { "direction": "Inbound", "addressPrefixes": ["203.0.113.0/24"] } } ] }),
        );
    }
    write(
        sub.join("nsp-nsp-corp-associations.json"),
        json!({ "value": [ { "id": format!("{id}/resourceAssociations/kv"), "name": "kv",
                              "properties": { "accessMode": "Enforced", "privateLinkResource": { "id": vault_id(SUB_A, "kv-rbac") },
                                              "profile": { "id": profile } } } ] }),
    );
}

fn public_access(snapshot: &kvaccess::model::Snapshot, ip: &str) -> Option<bool> {
    let v = &snapshot.vaults[0];
    kvaccess::eval::network::admits(&v.network, &kvaccess::eval::Origin::Ip(ip.parse().unwrap()))
        .allowed()
}

#[test]
fn import_reads_network_security_perimeters() {
    let dir = tempfile::tempdir().unwrap();
    az_export(dir.path(), true, true);
    let sub = dir.path().join(SUB_A);
    az_perimeter(&sub, true);
    let out = dir.path().join("imported.json");
    let import = |out: &Path| {
        kvaccess()
            .args(["import", "--az"])
            .arg(dir.path())
            .arg("-o")
            .arg(out)
            .output()
            .unwrap()
    };
    let o = import(&out);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let s = kvaccess::snapshot::load_file(&out).unwrap();
    assert_eq!(s.perimeters.as_ref().map(Vec::len), Some(1));
    // Enforced: the perimeter's rule alone decides public access.
    assert_eq!(public_access(&s, "203.0.113.7"), Some(true));
    assert_eq!(public_access(&s, "198.51.100.7"), Some(false));
    // Without the rules file the profile is unknown, not "no rule admits".
    std::fs::remove_file(sub.join("nsp-nsp-corp-rules-default.json")).unwrap();
    let o = import(&out);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(
        text(&o).contains("nsp-nsp-corp-rules-default.json was not exported"),
        "{}",
        text(&o)
    );
    let s = kvaccess::snapshot::load_file(&out).unwrap();
    assert_eq!(public_access(&s, "198.51.100.7"), None);
    // Without the perimeter list, every vault's public access is unknown, saying why.
    std::fs::remove_file(sub.join("network-perimeters.json")).unwrap();
    let o = import(&out);
    assert_eq!(o.status.code(), Some(3));
    let s = kvaccess::snapshot::load_file(&out).unwrap();
    assert_eq!(public_access(&s, "203.0.113.7"), None);
}

#[test]
fn import_records_what_was_not_exported() {
    let dir = tempfile::tempdir().unwrap();
    az_export(dir.path(), false, false);
    let out = dir.path().join("imported.json");
    let o = kvaccess()
        .args(["import", "--az"])
        .arg(dir.path())
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let all = text(&o);
    assert_eq!(o.status.code(), Some(3), "{all}");
    assert!(
        all.contains("deny-assignments.json was not exported"),
        "{all}"
    );
    assert!(
        all.contains("az ad group member list --group <id>"),
        "{all}"
    );
    let s = kvaccess::snapshot::load_file(&out).unwrap();
    let mut what: Vec<&Topic> = s.collection_errors.iter().map(|e| &e.about).collect();
    what.sort();
    assert_eq!(
        what,
        [
            &Topic::DENY_ASSIGNMENTS,
            &Topic::GROUP_MEMBERSHIPS,
            &Topic::Section(kvaccess::model::Section::NetworkSecurityPerimeters)
        ]
    );
    // Nothing is silently denied or allowed for lack of data.
    let kv = vault_id(SUB_A, "kv-rbac");
    assert_eq!(decide(&s, BOB, &kv, "secrets/get"), Decision::Unknown);
    assert_eq!(decide(&s, CAROL, &kv, "secrets/get"), Decision::Unknown);
    // Malformed az output: a clear error, nothing written.
    std::fs::write(dir.path().join(SUB_A).join("groups.json"), "[{\"id\": ").unwrap();
    let out2 = dir.path().join("second.json");
    let o = kvaccess()
        .args(["import", "--az"])
        .arg(dir.path())
        .arg("-o")
        .arg(&out2)
        .output()
        .unwrap();
    let all = text(&o);
    assert_eq!(o.status.code(), Some(2), "{all}");
    assert!(
        all.contains("groups.json: not valid JSON at line 1"),
        "{all}"
    );
    assert!(!out2.exists());
    // No account list at all.
    let empty = tempfile::tempdir().unwrap();
    let o = kvaccess()
        .args(["import", "--az"])
        .arg(empty.path())
        .arg("-o")
        .arg(&out2)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("az account list --all -o json"));
}
