//! Layout (issue 14): at 80×24, 120×40 and 200×60, in each view, the texts the panes draw themselves —
//! operation names, plane headings, notes, matrix headers, explanation titles, what-if changes — appear
//! whole, on one row or wrapped, never cut.

use kvaccess::eval::Engine;
use kvaccess::snapshot;
use kvaccess::tui::Options;
use kvaccess::tui::app::{App, Focus};
use kvaccess::tui::script::{press, screen};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 60)];

fn demo(w: u16, h: u16) -> App {
    let mut app = App::new(Engine::new(snapshot::demo()), Options::plain("demo"));
    let _ = screen(&mut app, w, h);
    app
}

/// Where a pane is drawn (the what-if panel, when open, takes its rows from beside the main view).
#[derive(Clone, Copy)]
enum Pane {
    Of(Focus),
    WhatIf,
}

/// The rows inside a pane's border, as drawn.
fn rows(app: &mut App, w: u16, h: u16, pane: Pane) -> Vec<String> {
    let _ = screen(app, w, h);
    let (areas, panel) = kvaccess::tui::pane::whatif::carve(app, app.areas());
    let pane: Rect = match pane {
        Pane::Of(f) => areas.of(f).unwrap(),
        Pane::WhatIf => panel.unwrap(),
    };
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| kvaccess::tui::pane::draw(f, app)).unwrap();
    let buf = t.backend().buffer();
    (pane.y + 1..pane.y + pane.height.saturating_sub(1))
        .map(|y| {
            (pane.x + 1..pane.x + pane.width.saturating_sub(1))
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect()
}

/// A pane's text with its rows run together and spaces collapsed: a wrapped phrase reads whole again.
fn flowing(rows: &[String]) -> String {
    squash(&rows.join(" "))
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn operation_names_headings_and_notes_of_the_permissions_view_are_whole() {
    for (w, h) in SIZES {
        let mut app = demo(w, h);
        press(
            &mut app,
            ":goto kv-app-prod<enter>:principal Oscar<enter>:op locations/deletedVaults/purge/action<enter>",
        );
        let main = rows(&mut app, w, h, Pane::Of(Focus::Main));
        let text = flowing(&main);
        assert!(
            text.contains("locations/deletedVaults/purge/action"),
            "{w}×{h}:\n{}",
            main.join("\n")
        );
        assert!(
            !text.contains('…'),
            "{w}×{h}: something is cut:\n{}",
            main.join("\n")
        );
        for name in app.perms.table.rows.iter().map(|r| r.op.name) {
            if let Some(at) = main
                .iter()
                .position(|r| r.contains(&format!(" {name} ")) || r.trim_end().ends_with(name))
            {
                assert!(main[at].contains(name), "{w}×{h}: {name}");
            }
        }
        // Above a vault: the note says why the data plane is missing, whole.
        press(&mut app, ":goto Prod<enter>g");
        let main = rows(&mut app, w, h, Pane::Of(Focus::Main));
        let note = "data-plane operations exist only on a vault or an item: select one to see keys, secrets and certificates";
        let text = flowing(&main);
        assert!(
            text.contains(note) || app.perms.table.lines.len() >= main.len(),
            "{w}×{h}:\n{}",
            main.join("\n")
        );
        let heading = main.first().unwrap().trim_end();
        assert!(
            "MANAGEMENT PLANE · Azure RBAC · management.azure.com".starts_with(heading)
                && [" · Azure RBAC", "management.azure.com"]
                    .iter()
                    .any(|end| heading.ends_with(end)),
            "{w}×{h}: heading cut inside a part: {heading:?}"
        );
    }
}

#[test]
fn the_note_wraps_when_the_table_leaves_room() {
    let mut app = demo(80, 24);
    press(&mut app, ":goto Prod<enter>:principal Alice<enter>z");
    let main = rows(&mut app, 80, 24, Pane::Of(Focus::Main));
    assert!(
        flowing(&main).contains("data-plane operations exist only on a vault or an item: select one to see keys, secrets and certificates"),
        "{}",
        main.join("\n")
    );
}

#[test]
fn matrix_headers_are_whole_words_at_every_size_and_column() {
    for (w, h) in SIZES {
        let mut app = demo(w, h);
        press(&mut app, ":goto kv-app-prod<enter>2");
        let columns: Vec<&str> = app.matrix.ready().unwrap().columns.clone();
        let words: Vec<&str> = columns.iter().flat_map(|c| c.split('/')).collect();
        for step in 0..columns.len() {
            let main = rows(&mut app, w, h, Pane::Of(Focus::Main));
            for header in &main[..2] {
                for token in header
                    .split_whitespace()
                    .filter(|t| !t.ends_with("rows") && t.parse::<usize>().is_err())
                {
                    assert!(
                        words.contains(&token),
                        "{w}×{h} column {step}: header word {token:?} is cut:\n{}",
                        main[..2].join("\n")
                    );
                }
            }
            let selected = columns[app.matrix.col];
            let (kind, verb) = selected.split_once('/').unwrap();
            assert!(
                main[0].contains(kind) && main[1].contains(verb),
                "{w}×{h}: {selected} not shown"
            );
            press(&mut app, "l");
        }
    }
}

#[test]
fn explanation_titles_and_what_if_changes_wrap_whole() {
    for (w, h) in SIZES {
        let mut app = demo(w, h);
        press(
            &mut app,
            ":goto kv-app-rbac<enter>:principal 11111111-0000-0000-0000-000000000099<enter>:op secrets/get<enter>",
        );
        let title = app.explain.title.clone();
        let explain = rows(&mut app, w, h, Pane::Of(Focus::Explain));
        assert!(
            flowing(&explain).contains(&squash(&title)),
            "{w}×{h}: {title}\n{}",
            explain.join("\n")
        );

        press(&mut app, "Wa");
        press(
            &mut app,
            "addRoleAssignment<enter>Developers and operators<enter>Key Vault Secrets User<enter>kv-app-rbac<enter>",
        );
        let change = app
            .whatif
            .scenario
            .entries
            .first()
            .map(|e| kvaccess::tui::whatif::describe::describe(&app.engine, &e.change));
        let Some(change) = change else {
            panic!("{w}×{h}: the change was not added: {:?}", app.whatif.errors)
        };
        let drawn = rows(&mut app, w, h, Pane::WhatIf);
        assert!(
            flowing(&drawn).contains(&squash(&change)),
            "{w}×{h}: {change}\n{}",
            drawn.join("\n")
        );
    }
}

/// The escalations groups: vault names whole, and each technique in full when it fits, else in its few
/// words, never cut (the explanation has it in full).
#[test]
fn escalation_techniques_are_whole_in_their_column_at_every_size() {
    use kvaccess::query::Technique;
    const ALL: [Technique; 6] = [
        Technique::AccessPolicySelfGrant,
        Technique::RoleAssignmentSelfGrant,
        Technique::RoleAssignmentThenAccessPolicy,
        Technique::SwitchPermissionModel,
        Technique::SwitchPermissionModelPossible,
        Technique::TemplateDeployment,
    ];
    for (w, h) in SIZES {
        let mut app = demo(w, h);
        press(&mut app, "4");
        let shown = rows(&mut app, w, h, Pane::Of(Focus::Main));
        let groups: Vec<&String> = shown.iter().filter(|r| r.contains("▸ ")).collect();
        assert!(!groups.is_empty(), "{w}x{h}: {shown:#?}");
        // A one-vault group names its vault; a group over more says how many.
        let vaults: Vec<String> = app
            .engine
            .snapshot
            .vaults
            .iter()
            .map(|v| format!(" {} ", v.name))
            .chain((2..=4).map(|n| format!(" {n} vaults ")))
            .collect();
        for row in groups {
            let row = row.trim_end_matches(['│', '┃', ' ']);
            assert!(
                ALL.iter()
                    .any(|t| row.ends_with(t.describe()) || row.ends_with(t.short())),
                "{w}x{h}: a technique is cut: {row:?}"
            );
            assert!(
                vaults.iter().any(|v| row.contains(v.as_str())),
                "{w}x{h}: a vault name is cut: {row:?}"
            );
        }
    }
}

/// The who-can view's group rows: a group in full when it fits, else its holder and grant in a few words,
/// the grant never cut (the selected group is in full in the explanation).
#[test]
fn who_can_groups_keep_their_grant_whole_at_every_size() {
    use kvaccess::query::grouped::who_can::{Decides, WhoCanGroup};
    for (w, h) in SIZES {
        let mut app = demo(w, h);
        press(&mut app, ":goto kv-app-prod<enter>3");
        let groups: Vec<WhoCanGroup> = {
            let a = app.who.ready().unwrap();
            [&a.groups, &a.on_items, &a.eligible, &a.can_grant_themselves]
                .into_iter()
                .flatten()
                .cloned()
                .collect()
        };
        let endings: Vec<String> = groups
            .iter()
            .flat_map(|g| {
                let grant = match g.decides {
                    Decides::RoleAssignment | Decides::Eligibility => {
                        g.role_name.clone().unwrap_or_default()
                    }
                    Decides::AccessPolicy => "access policy".into(),
                    Decides::SelfGrant => g
                        .technique
                        .map(|t| t.short().to_string())
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                let grant = if g.via_app.is_some() && !grant.is_empty() {
                    format!("{grant} via app")
                } else {
                    grant
                };
                [
                    kvaccess::tui::view::who_can::describe(&app.engine, g),
                    grant,
                ]
            })
            .filter(|s| !s.is_empty())
            .collect();
        let shown = rows(&mut app, w, h, Pane::Of(Focus::Main));
        let group_rows: Vec<&String> = shown.iter().filter(|r| r.contains('▸')).collect();
        assert!(!group_rows.is_empty(), "{w}x{h}: {shown:#?}");
        for row in group_rows {
            let row = row.trim_end_matches(['│', '┃', ' ']);
            assert!(
                endings.iter().any(|e| row.ends_with(e.as_str())),
                "{w}x{h}: a grant is cut: {row:?}"
            );
        }
    }
}

#[test]
fn paths_rows_keep_their_counts_and_the_explanation_its_hop_whole() {
    for (w, h) in SIZES {
        let mut app = demo(w, h);
        press(&mut app, ":goto kv-app-prod<enter>S6");
        let main = rows(&mut app, w, h, Pane::Of(Focus::Main));
        let groups: Vec<&String> = main.iter().filter(|r| r.contains("▸ ✔")).collect();
        assert!(!groups.is_empty(), "{w}×{h}:\n{}", main.join("\n"));
        for r in groups {
            assert!(r.contains(" start(s) · "), "{w}×{h}: count cut: {r:?}");
        }
        // A hop's line is whole in the explanation, wrapped if need be.
        press(&mut app, "<right>j");
        let explain = flowing(&rows(&mut app, w, h, Pane::Of(Focus::Explain)));
        assert!(
            explain.contains("Oscar can grant itself kv-app-prod [allowed]: can add an access-policy entry for itself"),
            "{w}×{h}: {explain}"
        );
    }
}
