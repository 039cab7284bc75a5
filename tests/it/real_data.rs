//! Real data, read right (issue 10): the shapes Azure and `az` actually return, written here from
//! Microsoft's documented shapes (tests/fixtures/real-data), asked through the built binary; and the
//! property that no answer depends on how a GUID is spelled.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use kvaccess::catalog;
use kvaccess::eval::{Engine, Request, Verdict};
use kvaccess::model::{Scope, Snapshot, Topic};
use predicates::str::contains;
use proptest::prelude::*;
use serde_json::{Value, json};

const SUB: &str = "5b000000-0000-4000-8000-000000000001";
const ALICE: &str = "a1000000-0000-4000-8000-000000000001";
const CAROL: &str = "ca000000-0000-4000-8000-000000000003";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real-data/az-shapes.json")
}

fn vault(name: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/{name}")
}

fn kv() -> Command {
    let mut c = Command::cargo_bin("kvaccess").unwrap();
    c.env("NO_COLOR", "1");
    c
}

/// `check` on the fixture: exit code and stdout.
fn check(who: &str, vault_name: &str, extra: &[&str]) -> (i32, String) {
    let out = kv()
        .arg("check")
        .arg("-s")
        .arg(fixture())
        .args([
            "-p",
            who,
            "--scope",
            &vault(vault_name),
            "-a",
            "secrets/get",
        ])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn validate_names_what_it_cannot_read() {
    kv().arg("validate")
        .arg(fixture())
        .assert()
        .code(0)
        .stdout(contains(
            "vaults[0].properties.privateEndpointConnections[1]: names no private endpoint",
        ))
        .stdout(contains(
            "vaults[1].properties: missing (a vault as `az keyvault list` prints it)",
        ));
}

#[test]
fn private_endpoint_connections_in_az_shape_admit() {
    assert_eq!(
        check("alice@contoso.com", "kv-pe", &["--private-endpoint"]).0,
        0
    );
    let pe = format!(
        "/subscriptions/{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe-app"
    );
    let (rc, out) = check("alice@contoso.com", "kv-pe", &["--private-endpoint", &pe]);
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains("is an approved connection"), "{out}");
}

#[test]
fn a_vault_listed_without_properties_is_unknown_not_an_error() {
    let (rc, out) = check("alice@contoso.com", "kv-listed", &[]);
    assert_eq!(rc, 4, "{out}");
    assert!(out.contains("without its properties"), "{out}");
    // The management plane does not depend on the vault's properties.
    kv().arg("check")
        .arg("-s")
        .arg(fixture())
        .args([
            "-p",
            ALICE,
            "--scope",
            &vault("kv-listed"),
            "-a",
            "vaults/write",
        ])
        .assert()
        .code(1);
}

#[test]
fn recursive_management_group_tree_places_the_subscription() {
    // Bob's role sits at mg-keys, two levels below the root in a `$recurse=true` tree.
    let (rc, out) = check("bob@contoso.com", "kv-nsp", &[]);
    assert_eq!(rc, 0, "{out}");
    assert!(
        out.contains("management group Keys") || out.contains("mg-keys"),
        "{out}"
    );
}

#[test]
fn dashless_everyone_deny_and_exclusion_apply() {
    let (rc, out) = check("bob@contoso.com", "kv-rbac", &[]);
    assert_eq!(
        rc, 1,
        "the Everyone deny (32 hex digits) applies to Bob: {out}"
    );
    let (rc, out) = check("carol@contoso.com", "kv-rbac", &[]);
    assert_eq!(
        rc, 0,
        "Carol is excluded (32 hex digits) and her upper-case id matches: {out}"
    );
}

