//! Every key the help lists does what its line says. The help overlay is generated from the keymap; this
//! walks the same keymap, presses each key of each binding in a fresh explorer on the demo tenant (set up
//! where the action means something), and checks the action's effect — so a binding, a description and a
//! behaviour cannot drift apart unnoticed.

use kvaccess::eval::Engine;
use kvaccess::snapshot;
use kvaccess::tui::Options;
use kvaccess::tui::action::{Effect, Msg, UserAction};
use kvaccess::tui::app::{App, Focus, Overlay, View};
use kvaccess::tui::keymap::{Chord, Keymap};
use kvaccess::tui::script::{press, render, screen, settle};
use kvaccess::tui::view::paths::Direction;
use ratatui::crossterm::event::{KeyEvent, KeyModifiers};

fn demo() -> App {
    let mut app = App::new(Engine::new(snapshot::demo()), Options::plain("demo"));
    let _ = screen(&mut app, 120, 40);
    app
}

fn event(c: &Chord) -> KeyEvent {
    let mut mods = KeyModifiers::NONE;
    if c.ctrl {
        mods |= KeyModifiers::CONTROL;
    }
    if c.alt {
        mods |= KeyModifiers::ALT;
    }
    if let ratatui::crossterm::event::KeyCode::Char(ch) = c.code
        && ch.is_ascii_uppercase()
    {
        mods |= KeyModifiers::SHIFT;
    }
    KeyEvent::new(c.code, mods)
}

/// Presses `key`, carrying out its effects; returns them (the copy, the export, …) as they were asked.
fn hit(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let effects = app.handle(Msg::Key(key));
    settle(app, effects.clone());
    effects
}

