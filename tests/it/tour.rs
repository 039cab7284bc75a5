//! The guided tour (issue 14): every claim is an answer the engine gives on the spot — `check` run on the
//! built binary agrees with each one, and a changed snapshot changes what the tour says; the explorer's
//! tour overlay steps with n / p and selects each step's scope, principal and view.

use crate::cli::kv;
use kvaccess::eval::{Decision, Engine};
use kvaccess::snapshot;
use kvaccess::tour::{self, Show};
use kvaccess::tui::Options;
use kvaccess::tui::app::{App, View};
use kvaccess::tui::script::{press, screen};

/// Splits a command line the way a shell would for the tour's questions (words, 'quoted words').
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '\'' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

#[test]
fn every_claim_is_what_check_answers() {
    let steps = tour::steps(&Engine::new(snapshot::demo()));
    assert_eq!(steps.len(), 9);
    let mut asked = 0;
    for step in &steps {
        assert!(step.scope.is_some(), "{}", step.title);
        assert!(
            (2..=5).contains(&step.text.len()),
            "{}: {:?}",
            step.title,
            step.text
        );
        assert!(!step.try_this.is_empty());
        for c in &step.claims {
            // The switch to RBAC is asked of the what-if world, which `check` alone does not see.
            let Some(q) = c.question.strip_prefix("check ") else {
                continue;
            };
            let out = kv().arg("check").args(words(q)).output().unwrap();
            let expected = match c.decision {
                Decision::Allowed => 0,
                Decision::Denied => 1,
                Decision::Conditional => 3,
                Decision::Unknown => 4,
            };
            assert_eq!(
                out.status.code(),
                Some(expected),
                "{}: {}",
                step.title,
                c.question
            );
            asked += 1;
        }
    }
    assert!(asked >= 15, "{asked}");
}

#[test]
fn a_changed_snapshot_changes_what_the_tour_says() {
    let demo = snapshot::demo();
    let before = tour::steps(&Engine::new(demo.clone()));
    let carol = &before[4];
    assert!(
        carol
            .text
            .iter()
            .any(|t| t.contains("can add an access-policy entry for itself")),
        "{:?}",
        carol.text
    );
    let firewall = &before[7];
    assert_eq!(firewall.claims[0].decision, Decision::Denied);

    // Carol loses her Contributor role; the firewall of kv-app-prod is switched off.
    let mut changed = demo;
    changed
        .role_assignments
        .retain(|a| !a.id.ends_with("44444444-0000-0000-0000-000000000003"));
    for v in &mut changed.vaults {
        if v.name == "kv-app-prod" {
            v.network.acls = None;
        }
    }
    let after = tour::steps(&Engine::new(changed));
    assert!(
        after[4]
            .text
            .iter()
            .any(|t| t.contains("has no way to grant it to itself")),
        "{:?}",
        after[4].text
    );
    assert_eq!(
        after[7].claims[0].decision,
        Decision::Allowed,
        "{:?}",
        after[7].text
    );
    assert!(
        after[7].text[1].contains("192.0.2.55: allowed"),
        "{:?}",
        after[7].text
    );
}

#[test]
fn the_cli_prints_the_steps_and_one_as_json() {
    let out = kv().arg("tour").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Step 1/9 · Two planes\n"), "{text}");
    assert!(text.contains("Step 9/9 · A private endpoint"), "{text}");
    assert!(
        text.contains("engine: check -p 'Carol' --scope kv-app-prod -a secrets/get → denied"),
        "{text}"
    );
    let out = kv()
        .args(["tour", "--step", "6", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["title"], "What switching to RBAC changes");
    assert_eq!(v[0]["view"], "who can");
    assert!(
        v[0]["claims"][0]["question"]
            .as_str()
            .unwrap()
            .starts_with("after the switch: check")
    );
    let out = kv().args(["tour", "--step", "10"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_explorer_tour_steps_with_n_and_p_and_selects_what_each_step_shows() {
    let mut app = App::new(Engine::new(snapshot::demo()), Options::plain("demo"));
    let _ = screen(&mut app, 80, 24);
    press(&mut app, "i");
    let shown = screen(&mut app, 80, 24);
    assert!(shown.contains("Tour 1/9 · Two planes"), "{shown}");
    assert!(
        shown.contains("n next · p previous · esc leaves the tour"),
        "{shown}"
    );
    let steps = app.tour.as_ref().unwrap().steps.clone();
    for (i, step) in steps.iter().enumerate() {
        let t = app.tour.as_ref().unwrap();
        assert_eq!(t.at, i);
        assert_eq!(
            app.nav.scopes.selected_scope().map(|s| s.key().to_string()),
            step.scope.as_ref().map(|s| s.key().to_string()),
            "{}",
            step.title
        );
        if let Some(p) = &step.principal {
            assert_eq!(
                &app.nav.principals.selected().unwrap().id,
                p,
                "{}",
                step.title
            );
        }
        let view = match step.show {
            Show::Permissions => View::Permissions,
            Show::Matrix => View::Matrix,
            Show::WhoCan => View::WhoCan,
            Show::Escalations => View::Escalations,
        };
        assert_eq!(app.view, view, "{}", step.title);
        if step.show == Show::Permissions
            && let Some(op) = step.operation
        {
            let row = app.perms.row_at_line(app.perms.cursor.selected).unwrap();
            assert_eq!(row.op.name, op, "{}", step.title);
        }
        assert_eq!(app.origin.is_some(), step.from.is_some(), "{}", step.title);
        press(&mut app, "n");
    }
    assert_eq!(
        app.tour.as_ref().unwrap().at,
        steps.len() - 1,
        "n stops at the last step"
    );
    press(&mut app, "pp");
    assert_eq!(app.tour.as_ref().unwrap().at, steps.len() - 3);
    // Other keys still work under the tour: that is the "try this".
    press(&mut app, "3");
    assert_eq!(app.view, View::WhoCan);
    assert!(app.tour.is_some());
    press(&mut app, "<esc>");
    assert!(app.tour.is_none());
}
