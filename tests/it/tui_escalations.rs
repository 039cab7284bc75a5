//! The escalations view (key 4) at scale: it answers for the selected scope (a vault's own escalations at a
//! vault, a subscription's at a subscription), grouped by the grant that opens each path as `kvaccess
//! escalations` groups them, in the background with its progress on screen, cancellable with Esc; a long
//! computation holds up no other view; a group's identities are listed on Enter. Synthetic tenants are kept
//! small.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::time::Duration;

use kvaccess::eval::Engine;
use kvaccess::model::{Scope, ScopeKind, Snapshot};
use kvaccess::query;
use kvaccess::query::grouped::escalations::by_grant::GrantGroups;
use kvaccess::query::grouped::escalations::{EscalationGroups, escalation_groups};
use kvaccess::synth::{SynthSpec, generate};
use kvaccess::tui::action::{Effect, Msg};
use kvaccess::tui::app::{App, View};
use kvaccess::tui::script::{keys, press, render, screen, settle};
use kvaccess::tui::view::escalations::asked_scope;
use kvaccess::tui::view::pages::Row;
use kvaccess::tui::worker::{self, Job, JobKind, JobSpec, Output};
use kvaccess::tui::{Options, view};
use serde_json::Value;

fn synthetic() -> Snapshot {
    generate(&SynthSpec::new(300, 30, 600, 11))
}

fn app_on(s: &Snapshot) -> App {
    let mut app = App::new(Engine::new(s.clone()), Options::plain("synth"));
    let _ = screen(&mut app, 120, 40);
    app
}

/// Selects `scope` in the tree, as moving the cursor there would.
fn select(app: &mut App, scope: &Scope) {
    let path = app
        .nav
        .scopes
        .path_to(scope.key())
        .expect("scope in the tree");
    app.nav.scopes.select_path(path, 20);
    let fx = app.handle(Msg::Resize(120, 40));
    settle(app, fx);
}

/// An answer as `kvaccess escalations --output json` prints it: by grant.
fn by_grant(engine: &Engine, answer: &EscalationGroups) -> Value {
    serde_json::to_value(GrantGroups::of(engine, answer)).unwrap()
}

fn job_of(effects: &[Effect], kind: JobKind) -> Job {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Run(j) if j.kind() == kind => Some(j.clone()),
            _ => None,
        })
        .expect("a job of the kind")
}

/// Opens group `i` with Enter and lists every page of it; its identities with their vault counts.
fn expand(app: &mut App, i: usize) -> BTreeMap<String, usize> {
    let at = |app: &App, row: Row<usize>| app.escalations.rows().iter().position(|r| *r == row);
    app.escalations.cursor.selected = at(app, Row::Group(i)).unwrap();
    press(app, "<enter>");
    while let Some(more) = at(app, Row::More(i)) {
        app.escalations.cursor.selected = more;
        press(app, "<enter>");
    }
    let rows = app.escalations.rows();
    let mut out = BTreeMap::new();
    for (n, r) in rows.iter().enumerate() {
        if matches!(r, Row::Member(g, _) if *g == i) {
            app.escalations.cursor.selected = n;
            let Some(view::escalations::Picked::Member(_, m)) = app.escalations.selected() else {
                panic!("row {n} is an identity")
            };
            out.insert(m.principal.id.clone(), m.vaults);
        }
    }
    // Closed again: the rows are the groups'.
    app.escalations.cursor.selected = at(app, Row::Group(i)).unwrap();
    press(app, "<enter>");
    out
}

