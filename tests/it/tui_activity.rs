//! The activity view (key 7, `kvaccess tui --logs PATH…`): the CLI's `kvaccess activity` in the explorer.
//! Its answers are the CLI's (compared with the built binary's JSON for every demo vault, an item and
//! every calling principal, over the hand-written fixtures and a `synth-logs` month), its export rows are
//! those answers' callers and could-vs-did lines; the logs are read in the background with progress and
//! Esc cancels; what was not used is listed by reason with file and line; the explanation says when each
//! grant was last used; without logs the view says how to load them.

use std::path::{Path, PathBuf};
use std::process::Command;

use kvaccess::activity::compare::Status;
use kvaccess::eval::Engine;
use kvaccess::sanitize::clean;
use kvaccess::snapshot;
use kvaccess::tui::action::{Effect, Msg};
use kvaccess::tui::app::{App, Focus, View};
use kvaccess::tui::script::{press, render, screen, settle};
use kvaccess::tui::view::activity::Row;
use kvaccess::tui::worker::{self, Job, JobKind, JobSpec, Output};
use kvaccess::tui::{Options, view::activity::status_words};
use serde_json::Value;

/// Relative to the crate (the tests' working directory), so that screens name the same files anywhere.
fn fixtures() -> PathBuf {
    PathBuf::from("tests/fixtures/activity")
}

fn demo_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-tenant.json")
}

/// The demo explorer with `logs` read (jobs run inline).
fn with_logs(logs: &[PathBuf]) -> App {
    let options = Options {
        logs: logs.to_vec(),
        ..Options::plain("demo")
    };
    let mut app = App::new(Engine::new(snapshot::demo()), options);
    let _ = screen(&mut app, 120, 40);
    assert!(
        app.activity.ready_logs().is_some(),
        "{:?}",
        app.activity.logs
    );
    app
}

