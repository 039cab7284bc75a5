//! The activity library: every log form read from the fixtures (written from the documented field lists),
//! records that cannot be used counted by reason, malformed ones named by file and line, bounded state,
//! and the model check against synthetic logs with known disagreements.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use kvaccess::activity::join::Filter;
use kvaccess::activity::model_check::{Class, Kind};
use kvaccess::activity::synth::{LogSpec, write_logs};
use kvaccess::activity::{self, Reading, Skip, Window, time};
use kvaccess::eval::{Decision, Engine};
use kvaccess::model::Scope;
use kvaccess::{query, snapshot, synth, whatif};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/activity")
        .join(name)
}

fn read(name: &str) -> Reading {
    activity::read(&[fixture(name)], Window::default()).unwrap()
}

/// (operation, item, caller) → (successes, denied, denied by firewall, other).
fn counts(r: &Reading) -> BTreeSet<(String, String, String, [u64; 4])> {
    let s = &r.store;
    s.summaries
        .iter()
        .map(|(k, v)| {
            (
                s.strings.get(k.operation).to_string(),
                s.opt(k.item).unwrap_or("").to_string(),
                s.strings.get(k.caller).to_string(),
                [v.successes, v.denied, v.denied_network, v.other],
            )
        })
        .collect()
}

fn has(r: &Reading, op: &str, item: &str, caller: &str, c: [u64; 4]) -> bool {
    counts(r).contains(&(op.into(), item.into(), caller.into(), c))
}

const ALICE: &str = "11111111-0000-0000-0000-000000000001";
const BOB: &str = "11111111-0000-0000-0000-000000000002";
const DANA: &str = "11111111-0000-0000-0000-000000000004";
const ERIN: &str = "11111111-0000-0000-0000-000000000005";
const FRANK: &str = "11111111-0000-0000-0000-000000000006";
const OSCAR: &str = "11111111-0000-0000-0000-000000000009";
const WEB_MI: &str = "33333333-0000-0000-0000-000000000002";
const STORAGE_MI: &str = "33333333-0000-0000-0000-000000000003";

#[test]
fn storage_archive_json_lines_in_a_directory_tree() {
    let r = read("archive");
    assert_eq!(r.files, 1);
    // 9 records, one malformed line, a service-emitted notification, an Authentication without a caller.
    assert_eq!((r.records, r.used, r.malformed), (12, 9, 1));
    assert_eq!(r.skipped.get(&Skip::ServiceEmitted), Some(&1));
    assert_eq!(r.skipped.get(&Skip::NoCaller), Some(&1));
    assert_eq!(r.problems[0].line, 6);
    assert!(
        r.problems[0].file.ends_with("PT1H.json"),
        "{:?}",
        r.problems
    );
    // Letter case of the item and the version segment do not split a summary; the firewall 403 is told
    // from an authorization 403; a 404 is neither.
    assert!(has(
        &r,
        "SecretGet",
        "secrets/db-password",
        ALICE,
        [2, 0, 1, 0]
    ));
    assert!(has(
        &r,
        "SecretGet",
        "secrets/db-password",
        FRANK,
        [0, 1, 0, 0]
    ));
    assert!(has(&r, "SecretGet", "secrets/missing", BOB, [0, 0, 0, 1]));
    // The long objectidentifier claim (control plane); the status code wins over an edited signature.
    assert!(has(&r, "VaultGet", "", OSCAR, [1, 0, 0, 0]));
    assert!(has(&r, "KeyGet", "keys/cmk", STORAGE_MI, [1, 0, 0, 0]));
    // The UPN claim names callers the snapshot may lack.
    let alice = r.store.strings_id(ALICE).unwrap();
    let name = r
        .store
        .caller_names
        .get(&alice)
        .map(|&n| r.store.strings.get(n));
    assert_eq!(name, Some("alice@contoso.com"));
    let span = r.span.unwrap();
    assert_eq!(time::format(span.first), "2026-11-20T08:05:01.123Z");
}

