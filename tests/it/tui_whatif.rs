//! The what-if panel of the explorer on ratatui's `TestBackend`: the change list with a change toggled
//! off, the add form with a filtered picker, gained and lost cells marked in the permissions, matrix and
//! who-can views of the demo tenant, save → load, load errors naming the change, and toggles that bring
//! back the real world exactly. Snapshots live in tests/it/snapshots.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kvaccess::eval::Engine;
use kvaccess::snapshot;
use kvaccess::tui::app::App;
use kvaccess::tui::script::{press, render, screen};
use kvaccess::tui::whatif::Status;
use kvaccess::tui::{Options, worker};
use kvaccess::whatif::{Change, Scenario};
use std::sync::Arc;

const W: u16 = 160;
const H: u16 = 48;

fn with_demo<R>(f: impl FnOnce(&mut App) -> R) -> R {
    let s = snapshot::demo();
    let engine = Arc::new(Engine::new(s.clone()));
    let mut app = App::new(engine.clone(), Options::plain("demo"));
    let _ = screen(&mut app, W, H);
    f(&mut app)
}

/// Adds "Key Vault Secrets User for Carol at kv-app-rbac" through the form, as a user types it.
const ADD_BOB: &str = "Wa";
const ADD_BOB_FIELDS: &str =
    "addRoleAss<enter>Carol<enter>Key Vault Secrets User<enter>kv-app-rbac<enter>";

/// Removes app-web-mi's access-policy entry on kv-app-prod through the form.
const REMOVE_POLICY: &str = "aremoveAccessPolicy<enter>kv-app-prod app-web-mi<enter>";

fn cell(app: &mut App, scope: &str, principal: &str, op: &str) {
    press(
        app,
        &format!(":goto {scope}<enter>:principal {principal}<enter>:op {op}<enter>"),
    );
}

fn row<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{screen}"))
}

#[test]
fn add_form_filters_a_picker_over_the_snapshot() {
    with_demo(|app| {
        press(app, ADD_BOB);
        insta::assert_snapshot!("whatif_form_kinds", render(app, W, H));
        press(app, "addRoleAss<enter>car");
        let s = render(app, W, H);
        insta::assert_snapshot!("whatif_form_principal_filtered", s);
        assert!(
            s.contains(" U Carol (carol@contoso.com)"),
            "Carol is offered for 'car'"
        );
        assert!(!s.contains(" U Bob"), "Bob does not match 'car'");
        press(
            app,
            "<enter>Key Vault Secrets User<enter>kv-app-rbac<enter>",
        );
        let changes = &app.whatif.scenario.entries;
        assert_eq!(changes.len(), 1);
        match &changes[0].change {
            Change::AddRoleAssignment {
                principal, scope, ..
            } => {
                assert_eq!(principal, "11111111-0000-0000-0000-000000000003");
                assert!(scope.ends_with("/vaults/kv-app-rbac"), "{scope}");
            }
            other => panic!("unexpected change {other:?}"),
        }
        assert!(app.whatif.form.is_none());
    });
}

