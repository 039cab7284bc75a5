//! Keys and commands of the explorer doing what the help says (issue 14), each checked on the demo tenant
//! through `TestBackend`-driven key presses.

use kvaccess::eval::Engine;
use kvaccess::snapshot;
use kvaccess::tui::Options;
use kvaccess::tui::app::{App, Focus, View};
use kvaccess::tui::script::{press, render, screen};

const PROD: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-app-prod";
const RBAC: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-app-rbac";

fn demo() -> App {
    let mut app = App::new(Engine::new(snapshot::demo()), Options::plain("demo"));
    let _ = screen(&mut app, 120, 40);
    app
}

fn selected(app: &App) -> String {
    app.nav.scopes.selected_scope().unwrap().key().to_string()
}

#[test]
fn goto_takes_what_scope_takes_and_lands_on_that_scope() {
    let mut app = demo();
    press(&mut app, "S:goto rg-app-dev<enter>");
    assert!(selected(&app).ends_with("/resourcegroups/rg-app-dev"));
    press(&mut app, &format!(":goto {PROD}<enter>"));
    assert_eq!(
        selected(&app),
        PROD.to_ascii_lowercase(),
        "the vault, not an item in it"
    );
    press(&mut app, ":goto https://kv-app-rbac.vault.azure.net<enter>");
    assert_eq!(selected(&app), RBAC.to_ascii_lowercase());
    press(&mut app, ":goto kv-app-prod<enter>");
    let secret = format!("{}/secrets/app-db-password", RBAC.to_ascii_lowercase());
    press(
        &mut app,
        ":goto https://kv-app-rbac.vault.azure.net/secrets/app-db-password<enter>",
    );
    assert_eq!(selected(&app), secret);
    press(&mut app, ":goto kv-app-prod<enter>");
    press(
        &mut app,
        ":goto https://kv-app-rbac.vault.azure.net/secrets/app-db-password/0123456789abcdef<enter>",
    );
    assert_eq!(selected(&app), secret, "the version is ignored");
    // An item the snapshot does not list: its vault, and a word saying so.
    press(
        &mut app,
        ":goto https://kv-app-rbac.vault.azure.net/secrets/db-password<enter>",
    );
    assert_eq!(selected(&app), RBAC.to_ascii_lowercase());
    assert!(
        app.message
            .as_deref()
            .unwrap_or("")
            .contains("not in the snapshot"),
        "{:?}",
        app.message
    );
    // A URL naming no vault says why, as the CLI does, and moves nothing.
    press(&mut app, ":goto https://kv-nope.vault.azure.net<enter>");
    assert_eq!(selected(&app), RBAC.to_ascii_lowercase());
    assert!(app.message.is_some());
    assert_eq!(app.focus, Focus::Main);
    let _ = render(&app, 120, 40);
}

#[test]
fn two_selects_the_matrix_and_m_toggles_it() {
    let mut app = demo();
    press(&mut app, ":goto kv-app-rbac<enter>2");
    assert_eq!(app.view, View::Matrix);
    press(&mut app, "2");
    assert_eq!(app.view, View::Matrix, "2 selects, it does not toggle off");
    press(&mut app, "m");
    assert_eq!(app.view, View::Permissions, "m toggles");
}

#[test]
fn the_from_prompt_starts_empty_and_says_what_empty_means() {
    let mut app = demo();
    press(&mut app, "f");
    let s = render(&app, 120, 40);
    assert!(s.contains("empty = not evaluated"), "{s}");
    press(&mut app, "203.0.113.20<enter>");
    assert_eq!(app.origin_label().as_deref(), Some("203.0.113.20"));
    // Typing replaces the location; it does not run into the old one.
    press(&mut app, "f8.8.8.8<enter>");
    assert_eq!(app.origin_label().as_deref(), Some("8.8.8.8"));
    press(&mut app, "f<enter>");
    assert_eq!(app.origin_label(), None, "empty: not evaluated");
}

