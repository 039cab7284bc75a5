//! Runs the built `kvaccess` binary: every subcommand in every output format it offers, every exit code
//! of `check`, bad input, hostile display names, colour control, and a snapshot assembled from
//! Microsoft's own example REST responses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::{contains, is_empty, starts_with};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------------------
// The demo tenant's names
// ---------------------------------------------------------------------------------------------------------

const SUB_PROD: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001";
const SUB_DEV: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000002";
const RG_APP_PROD: &str =
    "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod";
const KV_PROD: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-app-prod";
const KV_RBAC: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-app-rbac";
const KV_PRIVATE: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-shared-prod/providers/Microsoft.KeyVault/vaults/kv-private-prod";
const KV_DEV: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000002/resourceGroups/rg-app-dev/providers/Microsoft.KeyVault/vaults/kv-app-dev";

const ALICE: &str = "11111111-0000-0000-0000-000000000001";
const BOB: &str = "11111111-0000-0000-0000-000000000002";
const CAROL: &str = "11111111-0000-0000-0000-000000000003";
const DANA: &str = "11111111-0000-0000-0000-000000000004";
const GINA: &str = "11111111-0000-0000-0000-000000000007";
const IVAN: &str = "11111111-0000-0000-0000-000000000008";
const HANK: &str = "11111111-0000-0000-0000-000000000011";
const SECURITY_TEAM: &str = "22222222-0000-0000-0000-000000000001";
const SECURITY_ON_CALL: &str = "22222222-0000-0000-0000-000000000002";
const CI_DEPLOYER: &str = "33333333-0000-0000-0000-000000000004";
const CI_DEPLOYER_APP: &str = "77777777-0000-0000-0000-000000000004";
const PORTAL_APP: &str = "77777777-0000-0000-0000-000000000001";

const GET_SECRET: &str = "Microsoft.KeyVault/vaults/secrets/getSecret/action";
const DELETE_SECRET: &str = "Microsoft.KeyVault/vaults/secrets/delete";

// ---------------------------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------------------------

/// The binary, with no snapshot or colour settings inherited from the developer's environment.
pub(crate) fn kv() -> Command {
    let mut cmd = Command::cargo_bin("kvaccess").unwrap();
    for var in [
        "KVACCESS_SNAPSHOT",
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "TERM",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// `kvaccess` with the words of `line` as arguments (no argument in these tests contains a space).
fn cmd(line: &str) -> Command {
    let mut cmd = kv();
    cmd.args(line.split_whitespace());
    cmd
}

/// Runs a command to completion. It must exit with a documented code: never a panic (101) or a signal.
fn finish(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    let code = out.status.code().expect("kvaccess was killed by a signal");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(code, 101, "kvaccess panicked: {err}");
    assert!(
        [0, 1, 2, 3, 4].contains(&code),
        "undocumented exit code {code}: {err}"
    );
    out
}

fn run(line: &str) -> Output {
    finish(&mut cmd(line))
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

fn json_out(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr: {}",
            stdout(out),
            stderr(out)
        )
    })
}

/// `kvaccess check LINE --output json`: the exit code and the verdict.
fn check_json(line: &str) -> (i32, Value) {
    let out = run(&format!("check {line} --output json"));
    (code(&out), json_out(&out))
}

