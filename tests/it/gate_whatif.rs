//! The built binary: `whatif --terraform-plan` and `--arm-whatif` evaluate exactly like `--changes` with the
//! same change written by hand; what cannot be evaluated is listed with its address.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

fn kvaccess() -> Command {
    let mut cmd = Command::cargo_bin("kvaccess").unwrap();
    cmd.env_remove("KVACCESS_SNAPSHOT").env("NO_COLOR", "1");
    cmd
}

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gate")
        .join(path)
}

fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = kvaccess().args(args).output().unwrap();
    assert!(
        out.stderr.is_empty() || out.status.code() == Some(2),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

const CASES: [&str; 13] = [
    "role_assignment_create",
    "role_assignment_delete",
    "role_assignment_replace",
    "role_assignment_update",
    "access_policy_create",
    "access_policy_update",
    "access_policy_delete",
    "access_policy_replace",
    "key_vault_update_v3",
    "key_vault_update_v4",
    "role_definition_create",
    "group_member",
    "module_unknown_resolved",
];

#[test]
fn each_plan_gives_the_output_of_its_change_list_written_by_hand() {
    for name in CASES {
        let plan = fixture(&format!("tf/{name}.plan.json"));
        let changes = fixture(&format!("tf/{name}.changes.json"));
        let plan = plan.to_str().unwrap();
        let changes = changes.to_str().unwrap();
        for format in ["json", "text", "markdown"] {
            let (code_p, out_p) = run(&[
                "whatif",
                "--terraform-plan",
                plan,
                "-o",
                format,
                "--fail-on-gain",
            ]);
            let (code_c, out_c) = run(&[
                "whatif",
                "--changes",
                changes,
                "-o",
                format,
                "--fail-on-gain",
            ]);
            assert_eq!(code_p, code_c, "{name} {format}");
            if format == "json" {
                let mut p: Value = serde_json::from_str(&out_p).unwrap();
                let c: Value = serde_json::from_str(&out_c).unwrap();
                let report = p.as_object_mut().unwrap().remove("plan").unwrap();
                assert_eq!(p, c, "{name}");
                assert!(report["pending"].as_array().unwrap().is_empty(), "{name}");
                assert!(
                    c["changes"].as_u64().unwrap() > 0,
                    "{name}: nothing applied"
                );
            } else {
                assert_eq!(out_p, out_c, "{name} {format}");
            }
        }
    }
}

#[test]
fn pending_changes_are_listed_with_their_address_and_fail_the_gain_gate() {
    let plan = fixture("tf/unknown_pending.plan.json");
    let (code, out) = run(&[
        "whatif",
        "--terraform-plan",
        plan.to_str().unwrap(),
        "--fail-on-gain",
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("Not evaluated"), "{out}");
    assert!(
        out.contains("azurerm_role_assignment.new_app (create)"),
        "{out}"
    );
    assert!(
        out.contains("azurerm_user_assigned_identity.new, which this plan creates"),
        "{out}"
    );
    assert!(out.contains("Not understood by the gate"), "{out}");
    assert!(out.contains("azurerm_storage_account.logs"), "{out}");
    let (_, json) = run(&[
        "whatif",
        "--terraform-plan",
        plan.to_str().unwrap(),
        "-o",
        "json",
    ]);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["plan"]["pending"].as_array().unwrap().len(), 4);
    assert_eq!(v["plan"]["skipped"].as_array().unwrap().len(), 2);
}

#[test]
fn a_plan_change_the_snapshot_cannot_take_is_pending_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("tf/role_assignment_create.plan.json")).unwrap();
    let text = text.replace(
        "11111111-0000-0000-0000-000000000004",
        "11111111-0000-0000-0000-0000000000ff",
    );
    let path = dir.path().join("p.json");
    std::fs::write(&path, text).unwrap();
    let (code, out) = run(&[
        "whatif",
        "--terraform-plan",
        path.to_str().unwrap(),
        "--fail-on-gain",
    ]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("azurerm_role_assignment.dana_reader (create)"),
        "{out}"
    );
    assert!(
        out.contains("the snapshot cannot take this change: principal:"),
        "{out}"
    );
}

#[test]
fn bad_plans_exit_2_naming_the_file_and_json_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    std::fs::write(
        &path,
        r#"{"format_version":"1.2","resource_changes":[{"address":"x.y","type":"azurerm_role_assignment","change":{"actions":["explode"]}}]}"#,
    )
    .unwrap();
    let out = kvaccess()
        .args(["whatif", "--terraform-plan", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.json: resource_changes[0].change.actions: unknown actions"),
        "{err}"
    );
    let both = kvaccess()
        .args(["whatif", "--terraform-plan", "a", "--changes", "b"])
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
    let none = kvaccess().args(["whatif"]).output().unwrap();
    assert_eq!(none.status.code(), Some(2));
}

#[test]
fn an_arm_whatif_gives_the_output_of_its_change_list_written_by_hand() {
    let plan = fixture("arm/whatif.json");
    let changes = fixture("arm/whatif.changes.json");
    let (code_p, out_p) = run(&[
        "whatif",
        "--arm-whatif",
        plan.to_str().unwrap(),
        "-o",
        "json",
    ]);
    let (code_c, out_c) = run(&[
        "whatif",
        "--changes",
        changes.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(code_p, code_c);
    let mut p: Value = serde_json::from_str(&out_p).unwrap();
    let c: Value = serde_json::from_str(&out_c).unwrap();
    let report = p.as_object_mut().unwrap().remove("plan").unwrap();
    assert_eq!(p, c);
    assert!(c["gained"].as_u64().unwrap() > 1);
    let pending: Vec<&str> = report["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["address"].as_str().unwrap())
        .collect();
    assert_eq!(pending.len(), 2, "{pending:?}");
    assert_eq!(
        report["skipped"][0]["type"],
        "Microsoft.Storage/storageAccounts"
    );
}
