//! The paths view (key 6): the CLI's `kvaccess paths` in the explorer, drawn as a tree. Its answers are
//! the CLI's (compared with the built binary's JSON for every demo vault and identity), its exports are the
//! CLI's JSON, Mermaid and DOT byte for byte, a large answer is shown a page at a time, unknown hop data
//! says so, and the job runs in the background where Esc cancels it.

use std::process::Command;

use kvaccess::eval::Engine;
use kvaccess::model::PrincipalKind;
use kvaccess::paths::{GrantWays, Hop, HopKind, NodeRef, PathsToGrouped, Starts, Way};
use kvaccess::snapshot;
use kvaccess::tui::Options;
use kvaccess::tui::action::{Effect, Msg};
use kvaccess::tui::app::{App, Focus, View};
use kvaccess::tui::script::{keys, press, render, screen};
use kvaccess::tui::view::paths::{Answer, Direction, Key, PAGE, PathsView, Picked};
use kvaccess::tui::worker::{self, JobKind, JobSpec, Output};
use serde_json::Value;

fn demo() -> App {
    let mut app = App::new(Engine::new(snapshot::demo()), Options::plain("demo"));
    let _ = screen(&mut app, 120, 40);
    app
}

fn cli(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_kvaccess"))
        .arg("paths")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    out.stdout
}

fn shown(app: &App) -> Value {
    match app.paths.ready().expect("answered") {
        Answer::To(p) => serde_json::to_value(p).unwrap(),
        Answer::From(p) => serde_json::to_value(p).unwrap(),
    }
}

#[test]
fn the_view_answers_as_the_cli_does_for_every_demo_vault_and_identity() {
    let mut app = demo();
    let vaults: Vec<(String, String)> = app
        .engine
        .snapshot
        .vaults
        .iter()
        .map(|v| (v.scope.id().to_string(), v.name.clone()))
        .collect();
    let mut paths = 0;
    for (id, name) in &vaults {
        // The view's key from the scope tree, on a vault: the paths to it for who-can's operation.
        press(&mut app, &format!("1:goto {name}<enter>S6"));
        assert_eq!(
            (app.view, app.paths.direction),
            (View::Paths, Direction::To)
        );
        let want: Value = serde_json::from_slice(&cli(&["--to", id, "-o", "json"])).unwrap();
        assert_eq!(shown(&app), want, "--to {name}");
        paths += want["groups"].as_array().unwrap().len();
        // One top-level row per grant (a page at most), then the tenant-wide and unknown notes.
        let top = app.paths.visible().iter().filter(|p| p.len() == 1).count();
        let notes = usize::from(!want["tenantAdmins"].as_array().unwrap().is_empty())
            + usize::from(!want["unknownBecause"].as_array().unwrap().is_empty());
        let groups = want["groups"].as_array().unwrap().len();
        assert_eq!(top, groups.min(PAGE) + notes, "--to {name}");
    }
    assert!(paths > 0, "the demo has paths");
    let identities: Vec<String> = app
        .nav
        .principals
        .all
        .iter()
        .filter(|p| p.in_directory && p.kind.is_identity())
        .map(|p| p.id.clone())
        .collect();
    assert!(identities.len() >= 10);
    let mut reached = 0;
    for id in identities {
        // From the principal list: the paths from the principal.
        press(&mut app, &format!("1:principal {id}<enter>P6"));
        assert_eq!(app.paths.direction, Direction::From);
        let want: Value =
            serde_json::from_slice(&cli(&["--from", &id, "--expand", "-o", "json"])).unwrap();
        assert_eq!(shown(&app), want, "--from {id}");
        reached += want["reached"].as_array().unwrap().len();
    }
    assert!(reached > 10, "some identities become others");
}