#[test]
fn private_and_internet_callers() {
    let (rc, out) = check("carol@contoso.com", "kv-rbac", &["--from-ip", "10.1.2.3"]);
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains("10.1.2.3 is a private address"), "{out}");
    assert_eq!(
        check("carol@contoso.com", "kv-rbac", &["--from-ip", "11.0.0.1"]).0,
        0
    );
    let (rc, out) = check("carol@contoso.com", "kv-rbac", &["--from-ip", "internet"]);
    assert_eq!(rc, 4, "{out}");
    assert!(
        out.contains("depends on the caller's address") && out.contains("0.0.0.0/2"),
        "{out}"
    );
}

#[test]
fn an_enforced_perimeter_decides_instead_of_the_firewall() {
    let (rc, out) = check("bob@contoso.com", "kv-nsp", &["--from-ip", "198.51.100.7"]);
    assert_eq!(rc, 1, "the vault's own IP rule no longer admits: {out}");
    assert!(out.contains("perimeter nsp-corp (Enforced)"), "{out}");
    assert_eq!(
        check("bob@contoso.com", "kv-nsp", &["--from-ip", "203.0.113.7"]).0,
        0
    );
}

/// A small snapshot with one access-policy vault, Sam (a user with a role the file names), and `extra`.
fn small(extra: Value) -> Value {
    let kv = vault("kv-small");
    let mut s = json!({
        "kvaccessSnapshot": 1,
        "vaults": [{ "id": kv, "name": "kv-small", "properties": { "enableRbacAuthorization": true,
            "accessPolicies": [{ "objectId": "d0000000-0000-4000-8000-00000000dead", "permissions": { "secrets": ["get"] } }] } }],
        "principals": [{ "@odata.type": "#microsoft.graph.user", "id": ALICE, "displayName": "Alice", "userPrincipalName": "alice@contoso.com" }],
        "managementGroups": [], "roleDefinitions": [], "denyAssignments": [], "groupMemberships": []
    });
    for (k, v) in extra.as_object().unwrap() {
        s[k] = v.clone();
    }
    s
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p
}

#[test]
fn an_absent_section_is_missing_data_not_emptiness() {
    let dir = tempfile::tempdir().unwrap();
    let absent = write(dir.path(), "absent.json", &small(json!({})));
    kv().arg("validate")
        .arg(&absent)
        .assert()
        .code(0)
        .stdout(contains(
            "warning: roleAssignments: absent: answers that depend on it are unknown",
        ));
    let ask = |file: &Path| {
        kv().arg("check")
            .arg("-s")
            .arg(file)
            .args([
                "-p",
                ALICE,
                "--scope",
                &vault("kv-small"),
                "-a",
                "secrets/get",
            ])
            .output()
            .unwrap()
    };
    let out = ask(&absent);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("the snapshot file has no section \"roleAssignments\"")
    );
    let empty = write(
        dir.path(),
        "empty.json",
        &small(json!({ "roleAssignments": [] })),
    );
    assert_eq!(
        ask(&empty).status.code(),
        Some(1),
        "an explicit [] is data: denied"
    );
}

#[test]
fn principals_missing_from_the_directory_show_their_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = small(json!({ "roleAssignments": [] }));
    s["vaults"][0]["properties"]["enableRbacAuthorization"] = json!(false);
    let file = write(dir.path(), "missing.json", &s);
    for format in ["text", "markdown"] {
        kv().args(["matrix", "-s"])
            .arg(&file)
            .args(["--scope", &vault("kv-small"), "--output", format])
            .assert()
            .stdout(contains("d0000000-0000-4000-8000-00000000dead"));
    }
}

// --- import --az ----------------------------------------------------------------------------------------

const TENANT_A: &str = "7e1a0000-0000-4000-8000-0000000000aa";
const TENANT_B: &str = "7e1b0000-0000-4000-8000-0000000000bb";
const SUB_B: &str = "5b000000-0000-4000-8000-000000000002";

