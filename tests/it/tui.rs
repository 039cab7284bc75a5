//! The explorer on ratatui's `TestBackend`: screens of every pane on the demo tenant at 80×24 and 160×48,
//! the overlays, the explanations a learner reads, scripted key sequences, and hostile display names.
//! Snapshots live in tests/it/snapshots (`INSTA_UPDATE=always cargo test --test it tui` rewrites them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kvaccess::eval::Engine;
use kvaccess::eval::Request;
use kvaccess::model::{GroupMembership, Principal, PrincipalKind, Snapshot};
use kvaccess::snapshot;
use kvaccess::tui::action::{Effect, Msg};
use kvaccess::tui::app::{App, Focus, View};
use kvaccess::tui::script::{press, render, screen, settle};
use kvaccess::tui::theme::ThemeKind;
use kvaccess::tui::worker::{self, Job, JobSpec};
use kvaccess::tui::{Options, keymap};
use ratatui::crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use std::sync::Arc;

const SOURCE: &str = "demo";

fn with_demo<R>(f: impl FnOnce(&mut App) -> R) -> R {
    let s = snapshot::demo();
    with_snapshot(&s, f)
}

fn with_snapshot<R>(s: &Snapshot, f: impl FnOnce(&mut App) -> R) -> R {
    let engine = Arc::new(Engine::new(s.clone()));
    let mut app = App::new(engine.clone(), Options::plain(SOURCE));
    let _ = screen(&mut app, 80, 24);
    f(&mut app)
}

/// Both reference sizes, each snapshotted under its own name.
fn both_sizes(app: &mut App, name: &str) {
    for (w, h) in [(80, 24), (160, 48)] {
        let s = screen(app, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), s);
    }
}

/// Selects a vault, a principal and an operation through the command palette, as a user would.
fn cell(app: &mut App, scope: &str, principal: &str, op: &str) {
    press(
        app,
        &format!(":goto {scope}<enter>:principal {principal}<enter>:op {op}<enter>"),
    );
}

#[test]
fn first_screen_shows_the_tree_principals_and_permissions() {
    with_demo(|app| {
        assert_eq!(app.focus, Focus::Scopes);
        both_sizes(app, "start_scopes");
    });
}

#[test]
fn principals_pane_shows_groups_of_a_user_and_members_of_a_group() {
    with_demo(|app| {
        press(app, ":principal Bob<enter>P");
        assert_eq!(app.focus, Focus::Principals);
        both_sizes(app, "principals_bob");
        press(app, ":principal Security team<enter>");
        let text = app.explain.plain();
        assert!(text.contains("Members, transitively"), "{text}");
        assert!(text.contains("Bob (via Security on-call)"), "{text}");
    });
}

#[test]
fn permissions_pane_for_a_cell() {
    with_demo(|app| {
        cell(app, "kv-app-prod", "Bob", "secrets/get");
        assert_eq!((app.focus, app.view), (Focus::Main, View::Permissions));
        both_sizes(app, "permissions_bob_kv_app_prod");
    });
}

#[test]
fn matrix_of_a_vault() {
    with_demo(|app| {
        press(app, ":goto kv-app-rbac<enter>m");
        assert!(app.matrix.ready().is_some());
        both_sizes(app, "matrix_kv_app_rbac");
        press(app, "m");
        assert_eq!(app.view, View::Permissions, "m toggles back");
    });
}

#[test]
fn who_can_with_via_column() {
    with_demo(|app| {
        cell(app, "kv-app-prod", "Bob", "secrets/get");
        press(app, "w");
        assert_eq!(app.view, View::WhoCan);
        both_sizes(app, "who_can_secrets_get_kv_app_prod");
        // Grouped by the grant that decides: the Security team's access policy, reaching 2 identities.
        let w = app.who.ready().unwrap();
        let team = w
            .groups
            .iter()
            .find(|g| {
                g.holder
                    .as_ref()
                    .is_some_and(|h| h.display_name == "Security team")
            })
            .unwrap();
        assert_eq!(team.identities, 2);
        let how = kvaccess::tui::pane::who_can::describe(&app.engine, team);
        assert_eq!(how, "Security team (2 identities): access policy");
        // Enter lists the group's identities, with the groups between each and the holder.
        let at = app
            .who
            .rows()
            .iter()
            .position(|r| matches!(r, kvaccess::tui::view::pages::Row::Group((_, 0))))
            .unwrap();
        app.who.cursor.selected = at;
        press(app, "<enter>");
        let s = render(app, 160, 48);
        assert!(s.contains("U Bob  via Security on-call"), "{s}");
        assert_eq!(app.view, View::WhoCan, "a group opens in place");
    });
}