fn csv_records(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

fn ids(list: &Value) -> Vec<String> {
    let items = list.as_array().unwrap().iter();
    items
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

fn write_json(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    path
}

fn write_text(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

pub(crate) fn demo_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-tenant.json")
}

const SMALL_VAULT: &str = "/subscriptions/cccccccc-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-small";
const SAM: &str = "dddddddd-0000-0000-0000-000000000001";

/// A small valid snapshot: one access-policy vault and one user, Sam, who may read its secrets. Every
/// section the answers depend on is present (empty where there is nothing), as absent is not empty.
fn small_snapshot() -> Value {
    json!({
        "kvaccessSnapshot": 1,
        "tenantId": "aaaaaaaa-0000-0000-0000-000000000000",
        "managementGroups": [], "roleDefinitions": [], "roleAssignments": [], "denyAssignments": [],
        "groupMemberships": [],
        "vaults": [{
            "id": SMALL_VAULT,
            "name": "kv-small",
            "properties": {
                "tenantId": "aaaaaaaa-0000-0000-0000-000000000000",
                "accessPolicies": [{ "objectId": SAM, "permissions": { "secrets": ["get"] } }]
            }
        }],
        "principals": [{
            "@odata.type": "#microsoft.graph.user",
            "id": SAM,
            "displayName": "Sam",
            "userPrincipalName": "sam@contoso.com"
        }]
    })
}

// ---------------------------------------------------------------------------------------------------------
// No arguments, help, version, usage errors
// ---------------------------------------------------------------------------------------------------------

#[test]
fn no_arguments_prints_help_and_exits_0() {
    let mut help = kv().assert().code(0).stderr(is_empty());
    for word in [
        "Usage: kvaccess",
        "check",
        "who-can",
        "matrix",
        "escalations",
        "validate",
        "demo",
    ] {
        help = help.stdout(contains(word));
    }
    help.stdout(contains("actions"))
        .stdout(contains("synth"))
        .stdout(contains("kvaccess escalations"));
}

#[test]
fn help_and_version_exit_0() {
    cmd("--help")
        .assert()
        .code(0)
        .stdout(contains("Usage: kvaccess"));
    cmd("check --help")
        .assert()
        .code(0)
        .stdout(contains("--principal"))
        .stdout(contains("--from-ip"))
        .stdout(contains("Exit 0 allowed, 1 denied, 3 conditional"));
    cmd("--version")
        .assert()
        .code(0)
        .stdout(contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn usage_errors_exit_2() {
    cmd("frobnicate")
        .assert()
        .code(2)
        .stderr(contains("frobnicate"));
    cmd("check --principal Bob")
        .assert()
        .code(2)
        .stderr(contains("--scope"));
    cmd("matrix").assert().code(2);
    cmd(&format!("matrix --scope {KV_PROD} --principal Bob"))
        .assert()
        .code(2);
    cmd(&format!(
        "matrix --scope {KV_PROD} --via-app contoso-portal"
    ))
    .assert()
    .code(2);
    cmd(&format!(
        "check -p Bob --scope {KV_PROD} -a secrets/get --from-ip not-an-ip"
    ))
    .assert()
    .code(2)
    .stderr(contains("not-an-ip"));
    // At most one caller location.
    cmd(&format!(
        "check -p Bob --scope {KV_PROD} -a secrets/get --from-ip 192.0.2.1 --trusted-service"
    ))
    .assert()
    .code(2);
    cmd(&format!(
        "check -p Bob --scope {KV_PROD} -a secrets/get -o yaml"
    ))
    .assert()
    .code(2);
}

// ---------------------------------------------------------------------------------------------------------
// check: the decision is the exit code, the evidence is in the JSON
// ---------------------------------------------------------------------------------------------------------

#[test]
fn check_allowed_exits_0_text() {
    cmd(&format!("check --principal bob@contoso.com --scope {KV_PROD} --action secrets/get"))
        .assert()
        .code(0)
        .stdout(starts_with("ALLOWED"))
        .stdout(contains(format!("Bob (user {BOB}) → secrets/get on kv-app-prod")))
        .stdout(contains(format!("action   {GET_SECRET} (data plane, kv-app-prod.vault.azure.net)")))
        .stdout(contains("model    access policies"))
        .stdout(contains("+ access-policy entry for Security team [secrets/all] via group Security on-call → Security team"))
        .stdout(contains("network  not evaluated (no caller location given)"));
}

#[test]
fn check_allowed_exits_0_json() {
    let (rc, v) = check_json(&format!(
        "-p bob@contoso.com --scope {KV_PROD} -a secrets/get"
    ));
    assert_eq!(rc, 0);
    assert_eq!(v["decision"], "allowed");
    assert_eq!(
        v["principal"],
        json!({ "id": BOB, "displayName": "Bob", "type": "user" })
    );
    assert_eq!(v["scope"], KV_PROD);
    assert_eq!(v["action"], GET_SECRET);
    assert_eq!(v["operation"], "secrets/get");
    assert_eq!(v["plane"], "data");
    assert_eq!(v["permissionModel"], "accessPolicy");
    let grants = v["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 1, "{v:#}");
    assert_eq!(grants[0]["kind"], "accessPolicy");
    assert_eq!(
        grants[0]["id"],
        format!("{KV_PROD}/accessPolicies/{SECURITY_TEAM}")
    );
    assert_eq!(grants[0]["principalId"], SECURITY_TEAM);
    assert_eq!(
        grants[0]["viaGroups"],
        json!([SECURITY_ON_CALL, SECURITY_TEAM])
    );
    assert_eq!(v["denies"], json!([]));
    assert_eq!(v["network"]["evaluated"], false);
    assert_eq!(v["network"]["allowed"], Value::Null);
    assert!(
        v["network"]["reason"]
            .as_str()
            .unwrap()
            .contains("admits 203.0.113.0/24")
    );
    assert_eq!(v["unknownBecause"], json!([]));
}

#[test]
fn check_denied_exits_1() {
    cmd(&format!("check -p Carol --scope {KV_PROD} -a secrets/get"))
        .assert()
        .code(1)
        .stdout(starts_with("DENIED"))
        .stdout(contains("grants   none"));
    let (rc, v) = check_json(&format!("-p Carol --scope {KV_PROD} -a secrets/get"));
    assert_eq!(rc, 1);
    assert_eq!(v["decision"], "denied");
    assert_eq!(v["principal"]["id"], CAROL);
    assert_eq!(v["permissionModel"], "accessPolicy");
    assert_eq!(v["grants"], json!([]));
    assert_eq!(v["denies"], json!([]));
}

#[test]
fn check_conditional_exits_3() {
    cmd(&format!("check -p Gina --scope {KV_RBAC} -a secrets/get"))
        .assert()
        .code(3)
        .stdout(starts_with("CONDITIONAL"))
        .stdout(contains("model    Azure RBAC (data actions)"))
        .stdout(contains(
            "if: ((!(ActionMatches{'Microsoft.KeyVault/vaults/secrets/getSecret/action'}))",
        ));
    let (rc, v) = check_json(&format!("-p Gina --scope {KV_RBAC} -a secrets/get"));
    assert_eq!(rc, 3);
    assert_eq!(v["decision"], "conditional");
    assert_eq!(v["principal"]["id"], GINA);
    assert_eq!(v["action"], GET_SECRET);
    assert_eq!(v["plane"], "data");
    assert_eq!(v["permissionModel"], "rbac");
    let grant = &v["grants"][0];
    assert_eq!(grant["kind"], "roleAssignment");
    let assignment = "44444444-0000-0000-0000-000000000011";
    assert_eq!(
        grant["id"],
        format!("{KV_RBAC}/providers/Microsoft.Authorization/roleAssignments/{assignment}")
    );
    assert_eq!(grant["roleName"], "Key Vault Secrets User");
    assert_eq!(grant["viaGroups"], json!([]));
    assert!(
        grant["condition"]
            .as_str()
            .unwrap()
            .contains("StringStartsWith 'app-'")
    );
}

#[test]
fn check_unknown_exits_4_for_a_missing_role_definition() {
    let missing = "88888888-0000-0000-0000-000000000002";
    cmd(&format!("check -p Dana --scope {KV_RBAC} -a vaults/write"))
        .assert()
        .code(4)
        .stdout(starts_with("UNKNOWN"))
        .stdout(contains(missing));
    let (rc, v) = check_json(&format!("-p Dana --scope {KV_RBAC} -a vaults/write"));
    assert_eq!(rc, 4);
    assert_eq!(v["decision"], "unknown");
    assert_eq!(v["principal"]["id"], DANA);
    assert_eq!(v["action"], "Microsoft.KeyVault/vaults/write");
    assert_eq!(v["plane"], "management");
    assert_eq!(v["permissionModel"], Value::Null);
    assert_eq!(v["network"]["evaluated"], false);
    let reasons = v["unknownBecause"].as_array().unwrap();
    assert!(
        reasons
            .iter()
            .any(|r| r.as_str().unwrap().contains(missing)),
        "{v:#}"
    );
}

#[test]
fn check_unknown_exits_4_for_unreadable_dev_role_assignments() {
    let (rc, v) = check_json(&format!("-p Alice --scope {KV_DEV} -a vaults/write"));
    assert_eq!(rc, 4, "{v:#}");
    assert_eq!(v["decision"], "unknown");
    let reason = v["unknownBecause"][0].as_str().unwrap();
    assert!(
        reason.contains(SUB_DEV) && reason.contains("403"),
        "{reason}"
    );
    let (rc, _) = check_json(&format!(
        "-p Oscar --scope {SUB_DEV} -a roleAssignments/write"
    ));
    assert_eq!(rc, 4);
    // A known grant still decides.
    let (rc, _) = check_json(&format!("-p Dana --scope {KV_DEV} -a vaults/write"));
    assert_eq!(rc, 0);
}

#[test]
fn check_deny_assignment_exits_1_with_the_grant_and_the_deny() {
    let line = format!("-p Hank --scope {KV_RBAC}/secrets/app-db-password -a {DELETE_SECRET}");
    let (rc, v) = check_json(&line);
    assert_eq!(rc, 1);
    assert_eq!(v["decision"], "denied");
    assert_eq!(v["principal"]["id"], HANK);
    assert_eq!(v["grants"][0]["kind"], "roleAssignment");
    assert_eq!(v["grants"][0]["roleName"], "Key Vault Secrets Officer");
    let deny = format!(
        "{KV_RBAC}/providers/Microsoft.Authorization/denyAssignments/55555555-0000-0000-0000-000000000001"
    );
    assert_eq!(ids(&v["denies"]), [deny]);
    assert_eq!(v["denies"][0]["everyone"], true);
    cmd(&format!("check {line}"))
        .assert()
        .code(1)
        .stdout(contains(
            "blocked  deny assignment 'Deny assignment created by deployment stack",
        ))
        .stdout(contains("(applies to everyone)"));
    // Bob is in the group the deny assignment excludes.
    let (rc, v) = check_json(&format!(
        "-p Bob --scope {KV_RBAC}/secrets/app-db-password -a {DELETE_SECRET}"
    ));
    assert_eq!((rc, v["denies"].clone()), (0, json!([])));
}

#[test]
fn check_evaluates_the_network_when_a_location_is_given() {
    let (rc, v) = check_json(&format!(
        "-p Alice --scope {KV_PROD} -a secrets/get --from-ip 203.0.113.50"
    ));
    assert_eq!(rc, 0);
    assert_eq!(v["network"]["evaluated"], true);
    assert_eq!(v["network"]["allowed"], true);

    let (rc, v) = check_json(&format!(
        "-p Alice --scope {KV_PROD} -a secrets/get --from-ip 192.0.2.1"
    ));
    assert_eq!(rc, 1, "the firewall blocks an unlisted address");
    assert_eq!(v["decision"], "denied");
    assert_eq!(v["network"]["evaluated"], true);
    assert_eq!(v["network"]["allowed"], false);
    assert_eq!(
        v["grants"][0]["viaGroups"],
        json!([SECURITY_TEAM]),
        "the grant is still shown"
    );

    let subnet = format!(
        "{SUB_PROD}/resourceGroups/rg-network-prod/providers/Microsoft.Network/virtualNetworks/vnet-prod/subnets/snet-app"
    );
    let (rc, v) = check_json(&format!(
        "-p Alice --scope {KV_PROD} -a secrets/get --from-subnet {subnet}"
    ));
    assert_eq!((rc, v["network"]["allowed"].clone()), (0, json!(true)));

    let secret = format!("{KV_PRIVATE}/secrets/payments-api-key");
    for (from, expected) in [
        ("--private-endpoint", 0),
        ("--trusted-service", 0),
        ("--from-ip 203.0.113.50", 1),
    ] {
        let (rc, _) = check_json(&format!("-p Alice --scope {secret} -a {GET_SECRET} {from}"));
        assert_eq!(rc, expected, "{from}");
    }

    // The management plane never goes through the firewall.
    let (rc, v) = check_json(&format!(
        "-p Carol --scope {KV_PROD} -a vaults/accessPolicies/write --from-ip 192.0.2.1"
    ));
    assert_eq!(rc, 0);
    assert_eq!(v["plane"], "management");
    assert_eq!(
        v["action"],
        "Microsoft.KeyVault/vaults/accessPolicies/write"
    );
}

#[test]
fn check_compound_identity_needs_the_application() {
    let (rc, v) = check_json(&format!(
        "-p Ivan --via-app contoso-portal --scope {KV_PROD} -a secrets/get"
    ));
    assert_eq!(rc, 0);
    assert_eq!(v["viaApp"], PORTAL_APP);
    assert_eq!(
        v["grants"][0]["id"],
        format!("{KV_PROD}/accessPolicies/{IVAN}/{PORTAL_APP}")
    );
    cmd(&format!(
        "check -p Ivan --via-app {PORTAL_APP} --scope {KV_PROD} -a secrets/get"
    ))
    .assert()
    .code(0)
    .stdout(contains("through app"));
    cmd(&format!("check -p Ivan --scope {KV_PROD} -a secrets/get"))
        .assert()
        .code(1);
    cmd(&format!(
        "check -p Ivan --via-app {CI_DEPLOYER_APP} --scope {KV_PROD} -a secrets/get"
    ))
    .assert()
    .code(1);
}

#[test]
fn check_resolves_principals_and_actions_in_every_spelling() {
    let upper = BOB.to_uppercase();
    for who in [
        "bob@contoso.com",
        "BOB@CONTOSO.COM",
        "Bob",
        "bob",
        BOB,
        upper.as_str(),
    ] {
        let (rc, v) = check_json(&format!("-p {who} --scope {KV_PROD} -a secrets/get"));
        assert_eq!((rc, v["principal"]["id"].clone()), (0, json!(BOB)), "{who}");
    }
    let (rc, v) = check_json(&format!(
        "-p {CI_DEPLOYER_APP} --scope {KV_RBAC} -a roleAssignments/write"
    ));
    assert_eq!(rc, 0);
    assert_eq!(
        v["principal"]["id"], CI_DEPLOYER,
        "an appId resolves to its service principal"
    );
    assert_eq!(v["principal"]["type"], "servicePrincipal");

    for action in ["secrets/get", "Secrets/Get", "secrets/GET", GET_SECRET] {
        let (rc, v) = check_json(&format!("-p Bob --scope {KV_PROD} -a {action}"));
        assert_eq!(
            (rc, v["action"].clone()),
            (0, json!(GET_SECRET)),
            "{action}"
        );
    }
    let (_, v) = check_json(&format!("-p Bob --scope {KV_PROD} -a keys/wrapKey"));
    assert_eq!(v["action"], "Microsoft.KeyVault/vaults/keys/wrap/action");
    let (_, v) = check_json(&format!(
        "-p Oscar --scope {KV_RBAC} -a Microsoft.KeyVault/vaults/keys/read"
    ));
    assert_eq!(
        v["plane"], "data",
        "the full string is read as the data action"
    );
    let (_, v) = check_json(&format!("-p Oscar --scope {KV_RBAC} -a vaults/keys/read"));
    assert_eq!(v["plane"], "management", "the ARM one has its catalog name");
    let (rc, v) = check_json(&format!(
        "-p Frank --scope {RG_APP_PROD} -a Microsoft.Resources/subscriptions/resourceGroups/read"
    ));
    assert_eq!((rc, v["plane"].clone()), (0, json!("management")));
    // secrets/set needs two data actions under RBAC.
    let (_, v) = check_json(&format!("-p Hank --scope {KV_RBAC} -a secrets/set"));
    assert_eq!(v["requiredActions"].as_array().unwrap().len(), 2, "{v:#}");
}

/// Every case of tests/fixtures/demo-expected.json through the binary: the exit code is the expected
/// decision and the JSON names the expected grants and denies.
#[test]
fn check_agrees_with_demo_expected() {
    let cases: Value =
        serde_json::from_str(include_str!("../fixtures/demo-expected.json")).unwrap();
    let mut failures = Vec::new();
    for case in cases.as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let field = |k: &str| case[k].as_str().unwrap().to_string();
        let mut line = format!(
            "-p {} --scope {} -a {}",
            field("principal"),
            field("scope"),
            field("action")
        );
        if let Some(app) = case["viaApp"].as_str() {
            line += &format!(" --via-app {app}");
        }
        let from = &case["from"];
        if let Some(ip) = from["ip"].as_str() {
            line += &format!(" --from-ip {ip}");
        } else if let Some(subnet) = from["subnet"].as_str() {
            line += &format!(" --from-subnet {subnet}");
        } else if from["privateEndpoint"] == true {
            line += " --private-endpoint";
        } else if from["trustedService"] == true {
            line += " --trusted-service";
        }
        let (rc, v) = check_json(&line);
        let expected_rc = match case["decision"].as_str().unwrap() {
            "allowed" => 0,
            "denied" => 1,
            "conditional" => 3,
            "unknown" => 4,
            other => panic!("{name}: unexpected decision {other}"),
        };
        if rc != expected_rc || v["decision"] != case["decision"] {
            let want = &case["decision"];
            failures.push(format!(
                "{name}: exit {rc}, decision {}, expected {want}",
                v["decision"]
            ));
            continue;
        }
        // The evidence, compared case-insensitively as ids are. An unknown answer may name the
        // expected assignment among its reasons (a grant whose role definition is missing).
        let reasons = v["unknownBecause"].to_string().to_ascii_lowercase();
        for key in ["grants", "denies"] {
            let got: Vec<String> = ids(&v[key])
                .iter()
                .map(|x| x.to_ascii_lowercase())
                .collect();
            for want in case[key].as_array().unwrap() {
                let want = want.as_str().unwrap().to_ascii_lowercase();
                let named = got.contains(&want) || (key == "grants" && reasons.contains(&want));
                if !named {
                    failures.push(format!("{name}: {key} {got:?} lack {want}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn check_refuses_csv_and_markdown() {
    for format in ["csv", "markdown"] {
        cmd(&format!(
            "check -p Bob --scope {KV_PROD} -a secrets/get -o {format}"
        ))
        .assert()
        .code(2)
        .stdout(is_empty())
        .stderr(contains("possible values: text, json"));
    }
}

// ---------------------------------------------------------------------------------------------------------
// who-can
// ---------------------------------------------------------------------------------------------------------

#[test]
fn who_can_text() {
    // Text is grouped: one line per deciding grant (decision, identities reached, holder, grant, scope).
    let out = run(&format!("who-can --scope {KV_RBAC} --action secrets/get"));
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!("secrets/get at {KV_RBAC}\n")),
        "{text}"
    );
    for expected in [
        "through Security team (group, 2 identities): role 'Key Vault Administrator' at vault kv-app-rbac",
        "if: ((!(ActionMatches",
        "unknown: ",
        "\ncan grant it to themselves:\n",
        "User Access Administrator",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let decisions = ["allowed ", "denied ", "conditional ", "unknown "];
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.strip_prefix("  ")
                .is_some_and(|r| decisions.iter().any(|d| r.starts_with(d)))
        })
        .collect();
    assert!(rows.len() >= 7, "{text}");
    // Aligned columns: the decision, the number of identities (right-aligned), the grant.
    for row in &rows {
        assert!(
            row[2..14].ends_with(' ') && row[14..21].trim_start().parse::<usize>().is_ok(),
            "misaligned: {row:?}"
        );
        assert!(
            row[21..].starts_with("  ") && !row[23..].starts_with(' '),
            "misaligned: {row:?}"
        );
        assert_eq!(row.trim_end(), *row, "trailing spaces: {row:?}");
    }
    let decision_of = |holder: &str| -> &str {
        let row = rows
            .iter()
            .find(|l| l.contains(&format!("through {holder} (")));
        row.unwrap_or_else(|| panic!("no group of {holder} in\n{text}"))[2..14].trim()
    };
    assert_eq!(decision_of("Security team"), "allowed");
    assert_eq!(decision_of("Gina"), "conditional");
    assert_eq!(decision_of("Dana"), "unknown");
    // --expand lists each group's identities, with the groups between them and the holder.
    let text = stdout(&run(&format!(
        "who-can --scope {KV_RBAC} --action secrets/get --expand"
    )));
    assert!(text.contains("        Alice  user\n"), "{text}");
    assert!(
        text.contains("        Bob  user  via Security on-call\n"),
        "{text}"
    );
    assert!(
        !text.contains("        Security team  group"),
        "groups are not identities"
    );
}

#[test]
fn who_can_json() {
    let out = run(&format!("who-can --scope {KV_RBAC} -a secrets/get -o json"));
    assert_eq!(code(&out), 0);
    let v = json_out(&out);
    assert_eq!(v["scope"], KV_RBAC);
    assert_eq!(v["action"], GET_SECRET);
    let principals = v["principals"].as_array().unwrap();
    let find = |id: &str| {
        let p = principals.iter().find(|p| p["id"] == id);
        p.unwrap_or_else(|| panic!("{id} missing from {v:#}"))
    };
    assert_eq!(find(ALICE)["decision"], "allowed");
    assert_eq!(find(ALICE)["displayName"], "Alice");
    assert_eq!(find(ALICE)["type"], "user");
    assert_eq!(
        find(ALICE)["grants"][0]["viaGroups"],
        json!([SECURITY_TEAM])
    );
    assert_eq!(
        find(BOB)["grants"][0]["viaGroups"],
        json!([SECURITY_ON_CALL, SECURITY_TEAM])
    );
    assert_eq!(find(GINA)["decision"], "conditional");
    assert_eq!(find(DANA)["decision"], "unknown");
    assert!(
        principals.iter().all(|p| p["type"] != "group"),
        "groups never sign in"
    );
    assert!(
        principals.iter().all(|p| p["id"] != CAROL),
        "Carol has no data access"
    );
    let grantors = v["canGrantThemselves"].as_array().unwrap();
    assert!(grantors.iter().any(|f| f["principal"]["id"] == CI_DEPLOYER
        && f["technique"] == "roleAssignmentSelfGrant"
        && f["roleName"] == "User Access Administrator"));
    assert!(grantors.iter().any(|f| f["principal"]["id"] == CAROL));
}

#[test]
fn who_can_csv() {
    let out = run(&format!("who-can --scope {KV_PROD} -a secrets/get -o csv"));
    assert_eq!(code(&out), 0);
    let rows = csv_records(&stdout(&out));
    assert_eq!(
        rows[0],
        [
            "id",
            "displayName",
            "type",
            "decision",
            "viaApp",
            "via",
            "grants"
        ]
    );
    assert!(rows.iter().all(|r| r.len() == 7));
    let bob = rows.iter().find(|r| r[0] == BOB).unwrap();
    assert_eq!(
        bob[1..6],
        [
            "Bob",
            "user",
            "allowed",
            "",
            "Security on-call; Security team"
        ]
    );
    assert_eq!(bob[6], format!("{KV_PROD}/accessPolicies/{SECURITY_TEAM}"));
    let ivan = rows.iter().find(|r| r[0] == IVAN).unwrap();
    assert_eq!(
        ivan[4], PORTAL_APP,
        "compound identity: through the portal app"
    );
}

#[test]
fn who_can_refuses_markdown_and_unknown_actions() {
    cmd(&format!(
        "who-can --scope {KV_PROD} -a secrets/get -o markdown"
    ))
    .assert()
    .code(2)
    .stderr(contains("possible values: text, json, csv"));
    cmd(&format!("who-can --scope {KV_PROD} -a secrets/fly"))
        .assert()
        .code(2)
        .stderr(contains("unknown action 'secrets/fly'"));
}

// ---------------------------------------------------------------------------------------------------------
// matrix
// ---------------------------------------------------------------------------------------------------------

#[test]
fn matrix_for_a_vault_text() {
    let out = run(&format!("matrix --scope {KV_PROD}"));
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("kv-app-prod ({KV_PROD})"));
    let columns = lines[1].split_whitespace().count();
    assert!(
        lines[1].contains(" secrets/get ") && lines[1].ends_with("roles/assign"),
        "{text}"
    );
    // Ivan's access-policy entry is compound: his row names the application he must call through.
    for name in [
        "Alice",
        "Bob",
        "Carol",
        "app-web-mi",
        "Ivan through app contoso-portal",
    ] {
        let row = lines
            .iter()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap();
        let words = name.split_whitespace().count();
        assert_eq!(row.split_whitespace().count(), columns + words, "{row}");
    }
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("all = every operation in the group")
    );
}

#[test]
fn matrix_for_a_vault_json() {
    let out = run(&format!("matrix --scope {KV_PROD} -o json"));
    assert_eq!(code(&out), 0);
    let v = json_out(&out);
    assert!(
        v["columns"]
            .as_array()
            .unwrap()
            .contains(&json!("secrets/get"))
    );
    let rows = v["rows"].as_array().unwrap();
    let row = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap();
    let cell = |id: &str, group: &str| {
        let cells = row(id)["cells"].as_array().unwrap();
        cells.iter().find(|c| c["group"] == group).unwrap().clone()
    };
    assert_eq!(row(ALICE)["label"], "Alice");
    assert_eq!(row(ALICE)["principal"]["type"], "user");
    let bob = cell(BOB, "secrets/get");
    assert_eq!(bob["allowed"], bob["total"]);
    assert_eq!(cell(CAROL, "secrets/get")["allowed"], 0);
    assert_eq!(
        cell(CAROL, "vault/configure")["allowed"],
        cell(CAROL, "vault/configure")["total"]
    );
}

#[test]
fn matrix_for_a_vault_csv() {
    let out = run(&format!("matrix --scope {KV_PROD} -o csv"));
    assert_eq!(code(&out), 0);
    let rows = csv_records(&stdout(&out));
    assert_eq!(
        rows[0][..5],
        ["id", "name", "type", "viaApp", "keys/encrypt"]
    );
    assert!(rows.iter().all(|r| r.len() == rows[0].len()));
    let get = rows[0].iter().position(|h| h == "secrets/get").unwrap();
    let row = |id: &str| rows.iter().find(|r| r[0] == id).unwrap();
    assert_eq!(row(BOB)[get], "allowed");
    assert_eq!(row(CAROL)[get], "denied");
    assert_eq!(row(ALICE)[1..3], ["Alice", "user"]);
    assert_eq!(row(IVAN)[3], PORTAL_APP);
}

#[test]
fn matrix_for_a_vault_markdown() {
    let out = run(&format!("matrix --scope {KV_PROD} -o markdown"));
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("| principal | keys/use |"), "{text}");
    assert!(lines[1].starts_with("|---|---|"));
    let bars = lines[0].matches('|').count();
    assert!(
        lines.iter().all(|l| l.matches('|').count() == bars),
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("| Bob | all |")),
        "{text}"
    );
}

#[test]
fn matrix_for_a_principal_in_every_format() {
    let vaults = [
        "kv-app-prod",
        "kv-app-rbac",
        "kv-private-prod",
        "kv-app-dev",
    ];

    let text = stdout(&run("matrix --principal alice@contoso.com"));
    for name in vaults {
        assert!(
            text.lines().any(|l| l.starts_with(name)),
            "{name} missing:\n{text}"
        );
    }

    let v = json_out(&run("matrix -p alice@contoso.com -o json"));
    let rows = v["rows"].as_array().unwrap();
    let labels: Vec<&str> = rows.iter().map(|r| r["label"].as_str().unwrap()).collect();
    assert_eq!(labels, vaults);
    assert_eq!(ids(&v["rows"]), [KV_PROD, KV_RBAC, KV_PRIVATE, KV_DEV]);

    let rows = csv_records(&stdout(&run("matrix -p alice@contoso.com -o csv")));
    assert_eq!(rows.len(), 1 + vaults.len());
    assert!(rows[1..].iter().all(|r| r[2] == "vault"));
    let assign = rows[0]
        .iter()
        .position(|h| h == "roleAssignments/write")
        .unwrap();
    assert_eq!(
        rows[2][assign], "conditional",
        "Key Vault Data Access Administrator's condition"
    );

    let md = stdout(&run("matrix -p alice@contoso.com -o markdown"));
    assert!(md.starts_with("| vault | keys/use |"), "{md}");
    let rbac = md
        .lines()
        .find(|l| l.starts_with("| kv-app-rbac |"))
        .unwrap();
    assert!(rbac.ends_with("| cond |"), "{rbac}");
    let dev = md
        .lines()
        .find(|l| l.starts_with("| kv-app-dev |"))
        .unwrap();
    assert!(
        dev.contains("| ? |"),
        "unreadable Dev role assignments: {dev}"
    );

    // Compound identity: the matrix follows --via-app.
    let through = json_out(&run("matrix -p Ivan --via-app contoso-portal -o json"));
    let direct = json_out(&run("matrix -p Ivan -o json"));
    assert_ne!(through["rows"][0]["cells"], direct["rows"][0]["cells"]);
}

#[test]
fn matrix_bad_input_exits_2() {
    cmd(&format!("matrix --scope {SUB_PROD}"))
        .assert()
        .code(2)
        .stderr(contains("no vault in the snapshot has the id"));
    cmd("matrix -p Zed")
        .assert()
        .code(2)
        .stderr(contains("no principal matches 'Zed'"));
}

// ---------------------------------------------------------------------------------------------------------
// escalations
// ---------------------------------------------------------------------------------------------------------

#[test]
fn escalations_text() {
    let out = run("escalations");
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    for expected in [
        "26 self-escalation paths",
        "! Carol (user) can add an access-policy entry for itself on kv-app-prod\n    through role 'Contributor' at resource group rg-app-prod",
        "! Developers and operators (group, 3 identities) can add an access-policy entry for itself on kv-app-dev",
        "ci-deployer (servicePrincipal) can assign itself a Key Vault data role on 2 vaults: kv-app-rbac, kv-private-prod",
        "Oscar (user) can switch the vault's permission model on 3 vaults under subscription Prod",
        "on kv-app-rbac [unknown]",
        "    would gain: ",
        "(including secrets/get",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let expanded = stdout(&run("escalations --expand"));
    assert!(
        expanded.contains("      - Dana (user) 11111111-0000-0000-0000-000000000004"),
        "{expanded}"
    );
    let md = stdout(&run("escalations -o markdown --expand"));
    assert!(md.starts_with("| holder | identities | grant |"), "{md}");
    assert!(md.contains("| Carol (user) | 1 identity: Carol | Contributor at resource group rg-app-prod | accessPolicySelfGrant |"), "{md}");
}

#[test]
fn escalations_json() {
    let out = run("escalations -o json");
    assert_eq!(code(&out), 0);
    let v = json_out(&out);
    assert_eq!(v["findings"], 26);
    // One entry per grant, under the scope of its role assignment, with the techniques it opens.
    let grants = |v: &Value| -> Vec<(String, Value)> {
        v["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| {
                let scope = s["scope"].as_str().unwrap().to_string();
                s["grants"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(move |g| (scope.clone(), g.clone()))
            })
            .collect()
    };
    let all = grants(&v);
    assert_eq!(v["grants"], all.len());
    let (carol_scope, carol) = all
        .iter()
        .find(|(_, g)| g["holder"]["id"] == CAROL && g["role"] == "Contributor")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert!(KV_PROD.starts_with(carol_scope.as_str()), "{carol_scope}");
    // A plain technique is its vault count: allowed, every identity of the holder, everything it can gain.
    assert_eq!(carol["techniques"]["accessPolicySelfGrant"], 1);
    assert!(carol["holder"].get("identities").is_none(), "{carol}");
    let (_, developers) = all
        .iter()
        .find(|(_, g)| {
            g["holder"]["displayName"] == "Developers and operators" && g["role"] == "Contributor"
        })
        .unwrap();
    assert_eq!(developers["holder"]["identities"], 3);
    // Some members can already use certificates and storage: only those are not gained by everyone.
    assert_eq!(
        developers["techniques"]["accessPolicySelfGrant"]["gains"],
        json!({"certificates": "all", "storage": "all"})
    );
    assert_eq!(developers["findings"], 3);
    assert!(all.iter().any(|(_, g)| g["holder"]["id"] == CI_DEPLOYER
        && g["techniques"]["roleAssignmentSelfGrant"] == 2));
    let sum: u64 = all
        .iter()
        .map(|(_, g)| g["findings"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, 26);
    for (_, g) in &all {
        if let Some(t) = g["techniques"].get("templateDeployment")
            && let Some(gains) = t.get("gains")
        {
            assert_eq!(gains, &json!({"secrets": ["get"]}), "{g:#}");
        }
    }
    // --expand names each technique's vaults and identities, and the grant's assignment id.
    let v = json_out(&run("escalations -o json --expand"));
    let all = grants(&v);
    let (_, developers) = all
        .iter()
        .find(|(_, g)| {
            g["holder"]["displayName"] == "Developers and operators" && g["role"] == "Contributor"
        })
        .unwrap();
    let technique = &developers["techniques"]["accessPolicySelfGrant"];
    let names: Vec<&str> = technique["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Dana", "Erin", "Hank"]);
    assert_eq!(technique["vaultIds"].as_array().unwrap().len(), 1);
    assert!(
        developers["assignment"]
            .as_str()
            .unwrap()
            .contains("/roleAssignments/")
    );
    let lines = stdout(&run("escalations -o jsonl"));
    let rows: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 26);
    let carol = rows
        .iter()
        .find(|f| {
            f["principal"]["id"] == CAROL
                && f["vaultId"] == KV_PROD
                && f["technique"] == "accessPolicySelfGrant"
        })
        .unwrap();
    assert!(
        carol["lacks"]
            .as_array()
            .unwrap()
            .contains(&json!("secrets/get"))
    );
}

#[test]
fn escalations_scope_filter_and_bad_input() {
    let v = json_out(&run(&format!("escalations --scope {SUB_DEV} -o json")));
    let scopes = v["scopes"].as_array().unwrap();
    assert!(!scopes.is_empty());
    assert_eq!(v["vaultsExamined"], 1);
    for s in scopes {
        assert_eq!(s["vaults"], 1, "one vault under the subscription: {v:#}");
    }
    let v = json_out(&run(&format!(
        "escalations --scope {SUB_DEV} -o json --expand"
    )));
    for g in v["scopes"][0]["grants"].as_array().unwrap() {
        for (_, t) in g["techniques"].as_object().unwrap() {
            assert_eq!(t["vaultIds"], json!([KV_DEV]), "{v:#}");
        }
    }
    cmd("escalations --scope nope")
        .assert()
        .code(2)
        .stderr(contains("no vault in the snapshot is named 'nope'"));
    cmd("escalations -o csv")
        .assert()
        .code(2)
        .stderr(contains("possible values: text, json, markdown, jsonl"));
}

// ---------------------------------------------------------------------------------------------------------
// validate, demo, actions, synth
// ---------------------------------------------------------------------------------------------------------

#[test]
fn validate_accepts_the_demo_tenant_text_and_json() {
    let demo = demo_path();
    cmd(&format!("validate {}", demo.display()))
        .assert()
        .code(0)
        .stdout(contains(
            "valid snapshot (4 vaults, 19 principals, 19 role assignments, 1 deny assignments)",
        ))
        .stdout(contains("warning").not())
        .stderr(is_empty());
    let v = json_out(&run(&format!("validate {} -o json", demo.display())));
    assert_eq!(v["valid"], true);
    assert_eq!(v["warnings"], json!([]));
    let counts = &v["counts"];
    assert_eq!(counts["vaults"], 4);
    assert_eq!(counts["principals"], 19);
    assert_eq!(counts["roleAssignments"], 19);
    assert_eq!(counts["denyAssignments"], 1);
    assert_eq!(counts["collectionErrors"], 1);
}

#[test]
fn validate_reports_warnings_but_accepts_azure_quirks() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = small_snapshot();
    s["vaults"][0]["properties"]["networkAcls"] = json!({
        "defaultAction": "Deny",
        "bypass": "AzureServices",
        "ipRules": [{ "value": "124.56.78.91/32" }, { "value": "'10.91.4.0/24'" }],
        "virtualNetworkRules": [{ "id": "" }]
    });
    let file = write_json(dir.path(), "quirks.json", &s);
    let f = file.display();
    cmd(&format!("validate {f}"))
        .assert()
        .code(0)
        .stdout(contains(format!("{f}: valid snapshot (1 vaults, 1 principals")))
        .stdout(contains(
            "  warning: vaults[0].properties.networkAcls.ipRules[1].value: ''10.91.4.0/24'' is not an IPv4 address",
        ))
        .stdout(contains("  warning: vaults[0].properties.networkAcls.virtualNetworkRules[0].id: empty subnet id"));
    let v = json_out(&run(&format!("validate {f} --output json")));
    assert_eq!(v["valid"], true);
    let warnings = v["warnings"].as_array().unwrap();
    let paths: Vec<&str> = warnings
        .iter()
        .map(|w| w["path"].as_str().unwrap())
        .collect();
    let acls = "vaults[0].properties.networkAcls";
    assert_eq!(
        paths,
        [
            format!("{acls}.ipRules[1].value"),
            format!("{acls}.virtualNetworkRules[0].id")
        ]
    );
    // The quoted rule admits nothing; the good one still admits its address.
    let (rc, _) = check_json(&format!(
        "-s {f} -p Sam --scope {SMALL_VAULT} -a secrets/get --from-ip 124.56.78.91"
    ));
    assert_eq!(rc, 0);
    let (rc, _) = check_json(&format!(
        "-s {f} -p Sam --scope {SMALL_VAULT} -a secrets/get --from-ip 10.91.4.7"
    ));
    assert_eq!(rc, 1);
}

#[test]
fn validate_invalid_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = small_snapshot();
    s["vaults"][0]["properties"]["enableRbacAuthorization"] = json!("yes");
    s["principals"][0]["displayName"] = json!(42);
    let file = write_json(dir.path(), "broken.json", &s);
    let f = file.display();
    cmd(&format!("validate {f}"))
        .assert()
        .code(2)
        .stdout(is_empty())
        .stderr(contains(format!("error: {f}: 2 problem(s):\n")))
        .stderr(contains("\n  vaults[0].properties.enableRbacAuthorization: expected true or false, found a string\n"))
        .stderr(contains("\n  principals[0].displayName: expected a string, found a number"));
    let out = run(&format!("validate {f} -o json"));
    assert_eq!(code(&out), 2);
    let v = json_out(&out);
    assert_eq!(v["valid"], false);
    assert_eq!(v["file"], file.to_str().unwrap());
    let expected = json!([
        { "path": "vaults[0].properties.enableRbacAuthorization", "message": "expected true or false, found a string" },
        { "path": "principals[0].displayName", "message": "expected a string, found a number" }
    ]);
    assert_eq!(v["problems"], expected);
}

#[test]
fn demo_prints_the_embedded_snapshot() {
    let out = run("demo");
    assert_eq!(code(&out), 0);
    let embedded: Value =
        serde_json::from_str(include_str!("../../assets/demo-tenant.json")).unwrap();
    assert_eq!(json_out(&out), embedded);
    assert_eq!(out.stdout, include_bytes!("../../assets/demo-tenant.json"));

    // What `demo` prints is a snapshot every command accepts, by flag or by environment variable.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("contoso.json");
    fs::write(&file, &out.stdout).unwrap();
    let f = file.display();
    cmd(&format!("validate {f}")).assert().code(0);
    let (rc, v) = check_json(&format!(
        "--snapshot {f} -p Gina --scope {KV_RBAC} -a secrets/get"
    ));
    assert_eq!((rc, v["decision"].clone()), (3, json!("conditional")));
    cmd(&format!("check -p Carol --scope {KV_PROD} -a secrets/get"))
        .env("KVACCESS_SNAPSHOT", &file)
        .assert()
        .code(1);
}

#[test]
fn snapshot_from_the_environment_variable_replaces_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_json(dir.path(), "small.json", &small_snapshot());
    cmd(&format!(
        "check -p sam@contoso.com --scope {SMALL_VAULT} -a secrets/get"
    ))
    .env("KVACCESS_SNAPSHOT", &file)
    .assert()
    .code(0);
    cmd(&format!("check -p Bob --scope {KV_PROD} -a secrets/get"))
        .env("KVACCESS_SNAPSHOT", &file)
        .assert()
        .code(2)
        .stderr(contains("no principal matches 'Bob'"));
}

#[test]
fn actions_text_json_csv() {
    let text = stdout(&run("actions"));
    assert!(text.starts_with("data plane\n"), "{text}");
    assert!(text.contains("\nmanagement plane\n"));
    let line = |op: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(&format!("{op} ")))
            .unwrap()
    };
    assert!(line("secrets/get").ends_with(GET_SECRET));
    assert!(
        line("secrets/set").contains(" + "),
        "secrets/set needs two actions"
    );
    assert!(
        line("vaults/accessPolicies/write")
            .ends_with("Microsoft.KeyVault/vaults/accessPolicies/write")
    );

    let v = json_out(&run("actions -o json"));
    let ops = v.as_array().unwrap();
    let op = |name: &str| ops.iter().find(|o| o["name"] == name).unwrap();
    assert_eq!(op("secrets/get")["plane"], "data");
    assert_eq!(op("secrets/get")["group"], "secrets/get");
    assert_eq!(op("secrets/get")["actions"], json!([GET_SECRET]));
    assert_eq!(
        op("secrets/get")["accessPolicy"],
        json!({ "list": "secrets", "permission": "get" })
    );
    assert_eq!(op("vaults/write")["plane"], "management");
    assert_eq!(op("vaults/write")["accessPolicy"], Value::Null);

    let rows = csv_records(&stdout(&run("actions -o csv")));
    assert_eq!(
        rows[0],
        ["name", "plane", "group", "accessPolicy", "actions"]
    );
    assert_eq!(rows.len(), ops.len() + 1, "one row per operation");
    let wrap = rows.iter().find(|r| r[0] == "keys/wrapKey").unwrap();
    assert_eq!(
        wrap[1..],
        [
            "data",
            "keys/use",
            "keys/wrapKey",
            "Microsoft.KeyVault/vaults/keys/wrap/action"
        ]
    );
}