/// What `az` prints for two subscriptions in two tenants, each with one vault whose access policy names a
/// principal that no file describes, and whose private endpoint connection is in the az shape.
fn az_export(dir: &Path) {
    let put = |p: PathBuf, v: Value| {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    };
    let account = |sub: &str, tenant: &str, default: bool| {
        json!({ "cloudName": "AzureCloud", "homeTenantId": tenant, "id": sub, "isDefault": default,
                "managedByTenants": [], "name": format!("sub {sub}"), "state": "Enabled", "tenantId": tenant,
                "user": { "name": "me@contoso.com", "type": "user" } })
    };
    put(
        dir.join("account.json"),
        json!([
            account(SUB, TENANT_A, true),
            account(SUB_B, TENANT_B, false)
        ]),
    );
    for (sub, tenant) in [(SUB, TENANT_A), (SUB_B, TENANT_B)] {
        let folder = dir.join(sub);
        let id = format!(
            "/subscriptions/{sub}/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-app"
        );
        put(folder.join("groups.json"), json!([]));
        put(folder.join("role-definitions.json"), json!([]));
        put(folder.join("deny-assignments.json"), json!({ "value": [] }));
        // Tenant B's root grants Carol Key Vault Administrator, which must never reach tenant A's vaults.
        let inherited = if tenant == TENANT_B {
            json!([{ "id": format!("/providers/Microsoft.Authorization/roleAssignments/{tenant}"), "name": tenant,
                "principalId": CAROL, "principalName": "carol@contoso.com", "principalType": "User",
                "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/00482a5a-887f-4fb3-b363-3b7fe8e74483",
                "scope": "/", "condition": null }])
        } else {
            json!([])
        };
        put(folder.join("role-assignments.json"), inherited);
        put(
            folder.join("keyvaults.json"),
            json!([{ "id": id, "name": "kv-app", "location": "westeurope", "resourceGroup": "rg-kv", "type": "Microsoft.KeyVault/vaults" }]),
        );
        put(
            folder.join("keyvault-kv-app.json"),
            json!({
            "id": id, "name": "kv-app", "location": "westeurope", "resourceGroup": "rg-kv", "type": "Microsoft.KeyVault/vaults",
            "properties": { "tenantId": tenant, "publicNetworkAccess": "Disabled",
                "accessPolicies": [{ "tenantId": tenant, "objectId": ALICE, "permissions": { "secrets": ["get"] } }],
                "privateEndpointConnections": [{ "id": format!("{id}/privateEndpointConnections/pe"), "resourceGroup": "rg-kv",
                    "privateEndpoint": { "id": format!("/subscriptions/{sub}/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe") },
                    "privateLinkServiceConnectionState": { "status": "Approved", "description": "", "actionsRequired": "None" },
                    "provisioningState": "Succeeded" }] } }),
        );
    }
}

fn import(dir: &Path, extra: &[&str]) -> (i32, String, Snapshot) {
    let out_file = dir.join(format!("imported{}.json", extra.len()));
    let o = kv()
        .args(["import", "--az"])
        .arg(dir)
        .arg("-o")
        .arg(&out_file)
        .args(extra)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (
        o.status.code().unwrap_or(-1),
        text,
        kvaccess::snapshot::load_file(&out_file).unwrap(),
    )
}

#[test]
fn import_keeps_one_tenant_and_names_what_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    az_export(dir.path());
    let (_, text, s) = import(dir.path(), &[]);
    assert_eq!(s.subscriptions.len(), 1, "{text}");
    assert_eq!(s.tenant_id.as_deref(), Some(TENANT_A));
    assert!(
        s.role_assignments.is_empty(),
        "tenant B's root assignment is left out: {:?}",
        s.role_assignments
    );
    assert!(
        text.contains(&format!(
            "subscription {SUB_B} (sub {SUB_B}) is in tenant {TENANT_B}"
        )),
        "{text}"
    );
    assert!(text.contains(&format!("--tenant {TENANT_B}")), "{text}");
    assert!(
        text.contains("principals.json lacks 1 object id(s)") && text.contains(ALICE),
        "{text}"
    );
    // The az-shaped private endpoint connection was read.
    let kv = &s.vaults[0];
    assert_eq!(kv.network.private_endpoints.len(), 1);
    assert!(kv.network.private_endpoints[0].approved());
    // The other tenant on request.
    let (_, text, s) = import(dir.path(), &["--tenant", TENANT_B]);
    assert_eq!(s.subscriptions[0].subscription_id, SUB_B, "{text}");
    assert_eq!(s.tenant_id.as_deref(), Some(TENANT_B));
    assert_eq!(s.role_assignments.len(), 1);
}

