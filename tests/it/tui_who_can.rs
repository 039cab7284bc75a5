//! The who-can view's background answer: computed class by class on a thread of its own, with its progress
//! on screen; Esc cancels it, and a cancel set before or during the run stops it at the next class.

use std::sync::atomic::{AtomicUsize, Ordering};

use kvaccess::catalog;
use kvaccess::eval::Engine;
use kvaccess::query::grouped::who_can::{grouped_who_can, grouped_who_can_with};
use kvaccess::synth::{SynthSpec, generate};
use kvaccess::tui::Options;
use kvaccess::tui::action::{Effect, Msg};
use kvaccess::tui::app::{App, View};
use kvaccess::tui::script::{keys, press, render, screen};
use kvaccess::tui::worker::{self, Job, JobKind, Output};

fn who_can_job(effects: &[Effect]) -> Job {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Run(j) if j.kind() == JobKind::WhoCan => Some(j.clone()),
            _ => None,
        })
        .expect("a who-can job")
}

/// The busiest vault of a small synthetic tenant: the one with the most role assignments above it.
fn busy() -> (Engine, kvaccess::model::Scope) {
    let s = generate(&SynthSpec::new(400, 20, 900, 5));
    let engine = Engine::new(s);
    let action = catalog::resolve("secrets/get").unwrap();
    let vault = engine
        .snapshot
        .vaults
        .iter()
        .max_by_key(|v| {
            grouped_who_can(&engine, &v.scope, &action, None).map_or(0, |w| w.answer.identities)
        })
        .unwrap()
        .scope
        .clone();
    (engine, vault)
}

#[test]
fn a_cancel_before_or_during_the_run_stops_it_with_nothing() {
    let (engine, vault) = busy();
    let action = catalog::resolve("secrets/get").unwrap();
    // Told to stop before the first class: nothing is asked.
    let asked = AtomicUsize::new(0);
    let stopped = grouped_who_can_with(&engine, &vault, &action, None, &mut |_, _| {
        asked.fetch_add(1, Ordering::Relaxed);
        false
    })
    .unwrap();
    assert!(stopped.is_none());
    assert_eq!(asked.load(Ordering::Relaxed), 1, "stops at the first step");
    // Told to stop half way: it stops there, after asking no further.
    let mut steps = Vec::new();
    let whole = grouped_who_can_with(&engine, &vault, &action, None, &mut |d, t| {
        steps.push((d, t));
        true
    })
    .unwrap()
    .expect("not stopped");
    let total = steps.last().unwrap().1;
    assert!(total > 4, "{total} steps");
    assert!(steps.windows(2).all(|w| w[0].0 <= w[1].0), "{steps:?}");
    let mut seen = 0;
    let half = grouped_who_can_with(&engine, &vault, &action, None, &mut |d, _| {
        seen += 1;
        d < total / 2
    })
    .unwrap();
    assert!(half.is_none());
    assert!(seen <= total / 2 + 2, "{seen} steps asked of {total}");
    // Never stopped: the answer is the CLI's.
    let cli = grouped_who_can(&engine, &vault, &action, None).unwrap();
    assert_eq!(
        serde_json::to_string(&whole.answer).unwrap(),
        serde_json::to_string(&cli.answer).unwrap()
    );
    // The worker's job: a cancel set before it runs gives `Cancelled`.
    let mut app = App::new(
        Engine::new((*engine.snapshot).clone()),
        Options::plain("synth"),
    );
    let _ = screen(&mut app, 120, 40);
    press(&mut app, &format!(":goto {}<enter>", vault.name()));
    let job = who_can_job(&app.handle(Msg::Key(keys("3").remove(0))));
    job.cancel.cancel();
    let started = std::time::Instant::now();
    assert!(matches!(worker::compute(&job).output, Output::Cancelled));
    assert!(
        started.elapsed().as_millis() < 1000,
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn esc_while_who_can_loads_cancels_it_and_the_key_asks_again() {
    let mut app = App::new(
        Engine::new(kvaccess::snapshot::demo()),
        Options::plain("demo"),
    );
    let _ = screen(&mut app, 120, 40);
    press(&mut app, ":goto kv-app-prod<enter>");
    // Not settled: the job is out, the view waits for it.
    let job = who_can_job(&app.handle(Msg::Key(keys("3").remove(0))));
    let op = app.who.op.clone();
    let waiting = render(&app, 120, 40);
    assert!(
        waiting.contains(&format!("finding who can {op}")),
        "{waiting}"
    );
    assert!(waiting.contains("Esc cancels"), "{waiting}");
    let _ = app.handle(Msg::Progress {
        kind: JobKind::WhoCan,
        ticket: job.ticket,
        done: 12,
        total: 40,
    });
    let progress = render(&app, 120, 40);
    assert!(progress.contains("12 of 40 identity classes"), "{progress}");

    press(&mut app, "<esc>");
    assert!(job.cancel.is_cancelled(), "Esc cancels the running job");
    assert_eq!(app.view, View::WhoCan, "Esc cancels before it leaves");
    let cancelled = render(&app, 120, 40);
    assert!(
        cancelled.contains(&format!("cancelled: who can {op} was not computed")),
        "{cancelled}"
    );
    // Its late answer is dropped; moving around does not start it again; the view's key does.
    let late = worker::compute(&job);
    let _ = app.handle(Msg::Done(late));
    assert!(app.who.ready().is_none());
    let fx = app.handle(Msg::Resize(120, 40));
    assert!(!fx.iter().any(|e| matches!(e, Effect::Run(_))), "{fx:?}");
    press(&mut app, "3");
    assert!(app.who.ready().is_some(), "asked again, answered");
}
