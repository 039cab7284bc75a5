//! The live session's loop. Each engine the session uses is one *generation*: the snapshot and its
//! lookups are owned here, the engine borrows them, a worker thread serves that engine, and the app runs
//! on it until the worker has indexed newer data; then the app is parked, the worker joined, and the next
//! generation starts with the app moved onto the new engine (selection kept). The fetcher's updates are
//! drained every tick; quitting cancels the run (nothing of it is saved) and restores the terminal.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::Result;

use super::feed::Feed;
use super::{Indexed, LiveEvent, LiveMsg, LiveState};
use crate::eval::{Engine, Lookups};
use crate::fetch::cache;
use crate::model::{Cloud, Snapshot};
use crate::tui::action::{Effect, Msg};
use crate::tui::app::{App, Derived, Options};
use crate::tui::worker::{self, Job};
use crate::tui::{StopOnDrop, draw_indexing, init_terminal, pane, perform, read_input};

/// How often the fetcher's channel is drained when no key arrives.
const TICK: Duration = Duration::from_millis(100);
/// At most this many queued messages are applied before the screen is drawn again.
const BATCH: usize = 64;

/// What the session opens on.
pub struct Start {
    /// The cached snapshot of the tenant, or an empty one.
    pub snapshot: Snapshot,
    /// `Some(collectedAt)` when `snapshot` came from the cache.
    pub cached: Option<Option<String>>,
    pub cloud: Cloud,
    /// What the status bar calls it (the cache file's path), and a problem met opening it.
    pub source: String,
    pub note: Option<String>,
}

impl Start {
    /// The cached snapshot of `tenant` in `cloud` (the most recently cached one of that cloud without a
    /// tenant), or an empty tenant when there is none or it cannot be read.
    pub fn from_cache(cloud: Cloud, tenant: Option<&str>) -> Self {
        let path = match tenant {
            Some(t) => cache::snapshot_path(cloud, t).filter(|p| p.exists()),
            None => cache::latest().filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{}-", cloud.as_str())))
            }),
        };
        let empty = |source: String, note: Option<String>| Self {
            snapshot: Snapshot {
                cloud,
                tenant_id: tenant.map(str::to_ascii_lowercase),
                ..Snapshot::default()
            },
            cached: None,
            cloud,
            source,
            note,
        };
        let Some(path) = path else {
            return empty("live (no cached snapshot)".into(), None);
        };
        match crate::snapshot::load_file(&path) {
            Ok(snapshot) => Self {
                cached: Some(snapshot.collected_at.clone()),
                snapshot,
                cloud,
                source: path.display().to_string(),
                note: None,
            },
            Err(e) => empty(
                "live (cached snapshot unreadable)".into(),
                Some(format!(
                    "the cached snapshot cannot be read, collecting afresh: {e}"
                )),
            ),
        }
    }
}

/// The current time in RFC 3339 (UTC, whole seconds).
pub fn clock() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn live_msg(event: LiveEvent) -> Msg {
    Msg::Live(LiveMsg {
        event,
        now: Instant::now(),
        clock: clock(),
    })
}

/// Runs the live explorer until the user quits.
pub fn run(start: Start, options: Options, mut feed: Feed) -> Result<()> {
    let (mut terminal, _guard) = init_terminal()?;
    draw_indexing(&mut terminal, &start.snapshot)?;
    let lookups = Lookups::build(&start.snapshot);
    let mut current = (Arc::new(start.snapshot), lookups);
    let mut note = start.note;
    let options = Options {
        source: start.source,
        ..options
    };
    let mut first = Some((options, LiveState::new(start.cloud, start.cached)));
    let (msg_tx, msg_rx) = mpsc::channel::<Msg>();
    let stop = AtomicBool::new(false);
    let mut parked: Option<App<'static>> = None;
    // What the next generation's data is, for `App::adopt`.
    let mut adopt: Option<(u64, bool, Vec<String>, Derived)> = None;
    std::thread::scope(|s| -> Result<()> {
        let input_tx = msg_tx.clone();
        let stop_ref = &stop;
        s.spawn(move || read_input(stop_ref, &input_tx));
        let _stop = StopOnDrop(&stop);
        loop {
            let (snapshot, lookups) = current;
            let engine = Engine::with_lookups(&snapshot, lookups);
            let mut ctx = Generation {
                terminal: &mut terminal,
                msg_tx: &msg_tx,
                msg_rx: &msg_rx,
                feed: &mut feed,
            };
            let app = match (parked.take(), first.take()) {
                (Some(p), _) => {
                    let started = Instant::now();
                    let mut app = p.rebase(&engine);
                    match adopt.take() {
                        Some((generation, collecting, dropped, derived)) => {
                            app.refresh_derived_from(derived);
                            app.adopt(generation, collecting, &dropped);
                        }
                        None => app.refresh_derived(),
                    }
                    if let Some(live) = app.live.as_mut() {
                        live.rebuild_cost = started.elapsed();
                    }
                    (app, Vec::new())
                }
                (None, Some((options, live))) => {
                    let mut app = App::new(&engine, options);
                    app.live = Some(live);
                    app.message = note.take();
                    let size = ctx.terminal.size()?;
                    app.resize(size.width, size.height);
                    let mut effects = app.handle(Msg::Resize(size.width, size.height));
                    effects.extend(app.refresh());
                    (app, effects)
                }
                (None, None) => return Ok(()),
            };
            match ctx.run(&engine, app)? {
                Next::Quit => return Ok(()),
                Next::Switch(app, indexed) => {
                    let Indexed {
                        snapshot: next_snapshot,
                        lookups,
                        generation,
                        collecting,
                        dropped,
                        derived,
                    } = *indexed;
                    free_elsewhere((engine.into_lookups(), snapshot));
                    parked = Some(*app);
                    current = (next_snapshot, lookups);
                    adopt = Some((generation, collecting, dropped, derived));
                }
            }
        }
    })
}