#[test]
fn records_wrapper_and_bare_array() {
    let r = read("records-wrapper.json");
    assert_eq!((r.records, r.used, r.malformed), (3, 3, 0));
    assert!(has(
        &r,
        "SecretGet",
        "secrets/storage-account-key",
        ERIN,
        [1, 0, 0, 0]
    ));
    assert!(has(
        &r,
        "SecretGet",
        "secrets/db-password",
        ERIN,
        [0, 1, 0, 0]
    ));
    assert!(has(&r, "KeyUnwrap", "keys/cmk", STORAGE_MI, [1, 0, 0, 0]));
    let r = read("bare-array.json");
    assert_eq!((r.records, r.used), (2, 2));
    assert!(has(
        &r,
        "SecretSet",
        "secrets/feature-flags",
        DANA,
        [1, 0, 0, 0]
    ));
}

#[test]
fn log_analytics_exports_with_stringified_values() {
    let r = read("azure-diagnostics.json");
    assert_eq!((r.records, r.used), (4, 3));
    assert_eq!(
        r.skipped.get(&Skip::NotAVault),
        Some(&1),
        "the managed HSM row"
    );
    assert!(has(
        &r,
        "SecretGet",
        "secrets/db-password",
        WEB_MI,
        [1, 0, 0, 0]
    ));
    assert!(has(&r, "VaultGet", "", BOB, [1, 0, 0, 0]));
    let r = read("azkv-auditlogs.json");
    assert_eq!((r.records, r.used), (3, 3));
    assert!(has(&r, "KeyUnwrap", "keys/cmk", STORAGE_MI, [1, 0, 0, 0]));
    assert!(has(&r, "SecretList", "", BOB, [0, 0, 1, 0]));
    assert!(has(
        &r,
        "SecretGet",
        "secrets/db-password",
        BOB,
        [1, 0, 0, 0]
    ));
    let r = read("portal-export.csv");
    assert_eq!((r.records, r.used), (4, 2));
    assert_eq!(r.skipped.get(&Skip::NoCaller), Some(&1));
    assert_eq!(r.skipped.get(&Skip::NoTime), Some(&1));
    assert!(has(
        &r,
        "SecretGet",
        "secrets/feature-flags",
        DANA,
        [1, 0, 0, 0]
    ));
    assert!(has(
        &r,
        "SecretPurge",
        "secrets/old-flag",
        DANA,
        [0, 1, 0, 0]
    ));
    assert_eq!(
        time::format(r.span.unwrap().first),
        "2026-11-25T13:00:00.000Z"
    );
}

/// The Log Analytics query API's own response: rows read against their columns with the API's types,
/// `AdditionalFields` filling what the columns lack (never overriding them), a short row named, and the
/// response's `PartialError` reported as incomplete rather than passed over.
#[test]
fn log_analytics_query_api_tables_and_additional_fields() {
    let r = activity::read(
        &[fixture("../activity-rest/query-api.json")],
        Window::default(),
    )
    .unwrap();
    assert_eq!((r.records, r.used, r.malformed), (4, 3, 1));
    assert!(has(
        &r,
        "SecretGet",
        "secrets/db-password",
        WEB_MI,
        [1, 0, 0, 0]
    ));
    assert!(
        has(&r, "VaultGet", "", BOB, [1, 0, 0, 0]),
        "the caller came from AdditionalFields: {:?}",
        counts(&r)
    );
    assert!(
        has(&r, "SecretList", "", DANA, [0, 0, 1, 0]),
        "the column's caller wins; status and firewall verdict from AdditionalFields: {:?}",
        counts(&r)
    );
    assert_eq!(r.problems.len(), 1);
    assert!(
        r.problems[0]
            .message
            .contains("row 3: 5 values for 13 columns"),
        "{:?}",
        r.problems
    );
    assert_eq!(r.incomplete.len(), 1);
    assert!(r.incomplete[0].message.contains("PartialError"));
    assert!(r.incomplete[0].message.contains("may be incomplete"));

    // Rows before columns cannot be named: the file is reported, not guessed at.
    let bad =
        br#"{"tables": [{"name": "PrimaryResult", "rows": [["x"]], "columns": [{"name": "a"}]}]}"#;
    let r = read_bytes(bad);
    assert_eq!(r.used, 0);
    assert!(
        r.problems[0]
            .message
            .contains("\"rows\" comes before \"columns\""),
        "{:?}",
        r.problems
    );
}

