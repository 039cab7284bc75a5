//! The built binary: `whatif`, `diff` and `migrate` on the demo tenant — outputs, exit codes, bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::*;
use serde_json::Value;

fn kvaccess() -> Command {
    let mut cmd = Command::cargo_bin("kvaccess").unwrap();
    cmd.env_remove("KVACCESS_SNAPSHOT").env("NO_COLOR", "1");
    cmd
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

const GAIN: &str = r#"[
  {"kind":"addRoleAssignment","principal":"Dana","role":"Key Vault Secrets User","scope":"/subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-app-rbac"},
  {"kind":"addAccessPolicy","vault":"kv-app-prod","objectId":"oscar@contoso.com","permissions":{"secrets":["get","list"]}}
]"#;

const LOSS: &str = r#"[{"kind":"removeAccessPolicy","vault":"kv-app-prod","objectId":"Auditors"}]"#;

#[test]
fn whatif_json_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let changes = write(dir.path(), "c.json", GAIN);
    let out = kvaccess()
        .args(["whatif", "--expand", "--changes"])
        .arg(&changes)
        .args(["--output", "json"])
        .assert()
        .success();
    let v = json(&out.get_output().stdout);
    assert_eq!(v["changes"], 2);
    assert_eq!(v["gained"], 4);
    assert_eq!(v["lost"], 0);
    assert_eq!(v["identities"], 2);
    for key in ["groups", "escalations", "network"] {
        assert!(v[key].is_array(), "{key} missing");
    }
    let groups = v["groups"].as_array().unwrap();
    let dana = groups
        .iter()
        .find(|g| g["grants"][0]["holder"]["displayName"] == "Dana")
        .unwrap();
    assert_eq!(dana["before"], "unknown");
    assert_eq!(dana["after"], "allowed");
    assert_eq!(
        dana["operations"],
        serde_json::json!(["secrets/get", "secrets/list"])
    );
    assert_eq!(dana["covers"][0]["scope"], KV_RBAC);
    assert_eq!(dana["grants"][0]["roleName"], "Key Vault Secrets User");
    assert_eq!(dana["grants"][0]["holder"]["identities"], 1);
    assert_eq!(dana["expanded"][0]["type"], "user");
    assert_eq!(
        (dana["identities"].clone(), dana["cells"].clone()),
        (1.into(), 2.into())
    );
    let oscar = groups
        .iter()
        .find(|g| g["expanded"][0]["displayName"] == "Oscar")
        .unwrap();
    assert_eq!(oscar["grants"][0]["kind"], "accessPolicy");
    assert_eq!(oscar["cells"], 2);
    assert_eq!(v["escalations"][0]["added"], false);
}

#[test]
fn fail_on_gain_sets_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let gain = write(dir.path(), "gain.json", GAIN);
    let loss = write(dir.path(), "loss.json", LOSS);
    kvaccess()
        .args(["whatif", "--fail-on-gain", "--changes"])
        .arg(&gain)
        .assert()
        .code(1);
    kvaccess()
        .args(["whatif", "--changes"])
        .arg(&gain)
        .assert()
        .code(0);
    kvaccess()
        .args(["whatif", "--fail-on-gain", "--changes"])
        .arg(&loss)
        .assert()
        .code(0);
    // Gaining management access only (here: nothing on the data plane) does not fail the check.
    let mgmt = write(
        dir.path(),
        "mgmt.json",
        &format!(
            r#"[{{"kind":"addRoleAssignment","principal":"Dana","role":"Reader","scope":"{KV_RBAC}"}}]"#
        ),
    );
    kvaccess()
        .args(["whatif", "--fail-on-gain", "--changes"])
        .arg(&mgmt)
        .assert()
        .code(0);
}

#[test]
fn bad_changes_exit_2_naming_index_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.json",
        &format!(
            r#"[{{"kind":"setPermissionModel","vault":"kv-app-prod","enableRbacAuthorization":true}},
                {{"kind":"addRoleAssignment","principal":"Dana","role":"Key Vault Secret User","scope":"{KV_RBAC}"}},
                {{"kind":"addGroupMember","group":"Auditors"}}]"#
        ),
    );
    let out = kvaccess()
        .args(["whatif", "--changes"])
        .arg(&bad)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("changes[2].member: missing"), "{err}");
    let fixed = write(
        dir.path(),
        "bad2.json",
        &format!(
            r#"[{{"kind":"setPermissionModel","vault":"kv-app-prod","enableRbacAuthorization":true}},
                {{"kind":"addRoleAssignment","principal":"Dana","role":"Key Vault Secret User","scope":"{KV_RBAC}"}}]"#
        ),
    );
    let out = kvaccess()
        .args(["whatif", "--changes"])
        .arg(&fixed)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("changes[1].role: no role definition named 'Key Vault Secret User' (did you mean 'Key Vault Secrets User'?)"),
        "{err}"
    );
    assert!(err.contains("bad2.json"), "{err}");
    let syntax = write(dir.path(), "syntax.json", "[{\"kind\": }");
    let out = kvaccess()
        .args(["whatif", "--changes"])
        .arg(&syntax)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("syntax.json: the change list is not valid JSON at line 1"),
        "{err}"
    );
    kvaccess()
        .args(["whatif", "--changes"])
        .arg(dir.path().join("missing.json"))
        .assert()
        .code(2);
}