#[test]
fn esc_and_bracket_go_back_after_a_jump() {
    let mut app = demo();
    press(&mut app, ":goto kv-app-prod<enter>:principal Alice<enter>3");
    assert_eq!(app.view, View::WhoCan);
    // The first group opened, its first identity selected.
    press(&mut app, "<enter>j");
    let row = app.who.cursor.selected;
    let picked = app.who.selected().unwrap().principal_id().to_string();
    press(&mut app, "<enter>");
    assert_eq!(app.view, View::Permissions);
    assert_eq!(app.nav.principals.selected().unwrap().id, picked);
    press(&mut app, "<esc>");
    assert_eq!(app.view, View::WhoCan, "esc goes back to the who-can list");
    assert_eq!(app.who.cursor.selected, row, "on the same row");
    assert_eq!(app.nav.principals.selected().unwrap().name, "Alice");
    // `[` too, after a jump from the escalations.
    press(&mut app, "4<enter>j<enter>");
    assert_eq!(app.view, View::Permissions);
    press(&mut app, "[");
    assert_eq!(app.view, View::Escalations);
    // And back over the goto.
    press(&mut app, ":goto kv-app-rbac<enter>[");
    assert_eq!(selected(&app), PROD.to_ascii_lowercase());
}

#[test]
fn enter_on_an_escalation_lands_on_an_operation_it_can_grant() {
    use kvaccess::tui::view::escalations::{Picked, finding_of};
    use kvaccess::tui::view::pages::Row;
    let mut app = demo();
    press(&mut app, "4");
    let n = app.escalations.ready().unwrap().groups.len();
    let at = |app: &App, row: Row<usize>| app.escalations.rows().iter().position(|r| *r == row);
    let mut landed = 0;
    for i in 0..n {
        press(&mut app, "4");
        app.escalations.cursor.selected = at(&app, Row::Group(i)).unwrap();
        press(&mut app, "<enter>");
        let mut m = 0;
        while let Some(row) = at(&app, Row::Member(i, m)) {
            app.escalations.cursor.selected = row;
            let Some(Picked::Member(g, member)) = app.escalations.selected() else {
                panic!("an identity")
            };
            let f = finding_of(&app.engine, g, member).expect("its finding at its first vault");
            press(&mut app, "<enter>");
            assert_eq!(app.view, View::Permissions);
            let row = app.perms.row_at_line(app.perms.cursor.selected).unwrap();
            assert!(
                f.lacks.contains(&row.op.name),
                "{} {:?}: landed on {}",
                f.principal.display_name,
                f.technique,
                row.op.name
            );
            assert!(
                row.escalation.is_some(),
                "{} is marked ⇑ can grant",
                row.op.name
            );
            let text = app.explain.plain();
            assert!(text.contains("Can grant itself"), "{text}");
            press(&mut app, "[");
            assert_eq!(app.view, View::Escalations);
            landed += 1;
            m += 1;
        }
        assert!(m > 0, "group {i} lists identities");
        app.escalations.cursor.selected = at(&app, Row::Group(i)).unwrap();
        press(&mut app, "<enter>");
    }
    assert!(landed >= n);
}

#[test]
fn three_asks_about_secrets_get_unless_an_operation_is_being_looked_at() {
    let mut app = demo();
    // A fresh vault: the permissions cursor is on its first operation, which nobody chose.
    press(&mut app, "3");
    assert_eq!(app.who.op, "secrets/get");
    press(&mut app, "<right>");
    assert_ne!(app.who.op, "secrets/get", "→ picks the next operation");
    let next = app.who.op.clone();
    assert_eq!(app.who.ready().unwrap().operation, next, "answered anew");
    press(&mut app, "<left>");
    assert_eq!(app.who.op, "secrets/get");
    // Looking at an operation in the permissions table: that one.
    press(&mut app, ":principal Bob<enter>:op keys/sign<enter>3");
    assert_eq!(app.who.op, "keys/sign");
}