#[test]
fn gained_cells_are_marked_in_the_permissions_view() {
    with_demo(|app| {
        cell(app, "kv-app-rbac", "Carol", "secrets/get");
        let before = render(app, W, H);
        assert!(
            row(&before, "secrets/get    ").contains("denied"),
            "{before}"
        );
        press(app, ADD_BOB);
        press(app, ADD_BOB_FIELDS);
        assert_eq!(app.whatif.status, Status::Ready);
        press(app, "<esc>");
        cell(app, "kv-app-rbac", "Carol", "secrets/get");
        let s = render(app, W, H);
        insta::assert_snapshot!("whatif_permissions_gained", s);
        let line = row(&s, "secrets/get    ");
        assert!(line.contains("+ ✔ secrets/get"), "{line}");
        assert!(line.contains("allowed"), "{line}");
        assert!(
            s.contains("what-if: 1 change"),
            "the header says it is hypothetical"
        );
        assert!(s.contains("what-if: before denied, after"), "{s}");
        assert_eq!(
            app.explain.lines[0][0].1,
            "what-if: before denied, after allowed"
        );
        let summary = &app.whatif.world.as_ref().unwrap().summary;
        assert!(
            summary.contains(&"+1 principal can read secrets in kv-app-rbac".to_string()),
            "{summary:?}"
        );
        assert!(s.contains("+1 principal can read secrets in"), "{s}");
        // An operation the role does not give stays unmarked.
        assert!(
            row(&s, "secrets/set    ").contains("┃  ✘ secrets/set"),
            "{s}"
        );
        // The matrix marks the gained cells too.
        press(app, "m");
        let m = render(app, W, H);
        insta::assert_snapshot!("whatif_matrix_gained", m);
        assert!(row(&m, "┃U Carol ").contains("+all"), "{m}");
    });
}

#[test]
fn lost_cells_are_marked_in_the_matrix_and_who_can() {
    with_demo(|app| {
        press(app, "W");
        press(app, REMOVE_POLICY);
        assert_eq!(app.whatif.status, Status::Ready, "{:?}", app.whatif.errors);
        press(app, "<esc>:goto kv-app-prod<enter>m");
        let s = render(app, W, H);
        insta::assert_snapshot!("whatif_matrix_lost", s);
        assert!(
            s.contains("- app-web-mi"),
            "the identity that lost all access is listed"
        );
        let summary = &app.whatif.world.as_ref().unwrap().summary;
        assert!(
            summary.contains(&"-1 principal can no longer read secrets in kv-app-prod".to_string()),
            "{summary:?}"
        );
        assert!(
            s.contains("-1 principal can no longer read secrets in"),
            "{s}"
        );
        press(app, ":who-can secrets/get<enter>");
        let s = render(app, W, H);
        insta::assert_snapshot!("whatif_who_can_lost", s);
        // Grouped by grant: the app's own access-policy group is lost.
        let lost = row(&s, "app-web-mi: access policy");
        assert!(lost.contains("-  ✔ lost"), "{s}");
    });
}

#[test]
fn panel_lists_changes_with_one_toggled_off_and_toggling_restores_the_real_world() {
    with_demo(|app| {
        cell(app, "kv-app-rbac", "Carol", "secrets/get");
        let real = render(app, W, H);
        press(app, ADD_BOB);
        press(app, ADD_BOB_FIELDS);
        press(app, REMOVE_POLICY);
        press(app, "k<space>");
        insta::assert_snapshot!("whatif_panel_one_off_80x24", screen(app, 80, 24));
        let s = screen(app, W, H);
        insta::assert_snapshot!("whatif_panel_one_off", s);
        assert!(row(&s, " 0 [ ]").contains("add role Key Vault Secrets"));
        assert!(row(&s, " 1 [x]").contains("remove access policy of app-web-mi"));
        assert_eq!(app.whatif.scenario.active_count(), 1);
        // Both off: the real world, exactly as before any change.
        press(app, "j<space>");
        assert_eq!(app.whatif.status, Status::Real);
        assert!(app.whatif.world.is_none());
        press(app, "W");
        assert!(!app.whatif.open);
        assert_eq!(render(app, W, H), real);
        // On again: hypothetical again.
        press(app, "Wk<space>");
        assert_eq!(app.whatif.status, Status::Ready);
        assert!(render(app, W, H).contains("what-if: 1 change"));
    });
}