#[test]
fn malformed_lines_are_named_and_reading_goes_on() {
    let r = read("malformed.jsonl");
    assert_eq!((r.used, r.malformed), (2, 3));
    let lines: Vec<u64> = r.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [2, 3, 4]);
    assert!(
        r.problems
            .iter()
            .all(|p| p.file.ends_with("malformed.jsonl"))
    );
    // Inside an array the rest of the file cannot be resynchronised: one problem, with the line.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.json");
    let good = std::fs::read_to_string(fixture("bare-array.json")).unwrap();
    let broken = format!("{}\n, {{\"time\": ]", good.trim_end().trim_end_matches(']'));
    std::fs::write(&path, broken).unwrap();
    let r = activity::read(&[path], Window::default()).unwrap();
    assert_eq!((r.used, r.malformed), (2, 1));
    assert_eq!(r.problems[0].line, 2);
    assert!(
        r.problems[0]
            .message
            .contains("rest of the file was not read"),
        "{:?}",
        r.problems
    );
    // A path that does not exist is an error naming it.
    let e = activity::read(&[dir.path().join("nope")], Window::default()).unwrap_err();
    assert!(e.to_string().contains("nope"), "{e}");
}

#[test]
fn since_and_until_bound_the_window() {
    let window = Window {
        since: time::parse("2026-11-21"),
        until: time::parse("2026-11-23T23:59:59Z"),
    };
    let r = activity::read(&[fixture("")], window).unwrap();
    let span = r.span.unwrap();
    assert!(span.first >= window.since.unwrap() && span.last <= window.until.unwrap());
    assert!(r.skipped.get(&Skip::OutsideWindow).copied().unwrap_or(0) > 10);
    let all = activity::read(&[fixture("")], Window::default()).unwrap();
    // Every record is accounted for: used, skipped by reason, or malformed; none lost.
    assert_eq!(r.records, all.records);
    assert_eq!(
        r.used + r.skipped.values().sum::<u64>() + r.malformed,
        r.records
    );
    assert!(r.used < all.used);
}

/// The demo tenant as an engine, with the fixtures read.
fn demo_reading(name: &str) -> (kvaccess::model::Snapshot, Reading) {
    (snapshot::demo(), read(name))
}

#[test]
fn who_did_joins_names_and_the_grant_allowing_it_now() {
    let (s, r) = demo_reading("archive");
    let engine = Engine::new(s.clone());
    let w = activity::who_did(&r, Some(&engine), &Filter::default());
    let bob_missing = w
        .entries
        .iter()
        .find(|e| e.caller.id == ALICE && e.operation == "SecretGet")
        .unwrap();
    assert_eq!(bob_missing.caller.display_name, "Alice");
    let now = bob_missing.now.as_ref().unwrap();
    assert_eq!(now.decision, Some(Decision::Allowed));
    assert_eq!(
        now.grants[0].via_groups,
        ["22222222-0000-0000-0000-000000000001"]
    );
    assert_eq!(
        bob_missing.source_ips,
        ["203.0.113.10", "203.0.113.11", "192.0.2.50"]
    );
    // --principal and --scope narrow the answer.
    let scope = query::resolve_scope(&s, "kv-app-prod/secrets/db-password").unwrap();
    let filter = Filter {
        scope: Some(scope),
        principal: Some(FRANK.into()),
    };
    let w = activity::who_did(&r, Some(&engine), &filter);
    assert_eq!(w.entries.len(), 1);
    assert_eq!(
        w.entries[0].now.as_ref().unwrap().decision,
        Some(Decision::Denied)
    );
}