#[test]
fn text_and_markdown_group_by_principal_and_vault() {
    let dir = tempfile::tempdir().unwrap();
    let changes = write(dir.path(), "c.json", GAIN);
    let out = kvaccess()
        .args(["whatif", "--changes"])
        .arg(&changes)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.starts_with("What-if: 2 change(s): "), "{text}");
    assert!(
        text.contains("4 cell(s) gained, 0 lost, 2 identities in 2 group(s)"),
        "{text}"
    );
    assert!(text.contains("\n+ unknown → allowed  secrets/get, secrets/list (data)\n    1 identity on kv-app-rbac (2 cell(s))\n    via role 'Key Vault Secrets User' at vault kv-app-rbac, held by Dana (user)\n"), "{text}");
    let out = kvaccess()
        .args(["whatif", "--output", "markdown", "--changes"])
        .arg(&changes)
        .assert()
        .success();
    let md = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        md.contains("| | before → after | operations | decided by | identities | where | cells |"),
        "{md}"
    );
    assert!(
        md.contains("| + | denied → allowed | secrets/get, secrets/list | access-policy entry on kv-app-prod, held by Oscar (user) | 1 | kv-app-prod | 2 |"),
        "{md}"
    );
    kvaccess()
        .args(["whatif", "--output", "csv", "--changes"])
        .arg(&changes)
        .assert()
        .code(2);
}

#[test]
fn emit_az_prints_the_equivalent_commands() {
    let dir = tempfile::tempdir().unwrap();
    let changes = write(
        dir.path(),
        "c.json",
        r#"[{"kind":"addRoleAssignment","principal":"Dana","role":"Key Vault Secrets User","scope":"kv-app-rbac"},
                {"kind":"addAccessPolicy","vault":"kv-app-prod","objectId":"Oscar","permissions":{"keys":["wrapkey"],"secrets":["get"]}},
                {"kind":"setPermissionModel","vault":"kv-app-dev","enableRbacAuthorization":true},
                {"kind":"setNetworkAcls","vault":"kv-app-prod","networkAcls":{"defaultAction":"Deny","ipRules":["203.0.113.0/24","192.0.2.1"]}},
                {"kind":"removeRoleAssignment","id":"44444444-0000-0000-0000-000000000010"},
                {"kind":"addGroupMember","group":"Auditors","member":"Dana"}]"#,
    );
    let out = kvaccess()
        .args(["whatif", "--emit", "az", "--changes"])
        .arg(&changes)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    // The scope was given as the vault's name; the command carries its full id.
    let expected = [
        "# changes[0]: addRoleAssignment",
        "az role assignment create --assignee-object-id 11111111-0000-0000-0000-000000000004 --assignee-principal-type User --role 4633458b-17de-408a-b874-0445c86b69e6 --scope /subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-app-rbac --name ",
        "az keyvault set-policy --name kv-app-prod --resource-group rg-app-prod --subscription bbbbbbbb-0000-0000-0000-000000000001 --object-id 11111111-0000-0000-0000-000000000009 --key-permissions wrapKey --secret-permissions get",
        "az keyvault update --name kv-app-dev --resource-group rg-app-dev --subscription bbbbbbbb-0000-0000-0000-000000000002 --enable-rbac-authorization true",
        "az keyvault update --name kv-app-prod --resource-group rg-app-prod --subscription bbbbbbbb-0000-0000-0000-000000000001 --default-action Deny --bypass AzureServices",
        "az keyvault network-rule remove --name kv-app-prod --resource-group rg-app-prod --subscription bbbbbbbb-0000-0000-0000-000000000001 --ip-address 198.51.100.7",
        "az keyvault network-rule remove --name kv-app-prod --resource-group rg-app-prod --subscription bbbbbbbb-0000-0000-0000-000000000001 --subnet /subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourcegroups/rg-network-prod/providers/microsoft.network/virtualnetworks/vnet-prod/subnets/snet-app",
        "az keyvault network-rule add --name kv-app-prod --resource-group rg-app-prod --subscription bbbbbbbb-0000-0000-0000-000000000001 --ip-address 192.0.2.1",
        "az role assignment delete --ids /subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-app-rbac/secrets/storage-account-key/providers/Microsoft.Authorization/roleAssignments/44444444-0000-0000-0000-000000000010",
        "az ad group member add --group 22222222-0000-0000-0000-000000000004 --member-id 11111111-0000-0000-0000-000000000004",
    ];
    for line in expected {
        assert!(text.contains(line), "missing {line}\n{text}");
    }
    assert!(
        !text.contains("--ip-address 203.0.113.0/24"),
        "unchanged rule re-added:\n{text}"
    );
}