#[test]
fn escalations_list_and_jump() {
    with_demo(|app| {
        press(app, "x");
        both_sizes(app, "escalations");
        // Enter opens the first group; its first identity jumps to its permissions at the vault.
        press(app, "<enter>j");
        assert_eq!(app.view, View::Escalations, "a group opens in place");
        let Some(kvaccess::tui::view::escalations::Picked::Member(_, m)) =
            app.escalations.selected()
        else {
            panic!("an identity is selected")
        };
        let m = m.clone();
        press(app, "<enter>");
        assert_eq!(app.view, View::Permissions);
        assert_eq!(app.nav.principals.selected().unwrap().id, m.principal.id);
        assert_eq!(app.nav.scopes.selected_scope().unwrap().id(), m.first_vault);
    });
}

#[test]
fn explain_pane_zoomed() {
    with_demo(|app| {
        cell(app, "kv-app-rbac", "Hank", "secrets/delete");
        press(app, "<enter>z");
        assert_eq!(app.focus, Focus::Explain);
        both_sizes(app, "explain_zoomed_hank");
    });
}

#[test]
fn help_overlay_lists_every_binding() {
    with_demo(|app| {
        press(app, "?");
        insta::assert_snapshot!("help_80x24", render(app, 80, 24));
        insta::assert_snapshot!("help_160x48", render(app, 160, 48));
        let map = keymap::Keymap::defaults();
        // Every binding is reachable by scrolling the overlay.
        let mut s = render(app, 160, 48);
        for _ in 0..4 {
            press(app, "<pgdn>");
            s.push_str(&render(app, 160, 48));
        }
        for b in &map.bindings {
            assert!(s.contains(&b.desc), "help lacks '{}'", b.desc);
        }
        press(app, "<esc>");
        assert!(app.overlay.is_none());
    });
}

#[test]
fn fuzzy_filter_over_names_upns_and_ids() {
    with_demo(|app| {
        press(app, "/bo");
        assert!(app.filter.active);
        insta::assert_snapshot!("filter_bo_80x24", render(app, 80, 24));
        press(app, "<bs><bs>77777777-0000-0000-0000-000000000004<enter>");
        assert_eq!(app.nav.principals.selected().unwrap().name, "ci-deployer");
        press(app, "<esc>");
        assert_eq!(app.nav.principals.shown.len(), app.nav.principals.all.len());
    });
}

#[test]
fn command_palette_matches_fuzzily() {
    with_demo(|app| {
        press(app, ":mtrx");
        insta::assert_snapshot!("palette_mtrx_80x24", render(app, 80, 24));
        press(app, "<enter>");
        assert_eq!(app.view, View::Matrix);
    });
}

/// A typed argument makes a palette row's name long; it must not run into the description.
#[test]
fn palette_rows_keep_the_argument_apart_from_the_description() {
    with_demo(|app| {
        press(app, ":who-can secrets/get");
        let screen = render(app, 120, 30);
        let row = screen
            .lines()
            .find(|l| l.contains("who-can secrets/get") && !l.contains(": who-can"))
            .unwrap_or_else(|| panic!("no who-can row:\n{screen}"));
        assert!(row.contains("who-can secrets/get "), "{row}");
        assert!(!row.contains("secrets/getwho-can"), "{row}");
    });
}

/// Who-can at a subscription explains itself in the explorer's words, not the CLI's flags.
#[test]
fn who_can_above_a_vault_says_what_to_select() {
    with_demo(|app| {
        press(
            app,
            ":goto /subscriptions/bbbbbbbb-0000-0000-0000-000000000001<enter>:who-can secrets/get<enter>",
        );
        let screen = render(app, 160, 40);
        assert!(
            screen.contains("secrets/get is a data-plane operation: select a vault"),
            "{screen}"
        );
        assert!(!screen.contains("give a vault"), "{screen}");
    });
}

