//! "Did you mean": the built binary suggests principals, vaults and actions for a name that does not
//! resolve, in every command that takes one, with cleaned names and a bounded search.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value, json};

const SECURITY_TEAM: &str = "22222222-0000-0000-0000-000000000001";
const SECURITY_ON_CALL: &str = "22222222-0000-0000-0000-000000000002";
const KV_PROD: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-app-prod";

fn demo_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-tenant.json")
}

/// Runs `kvaccess ARGS` on the demo tenant (unless `-s` says otherwise): it must exit 2, and stdout stays
/// empty. Returns stderr.
fn bad_input(args: &[&str]) -> String {
    let out = Command::cargo_bin("kvaccess")
        .unwrap()
        .env("KVACCESS_SNAPSHOT", demo_path())
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).expect("stderr is UTF-8");
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
    err
}

fn write(dir: &Path, name: &str, value: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(value).unwrap()).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_partial_principal_name_lists_the_principals_the_explorer_finds() {
    let team = format!("'Security team' (group {SECURITY_TEAM})");
    let on_call = format!("'Security on-call' (group {SECURITY_ON_CALL})");
    for args in [
        vec![
            "check",
            "-p",
            "Security",
            "--scope",
            "kv-app-prod",
            "-a",
            "secrets/get",
        ],
        vec!["matrix", "-p", "Security"],
        vec![
            "check",
            "-p",
            "security",
            "--scope",
            KV_PROD,
            "-a",
            "vaults/write",
        ],
    ] {
        let err = bad_input(&args);
        assert!(err.contains("no principal matches"), "{err}");
        assert!(err.contains(&team) && err.contains(&on_call), "{err}");
    }
    // A mistyped UPN names the user it probably meant, by UPN.
    let err = bad_input(&["matrix", "-p", "bob@contso.com"]);
    assert!(
        err.contains("(did you mean 'Bob' (user bob@contoso.com)?)"),
        "{err}"
    );
    // Nothing close: no suggestion at all rather than noise.
    let err = bad_input(&["matrix", "-p", "Zed"]);
    assert!(!err.contains("did you mean"), "{err}");
}