const SYNTH_SMALL: &str = "synth --principals 10 --vaults 2 --role-assignments 5 --seed 7";

#[test]
fn synth_writes_a_snapshot_that_validate_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("small.json");
    let f = file.display();
    cmd(&format!("{SYNTH_SMALL} -o {f}"))
        .assert()
        .code(0)
        .stdout(is_empty())
        .stderr(contains(format!("wrote {f} (")));
    let written: Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    assert_eq!(written["kvaccessSnapshot"], 1);
    cmd(&format!("validate {f}")).assert().code(0);
    assert_eq!(
        json_out(&run(&format!("validate {f} -o json")))["valid"],
        true
    );
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left behind"
    );
    // Overwriting works too (the write is a rename over the old file).
    cmd(&format!("{SYNTH_SMALL} -o {f}")).assert().code(0);
    cmd(&format!(
        "synth --principals 1 --vaults 1 --role-assignments 1 -o {}/missing/x.json",
        dir.path().display()
    ))
    .assert()
    .code(2)
    .stderr(contains("missing"));
}

#[test]
fn synth_writes_the_requested_counts() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("small.json");
    let f = f.display();
    cmd(&format!("{SYNTH_SMALL} -o {f}"))
        .assert()
        .code(0)
        .stderr(contains("(10 principals, 2 vaults, 5 role assignments)"));
    let counts = &json_out(&run(&format!("validate {f} -o json")))["counts"];
    assert_eq!(counts["principals"], 10);
    assert_eq!(counts["vaults"], 2);
    assert_eq!(counts["roleAssignments"], 5);
    // A synthetic tenant is something to query.
    assert_eq!(code(&run(&format!("escalations -s {f} -o json"))), 0);
}