/// One question, one answer: at every scope of the demo's tree, the view's groups are what `kvaccess
/// escalations --scope S --output json` prints (the built binary), and every group expanded in the view
/// lists exactly the identities of the flat answer's findings it stands for, each at as many vaults.
#[test]
fn the_views_groups_are_the_clis_at_every_scope_and_expand_to_the_flat_findings() {
    let mut app = App::new(
        Engine::new(kvaccess::snapshot::demo()),
        Options::plain("demo"),
    );
    let _ = screen(&mut app, 120, 40);
    press(&mut app, "4");
    let scopes: Vec<Scope> = app
        .nav
        .scopes
        .nodes
        .iter()
        .map(|n| n.scope.clone())
        .collect();
    assert!(
        scopes
            .iter()
            .any(|s| matches!(s.kind(), ScopeKind::VaultItem(_)))
    );
    let mut cli: BTreeMap<String, Value> = BTreeMap::new();
    let mut expanded = 0;
    for scope in &scopes {
        select(&mut app, scope);
        let answer = app.escalations.ready().expect("answered").clone();
        let engine = app.engine.clone();
        let asked = asked_scope(scope);
        let key = asked
            .as_ref()
            .map_or("/".to_string(), |s| s.id().to_string());
        let printed = cli.entry(key.clone()).or_insert_with(|| {
            let mut cmd = crate::cli::kv();
            cmd.arg("escalations")
                .arg("-s")
                .arg(crate::cli::demo_path())
                .args(["--output", "json"]);
            if let Some(s) = &asked {
                cmd.args(["--scope", s.id()]);
            }
            let out = cmd.output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_slice(&out.stdout).unwrap()
        });
        assert_eq!(&by_grant(&engine, &answer), printed, "at {}", scope.id());
        if matches!(scope.kind(), ScopeKind::Vault | ScopeKind::VaultItem(_)) {
            assert_eq!(answer.vaults_examined, 1, "an item's are its vault's");
        }
        // Expanded, once per scope asked: the flat answer, group by group.
        if cli.len() == expanded {
            continue;
        }
        expanded = cli.len();
        let flat = query::escalations(&engine, asked.as_ref());
        assert_eq!(
            answer.groups.iter().map(|g| g.findings).sum::<usize>(),
            flat.len(),
            "at {key}"
        );
        for (i, g) in answer.groups.iter().enumerate() {
            let mut want: BTreeMap<String, usize> = BTreeMap::new();
            for f in flat.iter().filter(|f| g.has(f)) {
                *want.entry(f.principal.id.clone()).or_default() += 1;
            }
            assert!(!want.is_empty(), "{key}: group {i} stands for no finding");
            assert_eq!(expand(&mut app, i), want, "{key}: group {i} ({})", g.grant);
        }
    }
    assert!(cli.len() >= 6, "{:?}", cli.keys());
}

#[test]
fn key_4_answers_for_the_selected_vault_and_subscription() {
    let s = synthetic();
    let engine = Engine::new(s.clone());
    let mut app = app_on(&s);
    let vault = s
        .vaults
        .iter()
        .find(|v| !query::escalations_for_vault(&engine, v).is_empty())
        .expect("a vault with escalations");
    select(&mut app, &vault.scope);
    press(&mut app, "4");
    assert_eq!(app.view, View::Escalations);
    let at_vault = app.escalations.ready().expect("answered").clone();
    let expected = escalation_groups(&engine, Some(&vault.scope));
    assert_eq!(by_grant(&engine, &at_vault), by_grant(&engine, &expected));
    assert_eq!(at_vault.vaults_examined, 1);
    // The subscription above it: every vault of that subscription, and no other.
    let sub = engine
        .index
        .ancestry(&vault.scope)
        .scopes
        .iter()
        .find(|x| x.kind() == ScopeKind::Subscription)
        .cloned()
        .expect("a subscription");
    select(&mut app, &sub);
    let at_sub = app.escalations.ready().expect("answered").clone();
    let expected = escalation_groups(&engine, Some(&sub));
    assert_eq!(by_grant(&engine, &at_sub), by_grant(&engine, &expected));
    assert!(
        at_sub.vaults_examined > 1 && at_sub.findings > at_vault.findings,
        "the subscription has more vaults"
    );
    let under_sub = s
        .vaults
        .iter()
        .filter(|v| v.scope.key().starts_with(sub.key()))
        .count();
    assert_eq!(
        at_sub.vaults_examined, under_sub,
        "only the subscription's vaults"
    );
    let screen = render(&app, 120, 40);
    assert!(
        screen.contains(&format!(
            "Escalations {} groups · {} findings",
            at_sub.groups.len(),
            at_sub.findings
        )),
        "{screen}"
    );
}