#[test]
fn model_check_on_the_fixtures() {
    let (s, r) = demo_reading("disagreements.jsonl");
    let m = activity::model_check(&r, &Engine::new(s.clone()), &Filter::default());
    let found: BTreeSet<(Kind, Class, String)> = m
        .disagreements
        .iter()
        .map(|d| (d.kind, d.class, d.item.clone().unwrap_or_default()))
        .collect();
    let expected: BTreeSet<(Kind, Class, String)> = [
        (
            Kind::LoggedAllowedKvaccessDenied,
            Class::Unexplained,
            "secrets/db-password",
        ),
        (
            Kind::LoggedAllowedKvaccessDenied,
            Class::SnapshotOlderThanCall,
            "secrets/db-password",
        ),
        (
            Kind::LoggedDeniedKvaccessAllowed,
            Class::Unexplained,
            "secrets/api-key",
        ),
        (
            Kind::AssignmentNotAmongGrants,
            Class::Unexplained,
            "secrets/api-key-2",
        ),
        (
            Kind::LoggedFirewallDeniedKvaccessAdmits,
            Class::NetworkPathDiffered,
            "secrets/api-key-3",
        ),
    ]
    .into_iter()
    .map(|(k, c, i)| (k, c, i.to_string()))
    .collect();
    assert_eq!(found, expected);
    // The consistent fixtures agree with the evaluator (the unknown caller is undecided, not a disagreement).
    for f in [
        "archive",
        "records-wrapper.json",
        "azure-diagnostics.json",
        "azkv-auditlogs.json",
        "portal-export.csv",
    ] {
        let (s, r) = demo_reading(f);
        let m = activity::model_check(&r, &Engine::new(s.clone()), &Filter::default());
        assert!(m.disagreements.is_empty(), "{f}: {:?}", m.disagreements);
        assert!(m.agreed > 0, "{f}");
    }
}

#[test]
fn unused_grants_become_a_change_list_whatif_accepts() {
    let (s, r) = demo_reading("archive");
    let engine = Engine::new(s.clone());
    let u = activity::unused(&r, &engine, &Filter::default());
    assert_eq!(
        u.vaults.len(),
        1,
        "only the logged vault is judged: {:?}",
        u.vaults
    );
    let auditors = u
        .grants
        .iter()
        .find(|g| g.principal_id == "22222222-0000-0000-0000-000000000004")
        .unwrap();
    assert_eq!(
        auditors.unused_permissions,
        ["keys/list", "certificates/list"]
    );
    assert_eq!(auditors.used_permissions, ["secrets/list"]);
    let after = whatif::apply(&s, &u.changes).unwrap();
    let after_engine = Engine::new(after.clone());
    let ask = |e: &Engine, who: &str, what: &str| {
        query::check(
            e,
            &query::Question {
                principal: who.into(),
                scope: "kv-app-prod".into(),
                action: what.into(),
                ..Default::default()
            },
        )
        .unwrap()
        .decision
    };
    // What the logged calls needed survives; what nobody used is gone.
    for (who, what) in [
        (ALICE, "secrets/get"),
        (FRANK, "secrets/list"),
        (WEB_MI, "secrets/get"),
        (STORAGE_MI, "keys/get"),
    ] {
        assert_eq!(
            ask(&after_engine, who, what),
            Decision::Allowed,
            "{who} {what}"
        );
    }
    for (who, what) in [
        (FRANK, "keys/list"),
        (ALICE, "keys/get"),
        (WEB_MI, "certificates/get"),
        (STORAGE_MI, "keys/unwrapKey"),
    ] {
        assert_eq!(
            ask(&engine, who, what),
            Decision::Allowed,
            "{who} {what} before"
        );
        assert_eq!(
            ask(&after_engine, who, what),
            Decision::Denied,
            "{who} {what} after"
        );
    }
    // Every call logged in the window is still allowed after the change list.
    let m = activity::model_check(&r, &after_engine, &Filter::default());
    assert!(m.disagreements.is_empty(), "{:?}", m.disagreements);
}

#[test]
fn could_vs_did_at_a_vault_counts_item_grants_of_callers() {
    let (s, r) = demo_reading("records-wrapper.json");
    let engine = Engine::new(s.clone());
    let scope = Scope::parse(s.vaults[1].scope.id()).unwrap();
    let c = activity::could_vs_did(&r, &engine, &scope, None).unwrap();
    let get = c
        .operations
        .iter()
        .find(|o| o.logged_as == ["SecretGet"])
        .unwrap();
    let erin = get
        .rows
        .iter()
        .find(|row| row.principal.id == ERIN)
        .unwrap();
    assert_eq!(
        erin.could,
        Decision::Allowed,
        "her item-level grant at the secret she read"
    );
    assert_eq!((erin.successes, erin.denied), (1, 1));
    let never: Vec<&str> = get
        .rows
        .iter()
        .filter(|row| format!("{:?}", row.status) == "NeverCalled")
        .map(|row| row.principal.display_name.as_str())
        .collect();
    assert!(
        never.contains(&"Alice") && never.contains(&"Hank"),
        "{never:?}"
    );
}

