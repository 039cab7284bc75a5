//! Driving a live session without a terminal or a network: tests feed [`FetchUpdate`]s by hand, move a
//! fake clock, press keys and render screens. Jobs (index builds included) run inline on the calling
//! thread, and the harness moves the app onto each newly indexed engine as the real loop does.

use std::time::{Duration, Instant};

use super::{LiveEvent, LiveMsg, LiveState};
use crate::eval::Engine;
use crate::fetch::FetchUpdate;
use crate::model::{Cloud, Snapshot};
use crate::tui::action::{Effect, Msg};
use crate::tui::app::{App, Options};
use crate::tui::script;

pub struct Harness {
    app: App,
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
        let mut app = App::new(Engine::new(snapshot), options);
        app.live = Some(LiveState::new(Cloud::AzureCloud, cached));
        let mut h = Self {
            app,
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

    /// Runs `f` on the app and carries out what it asks for; moves the app onto newly indexed data as the
    /// real loop does.
    fn step(&mut self, f: impl FnOnce(&mut App) -> Vec<Effect>) {
        let mut queue = f(&mut self.app);
        loop {
            while !queue.is_empty() {
                let (refresh, rest): (Vec<Effect>, Vec<Effect>) =
                    queue.into_iter().partition(|e| *e == Effect::Refresh);
                script::settle(&mut self.app, rest);
                queue = Vec::new();
                for _ in refresh {
                    self.refreshes += 1;
                    queue.extend(self.app.handle(self.msg(LiveEvent::Begun)));
                }
            }
            let Some(next) = self.app.take_next() else {
                return;
            };
            self.switches += 1;
            self.app.switch_to(*next);
            queue = self.app.handle(self.msg(LiveEvent::Tick));
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

    /// Reads the app over the current engine (and moves it onto data indexed meanwhile, as a step does).
    pub fn with_app<R>(&mut self, f: impl FnOnce(&mut App) -> R) -> R {
        let r = f(&mut self.app);
        self.step(|_| Vec::new());
        r
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
