//! `kvaccess activity` and `kvaccess synth-logs` through the built binary: every mode in every output
//! format, the change list round trip through `whatif`, hostile strings from logs, and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/activity")
        .join(name)
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-tenant.json")
}

fn kvaccess() -> Command {
    let mut c = Command::cargo_bin("kvaccess").unwrap();
    c.env_remove("KVACCESS_SNAPSHOT").env("NO_COLOR", "1");
    c
}

fn activity(args: &[&str]) -> Command {
    let mut c = kvaccess();
    c.arg("activity").arg("--snapshot").arg(demo()).args(args);
    c
}

fn json(c: &mut Command) -> Value {
    let out = c.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn who_did_in_text_names_callers_and_the_grant_chain() {
    activity(&["--logs"])
        .arg(fixture("archive"))
        .arg(fixture("azkv-auditlogs.json"))
        .assert()
        .success()
        .stdout(contains("SecretGet on secrets/db-password (needs secrets/get)"))
        .stdout(contains("Alice (user 11111111-0000-0000-0000-000000000001) through app 04b07795-8ddb-461a-bbee-02f9e1bf7b46  3 calls: 2 ok, 0 denied, 1 by firewall"))
        .stdout(contains("via group Security on-call → Security team"))
        .stdout(contains("malformed 1:"))
        .stdout(contains("PT1H.json:6: malformed JSON"))
        .stdout(contains("skipped 1: emitted by the service itself"));
}

#[test]
fn who_did_json_accounts_for_every_record() {
    let v = json(activity(&["-o", "json", "--logs"]).arg(fixture("")));
    let logs = &v["logs"];
    let skipped: u64 = logs["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["count"].as_u64().unwrap())
        .sum();
    assert_eq!(
        logs["records"].as_u64().unwrap(),
        logs["used"].as_u64().unwrap() + skipped + logs["malformed"].as_u64().unwrap()
    );
    assert_eq!(logs["files"], 9);
    let entries = v["entries"].as_array().unwrap();
    let erin = entries
        .iter()
        .find(|e| {
            e["caller"]["displayName"] == "Erin" && e["item"] == "secrets/storage-account-key"
        })
        .unwrap();
    assert_eq!(erin["now"]["decision"], "allowed");
    assert_eq!(
        erin["now"]["grants"][0]["id"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next(),
        Some("44444444-0000-0000-0000-000000000010")
    );
    assert!(
        entries
            .iter()
            .all(|e| e["first"].as_str().unwrap() <= e["last"].as_str().unwrap())
    );
}

#[test]
fn principal_scope_since_and_until_filter() {
    let v = json(
        activity(&["-o", "json", "--principal", "bob@contoso.com", "--logs"]).arg(fixture("")),
    );
    let entries = v["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(
        entries
            .iter()
            .all(|e| e["caller"]["id"] == "11111111-0000-0000-0000-000000000002")
    );
    let v = json(
        activity(&[
            "-o",
            "json",
            "--scope",
            "kv-app-dev",
            "--since",
            "2026-11-25",
            "--until",
            "2026-11-25T23:59:59Z",
            "--logs",
        ])
        .arg(fixture("")),
    );
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(
        entries
            .iter()
            .all(|e| e["vault"].as_str().unwrap().ends_with("kv-app-dev"))
    );
    // Without a snapshot the logs alone: names from the tokens, a vault name resolved among logged vaults.
    let mut c = kvaccess();
    c.args([
        "activity",
        "-o",
        "json",
        "--scope",
        "KV-APP-PROD",
        "--principal",
        "alice@contoso.com",
        "--logs",
    ])
    .arg(fixture("archive"));
    let v = json(&mut c);
    let e = &v["entries"][0];
    assert_eq!(
        (
            e["caller"]["displayName"].as_str(),
            e["caller"]["inSnapshot"].as_bool()
        ),
        (Some("alice@contoso.com"), Some(false))
    );
    assert!(e.get("now").is_none());
}

#[test]
fn csv_and_markdown_tables() {
    activity(&["-o", "csv", "--logs"])
        .arg(fixture("records-wrapper.json"))
        .assert()
        .success()
        .stdout(predicate::str::starts_with("vault,item,operation,permission,callerId,callerName"))
        .stdout(contains("secrets/storage-account-key,SecretGet,secrets/get,11111111-0000-0000-0000-000000000005,Erin,user"))
        .stderr(contains("logs: 3 records in 1 files"));
    activity(&["-o", "markdown", "--model-check", "--logs"])
        .arg(fixture("disagreements.jsonl"))
        .assert()
        .success()
        .stdout(contains("| kind | class | vault |"))
        .stdout(contains(
            "| loggedAllowedKvaccessDenied | snapshotOlderThanCall |",
        ));
}

#[test]
fn model_check_json_counts_classes() {
    let v = json(activity(&["-o", "json", "--model-check", "--logs"]).arg(fixture("")));
    let m = &v["modelCheck"];
    assert_eq!(m["byClass"]["unexplained"], 3);
    assert_eq!(m["byClass"]["snapshotOlderThanCall"], 1);
    assert_eq!(m["byClass"]["networkPathDiffered"], 1);
    let d = &m["disagreements"][0];
    assert!(
        d["log"]["successes"].is_u64()
            && d["kvaccess"]["decision"].is_string()
            && d["because"].is_string()
    );
}

#[test]
fn unused_writes_a_change_list_that_whatif_reads() {
    let dir = tempfile::tempdir().unwrap();
    let changes = dir.path().join("unused.json");
    activity(&["--unused", "--scope", "kv-app-prod", "--write-changes"])
        .arg(&changes)
        .arg("--logs")
        .arg(fixture("archive"))
        .assert()
        .success()
        .stdout(contains("access-policy entry on kv-app-prod for Auditors"))
        .stdout(contains("unused: keys/list, certificates/list"));
    let list: Value = serde_json::from_slice(&std::fs::read(&changes).unwrap()).unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "removeAccessPolicy")
    );
    let mut c = kvaccess();
    c.arg("whatif")
        .arg("--snapshot")
        .arg(demo())
        .arg("--changes")
        .arg(&changes)
        .args(["-o", "json"]);
    let after = json(&mut c);
    assert!(
        after.to_string().contains("keys/list"),
        "Frank loses keys/list through Auditors"
    );
    // --emit changes prints the same list.
    let printed = json(
        activity(&[
            "--unused",
            "--scope",
            "kv-app-prod",
            "--emit",
            "changes",
            "--logs",
        ])
        .arg(fixture("archive")),
    );
    assert_eq!(printed, list);
}

#[test]
fn could_vs_did_side_by_side() {
    activity(&[
        "--could-vs-did",
        "--scope",
        "kv-app-rbac",
        "--action",
        "secrets/delete",
        "--logs",
    ])
    .arg(fixture("records-wrapper.json"))
    .assert()
    .success()
    .stdout(contains("could vs did at /subscriptions/"))
    .stdout(contains("used"))
    .stdout(contains("neverCalled"))
    .stdout(contains(
        "Microsoft.KeyVault/vaults/secrets/delete (not called in the window)",
    ));
}

#[test]
fn hostile_strings_from_logs_are_cleaned() {
    for format in ["text", "csv", "markdown", "json"] {
        let out = activity(&["-o", format, "--logs"])
            .arg(fixture("hostile.jsonl"))
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        assert!(!out.contains(&0x1b), "{format}: an escape reached stdout");
        if format != "json" {
            // JSON keeps the exact string, escaped where JSON escapes; text formats replace it.
            assert!(
                !String::from_utf8_lossy(&out).contains('\u{202e}'),
                "{format}"
            );
        }
    }
}

#[test]
fn bad_input_exits_2_with_a_reason() {
    activity(&["--logs", "/nonexistent/logs"])
        .assert()
        .code(2)
        .stderr(contains("/nonexistent/logs"));
    activity(&["--since", "last tuesday", "--logs"])
        .arg(fixture("archive"))
        .assert()
        .code(2)
        .stderr(contains("--since"));
    activity(&["--could-vs-did", "--logs"])
        .arg(fixture("archive"))
        .assert()
        .code(2);
    let mut c = kvaccess();
    c.args(["activity", "--unused", "--logs"])
        .arg(fixture("archive"));
    c.assert().code(2).stderr(contains("needs a snapshot"));
    activity(&["--scope", "no-such-vault", "--logs"])
        .arg(fixture("archive"))
        .assert()
        .code(2);
}

#[test]
fn synth_logs_and_the_model_check_agree_on_the_injected_set() {
    let dir = tempfile::tempdir().unwrap();
    let tenant = dir.path().join("tenant.json");
    kvaccess()
        .args([
            "synth",
            "--principals",
            "300",
            "--vaults",
            "10",
            "--role-assignments",
            "600",
            "--seed",
            "4",
            "-o",
        ])
        .arg(&tenant)
        .assert()
        .success();
    let logs = dir.path().join("logs.jsonl");
    let expect = dir.path().join("expect.json");
    kvaccess()
        .args(["synth-logs", "--calls", "3000", "--seed", "2", "--snapshot"])
        .arg(&tenant)
        .arg("-o")
        .arg(&logs)
        .arg("--expect")
        .arg(&expect)
        .assert()
        .success()
        .stderr(contains("injected disagreements"));
    let expected: Value = serde_json::from_slice(&std::fs::read(&expect).unwrap()).unwrap();
    let mut c = kvaccess();
    c.args(["activity", "--model-check", "-o", "json", "--snapshot"])
        .arg(&tenant)
        .arg("--logs")
        .arg(&logs);
    let v = json(&mut c);
    let found = v["modelCheck"]["disagreements"].as_array().unwrap();
    assert_eq!(found.len(), expected.as_array().unwrap().len());
    for e in expected.as_array().unwrap() {
        assert!(
            found.iter().any(|d| d["kind"] == e["kind"]
                && d["class"] == e["class"]
                && d["caller"]["id"] == e["caller"]
                && d["item"] == e["item"]),
            "{e} not found"
        );
    }
}

#[test]
fn a_query_api_response_that_says_it_is_partial_is_reported_incomplete() {
    let file = fixture("../activity-rest/query-api.json");
    activity(&["--logs"])
        .arg(&file)
        .assert()
        .success()
        .stdout(contains("4 records in 1 files"))
        .stdout(contains(
            "table \"PrimaryResult\", row 3: 5 values for 13 columns",
        ))
        .stdout(contains("incomplete: "))
        .stdout(contains("PartialError"));
    let v = json(activity(&["-o", "json", "--logs"]).arg(&file));
    assert_eq!(v["logs"]["incomplete"].as_array().unwrap().len(), 1);
    assert_eq!(v["logs"]["malformed"], 1);
}