#[test]
fn save_then_load_round_trips_the_change_list() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("changes.json");
    let p = path.display().to_string();
    let saved = with_demo(|app| {
        press(app, ADD_BOB);
        press(app, ADD_BOB_FIELDS);
        press(app, REMOVE_POLICY);
        press(app, "<space>");
        press(app, &format!("s<c-u>{p}<enter>"));
        assert!(
            app.whatif.message.as_deref() == Some(&format!("saved 2 change(s) to {p}")),
            "{:?}",
            app.whatif.message
        );
        app.whatif.scenario.clone()
    });
    let text = std::fs::read_to_string(&path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json[0]["kind"], "addRoleAssignment");
    assert_eq!(json[0]["principal"], "11111111-0000-0000-0000-000000000003");
    assert!(json[0].get("enabled").is_none(), "enabled is the default");
    assert_eq!(json[1]["kind"], "removeAccessPolicy");
    assert_eq!(json[1]["objectId"], "33333333-0000-0000-0000-000000000002");
    assert_eq!(json[1]["enabled"], false);
    assert_eq!(Scenario::from_json(&text).unwrap(), saved);
    with_demo(|app| {
        press(app, &format!("Wo<c-u>{p}<enter>"));
        assert_eq!(app.whatif.scenario, saved);
        assert_eq!(app.whatif.status, Status::Ready);
        let s = render(app, W, H);
        assert!(s.contains("loaded 2 change(s)"), "{s}");
        assert!(s.contains("what-if: 1 change"), "{s}");
    });
}

/// A scratch directory with a path of fixed length (under target/), so wrapped panel text that names a
/// file in it renders the same on every machine.
fn scratch() -> (tempfile::TempDir, String) {
    std::fs::create_dir_all("target/tui-whatif").unwrap();
    let dir = tempfile::Builder::new()
        .prefix("t")
        .rand_bytes(6)
        .tempdir_in("target/tui-whatif")
        .unwrap();
    // tempfile makes the path absolute; the panel shows what was typed, so type it relative to the
    // package root (the tests' working directory) to keep its length the same on every checkout.
    let name = dir
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let shown = format!("target/tui-whatif/{name}");
    (dir, shown)
}

#[test]
fn load_errors_name_the_change_and_keep_the_real_world() {
    let (dir, shown) = scratch();
    let bad_json = dir.path().join("bad.json");
    std::fs::write(&bad_json, "[{\"kind\": \"addGroupMember\",").unwrap();
    let unknown = dir.path().join("unknown.json");
    std::fs::write(
        &unknown,
        r#"[{"kind": "setPermissionModel", "vault": "kv-app-prod", "enableRbacAuthorization": true},
            {"kind": "addGroupMember", "group": "Security team", "member": "Nobody Atall"}]"#,
    )
    .unwrap();
    with_demo(|app| {
        press(app, &format!("Wo<c-u>{shown}/bad.json<enter>"));
        assert!(app.whatif.scenario.entries.is_empty());
        let s = render(app, W, H);
        assert!(s.contains("not valid JSON"), "{s}");
        press(app, &format!("o<c-u>{shown}/unknown.json<enter>"));
        assert_eq!(app.whatif.status, Status::Invalid);
        assert!(
            app.whatif.world.is_none(),
            "an invalid list shows the real world"
        );
        let s = render(app, W, H).replace(&shown, "target/tui-whatif/tXXXXXX");
        insta::assert_snapshot!("whatif_load_error", s);
        assert!(s.contains("changes[1].member"), "{s}");
        assert!(s.contains("NOT applied"), "{s}");
        assert!(row(&s, " 1 [x]!").contains("add Nobody Atall"), "{s}");
    });
}

#[test]
fn panel_keys_act_only_while_it_is_focused() {
    with_demo(|app| {
        press(app, "a");
        assert!(
            app.whatif.form.is_none(),
            "a outside the panel adds nothing"
        );
        press(app, "W<esc>d");
        assert!(app.whatif.open && !app.whatif.focused);
        press(app, "?");
        let help = render(app, W, H);
        assert!(help.contains("What-if"), "the help lists the panel's keys");
    });
}

