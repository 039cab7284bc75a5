//! The reach view (key 5): what the selected principal can reach, the CLI's `kvaccess reach` in the
//! explorer. Its answer is the CLI's (compared with the built binary's JSON for every demo identity), its
//! rows are that answer's vaults, groups, items, eligibilities and self-grants, it is computed in the
//! background with progress and Esc cancels it, and Enter jumps to the permissions at the row's vault.

use std::process::Command;

use kvaccess::eval::Engine;
use kvaccess::snapshot;
use kvaccess::tui::Options;
use kvaccess::tui::action::{Effect, Msg};
use kvaccess::tui::app::{App, Focus, View};
use kvaccess::tui::script::{keys, press, render, screen};
use kvaccess::tui::view::reach::Row;
use kvaccess::tui::worker::{Job, JobKind, JobSpec};
use serde_json::Value;

fn demo() -> App {
    let mut app = App::new(Engine::new(snapshot::demo()), Options::plain("demo"));
    let _ = screen(&mut app, 120, 40);
    app
}

fn cli_reach(principal: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_kvaccess"))
        .args(["reach", "--principal", principal, "--output", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The kinds of lines the CLI's answer makes, vault by vault, in the view's order.
fn expected_rows(reach: &Value) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for v in reach["vaults"].as_array().unwrap() {
        let id = v["vaultId"].as_str().unwrap().to_string();
        out.push((id.clone(), "vault"));
        for (field, kind) in [
            ("groups", "group"),
            ("items", "item"),
            ("eligible", "eligible"),
            ("selfGrants", "self-grant"),
        ] {
            let n = v[field].as_array().map_or(0, Vec::len);
            out.extend(std::iter::repeat_n((id.clone(), kind), n));
        }
    }
    out
}

#[test]
fn the_view_answers_as_the_cli_does_for_every_demo_identity() {
    let mut app = demo();
    let identities: Vec<(String, String)> = app
        .nav
        .principals
        .all
        .iter()
        .filter(|p| p.in_directory && p.kind.is_identity())
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    assert!(identities.len() >= 10, "{identities:?}");
    let mut self_grants = 0;
    let mut items = 0;
    for (id, name) in identities {
        press(&mut app, &format!(":principal {id}<enter>5"));
        assert_eq!(app.view, View::Reach);
        let cli = cli_reach(&id);
        let shown = serde_json::to_value(app.reach.ready().expect("answered")).unwrap();
        assert_eq!(shown, cli, "{name}: the view's answer is the CLI's");
        let engine = app.world();
        let rows: Vec<(String, &'static str)> = app
            .reach
            .rows()
            .iter()
            .map(|&r| {
                let kind = match r {
                    Row::Vault(_) => "vault",
                    Row::Group(..) => "group",
                    Row::Item(..) => "item",
                    Row::Eligible(..) => "eligible",
                    Row::SelfGrant(..) => "self-grant",
                };
                (app.reach.vault_of(r).unwrap().vault_id.clone(), kind)
            })
            .collect();
        assert_eq!(rows, expected_rows(&cli), "{name}: one line per fact");
        // The export holds the same lines but the vault headings, each with what decides it.
        let table = app.reach.table(engine).unwrap();
        let facts: Vec<&(String, &str)> = rows.iter().filter(|r| r.1 != "vault").collect();
        assert_eq!(table.rows.len(), facts.len(), "{name}");
        for (row, (vault, kind)) in table.rows.iter().zip(facts) {
            assert_eq!((&row[1], row[2].as_str()), (vault, *kind), "{name}");
            assert!(!row[5].is_empty(), "{name}: nothing decides {row:?}");
        }
        self_grants += rows.iter().filter(|r| r.1 == "self-grant").count();
        items += rows.iter().filter(|r| r.1 == "item").count();
    }
    assert!(
        self_grants > 0 && items > 0,
        "the demo has both kinds of rows"
    );
}

#[test]
fn erin_reach_on_screen_and_enter_jumps_to_her_permissions_and_back() {
    let mut app = demo();
    press(&mut app, ":principal Erin<enter>5");
    let s = render(&app, 120, 40);
    insta::assert_snapshot!("reach_erin_120x40", s);
    assert!(s.contains("Reach Erin 3 of 4 vaults"), "{s}");
    assert!(s.contains("kv-app-rbac (RBAC)"), "{s}");
    // Zoomed, the long rows are whole.
    press(&mut app, "z");
    let s = render(&app, 120, 40);
    assert!(
        s.contains("item  storage-account-key: secrets/get, secrets/list"),
        "{s}"
    );
    assert!(s.contains("role 'Key Vault Secrets User' at secret"), "{s}");
    press(&mut app, "z");
    // Down to the item row, Enter: her permissions on that item, on its first operation.
    let item = app
        .reach
        .rows()
        .iter()
        .position(|r| matches!(r, Row::Item(..)))
        .unwrap();
    for _ in 0..item {
        press(&mut app, "j");
    }
    press(&mut app, "<enter>");
    assert_eq!((app.view, app.focus), (View::Permissions, Focus::Main));
    assert!(
        app.nav
            .scopes
            .selected_scope()
            .unwrap()
            .id()
            .ends_with("kv-app-rbac/secrets/storage-account-key")
    );
    assert_eq!(app.perms.selected().unwrap().op.name, "secrets/get");
    assert_eq!(app.nav.principals.selected().unwrap().name, "Erin");
    // Back: the reach view, on the same row.
    press(&mut app, "[");
    assert_eq!(app.view, View::Reach);
    assert_eq!(app.reach.cursor.selected, item);
}

fn reach_job(effects: &[Effect]) -> Job {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Run(j) if j.kind() == JobKind::Reach => Some(j.clone()),
            _ => None,
        })
        .expect("a reach job")
}

#[test]
fn computed_in_the_background_with_progress_and_esc_cancels() {
    let mut app = demo();
    // Not settled: the job is out, the view waits for it.
    let k = keys("5").remove(0);
    let job = reach_job(&app.handle(Msg::Key(k)));
    let JobSpec::Reach { principal } = &job.spec else {
        panic!("not a reach job")
    };
    assert_eq!(
        Some(principal),
        app.nav.principals.selected().map(|p| &p.id)
    );
    let _ = app.handle(Msg::Progress {
        kind: JobKind::Reach,
        ticket: job.ticket,
        done: 1,
        total: 4,
    });
    let s = render(&app, 120, 40);
    assert!(s.contains("can reach: 1 of 4 vaults"), "{s}");
    assert!(s.contains("Esc cancels"), "{s}");
    press(&mut app, "<esc>");
    assert!(job.cancel.is_cancelled(), "Esc cancels the job");
    let s = render(&app, 120, 40);
    assert!(s.contains("cancelled"), "{s}");
    // The view's key starts it again.
    let again = reach_job(&app.handle(Msg::Key(keys("5").remove(0))));
    assert!(again.ticket > job.ticket && !again.cancel.is_cancelled());
}
