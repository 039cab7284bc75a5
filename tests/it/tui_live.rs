//! `kvaccess tui --live` without a network: fetch updates fed by hand to the live harness (the app, its
//! throttled rebuilds on the worker's code, the move onto each new engine), screens on `TestBackend`.
//! Verdicts on partial data, the progress line, the log view (hostile names included), `r` and `L`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use kvaccess::catalog;
use kvaccess::eval::Request;
use kvaccess::eval::{Decision, Engine, UnknownBecause};
use kvaccess::fetch::{CollectionErrorRecord, FetchStats, FetchUpdate, Section};
use kvaccess::model::{Cause, Scope, Snapshot};
use kvaccess::snapshot;
use kvaccess::tui::Options;
use kvaccess::tui::app::Overlay;
use kvaccess::tui::live::harness::Harness;
use kvaccess::tui::live::{LiveEvent, Showing, mark_still_collecting};
use serde_json::Value;

const COLLECTED: &str = "2026-11-28T10:00:00Z";

fn demo_doc() -> Value {
    serde_json::from_str(snapshot::DEMO_JSON).unwrap()
}

/// The demo tenant's items of one section, as the fetcher streams them.
fn section(section: Section) -> FetchUpdate {
    let items = demo_doc()[section.key()]
        .as_array()
        .cloned()
        .unwrap_or_default();
    FetchUpdate::Section {
        section,
        scope: "/".into(),
        items: Arc::new(items),
    }
}

fn started() -> FetchUpdate {
    FetchUpdate::Started {
        cloud: "AzureCloud".into(),
        credential: "pre-issued tokens".into(),
    }
}

fn progress(done: usize, planned: usize, message: &str) -> FetchUpdate {
    FetchUpdate::Progress {
        done,
        planned,
        message: message.into(),
    }
}

fn finished() -> FetchUpdate {
    FetchUpdate::Finished(FetchStats {
        requests: 42,
        elapsed_ms: 3_500,
        ..FetchStats::default()
    })
}

/// Every section of the demo tenant, in the order ARM and Graph deliver them.
fn everything(h: &mut Harness) {
    for s in Section::ALL {
        h.update(section(s));
    }
}

fn empty_session() -> Harness {
    Harness::new(Snapshot::default(), None, Options::plain("live"))
}

fn cached_session() -> Harness {
    Harness::new(
        snapshot::demo(),
        Some(Some(COLLECTED.into())),
        Options::plain("cache.json"),
    )
}

fn headline(h: &mut Harness) -> String {
    h.with_app(|app| app.live.as_ref().unwrap().headline())
}

fn row(screen: &str, n: usize) -> String {
    screen.lines().nth(n).unwrap_or_default().to_string()
}

#[test]
fn an_empty_tenant_fills_in_as_sections_arrive() {
    let mut h = empty_session();
    assert_eq!(h.refreshes, 1, "the session starts a run at once");
    assert_eq!(headline(&mut h), "collecting…");
    h.update(started());
    h.update(progress(1, 3, "2 subscription(s)"));
    let s = h.screen(120, 30);
    assert!(!s.contains("kv-app-prod"), "{s}");
    assert!(s.contains("read 1/3 lists, 2 in flight"), "{s}");
    assert!(s.contains("· 2 subscription(s)"), "{s}");
    h.update(section(Section::ManagementGroups));
    h.update(section(Section::Subscriptions));
    h.update(section(Section::ResourceGroups));
    h.update(section(Section::Vaults));
    h.settle();
    let s = h.screen(120, 30);
    assert!(
        s.contains("kv-app-prod"),
        "vaults appear while collecting:\n{s}"
    );
    assert!(!s.contains("Bob"), "principals are not read yet:\n{s}");
    assert!(
        !s.contains("kv-app-rbac RBAC PP ⚠"),
        "still collecting is not a failed collection:\n{s}"
    );
    let tall = h.screen(120, 60);
    assert!(
        tall.contains("Still collecting"),
        "the scope's explanation says so:\n{tall}"
    );
    h.update(section(Section::Principals));
    h.settle();
    let s = h.screen(120, 30);
    assert!(s.contains("Bob"), "principals appear:\n{s}");
    assert!(h.with_app(|app| app.live.as_ref().unwrap().showing == Showing::Partial));
    for s in [
        Section::RoleDefinitions,
        Section::RoleAssignments,
        Section::GroupMemberships,
    ] {
        h.update(section(s));
    }
    h.update(finished());
    let s = h.screen(120, 60);
    assert!(!s.contains("Still collecting"), "{s}");
    assert!(s.contains("live snapshot from"), "{s}");
}