/// The principals pane and the status bar count the same principals (the demo names one that the
/// directory lacks: both count it).
#[test]
fn the_principal_counts_agree() {
    with_demo(|app| {
        let n = app.nav.principals.all.len();
        assert!(
            n > app.engine.snapshot.principals.len(),
            "the demo has one not in the directory"
        );
        let screen = render(app, 160, 48);
        assert!(screen.contains(&format!("Principals {n}")), "{screen}");
        assert!(screen.contains(&format!(" {n} principals ")), "{screen}");
    });
}

#[test]
fn narrow_terminals_collapse_to_the_focused_pane() {
    with_demo(|app| {
        cell(app, "kv-app-prod", "Bob", "secrets/get");
        let s = screen(app, 50, 20);
        insta::assert_snapshot!("narrow_50x20", s);
        assert!(!s.contains("Scopes"), "only the focused pane");
        let tiny = screen(app, 12, 4);
        assert_eq!(tiny.lines().count(), 4);
    });
}

fn explain_text(scope: &str, principal: &str, op: &str, from: Option<&str>) -> String {
    with_demo(|app| {
        if let Some(f) = from {
            press(app, &format!(":from {f}<enter>"));
        }
        cell(app, scope, principal, op);
        app.explain.plain()
    })
}

#[test]
fn explain_access_policy_grant_through_a_nested_group() {
    let text = explain_text("kv-app-prod", "Bob", "secrets/get", None);
    assert!(text.contains("ALLOWED"));
    assert!(
        text.contains("Bob → Security on-call → Security team"),
        "{text}"
    );
    assert!(text.contains("https://kv-app-prod.vault.azure.net"));
    insta::assert_snapshot!("explain_bob_secrets_get_kv_app_prod", text);
}

#[test]
fn explain_rbac_item_scope_grant() {
    let text = explain_text("storage-account-key", "Erin", "secrets/get", None);
    assert!(text.contains("item-scope assignment"), "{text}");
    insta::assert_snapshot!("explain_erin_item_scope", text);
}

#[test]
fn explain_deny_assignment() {
    let text = explain_text("kv-app-rbac", "Hank", "secrets/delete", None);
    assert!(
        text.contains("DENIED") && text.contains("deny assignment"),
        "{text}"
    );
    insta::assert_snapshot!("explain_hank_deny", text);
}

#[test]
fn explain_firewall_block_from_a_caller_location() {
    let text = explain_text("kv-app-prod", "Bob", "secrets/get", Some("192.0.2.55"));
    assert!(
        text.contains("DENIED") && text.contains("no IP rule admits 192.0.2.55"),
        "{text}"
    );
    insta::assert_snapshot!("explain_bob_firewall_block", text);
    let admitted = explain_text("kv-app-prod", "Bob", "secrets/get", Some("203.0.113.20"));
    assert!(admitted.contains("ALLOWED"), "{admitted}");
}

#[test]
fn explain_conditional_assignment() {
    let text = explain_text("kv-app-rbac", "Gina", "secrets/get", None);
    assert!(
        text.contains("CONDITIONAL") && text.contains("only if:"),
        "{text}"
    );
    insta::assert_snapshot!("explain_gina_conditional", text);
}

#[test]
fn explain_unknown_verdict() {
    let text = explain_text("kv-app-rbac", "Dana", "secrets/get", None);
    assert!(
        text.contains("UNKNOWN") && text.contains("Why the answer is unknown"),
        "{text}"
    );
    insta::assert_snapshot!("explain_dana_unknown", text);
    let dev = explain_text("kv-app-dev", "Alice", "vaults/write", None);
    assert!(dev.contains("could not be read"), "{dev}");
}

#[test]
fn explain_management_plane_names_the_arm_endpoint() {
    let text = explain_text("kv-app-prod", "Oscar", "vaults/write", None);
    assert!(
        text.contains("MANAGEMENT-PLANE") && text.contains("https://management.azure.com"),
        "{text}"
    );
}