/// Frees the data the app has moved off on a thread of its own: a large tenant's takes a noticeable moment,
/// which the UI thread should not spend.
fn free_elsewhere(old: (Lookups, Arc<Snapshot>)) {
    // Should no thread start, the closure is dropped here, and the data with it.
    let _ = std::thread::Builder::new()
        .name("kvaccess-free-data".into())
        .spawn(move || drop(old));
}

enum Next {
    Quit,
    Switch(Box<App<'static>>, Box<Indexed>),
}

struct Generation<'t> {
    terminal: &'t mut ratatui::DefaultTerminal,
    msg_tx: &'t mpsc::Sender<Msg>,
    msg_rx: &'t mpsc::Receiver<Msg>,
    feed: &'t mut Feed,
}

impl Generation<'_> {
    /// Runs the app on `engine` until the user quits or newer data is indexed.
    fn run(&mut self, engine: &Engine, start: (App<'_>, Vec<Effect>)) -> Result<Next> {
        let (job_tx, job_rx) = mpsc::channel::<Job>();
        let worker_tx = self.msg_tx.clone();
        std::thread::scope(|s| {
            s.spawn(move || worker::serve(engine, job_rx, worker_tx));
            // The worker stops when this sender is dropped, at the end of the closure.
            let job_tx = job_tx;
            let (mut app, first) = start;
            // A tick makes the app bring its views in line with the new data.
            let mut effects = first;
            effects.extend(app.handle(live_msg(LiveEvent::Tick)));
            // Idle ticks change nothing visible: the screen is drawn only after something arrived.
            let mut dirty = true;
            loop {
                self.carry_out(&mut app, effects, &job_tx);
                if app.quit {
                    self.feed.cancel();
                    return Ok(Next::Quit);
                }
                if let Some(next) = app.take_next() {
                    return Ok(Next::Switch(Box::new(app.park()), next));
                }
                if dirty {
                    self.terminal.draw(|f| pane::draw(f, &app))?;
                }
                let mut msgs = Vec::new();
                match self.msg_rx.recv_timeout(TICK) {
                    Ok(m) => msgs.push(m),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => return Ok(Next::Quit),
                }
                msgs.extend(self.msg_rx.try_iter().take(BATCH));
                let now = Instant::now();
                let clock = clock();
                let events = self.feed.drain();
                dirty = !msgs.is_empty() || !events.is_empty();
                let events = events.into_iter().chain([LiveEvent::Tick]);
                msgs.extend(events.map(|event| {
                    Msg::Live(LiveMsg {
                        event,
                        now,
                        clock: clock.clone(),
                    })
                }));
                effects = msgs.into_iter().flat_map(|m| app.handle(m)).collect();
            }
        })
    }

    /// Carries out effects, and those their outcomes cause: refreshes start a run on the feed.
    fn carry_out(&mut self, app: &mut App, effects: Vec<Effect>, jobs: &mpsc::Sender<Job>) {
        let mut queue = effects;
        while !queue.is_empty() {
            let (refresh, rest): (Vec<Effect>, Vec<Effect>) =
                queue.into_iter().partition(|e| *e == Effect::Refresh);
            let mut msgs = perform(rest, jobs);
            if !refresh.is_empty() {
                msgs.extend(self.feed.start().into_iter().map(live_msg));
            }
            queue = msgs.into_iter().flat_map(|m| app.handle(m)).collect();
        }
    }
}
