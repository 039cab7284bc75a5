//! Navigation keys that do what the help says (issue 14): Enter opens a vault, the focus-main key is not one
//! shift away from the matrix, a large tenant opens on someone who holds something, quitting does not wait
//! for background work, and `/` narrows the table of the view on screen.

use std::process::Command;
use std::time::{Duration, Instant};

use kvaccess::eval::Engine;
use kvaccess::snapshot;
use kvaccess::synth::{SynthSpec, generate};
use kvaccess::tui::Options;
use kvaccess::tui::action::UserAction;
use kvaccess::tui::app::{App, Focus, View};
use kvaccess::tui::keymap::{Chord, Keymap};
use kvaccess::tui::script::{press, render, screen};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tmux::Tmux;

fn demo() -> App {
    let mut app = App::new(Engine::new(snapshot::demo()), Options::plain("demo"));
    let _ = screen(&mut app, 120, 40);
    app
}

#[test]
fn enter_on_a_vault_opens_and_closes_it_in_place() {
    let mut app = demo();
    assert_eq!(app.nav.scope_label(), "kv-app-prod");
    let s = render(&app, 120, 40);
    assert!(s.contains("▸ KV kv-app-prod"), "{s}");
    press(&mut app, "<enter>");
    assert_eq!(app.focus, Focus::Scopes, "Enter stays in the tree");
    let s = render(&app, 120, 40);
    assert!(s.contains("▾ KV kv-app-prod"), "the vault is open:\n{s}");
    assert!(s.contains("key app-data-key"), "its items show:\n{s}");
    press(&mut app, "<enter>");
    let s = render(&app, 120, 40);
    assert!(s.contains("▸ KV kv-app-prod"), "closed again:\n{s}");
    assert!(!s.contains("key app-data-key"), "{s}");
}

/// The key that focuses the main pane must not be the shifted form of a key that switches the view.
#[test]
fn focus_main_is_not_one_shift_away_from_a_view_key() {
    let keymap = Keymap::defaults();
    let views = [
        UserAction::ViewPermissions,
        UserAction::ViewMatrix,
        UserAction::ToggleMatrix,
        UserAction::ViewWhoCan,
        UserAction::ViewEscalations,
        UserAction::ViewReach,
        UserAction::ViewActivity,
    ];
    let main = keymap
        .binding(UserAction::FocusMain)
        .expect("focus_main is bound");
    assert!(!main.keys.is_empty());
    for chord in &main.keys {
        let KeyCode::Char(c) = chord.code else {
            continue;
        };
        let other = if c.is_ascii_uppercase() {
            c.to_ascii_lowercase()
        } else {
            c.to_ascii_uppercase()
        };
        let shifted = Chord {
            code: KeyCode::Char(other),
            ..*chord
        };
        let near = keymap.action_for(&KeyEvent::new(shifted.code, KeyModifiers::NONE));
        assert!(
            near.is_none_or(|a| !views.contains(&a)),
            "focus_main's '{c}' is one shift from '{other}' ({near:?})"
        );
    }
    // And the key does what the help says.
    let mut app = demo();
    press(&mut app, &main.keys[0].label());
    assert_eq!(app.focus, Focus::Main);
    assert_eq!(app.view, View::Permissions);
}

/// A synthetic tenant's principal list starts with groups (`group-00000`): the first screen shows an
/// identity that a grant where the tree opens names instead.
#[test]
fn a_large_tenant_opens_on_an_identity_that_holds_something() {
    let s = generate(&SynthSpec::new(300, 30, 600, 11));
    let mut app = App::new(Engine::new(s.clone()), Options::plain("synth"));
    let _ = screen(&mut app, 120, 40);
    let first = &app.nav.principals.all[app.nav.principals.shown[0]];
    assert!(
        first.name.starts_with("group-"),
        "precondition: {}",
        first.name
    );
    let picked = app.nav.principals.selected().unwrap().clone();
    assert!(picked.kind.is_identity(), "{picked:?}");
    assert!(
        app.perms
            .table
            .rows
            .iter()
            .any(|r| r.decision != kvaccess::eval::Decision::Denied),
        "the first screen shows something it holds"
    );
    let s = render(&app, 120, 40);
    assert!(
        s.contains(&format!("Permissions {} @ ", picked.name)),
        "{s}"
    );
}