#[test]
fn the_tree_opens_to_hops_and_a_hop_is_explained_with_its_evidence() {
    let mut app = demo();
    press(&mut app, ":goto kv-app-prod<enter>S6");
    insta::assert_snapshot!("paths_to_kv_app_prod_80x24", screen(&mut app, 80, 24));
    // Open the first grant and go to its first holder: its hop, stated once.
    press(&mut app, "<right>j");
    let Some(Picked::Way(way)) = app.paths.selected() else {
        panic!("not on a holder: {:?}", app.paths.selected_path())
    };
    let hop = way.hop.clone().expect("the holder's own hop");
    let s = screen(&mut app, 120, 40);
    insta::assert_snapshot!("paths_to_kv_app_prod_hop_120x40", s);
    // The explanation is the CLI's text output for that hop: its line and each piece of evidence.
    let text = kvaccess::paths::to_text(
        match app.paths.ready().unwrap() {
            Answer::To(p) => p,
            Answer::From(_) => unreachable!(),
        },
        &|id| kvaccess::paths::node_name(&app.engine, id),
        false,
    );
    let line = kvaccess::paths::hop_line(&hop, &|id| kvaccess::paths::node_name(&app.engine, id));
    assert!(text.contains(&line), "{line} not in the CLI's text");
    let plain = app.explain.plain();
    assert!(plain.contains(&line), "{plain}");
    for e in &hop.evidence {
        assert!(text.contains(&format!("evidence: {e}")));
        assert!(plain.contains(&format!("evidence: {e}")), "{plain}");
    }
    // Enter on a row with nothing beneath takes the keys to the explanation.
    press(&mut app, "<enter>");
    assert_eq!(app.focus, Focus::Explain);
    // ← closes a node, or goes up to its parent.
    press(&mut app, "<enter>h");
    assert_eq!(app.paths.selected_path().len(), 1);
}

#[test]
fn paths_from_a_principal_on_screen() {
    let mut app = demo();
    press(&mut app, ":principal Dana<enter>P6<right>");
    assert_eq!(app.paths.direction, Direction::From);
    insta::assert_snapshot!("paths_from_dana_120x40", screen(&mut app, 120, 40));
    insta::assert_snapshot!("paths_from_dana_80x24", screen(&mut app, 80, 24));
}

#[test]
fn exports_are_the_clis_json_mermaid_and_dot() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = demo();
    press(&mut app, ":goto kv-app-prod<enter>S6");
    let vault = app.nav.scopes.selected_scope().unwrap().id().to_string();
    for (ext, format) in [("json", "json"), ("mmd", "mermaid"), ("dot", "dot")] {
        let path = dir.path().join(format!("paths.{ext}"));
        press(&mut app, &format!("e<c-u>{}<enter>", path.display()));
        let written = std::fs::read(&path).unwrap();
        assert_eq!(written, cli(&["--to", &vault, "-o", format]), "{ext}");
    }
    // From a principal: JSON, as the CLI's; Mermaid and DOT draw paths to a vault only.
    press(&mut app, "6");
    assert_eq!(app.paths.direction, Direction::From);
    let id = app.nav.principals.selected().unwrap().id.clone();
    let path = dir.path().join("from.json");
    press(&mut app, &format!("e<c-u>{}<enter>", path.display()));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        cli(&["--from", &id, "--expand", "-o", "json"])
    );
    let path = dir.path().join("from.dot");
    press(&mut app, &format!("e<c-u>{}<enter>", path.display()));
    assert!(!path.exists());
    assert!(
        app.message.as_deref().unwrap().contains("export"),
        "{:?}",
        app.message
    );
    press(
        &mut app,
        &format!("e<c-u>{}<enter>", dir.path().join("x.csv").display()),
    );
    assert!(
        app.message.as_deref().unwrap().contains(".mmd"),
        "{:?}",
        app.message
    );
}

fn hop(from: &str, kind: HopKind) -> Hop {
    Hop {
        kind,
        from: from.into(),
        to: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv".into(),
        decision: kvaccess::eval::Decision::Allowed,
        eligible: false,
        evidence: vec![format!("grant of {from}")],
        explanation: "can get secrets".into(),
    }
}

/// A grant group whose holder `group` holds it for `members` identities.
fn grant(g: usize, group: &str, members: usize) -> GrantWays {
    let ids = (0..members).map(|i| format!("{group}-m{i:04}")).collect();
    GrantWays {
        grant: format!("holds: grant {g}"),
        shortest: 1,
        starts: members,
        holders: vec![Way {
            node: NodeRef {
                id: group.into(),
                display_name: group.into(),
                kind: PrincipalKind::Group.as_str().into(),
            },
            hop: Some(hop(group, HopKind::Holds)),
            start: false,
            starts: members,
            members: vec![Starts::new(hop("", HopKind::Holds), ids)],
            leaves: Vec::new(),
            ways: Vec::new(),
        }],
    }
}