#[test]
fn the_world_is_built_on_the_worker_and_stale_worlds_are_dropped() {
    let s = snapshot::demo();
    let engine = Arc::new(Engine::new(s.clone()));
    let mut app = App::new(engine.clone(), Options::plain("demo"));
    let _ = screen(&mut app, W, H);
    press(&mut app, "W");
    // Drive the form by hand so the world job is not settled at once.
    let mut jobs = Vec::new();
    for k in kvaccess::tui::script::keys(REMOVE_POLICY) {
        for e in app.handle(kvaccess::tui::action::Msg::Key(k)) {
            if let kvaccess::tui::action::Effect::Run(j) = e {
                jobs.push(j);
            }
        }
    }
    assert_eq!(app.whatif.status, Status::Computing);
    let first = jobs.pop().expect("a world job");
    // Toggle it off and on again: the first job's world is now stale.
    let mut more = Vec::new();
    for k in kvaccess::tui::script::keys("<space><space>") {
        more.extend(app.handle(kvaccess::tui::action::Msg::Key(k)));
    }
    let _ = app.handle(kvaccess::tui::action::Msg::Done(worker::compute(&first)));
    assert!(app.whatif.world.is_none(), "a stale world is dropped");
    kvaccess::tui::script::settle(&mut app, more);
    assert_eq!(app.whatif.status, Status::Ready);
}

#[test]
fn access_policy_permissions_are_a_multi_select() {
    with_demo(|app| {
        press(app, "WaaddAccessPolicy<enter>kv-app-prod<enter>Erin<enter>");
        press(app, "secrets/get<space><c-u>secrets/list<space>");
        let s = render(app, W, H);
        insta::assert_snapshot!("whatif_form_permissions_marked", s);
        assert!(s.contains("2 marked"), "{s}");
        press(app, "<enter>");
        match &app.whatif.scenario.entries[0].change {
            Change::AddAccessPolicy {
                object_id,
                permissions,
                ..
            } => {
                assert_eq!(object_id, "11111111-0000-0000-0000-000000000005");
                assert_eq!(permissions.secrets, ["get", "list"]);
                assert!(permissions.keys.is_empty() && permissions.certificates.is_empty());
            }
            other => panic!("unexpected change {other:?}"),
        }
        let summary = &app.whatif.world.as_ref().unwrap().summary;
        assert!(
            summary.contains(&"+1 principal can read secrets in kv-app-prod".to_string()),
            "{summary:?}"
        );
        // Deleting the only change brings the real world back.
        press(app, "d");
        assert!(app.whatif.scenario.entries.is_empty());
        assert_eq!(app.whatif.status, Status::Real);
    });
}

#[test]
fn exports_made_during_a_what_if_say_they_are_hypothetical() {
    with_demo(|app| {
        let dir = tempfile::tempdir().unwrap();
        let export = |app: &mut App, name: &str| {
            let path = dir.path().join(name);
            press(app, &format!("e<c-u>{}<enter>", path.display()));
            std::fs::read_to_string(&path).unwrap()
        };
        cell(app, "kv-app-rbac", "Carol", "secrets/get");
        let real: serde_json::Value = serde_json::from_str(&export(app, "real.json")).unwrap();
        assert!(real.get("whatIf").is_none(), "{real:#}");
        press(app, ADD_BOB);
        press(app, ADD_BOB_FIELDS);
        press(app, "<esc>");
        cell(app, "kv-app-rbac", "Carol", "secrets/get");
        let json: serde_json::Value = serde_json::from_str(&export(app, "w.json")).unwrap();
        assert_eq!(json["whatIf"]["changes"], 1, "{json:#}");
        assert_eq!(json["whatIf"]["changeList"][0]["kind"], "addRoleAssignment");
        assert!(
            json["view"].as_str().unwrap().contains("hypothetical"),
            "{json:#}"
        );
        let csv = export(app, "w.csv");
        let mut lines = csv.lines();
        assert!(lines.next().unwrap().starts_with("world,"), "{csv}");
        assert!(
            lines.all(|l| l.starts_with("\"what-if: 1 change, hypothetical\",")),
            "{csv}"
        );
        let md = export(app, "w.md");
        assert!(
            md.lines()
                .next()
                .unwrap()
                .contains("(what-if: 1 change, hypothetical)"),
            "{md}"
        );
    });
}