#[test]
fn rebuilds_are_throttled_and_one_at_a_time() {
    let mut h = empty_session();
    h.update(section(Section::Subscriptions));
    assert_eq!(h.switches, 1, "the first data shows at once");
    h.update(section(Section::Vaults));
    h.update(section(Section::Principals));
    assert_eq!(h.switches, 1, "newer data waits for the throttle");
    h.advance(Duration::from_millis(150));
    assert_eq!(h.switches, 1, "150 ms is inside the throttle");
    h.advance(Duration::from_millis(300));
    assert_eq!(h.switches, 2, "past the throttle the waiting data is shown");
    h.advance(Duration::from_secs(2));
    assert_eq!(h.switches, 2, "no rebuild without new data");
    let vaults = h.with_app(|app| app.engine.snapshot.vaults.len());
    assert_eq!(vaults, 4);
    // After a quiet spell new data shows at once; right after that, a finished run still does.
    h.update(section(Section::RoleAssignments));
    assert_eq!(h.switches, 3);
    h.update(section(Section::DenyAssignments));
    assert_eq!(h.switches, 3);
    h.update(finished());
    assert_eq!(
        h.switches, 4,
        "a finished run is shown whatever the throttle says"
    );
    assert!(
        h.with_app(|app| matches!(app.live.as_ref().unwrap().showing, Showing::Fresh(Some(_))))
    );
}

#[test]
fn partial_data_answers_unknown_still_collecting_never_denied() {
    // On the complete tenant, somebody is denied secrets/get on the RBAC vault…
    let complete = snapshot::demo();
    let engine = Arc::new(Engine::new(complete.clone()));
    let vault = complete
        .vaults
        .iter()
        .find(|v| v.name == "kv-app-rbac")
        .unwrap()
        .scope
        .clone();
    let action = catalog::resolve("secrets/get").unwrap();
    let denied: Vec<String> = complete
        .principals
        .iter()
        .map(|p| p.id.clone())
        .filter(|id| {
            let v = engine
                .check(&Request::new(
                    &engine.subject(id),
                    &engine.target(&vault),
                    &action,
                ))
                .unwrap();
            v.decision == Decision::Denied
        })
        .collect();
    assert!(!denied.is_empty());
    // …but while the same data is still being collected, none of them is: the answer is unknown, and says why.
    let mut partial = snapshot::demo();
    mark_still_collecting(&mut partial);
    let engine = Arc::new(Engine::new(partial.clone()));
    for id in &denied {
        let v = engine
            .check(&Request::new(
                &engine.subject(id),
                &engine.target(&vault),
                &action,
            ))
            .unwrap();
        assert_eq!(v.decision, Decision::Unknown, "{id}");
        assert!(
            v.unknown_because
                .iter()
                .any(|r| matches!(r, UnknownBecause::StillCollecting(_))),
            "{:?}",
            v.unknown_because
        );
    }
    // The same through a live session: before the run ends unknown, after it denied.
    let mut h = empty_session();
    everything(&mut h);
    h.settle();
    let check = |h: &mut Harness| {
        let vault = vault.clone();
        let action = action.clone();
        let id = denied[0].clone();
        h.with_app(move |app| {
            let e = &app.engine;
            e.check(&Request::new(&e.subject(&id), &e.target(&vault), &action))
                .unwrap()
                .decision
        })
    };
    assert_eq!(check(&mut h), Decision::Unknown);
    h.update(finished());
    assert_eq!(check(&mut h), Decision::Denied);
}