#[test]
fn a_large_answer_is_shown_a_page_at_a_time_and_enter_lists_a_holders_identities() {
    // 250 grants, the first held by a group for 1 000 identities: the tree holds a page of each level,
    // counts shown before anything is listed, until asked for more.
    let mut groups: Vec<GrantWays> = (0..250).map(|g| grant(g, &format!("g{g}"), 1)).collect();
    groups[0] = grant(0, "big", 1000);
    let answer = PathsToGrouped {
        scope: "/subscriptions/s".into(),
        action: "secrets/get".into(),
        max_hops: 4,
        starts: 1249,
        groups,
        tenant_admins: Vec::new(),
        unknown_because: Vec::new(),
    };
    let mut view = PathsView::default();
    view.on_answer(Ok(Answer::To(answer)));
    assert_eq!(
        view.visible().len(),
        PAGE + 1,
        "a page of grants and '… more'"
    );
    assert_eq!(view.visible().last().unwrap(), &vec![Key::More]);
    view.move_by(isize::MAX);
    assert!(matches!(view.selected(), Some(Picked::More)));
    view.enter();
    assert_eq!(view.visible().len(), 2 * PAGE + 1);
    view.move_by(isize::MIN);
    view.enter(); // the first grant opens: its holder
    assert_eq!(view.visible().len(), 2 * PAGE + 2);
    view.move_by(1);
    let Some(Picked::Way(w)) = view.selected() else {
        panic!("{:?}", view.selected_path())
    };
    assert_eq!(w.starts, 1000);
    view.enter(); // the holder opens: one class of 1 000 members, counted, none listed
    assert_eq!(view.visible().len(), 2 * PAGE + 3);
    view.move_by(1);
    let Some(Picked::Class(c, _)) = view.selected() else {
        panic!("{:?}", view.selected_path())
    };
    assert_eq!(c.count, 1000);
    view.enter(); // Enter lists the identities: a page, then '… more'
    assert_eq!(view.visible().len(), 2 * PAGE + 3 + PAGE + 1);
    view.move_by(1);
    let Some(Picked::Start(_, first)) = view.selected() else {
        panic!("{:?}", view.selected_path())
    };
    assert_eq!(first, "big-m0000");
    view.move_by(PAGE as isize);
    assert!(matches!(view.selected(), Some(Picked::More)));
    view.enter();
    assert_eq!(view.visible().len(), 2 * PAGE + 3 + 2 * PAGE + 1);
    // The selection is on the first row of the new page.
    let Some(Picked::Start(_, next)) = view.selected() else {
        panic!("{:?}", view.selected_path())
    };
    assert_eq!(next, &format!("big-m{:04}", PAGE));
    // A start is a leaf: Enter goes to its explanation.
    assert!(view.enter());
}

#[test]
fn missing_hop_data_is_unknown_with_the_reason() {
    use super::paths::{load, policy, sp, tenant};
    let doc = tenant(vec![policy(30)], vec![sp(30, true)], serde_json::json!({}));
    let mut app = App::new(Engine::new(load(&doc)), Options::plain("fixture"));
    let _ = screen(&mut app, 120, 40);
    press(&mut app, ":goto kv<enter>S6");
    let Some(Answer::To(p)) = app.paths.ready() else {
        panic!("{:?}", app.paths.answer)
    };
    let gaps = p.unknown_because.clone();
    assert!(!gaps.is_empty());
    press(&mut app, "G<right>j");
    let Some(Picked::Gap(g)) = app.paths.selected() else {
        panic!("{:?}", app.paths.selected_path())
    };
    assert_eq!(g, gaps[0]);
    let s = render(&app, 120, 40);
    assert!(
        s.contains("Unknown (paths through these cannot be seen)"),
        "{s}"
    );
    assert!(app.explain.plain().contains(&gaps[0]));
}

#[test]
fn computed_in_the_background_and_esc_cancels() {
    let mut app = demo();
    let effects = app.handle(Msg::Key(keys("6").remove(0)));
    let job = effects
        .iter()
        .find_map(|e| match e {
            Effect::Run(j) if j.kind() == JobKind::Paths => Some(j.clone()),
            _ => None,
        })
        .expect("a paths job");
    assert!(matches!(job.spec, JobSpec::Paths(_)));
    let _ = app.handle(Msg::Progress {
        kind: JobKind::Paths,
        ticket: job.ticket,
        done: 12,
        total: 2_000,
    });
    let s = render(&app, 120, 40);
    assert!(s.contains("12 of 2 000 nodes"), "{s}");
    assert!(s.contains("Esc cancels"), "{s}");
    press(&mut app, "<esc>");
    assert!(job.cancel.is_cancelled(), "Esc cancels the job");
    assert!(render(&app, 120, 40).contains("cancelled"));
    // The job itself stops at its next step and answers nothing.
    assert!(matches!(worker::compute(&job).output, Output::Cancelled));
    // The view's key starts it again (the same question: cancelled answers are asked anew).
    let again = app.handle(Msg::Key(keys("6").remove(0)));
    assert!(again.iter().any(
        |e| matches!(e, Effect::Run(j) if j.kind() == JobKind::Paths && j.ticket > job.ticket)
    ));
}