/// The scripted walk a new user takes: to a vault with the keys, pick a principal, explain a cell,
/// then turn the question around.
#[test]
fn driving_keys_from_the_first_screen_to_who_can() {
    with_demo(|app| {
        // Scope tree: move down to kv-app-rbac (the row after kv-app-prod), open it, close it, go on to
        // the principals.
        let start = app.nav.scopes.selected_scope().unwrap().name().to_string();
        assert_eq!(start, "kv-app-prod");
        press(app, "j<enter>");
        assert_eq!(
            app.nav.scopes.selected_scope().unwrap().name(),
            "kv-app-rbac"
        );
        assert_eq!(app.focus, Focus::Scopes, "Enter opens the vault");
        press(app, "<enter><tab>");
        assert_eq!(app.focus, Focus::Principals);
        // Principal: filter to Erin and take her.
        press(app, "/erin<enter><enter>");
        assert_eq!(app.nav.principals.selected().unwrap().name, "Erin");
        assert_eq!(app.focus, Focus::Main);
        let s = render(app, 80, 24);
        assert!(s.contains("Permissions Erin @ kv-app-rbac"), "{s}");
        // Down to secrets/get, explain it.
        let target = app.perms.line_of_op("secrets/get").unwrap();
        while app.perms.cursor.selected < target {
            press(app, "j");
        }
        press(app, "<enter>");
        assert_eq!(app.focus, Focus::Explain);
        let s = render(app, 160, 48);
        assert!(s.contains("Erin · secrets/get · vault kv-app-rbac"), "{s}");
        // The reverse question for the same operation.
        press(app, "<esc>w");
        assert_eq!(app.view, View::WhoCan);
        let s = render(app, 160, 48);
        assert!(s.contains("Who can secrets/get @ kv-app-rbac"), "{s}");
        assert!(
            s.contains("Security team") && s.contains("IDENTITIES"),
            "{s}"
        );
        press(app, "q");
        assert!(app.quit);
    });
}

#[test]
fn mouse_click_selects_and_wheel_scrolls() {
    with_demo(|app| {
        let areas = app.areas();
        let r = areas.principals.unwrap();
        let click = MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: r.x + 3,
            row: r.y + 4,
            modifiers: KeyModifiers::NONE,
        };
        let _ = app.handle(Msg::Mouse(click));
        assert_eq!(app.focus, Focus::Principals);
        assert_eq!(app.nav.principals.cursor.selected, 3);
        let wheel = MouseEvent {
            kind: MouseEventKind::ScrollDown,
            ..click
        };
        let _ = app.handle(Msg::Mouse(wheel));
        assert_eq!(app.nav.principals.cursor.selected, 6);
    });
}

#[test]
fn copy_and_export() {
    with_demo(|app| {
        let copied = press(app, "Py");
        assert_eq!(
            copied,
            vec![app.nav.principals.selected().unwrap().id.clone()]
        );
        let dir = tempfile::tempdir().unwrap();
        cell(app, "kv-app-prod", "Bob", "secrets/get");
        for ext in ["json", "csv", "md"] {
            let path = dir.path().join(format!("perms.{ext}"));
            press(app, &format!("e<c-u>{}<enter>", path.display()));
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.contains("secrets/get"), "{ext}: {text}");
            assert!(app.message.as_deref().unwrap().starts_with("exported to"));
        }
        press(app, "<enter>");
        let path = dir.path().join("explain.md");
        press(app, &format!("e<c-u>{}<enter>", path.display()));
        let md = std::fs::read_to_string(&path).unwrap();
        assert!(md.starts_with("# Bob · secrets/get"), "{md}");
        press(app, "e<c-u>nope.txt<enter>");
        assert!(
            app.message
                .as_deref()
                .unwrap()
                .contains(".json, .csv or .md")
        );
    });
}

#[test]
fn stale_background_results_are_dropped() {
    let s = snapshot::demo();
    let engine = Arc::new(Engine::new(s.clone()));
    let mut app = App::new(engine.clone(), Options::plain(SOURCE));
    let _ = app.handle(Msg::Resize(80, 24));
    let first = press_collect(&mut app, ":goto kv-app-prod<enter>m");
    let second = press_collect(&mut app, ":goto kv-app-rbac<enter>");
    let (old, new) = (job_of(&first), job_of(&second));
    // The old answer arrives after the new question was asked: it must not show.
    let _ = app.handle(Msg::Done(worker::compute(&old)));
    assert!(app.matrix.is_loading(), "stale matrix accepted");
    let _ = app.handle(Msg::Done(worker::compute(&new)));
    let m = app.matrix.ready().unwrap();
    assert!(m.subject.ends_with("kv-app-rbac"));
}

fn press_collect(app: &mut App, seq: &str) -> Vec<Effect> {
    let mut out = Vec::new();
    for k in kvaccess::tui::script::keys(seq) {
        out.extend(app.handle(Msg::Key(k)));
    }
    out
}

