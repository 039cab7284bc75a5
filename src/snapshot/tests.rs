//! Problem and warning paths deep inside arrays, and the duplicate rules, through the whole loader.

use std::path::Path;

use serde_json::json;

use super::*;
use crate::error::Problem;

const VAULT: &str =
    "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-one";
const VAULT_2: &str =
    "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-two";
const SAM: &str = "11111111-1111-1111-1111-111111111111";
const ALEX: &str = "22222222-2222-2222-2222-222222222222";

fn assignment(id: &str, principal: serde_json::Value) -> serde_json::Value {
    json!({
        "id": format!("{VAULT}/providers/Microsoft.Authorization/roleAssignments/{id}"),
        "properties": {
            "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6",
            "principalId": principal
        }
    })
}

fn problems(doc: &serde_json::Value) -> Vec<Problem> {
    match parse(&doc.to_string(), Path::new("t.json")) {
        Err(LoadError::Invalid { problems, .. }) => problems,
        other => vec![Problem {
            path: "(test)".into(),
            message: format!("expected problems, got {other:?}"),
        }],
    }
}

fn problem(path: &str, message: &str) -> Problem {
    Problem {
        path: path.into(),
        message: message.into(),
    }
}

#[test]
fn problems_deep_in_arrays_name_every_index_on_the_way() {
    let doc = json!({
        "kvaccessSnapshot": 1,
        "roleAssignments": [
            assignment("a0", json!(SAM)),
            assignment("a1", json!(SAM)),
            assignment("a2", json!(42)),
            assignment("a3", json!("not-a-guid")),
        ],
        "vaults": [
            { "id": VAULT, "properties": {} },
            { "id": VAULT_2, "properties": {
                "accessPolicies": [
                    { "objectId": SAM, "permissions": {} },
                    "an entry that is a string",
                    { "objectId": ALEX, "permissions": { "secrets": ["get", 7] } },
                ],
                "networkAcls": { "ipRules": [{ "value": "10.0.0.1" }, { "value": false }] }
            }}
        ]
    });
    assert_eq!(
        problems(&doc),
        vec![
            problem(
                "vaults[1].properties.accessPolicies[1]",
                "expected an object, found a string"
            ),
            problem(
                "vaults[1].properties.accessPolicies[2].permissions.secrets[1]",
                "expected a string, found a number"
            ),
            problem(
                "vaults[1].properties.networkAcls.ipRules[1].value",
                "expected a string, found a boolean"
            ),
            problem(
                "roleAssignments[2].properties.principalId",
                "expected a string, found a number"
            ),
            problem(
                "roleAssignments[3].properties.principalId",
                "not a GUID: 'not-a-guid'"
            ),
        ]
    );
}

#[test]
fn warnings_name_the_entry_and_the_first_one_listed() {
    let upper = SAM.to_ascii_uppercase();
    let doc = json!({
        "kvaccessSnapshot": 1,
        "managementGroups": [], "roleDefinitions": [], "roleAssignments": [], "denyAssignments": [],
        "groupMemberships": [],
        "vaults": [
            { "id": VAULT, "properties": { "accessPolicies": [
                { "objectId": SAM, "permissions": { "keys": ["get", "Fly"] } }
            ] } },
            { "id": VAULT_2, "properties": {} },
            { "id": VAULT_2.to_ascii_uppercase(), "properties": {} }
        ],
        "principals": [
            { "id": SAM, "displayName": "Sam" },
            { "id": ALEX, "displayName": "Alex" },
            { "id": upper, "displayName": "Sam again" }
        ]
    });
    let snapshot = parse(&doc.to_string(), Path::new("t.json")).unwrap();
    let warnings: Vec<(&str, &str)> = snapshot
        .warnings
        .iter()
        .map(|w| (w.path.as_str(), w.message.as_str()))
        .collect();
    assert_eq!(
        warnings,
        vec![
            (
                "vaults[0].properties.accessPolicies[0].permissions.keys[1]",
                "'fly' is not a keys permission Key Vault knows"
            ),
            (
                "vaults[2].id",
                "vault already listed at vaults[1]; this entry is ignored"
            ),
            (
                "principals[2].id",
                "id 11111111-1111-1111-1111-111111111111 already used by principals[0]; this entry is ignored"
            ),
        ]
    );
    assert_eq!(snapshot.vaults.len(), 2);
    assert_eq!(snapshot.principals.len(), 2);
    assert_eq!(snapshot.principals[0].display_name, "Sam");
}