#[test]
fn the_selection_is_kept_by_id_across_rebuilds() {
    let mut h = empty_session();
    for s in [
        Section::ManagementGroups,
        Section::Subscriptions,
        Section::ResourceGroups,
        Section::Vaults,
    ] {
        h.update(section(s));
    }
    // Only some principals first: Hank sorts after the ones still to come.
    let mut principals = demo_doc()["principals"].as_array().cloned().unwrap();
    let rest = principals.split_off(11);
    h.update(FetchUpdate::Section {
        section: Section::Principals,
        scope: "/".into(),
        items: Arc::new(principals),
    });
    h.settle();
    h.press(":goto kv-app-rbac<enter>:principal Hank<enter>");
    let (scope, principal) = h.with_app(|app| {
        (
            app.nav.scopes.selected_scope().cloned().unwrap(),
            app.nav.principals.selected().unwrap().id.clone(),
        )
    });
    assert!(scope.id().ends_with("/kv-app-rbac"), "{scope}");
    let position = h.with_app(|app| app.nav.principals.cursor.selected);
    let switches = h.switches;
    h.update(FetchUpdate::Section {
        section: Section::Principals,
        scope: "/".into(),
        items: Arc::new(rest),
    });
    h.update(section(Section::RoleAssignments));
    h.settle();
    assert_eq!(h.switches, switches + 1);
    let (scope_now, principal_now, position_now, total) = h.with_app(|app| {
        (
            app.nav.scopes.selected_scope().cloned().unwrap(),
            app.nav.principals.selected().unwrap().id.clone(),
            app.nav.principals.cursor.selected,
            app.nav.principals.all.len(),
        )
    });
    assert_eq!(scope_now, scope);
    assert_eq!(principal_now, principal, "same principal, by id");
    assert_ne!(
        position_now, position,
        "it moved in the list (others arrived before it)"
    );
    assert!(total >= 19);
}

#[test]
fn a_cached_snapshot_stays_until_the_refresh_completes() {
    let mut h = cached_session();
    assert_eq!(
        headline(&mut h),
        "cached snapshot from 2026-11-28 10:00:00 UTC — refreshing…"
    );
    let s = h.screen(120, 30);
    assert!(
        s.contains("cached snapshot from 2026-11-28 10:00:00 UTC"),
        "{s}"
    );
    assert!(s.contains("kv-app-prod") && s.contains("Alice"), "{s}");
    // Partial data never replaces the complete cached snapshot.
    h.update(started());
    h.update(section(Section::Subscriptions));
    h.settle();
    assert_eq!(h.switches, 0);
    assert_eq!(h.with_app(|app| app.engine.snapshot.principals.len()), 19);
    h.press(":principal Bob<enter>");
    // The run ends: the fresh data (here: no principals, one subscription) replaces it.
    h.clock = "2026-11-29T08:05:00Z".into();
    h.update(finished());
    assert_eq!(h.switches, 1);
    assert_eq!(h.with_app(|app| app.engine.snapshot.principals.len()), 0);
    assert_eq!(
        headline(&mut h),
        "live snapshot from 2026-11-29 08:00:00 UTC"
    );
    assert!(
        h.progress_line()
            .starts_with("✓ complete at 2026-11-29 08:05:00 UTC, 0 collection errors")
    );
}

#[test]
fn r_starts_a_run_only_when_none_is_going() {
    let mut h = cached_session();
    assert_eq!(h.refreshes, 1);
    h.press("r");
    assert_eq!(h.refreshes, 1, "a run is going");
    let s = h.screen(120, 30);
    assert!(s.contains("a refresh is already running"), "{s}");
    h.update(finished());
    h.press("r");
    assert_eq!(h.refreshes, 2);
    assert!(h.with_app(|app| app.live.as_ref().unwrap().running));
    assert!(headline(&mut h).ends_with("— refreshing…"));
    // A run that fails keeps the data on screen and says why.
    h.update(FetchUpdate::Failed(
        "no ARM token\n  to fix: set KVACCESS_ARM_TOKEN (az account get-access-token …)".into(),
    ));
    let s = h.screen(120, 30);
    assert!(s.contains("live fetch failed: no ARM token"), "{s}");
    h.press("L");
    let s = h.screen(120, 30);
    assert!(s.contains("FAILED  no ARM token"), "{s}");
    assert!(
        s.contains("        to fix: set KVACCESS_ARM_TOKEN"),
        "advice on its own line:\n{s}"
    );
    assert!(!s.contains('\u{fffd}'), "{s}");
    h.press("<esc>");
    assert!(
        h.progress_line()
            .starts_with("✗ fetch failed: no ARM token")
    );
    assert!(headline(&mut h).starts_with("live snapshot from"));
    h.press("r");
    assert_eq!(h.refreshes, 3, "r retries after a failure");
}