#[test]
fn a_vault_typo_suggests_the_vault_in_every_command_that_takes_a_scope() {
    let typo_id = KV_PROD.replace("kv-app-prod", "kv-app-prd");
    for args in [
        vec![
            "check",
            "-p",
            "Bob",
            "--scope",
            "kv-app-prd",
            "-a",
            "secrets/get",
        ],
        vec![
            "check",
            "-p",
            "Bob",
            "--scope",
            &typo_id,
            "-a",
            "secrets/get",
        ],
        vec![
            "check",
            "-p",
            "Bob",
            "--scope",
            "kv-app-prd/secrets/db-password",
            "-a",
            "secrets/get",
        ],
        vec![
            "who-can",
            "--scope",
            "https://kv-app-prd.vault.azure.net/",
            "-a",
            "secrets/get",
        ],
        vec!["matrix", "--scope", "kv-app-prd"],
        vec!["matrix", "--scope", &typo_id],
        vec!["escalations", "--scope", "kv-app-prd"],
    ] {
        let err = bad_input(&args);
        assert!(
            err.contains("(did you mean 'kv-app-prod'?)"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn an_action_typo_suggests_the_closest_operations() {
    for args in [
        vec![
            "check",
            "-p",
            "Bob",
            "--scope",
            "kv-app-prod",
            "-a",
            "secrets/gett",
        ],
        vec!["who-can", "--scope", "kv-app-prod", "-a", "secrets/gett"],
    ] {
        let err = bad_input(&args);
        assert!(
            err.contains("unknown action 'secrets/gett' (did you mean 'secrets/get'?)"),
            "{err}"
        );
    }
    let err = bad_input(&[
        "who-can",
        "--scope",
        "kv-app-prod",
        "-a",
        "Microsoft.KeyVault/vaults/secrets/getSecrt/action",
    ]);
    assert!(
        err.contains("(did you mean 'Microsoft.KeyVault/vaults/secrets/getSecret/action'?)"),
        "{err}"
    );
}

#[test]
fn what_if_change_lists_suggest_with_the_same_mechanism() {
    let dir = tempfile::tempdir().unwrap();
    let changes = write(
        dir.path(),
        "changes.json",
        &json!([
            { "kind": "addRoleAssignment", "principal": "Security", "role": "Key Vault Secrets User", "scope": "kv-app-rbac" },
            { "kind": "addAccessPolicy", "vault": "kv-app-prd", "objectId": "Bob", "permissions": { "secrets": ["get"] } },
            { "kind": "addGroupMember", "group": "Securty team", "member": "Bob" }
        ]),
    );
    let err = bad_input(&["whatif", "-c", &changes]);
    assert!(
        err.contains(&format!(
            "changes[0].principal: no principal 'Security' in the snapshot (give an object id, a UPN, an appId or a display name) (did you mean 'Security team' (group {SECURITY_TEAM}) or 'Security on-call' (group {SECURITY_ON_CALL})?)"
        )),
        "{err}"
    );
    assert!(
        err.contains("changes[1].vault: no vault named 'kv-app-prd' in the snapshot (did you mean 'kv-app-prod'?)"),
        "{err}"
    );
    assert!(
        err.contains(&format!("changes[2].group: no principal 'Securty team' in the snapshot (give an object id, a UPN, an appId or a display name) (did you mean 'Security team' (group {SECURITY_TEAM})?)")),
        "{err}"
    );
}

const EVIL_USER: &str = "eeeeeeee-0000-0000-0000-000000000001";
const EVIL_GROUP: &str = "eeeeeeee-0000-0000-0000-000000000002";

/// Two principals whose names (and UPN) carry terminal control sequences and bidi overrides.
fn hostile_snapshot() -> Value {
    json!({
        "kvaccessSnapshot": 1,
        "principals": [
            { "@odata.type": "#microsoft.graph.user", "id": EVIL_USER,
              "displayName": "Security\u{1b}]52;c;cHduZWQ=\u{7} admin", "userPrincipalName": "sec\u{202e}urity@contoso.com" },
            { "@odata.type": "#microsoft.graph.group", "id": EVIL_GROUP, "displayName": "Security\u{9b}2J team" }
        ],
        "groupMemberships": [],
        "roleAssignments": [],
        "roleDefinitions": [],
        "denyAssignments": []
    })
}

#[test]
fn hostile_names_in_suggestions_are_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "evil.json", &hostile_snapshot());
    let err = bad_input(&["matrix", "-s", &file, "-p", "Security"]);
    assert!(err.contains("did you mean"), "{err}");
    assert!(err.contains(EVIL_GROUP), "{err}");
    for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
        assert!(!err.contains(bad), "{bad:?} reached the terminal: {err:?}");
    }
    assert!(
        err.contains("Security\u{fffd}]52;c;cHduZWQ=\u{fffd} admin"),
        "{err:?}"
    );
    assert!(err.contains("sec\u{fffd}urity@contoso.com"), "{err:?}");
}

#[test]
fn huge_names_get_an_error_without_a_suggestion_search() {
    // One argument can be at most 128 KB (Linux); the change list carries the 10 MB name.
    let long = "Security".repeat(16_000);
    let err = bad_input(&[
        "check",
        "-p",
        &long,
        "--scope",
        "kv-app-prod",
        "-a",
        "secrets/get",
    ]);
    assert!(
        err.contains("no principal matches") && err.len() < 20_000,
        "{} bytes",
        err.len()
    );
    let err = bad_input(&["who-can", "--scope", &long, "-a", "secrets/get"]);
    assert!(err.contains("no vault in the snapshot is named") && err.len() < 20_000);
    let err = bad_input(&["who-can", "--scope", "kv-app-prod", "-a", &long]);
    assert!(err.contains("unknown action") && err.len() < 20_000);
    let dir = tempfile::tempdir().unwrap();
    let huge = "Security team ".repeat(750_000);
    let changes = write(
        dir.path(),
        "huge.json",
        &json!([
            { "kind": "addRoleAssignment", "principal": huge, "role": "Reader", "scope": "kv-app-prod" },
            { "kind": "addAccessPolicy", "vault": huge, "objectId": "Bob", "permissions": { "secrets": ["get"] } }
        ]),
    );
    let err = bad_input(&["whatif", "-c", &changes]);
    assert!(
        err.contains("changes[0].principal: no principal"),
        "{}",
        &err[..err.len().min(500)]
    );
    assert!(err.contains("changes[1].vault: no vault named"));
    assert!(
        !err.contains("did you mean") && err.len() < 20_000,
        "{} bytes",
        err.len()
    );
}

#[test]
fn activity_suggests_from_the_snapshot_or_else_from_the_logs() {
    let logs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/activity/archive");
    let logs = logs.to_str().unwrap();
    let demo = demo_path();
    let demo = demo.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = Command::cargo_bin("kvaccess")
            .unwrap()
            .env_remove("KVACCESS_SNAPSHOT")
            .arg("activity")
            .args(args)
            .args(["--logs", logs])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    let err = run(&["--snapshot", demo, "--principal", "Security"]);
    assert!(
        err.contains(&format!(
            "did you mean 'Security team' (group {SECURITY_TEAM})"
        )),
        "{err}"
    );
    // The logs alone: the names the tokens carried, the vaults the records name.
    let err = run(&["--principal", "alice@contso.com"]);
    assert!(err.contains("(did you mean 'alice@contoso.com'?)"), "{err}");
    let err = run(&["--scope", "kv-app-prd"]);
    assert!(err.contains("(did you mean 'kv-app-prod'?)"), "{err}");
}