fn job_of(effects: &[Effect]) -> Job {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Run(
                j @ Job {
                    spec: JobSpec::Matrix { .. },
                    ..
                },
            ) => Some(j.clone()),
            _ => None,
        })
        .expect("a matrix job")
}

#[test]
fn no_color_and_light_theme() {
    let s = snapshot::demo();
    let engine = Arc::new(Engine::new(s.clone()));
    let mut options = Options::plain(SOURCE);
    options.no_color = true;
    let mut app = App::new(engine.clone(), options);
    let _ = app.handle(Msg::Resize(80, 24));
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| kvaccess::tui::pane::draw(f, &app))
        .unwrap();
    let buf = terminal.backend().buffer();
    use ratatui::style::Color;
    assert!(
        buf.content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "NO_COLOR: no colour anywhere"
    );
    press(&mut app, "t");
    assert_eq!(
        app.theme.kind,
        ThemeKind::Mono,
        "NO_COLOR wins over the theme toggle"
    );
    let mut light = Options::plain(SOURCE);
    light.theme = ThemeKind::Light;
    let app = App::new(engine.clone(), light);
    assert_eq!(app.theme.kind, ThemeKind::Light);
    assert_eq!(
        render(&app, 80, 24),
        render(&App::new(engine.clone(), Options::plain(SOURCE)), 80, 24)
    );
}

#[test]
fn user_keymap_overrides_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keymap.toml");
    std::fs::write(
        &path,
        "[[keys]]\non = [\"q\"]\nrun = \"none\"\n\n[[keys]]\non = [\"Q\"]\nrun = \"quit\"\n",
    )
    .unwrap();
    let map = keymap::load_from(&path);
    let s = snapshot::demo();
    let engine = Arc::new(Engine::new(s.clone()));
    let mut options = Options::plain(SOURCE);
    options.keymap = map;
    let mut app = App::new(engine.clone(), options);
    press(&mut app, "q");
    assert!(!app.quit);
    press(&mut app, "Q");
    assert!(app.quit);
}

/// A directory where someone named objects to attack terminals: escape sequences, bidi overrides, and a
/// 300-character name. None of it may reach the screen raw.
fn hostile_tenant() -> Snapshot {
    let mut s = snapshot::demo();
    let evil = "Mallory\u{1b}[2J\u{1b}]52;c;cHduZWQ=\u{7}\r\n\u{202E}gnp.exe\u{9b}31m";
    let long: String = "Very long display name "
        .repeat(14)
        .chars()
        .take(300)
        .collect();
    for (i, name) in [evil.to_string(), long].into_iter().enumerate() {
        let id = format!("99999999-0000-0000-0000-00000000000{i}");
        s.principals.push(Principal {
            id: id.clone(),
            kind: PrincipalKind::User,
            display_name: name,
            user_principal_name: Some(format!("x{i}\u{1b}[31m@contoso.com")),
            app_id: None,
        });
        s.group_memberships.push(GroupMembership {
            group_id: "22222222-0000-0000-0000-000000000002".into(),
            member_id: id,
        });
    }
    s
}

fn assert_clean(screen: &str) {
    for c in screen.chars() {
        assert!(
            !c.is_control() || c == '\n',
            "control character {c:?} reached the screen"
        );
        assert!(
            !('\u{202A}'..='\u{202E}').contains(&c),
            "bidi override reached the screen"
        );
    }
}

#[test]
fn hostile_and_long_display_names_render_safely() {
    let s = hostile_tenant();
    with_snapshot(&s, |app| {
        press(
            app,
            ":principal 99999999-0000-0000-0000-000000000000<enter>P",
        );
        for (w, h) in [(80, 24), (160, 48)] {
            let screen = screen(app, w, h);
            assert_clean(&screen);
            assert!(screen.contains("Mallory"));
            insta::assert_snapshot!(format!("hostile_names_{w}x{h}"), screen);
        }
        press(
            app,
            ":principal 99999999-0000-0000-0000-000000000001<enter>:goto kv-app-prod<enter>:op secrets/get<enter>",
        );
        for view in ["", "w", "m"] {
            press(app, view);
            let screen = screen(app, 160, 48);
            assert_clean(&screen);
            let _ = screen;
        }
        let screen = screen(app, 80, 24);
        assert_clean(&screen);
        insta::assert_snapshot!("long_name_80x24", screen);
        assert_clean(&app.explain.plain());
        let effects = app.handle(Msg::Resize(30, 10));
        settle(app, effects);
        assert_clean(&render(app, 30, 10));
    });
}