/// At 80×24 the what-if panel shows three lines of its summary: `z` zooms it, page down scrolls the rest
/// (the escalation deltas at the end) into view.
#[test]
fn z_zooms_the_what_if_panel_and_its_summary_scrolls() {
    let mut app = demo();
    let _ = screen(&mut app, 80, 24);
    press(&mut app, "W");
    press(
        &mut app,
        "asetPermissionModel<enter>kv-app-prod<enter>Azure RBAC<enter>",
    );
    let last = app
        .whatif
        .world
        .as_ref()
        .unwrap()
        .summary
        .last()
        .unwrap()
        .clone();
    assert!(last.starts_with("escalation paths"), "{last}");
    let small = render(&app, 80, 24);
    assert!(!small.contains("escalation paths"), "{small}");
    // Page down brings the end of the summary into the small panel.
    let mut pages = 0;
    while !render(&app, 80, 24).contains("escalation paths") {
        assert!(pages < 5, "{}", render(&app, 80, 24));
        press(&mut app, "<pgdn>");
        pages += 1;
    }
    assert!(render(&app, 80, 24).contains("more line(s) above"));
    press(&mut app, "<pgup><pgup><pgup><pgup><pgup>");
    assert!(!render(&app, 80, 24).contains("escalation paths"));
    // Zoomed, the panel fills the body and shows the whole summary.
    press(&mut app, "z");
    let zoomed = render(&app, 80, 24);
    assert!(
        !zoomed.contains("Scopes"),
        "the panel fills the body:\n{zoomed}"
    );
    assert!(zoomed.contains("escalation paths"), "{zoomed}");
    press(&mut app, "<esc>");
    assert!(
        app.whatif.focused && !app.whatif.zoomed,
        "esc unzooms first"
    );
    assert!(render(&app, 80, 24).contains("Scopes"));
}

/// With a caller location the vault's firewall rejects, an operation Bob's grants allow is denied by the
/// network, and the table says so; one he has no grant for is denied without that mark.
#[test]
fn a_network_denial_is_marked_apart_from_a_missing_grant() {
    let mut app = demo();
    press(
        &mut app,
        ":goto kv-app-prod<enter>:principal Bob<enter>:op secrets/get<enter>",
    );
    let row = |app: &App, op: &str| {
        let line = app.perms.line_of_op(op).unwrap();
        app.perms.row_at_line(line).unwrap().clone()
    };
    assert!(
        !row(&app, "secrets/get").network_denied,
        "no location: not evaluated"
    );
    press(&mut app, "f8.8.8.8<enter>");
    let get = row(&app, "secrets/get");
    assert_eq!(get.decision, kvaccess::eval::Decision::Denied);
    assert!(get.network_denied, "the firewall said no");
    let purge = row(&app, "secrets/purge");
    assert_eq!(purge.decision, kvaccess::eval::Decision::Denied);
    assert!(!purge.network_denied, "no grant: the permissions said no");
    let s = render(&app, 160, 48);
    let line = s.lines().find(|l| l.contains("✘ secrets/get")).unwrap();
    assert!(line.contains("⊘ network"), "{line}");
    let line = s.lines().find(|l| l.contains("✘ secrets/purge")).unwrap();
    assert!(!line.contains("⊘ network"), "{line}");
    let s = screen(&mut app, 80, 24);
    let line = s.lines().find(|l| l.contains("✘ secrets/get")).expect(&s);
    assert!(line.contains("⊘ network"), "uncut at 80×24: {line}");
}

/// Going back to a view at another scope asks for that view's answer again, and it arrives: the jump back
/// must not bring views in line in a way that drops the jobs it asks for (the view would wait forever).
#[test]
fn going_back_to_a_view_at_another_scope_gets_its_answer() {
    let mut app = demo();
    press(
        &mut app,
        ":goto kv-app-prod<enter>:principal Alice<enter>3<enter>j<enter>",
    );
    assert_eq!(app.view, View::Permissions);
    press(&mut app, ":goto kv-app-rbac<enter>3");
    assert!(app.who.ready().unwrap().scope.ends_with("kv-app-rbac"));
    press(&mut app, "[[");
    assert_eq!(app.view, View::WhoCan);
    let w = app.who.ready().expect("answered, not left loading");
    assert!(w.scope.ends_with("kv-app-prod"), "{}", w.scope);
}

