//! The live session's loop. The worker indexes each newer version of the data into an engine, and the app
//! moves onto it (selection kept). The fetcher's updates are drained every tick; quitting cancels the run
//! (nothing of it is saved) and restores the terminal.

use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::Result;

use super::feed::Feed;
use super::{LiveEvent, LiveMsg, LiveState};
use crate::eval::Engine;
use crate::fetch::cache;
use crate::model::{Cloud, Snapshot};
use crate::tui::action::{Effect, Msg};
use crate::tui::app::{App, Options};
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
    let engine = Engine::new(start.snapshot);
    let options = Options {
        source: start.source,
        ..options
    };
    let (msg_tx, msg_rx) = mpsc::channel::<Msg>();
    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| -> Result<()> {
        let input_tx = msg_tx.clone();
        let stop_ref = &stop;
        s.spawn(move || read_input(stop_ref, &input_tx));
        let worker_tx = msg_tx.clone();
        s.spawn(move || worker::serve(job_rx, worker_tx));
        let _stop = StopOnDrop(&stop);
        let mut app = App::new(engine, options);
        app.live = Some(LiveState::new(start.cloud, start.cached));
        app.message = start.note;
        let size = terminal.size()?;
        app.resize(size.width, size.height);
        let mut effects = app.handle(Msg::Resize(size.width, size.height));
        effects.extend(app.refresh());
        let mut session = Session {
            terminal: &mut terminal,
            msg_rx: &msg_rx,
            feed: &mut feed,
        };
        let result = session.run(app, effects, &job_tx);
        // The worker stops when the last job sender is gone.
        drop(job_tx);
        result
    })
}

struct Session<'t> {
    terminal: &'t mut ratatui::DefaultTerminal,
    msg_rx: &'t mpsc::Receiver<Msg>,
    feed: &'t mut Feed,
}

impl Session<'_> {
    /// Runs the app until the user quits, moving it onto each newly indexed engine.
    fn run(&mut self, mut app: App, first: Vec<Effect>, job_tx: &mpsc::Sender<Job>) -> Result<()> {
        // A tick makes the app bring its views in line with the data.
        let mut effects = first;
        effects.extend(app.handle(live_msg(LiveEvent::Tick)));
        // Idle ticks change nothing visible: the screen is drawn only after something arrived.
        let mut dirty = true;
        loop {
            self.carry_out(&mut app, effects, job_tx);
            if app.quit {
                self.feed.cancel();
                return Ok(());
            }
            if let Some(next) = app.take_next() {
                let started = Instant::now();
                app.switch_to(*next);
                if let Some(live) = app.live.as_mut() {
                    live.rebuild_cost = started.elapsed();
                }
                effects = app.handle(live_msg(LiveEvent::Tick));
                dirty = true;
                continue;
            }
            if dirty {
                self.terminal.draw(|f| pane::draw(f, &app))?;
            }
            let mut msgs = Vec::new();
            match self.msg_rx.recv_timeout(TICK) {
                Ok(m) => msgs.push(m),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
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