/// The table uses the fast path and the explanation `Engine::check`: with or without a caller location,
/// they must agree on every cell, or the screen would contradict itself.
#[test]
fn permission_table_agrees_with_the_explained_verdicts() {
    use kvaccess::eval::Origin;
    use kvaccess::tui::permissions::{compute, operations};
    let s = snapshot::demo();
    let engine = Arc::new(Engine::new(s.clone()));
    let origins = [
        None,
        Some(Origin::Ip("192.0.2.55".parse().unwrap())),
        Some(Origin::Ip("203.0.113.20".parse().unwrap())),
        Some(Origin::TrustedService),
        Some(Origin::PrivateEndpoint(None)),
    ];
    let mut scopes: Vec<_> = s.vaults.iter().map(|v| v.scope.clone()).collect();
    scopes.extend(s.vault_items.iter().map(|i| i.scope.clone()));
    scopes.extend(s.subscriptions.iter().map(|x| x.scope.clone()));
    let mut cells = 0;
    for p in &s.principals {
        for scope in &scopes {
            // the firewall only matters at vaults; items and subscriptions are checked without a location
            let here = if scope.kind() == kvaccess::model::ScopeKind::Vault {
                &origins[..]
            } else {
                &origins[..1]
            };
            for origin in here {
                let table = compute(&engine, &p.id, scope, origin.as_ref());
                for row in &table.rows {
                    let (_, action) = operations()
                        .iter()
                        .find(|(o, _)| o.name == row.op.name)
                        .unwrap();
                    let origin = if action.plane == kvaccess::catalog::Plane::Data {
                        origin.as_ref()
                    } else {
                        None
                    };
                    let v = engine
                        .check(
                            &Request::new(&engine.subject(&p.id), &engine.target(scope), action)
                                .from(origin),
                        )
                        .unwrap();
                    assert_eq!(
                        row.decision, v.decision,
                        "{} {} {} {origin:?}",
                        p.display_name, row.op.name, scope
                    );
                    cells += 1;
                }
            }
        }
    }
    assert!(cells > 5_000, "{cells}");
}

#[test]
fn who_can_lists_only_self_grants_that_give_the_operation() {
    with_demo(|app| {
        press(app, ":goto kv-app-prod<enter>:who-can keys/sign<enter>");
        let s = render(app, 160, 48);
        assert!(s.contains("Who can keys/sign @ kv-app-prod"), "{s}");
        // In full or in its few words, as the row's width allows.
        let template = |s: &str| s.contains("ARM template") || s.contains("template deploy");
        assert!(
            !template(&s),
            "template deployments read secrets, not keys:\n{s}"
        );
        press(app, ":who-can secrets/get<enter>");
        let s = render(app, 160, 48);
        assert!(template(&s), "{s}");
    });
}