/// Adds "kv-app-prod moves to Azure RBAC" through the form; the panel keeps the focus.
fn switch_prod_to_rbac(app: &mut App) {
    press(app, "W");
    press(
        app,
        "asetPermissionModel<enter>kv-app-prod<enter>Azure RBAC<enter>",
    );
    assert_eq!(app.whatif.status, Status::Ready, "{:?}", app.whatif.errors);
}

#[test]
fn who_can_lists_the_self_grant_paths_a_change_closes() {
    with_demo(|app| {
        press(app, ":goto kv-app-prod<enter>:who-can secrets/get<enter>");
        let real = render(app, W, H);
        assert!(real.contains("can grant"), "{real}");
        assert!(
            !real.contains("closed"),
            "no marks in the real world:\n{real}"
        );
        // kv-app-prod moves to Azure RBAC: the access-policy self-grants close.
        switch_prod_to_rbac(app);
        press(app, "<esc>");
        let s = render(app, W, H);
        insta::assert_snapshot!("whatif_who_can_closed", s);
        // Grouped by lever grant: the access-policy self-grant groups are closed.
        let closed: Vec<&str> = s.lines().filter(|l| l.contains("closed")).collect();
        assert!(!closed.is_empty(), "closed paths are listed:\n{s}");
        assert!(
            closed.iter().all(|l| l.contains("-  ⇑ closed")),
            "{closed:?}"
        );
        assert!(
            closed
                .iter()
                .any(|l| l.contains("can add an access-policy entry")
                    || l.contains("adds access policy")),
            "{closed:?}"
        );
        // Toggled off: the real world's list, unmarked.
        press(app, "W<space>W");
        assert_eq!(app.whatif.status, Status::Real);
        assert_eq!(render(app, W, H), real);
    });
}

#[test]
fn escalation_paths_opened_and_closed_are_marked() {
    with_demo(|app| {
        press(app, "x");
        let real = render(app, W, H);
        assert!(
            !real.contains("closed"),
            "no marks in the real world:\n{real}"
        );
        // kv-app-prod moves to Azure RBAC: its access-policy escalations close, and the Owner who can
        // create role assignments can now give himself a data role.
        switch_prod_to_rbac(app);
        press(app, "<esc>x");
        let s = render(app, W, H);
        insta::assert_snapshot!("whatif_escalations_marked", s);
        // Alice and Bob's path through the Security team's grant closes: one group of two.
        let closed = row(
            &s,
            "Security team   2 kv-app-prod closed: adds access policy",
        );
        assert!(closed.contains("-  ✔ G Security team"), "{closed}");
        let summary = &app.whatif.world.as_ref().unwrap().summary;
        let before = app.whatif.escalations_before.as_ref().unwrap().groups();
        let lost: usize = kvaccess::tui::whatif::marks::escalation_groups_lost(
            Some(&before),
            &app.escalations.kept(),
        )
        .iter()
        .map(|g| g.findings)
        .sum();
        assert_eq!(
            s.lines().filter(|l| l.contains("closed:")).count(),
            4,
            "a row per closed group"
        );
        assert!(
            summary.iter().any(|l| l.contains(&format!("-{lost}"))),
            "as many closed findings ({lost}) as the summary counts: {summary:?}"
        );
        let opened: Vec<&str> = s
            .lines()
            .filter(|l| l.contains("Oscar") && l.contains("+"))
            .collect();
        assert!(!opened.is_empty(), "Oscar's new path is marked:\n{s}");
        // Toggled off: the real world's list, unmarked.
        press(app, "W<space>Wx");
        assert_eq!(app.whatif.status, Status::Real);
        assert_eq!(render(app, W, H), real);
    });
}