#[test]
fn synth_is_deterministic_per_seed() {
    let dir = tempfile::tempdir().unwrap();
    let make = |name: &str, seed: u32| -> Vec<u8> {
        let file = dir.path().join(name);
        let line = format!("synth --principals 50 --vaults 5 --role-assignments 80 --seed {seed}");
        cmd(&format!("{line} -o {}", file.display()))
            .assert()
            .code(0);
        fs::read(&file).unwrap()
    };
    let a = make("a.json", 7);
    assert_eq!(a, make("b.json", 7), "same seed, same bytes");
    assert_ne!(a, make("c.json", 8), "another seed, another tenant");
}

// ---------------------------------------------------------------------------------------------------------
// Bad input: exit 2, with the file and the JSON path named
// ---------------------------------------------------------------------------------------------------------

/// Every command that reads a snapshot, on `file`.
fn snapshot_commands(file: &Path) -> Vec<String> {
    let f = file.display();
    vec![
        format!("validate {f}"),
        format!("validate {f} -o json"),
        format!("check -s {f} -p Bob --scope {KV_PROD} -a secrets/get"),
        format!("who-can -s {f} --scope {KV_PROD} -a secrets/get -o json"),
        format!("matrix -s {f} --scope {KV_PROD} -o csv"),
        format!("escalations -s {f}"),
    ]
}

/// Every snapshot command fails on `file` with exit 2, nothing on stdout unless it is `validate -o json`,
/// and a message that starts with the file name and contains each of `expected`.
fn assert_bad_snapshot(file: &Path, expected: &[&str]) {
    for line in snapshot_commands(file) {
        let out = run(&line);
        assert_eq!(code(&out), 2, "{line}: {}", stderr(&out));
        let json_report =
            line.starts_with("validate") && line.ends_with("json") && !out.stdout.is_empty();
        let message = if json_report {
            let v = json_out(&out);
            assert_eq!(v["valid"], false);
            assert_eq!(v["file"], file.to_str().unwrap());
            // The same report as the text one, rebuilt from the JSON.
            let problems = v["problems"].as_array().unwrap();
            let lines: Vec<String> = problems
                .iter()
                .map(|p| {
                    format!(
                        "  {}: {}",
                        p["path"].as_str().unwrap(),
                        p["message"].as_str().unwrap()
                    )
                })
                .collect();
            format!(
                "{}: {} problem(s):\n{}",
                file.display(),
                problems.len(),
                lines.join("\n")
            )
        } else {
            assert!(out.stdout.is_empty(), "{line} printed to stdout");
            stderr(&out).trim_start_matches("error: ").to_string()
        };
        assert!(
            message.starts_with(&file.display().to_string()),
            "{line}: {message}"
        );
        for e in expected {
            assert!(message.contains(e), "{line}: {e:?} missing in {message}");
        }
    }
}