/// On a large directory the filter runs as a background job; an answer for an older query is dropped.
#[test]
fn large_directories_filter_in_the_background() {
    let mut s = snapshot::demo();
    for i in 0..kvaccess::tui::app::ASYNC_FILTER_FROM {
        s.principals.push(Principal {
            id: format!("{i:08x}-1000-4000-8000-000000000000"),
            kind: PrincipalKind::User,
            display_name: format!("User {i:05}"),
            user_principal_name: None,
            app_id: None,
        });
    }
    let engine = Arc::new(Engine::new(s.clone()));
    let mut app = App::new(engine.clone(), Options::plain(SOURCE));
    let _ = app.handle(Msg::Resize(80, 24));
    let first = press_collect(&mut app, "/user 0001");
    assert!(app.filter_pending());
    assert!(
        render(&app, 80, 24).contains("⟳"),
        "the pane says it is filtering"
    );
    let jobs: Vec<Job> = first
        .iter()
        .filter_map(|e| match e {
            Effect::Run(j) => Some(j.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(jobs.len(), "user 0001".len(), "one job per keystroke");
    // Deliver an old answer first: ignored. Then the newest: applied.
    let _ = app.handle(Msg::Done(worker::compute(&jobs[3])));
    assert_eq!(app.nav.principals.shown.len(), app.nav.principals.all.len());
    let _ = app.handle(Msg::Done(worker::compute(jobs.last().unwrap())));
    assert!(!app.filter_pending());
    let top = &app.nav.principals.all[app.nav.principals.shown[0]];
    assert!(top.name.starts_with("User 0001"), "{}", top.name);
    // Esc clears at once, and a late answer cannot bring the filter back.
    let late = press_collect(&mut app, "2");
    press(&mut app, "<esc>");
    for e in late {
        if let Effect::Run(j) = e {
            let _ = app.handle(Msg::Done(worker::compute(&j)));
        }
    }
    assert_eq!(app.nav.principals.shown.len(), app.nav.principals.all.len());
}

/// The export prompt suggests a name from the view, the scope and (who-can) the operation, so that two
/// answers do not overwrite each other; the message after writing gives the full path.
#[test]
fn export_names_the_file_after_the_answer_and_says_where_it_went() {
    use kvaccess::tui::app::Overlay;
    with_demo(|app| {
        let suggested = |app: &mut App| {
            press(app, "e");
            let Some(Overlay::Prompt(prompt)) = &app.overlay else {
                panic!("no export prompt: {:?}", app.overlay);
            };
            let name = prompt.input.value().to_string();
            press(app, "<esc>");
            name
        };
        cell(app, "kv-app-prod", "Bob", "secrets/get");
        assert_eq!(suggested(app), "kvaccess-permissions-kv-app-prod.json");
        press(app, "3");
        assert_eq!(
            suggested(app),
            "kvaccess-who-can-kv-app-prod-secrets-get.json"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("who.json");
        press(app, &format!("e<c-u>{}<enter>", path.display()));
        assert_eq!(
            app.message.as_deref(),
            Some(format!("exported to {}", path.display()).as_str())
        );
    });
}

/// The disputed self-grant path (issue 14) is kept and marked in who-can and escalations; `D` hides it
/// in both views and shows it again.
/// The disputed path on screen, in full or in its few words.
fn disputed_shown(s: &str) -> bool {
    s.contains("disputed: may be able to switch") || s.contains("disputed: switch")
}

#[test]
fn the_disputed_self_grant_path_is_marked_and_d_hides_it() {
    with_demo(|app| {
        press(app, ":goto kv-app-rbac<enter>:who-can secrets/get<enter>");
        let s = render(app, 200, 60);
        assert!(disputed_shown(&s), "{s}");
        press(app, "D");
        let s = render(app, 200, 60);
        assert!(!disputed_shown(&s), "{s}");
        assert!(
            s.contains("can assign itself a Key Vault data role")
                || s.contains("assigns data role"),
            "{s}"
        );
        press(app, "4");
        let s = render(app, 200, 60);
        assert!(s.contains("(disputed hidden: D)"), "{s}");
        assert!(!disputed_shown(&s), "{s}");
        press(app, "D");
        let s = render(app, 200, 60);
        assert!(disputed_shown(&s), "{s}");
    });
}

/// Issue 14: who-can offers an operation picker (`O`), on secrets/get at first; Esc keeps the operation,
/// Enter asks who can do the one picked.
#[test]
fn who_can_picks_its_operation_from_a_list() {
    with_demo(|app| {
        press(app, ":goto kv-app-rbac<enter>:who-can secrets/get<enter>");
        assert_eq!(app.who.op, "secrets/get");
        press(app, "O");
        let s = render(app, 120, 40);
        assert!(s.contains("Choose the operation"), "{s}");
        assert!(s.contains("• secrets/get"), "{s}");
        press(app, "<esc>");
        assert!(app.who.picker.is_none());
        assert_eq!(app.who.op, "secrets/get");
        press(app, "O");
        let ops = kvaccess::tui::permissions::operations();
        let at = ops
            .iter()
            .position(|(o, _)| o.name == "secrets/get")
            .unwrap();
        let target = ops.iter().position(|(o, _)| o.name == "keys/sign").unwrap();
        let moves = target as isize - at as isize;
        let key = if moves > 0 { "j" } else { "k" };
        press(app, &key.repeat(moves.unsigned_abs()));
        press(app, "<enter>");
        assert_eq!(app.who.op, "keys/sign");
        assert!(app.who.picker.is_none());
        let w = app.who.ready().expect("answered anew");
        assert_eq!(w.operation, "keys/sign");
        let s = render(app, 120, 40);
        assert!(s.contains("Who can keys/sign @ kv-app-rbac"), "{s}");
    });
}