/// Where the action is tried, and what must hold after the key.
fn check(action: UserAction, label: &str, key: KeyEvent) {
    let mut app = demo();
    let what = format!("{label} ({})", action.name());
    match action {
        UserAction::Quit => {
            hit(&mut app, key);
            assert!(app.quit, "{what}");
        }
        UserAction::Back => {
            press(&mut app, "z");
            hit(&mut app, key);
            assert!(!app.zoom, "{what} leaves the zoom");
        }
        UserAction::HistoryBack => {
            press(&mut app, ":goto kv-app-rbac<enter>");
            hit(&mut app, key);
            assert!(
                app.nav
                    .scopes
                    .selected_scope()
                    .unwrap()
                    .key()
                    .ends_with("kv-app-prod"),
                "{what}"
            );
        }
        UserAction::Help => {
            hit(&mut app, key);
            assert!(matches!(app.overlay, Some(Overlay::Help { .. })), "{what}");
        }
        UserAction::Palette => {
            hit(&mut app, key);
            assert!(
                matches!(app.overlay, Some(Overlay::Palette { .. })),
                "{what}"
            );
        }
        UserAction::FocusNext => {
            hit(&mut app, key);
            assert_eq!(app.focus, Focus::Principals, "{what}");
        }
        UserAction::FocusPrev => {
            hit(&mut app, key);
            assert_eq!(app.focus, Focus::Explain, "{what}");
        }
        UserAction::FocusScopes
        | UserAction::FocusPrincipals
        | UserAction::FocusMain
        | UserAction::FocusExplain => {
            press(&mut app, "P");
            if action == UserAction::FocusPrincipals {
                press(&mut app, "S");
            }
            hit(&mut app, key);
            let want = match action {
                UserAction::FocusScopes => Focus::Scopes,
                UserAction::FocusPrincipals => Focus::Principals,
                UserAction::FocusMain => Focus::Main,
                _ => Focus::Explain,
            };
            assert_eq!(app.focus, want, "{what}");
        }
        UserAction::Up
        | UserAction::Down
        | UserAction::PageUp
        | UserAction::PageDown
        | UserAction::Top
        | UserAction::Bottom => {
            press(&mut app, "P");
            let n = app.nav.principals.shown.len();
            let start = if matches!(
                action,
                UserAction::Up | UserAction::PageUp | UserAction::Top
            ) {
                press(&mut app, "G");
                n - 1
            } else {
                0
            };
            assert_eq!(app.nav.principals.cursor.selected, start);
            hit(&mut app, key);
            let at = app.nav.principals.cursor.selected;
            match action {
                UserAction::Up => assert_eq!(at, n - 2, "{what}"),
                UserAction::Down => assert_eq!(at, 1, "{what}"),
                UserAction::Top => assert_eq!(at, 0, "{what}"),
                UserAction::Bottom => assert_eq!(at, n - 1, "{what}"),
                UserAction::PageUp => assert!(at < n - 2, "{what}: {at}"),
                _ => assert!(at > 1, "{what}: {at}"),
            }
        }
        UserAction::Left | UserAction::Right => {
            // On the first screen the selected vault is closed: → opens it, ← closes it again.
            let opened = |app: &App| app.nav.scopes.state.opened().len();
            let before = opened(&app);
            if action == UserAction::Left {
                press(&mut app, "<right>");
                assert_eq!(opened(&app), before + 1);
                hit(&mut app, key);
                assert_eq!(opened(&app), before, "{what} collapses");
            } else {
                hit(&mut app, key);
                assert_eq!(opened(&app), before + 1, "{what} expands");
            }
        }
        UserAction::Select => {
            // On a vault with items, Enter opens it (the help's "expand a scope"); again closes it.
            let vault = app.nav.scopes.state.selected().to_vec();
            hit(&mut app, key);
            assert_eq!(app.focus, Focus::Scopes, "{what}");
            assert!(app.nav.scopes.state.opened().contains(&vault), "{what}");
            hit(&mut app, key);
            assert!(!app.nav.scopes.state.opened().contains(&vault), "{what}");
        }
        UserAction::Filter => {
            hit(&mut app, key);
            assert!(app.filter.active, "{what}");
        }
        UserAction::ViewPermissions
        | UserAction::ViewMatrix
        | UserAction::ViewWhoCan
        | UserAction::ViewEscalations
        | UserAction::ViewReach
        | UserAction::ViewActivity => {
            press(&mut app, "x");
            if action == UserAction::ViewEscalations {
                press(&mut app, "1");
            }
            hit(&mut app, key);
            let want = match action {
                UserAction::ViewPermissions => View::Permissions,
                UserAction::ViewMatrix => View::Matrix,
                UserAction::ViewWhoCan => View::WhoCan,
                UserAction::ViewReach => View::Reach,
                UserAction::ViewActivity => View::Activity,
                _ => View::Escalations,
            };
            assert_eq!(app.view, want, "{what}");
        }
        UserAction::ViewPaths => {
            // On a vault: the paths to it; pressed again, the paths from the selected principal.
            hit(&mut app, key);
            assert_eq!(app.view, View::Paths, "{what}");
            assert_eq!(app.paths.direction, Direction::To, "{what}");
            assert!(app.paths.ready().is_some(), "{what}: answered");
            hit(&mut app, key);
            assert_eq!(app.paths.direction, Direction::From, "{what} again");
            // From the principal list: the paths from the principal.
            let mut app = demo();
            press(&mut app, "P");
            hit(&mut app, key);
            assert_eq!(
                (app.view, app.paths.direction),
                (View::Paths, Direction::From),
                "{what} from the principals"
            );
        }
        UserAction::ToggleMatrix => {
            hit(&mut app, key);
            assert_eq!(app.view, View::Matrix, "{what}");
            hit(&mut app, key);
            assert_eq!(app.view, View::Permissions, "{what} toggles back");
        }
        UserAction::Zoom => {
            hit(&mut app, key);
            assert!(app.zoom, "{what}");
        }
        UserAction::From | UserAction::Export => {
            hit(&mut app, key);
            let Some(Overlay::Prompt(prompt)) = &app.overlay else {
                panic!("{what}: no prompt");
            };
            assert_eq!(
                prompt.kind.title().starts_with("Calls"),
                action == UserAction::From,
                "{what}"
            );
        }
        UserAction::Copy => {
            let effects = hit(&mut app, key);
            assert!(
                effects
                    .iter()
                    .any(|e| matches!(e, Effect::Copy(id) if id.ends_with("kv-app-prod"))),
                "{what}: {effects:?}"
            );
        }
        UserAction::CopyExplanation | UserAction::CopyVerdict => {
            press(&mut app, ":principal Carol<enter>:op secrets/get<enter>");
            let effects = hit(&mut app, key);
            let copied: Vec<&String> = effects
                .iter()
                .filter_map(|e| match e {
                    Effect::Copy(text) => Some(text),
                    _ => None,
                })
                .collect();
            let [text] = copied.as_slice() else {
                panic!("{what}: {effects:?}")
            };
            assert!(text.starts_with("Carol · secrets/get"), "{what}: {text}");
            assert!(
                text.contains("said no: the access policies"),
                "{what}: {text}"
            );
            assert_eq!(
                text.contains("## The lesson"),
                action == UserAction::CopyExplanation,
                "{what}: {text}"
            );
        }
        UserAction::MatrixSort => {
            press(&mut app, "2");
            assert_eq!(app.matrix.order.words(), "by name", "{what}");
            hit(&mut app, key);
            assert_eq!(app.matrix.order.words(), "by operations", "{what}");
        }
        UserAction::Tour => {
            hit(&mut app, key);
            assert_eq!(app.tour.as_ref().map(|t| t.at), Some(0), "{what}");
        }
        UserAction::ToggleTheme => {
            let before = app.theme.kind;
            hit(&mut app, key);
            assert_ne!(app.theme.kind, before, "{what}");
        }
        UserAction::PickOperation => {
            hit(&mut app, key);
            assert_eq!(app.view, View::WhoCan, "{what}");
            assert!(app.who.picker.is_some(), "{what}");
        }
        UserAction::ToggleDisputed => {
            let before = app.escalations.hide_disputed;
            hit(&mut app, key);
            assert_ne!(app.escalations.hide_disputed, before, "{what}");
            assert_eq!(
                app.who.hide_disputed, app.escalations.hide_disputed,
                "{what}"
            );
        }
        UserAction::WhatIf => {
            hit(&mut app, key);
            assert!(app.whatif.open && app.whatif.focused, "{what}");
        }
        UserAction::WhatIfAdd
        | UserAction::WhatIfToggle
        | UserAction::WhatIfDelete
        | UserAction::WhatIfSave
        | UserAction::WhatIfLoad => {
            press(&mut app, "W");
            if action != UserAction::WhatIfAdd {
                press(
                    &mut app,
                    "asetPermissionModel<enter>kv-app-prod<enter>Azure RBAC<enter>",
                );
                assert_eq!(app.whatif.scenario.entries.len(), 1);
            }
            hit(&mut app, key);
            let p = &app.whatif;
            match action {
                UserAction::WhatIfAdd => assert!(p.form.is_some(), "{what}"),
                UserAction::WhatIfToggle => assert!(!p.scenario.entries[0].enabled, "{what}"),
                UserAction::WhatIfDelete => assert!(p.scenario.entries.is_empty(), "{what}"),
                _ => assert!(p.prompt.is_some(), "{what}"),
            }
        }
        UserAction::Refresh | UserAction::ShowLog => {
            hit(&mut app, key);
            let m = app.message.clone().unwrap_or_default();
            assert!(
                m.contains("live session") || m.contains("tui --live"),
                "{what}: {m}"
            );
        }
        UserAction::None => {}
    }
    let _ = render(&app, 120, 40);
}

#[test]
fn every_documented_key_does_what_the_help_says() {
    let keymap = Keymap::defaults();
    let mut checked = 0;
    for b in &keymap.bindings {
        assert!(
            !b.desc.trim().is_empty(),
            "{:?} has no description",
            b.action
        );
        for chord in &b.keys {
            let key = event(chord);
            assert_eq!(keymap.action_for(&key), Some(b.action), "{}", chord.label());
            check(b.action, &chord.label(), key);
            checked += 1;
        }
    }
    // Every bindable action is documented in the help, hence checked here.
    for a in UserAction::ALL {
        assert!(
            keymap
                .bindings
                .iter()
                .any(|b| b.action == a && !b.keys.is_empty()),
            "{a:?} is in no help line"
        );
    }
    assert!(checked >= UserAction::ALL.len(), "{checked}");
}