/// The demo with 150 more RBAC vaults in rg-app-prod, where Carol holds Contributor.
fn with_bulk_vaults() -> App {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bulk.json");
    snapshot::save(&snapshot::demo(), &file).unwrap();
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let template = doc["vaults"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "kv-app-rbac")
        .unwrap()
        .clone();
    for i in 0..150 {
        let mut v = template.clone();
        let name = format!("kv-bulk-{i:03}");
        let id = template["id"]
            .as_str()
            .unwrap()
            .replace("kv-app-rbac", &name);
        v["id"] = Value::String(id);
        v["name"] = Value::String(name.clone());
        v["properties"]["vaultUri"] = Value::String(format!("https://{name}.vault.azure.net/"));
        v["properties"]["accessPolicies"] = Value::Array(Vec::new());
        doc["vaults"].as_array_mut().unwrap().push(v);
    }
    let snapshot = snapshot::parse_value(&doc, &file).unwrap();
    let mut app = App::new(Engine::new(snapshot), Options::plain("bulk"));
    let _ = screen(&mut app, 120, 40);
    app
}

#[test]
fn from_tree_groups_by_grant_and_enter_lists_a_verdicts_vaults_page_by_page() {
    let mut app = with_bulk_vaults();
    press(&mut app, ":principal Carol<enter>P6<right>j");
    let Some(Picked::Access(_, group)) = app.paths.selected() else {
        panic!("not on an access group: {:?}", app.paths.selected_path())
    };
    // Counts first: the group and its verdicts say how many vaults before anything is listed.
    let covered = group.vaults;
    assert!(covered > PAGE, "{covered}");
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains(&format!(
            "[A1] {covered} vault(s) · 'Contributor' at rg-app-prod to Carol"
        )),
        "{s}"
    );
    press(&mut app, "<enter>");
    let mut steps = 0;
    let verdict = loop {
        press(&mut app, "j");
        steps += 1;
        match app.paths.selected() {
            Some(Picked::Verdict(v)) if v.vaults > PAGE => break v.clone(),
            _ if steps > 5 => panic!(
                "no verdict with more than a page: {:?}",
                app.paths.selected_path()
            ),
            _ => {}
        }
    };
    let at = app.paths.selected_path().to_vec();
    let under = |app: &App| {
        app.paths
            .visible()
            .into_iter()
            .filter(|p| p.len() == at.len() + 1 && p.starts_with(&at))
            .collect::<Vec<_>>()
    };
    assert!(under(&app).is_empty(), "closed until Enter");
    // Enter lists the first page and "… N more".
    press(&mut app, "<enter>");
    let shown = under(&app);
    assert_eq!(shown.len(), PAGE + 1);
    assert_eq!(shown.last().unwrap().last(), Some(&Key::More));
    let s = screen(&mut app, 120, 40);
    assert!(s.contains("        kv-bulk-000 "), "{s}");
    // Enter on "… more" lists the rest.
    press(&mut app, &"j".repeat(PAGE + 1));
    assert_eq!(app.paths.selected_path().last(), Some(&Key::More));
    press(&mut app, "<enter>");
    let names: Vec<String> = under(&app)
        .iter()
        .map(|p| match app.paths.pick(p) {
            Some(Picked::Vault(name)) => name.to_string(),
            other => panic!("not a vault: {other:?}"),
        })
        .collect();
    assert_eq!(Some(&names), verdict.names.as_ref());
    assert_eq!(names.len(), verdict.vaults);
}

