//! Triage first (issue 14): the explanation leads with the verdict and the gate that decided it, so at 80×24
//! the decisive lines are on screen without scrolling; the lesson comes after; a self-grant says through
//! what, every path of it; a finding with no grant known says "unknown" and why.

use kvaccess::eval::Engine;
use kvaccess::snapshot;
use kvaccess::tui::Options;
use kvaccess::tui::app::App;
use kvaccess::tui::explain::lesson;
use kvaccess::tui::script::{press, screen};

fn demo() -> App {
    let mut app = App::new(Engine::new(snapshot::demo()), Options::plain("demo"));
    let _ = screen(&mut app, 80, 24);
    app
}

/// The screen's rows joined without their borders, so a phrase the pane wrapped can still be found.
fn explain_text_on_screen(app: &mut App) -> String {
    let s = screen(app, 80, 24);
    let rows: Vec<String> = s
        .lines()
        .filter_map(|l| {
            let l = l.trim_matches('"');
            // The Explain pane is the lower right one at 80×24: the text between its two borders.
            let cells: Vec<char> = l.chars().collect();
            let start = cells.iter().rposition(|c| *c == '│' || *c == '┃')?;
            let before = cells[..start]
                .iter()
                .rposition(|c| *c == '│' || *c == '┃')?;
            Some(cells[before + 1..start].iter().collect::<String>())
        })
        .collect();
    rows.iter()
        .map(|r| r.trim_end())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn at_80x24_the_verdict_and_the_gate_that_decided_are_on_screen() {
    let cases = [
        (
            "kv-app-prod",
            "Bob",
            "secrets/get",
            None,
            "granted by the access-policy entry for Security team",
        ),
        (
            "kv-app-rbac",
            "Hank",
            "secrets/delete",
            None,
            "said no: deny assignment",
        ),
        (
            "kv-app-prod",
            "Bob",
            "secrets/get",
            Some("192.0.2.55"),
            "said no: the vault's firewall",
        ),
        (
            "kv-app-prod",
            "Carol",
            "secrets/get",
            None,
            "said no: the access policies",
        ),
        ("kv-app-rbac", "Dana", "secrets/get", None, "cannot tell:"),
        (
            "kv-app-rbac",
            "Gina",
            "secrets/get",
            None,
            "depends on the condition of role 'Key Vault Secrets User'",
        ),
    ];
    for (scope, who, op, from, gate) in cases {
        let mut app = demo();
        if let Some(f) = from {
            press(&mut app, &format!(":from {f}<enter>"));
        }
        press(
            &mut app,
            &format!(":goto {scope}<enter>:principal {who}<enter>:op {op}<enter>"),
        );
        let shown = explain_text_on_screen(&mut app);
        assert!(
            shown.contains(gate),
            "{who} {op} at {scope}: '{gate}' not in the first lines:\n{shown}"
        );
        let text = app.explain.plain();
        let lesson_at = text
            .find(lesson::HEADING)
            .expect("the lesson is still there");
        let gate_at = text.find(gate).unwrap();
        assert!(gate_at < lesson_at, "{text}");
        assert!(
            !shown.contains("DATA-PLANE operation"),
            "the lesson is below the evidence: {shown}"
        );
    }
}

#[test]
fn a_self_grant_says_through_what_and_lists_every_path() {
    let mut app = demo();
    press(
        &mut app,
        ":goto kv-app-rbac<enter>:principal Oscar<enter>:op secrets/get<enter>",
    );
    let shown = explain_text_on_screen(&mut app);
    assert!(shown.contains("⇑ but Oscar can assign itself"), "{shown}");
    let text = app.explain.plain();
    assert!(text.contains("Can grant itself (2 paths)"), "{text}");
    for through in [
        "through role 'Owner' at subscription Prod (Microsoft.Authorization/roleAssignments/write;",
        "through role 'Owner' at subscription Prod (Microsoft.KeyVault/vaults/write with unrestricted roleAssignments/write;",
    ] {
        assert!(text.contains(through), "{through} missing:\n{text}");
    }
}

#[test]
fn a_finding_with_no_grant_known_says_unknown_and_why() {
    let mut app = demo();
    press(&mut app, ":goto kv-app-rbac<enter>4");
    let groups = &app.escalations.ready().unwrap().groups;
    let i = (0..groups.len())
        .find(|&i| groups[i].grant.is_empty())
        .expect("the directory lacks one principal that has findings");
    use kvaccess::tui::view::pages::Row;
    let row = |app: &App, r: Row<usize>| app.escalations.rows().iter().position(|x| *x == r);
    app.escalations.cursor.selected = row(&app, Row::Group(i)).unwrap();
    press(&mut app, "M"); // any key: the explanation follows the selection
    let group = app.explain.plain();
    assert!(
        group.contains("unknown whether it can assign itself"),
        "{group}"
    );
    assert!(group.contains("listed only because"), "{group}");
    // Its identity, in the words of its own finding.
    press(&mut app, "<enter>");
    app.escalations.cursor.selected = row(&app, Row::Member(i, 0)).unwrap();
    press(&mut app, "M");
    let text = app.explain.plain();
    assert!(
        text.contains("unknown whether it can assign itself"),
        "{text}"
    );
    assert!(
        text.contains("listed only because the group memberships of"),
        "{text}"
    );
    assert!(!text.contains("Through a role"), "{text}");
    assert!(
        !text.lines().any(|l| l.trim_end().ends_with("through")),
        "{text}"
    );
}