#[test]
fn diff_of_two_snapshots_matches_whatif() {
    let dir = tempfile::tempdir().unwrap();
    let changes = write(dir.path(), "c.json", GAIN);
    let before = dir.path().join("before.json");
    let after = dir.path().join("after.json");
    let base = demo();
    kvaccess::snapshot::save(&base, &before).unwrap();
    let list = kvaccess::whatif::Scenario::from_json(GAIN).unwrap();
    let outcome = list.apply(&base).unwrap();
    kvaccess::snapshot::save(&outcome.snapshot, &after).unwrap();
    let w = kvaccess()
        .args(["whatif", "--output", "json", "--snapshot"])
        .arg(&before)
        .arg("--changes")
        .arg(&changes)
        .assert()
        .success();
    let d = kvaccess()
        .args(["diff", "--output", "json"])
        .arg(&before)
        .arg(&after)
        .assert()
        .success();
    let (w, d) = (json(&w.get_output().stdout), json(&d.get_output().stdout));
    for key in ["gained", "lost", "identities", "groups", "escalations"] {
        assert_eq!(w[key], d[key], "{key}");
    }
    assert_eq!(
        d["changes"], 2,
        "one role assignment and one access-policy entry differ"
    );
    kvaccess()
        .args(["diff", "--fail-on-gain"])
        .arg(&before)
        .arg(&after)
        .assert()
        .code(1);
    let out = kvaccess()
        .arg("diff")
        .arg(&before)
        .arg(&before)
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("no decision changes"));
}