// --- GUID spellings ---------------------------------------------------------------------------------------

/// A GUID as Azure and its tools write it: upper or lower case, without dashes, in braces.
fn respell(guid: &str, how: u8) -> String {
    match how % 5 {
        0 => guid.to_ascii_uppercase(),
        1 => guid.replace('-', ""),
        2 => format!("{{{}}}", guid.to_ascii_uppercase()),
        3 => guid.replace('-', "").to_ascii_uppercase(),
        _ => guid.to_string(),
    }
}

fn is_guid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
}

/// Every id field of the document respelled: each string value that is a GUID (object, application,
/// tenant, subscription and group ids, deny-assignment principals), and the GUID that ends a
/// `roleDefinitionId`. Resource ids are left as they are; `name` fields are names.
fn respelled(v: &Value, key: &str, seed: &mut u64) -> Value {
    let mut next = || {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 33) as u8
    };
    match v {
        Value::String(s) if key != "name" && is_guid(s) => Value::String(respell(s, next())),
        Value::String(s) if key == "roleDefinitionId" => match s.rsplit_once('/') {
            Some((head, g)) if is_guid(g) => {
                Value::String(format!("{head}/{}", respell(g, next())))
            }
            _ => v.clone(),
        },
        Value::Array(a) => Value::Array(a.iter().map(|x| respelled(x, key, seed)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), respelled(x, k, seed)))
                .collect(),
        ),
        _ => v.clone(),
    }
}

/// The documents the property runs over: the scenario fixtures and the real-data fixture.
fn documents() -> Vec<(String, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root.join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    for f in cases {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        out.push((f.display().to_string(), v["snapshot"].clone()));
    }
    let v: Value = serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();
    out.push((fixture().display().to_string(), v));
    out
}

/// Every answer the snapshot gives for its principals (and the ids its policies and assignments name) at
/// its vaults, for a few operations on both planes, in a form that must not depend on GUID spelling.
fn answers(s: &Snapshot) -> Vec<String> {
    let engine = Engine::new(s.clone());
    let mut ids: Vec<String> = s.principals.iter().map(|p| p.id.clone()).collect();
    ids.extend(s.role_assignments.iter().map(|a| a.principal_id.clone()));
    ids.extend(
        s.vaults
            .iter()
            .flat_map(|v| v.access_policies.iter().map(|p| p.object_id.clone())),
    );
    ids.sort();
    ids.dedup();
    let apps: Vec<Option<String>> = std::iter::once(None)
        .chain(
            s.vaults
                .iter()
                .flat_map(|v| {
                    v.access_policies
                        .iter()
                        .filter_map(|p| p.application_id.clone())
                })
                .map(Some),
        )
        .collect();
    let mut out = Vec::new();
    for id in &ids {
        let subject = engine.subject(id);
        for v in &s.vaults {
            let target = engine.target(&Scope::parse(v.scope.id()).unwrap());
            for op in [
                "secrets/get",
                "keys/sign",
                "vaults/write",
                "Microsoft.Authorization/roleAssignments/write",
            ] {
                let action = catalog::resolve(op).unwrap();
                for app in &apps {
                    let verdict: Result<Verdict, _> = engine
                        .check(&Request::new(&subject, &target, &action).via_app(app.as_deref()));
                    out.push(match verdict {
                        Ok(v) => {
                            let mut grants: Vec<&str> =
                                v.grants.iter().map(|g| g.id.as_str()).collect();
                            grants.sort();
                            let mut denies: Vec<&str> =
                                v.denies.iter().map(|d| d.id.as_str()).collect();
                            denies.sort();
                            format!(
                                "{id} {op} {} via {app:?}: {} {grants:?} {denies:?} {:?}",
                                v.scope,
                                v.decision.as_str(),
                                v.unknown_because
                            )
                        }
                        Err(e) => format!("{id} {op} {app:?}: {e}"),
                    });
                }
            }
        }
    }
    out
}