#[test]
fn bad_input_wrong_snapshot_version() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = small_snapshot();
    s["kvaccessSnapshot"] = json!(2);
    let file = write_json(dir.path(), "v2.json", &s);
    assert_bad_snapshot(
        &file,
        &["kvaccessSnapshot: unsupported version 2 (this kvaccess reads version 1)"],
    );
    s["kvaccessSnapshot"] = json!("1");
    let file = write_json(dir.path(), "v-string.json", &s);
    assert_bad_snapshot(
        &file,
        &["kvaccessSnapshot: expected the number 1, found a string"],
    );
}

#[test]
fn bad_input_missing_snapshot_version() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = small_snapshot();
    s.as_object_mut().unwrap().remove("kvaccessSnapshot");
    let file = write_json(dir.path(), "noversion.json", &s);
    assert_bad_snapshot(
        &file,
        &["kvaccessSnapshot: missing: a kvaccess snapshot starts with"],
    );
}

#[test]
fn bad_input_a_document_that_is_not_an_object() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, found) in [
        ("array.json", "[1]", "an array"),
        ("null.json", "null", "null"),
        ("one.json", "1", "a number"),
    ] {
        let file = write_text(dir.path(), name, text);
        assert_bad_snapshot(
            &file,
            &["(top level): expected an object", &format!("found {found}")],
        );
    }
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "\u{feff}{}",
        serde_json::to_string(&small_snapshot()).unwrap()
    );
    let file = write_text(dir.path(), "bom.json", &text);
    cmd(&format!("validate {}", file.display()))
        .assert()
        .code(0);
}

#[test]
fn bad_input_truncated_json_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let demo = include_str!("../../assets/demo-tenant.json");
    let cut = (0..=4000)
        .rev()
        .find(|&i| demo.is_char_boundary(i))
        .unwrap();
    let text = &demo[..cut];
    let line = text.matches('\n').count() + 1;
    let file = write_text(dir.path(), "truncated.json", text);
    let at = format!("not valid JSON at line {line}, column ");
    for command in snapshot_commands(&file) {
        let err = stderr(&run(&command));
        assert!(
            err.starts_with(&format!("error: {}: {at}", file.display())),
            "{command}: {err}"
        );
        assert!(err.contains("the file ends early (truncated?)"), "{err}");
    }
    let file = write_text(
        dir.path(),
        "garbage.json",
        "{\"kvaccessSnapshot\": 1,\n  \"vaults\": [,]\n}",
    );
    assert_bad_snapshot(&file, &["not valid JSON at line 2, column 14"]);
}

#[test]
fn bad_input_wrong_types_are_all_reported_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = small_snapshot();
    s["vaults"][0]["properties"]["enableRbacAuthorization"] = json!("false");
    s["vaults"][0]["properties"]["accessPolicies"][0]["permissions"]["secrets"] = json!("get");
    s["roleAssignments"] = json!([{
        "id": format!("{SMALL_VAULT}/providers/Microsoft.Authorization/roleAssignments/eeeeeeee-0000-0000-0000-000000000001"),
        "properties": {
            "scope": SMALL_VAULT,
            "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6",
            "principalId": 12345
        }
    }]);
    s["denyAssignments"] = json!([{
        "id": "/subscriptions/cccccccc-0000-0000-0000-000000000001/providers/Microsoft.Authorization/denyAssignments/d1",
        "properties": { "doNotApplyToChildScopes": "no", "principals": [{ "id": SAM }] }
    }]);
    let file = write_json(dir.path(), "types.json", &s);
    assert_bad_snapshot(
        &file,
        &[
            "4 problem(s):",
            "vaults[0].properties.enableRbacAuthorization: expected true or false, found a string",
            "vaults[0].properties.accessPolicies[0].permissions.secrets: expected an array, found a string",
            "roleAssignments[0].properties.principalId: expected a string, found a number",
            "denyAssignments[0].properties.doNotApplyToChildScopes: expected true or false, found a string",
        ],
    );
}

#[test]
fn bad_input_principal_id_that_is_not_a_guid() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = small_snapshot();
    s["roleAssignments"] = json!([{
        "id": format!("{SMALL_VAULT}/providers/Microsoft.Authorization/roleAssignments/eeeeeeee-0000-0000-0000-000000000001"),
        "properties": {
            "scope": SMALL_VAULT,
            "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6",
            "principalId": "principalId1"
        }
    }]);
    let file = write_json(dir.path(), "guid.json", &s);
    assert_bad_snapshot(
        &file,
        &["roleAssignments[0].properties.principalId: not a GUID: 'principalId1'"],
    );
}

#[test]
fn bad_input_nonexistent_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("no-such-snapshot.json");
    for line in snapshot_commands(&file) {
        let out = run(&line);
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{line}");
        assert!(out.stdout.is_empty());
        assert!(
            err.starts_with(&format!("error: {}: cannot read: ", file.display())),
            "{err}"
        );
        // The operating system's reason, once (not "reason: reason").
        let reason = err.trim_end().rsplit("cannot read: ").next().unwrap();
        let parts: Vec<&str> = reason.split(": ").collect();
        let mut unique = parts.clone();
        unique.dedup();
        assert_eq!(parts, unique, "the cause is stated once: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    cmd("escalations")
        .env("KVACCESS_SNAPSHOT", &file)
        .assert()
        .code(2)
        .stderr(contains("no-such-snapshot.json: cannot read"));
}

#[test]
fn bad_input_unknown_principal() {
    cmd(&format!("check -p Zed --scope {KV_PROD} -a secrets/get"))
        .assert()
        .code(2)
        .stdout(is_empty())
        .stderr(contains(
            "no principal matches 'Zed' (give an object id, a UPN, an appId or a display name)",
        ));
    cmd(&format!(
        "check -p 99999999-0000-0000-0000-000000000000 --scope {KV_PROD} -a secrets/get"
    ))
    .assert()
    .code(2)
    .stderr(contains(
        "no principal matches '99999999-0000-0000-0000-000000000000'",
    ));
    cmd(&format!("who-can --scope {KV_PROD} -a secrets/get"))
        .env("KVACCESS_SNAPSHOT", demo_path())
        .assert()
        .code(0);
}

#[test]
fn bad_input_ambiguous_display_name_lists_the_candidates() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = small_snapshot();
    let other = "dddddddd-0000-0000-0000-000000000002";
    let group = json!({ "@odata.type": "#microsoft.graph.group", "id": other, "displayName": "Sam", "securityEnabled": true });
    s["principals"].as_array_mut().unwrap().push(group);
    let file = write_json(dir.path(), "two-sams.json", &s);
    let f = file.display();
    for line in [
        format!("check -s {f} -p Sam --scope {SMALL_VAULT} -a secrets/get"),
        format!("matrix -s {f} -p sam"),
    ] {
        cmd(&line)
            .assert()
            .code(2)
            .stdout(is_empty())
            .stderr(
                contains("'sam' matches 2 principals: ")
                    .or(contains("'Sam' matches 2 principals: ")),
            )
            .stderr(contains(format!("Sam (user {SAM})")))
            .stderr(contains(format!("Sam (group {other})")));
    }
    // The UPN or the object id still picks one.
    let (rc, v) = check_json(&format!(
        "-s {f} -p sam@contoso.com --scope {SMALL_VAULT} -a secrets/get"
    ));
    assert_eq!((rc, v["principal"]["type"].clone()), (0, json!("user")));
    let (rc, _) = check_json(&format!(
        "-s {f} -p {other} --scope {SMALL_VAULT} -a secrets/get"
    ));
    assert_eq!(rc, 1);
}

#[test]
fn bad_input_unknown_action() {
    for action in ["secrets/fly", "keys/", "foo", ""] {
        kv().args(["check", "-p", "Bob", "--scope", KV_PROD, "-a", action])
            .assert()
            .code(2)
            .stdout(is_empty())
            .stderr(contains(format!("unknown action '{action}'")))
            .stderr(contains("see `kvaccess actions`"));
    }
}

#[test]
fn bad_input_data_action_at_a_resource_group() {
    cmd(&format!("check -p Bob --scope {RG_APP_PROD} -a secrets/get"))
        .assert()
        .code(2)
        .stderr(contains(format!(
            "'secrets/get' is a data-plane operation: give a vault or a key/secret/certificate scope, not '{RG_APP_PROD}'"
        )));
    cmd(&format!("who-can --scope {SUB_PROD} -a {GET_SECRET}"))
        .assert()
        .code(2)
        .stderr(contains("is a data-plane operation"));
    cmd(&format!(
        "check -p Bob --scope {KV_RBAC}/keys/app-data-key -a secrets/get"
    ))
    .assert()
    .code(2)
    .stderr(contains("the item is of another kind"));
}

#[test]
fn bad_input_scope_that_is_not_an_arm_id() {
    for (scope, says) in [
        (
            "subscriptions/x",
            "no vault in the snapshot is named 'subscriptions/x'",
        ),
        (
            "https://kv-other.vault.azure.net/",
            "no vault in the snapshot is named",
        ),
        ("kv-app-prod/keys", "not an Azure scope: 'kv-app-prod/keys'"),
        ("", "not an Azure scope: ''"),
    ] {
        kv().args(["check", "-p", "Bob", "--scope", scope, "-a", "secrets/get"])
            .assert()
            .code(2)
            .stderr(contains(says));
    }
    cmd(&format!("who-can --scope {SUB_PROD}/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-nowhere -a secrets/get"))
        .assert()
        .code(2)
        .stderr(contains("no vault in the snapshot has the id"));
}

// ---------------------------------------------------------------------------------------------------------
// Hostile display names
// ---------------------------------------------------------------------------------------------------------

const EVIL_NAME: &str = "\u{1b}[2J\u{1b}[31mEvil\u{7}";
const EVIL_NAME_CLEANED: &str = "\u{FFFD}[2J\u{FFFD}[31mEvil\u{FFFD}";
const EVIL_USER: &str = "eeeeeeee-0000-0000-0000-000000000001";
const EVIL_GROUP: &str = "eeeeeeee-0000-0000-0000-000000000002";
const EVIL_SUB: &str = "/subscriptions/eeeeeeee-0000-0000-0000-00000000000f";
const EVIL_VAULT: &str = "/subscriptions/eeeeeeee-0000-0000-0000-00000000000f/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-evil";

/// A user, a group, a role and a subscription whose names carry terminal control sequences. The user
/// reads secrets through the group and can write the vault, so it shows up in every command.
fn evil_snapshot() -> Value {
    let role = format!(
        "{EVIL_SUB}/providers/Microsoft.Authorization/roleDefinitions/eeeeeeee-0000-0000-0000-0000000000d1"
    );
    let assignment = format!(
        "{EVIL_VAULT}/providers/Microsoft.Authorization/roleAssignments/eeeeeeee-0000-0000-0000-0000000000a1"
    );
    json!({
        "kvaccessSnapshot": 1,
        "subscriptions": [{ "id": EVIL_SUB, "displayName": "Sub\u{1b}]0;pwned\u{7}" }],
        "vaults": [{
            "id": EVIL_VAULT,
            "name": "kv-evil",
            "properties": { "accessPolicies": [{ "objectId": EVIL_GROUP, "permissions": { "secrets": ["get", "list"] } }] }
        }],
        "roleDefinitions": [{
            "id": role,
            "properties": {
                "roleName": "Vault \u{1b}[5mWriter\u{1b}[0m",
                "type": "CustomRole",
                "permissions": [{ "actions": ["Microsoft.KeyVault/vaults/write", "Microsoft.KeyVault/vaults/read"] }]
            }
        }],
        "roleAssignments": [{
            "id": assignment,
            "properties": { "scope": EVIL_VAULT, "roleDefinitionId": role, "principalId": EVIL_USER, "principalType": "User" }
        }],
        "principals": [
            { "@odata.type": "#microsoft.graph.user", "id": EVIL_USER, "displayName": EVIL_NAME, "userPrincipalName": "evil@contoso.com" },
            { "@odata.type": "#microsoft.graph.group", "id": EVIL_GROUP, "displayName": "Team\u{1b}[8m hidden\u{9b}2J\u{202e}" }
        ],
        "groupMemberships": [{ "groupId": EVIL_GROUP, "memberId": EVIL_USER }],
        "denyAssignments": []
    })
}