/// Quitting while escalations over a whole tenant are being computed returns at once.
#[test]
fn quit_does_not_wait_for_background_work() {
    let Some(t) = Tmux::start("quit-busy", 120, 40) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("synth.json");
    let bin = env!("CARGO_BIN_EXE_kvaccess");
    let out = Command::new(bin)
        .args(["synth", "--principals", "4000", "--vaults", "400"])
        .args(["--role-assignments", "8000", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    t.keys(&[
        &format!(
            "KVACCESS_KEYMAP=/nonexistent {bin} tui --snapshot {}; echo EXIT=$?",
            file.display()
        ),
        "Enter",
    ]);
    t.wait_for("Scopes 400 vaults");
    // The tree's top (the tenant root), then escalations under it: hundreds of vaults.
    t.keys(&["g", "4"]);
    t.wait_for("of 400");
    let asked = Instant::now();
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
    let took = asked.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "quitting took {took:?} while escalations ran"
    );
    t.assert_restored();
}

/// The names a view's table shows, as the test reads them.
fn names(app: &App) -> Vec<String> {
    match app.view {
        View::Matrix => app
            .matrix
            .ready()
            .unwrap()
            .rows
            .iter()
            .map(|r| r.label.clone())
            .collect(),
        // Who-can is grouped: a row per deciding grant, named by its holder.
        View::WhoCan => {
            let w = app.who.ready().unwrap();
            [
                &w.groups,
                &w.denied,
                &w.on_items,
                &w.eligible,
                &w.can_grant_themselves,
            ]
            .into_iter()
            .flatten()
            .map(|g| {
                g.holder
                    .as_ref()
                    .map_or_else(|| g.grant.clone(), |h| h.display_name.clone())
            })
            .collect()
        }
        // Escalations too: a row per lever grant and technique, named by its holder.
        _ => app
            .escalations
            .kept()
            .into_iter()
            .map(|g| {
                g.holder
                    .as_ref()
                    .map_or_else(|| g.grant.clone(), |h| h.display_name.clone())
            })
            .collect(),
    }
}

#[test]
fn slash_narrows_the_table_of_the_view_on_screen() {
    for (key, view, word) in [
        ("2", View::Matrix, "bob"),
        ("3", View::WhoCan, "oscar"),
        ("4", View::Escalations, "carol"),
    ] {
        let mut app = demo();
        press(&mut app, key);
        assert_eq!((app.view, app.focus), (view, Focus::Main));
        let all = names(&app);
        press(&mut app, &format!("/{word}"));
        assert!(app.filter.active, "{view:?}");
        assert_eq!(app.focus, Focus::Main, "{view:?}: the table keeps the keys");
        assert!(
            app.nav.principals.query.is_empty(),
            "{view:?}: the principal list is untouched"
        );
        let kept = names(&app);
        assert!(
            !kept.is_empty() && kept.len() < all.len(),
            "{view:?}: {kept:?} of {all:?}"
        );
        assert!(
            kept.iter().all(|n| n.to_lowercase().contains(word)),
            "{view:?}: {kept:?}"
        );
        let s = render(&app, 120, 40);
        assert!(s.contains(&format!("/{word}▏")), "{view:?}:\n{s}");
        // The explanation follows the row now under the cursor.
        let explained = app.explain.plain();
        assert!(explained.contains(&kept[0]), "{view:?}: {explained}");
        // Enter closes the box, the table stays narrowed; esc gives the whole table back.
        press(&mut app, "<enter>");
        assert!(!app.filter.active);
        assert_eq!(names(&app), kept, "{view:?}");
        let s = render(&app, 120, 40);
        assert!(
            s.contains(&format!("/{word} {} kept of", kept.len())),
            "{view:?}:\n{s}"
        );
        press(&mut app, "<esc>");
        assert_eq!(names(&app), all, "{view:?}");
        assert_eq!(
            app.view, view,
            "esc cleared the filter, it did not leave the view"
        );
    }
    // Elsewhere, `/` filters the principal list as before.
    let mut app = demo();
    press(&mut app, "/bob");
    assert_eq!(app.focus, Focus::Principals);
    assert_eq!(app.nav.principals.selected().unwrap().name, "Bob");
}
