//! Matrix rows (issue 14): sorted by name, by number of operations or by kind (`O` cycles), and narrowed by
//! the explorer's `/` filter; the selection, the explanation and the export follow the rows shown.

use kvaccess::eval::Engine;
use kvaccess::query::MatrixRow;
use kvaccess::snapshot;
use kvaccess::tui::Options;
use kvaccess::tui::app::App;
use kvaccess::tui::script::{press, render, screen};

fn matrix_of(vault: &str) -> App {
    let mut app = App::new(Engine::new(snapshot::demo()), Options::plain("demo"));
    let _ = screen(&mut app, 120, 40);
    press(&mut app, &format!(":goto {vault}<enter>2"));
    assert!(app.matrix.ready().is_some());
    app
}

fn shown(app: &mut App) -> Vec<MatrixRow> {
    let n = app.matrix.len();
    let mut out = Vec::new();
    for i in 0..n {
        app.matrix.cursor.selected = i;
        out.push(app.matrix.selected().unwrap().clone());
    }
    app.matrix.cursor.selected = 0;
    out
}

fn ops(r: &MatrixRow) -> usize {
    r.cells.iter().map(|c| c.allowed + c.conditional).sum()
}

#[test]
fn rows_sort_by_name_then_operations_then_kind() {
    let mut app = matrix_of("kv-app-rbac");
    let by_name = shown(&mut app);
    assert!(by_name.len() > 5);
    let names: Vec<String> = by_name.iter().map(|r| r.label.to_lowercase()).collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");

    press(&mut app, "#");
    let by_ops = shown(&mut app);
    let counts: Vec<usize> = by_ops.iter().map(ops).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert!(counts.first() > counts.last(), "{counts:?}");
    let s = render(&app, 120, 40);
    assert!(s.contains("by operations"), "{s}");

    press(&mut app, "#");
    let by_kind = shown(&mut app);
    let kinds: Vec<u8> = by_kind
        .iter()
        .map(|r| match r.principal.as_ref().map(|p| p.kind.as_str()) {
            Some("user") => 0,
            Some("group") => 1,
            Some("servicePrincipal") => 2,
            Some("managedIdentity") => 3,
            _ => 4,
        })
        .collect();
    assert!(kinds.windows(2).all(|w| w[0] <= w[1]), "{kinds:?}");
    assert_eq!(by_kind.len(), by_name.len(), "sorting keeps every row");
    press(&mut app, "#");
    assert_eq!(app.matrix.order.words(), "by name");
}

#[test]
fn the_filter_keeps_matching_rows_and_the_selection_explanation_and_export_follow() {
    let mut app = matrix_of("kv-app-rbac");
    let all = app.matrix.len();
    // Down a few rows first: the narrowed rows start from the first again.
    press(&mut app, "jjj/managed identity<enter>");
    let rows = shown(&mut app);
    assert!(
        !rows.is_empty() && rows.len() < all,
        "{} of {all}",
        rows.len()
    );
    assert!(
        rows.iter()
            .all(|r| r.principal.as_ref().unwrap().kind.as_str() == "managedIdentity")
    );
    assert_eq!(app.matrix.cursor.selected, 0);
    let s = render(&app, 120, 40);
    assert!(s.contains(&format!("{} kept of {all}", rows.len())), "{s}");
    assert!(s.contains(&format!("{} rows", rows.len())), "{s}");
    assert!(
        app.explain.title.starts_with(&rows[0].label),
        "{}",
        app.explain.title
    );
    let table = app.matrix.table().unwrap();
    assert_eq!(table.rows.len(), rows.len(), "the export is what is shown");
    // Every row drawn is a kept one (the rows shown are the narrowed answer's, not stale positions).
    for r in &rows {
        assert!(
            s.contains(&r.label[..r.label.len().min(12)]),
            "{} not drawn\n{s}",
            r.label
        );
    }

    press(&mut app, "/<c-u>nobody-has-this-name<enter>");
    assert_eq!(app.matrix.len(), 0);
    assert!(render(&app, 120, 40).contains("no row matches 'nobody-has-this-name'"));
    press(&mut app, "<esc>");
    assert_eq!(app.matrix.len(), all);
    // A new answer (another vault, and back) while the filter is set is narrowed, and its rows arranged.
    press(
        &mut app,
        "/managed identity<enter>:goto kv-app-prod<enter>:goto kv-app-rbac<enter>2",
    );
    assert_eq!(shown(&mut app).len(), rows.len());
}

#[test]
fn the_selection_stays_on_its_row_when_the_order_changes() {
    let mut app = matrix_of("kv-app-rbac");
    press(&mut app, "jjj");
    let before = app.matrix.selected().unwrap().id.clone();
    press(&mut app, "#");
    assert_eq!(app.matrix.selected().unwrap().id, before);
}

/// Erin holds `Key Vault Secrets User` on one secret of kv-app-rbac only: the explorer says so where the
/// CLI does (`matrix` "1 item", `check`'s items), in the matrix cell, the permission row and both
/// explanations, never a bare "denied".
#[test]
fn grants_made_at_items_show_in_the_matrix_and_the_permissions() {
    let mut app = matrix_of("kv-app-rbac");
    let erin = (0..app.matrix.len())
        .find(|&i| {
            app.matrix.cursor.selected = i;
            app.matrix.selected().is_some_and(|r| r.label == "Erin")
        })
        .expect("Erin is a row of the vault's matrix");
    app.matrix.cursor.selected = erin;
    let get = app
        .matrix
        .ready()
        .unwrap()
        .columns
        .iter()
        .position(|c| *c == "secrets/get")
        .unwrap();
    while app.matrix.col < get {
        press(&mut app, "l");
    }
    let s = render(&app, 120, 40);
    let row = s.lines().find(|l| l.contains("U Erin")).unwrap();
    assert!(row.contains("◑1"), "{row}");
    assert!(
        s.contains("◑ Denied on the vault, but held on 1 of its items through grants made there:"),
        "{s}"
    );

    press(&mut app, ":principal Erin<enter>1:op secrets/get<enter>");
    let s = render(&app, 120, 40);
    let row = s.lines().find(|l| l.contains("secrets/get ")).unwrap();
    assert!(row.contains("denied") && row.contains("◑ 1 item"), "{row}");
    assert!(
        s.contains("◑ but on 1 item of this vault, through grants made there:"),
        "{s}"
    );
    assert!(s.contains("secret storage-account-key"), "{s}");
    // Not at another vault, where she holds nothing on items.
    press(&mut app, ":goto kv-app-prod<enter>:op secrets/get<enter>");
    let s = render(&app, 120, 40);
    assert!(!s.contains("◑"), "{s}");
}
