//! Driving a live session without a terminal or a network: tests feed [`FetchUpdate`]s by hand, move a
//! fake clock, press keys and render screens. Jobs (index builds included) run inline on the calling
//! thread, and the harness moves the app onto each newly indexed engine as the real loop does.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{LiveEvent, LiveMsg, LiveState};
use crate::eval::{Engine, Lookups};
use crate::fetch::FetchUpdate;
use crate::model::{Cloud, Snapshot};
use crate::tui::action::{Effect, Msg};
use crate::tui::app::{App, Options};
use crate::tui::script;

/// One thing done to the app; boxed so a step can start another (the move onto a new engine).
type Step<'f> = Box<dyn FnOnce(&mut App) -> Vec<Effect> + 'f>;

pub struct Harness {
    snapshot: Arc<Snapshot>,
    lookups: Option<Lookups>,
    app: Option<App<'static>>,
    /// The fake monotonic clock the throttle reads.
    pub now: Instant,
    /// The fake wall clock (RFC 3339).
    pub clock: String,
    /// Runs the app asked for (each answered with [`LiveEvent::Begun`]).
    pub refreshes: usize,
    /// Times the app was moved onto a newly indexed engine.
    pub switches: usize,
}

impl Harness {
    /// A session opened on `snapshot` (`cached`: `Some(collectedAt)` when it came from the cache), sized
    /// 120×30, with the first run started as the real loop does.
    pub fn new(snapshot: Snapshot, cached: Option<Option<String>>, options: Options) -> Self {
        let lookups = Lookups::build(&snapshot);
        let snapshot = Arc::new(snapshot);
        let engine = Engine::with_lookups(&snapshot, lookups);
        let mut app = App::new(&engine, options);
        app.live = Some(LiveState::new(Cloud::AzureCloud, cached));
        let parked = app.park();
        let lookups = engine.into_lookups();
        let mut h = Self {
            snapshot,
            lookups: Some(lookups),
            app: Some(parked),
            now: Instant::now(),
            clock: "2026-11-29T08:00:00Z".into(),
            refreshes: 0,
            switches: 0,
        };
        h.step(|app| {
            let mut fx = app.handle(Msg::Resize(120, 30));
            fx.extend(app.refresh());
            fx
        });
        h
    }

    fn msg(&self, event: LiveEvent) -> Msg {
        Msg::Live(LiveMsg {
            event,
            now: self.now,
            clock: self.clock.clone(),
        })
    }

    /// Runs `f` on the app over the current engine and carries out what it asks for.
    fn step(&mut self, f: impl FnOnce(&mut App) -> Vec<Effect>) {
        self.step_boxed(Box::new(f));
    }

    fn step_boxed(&mut self, f: Step<'_>) {
        let Some(parked) = self.app.take() else {
            return;
        };
        let snapshot = self.snapshot.clone();
        let lookups = self
            .lookups
            .take()
            .unwrap_or_else(|| Lookups::build(&snapshot));
        let engine = Engine::with_lookups(&snapshot, lookups);
        let mut app = parked.rebase(&engine);
        let mut queue = f(&mut app);
        while !queue.is_empty() {
            let (refresh, rest): (Vec<Effect>, Vec<Effect>) =
                queue.into_iter().partition(|e| *e == Effect::Refresh);
            script::settle(&mut app, rest);
            queue = Vec::new();
            for _ in refresh {
                self.refreshes += 1;
                queue.extend(app.handle(self.msg(LiveEvent::Begun)));
            }
        }
        let next = app.take_next();
        self.app = Some(app.park());
        self.lookups = Some(engine.into_lookups());
        if let Some(next) = next {
            let super::Indexed {
                snapshot,
                lookups,
                generation,
                collecting,
                dropped,
                derived,
            } = *next;
            self.switches += 1;
            self.snapshot = snapshot;
            self.lookups = Some(lookups);
            let tick = self.msg(LiveEvent::Tick);
            self.step_boxed(Box::new(move |app: &mut App| {
                app.refresh_derived_from(derived);
                app.adopt(generation, collecting, &dropped);
                app.handle(tick)
            }));
        }
    }

    pub fn send(&mut self, event: LiveEvent) {
        let m = self.msg(event);
        self.step(|app| app.handle(m));
    }

    pub fn update(&mut self, u: FetchUpdate) {
        self.send(LiveEvent::Update(u));
    }

    /// Moves the fake clock on and ticks.
    pub fn advance(&mut self, d: Duration) {
        self.now += d;
        self.send(LiveEvent::Tick);
    }

    pub fn press(&mut self, keys: &str) {
        for k in script::keys(keys) {
            self.step(|app| app.handle(Msg::Key(k)));
        }
    }

    /// Reads the app over the current engine.
    pub fn with_app<R>(&mut self, f: impl FnOnce(&mut App) -> R) -> R {
        let mut out = None;
        self.step(|app| {
            out = Some(f(app));
            Vec::new()
        });
        match out {
            Some(r) => r,
            None => unreachable_app(),
        }
    }

    /// The screen at `w`×`h`.
    pub fn screen(&mut self, w: u16, h: u16) -> String {
        self.with_app(|app| {
            let fx = app.handle(Msg::Resize(w, h));
            script::settle(app, fx);
            script::render(app, w, h)
        })
    }

    /// The live state's progress line.
    pub fn progress_line(&mut self) -> String {
        self.with_app(|app| {
            app.live
                .as_ref()
                .map(|l| l.progress_line())
                .unwrap_or_default()
        })
    }

    /// Moves the clock past the throttle and ticks, so pending data is indexed and shown.
    pub fn settle(&mut self) {
        self.advance(super::REBUILD_EVERY + Duration::from_millis(1));
    }
}

#[expect(
    clippy::panic,
    reason = "the harness always holds an app between steps"
)]
fn unreachable_app() -> ! {
    panic!("the harness lost its app")
}