fn synthetic(
    spec: synth::SynthSpec,
    calls: usize,
) -> (kvaccess::model::Snapshot, Vec<u8>, activity::synth::Written) {
    let s = synth::generate(&spec);
    let engine = Engine::new(s.clone());
    let mut out = Vec::new();
    let written = write_logs(
        &engine,
        &LogSpec {
            calls,
            days: 30,
            seed: 3,
        },
        &mut out,
    )
    .unwrap();
    (s.clone(), out, written)
}

fn read_bytes(bytes: &[u8]) -> Reading {
    let mut r = Reading::new(Window::default());
    r.read(BufReader::new(bytes), "memory").unwrap();
    r
}

#[test]
fn the_model_check_finds_exactly_the_injected_disagreements() {
    let (s, logs, written) = synthetic(synth::SynthSpec::new(400, 12, 800, 11), 5_000);
    assert_eq!(
        written.injected.len(),
        6,
        "one of each kind and class: {:?}",
        written.injected
    );
    let r = read_bytes(&logs);
    assert_eq!(
        (r.records, r.used, r.malformed),
        (written.records, written.records, 0)
    );
    let m = activity::model_check(&r, &Engine::new(s.clone()), &Filter::default());
    let found: Vec<activity::synth::Injected> = {
        let mut v: Vec<_> = m
            .disagreements
            .iter()
            .map(|d| activity::synth::Injected {
                kind: d.kind,
                class: d.class,
                vault: d.vault.to_ascii_lowercase(),
                item: d.item.clone(),
                caller: d.caller.id.clone(),
                operation: d.log.operation.clone(),
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(found, written.injected);
    assert!(m.agreed > 20, "{} summaries agree", m.agreed);
}

#[test]
fn state_does_not_grow_with_the_number_of_records() {
    let (_, small, _) = synthetic(synth::SynthSpec::new(300, 8, 600, 5), 2_000);
    let (_, large, _) = synthetic(synth::SynthSpec::new(300, 8, 600, 5), 20_000);
    let (a, b) = (read_bytes(&small), read_bytes(&large));
    assert!(b.records > 9 * a.records);
    // Same callers and objects: the same summaries; only the counts grow.
    assert!(b.store.summaries.len() <= a.store.summaries.len() + 10);
    let distinct_ips = 200 + 6; // the generator's source addresses
    assert!(
        b.store.strings.len() <= a.store.strings.len() + distinct_ips,
        "{} vs {}",
        b.store.strings.len(),
        a.store.strings.len()
    );
    for s in b.store.summaries.values() {
        assert!(s.ips.values.len() <= 8);
    }
}

#[test]
fn lines_straddling_buffer_reads_are_read_whole() {
    let path = fixture("malformed.jsonl");
    let whole = read("malformed.jsonl");
    for capacity in [1, 7, 64, 333] {
        let mut r = Reading::new(Window::default());
        let file = std::fs::File::open(&path).unwrap();
        r.read(BufReader::with_capacity(capacity, file), "small-buffer")
            .unwrap();
        assert_eq!(
            (r.records, r.used, r.malformed, r.bytes),
            (whole.records, whole.used, whole.malformed, whole.bytes),
            "capacity {capacity}"
        );
        let lines: Vec<u64> = r.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 3, 4], "capacity {capacity}");
    }
    assert_eq!(whole.bytes, std::fs::metadata(&path).unwrap().len());
}

#[test]
fn a_line_that_is_not_utf8_is_named_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.jsonl");
    let good = std::fs::read(fixture("malformed.jsonl")).unwrap();
    let mut bytes = b"{\"operationName\":\"Secret\xff\"}\n".to_vec();
    bytes.extend_from_slice(&good);
    std::fs::write(&path, bytes).unwrap();
    let r = activity::read(&[path], Window::default()).unwrap();
    assert_eq!((r.used, r.malformed), (2, 4));
    assert_eq!(
        (r.problems[0].line, r.problems[0].message.as_str()),
        (1, "not UTF-8 at byte 25")
    );
}