/// Issue 13: the caller location applies in every view. From 8.8.8.8 the firewall of kv-app-prod says no,
/// so who-can and the matrix say what `check` says from there (and change back when it is cleared).
#[test]
fn who_can_and_the_matrix_answer_from_the_caller_location() {
    use kvaccess::eval::{Decision, Origin};
    use kvaccess::query::grouped::who_can::grouped_who_can;
    let mut app = demo();
    press(
        &mut app,
        ":goto kv-app-prod<enter>:who-can secrets/get<enter>",
    );
    let allowed = |app: &App| {
        app.who
            .ready()
            .unwrap()
            .groups
            .iter()
            .filter(|g| g.decision == Decision::Allowed)
            .count()
    };
    assert!(allowed(&app) > 0, "from nowhere in particular, some can");
    press(&mut app, "f8.8.8.8<enter>");
    let shown = app.who.ready().unwrap();
    assert_eq!(
        allowed(&app),
        0,
        "the firewall stops every caller from 8.8.8.8"
    );
    assert!(
        shown.network.is_some(),
        "the answer says the network decided"
    );
    let scope = kvaccess::model::Scope::parse(&shown.scope).unwrap();
    let action = kvaccess::catalog::resolve("secrets/get").unwrap();
    let origin = Origin::Ip("8.8.8.8".parse().unwrap());
    let library = grouped_who_can(&app.engine, &scope, &action, Some(&origin)).unwrap();
    let decisions = |w: &kvaccess::query::grouped::who_can::WhoCanGroups| {
        w.groups
            .iter()
            .map(|g| (g.grant.clone(), g.decision))
            .collect::<Vec<_>>()
    };
    assert_eq!(decisions(shown), decisions(&library.answer));
    press(&mut app, "2");
    let m = app.matrix.ready().unwrap();
    let row = m.rows.iter().find(|r| r.label == "Bob").unwrap();
    let get = row
        .cells
        .iter()
        .flat_map(|c| &c.decisions)
        .find(|(op, _)| *op == "secrets/get")
        .map(|(_, d)| *d);
    assert_eq!(get, Some(Decision::Denied), "the matrix agrees");
    press(&mut app, "f<enter>3");
    assert!(allowed(&app) > 0, "cleared: not evaluated again");
}

/// Issue 14: `/` searches the explanation when it has the focus: only its lines with every word are shown,
/// the border says how many, and esc gives the whole explanation back.
#[test]
fn slash_searches_the_explanation() {
    let mut app = demo();
    press(
        &mut app,
        ":goto kv-app-prod<enter>:principal Carol<enter>:op secrets/get<enter>E",
    );
    assert_eq!(app.focus, Focus::Explain);
    let all = app.explain.lines.len();
    let with = |word: &str| {
        app.explain
            .lines
            .iter()
            .filter(|l| {
                l.iter()
                    .map(|(_, t)| t.as_str())
                    .collect::<String>()
                    .to_lowercase()
                    .contains(word)
            })
            .count()
    };
    let kept = with("contributor");
    assert!(kept > 0 && kept < all, "{kept} of {all}");
    press(&mut app, "/contributor");
    assert!(app.filter.active);
    assert_eq!(app.explain_query, "contributor");
    let shown = kvaccess::tui::pane::explain::shown(&app).len();
    assert_eq!(shown, kept);
    let s = render(&app, 160, 48);
    assert!(
        s.contains(&format!("/contributor▏ {kept} of {all} lines")),
        "{s}"
    );
    press(&mut app, "<enter><esc>");
    assert!(app.explain_query.is_empty());
    assert_eq!(kvaccess::tui::pane::explain::shown(&app).len(), all);
    assert_eq!(app.focus, Focus::Explain, "esc cleared the search first");
}