/// The commands that show the hostile names, in `format` where the command offers it.
fn evil_commands(file: &Path, format: &str) -> Vec<String> {
    let f = file.display();
    let all = [
        format!("check -s {f} -p evil@contoso.com --scope {EVIL_VAULT} -a secrets/get"),
        format!("check -s {f} -p {EVIL_USER} --scope {EVIL_VAULT} -a vaults/write"),
        format!("who-can -s {f} --scope {EVIL_VAULT} -a secrets/get"),
        format!("who-can -s {f} --scope {EVIL_VAULT} -a vaults/write"),
        format!("who-can -s {f} --scope {EVIL_VAULT} -a secrets/get --expand"),
        format!("matrix -s {f} --scope {EVIL_VAULT}"),
        format!("matrix -s {f} -p {EVIL_USER}"),
        format!("escalations -s {f}"),
    ];
    let offers = |line: &String| match format {
        "csv" => {
            (line.starts_with("who-can") && !line.contains("--expand"))
                || line.starts_with("matrix")
        }
        "markdown" => line.starts_with("matrix"),
        _ => true,
    };
    all.into_iter()
        .filter(offers)
        .map(|l| format!("{l} --output {format}"))
        .collect()
}

/// Every evil command but `matrix --principal`, whose rows are vaults, and grouped who-can text without
/// `--expand` (a line per grant: the holder may be a group), shows the user's name.
fn names_the_user(line: &str) -> bool {
    let vaults = line.starts_with("matrix") && line.contains(" -p ");
    let grants = line.starts_with("who-can")
        && line.ends_with("--output text")
        && !line.contains("--expand");
    !(vaults || grants)
}

fn assert_no_terminal_controls(line: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(!bytes.contains(&0x1b), "{line} printed ESC:\n{text:?}");
    assert!(!bytes.contains(&0x07), "{line} printed BEL:\n{text:?}");
    assert!(
        !text.contains('\u{9b}'),
        "{line} printed a C1 CSI:\n{text:?}"
    );
    assert!(
        !text.contains('\u{202e}'),
        "{line} printed a bidi override:\n{text:?}"
    );
}

#[test]
fn escape_sequences_in_names_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_json(dir.path(), "evil.json", &evil_snapshot());
    cmd(&format!("validate {}", file.display()))
        .assert()
        .code(0);
    for format in ["text", "csv", "markdown"] {
        for line in evil_commands(&file, format) {
            let out = run(&line);
            assert_eq!(code(&out), 0, "{line}: {}", stderr(&out));
            assert_no_terminal_controls(&line, &out.stdout);
            assert_no_terminal_controls(&line, &out.stderr);
            if names_the_user(&line) {
                // The name is there, defused, not silently dropped (markdown also escapes its brackets).
                let shown = match format {
                    "markdown" => EVIL_NAME_CLEANED.replace('[', "\\["),
                    _ => EVIL_NAME_CLEANED.to_string(),
                };
                assert!(stdout(&out).contains(&shown), "{line}:\n{}", stdout(&out));
            }
        }
    }
}

#[test]
fn escape_sequences_in_names_are_defused_even_when_colour_is_forced() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_json(dir.path(), "evil.json", &evil_snapshot());
    for line in evil_commands(&file, "text") {
        let text = stdout(&finish(cmd(&line).env("CLICOLOR_FORCE", "1")));
        // Colour codes are expected here; the names' own sequences are not.
        for bad in [
            "\u{1b}[2J",
            "\u{1b}[31mEvil",
            "\u{1b}[5mWriter",
            "\u{1b}[8m",
            "\u{1b}]0;",
            "\u{7}",
            "\u{9b}",
        ] {
            assert!(!text.contains(bad), "{line} printed {bad:?}:\n{text:?}");
        }
        if names_the_user(&line) {
            assert!(text.contains(EVIL_NAME_CLEANED), "{line}:\n{text}");
        }
    }
}

#[test]
fn escape_sequences_in_names_are_escaped_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_json(dir.path(), "evil.json", &evil_snapshot());
    for line in evil_commands(&file, "json") {
        let out = run(&line);
        assert_eq!(code(&out), 0, "{line}");
        assert_no_terminal_controls(&line, &out.stdout);
        json_out(&out);
        if names_the_user(&line) {
            // The JSON keeps the exact name, escaped: a consumer gets what Azure holds.
            let raw = stdout(&out);
            assert!(
                raw.contains(r"\u001b[2J\u001b[31mEvil\u0007"),
                "{line}:\n{raw}"
            );
        }
    }
    let line = format!(
        "-s {} -p evil@contoso.com --scope {EVIL_VAULT} -a secrets/get",
        file.display()
    );
    let (rc, v) = check_json(&line);
    assert_eq!(rc, 0);
    assert_eq!(v["principal"]["displayName"], EVIL_NAME);
    assert_eq!(v["grants"][0]["viaGroups"], json!([EVIL_GROUP]));
}

// ---------------------------------------------------------------------------------------------------------
// Colour
// ---------------------------------------------------------------------------------------------------------

fn coloured_commands() -> [String; 5] {
    [
        format!("check -p Gina --scope {KV_RBAC} -a secrets/get"),
        format!("who-can --scope {KV_RBAC} -a secrets/get"),
        format!("matrix --scope {KV_RBAC}"),
        "escalations".to_string(),
        format!("validate {}", demo_path().display()),
    ]
}

#[test]
fn output_that_is_not_a_terminal_has_no_escape_bytes() {
    for line in coloured_commands().iter().chain([&"actions".to_string()]) {
        let out = run(line);
        assert!(!out.stdout.is_empty());
        assert!(
            !out.stdout.contains(&0x1b),
            "{line} is coloured into a pipe"
        );
    }
}

#[test]
fn clicolor_force_colours_output_that_is_not_a_terminal() {
    // The control for the NO_COLOR tests: colour is really produced when it is asked for.
    for line in coloured_commands().iter().take(4) {
        let out = finish(cmd(line).env("CLICOLOR_FORCE", "1"));
        assert!(
            out.stdout.contains(&0x1b),
            "{line} is not coloured with CLICOLOR_FORCE"
        );
    }
}

#[test]
fn no_color_text_output_has_no_escape_bytes() {
    for line in coloured_commands() {
        let out = finish(cmd(&line).env("NO_COLOR", "1"));
        assert!(!out.stdout.is_empty());
        assert!(
            !out.stdout.contains(&0x1b),
            "{line} is coloured despite NO_COLOR"
        );
    }
}

#[test]
fn no_color_wins_over_clicolor_force() {
    for line in coloured_commands() {
        let out = finish(cmd(&line).env("NO_COLOR", "1").env("CLICOLOR_FORCE", "1"));
        assert!(
            !out.stdout.contains(&0x1b),
            "{line} is coloured despite NO_COLOR"
        );
    }
}

// ---------------------------------------------------------------------------------------------------------
// Real shapes: Microsoft's example responses combined into one snapshot, as a harness would
// ---------------------------------------------------------------------------------------------------------

/// `../shared/reference/azure-examples` beside this checkout (CI has it; a developer may not).
fn azure_examples() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/azure-examples");
    dir.is_dir().then_some(dir)
}

/// A list body's `value` items, or the body itself.
fn push_items(out: &mut Vec<Value>, body: &Value) {
    match body.get("value") {
        Some(Value::Array(items)) => out.extend(items.iter().cloned()),
        _ => out.push(body.clone()),
    }
}

/// The sorted files of `folder` whose names end with `ext` and start with one of `prefixes` (any if none).
fn files(dir: &Path, folder: &str, ext: &str, prefixes: &[&str]) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir.join(folder))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(ext)
                && (prefixes.is_empty() || prefixes.iter().any(|x| name.starts_with(x)))
        })
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no {folder}/{prefixes:?}*{ext} examples");
    found
}

/// The 200 and 201 response bodies of azure-rest-api-specs example files.
fn response_bodies(dir: &Path, folder: &str, prefixes: &[&str]) -> Vec<Value> {
    let mut out = Vec::new();
    for file in files(dir, folder, ".json", prefixes) {
        let text = fs::read_to_string(&file).unwrap();
        let example: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for status in ["200", "201"] {
            if let Some(body) = example["responses"][status].get("body") {
                push_items(&mut out, body);
            }
        }
    }
    out
}

/// The JSON bodies of the fenced blocks that follow `"blockType": "response"` annotations in a Graph
/// documentation page (```http blocks: status line, headers, a blank line, the body).
fn graph_response_bodies(page: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(at) = rest.find("\"blockType\": \"response\"") {
        rest = &rest[at..];
        let Some(fence) = rest.find("```") else { break };
        let Some(newline) = rest[fence..].find('\n') else {
            break;
        };
        let block = &rest[fence + newline + 1..];
        let Some(end) = block.find("```") else { break };
        if let Some(brace) = block[..end].find('{')
            && let Ok(body) = serde_json::from_str::<Value>(&block[brace..end])
        {
            push_items(&mut out, &body);
        }
        rest = &block[end + 3..];
    }
    out
}

/// The ```json blocks of the "## REST API" section of role-definitions-list.md.
fn rest_api_json_blocks(page: &str) -> Vec<Value> {
    let Some(start) = page.find("\n## REST API") else {
        return Vec::new();
    };
    let section = &page[start + 1..];
    let section = section[3..]
        .find("\n## ")
        .map_or(section, |end| &section[..end + 3]);
    let mut out = Vec::new();
    for chunk in section.split("```json").skip(1) {
        if let Some(end) = chunk.find("```")
            && let Ok(body) = serde_json::from_str::<Value>(&chunk[..end])
        {
            push_items(&mut out, &body);
        }
    }
    out
}

fn real_shapes_snapshot(dir: &Path) -> Value {
    let mut role_definitions = response_bodies(dir, "authorization", &["GetRoleDefinition"]);
    let docs_page = fs::read_to_string(dir.join("authorization/role-definitions-list.md")).unwrap();
    role_definitions.extend(rest_api_json_blocks(&docs_page));
    let mut principals = Vec::new();
    for page in files(dir, "graph", ".md", &[]) {
        principals.extend(graph_response_bodies(&fs::read_to_string(page).unwrap()));
    }
    json!({
        "kvaccessSnapshot": 1,
        "vaults": response_bodies(dir, "keyvault", &[]),
        "roleAssignments": response_bodies(dir, "authorization", &["RoleAssignments_"]),
        "roleDefinitions": role_definitions,
        "denyAssignments": response_bodies(dir, "authorization", &["GetDenyAssignment", "GetAllDenyAssignments"]),
        "roleEligibilities": response_bodies(dir, "pim", &[]),
        "managementGroups": response_bodies(dir, "managementgroups", &[]),
        "subscriptions": response_bodies(dir, "resources", &["GetSubscriptions"]),
        "resourceGroups": response_bodies(dir, "resources", &["ResourceGroups_Get", "CreateResourceGroup"]),
        "principals": principals,
    })
}

const SAMPLE_VAULT: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/sample-resource-group/providers/Microsoft.KeyVault/vaults/sample-vault";
const ZERO: &str = "00000000-0000-0000-0000-000000000000";
const EXAMPLE_ASSIGNEE: &str = "ce2ce14e-85d7-4629-bdbc-454d0519d987";

