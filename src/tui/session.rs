//! The explorer's one loop, for a snapshot and for a live session alike. Everything that happens arrives as
//! a [`Msg`] on one channel: keys, mouse and resizes from the input thread, answers from the worker, and a
//! live fetch's news from its forwarding task. The loop waits for the next message, applies it and whatever
//! else is queued, carries out the effects (and the effects of their outcomes) until none are left, and
//! only then draws; drawing reads the state and never changes it.
//!
//! The only timer is the live rebuild throttle: when the app holds data it may index only later, the loop
//! waits until then and sends itself a tick. Quitting returns at once: the input and worker threads are not
//! joined, background work is cancelled, and the app's data is let go of on a thread of its own.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::Result;
use ratatui::crossterm::event::{self, Event};

use crate::tui::action::{Effect, Msg};
use crate::tui::app::App;
use crate::tui::live::feed::Feed;
use crate::tui::live::{LiveEvent, run::live_msg};
use crate::tui::worker::{self, Job};
use crate::tui::{clipboard, export, pane};

/// At most this many queued messages are applied before the screen is drawn again.
const BATCH: usize = 64;

/// The loop's ends of the channels, and the live fetch when there is one.
pub(crate) struct Session<'f> {
    tx: mpsc::Sender<Msg>,
    rx: mpsc::Receiver<Msg>,
    jobs: mpsc::Sender<Job>,
    feed: Option<&'f mut Feed>,
    /// Tells the input thread to stop.
    stop: Arc<AtomicBool>,
}

impl<'f> Session<'f> {
    /// Starts the input thread and the worker (neither is ever waited for).
    pub(crate) fn start(feed: Option<&'f mut Feed>) -> Self {
        let (tx, rx) = mpsc::channel::<Msg>();
        let (jobs, job_rx) = mpsc::channel::<Job>();
        let stop = Arc::new(AtomicBool::new(false));
        let input_tx = tx.clone();
        let input_stop = stop.clone();
        std::thread::Builder::new()
            .name("kvaccess-input".into())
            .spawn(move || read_input(&input_stop, &input_tx))
            .ok();
        let worker_tx = tx.clone();
        std::thread::Builder::new()
            .name("kvaccess-worker".into())
            .spawn(move || worker::serve(job_rx, worker_tx))
            .ok();
        Self {
            tx,
            rx,
            jobs,
            feed,
            stop,
        }
    }

    /// Runs `app` until the user quits; `first`: effects to carry out before the first draw.
    pub(crate) fn run(
        &mut self,
        terminal: &mut ratatui::DefaultTerminal,
        mut app: App,
        first: Vec<Effect>,
    ) -> Result<()> {
        let mut effects = first;
        loop {
            self.carry_out(&mut app, effects);
            if app.quit {
                self.finish(app);
                return Ok(());
            }
            if let Some(next) = app.take_next() {
                let started = Instant::now();
                app.switch_to(*next);
                if let Some(live) = app.live.as_mut() {
                    live.rebuild_cost = started.elapsed();
                }
                effects = app.handle(live_msg(LiveEvent::Tick));
                continue;
            }
            terminal.draw(|f| pane::draw(f, &app))?;
            if std::env::var_os("KVACCESS_TUI_TEST_PANIC").is_some() {
                // Lets the end-to-end test prove that a panic still restores the terminal.
                #[expect(clippy::panic, reason = "a panic on request, for the restore test")]
                {
                    panic!("panic requested by KVACCESS_TUI_TEST_PANIC");
                }
            }
            let Some(msg) = self.next(app.wake_at()) else {
                self.finish(app);
                return Ok(());
            };
            effects = app.handle(msg);
            for m in self.rx.try_iter().take(BATCH) {
                effects.extend(app.handle(m));
            }
        }
    }

    /// The next message; a tick when `wake` comes first. `None` when every sender is gone.
    fn next(&self, wake: Option<Instant>) -> Option<Msg> {
        let Some(at) = wake else {
            return self.rx.recv().ok();
        };
        let wait = at.saturating_duration_since(Instant::now());
        match self.rx.recv_timeout(wait.max(Duration::from_millis(1))) {
            Ok(m) => Some(m),
            Err(RecvTimeoutError::Timeout) => Some(live_msg(LiveEvent::Tick)),
            Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Carries out effects, and the effects of their outcomes, until none are left.
    fn carry_out(&mut self, app: &mut App, effects: Vec<Effect>) {
        let mut queue = effects;
        while !queue.is_empty() {
            let mut outcomes = Vec::new();
            for e in queue {
                outcomes.extend(self.perform(e));
            }
            queue = outcomes.into_iter().flat_map(|m| app.handle(m)).collect();
        }
    }

    /// Carries out one effect; returns what it produced at once (an export's outcome, a run's start).
    fn perform(&mut self, effect: Effect) -> Vec<Msg> {
        match effect {
            Effect::Run(job) => {
                let _ = self.jobs.send(job);
                Vec::new()
            }
            Effect::Copy(text) => {
                let mut o = std::io::stdout();
                let _ = o.write_all(clipboard::osc52(&text).as_bytes());
                let _ = o.flush();
                Vec::new()
            }
            Effect::Write { path, content } => {
                // Said back in full: a relative name lands wherever the explorer was started.
                let r = export::write_atomically(&path, &content)
                    .map(|()| {
                        std::path::absolute(&path)
                            .unwrap_or_else(|_| path.clone())
                            .display()
                            .to_string()
                    })
                    .map_err(|e| format!("{}: {e}", path.display()));
                vec![Msg::Exported(r)]
            }
            // Only a live session has a fetcher (the app asks for a run only in one).
            Effect::Refresh => match self.feed.as_deref_mut() {
                Some(feed) => feed.start(&self.tx).into_iter().map(live_msg).collect(),
                None => Vec::new(),
            },
        }
    }

    /// Stops what runs in the background without waiting for it.
    fn finish(&mut self, app: App) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(feed) = self.feed.as_deref_mut() {
            feed.cancel();
        }
        app.cancel_background();
        // Freeing a large tenant's data takes about as long as building it: not on the way out.
        let _ = std::thread::Builder::new()
            .name("kvaccess-free-data".into())
            .spawn(move || drop(app));
    }
}

impl Drop for Session<'_> {
    /// A panic on the UI thread must not leave the input thread reading.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn read_input(stop: &AtomicBool, tx: &mpsc::Sender<Msg>) {
    while !stop.load(Ordering::Relaxed) {
        match event::poll(Duration::from_millis(50)) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(_) => return,
        }
        let msg = match event::read() {
            Ok(Event::Key(k)) => Msg::Key(k),
            Ok(Event::Mouse(m)) => Msg::Mouse(m),
            Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
            Ok(_) => continue,
            Err(_) => return,
        };
        if tx.send(msg).is_err() {
            return;
        }
    }
}