#[test]
fn a_holders_members_are_counted_then_listed_on_enter_and_a_start_explains_its_path() {
    let mut app = demo();
    press(&mut app, ":goto kv-app-prod<enter>S6");
    let Some(Answer::To(p)) = app.paths.ready() else {
        panic!("{:?}", app.paths.answer)
    };
    // The grant the Security team group holds (an access-policy entry naming the group).
    let g = p
        .groups
        .iter()
        .position(|g| {
            g.grant
                .contains("accessPolicies/22222222-0000-0000-0000-000000000001")
        })
        .expect("the Security team's grant");
    let flat = p.flat(&app.engine);
    press(&mut app, &format!("{}<enter>j", "j".repeat(g)));
    let Some(Picked::Way(w)) = app.paths.selected() else {
        panic!("{:?}", app.paths.selected_path())
    };
    assert_eq!(w.node.display_name, "Security team");
    // Opened, the holder shows its class of members with their count, listing none yet.
    press(&mut app, "<enter>j");
    let Some(Picked::Class(c, _)) = app.paths.selected() else {
        panic!("{:?}", app.paths.selected_path())
    };
    let count = c.count;
    assert!(count >= 2, "{count}");
    let s = render(&app, 120, 40);
    assert!(
        s.contains(&format!("{count} member(s): holds kv-app-prod")),
        "{s}"
    );
    let listed = |app: &App| {
        app.paths
            .visible()
            .iter()
            .filter(|p| matches!(p.last(), Some(Key::Start(_))))
            .count()
    };
    assert_eq!(listed(&app), 0, "members are not listed before Enter");
    // Enter lists them; a start's explanation is its whole path, as the flat answer has it.
    press(&mut app, "<enter>j");
    assert_eq!(listed(&app), count);
    let Some(Picked::Start(_, id)) = app.paths.selected() else {
        panic!("{:?}", app.paths.selected_path())
    };
    let id = id.to_string();
    let s = screen(&mut app, 120, 40);
    insta::assert_snapshot!("paths_to_kv_app_prod_members_120x40", s);
    let want = flat
        .groups
        .iter()
        .flat_map(|g| &g.paths)
        .find(|p| p.start.id == id)
        .expect("the start's flat path");
    let plain = app.explain.plain();
    assert!(plain.contains(&want.words()), "{plain}");
    for h in &want.hops {
        let line = kvaccess::paths::hop_line(h, &|id| kvaccess::paths::node_name(&app.engine, id));
        assert!(plain.contains(&line), "{line} in {plain}");
    }
    press(&mut app, "<enter>");
    assert_eq!(app.focus, Focus::Explain);
}

/// Moves down the open tree until `found` says the selected row is the one wanted (at most 20 rows).
fn down_to(app: &mut App, found: impl Fn(&Picked) -> bool) {
    for _ in 0..20 {
        if app.paths.selected().as_ref().is_some_and(&found) {
            return;
        }
        press(app, "j");
    }
    panic!("not found: at {:?}", app.paths.selected_path());
}

/// The --from tree shows what `reach` shows beside the vault-wide access: Erin's secret read through a
/// grant at the item (on 1 item, Enter lists it) and Pat's eligible Key Vault Administrator (Enter lists
/// the vault), explained as the CLI says them.
#[test]
fn from_tree_shows_items_held_through_grants_at_them_and_eligibilities() {
    let mut app = demo();
    press(&mut app, ":principal Erin<enter>P6<right>");
    down_to(&mut app, |p| matches!(p, Picked::Items(..)));
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains("◑ [I1] on 1 item(s) in kv-app-rbac: secrets/get, secrets/list"),
        "{s}"
    );
    let doc = format!("{:?}", app.paths.explain(&app.engine));
    assert!(
        doc.contains("'Key Vault Secrets User' at storage-account-key to Erin"),
        "{doc}"
    );
    press(&mut app, "<enter>j");
    let Some(Picked::Vault(item)) = app.paths.selected() else {
        panic!("not on the item: {:?}", app.paths.selected_path())
    };
    assert!(
        item.ends_with("/vaults/kv-app-rbac/secrets/storage-account-key"),
        "{item}"
    );

    let mut app = demo();
    press(&mut app, ":principal Pat<enter>P6<right>");
    down_to(&mut app, |p| matches!(p, Picked::Eligible(..)));
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains("[E1] 1 vault(s) · eligible (PIM, not active): 'Key Vault Administrator'"),
        "{s}"
    );
    let doc = format!("{:?}", app.paths.explain(&app.engine));
    assert!(
        doc.contains("'Key Vault Administrator' at kv-app-rbac to Pat")
            && doc.contains("Not allowed until activated"),
        "{doc}"
    );
    press(&mut app, "<enter>j");
    assert!(matches!(
        app.paths.selected(),
        Some(Picked::Vault("kv-app-rbac"))
    ));
}