fn progress_row(h: &mut Harness) -> String {
    let s = h.screen(120, 30);
    row(&s, 29)
}

#[test]
fn progress_line_while_reading_and_when_complete() {
    let mut h = empty_session();
    h.update(started());
    h.update(progress(7, 12, "Contoso Production: 5 role assignment(s)"));
    h.send(LiveEvent::Stats(FetchStats {
        requests: 9,
        throttled: 2,
        waited_ms: 1_500,
        ..FetchStats::default()
    }));
    insta::assert_snapshot!("live_progress_reading", progress_row(&mut h));
    h.update(FetchUpdate::Error(CollectionErrorRecord {
        scope: "/subscriptions/291bba3f-e0a5-47bc-a099-3bdcb2a50a05".into(),
        section: Section::DenyAssignments,
        status: Some(403),
        message: "AuthorizationFailed".into(),
    }));
    h.clock = "2026-11-29T08:01:30Z".into();
    h.update(finished());
    h.send(LiveEvent::Saved(Ok(
        "/home/u/.cache/kvaccess/snapshots/x.json".into(),
    )));
    insta::assert_snapshot!("live_progress_complete", progress_row(&mut h));
}

#[test]
fn the_log_view_lists_errors_and_warnings_cleaned() {
    let mut h = empty_session();
    h.update(started());
    h.update(FetchUpdate::Error(CollectionErrorRecord {
        scope: "/subscriptions/291bba3f-e0a5-47bc-a099-3bdcb2a50a05/resourceGroups/rg\u{1b}[2J\u{1b}]0;pwned\u{7}"
            .into(),
        section: Section::RoleAssignments,
        status: Some(403),
        message: "The client does not have authorization \u{1b}[31mRED\u{1b}[0m".into(),
    }));
    h.update(FetchUpdate::Error(CollectionErrorRecord {
        scope: "/".into(),
        section: Section::Principals,
        status: None,
        message: "connection reset".into(),
    }));
    h.update(FetchUpdate::Warning(
        "dropped a vault named \u{1b}[1mevil\u{1b}[0m".into(),
    ));
    h.press("L");
    assert!(h.with_app(|app| matches!(app.overlay, Some(Overlay::Log { .. }))));
    let s = h.screen(120, 30);
    assert!(!s.contains('\u{1b}') && !s.contains('\u{7}'), "{s}");
    assert!(
        s.contains("roleAssignments") && s.contains("HTTP 403"),
        "{s}"
    );
    assert!(s.contains("2 collection error(s), 1 warning(s)"), "{s}");
    insta::assert_snapshot!("live_log_view", s);
    h.press("<esc>");
    assert!(h.with_app(|app| app.overlay.is_none()));
}

#[test]
fn r_and_l_outside_a_live_session_say_so() {
    let s = snapshot::demo();
    let engine = Arc::new(Engine::new(s.clone()));
    let mut app = kvaccess::tui::App::new(engine.clone(), Options::plain("demo"));
    kvaccess::tui::script::press(&mut app, "r");
    assert!(app.message.as_deref().unwrap().contains("tui --live"));
    kvaccess::tui::script::press(&mut app, "L");
    assert!(app.overlay.is_none());
}

#[test]
fn still_collecting_is_not_a_collection_error_in_words() {
    let mut s = Snapshot::default();
    mark_still_collecting(&mut s);
    assert!(
        s.collection_errors
            .iter()
            .all(|e| e.cause == Cause::StillCollecting)
    );
    assert!(s.collection_errors.iter().all(|e| e.scope == Scope::root()));
    let e = &s.collection_errors[0];
    let words = UnknownBecause::from_error(e, "/".into()).to_string();
    assert!(words.starts_with("still collecting"), "{words}");
}

