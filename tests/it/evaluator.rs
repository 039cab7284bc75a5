//! Scenario tests for the evaluator, driven by data.
//!
//! Every file in `tests/fixtures/cases/` is one scenario: a small snapshot (format v1) and the questions asked
//! about it, each with the expected decision and the exact sets of grant and deny ids that carry it. The
//! harness runs every case of every file, collects all mismatches, and fails once with a report naming each
//! failing case, what differed, and the verdict's notes.
//!
//! `demo_tenant_matches_expected` runs `tests/fixtures/demo-expected.json` against the embedded demo tenant.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use kvaccess::eval::{Decision, Engine, Origin, Verdict};
use kvaccess::query::{Question, check};
use serde::Deserialize;

/// One scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    description: String,
    snapshot: serde_json::Value,
    cases: Vec<Case>,
}

/// One question and its expected answer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Case {
    name: String,
    principal: String,
    #[serde(default)]
    via_app: Option<String>,
    scope: String,
    action: String,
    #[serde(default)]
    from: Option<CallFrom>,
    decision: Expected,
    grants: Vec<String>,
    denies: Vec<String>,
}

/// One entry of `demo-expected.json`: a case plus the human explanation of why.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DemoCase {
    name: String,
    principal: String,
    #[serde(default)]
    via_app: Option<String>,
    scope: String,
    action: String,
    #[serde(default)]
    from: Option<CallFrom>,
    decision: Expected,
    grants: Vec<String>,
    denies: Vec<String>,
    why: String,
}

impl DemoCase {
    fn into_case(self) -> (Case, String) {
        let DemoCase {
            name,
            principal,
            via_app,
            scope,
            action,
            from,
            decision,
            grants,
            denies,
            why,
        } = self;
        (
            Case {
                name,
                principal,
                via_app,
                scope,
                action,
                from,
                decision,
                grants,
                denies,
            },
            why,
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Expected {
    Allowed,
    Denied,
    Conditional,
    Unknown,
}

impl Expected {
    fn decision(self) -> Decision {
        match self {
            Self::Allowed => Decision::Allowed,
            Self::Denied => Decision::Denied,
            Self::Conditional => Decision::Conditional,
            Self::Unknown => Decision::Unknown,
        }
    }
}

/// Where the call comes from: exactly one of these keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
enum CallFrom {
    Ip(String),
    Subnet(String),
    PrivateEndpoint(Endpoint),
    TrustedService(Yes),
}

/// `true` (any approved private endpoint) or the id of one.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Endpoint {
    Any(Yes),
    Id(String),
}

/// The literal `true`; `false` would be a mistake in a fixture, so it is rejected.
#[derive(Debug, Clone, Copy)]
struct Yes;

impl<'de> Deserialize<'de> for Yes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match bool::deserialize(d)? {
            true => Ok(Yes),
            false => Err(serde::de::Error::custom(
                "expected `true` (omit `from` instead of writing false)",
            )),
        }
    }
}

impl CallFrom {
    fn origin(&self) -> Result<Origin, String> {
        Ok(match self {
            Self::Ip(ip) => Origin::Ip(ip.parse().map_err(|e| format!("bad ip '{ip}': {e}"))?),
            Self::Subnet(s) => Origin::Subnet(s.clone()),
            Self::PrivateEndpoint(Endpoint::Any(Yes)) => Origin::PrivateEndpoint(None),
            Self::PrivateEndpoint(Endpoint::Id(id)) => Origin::PrivateEndpoint(Some(id.clone())),
            Self::TrustedService(Yes) => Origin::TrustedService,
        })
    }
}

fn manifest_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Asks one case's question and describes every way the answer differs from the expectation.
fn run_case(engine: &Engine, case: &Case) -> Result<(), String> {
    let origin = case.from.as_ref().map(CallFrom::origin).transpose()?;
    let q = Question {
        principal: case.principal.clone(),
        via_app: case.via_app.clone(),
        scope: case.scope.clone(),
        action: case.action.clone(),
        origin,
    };
    let v = check(engine, &q).map_err(|e| format!("the question was rejected: {e}"))?;
    compare(case, &v)
}

fn compare(case: &Case, v: &Verdict) -> Result<(), String> {
    let mut diff = String::new();
    let want = case.decision.decision();
    if v.decision != want {
        let _ = writeln!(
            diff,
            "    decision: expected {}, got {}",
            want.as_str(),
            v.decision.as_str()
        );
    }
    let got_grants: BTreeSet<&str> = v.grants.iter().map(|g| g.id.as_str()).collect();
    let want_grants: BTreeSet<&str> = case.grants.iter().map(String::as_str).collect();
    set_diff(&mut diff, "grants", &want_grants, &got_grants);
    let got_denies: BTreeSet<&str> = v.denies.iter().map(|d| d.id.as_str()).collect();
    let want_denies: BTreeSet<&str> = case.denies.iter().map(String::as_str).collect();
    set_diff(&mut diff, "denies", &want_denies, &got_denies);
    if diff.is_empty() {
        return Ok(());
    }
    let _ = writeln!(
        diff,
        "    question: {} may {} at {}",
        case.principal, case.action, case.scope
    );
    if let Some(app) = &case.via_app {
        let _ = writeln!(diff, "    via app: {app}");
    }
    if let Some(from) = &case.from {
        let _ = writeln!(diff, "    from: {from:?}");
    }
    if !v.network.reason().is_empty() {
        let _ = writeln!(diff, "    network: {}", v.network.reason());
    }
    for u in &v.unknown_because {
        let _ = writeln!(diff, "    unknown because: {u}");
    }
    for n in &v.notes {
        let _ = writeln!(diff, "    note: {n}");
    }
    Err(diff)
}