#[test]
fn migrate_reports_exactly_what_whatif_shows() {
    let dir = tempfile::tempdir().unwrap();
    let plan_file = dir.path().join("plan.json");
    let out = kvaccess()
        .args([
            "migrate",
            "--vault",
            "kv-app-prod",
            "--output",
            "json",
            "--write-changes",
        ])
        .arg(&plan_file)
        .assert()
        .success();
    let plan = json(&out.get_output().stdout);
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.last().unwrap()["kind"], "setPermissionModel");
    assert!(
        changes.iter().any(|c| c["kind"] == "addRoleDefinition"),
        "Auditors need a custom role"
    );
    let entries = plan["entries"].as_array().unwrap();
    let storage_mi = entries
        .iter()
        .find(|e| e["principal"]["displayName"] == "stcontosoprod-mi")
        .unwrap();
    assert_eq!(
        storage_mi["roles"][0],
        "Key Vault Crypto Service Encryption User"
    );
    assert_eq!(storage_mi["overGrant"], serde_json::json!([]));
    // The list on disk is the one in the report, and running it through whatif gives the same deltas.
    let on_disk: Value =
        serde_json::from_str(&std::fs::read_to_string(&plan_file).unwrap()).unwrap();
    assert_eq!(&on_disk, &plan["changes"]);
    let (cells, escalations) = whatif_rows(&plan_file);
    assert_eq!(cells, migrate_rows(&plan["diff"]), "cells");
    assert_eq!(
        escalations,
        migrate_escalations(&plan["diff"]),
        "escalations"
    );
    let flattened: Vec<Value> = plan["principals"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["overGrant"].as_array().unwrap().iter().cloned())
        .collect();
    let gained: BTreeSet<Row> = cells.into_iter().filter(|r| r.0).collect();
    let over: BTreeSet<Row> = flattened.iter().map(|c| row(c, true)).collect();
    assert_eq!(gained, over);
    // Frank (Auditors: list only) gets keys/get and certificates/get too: RBAC has one action for both.
    let frank = plan["principals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["principal"]["displayName"] == "Frank")
        .unwrap();
    let over: Vec<&str> = frank["overGrant"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(over, vec!["keys/get", "certificates/get"]);
    let text = kvaccess()
        .args(["migrate", "--vault", "kv-app-prod"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&text.get_output().stdout).to_string();
    assert!(
        text.contains("gets     'Key Vault Crypto Service Encryption User'"),
        "{text}"
    );
    kvaccess()
        .args(["migrate", "--vault", "kv-app-rbac"])
        .assert()
        .code(2);
    kvaccess()
        .args(["migrate", "--vault", "kv-app-prd"])
        .assert()
        .code(2);
}

#[test]
fn migrating_the_dev_vault_round_trips_too() {
    let dir = tempfile::tempdir().unwrap();
    let plan_file = dir.path().join("plan.json");
    let out = kvaccess()
        .args([
            "migrate",
            "--vault",
            KV_DEV,
            "--output",
            "json",
            "--write-changes",
        ])
        .arg(&plan_file)
        .assert()
        .success();
    let plan = json(&out.get_output().stdout);
    let (cells, escalations) = whatif_rows(&plan_file);
    assert_eq!(cells, migrate_rows(&plan["diff"]));
    assert_eq!(escalations, migrate_escalations(&plan["diff"]));
}

/// (gained, principal, scope, operation, before, after, grant ids)
type Row = (bool, String, String, String, String, String, Vec<String>);

fn row(c: &Value, gained: bool) -> Row {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut grants: Vec<String> = c["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| s(if g.is_string() { g } else { &g["id"] }))
        .collect();
    grants.sort();
    (
        gained,
        s(&c["principal"]["id"]),
        s(&c["scope"]).to_ascii_lowercase(),
        s(&c["action"]),
        s(&c["before"]),
        s(&c["after"]),
        grants,
    )
}

/// (added, principal, vault, technique)
type EscalationRow = (bool, String, String, String);

/// The flat rows of `whatif --output jsonl`: cells, then escalation paths (which name a technique).
fn whatif_rows(changes: &Path) -> (BTreeSet<Row>, BTreeSet<EscalationRow>) {
    let out = kvaccess()
        .args(["whatif", "--output", "jsonl", "--changes"])
        .arg(changes)
        .assert()
        .success();
    let mut cells = BTreeSet::new();
    let mut escalations = BTreeSet::new();
    for line in String::from_utf8_lossy(&out.get_output().stdout).lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        if v.get("technique").is_some() {
            escalations.insert((
                v["added"].as_bool().unwrap(),
                v["principal"]["id"].as_str().unwrap().to_string(),
                v["vault"].as_str().unwrap().to_ascii_lowercase(),
                v["technique"].as_str().unwrap().to_string(),
            ));
        } else {
            let rank = |d: &Value| {
                ["denied", "unknown", "conditional", "allowed"]
                    .iter()
                    .position(|x| d == x)
                    .unwrap()
            };
            let gained = rank(&v["after"]) > rank(&v["before"]);
            assert!(cells.insert(row(&v, gained)), "a row twice: {line}");
        }
    }
    (cells, escalations)
}

fn migrate_rows(diff: &Value) -> BTreeSet<Row> {
    [("gained", true), ("lost", false)]
        .iter()
        .flat_map(|(key, gained)| {
            diff[*key]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| row(c, *gained))
        })
        .collect()
}

fn migrate_escalations(diff: &Value) -> BTreeSet<EscalationRow> {
    [("escalationsAdded", true), ("escalationsRemoved", false)]
        .iter()
        .flat_map(|(key, added)| {
            diff[*key].as_array().unwrap().iter().map(|f| {
                (
                    *added,
                    f["principal"]["id"].as_str().unwrap().to_string(),
                    f["vaultId"].as_str().unwrap().to_ascii_lowercase(),
                    f["technique"].as_str().unwrap().to_string(),
                )
            })
        })
        .collect()
}

#[test]
fn names_from_the_snapshot_cannot_drive_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let text = kvaccess::snapshot::DEMO_JSON.replace(
        "\"displayName\": \"Dana\"",
        "\"displayName\": \"Dana\\u001b[2J\"",
    );
    assert_ne!(text, kvaccess::snapshot::DEMO_JSON);
    let snap = write(dir.path(), "evil.json", &text);
    let changes = write(
        dir.path(),
        "c.json",
        &format!(
            r#"[{{"kind":"addRoleAssignment","principal":"11111111-0000-0000-0000-000000000004","role":"Key Vault Secrets User","scope":"{KV_RBAC}"}}]"#
        ),
    );
    for format in ["text", "markdown"] {
        let out = kvaccess()
            .args(["whatif", "--output", format, "--snapshot"])
            .arg(&snap)
            .arg("--changes")
            .arg(&changes)
            .assert()
            .success();
        let stdout = &out.get_output().stdout;
        assert!(
            !stdout.contains(&0x1b),
            "{format}: escape reached the terminal"
        );
        // Markdown also escapes the bracket (GFM link syntax).
        let shown = match format {
            "markdown" => "Dana\u{FFFD}\\[2J",
            _ => "Dana\u{FFFD}[2J",
        };
        assert!(String::from_utf8_lossy(stdout).contains(shown));
    }
}
