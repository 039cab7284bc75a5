//! The escalations view (key 4) at scale: it answers for the selected scope (a vault's own escalations at a
//! vault, a subscription's at a subscription), in the background with its progress on screen, cancellable
//! with Esc, and a long computation holds up no other view. Synthetic tenants are kept small.

use std::sync::mpsc;
use std::time::Duration;

use kvaccess::eval::Engine;
use kvaccess::model::{Scope, ScopeKind, Snapshot};
use kvaccess::query;
use kvaccess::synth::{SynthSpec, generate};
use kvaccess::tui::action::{Effect, Msg};
use kvaccess::tui::app::{App, View};
use kvaccess::tui::script::{keys, press, render, screen, settle};
use kvaccess::tui::worker::{self, Job, JobKind, JobSpec, Output};
use kvaccess::tui::{Options, view};

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

fn ids(findings: &[query::Finding]) -> Vec<(String, String, &'static str)> {
    findings
        .iter()
        .map(|f| {
            (
                f.principal.id.clone(),
                f.vault_id.clone(),
                f.technique.as_str(),
            )
        })
        .collect()
}

fn escalations_job(effects: &[Effect]) -> Job {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Run(j) if j.kind() == JobKind::Escalations => Some(j.clone()),
            _ => None,
        })
        .expect("an escalations job")
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
    assert_eq!(
        ids(&at_vault),
        ids(&query::escalations_for_vault(&engine, vault))
    );
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
    let expected = query::escalations(&engine, Some(&sub));
    assert_eq!(ids(&at_sub), ids(&expected));
    assert!(
        at_sub.len() > at_vault.len(),
        "the subscription has more vaults"
    );
    assert!(
        at_sub
            .iter()
            .all(|f| f.vault_id.to_ascii_lowercase().starts_with(sub.key())),
        "only the subscription's vaults"
    );
    let screen = render(&app, 120, 40);
    assert!(
        screen.contains(&format!("Escalations {} findings", at_sub.len())),
        "{screen}"
    );
}

#[test]
fn progress_shows_while_it_computes_and_esc_cancels() {
    let s = synthetic();
    let mut app = app_on(&s);
    // Not settled: the job is out, the view waits for it.
    let k = keys("4").remove(0);
    let job = escalations_job(&app.handle(Msg::Key(k)));
    let JobSpec::Escalations { vaults } = &job.spec else {
        panic!("not an escalations job")
    };
    assert_eq!(vaults.len(), 1, "the first screen selects one vault");
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
    // A second Esc, with nothing to cancel, goes back as before.
    press(&mut app, "<esc>");
    assert_eq!(app.view, View::Permissions);
}

/// A long escalations job runs on a thread of its own: a matrix asked after it is answered while it runs,
/// it reports its progress, and once cancelled it sends no answer.
#[test]
fn a_long_escalations_job_holds_up_no_other_view() {
    let s = synthetic();
    let app = app_on(&s);
    let engine = app.engine.clone();
    let (jobs_tx, jobs_rx) = mpsc::channel();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || worker::serve(jobs_rx, tx));
    // The same vaults over and over: far longer than the test waits.
    let long = Job {
        ticket: 1,
        spec: JobSpec::Escalations {
            vaults: vec![0; 1_000_000],
        },
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
        if let Msg::Progress { ticket: 1, .. } = rx.recv_timeout(Duration::from_secs(60)).unwrap() {
            progress += 1;
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

#[test]
fn the_vaults_under_a_scope_are_the_trees() {
    let s = synthetic();
    let app = app_on(&s);
    let engine = &app.engine;
    let all: usize = app
        .nav
        .scopes
        .roots
        .iter()
        .map(|&r| {
            let scope = &app.nav.scopes.nodes[r].scope;
            view::escalations::vaults_under(&app.nav.scopes, engine, scope).len()
        })
        .sum();
    assert_eq!(all, s.vaults.len(), "the roots cover every vault once");
    let vault = &s.vaults[3];
    assert_eq!(
        view::escalations::vaults_under(&app.nav.scopes, engine, &vault.scope),
        vec![3]
    );
}