fn set_diff(out: &mut String, what: &str, want: &BTreeSet<&str>, got: &BTreeSet<&str>) {
    let missing: Vec<&&str> = want.difference(got).collect();
    let extra: Vec<&&str> = got.difference(want).collect();
    for m in missing {
        let _ = writeln!(out, "    {what}: missing {m}");
    }
    for e in extra {
        let _ = writeln!(out, "    {what}: unexpected {e}");
    }
}

fn load_fixture(path: &Path) -> Result<Fixture, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let fixture: Fixture =
        serde_json::from_str(&text).map_err(|e| format!("not a fixture: {e}"))?;
    if fixture.description.trim().is_empty() {
        return Err("empty description".into());
    }
    if fixture.cases.is_empty() {
        return Err("no cases".into());
    }
    let mut names = BTreeSet::new();
    for c in &fixture.cases {
        if !names.insert(c.name.as_str()) {
            return Err(format!("two cases are named '{}'", c.name));
        }
    }
    Ok(fixture)
}

fn fixture_files() -> Vec<PathBuf> {
    let dir = manifest_path("tests/fixtures/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn scenario_fixtures() {
    let mut report = String::new();
    let mut total = 0;
    let mut failed = 0;
    let files = fixture_files();
    assert!(
        !files.is_empty(),
        "no fixture files in tests/fixtures/cases"
    );
    for path in &files {
        let label = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        assert!(
            label.ends_with(".json"),
            "{label}: every file in tests/fixtures/cases must be a .json fixture"
        );
        let fixture = match load_fixture(path) {
            Ok(f) => f,
            Err(e) => {
                let _ = writeln!(report, "{label}: {e}");
                failed += 1;
                continue;
            }
        };
        let text = fixture.snapshot.to_string();
        let snapshot = match kvaccess::snapshot::parse(&text, Path::new(&label)) {
            Ok(s) => s,
            Err(e) => {
                let _ = writeln!(report, "{label}: the snapshot does not load: {e}");
                failed += 1;
                continue;
            }
        };
        let engine = Engine::new(snapshot.clone());
        for case in &fixture.cases {
            total += 1;
            if let Err(diff) = run_case(&engine, case) {
                failed += 1;
                let _ = writeln!(report, "{label} :: {}\n{diff}", case.name);
            }
        }
    }
    assert!(
        failed == 0,
        "{failed} of {total} scenario case(s) failed:\n\n{report}"
    );
    assert!(
        total >= 60,
        "only {total} scenario cases; the suite is meant to hold at least 60"
    );
}

#[test]
fn demo_tenant_matches_expected() {
    let path = manifest_path("tests/fixtures/demo-expected.json");
    let text = std::fs::read_to_string(&path).expect("demo-expected.json");
    let cases: Vec<DemoCase> =
        serde_json::from_str(&text).expect("demo-expected.json has the expected shape");
    assert!(!cases.is_empty());
    let snapshot = kvaccess::snapshot::demo();
    assert!(
        !snapshot.vaults.is_empty(),
        "the embedded demo tenant did not load"
    );
    let engine = Engine::new(snapshot.clone());
    let mut report = String::new();
    let mut failed = 0;
    let total = cases.len();
    for demo in cases {
        let (case, why) = demo.into_case();
        if let Err(diff) = run_case(&engine, &case) {
            failed += 1;
            let _ = writeln!(report, "demo :: {}\n    why: {why}\n{diff}", case.name);
        }
    }
    assert!(
        failed == 0,
        "{failed} of {total} demo case(s) failed:\n\n{report}"
    );
}

/// The harness itself: unknown fields, a misspelt decision and `false` origins are rejected.
#[test]
fn fixture_format_is_strict() {
    let good = r#"{"name":"n","principal":"p","scope":"/","action":"a","decision":"allowed","grants":[],"denies":[]}"#;
    assert!(serde_json::from_str::<Case>(good).is_ok());
    let extra = r#"{"name":"n","principal":"p","scope":"/","action":"a","decision":"allowed","grants":[],"denies":[],"grant":[]}"#;
    assert!(
        serde_json::from_str::<Case>(extra).is_err(),
        "unknown case field accepted"
    );
    let bad_decision = r#"{"name":"n","principal":"p","scope":"/","action":"a","decision":"allow","grants":[],"denies":[]}"#;
    assert!(serde_json::from_str::<Case>(bad_decision).is_err());
    let no_denies =
        r#"{"name":"n","principal":"p","scope":"/","action":"a","decision":"denied","grants":[]}"#;
    assert!(
        serde_json::from_str::<Case>(no_denies).is_err(),
        "denies must be stated, even when empty"
    );
    for from in [
        r#"{"ip":"1.2.3.4"}"#,
        r#"{"subnet":"/x"}"#,
        r#"{"privateEndpoint":true}"#,
        r#"{"privateEndpoint":"/pe"}"#,
        r#"{"trustedService":true}"#,
    ] {
        assert!(serde_json::from_str::<CallFrom>(from).is_ok(), "{from}");
    }
    for from in [
        r#"{"trustedService":false}"#,
        r#"{"privateEndpoint":false}"#,
        r#"{"ip":"1.2.3.4","subnet":"/x"}"#,
        r#"{"vnet":"/x"}"#,
        r#"{}"#,
    ] {
        assert!(serde_json::from_str::<CallFrom>(from).is_err(), "{from}");
    }
    let fixture_extra = r#"{"description":"d","snapshot":{},"cases":[],"notes":"x"}"#;
    assert!(serde_json::from_str::<Fixture>(fixture_extra).is_err());
}