#[test]
fn an_assignment_listed_twice_in_another_letter_case_is_kept_once() {
    let mut again = assignment("A0", json!(ALEX));
    let first = assignment("a0", json!(SAM));
    again["id"] = json!(first["id"].as_str().unwrap().to_ascii_uppercase());
    let doc = json!({
        "kvaccessSnapshot": 1,
        "roleAssignments": [first, assignment("a1", json!(SAM)), again],
        "roleEligibilities": [assignment("a0", json!(SAM))]
    });
    let snapshot = parse(&doc.to_string(), Path::new("t.json")).unwrap();
    let ids: Vec<(String, &str)> = snapshot
        .role_assignments
        .iter()
        .map(|a| {
            (
                crate::model::role::trailing_guid(&a.id),
                a.principal_id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        vec![("a0".to_string(), SAM), ("a1".to_string(), SAM)],
        "the first of the two is kept"
    );
    assert_eq!(
        snapshot.role_eligibilities.len(),
        1,
        "eligibilities are deduplicated on their own"
    );
}

#[test]
fn load_file_reports_what_parse_reports() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.json");
    let doc = json!({
        "kvaccessSnapshot": 1,
        "roleAssignments": [assignment("a0", json!(SAM)), assignment("a1", json!(true))]
    });
    std::fs::write(&file, doc.to_string()).unwrap();
    match load_file(&file) {
        Err(LoadError::Invalid { file: f, problems }) => {
            assert_eq!(f, file);
            assert_eq!(
                problems,
                vec![problem(
                    "roleAssignments[1].properties.principalId",
                    "expected a string, found a boolean"
                )]
            );
        }
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn a_duplicate_assignment_reports_only_what_was_found_before_it_was_recognised() {
    let first = assignment("a0", json!(SAM));
    let mut again = first.clone();
    again["properties"]["principalType"] = json!(7);
    let mut typed = assignment("a3", json!(ALEX));
    typed["properties"]["principalType"] = json!(false);
    let doc = json!({
        "kvaccessSnapshot": 1,
        "vaults": [{ "id": VAULT, "properties": 5 }],
        // Six elements: the two threads take three each, so the duplicate is recognised across them.
        "roleAssignments": [
            first,
            "a string",
            assignment("a1", json!(42)),
            assignment("a2", json!(SAM)),
            again,
            typed,
        ],
        "roleEligibilities": [assignment("e0", json!(7))],
        "principals": [{ "id": 5 }],
        "vaultItems": [5],
        "collectionErrors": [true]
    });
    assert_eq!(
        problems(&doc),
        vec![
            problem("vaults[0].properties", "expected an object, found a number"),
            problem("roleAssignments[1]", "expected an object, found a string"),
            problem(
                "roleAssignments[2].properties.principalId",
                "expected a string, found a number"
            ),
            problem(
                "roleAssignments[5].properties.principalType",
                "expected a string, found a boolean"
            ),
            problem(
                "roleEligibilities[0].properties.principalId",
                "expected a string, found a number"
            ),
            problem("principals[0].id", "expected a string, found a number"),
            problem("vaultItems[0]", "expected an object, found a number"),
            problem("collectionErrors[0]", "expected an object, found a boolean"),
        ]
    );
}

/// Parses `text` on two threads and on one, and converts both.
fn both_ways(text: &str) -> (Option<String>, String) {
    let file = Path::new("t.json");
    let halves = halves::read(text).map(|raw| format!("{:?}", validate(raw, file)));
    let serial = format!(
        "{:?}",
        read_raw_serial(text, file).and_then(|raw| validate(raw, file))
    );
    (halves, serial)
}

#[test]
fn the_two_thread_parse_reads_what_the_one_thread_parse_reads() {
    let synth = crate::synth::generate(&crate::synth::SynthSpec::small(7));
    let mut texts = vec![
        DEMO_JSON.to_string(),
        to_json(&synth).to_string(),
        serde_json::to_string_pretty(&to_json(&synth)).unwrap(),
        "{}".to_string(),
    ];
    texts.extend(
        [
            json!({ "kvaccessSnapshot": 1.5, "cloud": 3, "vaults": null, "principals": {}, "extra": [1, {}] }),
            json!({ "kvaccessSnapshot": 1, "roleAssignments": "none", "groupMemberships": [null, 1, {}] }),
            json!({ "kvaccessSnapshot": 1, "roleAssignments": [assignment("a0", json!(SAM)), 3, assignment("a1", json!(ALEX))] }),
        ]
        .iter()
        .map(|doc| doc.to_string()),
    );
    for text in &texts {
        let (halves, serial) = both_ways(text);
        assert_eq!(
            halves.as_ref(),
            Some(&serial),
            "{}",
            &text[..text.len().min(200)]
        );
    }
}

#[test]
fn malformed_text_is_reported_by_the_one_thread_parse() {
    for text in [
        r#"{"kvaccessSnapshot": 1, "roleAssignments": [{}, {"id": tru}]}"#,
        r#"{"kvaccessSnapshot": 1, "roleAssignments": [{},]}"#,
        r#"{"kvaccessSnapshot": 1, "kvaccessSnapshot": 1}"#,
        r#"{"kvaccessSnapshot": 1, "extra": nul}"#,
        r#"{"kvaccessSnapshot": 1, "vaults": [{"id": "a\u00"}]}"#,
        r#"[{"kvaccessSnapshot": 1}]"#,
    ] {
        let (halves, serial) = both_ways(text);
        assert_eq!(halves, None, "{text}");
        let parsed = format!("{:?}", parse(text, Path::new("t.json")));
        assert_eq!(parsed, serial, "{text}");
        assert!(parsed.starts_with("Err("), "{text}: {parsed}");
    }
}
