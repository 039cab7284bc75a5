//! The built binary: `kvaccess assert` — every rule kind on the demo tenant and on a pull request's plan,
//! exceptions (current and expired), bad rule files with line and column, and each CI output (SARIF
//! checked against a subset of the SARIF 2.1.0 schema, JUnit, Markdown).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

fn kvaccess() -> Command {
    let mut cmd = Command::cargo_bin("kvaccess").unwrap();
    cmd.env_remove("KVACCESS_SNAPSHOT").env("NO_COLOR", "1");
    cmd
}

fn fixture(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gate")
        .join(path)
        .display()
        .to_string()
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = kvaccess().args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn rule<'v>(report: &'v Value, id: &str) -> &'v Value {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no rule {id}"))
}

fn names(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let x = x.get("violation").unwrap_or(x);
            format!(
                "{}@{}",
                x["principal"]["displayName"].as_str().unwrap_or("-"),
                x["vault"]
                    .as_str()
                    .map_or("-", |v| v.rsplit('/').next().unwrap())
            )
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn every_rule_kind_on_the_demo_tenant() {
    let rules = fixture("rules/demo.toml");
    let (code, out, err) = run(&["assert", &rules, "--today", "2026-12-06", "-o", "json"]);
    assert_eq!(code, 1, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();

    // only-principals: Ivan reads kv-app-prod through the portal's compound entry, excepted until 2099.
    let readers = rule(&report, "prod-secret-readers");
    assert!(
        readers["violations"].as_array().unwrap().is_empty(),
        "{readers}"
    );
    assert_eq!(names(&readers["excepted"]), ["Ivan@kv-app-prod"]);
    assert_eq!(readers["excepted"][0]["exceptionLine"], 12);
    assert_eq!(readers["vaults"], 2);

    // no-self-grant: Oscar's exception expired, so Oscar is reported, and so is the expiry.
    let grants = rule(&report, "no-self-grant-prod");
    let who = names(&grants["violations"]);
    assert!(who.contains(&"Oscar@kv-app-rbac".to_string()), "{who:?}");
    assert!(
        who.contains(&"ci-deployer@kv-private-prod".to_string()),
        "{who:?}"
    );
    assert!(
        !who.iter()
            .any(|w| w.starts_with("Alice") || w.starts_with("Bob")),
        "{who:?}"
    );
    assert_eq!(grants["expired"][0]["expires"], "2020-01-01");
    let oscar = grants["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["principal"]["displayName"] == "Oscar")
        .unwrap();
    assert!(
        oscar["evidence"][0].as_str().unwrap().contains("Owner"),
        "{oscar}"
    );

    let posture: Vec<&str> = rule(&report, "prod-posture")["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        posture,
        [
            "kv-app-prod does not use RBAC",
            "kv-app-prod allows public network access",
            "kv-private-prod has no purge protection"
        ]
    );
    assert_eq!(
        names(&rule(&report, "no-all")["violations"]),
        [
            "Developers and operators@kv-app-dev",
            "Security team@kv-app-prod"
        ]
    );
    assert!(
        rule(&report, "no-wide-roles")["violations"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Dana and Erin read kv-app-dev's keys as members of the allowed group.
    let dev = rule(&report, "dev-only");
    assert!(dev["violations"].as_array().unwrap().is_empty(), "{dev}");
}

#[test]
fn an_expired_exception_stops_applying() {
    let rules = fixture("rules/demo.toml");
    let (_, out, _) = run(&["assert", &rules, "--today", "2100-01-01", "-o", "json"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    let readers = rule(&report, "prod-secret-readers");
    let ivan = &readers["violations"][0];
    assert_eq!(ivan["principal"]["displayName"], "Ivan");
    assert_eq!(ivan["viaApp"], "77777777-0000-0000-0000-000000000001");
    assert_eq!(ivan["grants"][0]["kind"], "accessPolicy");
    assert_eq!(readers["expired"].as_array().unwrap().len(), 1);
}

#[test]
fn a_pull_request_plan_against_no_new_access_and_wide_roles() {
    let rules = fixture("rules/pr.toml");
    let plan = fixture("tf/gate_pr.plan.json");
    let args = [
        "assert",
        &rules,
        "--terraform-plan",
        &plan,
        "--today",
        "2026-12-06",
    ];
    let (code, out, err) = run(&[&args[..], &["-o", "json"]].concat());
    assert_eq!(code, 1, "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let new = rule(&report, "no-new-access");
    assert_eq!(
        names(&new["violations"]),
        ["-@-", "Dana@kv-app-rbac", "Dana@kv-private-prod"]
    );
    let dana = &new["violations"][0];
    assert_eq!(
        dana["addresses"][0],
        "module.platform.azurerm_role_assignment.dana_everywhere"
    );
    assert_eq!(dana["grants"][0]["roleName"], "Key Vault Secrets User");
    let pending = new["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["principal"].is_null())
        .unwrap();
    assert_eq!(pending["decision"], "unknown");
    assert_eq!(pending["addresses"][0], "azurerm_role_assignment.new_app");
    assert_eq!(names(&new["excepted"]), ["Carol@kv-app-prod"]);
    assert_eq!(
        names(&rule(&report, "no-wide-roles")["violations"]),
        ["Dana@kv-app-rbac", "Dana@kv-private-prod"]
    );

    // The same plan as a change list gives the same decisions (the pending change aside).
    let changes = fixture("tf/gate_pr.changes.json");
    let (code, out, _) = run(&[
        "assert",
        &rules,
        "--changes",
        &changes,
        "--today",
        "2026-12-06",
        "-o",
        "json",
    ]);
    assert_eq!(code, 1);
    let by_hand: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        names(&rule(&by_hand, "no-new-access")["violations"]),
        ["Dana@kv-app-rbac", "Dana@kv-private-prod"]
    );

    let (_, md, _) = run(&[&args[..], &["-o", "markdown"]].concat());
    assert!(md.starts_with("### kvaccess gate: ❌ rules fail"), "{md}");
    assert!(
        md.contains("2 principal(s) gain data access, 0 lose access"),
        "{md}"
    );
    assert!(
        md.contains("| `no-new-access` | no-new-access | 3 | **fails** (3), 1 excepted |"),
        "{md}"
    );
    assert!(
        md.contains(r"module.platform.azurerm\_role\_assignment.dana\_everywhere"),
        "{md}"
    );
    assert!(md.contains("#### Not evaluated (unknown)"), "{md}");
}

#[test]
fn a_plan_that_adds_nothing_passes() {
    let rules = fixture("rules/pr.toml");
    let plan = fixture("tf/access_policy_delete.plan.json");
    let (code, out, err) = run(&["assert", &rules, "--terraform-plan", &plan]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 of 2 rule(s) hold; 0 violation(s)"), "{out}");
}

#[test]
fn bad_rule_files_exit_2_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[[rule]]\nid = \"a\"\nkind = \"only-principal\"\noperations = [\"secrets/get\"]\n",
            "line 3, column 8: unknown kind 'only-principal'",
        ),
        (
            "[[rule]]\nid = \"a\"\nkind = \"only-principals\"\noperations = [\"secrets/gett\"]\n",
            "line 4, column 15:",
        ),
        (
            "[[rule]]\nid = \"a\"\nkind = \"only-principals\"\n",
            "line 3, column 8: only-principals needs operations",
        ),
        (
            "[[rule]]\nid = \"a\"\nkind = \"no-all-permission\"\nvault = {}\n",
            "line 4, column 1: unknown field `vault`",
        ),
        (
            "[[rule]]\nid = \"a\"\nkind = \"no-all-permission\"\n[[rule.exception]]\nprincipal = \"x\"\nreason = \"r\"\nexpires = \"soon\"\n",
            "line 7, column 11: expires must be a date",
        ),
        (
            "[[rule]]\nid = \"a\"\nkind = \"no-all-permission\"\n[[rule]]\nid = \"a\"\nkind = \"no-all-permission\"\n",
            "line 5, column 6: a rule with id 'a' exists above",
        ),
        ("[[rule]\n", "line 1, column"),
        ("# nothing\n", "line 1, column 1: no [[rule]] tables"),
    ];
    for (text, expected) in cases {
        let path = dir.path().join("rules.toml");
        std::fs::write(&path, text).unwrap();
        let (code, _, err) = run(&["assert", path.to_str().unwrap()]);
        assert_eq!(code, 2, "{text}");
        assert!(
            err.contains(&format!("rules.toml: {expected}")),
            "{text}\n{err}"
        );
    }
    let path = dir.path().join("rules.toml");
    std::fs::write(&path, "[[rule]]\nid = \"n\"\nkind = \"no-new-access\"\n").unwrap();
    let (code, _, err) = run(&["assert", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("rule 'n' (line 1): no-new-access needs the changes"),
        "{err}"
    );
    std::fs::write(
        &path,
        "[[rule]]\nid = \"p\"\nkind = \"no-self-grant\"\ngroups = [\"Nobody here\"]\n",
    )
    .unwrap();
    let (code, _, err) = run(&["assert", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("rule 'p' (line 1): group 'Nobody here'"),
        "{err}"
    );
}

/// A JSON-schema check of the keywords the SARIF subset uses: type, required, properties, items, enum,
/// minimum and local `$ref`s.
fn validate(schema: &Value, root: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/definitions/");
        return validate(&root["definitions"][name], root, v, path, errors);
    }
    if let Some(t) = schema["type"].as_str() {
        let ok = match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            _ => true,
        };
        if !ok {
            errors.push(format!("{path}: expected {t}"));
            return;
        }
    }
    if let Some(options) = schema["enum"].as_array()
        && !options.contains(v)
    {
        errors.push(format!("{path}: {v} not in {options:?}"));
    }
    if let (Some(min), Some(n)) = (schema["minimum"].as_i64(), v.as_i64())
        && n < min
    {
        errors.push(format!("{path}: {n} < {min}"));
    }
    for req in schema["required"].as_array().into_iter().flatten() {
        if v.get(req.as_str().unwrap()).is_none() {
            errors.push(format!("{path}: missing {req}"));
        }
    }
    if let Some(props) = schema["properties"].as_object() {
        for (k, s) in props {
            if let Some(x) = v.get(k).filter(|x| !x.is_null()) {
                validate(s, root, x, &format!("{path}.{k}"), errors);
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), v.as_array()) {
        for (i, x) in list.iter().enumerate() {
            validate(items, root, x, &format!("{path}[{i}]"), errors);
        }
    }
}

#[test]
fn sarif_follows_the_2_1_0_schema_and_locates_each_result() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("sarif-2.1.0-subset.schema.json")).unwrap(),
    )
    .unwrap();
    // The validator itself rejects what the schema forbids.
    let mut errors = Vec::new();
    validate(
        &schema,
        &schema,
        &serde_json::json!({"version": "2.0", "runs": [{}]}),
        "$",
        &mut errors,
    );
    assert_eq!(errors.len(), 2, "{errors:?}");

    let rules = fixture("rules/pr.toml");
    let plan = fixture("tf/gate_pr.plan.json");
    let (code, out, _) = run(&[
        "assert",
        &rules,
        "--terraform-plan",
        &plan,
        "--today",
        "2026-12-06",
        "-o",
        "sarif",
    ]);
    assert_eq!(code, 1);
    let log: Value = serde_json::from_str(&out).unwrap();
    let mut errors = Vec::new();
    validate(&schema, &schema, &log, "$", &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(log["version"], "2.1.0");
    assert!(
        log["$schema"]
            .as_str()
            .unwrap()
            .contains("sarif-schema-2.1.0.json")
    );
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "kvaccess");
    let rule_ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rule_ids, ["no-new-access", "no-wide-roles"]);
    let results = run["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        3 + 1 + 2,
        "violations, the excepted one, wide roles"
    );
    for r in results {
        assert!(rule_ids.contains(&r["ruleId"].as_str().unwrap()));
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(
            loc["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .ends_with("pr.toml")
        );
    }
    let dana = results
        .iter()
        .find(|r| r["properties"]["principal"]["displayName"] == "Dana")
        .unwrap();
    assert_eq!(
        dana["locations"][0]["physicalLocation"]["region"]["startLine"],
        3
    );
    assert_eq!(
        dana["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "module.platform.azurerm_role_assignment.dana_everywhere"
    );
    assert!(
        dana["properties"]["vault"]
            .as_str()
            .unwrap()
            .ends_with("kv-app-rbac")
    );
    let carol = results
        .iter()
        .find(|r| r["properties"]["principal"]["displayName"] == "Carol")
        .unwrap();
    assert_eq!(carol["suppressions"][0]["kind"], "external");
}

#[test]
fn junit_has_one_testcase_per_rule() {
    let rules = fixture("rules/demo.toml");
    let (code, xml, _) = run(&["assert", &rules, "--today", "2026-12-06", "-o", "junit"]);
    assert_eq!(code, 1);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert_eq!(xml.matches("<testcase ").count(), 6, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 3, "{xml}");
    assert!(
        xml.contains("<testsuites name=\"kvaccess assert\" tests=\"6\" failures=\"3\""),
        "{xml}"
    );
    assert!(
        xml.contains("name=\"no-all\" file=") && xml.contains("line=\"37\""),
        "{xml}"
    );
    assert!(xml.contains("exception expired on 2020-01-01"), "{xml}");
    assert_eq!(xml.matches('<').count(), xml.matches('>').count());
}