#[test]
fn progress_shows_while_it_computes_and_esc_cancels() {
    let s = synthetic();
    let mut app = app_on(&s);
    let selected = app.nav.scopes.selected_scope().unwrap().clone();
    // Not settled: the job is out, the view waits for it.
    let job = job_of(
        &app.handle(Msg::Key(keys("4").remove(0))),
        JobKind::Escalations,
    );
    let JobSpec::Escalations { scope } = &job.spec else {
        panic!("not an escalations job")
    };
    assert_eq!(
        scope.as_ref(),
        Some(&selected),
        "the first screen selects one vault"
    );
    let waiting = render(&app, 120, 40);
    assert!(
        waiting.contains("looking for self-escalation paths under"),
        "{waiting}"
    );
    assert!(waiting.contains("Esc cancels"), "{waiting}");
    let _ = app.handle(Msg::Progress {
        kind: JobKind::Escalations,
        ticket: job.ticket,
        done: 312,
        total: 2000,
    });
    let progress = render(&app, 120, 40);
    assert!(progress.contains("312 of 2 000 vaults"), "{progress}");
    // Progress of a job the app no longer waits for changes nothing.
    let _ = app.handle(Msg::Progress {
        kind: JobKind::Escalations,
        ticket: job.ticket + 100,
        done: 5,
        total: 9,
    });
    assert!(render(&app, 120, 40).contains("312 of 2 000 vaults"));

    press(&mut app, "<esc>");
    assert!(job.cancel.is_cancelled(), "Esc cancels the running job");
    assert_eq!(app.view, View::Escalations, "Esc cancels before it leaves");
    let cancelled = render(&app, 120, 40);
    assert!(cancelled.contains("cancelled"), "{cancelled}");
    assert!(matches!(worker::compute(&job).output, Output::Cancelled));
    // Moving around does not start it again; the view's key does.
    let fx = app.handle(Msg::Resize(120, 40));
    assert!(!fx.iter().any(|e| matches!(e, Effect::Run(_))), "{fx:?}");
    press(&mut app, "4");
    assert!(app.escalations.ready().is_some(), "asked again, answered");

    // A group's identities are listed in the background too: progress, and Esc stops the listing.
    let sub = app
        .engine
        .index
        .ancestry(&selected)
        .scopes
        .iter()
        .find(|x| x.kind() == ScopeKind::Subscription)
        .cloned()
        .unwrap();
    select(&mut app, &sub);
    assert!(!app.escalations.ready().unwrap().groups.is_empty());
    let listing = job_of(
        &app.handle(Msg::Key(keys("<enter>").remove(0))),
        JobKind::EscalationMembers,
    );
    let _ = app.handle(Msg::Progress {
        kind: JobKind::EscalationMembers,
        ticket: listing.ticket,
        done: 2,
        total: 7,
    });
    let s = render(&app, 120, 40);
    assert!(
        s.contains("listing its identities: 2 of 7 vaults… (Esc cancels)"),
        "{s}"
    );
    press(&mut app, "<esc>");
    assert!(listing.cancel.is_cancelled());
    assert_eq!(app.view, View::Escalations);
    assert!(!render(&app, 120, 40).contains("listing its identities"));
    let _ = app.handle(Msg::Done(worker::compute(&listing)));
    assert_eq!(
        app.escalations.rows().len(),
        app.escalations.ready().unwrap().groups.len()
    );
    // Asked again, it opens.
    press(&mut app, "<enter>");
    assert!(matches!(
        app.escalations.rows().get(1),
        Some(Row::Member(0, 0))
    ));
}

/// A long escalations job runs on a thread of its own: a matrix asked after it is answered while it runs,
/// it reports its progress, and once cancelled it sends no answer.
#[test]
fn a_long_escalations_job_holds_up_no_other_view() {
    // Every vault of a tenant far larger than the others here: far longer than the matrix takes.
    let s = generate(&SynthSpec::new(3000, 400, 9000, 3));
    let app = app_on(&s);
    let engine = app.engine.clone();
    let (jobs_tx, jobs_rx) = mpsc::channel();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || worker::serve(jobs_rx, tx));
    let long = Job {
        ticket: 1,
        spec: JobSpec::Escalations { scope: None },
        cancel: Default::default(),
        engine: worker::EngineRef(engine.clone()),
        world: None,
    };
    jobs_tx.send(long.clone()).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let vault = s.vaults.first().unwrap().scope.clone();
    jobs_tx
        .send(Job {
            ticket: 2,
            spec: JobSpec::Matrix {
                vault,
                origin: None,
            },
            cancel: Default::default(),
            engine: worker::EngineRef(engine),
            world: None,
        })
        .unwrap();
    let mut progress = 0;
    let matrix = loop {
        match rx.recv_timeout(Duration::from_secs(60)).expect("an answer") {
            Msg::Done(r) => break r,
            Msg::Progress { ticket: 1, .. } => progress += 1,
            m => panic!("unexpected {m:?}"),
        }
    };
    assert_eq!(matrix.kind, JobKind::Matrix, "the matrix is answered first");
    // Progress keeps coming while it runs (every 100 ms at most).
    while progress < 2 {
        match rx.recv_timeout(Duration::from_secs(60)).unwrap() {
            Msg::Progress { ticket: 1, .. } => progress += 1,
            m => panic!("the long job ended before it was cancelled: {m:?}"),
        }
    }
    long.cancel.cancel();
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while let Ok(m) = rx.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
    {
        assert!(
            matches!(m, Msg::Progress { .. }),
            "a cancelled job sends no answer: {m:?}"
        );
    }
    drop(jobs_tx);
}