fn cli(logs: &[PathBuf], args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_kvaccess"))
        .env_remove("KVACCESS_SNAPSHOT")
        .arg("activity")
        .arg("--snapshot")
        .arg(demo_file())
        .args(["-o", "json"])
        .args(args)
        .arg("--logs")
        .args(logs)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A month of calls for the demo tenant, as `kvaccess synth-logs` writes it.
fn synth_logs(dir: &Path) -> PathBuf {
    let out = dir.join("synth.jsonl");
    let status = Command::new(env!("CARGO_BIN_EXE_kvaccess"))
        .env_remove("KVACCESS_SNAPSHOT")
        .args(["synth-logs", "--calls", "3000", "--seed", "7", "--snapshot"])
        .arg(demo_file())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    out
}

/// The export rows the CLI's JSON makes: one per caller, then one per could-vs-did line.
fn expected_rows(did: &Value, compare: Option<&Value>) -> Vec<Vec<String>> {
    // The export cleans what came from the logs, as every output does.
    let s = |v: &Value| clean(v.as_str().unwrap_or("")).into_owned();
    let n = |v: &Value| v.as_u64().unwrap().to_string();
    let mut out = Vec::new();
    for e in did["entries"].as_array().unwrap() {
        out.push(vec![
            "did".into(),
            s(&e["vault"]),
            s(&e["item"]),
            s(&e["operation"]),
            s(&e["caller"]["displayName"]),
            s(&e["caller"]["id"]),
            s(&e["now"]["decision"]),
            n(&e["count"]),
            n(&e["successes"]),
            n(&e["denied"]),
            n(&e["deniedByFirewall"]),
            n(&e["otherFailures"]),
            s(&e["first"]),
            s(&e["last"]),
            e["sourceIps"]
                .as_array()
                .unwrap()
                .iter()
                .map(s)
                .collect::<Vec<_>>()
                .join(" "),
        ]);
    }
    let Some(c) = compare else {
        return out;
    };
    let c = &c["couldVsDid"];
    for op in c["operations"].as_array().unwrap() {
        for r in op["rows"].as_array().unwrap() {
            let status = [
                Status::Used,
                Status::NeverCalled,
                Status::SucceededWithoutGrant,
                Status::DeniedDespiteGrant,
                Status::Denied,
                Status::OtherFailures,
            ]
            .into_iter()
            .find(|st| serde_json::to_value(st).unwrap() == r["status"])
            .unwrap();
            out.push(vec![
                "could vs did".into(),
                s(&c["scope"]),
                String::new(),
                s(&op["operation"]),
                s(&r["principal"]["displayName"]),
                s(&r["principal"]["id"]),
                format!("{} ({})", status_words(status), s(&r["could"])),
                String::new(),
                n(&r["successes"]),
                n(&r["denied"]),
                n(&r["deniedByFirewall"]),
                n(&r["otherFailures"]),
                String::new(),
                s(&r["lastCall"]),
                String::new(),
            ]);
        }
    }
    out
}

/// For every demo vault (and an item), and every principal that called: the view's answer is the CLI's.
fn answers_as_the_cli(logs: &[PathBuf]) {
    let mut app = with_logs(logs);
    let vaults: Vec<(String, String)> = app
        .engine
        .snapshot
        .vaults
        .iter()
        .map(|v| (v.scope.id().to_string(), v.name.clone()))
        .collect();
    let mut scopes: Vec<(String, String)> = vaults.clone();
    scopes.push((
        format!("{}/secrets/db-password", vaults[0].0),
        format!("{}/secrets/db-password", vaults[0].1),
    ));
    let mut callers = std::collections::BTreeSet::new();
    let mut compared = 0;
    for (id, name) in &scopes {
        press(&mut app, &format!(":goto {name}<enter>S7"));
        assert_eq!(app.view, View::Activity);
        let Some(a) = app.activity.ready() else {
            continue; // an item the demo's vault does not hold
        };
        if app.nav.scopes.selected_scope().unwrap().id() != id {
            continue;
        }
        let did = cli(logs, &["--scope", id]);
        let shown = serde_json::to_value(&a.did.entries).unwrap();
        assert_eq!(shown, did["entries"], "{name}: who did, as the CLI");
        let compare = cli(logs, &["--could-vs-did", "--scope", id]);
        let shown = serde_json::to_value(a.compare.as_ref().unwrap().as_ref().unwrap()).unwrap();
        assert_eq!(
            shown, compare["couldVsDid"],
            "{name}: could vs did, as the CLI"
        );
        compared += compare["couldVsDid"]["operations"]
            .as_array()
            .unwrap()
            .len();
        let table = app.activity.table().unwrap();
        assert_eq!(
            table.rows,
            expected_rows(&did, Some(&compare)),
            "{name}: the export's rows are the CLI's"
        );
        for e in did["entries"].as_array().unwrap() {
            if e["caller"]["inSnapshot"] == true {
                callers.insert(e["caller"]["id"].as_str().unwrap().to_string());
            }
        }
    }
    assert!(compared > 0, "some vault had logged operations");
    assert!(!callers.is_empty());
    for id in callers {
        press(&mut app, &format!(":principal {id}<enter>P7"));
        let a = app.activity.ready().expect("answered");
        assert!(
            a.compare.is_none(),
            "a principal's activity has no could-vs-did"
        );
        let did = cli(logs, &["--principal", &id]);
        assert_eq!(
            serde_json::to_value(&a.did.entries).unwrap(),
            did["entries"],
            "{id}: everything it did, as the CLI"
        );
        assert_eq!(
            app.activity.table().unwrap().rows,
            expected_rows(&did, None)
        );
    }
}

#[test]
fn the_view_answers_as_the_cli_over_the_fixtures() {
    answers_as_the_cli(&[fixtures()]);
}

#[test]
fn the_view_answers_as_the_cli_over_synthetic_logs() {
    let dir = tempfile::tempdir().unwrap();
    answers_as_the_cli(&[synth_logs(dir.path())]);
}

#[test]
fn without_logs_the_view_says_how_to_load_them() {
    let mut app = App::new(Engine::new(snapshot::demo()), Options::plain("demo"));
    let _ = screen(&mut app, 80, 24);
    press(&mut app, "7");
    assert_eq!(app.view, View::Activity);
    let s = render(&app, 80, 24);
    insta::assert_snapshot!("activity_no_logs_80x24", s);
    assert!(s.contains("tui --logs PATH"), "{s}");
    assert!(app.activity.table().is_err());
}

#[test]
fn the_view_on_screen_at_two_sizes_with_the_account_at_the_end() {
    let mut app = with_logs(&[fixtures()]);
    press(&mut app, ":goto kv-app-prod<enter>S7");
    let s = render(&app, 120, 40);
    insta::assert_snapshot!("activity_kv_app_prod_120x40", s);
    assert!(s.contains("Activity kv-app-prod"), "{s}");
    assert!(s.contains("SecretGet on secrets/db-password"), "{s}");
    let _ = screen(&mut app, 80, 24);
    let s = render(&app, 80, 24);
    insta::assert_snapshot!("activity_kv_app_prod_80x24", s);
    // The header counts what was not used; the end of the view says why, naming file and line.
    assert!(s.contains("records used"), "{s}");
    press(&mut app, "G");
    let s = render(&app, 120, 40);
    let _ = screen(&mut app, 120, 40);
    let s = s + &render(&app, 120, 40);
    assert!(
        s.contains("skipped 1: emitted by the service itself"),
        "{s}"
    );
    assert!(s.contains("malformed.jsonl:"), "{s}");
    // Paged: the last row is in view, the first is not.
    assert!(matches!(app.activity.selected(), Some(Row::Account(_))));
    assert!(app.activity.cursor.offset > 0);
}

#[test]
fn a_principal_from_the_list_shows_everything_it_did() {
    let mut app = with_logs(&[fixtures()]);
    press(&mut app, ":principal Alice<enter>P7");
    assert_eq!(app.view, View::Activity);
    let a = app.activity.ready().unwrap();
    assert!(!a.did.entries.is_empty());
    assert!(
        a.did
            .entries
            .iter()
            .all(|e| e.caller.display_name == "Alice")
    );
    let s = render(&app, 120, 40);
    assert!(s.contains("Activity Alice"), "{s}");
    // Back to the tree: the view follows the scope again.
    press(&mut app, "S");
    assert!(matches!(
        app.activity.ready().map(|a| &a.subject),
        Some(kvaccess::tui::view::activity::Subject::Scope(_))
    ));
}

#[test]
fn enter_on_a_caller_opens_its_permissions_there() {
    let mut app = with_logs(&[fixtures()]);
    press(&mut app, ":goto kv-app-prod<enter>S7");
    // Down to the first caller the snapshot knows.
    for _ in 0..app.activity.rows().len() {
        if app.activity.target().is_some() {
            break;
        }
        press(&mut app, "j");
    }
    let t = app.activity.target().expect("a known caller");
    press(&mut app, "<enter>");
    assert_eq!((app.view, app.focus), (View::Permissions, Focus::Main));
    assert_eq!(app.nav.principals.selected().unwrap().id, t.principal);
    assert!(
        t.scope
            .to_ascii_lowercase()
            .starts_with(&app.nav.scopes.selected_scope().unwrap().key().to_string())
    );
}

#[test]
fn logs_are_read_in_the_background_with_progress_and_esc_cancels() {
    let options = Options {
        logs: vec![fixtures()],
        ..Options::plain("demo")
    };
    let mut app = App::new(Engine::new(snapshot::demo()), options);
    // The first message asks for the logs; the loop does not wait for them.
    let effects = app.handle(Msg::Resize(120, 40));
    let job: Job = effects
        .iter()
        .find_map(|e| match e {
            Effect::Run(j) if j.kind() == JobKind::ReadLogs => Some(j.clone()),
            _ => None,
        })
        .expect("a job reads the logs");
    assert!(matches!(job.spec, JobSpec::ReadLogs { .. }));
    press(&mut app, "7");
    let s = render(&app, 120, 40);
    assert!(s.contains("reading the logs"), "{s}");
    // Progress in bytes, up to the whole size of the files.
    let mut seen = Vec::new();
    let result = worker::compute_with(&job, &mut |d, t| seen.push((d, t)));
    let (done, total) = *seen.last().unwrap();
    assert!(total > 0 && done == total, "{seen:?}");
    app.handle(Msg::Progress {
        kind: JobKind::ReadLogs,
        ticket: job.ticket,
        done: 1_500_000,
        total: 4_000_000,
    });
    assert!(render(&app, 120, 40).contains("reading the logs: 2 of 4 MB"));
    // Esc: the reading stops and the view says so; the answer, if it comes, is dropped.
    press(&mut app, "<esc>");
    assert!(job.cancel.is_cancelled());
    let s = render(&app, 120, 40);
    assert!(s.contains("cancelled: the logs were not read"), "{s}");
    let effects = app.handle(Msg::Done(result));
    assert!(effects.is_empty() && app.activity.ready_logs().is_none());
    // A stopped reading reports nothing.
    let stopped = worker::compute(&job);
    assert!(matches!(stopped.output, Output::Cancelled));
    // The view's key reads them again.
    press(&mut app, "7");
    assert!(app.activity.ready_logs().is_some());
}

#[test]
fn a_missing_log_file_is_reported_by_name() {
    let options = Options {
        logs: vec![PathBuf::from("/nonexistent/PT1H.json")],
        ..Options::plain("demo")
    };
    let mut app = App::new(Engine::new(snapshot::demo()), options);
    let effects = app.handle(Msg::Resize(120, 40));
    settle(&mut app, effects);
    press(&mut app, "7");
    let s = render(&app, 120, 40);
    assert!(s.contains("/nonexistent/PT1H.json"), "{s}");
    assert!(s.contains("the logs could not be read"), "{s}");
}

#[test]
fn the_explanation_says_when_each_grant_was_last_used() {
    let mut app = with_logs(&[fixtures()]);
    // Alice reads db-password in the fixtures; her grant at kv-app-prod says when.
    press(&mut app, ":goto kv-app-prod<enter>:principal Alice<enter>1");
    let row = app
        .perms
        .table
        .line_of_op("secrets/get")
        .expect("secrets/get");
    app.perms.cursor.selected = row;
    press(&mut app, "V");
    let text = app.explain.plain();
    assert!(text.contains("· last used 20"), "{text}");
    // Without logs, no such words.
    let mut plain = App::new(Engine::new(snapshot::demo()), Options::plain("demo"));
    let _ = screen(&mut plain, 120, 40);
    press(
        &mut plain,
        ":goto kv-app-prod<enter>:principal Alice<enter>1",
    );
    plain.perms.cursor.selected = row;
    press(&mut plain, "V");
    assert!(!plain.explain.plain().contains("last used"));
}