#[test]
fn real_shapes_from_microsoft_examples() {
    let Some(examples) = azure_examples() else {
        println!("skipped: ../shared/reference/azure-examples is not beside this checkout");
        return;
    };
    let snapshot = real_shapes_snapshot(&examples);
    let section = |k: &str| snapshot[k].as_array().unwrap();
    assert!(
        section("roleDefinitions")
            .iter()
            .any(|d| d["properties"]["roleName"] == "Reader"),
        "the REST API blocks of role-definitions-list.md were read"
    );
    assert!(
        section("principals").len() >= 10,
        "the Graph response blocks were read"
    );
    let tmp = tempfile::tempdir().unwrap();
    let file = write_json(tmp.path(), "real-shapes.json", &snapshot);
    let f = file.display().to_string();

    // It loads; Azure's quirks are warnings.
    let out = run(&format!("validate {f}"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("  warning: "));
    let report = json_out(&run(&format!("validate {f} -o json")));
    assert_eq!(report["valid"], true);
    let warnings: Vec<String> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            format!(
                "{}: {}",
                w["path"].as_str().unwrap(),
                w["message"].as_str().unwrap()
            )
        })
        .collect();
    for quirk in [
        "ipRules[1].value: ''10.91.4.0/24'' is not an IPv4 address or CIDR range",
        "virtualNetworkRules[0].id: empty subnet id",
        "principals[0].id: 'principalId1' is not a GUID",
        "principals[1].id: id 84b80893-8749-40a3-97b7-68513b600544 already used by principals[0]",
        ".id: directory object without an id; skipped",
        "vaults[1].id: vault already listed at vaults[0]",
    ] {
        assert!(
            warnings.iter().any(|w| w.contains(quirk)),
            "no warning {quirk:?} in {warnings:#?}"
        );
    }
    let counts = &report["counts"];
    assert_eq!(
        counts["vaults"], 2,
        "sample-vault in two resource groups: {counts}"
    );
    assert_eq!(
        counts["roleAssignments"], 3,
        "three distinct assignment ids: {counts}"
    );
    assert_eq!(counts["roleEligibilities"], 2);
    assert_eq!(
        counts["managementGroups"], 3,
        "the group and its two child groups"
    );

    // The sample vault's access policy names object 00000000-…, which the directory data lacks.
    let (rc, v) = check_json(&format!(
        "-s {f} -p {ZERO} --scope {SAMPLE_VAULT} -a secrets/get"
    ));
    assert_eq!(
        rc, 4,
        "a principal missing from the directory data is unknown, not allowed: {v:#}"
    );
    assert_eq!(v["permissionModel"], "accessPolicy");
    let grant = &v["grants"][0];
    assert_eq!(grant["kind"], "accessPolicy");
    assert_eq!(grant["principalId"], ZERO);
    assert_eq!(grant["matched"], json!(["secrets/get"]));
    assert!(
        v["unknownBecause"][0]
            .as_str()
            .unwrap()
            .contains("not in the directory data"),
        "{v:#}"
    );
    let (_, v) = check_json(&format!(
        "-s {f} -p {ZERO} --scope {SAMPLE_VAULT} -a certificates/managecontacts"
    ));
    assert_eq!(
        v["grants"][0]["matched"],
        json!(["certificates/managecontacts"])
    );

    // Every command, on every vault, for every principal, answers with a documented exit code.
    let mut vaults: Vec<&str> = section("vaults")
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    vaults.sort_unstable();
    vaults.dedup();
    let mut principals: Vec<&str> = section("principals")
        .iter()
        .filter_map(|x| x["id"].as_str())
        .collect();
    principals.extend([ZERO, EXAMPLE_ASSIGNEE]);
    principals.sort_unstable();
    principals.dedup();
    let actions = [
        "secrets/get",
        "keys/wrapKey",
        "certificates/list",
        "vaults/write",
        "roleAssignments/write",
    ];
    for vault in &vaults {
        for principal in &principals {
            for action in actions {
                let out = run(&format!(
                    "check -s {f} -p {principal} --scope {vault} -a {action} -o json"
                ));
                assert_ne!(
                    code(&out),
                    2,
                    "{principal} {action} on {vault}: {}",
                    stderr(&out)
                );
                json_out(&out);
            }
            let out = run(&format!(
                "check -s {f} -p {principal} --scope {vault} -a secrets/get --from-ip 124.56.78.91"
            ));
            assert_ne!(code(&out), 2, "{}", stderr(&out));
        }
        for format in ["text", "json", "csv"] {
            for action in ["secrets/get", "vaults/write"] {
                let out = run(&format!(
                    "who-can -s {f} --scope {vault} -a {action} -o {format}"
                ));
                assert_eq!(code(&out), 0, "{}", stderr(&out));
            }
        }
        for format in ["text", "json", "csv", "markdown"] {
            let out = run(&format!("matrix -s {f} --scope {vault} -o {format}"));
            assert_eq!(code(&out), 0, "{}", stderr(&out));
        }
    }
    for principal in &principals {
        let out = run(&format!("matrix -s {f} -p {principal} -o json"));
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(
            json_out(&out)["rows"].as_array().unwrap().len(),
            vaults.len(),
            "one row per vault"
        );
    }
    for format in ["text", "json"] {
        assert_eq!(code(&run(&format!("escalations -s {f} -o {format}"))), 0);
    }
    // Management questions at the scopes the examples use, from a resource up to the root.
    for scope in [
        "/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2/resourceGroups/testrg/providers/Microsoft.DocumentDb/databaseAccounts/test-db-account",
        "/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2/resourceGroups/testrg",
        "/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2",
        "/providers/Microsoft.Management/managementGroups/20000000-0001-0000-0000-000000000000",
        "/",
    ] {
        let read = "Microsoft.Resources/subscriptions/resourceGroups/read";
        let out = run(&format!(
            "check -s {f} -p {EXAMPLE_ASSIGNEE} --scope {scope} -a {read} -o json"
        ));
        assert_ne!(code(&out), 2, "{scope}: {}", stderr(&out));
        let out = run(&format!(
            "who-can -s {f} --scope {scope} -a roleAssignments/write -o json"
        ));
        assert_eq!(code(&out), 0, "{scope}: {}", stderr(&out));
        let out = run(&format!("escalations -s {f} --scope {scope}"));
        assert_eq!(code(&out), 0, "{scope}: {}", stderr(&out));
    }
}

#[test]
fn scopes_can_be_given_as_vault_names_urls_and_item_paths() {
    let (rc, by_name) = check_json("-p bob@contoso.com --scope KV-APP-PROD -a secrets/get");
    assert_eq!(rc, 0);
    assert_eq!(by_name["scope"], KV_PROD);
    let url = "https://kv-app-rbac.vault.azure.net/secrets/db-password/0f0e0d0c";
    let (rc, by_url) = check_json(&format!("-p {ALICE} --scope {url} -a secrets/get"));
    assert_eq!(rc, 0);
    assert_eq!(by_url["scope"], format!("{KV_RBAC}/secrets/db-password"));
    let (_, by_path) = check_json(&format!(
        "-p {ALICE} --scope kv-app-rbac/secrets/db-password -a secrets/get"
    ));
    assert_eq!(by_path["scope"], by_url["scope"]);
    let out = run("who-can --scope kv-app-dev -a secrets/list -o json");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(json_out(&out)["scope"], KV_DEV);
    cmd("check -p alice --scope kv-nowhere -a secrets/get")
        .assert()
        .code(2)
        .stderr(contains("no vault in the snapshot is named 'kv-nowhere'"));
    cmd("matrix --scope kv-app-prod/blobs/x")
        .assert()
        .code(2)
        .stderr(contains("not an Azure scope"));
}