fn load(v: &Value, name: &str) -> Snapshot {
    kvaccess::snapshot::parse(&v.to_string(), Path::new(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// No answer depends on how a GUID is spelled, in any id field.
    #[test]
    fn no_answer_depends_on_guid_spelling(seed in any::<u64>()) {
        for (name, doc) in documents() {
            let mut s = seed;
            let other = respelled(&doc, "", &mut s);
            prop_assert_ne!(&other, &doc, "{} has ids to respell", name);
            let (want, got) = (answers(&load(&doc, &name)), answers(&load(&other, &name)));
            let first = want.iter().zip(&got).find(|(w, g)| w != g);
            prop_assert!(first.is_none() && want.len() == got.len(), "{}: {:?}", name, first);
        }
    }
}

/// One question, one answer: who-can and the vault matrix agree with `check` on the fixture's vaults, the
/// one without properties included.
#[test]
fn bulk_queries_agree_with_check_on_the_fixture() {
    let s = kvaccess::snapshot::load_file(&fixture()).unwrap();
    let engine = Engine::new(s.clone());
    for v in &s.vaults {
        let target = engine.target(&v.scope);
        let matrix = kvaccess::query::matrix_for_vault(&engine, &v.scope).unwrap();
        for row in &matrix.rows {
            let subject = engine.subject(&row.id);
            for (op, decision) in row.cells.iter().flat_map(|c| &c.decisions) {
                let action = catalog::resolve(op).unwrap();
                let want = engine
                    .check(
                        &Request::new(&subject, &target, &action).via_app(row.via_app.as_deref()),
                    )
                    .unwrap();
                assert_eq!(*decision, want.decision, "{} {op} at {}", row.id, v.name);
            }
        }
        let action = catalog::resolve("secrets/get").unwrap();
        let who = kvaccess::query::who_can(&engine, &v.scope, &action).unwrap();
        for e in &who.principals {
            let want = engine
                .check(
                    &Request::new(&engine.subject(&e.id), &target, &action)
                        .via_app(e.via_app.as_deref()),
                )
                .unwrap();
            assert_eq!(e.decision, want.decision, "{} at {}", e.id, v.name);
        }
        if v.properties_missing {
            assert!(
                !who.unknown_because.is_empty() && !who.principals.is_empty(),
                "{}",
                v.name
            );
            assert!(!matrix.rows.is_empty());
        }
    }
}

/// Saving keeps what loading read: the perimeter section, a vault without properties (still without them),
/// and an absent section (as the collection error that stands for it).
#[test]
fn saving_keeps_what_was_read() {
    let s = kvaccess::snapshot::load_file(&fixture()).unwrap();
    let again =
        kvaccess::snapshot::parse_value(&kvaccess::snapshot::to_json(&s), Path::new("saved"))
            .unwrap();
    let strip = |mut s: Snapshot| {
        s.warnings.clear();
        s
    };
    assert!(s.perimeters.as_ref().is_some_and(|p| p.len() == 1));
    assert!(s.vaults.iter().any(|v| v.properties_missing));
    assert_eq!(strip(again), strip(s));
    let absent =
        kvaccess::snapshot::parse(&small(json!({})).to_string(), Path::new("absent")).unwrap();
    let again =
        kvaccess::snapshot::parse_value(&kvaccess::snapshot::to_json(&absent), Path::new("saved"))
            .unwrap();
    assert_eq!(again.collection_errors, absent.collection_errors);
    assert!(
        again
            .collection_errors
            .iter()
            .any(|e| e.is_absent_section() && e.about == Topic::ROLE_ASSIGNMENTS)
    );
}