#[test]
fn a_new_run_after_a_failed_one_fills_in_from_its_own_data() {
    let mut h = empty_session();
    h.update(section(Section::Subscriptions));
    assert_eq!(h.with_app(|app| app.engine.snapshot.subscriptions.len()), 2);
    h.update(FetchUpdate::Failed("connection refused".into()));
    assert_eq!(headline(&mut h), "partial data: the fetch did not finish");
    h.press("r");
    assert_eq!(h.refreshes, 2);
    // The new run's store counts generations afresh; its first data must still be shown.
    h.update(section(Section::Vaults));
    h.settle();
    let (subscriptions, vaults) = h.with_app(|app| {
        let s = &app.engine.snapshot;
        (s.subscriptions.len(), s.vaults.len())
    });
    assert_eq!(
        (subscriptions, vaults),
        (0, 4),
        "the new run's data, not the old run's"
    );
}

#[test]
fn a_slow_rebuild_spaces_the_next_ones_out() {
    let mut h = empty_session();
    h.update(section(Section::Subscriptions));
    assert_eq!(h.switches, 1);
    // The loop measured half a second to move the app onto the last engine (a large tenant).
    h.with_app(|app| app.live.as_mut().unwrap().rebuild_cost = Duration::from_millis(500));
    h.update(section(Section::Vaults));
    h.advance(Duration::from_millis(1_000));
    assert_eq!(h.switches, 1, "1 s is less than four times the cost");
    h.advance(Duration::from_millis(1_100));
    assert_eq!(h.switches, 2, "past four times the cost the data is shown");
}

#[test]
fn a_refresh_rebuilds_the_what_if_world_over_the_new_data() {
    let mut h = cached_session();
    let changes = r#"[{"kind": "addRoleAssignment", "principal": "Carol", "role": "Key Vault Secrets User",
        "scope": "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-app-rbac"}]"#;
    h.with_app(|app| {
        app.whatif.scenario = kvaccess::whatif::Scenario::from_json(changes).unwrap();
        app.whatif.edited();
    });
    h.press("j");
    let first = h.with_app(|app| app.whatif.world_generation());
    let errors = h.with_app(|app| app.whatif.errors.clone());
    assert!(
        first > 0,
        "the hypothetical world is built over the cached data: {errors:?}"
    );
    everything(&mut h);
    h.update(finished());
    h.press("j");
    let (generation, on_fresh) = h.with_app(|app| {
        let world = app
            .whatif
            .world
            .as_ref()
            .map(|w| w.engine().snapshot.vaults.len());
        (
            app.whatif.world_generation(),
            world == Some(app.engine.snapshot.vaults.len()),
        )
    });
    assert!(
        generation > first,
        "the world of the old data is replaced, not kept ({first} → {generation})"
    );
    assert!(on_fresh);
    let s = h.screen(160, 48);
    assert!(s.contains("what-if: 1 change"), "{s}");
}

/// The loop sleeps until something arrives; data the throttle holds back tells it when to wake instead of
/// the loop polling.
#[test]
fn held_back_data_tells_the_loop_when_to_wake() {
    let mut h = empty_session();
    let start = h.now;
    h.update(section(Section::Subscriptions));
    assert_eq!(h.with_app(|app| app.wake_at()), None, "shown at once");
    h.update(section(Section::Vaults));
    assert_eq!(
        h.with_app(|app| app.wake_at()),
        Some(start + kvaccess::tui::live::REBUILD_EVERY),
        "held back until the throttle allows"
    );
    h.advance(kvaccess::tui::live::REBUILD_EVERY);
    assert_eq!(h.switches, 2);
    assert_eq!(h.with_app(|app| app.wake_at()), None, "nothing held back");
    h.update(finished());
    assert_eq!(h.with_app(|app| app.wake_at()), None);
}

/// While a live run reads, the perimeters may still name any vault: its public-network answer waits on them
/// (unknown, "still collecting"), instead of being judged by the vault's own firewall alone.
#[test]
fn while_collecting_a_vaults_perimeter_is_not_assumed_absent() {
    use kvaccess::model::perimeter::PerimeterLink;
    let mut s = snapshot::demo();
    assert!(
        s.vaults
            .iter()
            .all(|v| !matches!(v.network.perimeter, PerimeterLink::Unreadable(_)))
    );
    mark_still_collecting(&mut s);
    for v in &s.vaults {
        match &v.network.perimeter {
            PerimeterLink::Unreadable(why) => assert!(why.contains("still collecting"), "{why}"),
            other => panic!("{}: {other:?}", v.name),
        }
    }
}