/// Erin holds `Key Vault Secrets User` on one secret only: denied on the vault, and the answer says where she
/// can read, with the grant made there; the exit code stays the vault's.
#[test]
fn check_at_a_vault_names_the_items_granted_there_without_changing_the_exit_code() {
    let out = run(&format!("check -p Erin --scope {KV_RBAC} -a secrets/get"));
    assert_eq!(code(&out), 1, "still denied on the vault");
    let text = stdout(&out);
    assert!(
        text.contains(
            "on items  1 item of the vault, through grants made there:\n        allowed secret \
             storage-account-key in vault kv-app-rbac\n          + role 'Key Vault Secrets User' at secret \
             storage-account-key"
        ),
        "{text}"
    );
    let (rc, v) = check_json(&format!("-p Erin --scope {KV_RBAC} -a secrets/get"));
    assert_eq!(rc, 1);
    let items = v["onItems"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{v:#}");
    assert!(
        items[0]["item"]
            .as_str()
            .unwrap()
            .ends_with("/secrets/storage-account-key")
    );
    assert_eq!(items[0]["decision"], "allowed");
    assert_eq!(items[0]["grants"][0]["roleName"], "Key Vault Secrets User");
    // Nothing to add where the vault answer is already "allowed", nor for an operation no item grant gives.
    let (rc, v) = check_json(&format!("-p Bob --scope {KV_RBAC} -a secrets/get"));
    assert_eq!(
        (rc, v["onItems"].as_array().unwrap().len()),
        (0, 0),
        "{v:#}"
    );
    let (_, v) = check_json(&format!("-p Erin --scope {KV_RBAC} -a secrets/set"));
    assert_eq!(v["onItems"], serde_json::json!([]), "{v:#}");
}

#[test]
fn check_reports_self_grant_paths_without_changing_the_exit_code() {
    let out = run(&format!("check -p Carol --scope {KV_PROD} -a secrets/get"));
    assert_eq!(code(&out), 1, "still denied");
    let text = stdout(&out);
    assert!(
        text.contains("⇑ can grant  can add an access-policy entry for itself\n        through role 'Contributor' at resource group rg-app-prod (Microsoft.KeyVault/vaults/accessPolicies/write (or vaults/write); assignment 44444444-0000-0000-0000-000000000003)"),
        "{text}"
    );
    let (rc, v) = check_json(&format!("-p Carol --scope {KV_PROD} -a secrets/get"));
    assert_eq!(rc, 1);
    let techniques: Vec<&str> = v["selfGrants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["technique"].as_str().unwrap())
        .collect();
    assert_eq!(techniques, ["accessPolicySelfGrant", "templateDeployment"]);
    assert_eq!(v["selfGrants"][0]["roleName"], "Contributor");
    assert!(
        v["selfGrants"][0]["lacks"]
            .as_array()
            .unwrap()
            .contains(&json!("secrets/get"))
    );
    // Allowed: nothing to grant oneself. A management action: no data to gain.
    let (rc, v) = check_json(&format!(
        "-p bob@contoso.com --scope {KV_PROD} -a secrets/get"
    ));
    assert_eq!((rc, v["selfGrants"].clone()), (0, json!([])));
    let (_, v) = check_json(&format!("-p Carol --scope {KV_PROD} -a vaults/write"));
    assert_eq!(v["selfGrants"], json!([]));
    // Template deployments read secrets only: a key operation has one path, not two.
    let (_, v) = check_json(&format!("-p Carol --scope {KV_PROD} -a keys/decrypt"));
    assert_eq!(v["selfGrants"].as_array().unwrap().len(), 1);
}

#[test]
fn who_can_lists_eligible_identities_and_can_grant_rows_and_takes_the_caller_location() {
    let text = stdout(&run(&format!("who-can --scope {KV_RBAC} -a secrets/get")));
    let eligible = text
        .split("eligible (PIM: could after activating, not allowed now):")
        .nth(1)
        .unwrap_or_else(|| panic!("no eligible section in\n{text}"));
    assert!(eligible.contains("Pat"), "{text}");
    // Grouped by the assignment made at the item, which names its holder and role.
    assert!(
        text.contains(
            "on some items only (grants at the items):\n  allowed           1  through Erin (user): \
             role 'Key Vault Secrets User' at secret storage-account-key in vault kv-app-rbac (assignment "
        ),
        "{text}"
    );
    let v = json_out(&run(&format!(
        "who-can --scope {KV_RBAC} -a secrets/get -o json"
    )));
    let pat = &v["eligible"][0];
    assert_eq!(pat["displayName"], "Pat");
    assert_eq!(pat["decision"], "denied");
    assert!(
        v["principals"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["displayName"] != "Pat")
    );
    let csv = stdout(&run(&format!(
        "who-can --scope {KV_RBAC} -a secrets/get -o csv"
    )));
    assert!(
        csv.lines().any(|l| l.contains(",Pat,user,eligible,")),
        "{csv}"
    );
    assert!(
        csv.lines().any(|l| l
            .contains(",ci-deployer,servicePrincipal,canGrantThemselves:roleAssignmentSelfGrant,")),
        "{csv}"
    );
    // The caller's location is applied as check applies it: outside the firewall nobody can.
    let allowed = |line: &str| {
        json_out(&run(line))["principals"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["decision"] == "allowed")
            .count()
    };
    let base = format!("who-can --scope {KV_PROD} -a secrets/get -o json");
    assert!(allowed(&base) > 0);
    assert_eq!(allowed(&format!("{base} --from-ip 8.8.8.8")), 0);
    assert_eq!(
        allowed(&format!("{base} --from-ip 203.0.113.20")),
        allowed(&base)
    );
    let (rc, _) = check_json(&format!(
        "-p bob@contoso.com --scope {KV_PROD} -a secrets/get --from-ip 8.8.8.8"
    ));
    assert_eq!(rc, 1, "check agrees: denied by the firewall");
}

/// A principal missing from the directory has self-grant findings only because its memberships are
/// unknown: every command says "unknown" and why, never "through" nothing.
#[test]
fn a_self_grant_with_no_grant_known_says_unknown_and_why() {
    const MISSING: &str = "11111111-0000-0000-0000-000000000099";
    let check = stdout(&run(&format!(
        "check -p {MISSING} --scope {KV_RBAC} -a secrets/get"
    )));
    let who = stdout(&run(&format!(
        "who-can --scope {KV_RBAC} --action secrets/get"
    )));
    let esc = stdout(&run(&format!("escalations --scope {KV_RBAC}")));
    for text in [&check, &who, &esc] {
        assert!(
            text.contains("unknown whether it can assign itself a Key Vault data role"),
            "{text}"
        );
        assert!(
            text.contains(
                "no role assignment known to give it Microsoft.Authorization/roleAssignments/write"
            ),
            "{text}"
        );
        assert!(
            !text.contains("(assignment /)") && !text.contains("through a role (assignment"),
            "{text}"
        );
        for line in text.lines() {
            assert!(!line.trim_end().ends_with("through"), "{line:?}");
        }
    }
    assert!(check.contains("⇑ may grant"), "{check}");
    assert!(
        check.contains(&format!(
            "listed only because the group memberships of {MISSING} are not in the snapshot"
        )),
        "{check}"
    );
}

#[test]
fn reach_lists_what_a_principal_can_reach() {
    let text = stdout(&run("reach -p Erin"));
    assert!(
        text.starts_with("Erin (user 11111111-0000-0000-0000-000000000005) reaches 3 of 4 vaults"),
        "{text}"
    );
    assert!(
        text.contains("item  storage-account-key: secrets/get, secrets/list"),
        "{text}"
    );
    assert!(
        text.contains(
            "⇑ can grant can add an access-policy entry for itself — through role 'Contributor'"
        ),
        "{text}"
    );
    let v = json_out(&run("reach -p Pat -o json"));
    assert_eq!(v["vaults"][0]["name"], "kv-app-rbac");
    assert!(
        v["vaults"][0]["eligible"][0]
            .as_str()
            .unwrap()
            .contains("Key Vault Administrator")
    );
    assert!(
        v["vaults"][0].get("groups").is_none(),
        "eligible, not allowed: {v:#}"
    );
    let v = json_out(&run("reach -p Gina -o json"));
    assert_eq!(v["vaults"][0]["groups"][0]["summary"], "cond");
    let v = json_out(&run(&format!("reach -p Erin --scope {SUB_DEV} -o json")));
    assert_eq!(v["vaultsExamined"], 1);
    cmd("reach -p Erin -o csv").assert().code(2);
}

#[test]
fn matrix_for_a_principal_shows_operations_held_only_on_items() {
    // Erin reads one secret of kv-app-rbac through a grant at the secret: not "-" but "1 item", everywhere.
    let text = stdout(&run("matrix -p Erin"));
    let line = text.lines().find(|l| l.starts_with("kv-app-rbac")).unwrap();
    assert!(line.contains("1 item"), "{text}");
    let md = stdout(&run("matrix -p Erin -o markdown"));
    assert!(
        md.contains("| kv-app-rbac | - | - | - | - | - | 1 item |"),
        "{md}"
    );
    let rows = csv_records(&stdout(&run("matrix -p Erin -o csv")));
    let header = &rows[0];
    let get = header.iter().position(|h| h == "secrets/get").unwrap();
    let rbac = rows.iter().find(|r| r[1] == "kv-app-rbac").unwrap();
    assert_eq!(rbac[get], "onItems:1");
    let prod = rows.iter().find(|r| r[1] == "kv-app-prod").unwrap();
    assert_eq!(prod[get], "denied");
    let v = json_out(&run("matrix -p Erin -o json"));
    let row = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"] == "kv-app-rbac")
        .unwrap();
    let cell = row["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["group"] == "secrets/get")
        .unwrap();
    assert_eq!(cell["onItems"]["items"], 1, "{cell:#}");
    assert_eq!(cell["onItems"]["operations"][0][0], "secrets/get");
}

/// Gina holds Key Vault Secrets User at kv-app-rbac under the condition KV-ABAC documents:
/// `!(ActionMatches{'…/secrets/getSecret/action'}) OR @Resource[…/secrets:name] StringStartsWith 'app-'`.
#[test]
fn a_condition_on_the_secret_name_is_decided_when_the_request_names_the_secret() {
    let (rc, v) = check_json("-p Gina --scope kv-app-rbac/secrets/app-db-password -a secrets/get");
    assert_eq!((rc, v["decision"].as_str()), (0, Some("allowed")), "{v:#}");
    assert!(
        v["notes"]
            .to_string()
            .contains("on the secret's name holds for 'app-db-password'")
    );
    let (rc, v) =
        check_json("-p Gina --scope kv-app-rbac/secrets/storage-account-key -a secrets/get");
    assert_eq!((rc, v["decision"].as_str()), (1, Some("denied")), "{v:#}");
    assert!(
        v["notes"].to_string().contains(
            "does not apply: its condition on the secret's name excludes 'storage-account-key'"
        ),
        "{v:#}"
    );
    // Operations the condition does not name stay granted (readMetadata is not guarded).
    let (rc, _) =
        check_json("-p Gina --scope kv-app-rbac/secrets/storage-account-key -a secrets/list");
    assert_eq!(rc, 0);
    // At the vault no secret is named: conditional, saying on which items it holds.
    let (rc, v) = check_json(&format!("-p Gina --scope {KV_RBAC} -a secrets/get"));
    assert_eq!(rc, 3);
    assert!(
        v["notes"].to_string().contains(
            "it holds on secrets whose name starts with 'app-' (ask about one to decide)"
        ),
        "{v:#}"
    );
    // The string operators are case-sensitive, but a request may spell the name in another case: a name
    // that fails only by case stays conditional.
    let (rc, _) = check_json("-p Gina --scope kv-app-rbac/secrets/APP-db-password -a secrets/get");
    assert_eq!(rc, 3);
    // who-can at a secret answers the same way.
    let v = json_out(&run(
        "who-can --scope kv-app-rbac/secrets/app-db-password -a secrets/get -o json",
    ));
    let gina: Vec<&Value> = v["principals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["id"] == GINA)
        .collect();
    assert_eq!(gina[0]["decision"], "allowed", "{v:#}");
    let v = json_out(&run(
        "who-can --scope kv-app-rbac/secrets/storage-account-key -a secrets/get -o json",
    ));
    assert!(!v["principals"].to_string().contains(GINA), "{v:#}");
}

#[test]
fn who_can_grouped_expanded_and_streamed() {
    // Alice and Bob read kv-app-rbac through one grant: Key Vault Administrator of the group Security team.
    let v = json_out(&run(&format!(
        "who-can --scope {KV_RBAC} -a secrets/get --grouped -o json"
    )));
    let team = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["roleName"] == "Key Vault Administrator")
        .unwrap();
    assert_eq!(team["holder"]["displayName"], "Security team", "{team:#}");
    assert_eq!(team["identities"], 2);
    assert_eq!(team["decides"], "roleAssignment");
    assert!(team.get("members").is_none(), "members only with --expand");
    assert_eq!(v["eligible"][0]["decides"], "eligibility");
    assert_eq!(v["onItems"][0]["decides"], "itemAssignment");
    let v = json_out(&run(&format!(
        "who-can --scope {KV_RBAC} -a secrets/get --expand -o json"
    )));
    let flat = json_out(&run(&format!(
        "who-can --scope {KV_RBAC} -a secrets/get -o json"
    )));
    assert_eq!(
        v["identities"],
        flat["principals"].as_array().unwrap().len()
    );
    let team = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["roleName"] == "Key Vault Administrator")
        .unwrap();
    let names: Vec<&str> = team["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Alice", "Bob"]);
    let text = stdout(&run(&format!(
        "who-can --scope {KV_RBAC} -a secrets/get --expand"
    )));
    assert!(
        text.contains(
            "through Security team (group, 2 identities): role 'Key Vault Administrator'"
        ),
        "{text}"
    );
    assert!(text.contains("Bob  user  via Security on-call"), "{text}");
    // jsonl: one line per identity that can, with its grants, then the other rows marked with what they are;
    // the same identities as the flat answer.
    let out = stdout(&run(&format!(
        "who-can --scope {KV_RBAC} -a secrets/get -o jsonl"
    )));
    let rows: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut streamed: Vec<&str> = rows
        .iter()
        .filter(|r| r.get("as").is_none())
        .filter_map(|r| r["id"].as_str())
        .collect();
    let mut want = ids(&flat["principals"]);
    streamed.sort_unstable();
    want.sort_unstable();
    assert_eq!(streamed, want);
    let alice = rows.iter().find(|r| r["displayName"] == "Alice").unwrap();
    assert_eq!(alice["decision"], "allowed");
    assert!(
        alice["grants"][0]
            .as_str()
            .unwrap()
            .contains("roleAssignments/")
    );
    assert!(
        rows.iter()
            .any(|r| r["as"] == "onItems" && r["displayName"] == "Erin")
    );
    assert!(
        rows.iter()
            .any(|r| r["as"] == "eligible" && r["displayName"] == "Pat")
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r["as"] == "canGrantThemselves")
            .count(),
        flat["canGrantThemselves"].as_array().unwrap().len()
    );
    cmd(&format!(
        "who-can --scope {KV_RBAC} -a secrets/get --grouped -o csv"
    ))
    .assert()
    .code(2);
}

#[test]
fn check_says_when_the_item_named_is_not_in_the_snapshot() {
    let (_, v) = check_json(&format!(
        "-p {ALICE} --scope kv-app-rbac/secrets/db-password -a secrets/get"
    ));
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("kv-app-rbac/secrets/db-password is not in the snapshot (did you mean 'app-db-password'?): the answer holds for an item of that name"),
        "{notes}"
    );
    assert_eq!(v["decision"], "allowed", "the verdict logic is unchanged");
    // On stderr too, in every format, with the did-you-mean.
    for format in ["text", "json"] {
        let out = cmd(&format!(
            "check -p {ALICE} --scope kv-app-rbac/secrets/db-password -a secrets/get -o {format}"
        ))
        .output()
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("warning: kv-app-rbac/secrets/db-password is not in the snapshot (did you mean 'app-db-password'?)"),
            "{stderr}"
        );
    }
    let out = cmd("who-can --scope kv-app-rbac/secrets/db-password -a secrets/get -o json")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("warning: kv-app-rbac/secrets/db-password is not in the snapshot")
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["notes"][0]
            .as_str()
            .unwrap()
            .contains("did you mean 'app-db-password'"),
        "{v:#}"
    );
    let out = cmd("who-can --scope kv-app-rbac/secrets/app-db-password -a secrets/get -o json")
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, v) = check_json(&format!(
        "-p {ALICE} --scope kv-app-rbac/secrets/app-db-password -a secrets/get"
    ));
    assert!(
        !v["notes"].to_string().contains("not in the snapshot"),
        "{v:#}"
    );
}

/// The disputed technique (vaults/write alone switching an RBAC vault back) is marked in every output and
/// `--hide-disputed` leaves it out (issue 14).
#[test]
fn the_disputed_technique_is_marked_and_can_be_hidden() {
    let text = stdout(&run(&format!("who-can --scope {KV_RBAC} -a secrets/get")));
    assert!(
        text.contains("disputed: may be able to switch the vault back"),
        "{text}"
    );
    let text = stdout(&run(&format!(
        "who-can --scope {KV_RBAC} -a secrets/get --hide-disputed"
    )));
    assert!(!text.contains("disputed"), "{text}");
    assert!(
        text.contains("can assign itself a Key Vault data role"),
        "{text}"
    );
    let v = json_out(&run(&format!(
        "who-can --scope {KV_RBAC} -a secrets/get --grouped -o json"
    )));
    assert!(
        v["canGrantThemselves"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["technique"] == "switchPermissionModelPossible" && g["disputed"] == true),
        "{v:#}"
    );
    let flat = json_out(&run(&format!(
        "who-can --scope {KV_RBAC} -a secrets/get -o json"
    )));
    assert!(
        flat["canGrantThemselves"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| (f["technique"] == "switchPermissionModelPossible") == (f["disputed"] == true)),
        "{flat:#}"
    );
    let v = json_out(&run("escalations -o json"));
    assert_eq!(
        v["disputed"],
        json!(["switchPermissionModelPossible"]),
        "{v:#}"
    );
    let hidden = run("escalations -o json --hide-disputed");
    assert!(!stdout(&hidden).contains("switchPermissionModelPossible"));
    assert!(json_out(&hidden)["findings"].as_u64().unwrap() < v["findings"].as_u64().unwrap());
    let rows = stdout(&run("escalations -o jsonl --hide-disputed"));
    assert!(!rows.is_empty() && !rows.contains("switchPermissionModelPossible"));
}
