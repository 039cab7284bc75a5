//! `kvaccess tui --live`: the explorer over a tenant being read. The last cached snapshot opens at once; a
//! fetch runs in the background ([`feed`]) and its updates reach the app as [`LiveMsg`]s, folded into a
//! [`StateStore`]. When the store's generation moves (at most every [`REBUILD_EVERY`]), its data is handed
//! to the worker thread as shared chunks ([`Collected`]: nothing is copied on the UI thread), made into a
//! document, parsed and indexed there, and the loop moves the app onto the new engine,
//! keeping the selection. While a run is in progress every section is marked "still collecting", so a
//! question the partial data cannot settle is "unknown", never a premature "denied".
//!
//! A complete snapshot on screen (the cached one, or the last finished run) stays there until the next run
//! finishes: partial data never replaces complete data.

pub mod feed;
pub mod harness;
mod log;
pub mod run;

pub use log::{LogEntry, LogKind};

use std::time::{Duration, Instant};

use crate::eval::Engine;
use crate::fetch::{Collected, FetchStats, FetchUpdate, Section, StateStore};
use crate::model::{Cloud, CollectionError, Snapshot, Topic};
use crate::tui::app::Derived;
use crate::tui::theme::{Theme, ThemeKind};
use crate::tui::worker::JobSpec;

/// The engine is rebuilt from partial data at most this often…
pub const REBUILD_EVERY: Duration = Duration::from_millis(400);
/// …and, on a tenant large enough that moving the app onto a new engine takes a while, only after this
/// many times that cost, so rebuilding takes at most a fifth of the UI thread's time.
const REBUILD_COST_FACTOR: u32 = 4;

/// One message for the app: what happened, and when (the loop's clocks; the app reads none itself).
#[derive(Debug)]
pub struct LiveMsg {
    pub event: LiveEvent,
    pub now: Instant,
    /// Wall-clock time in RFC 3339 (UTC), for "complete at …" and the snapshot's `collectedAt`.
    pub clock: String,
}

#[derive(Debug)]
pub enum LiveEvent {
    /// The loop started a run.
    Begun,
    Update(FetchUpdate),
    /// The fetcher's counters for this run so far.
    Stats(FetchStats),
    /// The finished run's snapshot was cached at this path, or why it was not.
    Saved(Result<String, String>),
    /// Time passed: lets throttled work happen.
    Tick,
}

/// What the panes show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Showing {
    /// A complete snapshot from the cache, collected at this time.
    Cached(Option<String>),
    /// Nothing yet: no cached snapshot for this tenant.
    Empty,
    /// The data of the run in progress.
    Partial,
    /// The result of a finished run, collected at this time.
    Fresh(Option<String>),
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Finished {
        at: String,
        errors: usize,
        stats: FetchStats,
    },
    Failed(String),
}

/// The live session's state, carried by the app from engine to engine.
#[derive(Debug)]
pub struct LiveState {
    pub store: StateStore,
    cloud: Cloud,
    pub showing: Showing,
    pub running: bool,
    /// Counters of the run in progress.
    pub stats: FetchStats,
    pub ended: Option<Ended>,
    pub saved: Option<Result<String, String>>,
    pub log: Vec<LogEntry>,
    /// The store generation on screen, and the one being indexed.
    shown_generation: Option<u64>,
    requested: Option<(u64, bool)>,
    last_index: Option<Instant>,
    /// How long the last move onto a new engine held the UI thread (measured by the loop).
    pub rebuild_cost: Duration,
    /// Indexed data ready for the loop to move the app onto.
    next: Option<Box<Indexed>>,
}

impl LiveState {
    /// `cached_at`: `Some` when a cached snapshot is on screen (with its `collectedAt`, if it has one).
    pub fn new(cloud: Cloud, cached: Option<Option<String>>) -> Self {
        Self {
            store: StateStore::new(cloud),
            cloud,
            showing: cached.map_or(Showing::Empty, Showing::Cached),
            running: false,
            stats: FetchStats::default(),
            ended: None,
            saved: None,
            log: Vec::new(),
            shown_generation: None,
            requested: None,
            last_index: None,
            rebuild_cost: Duration::ZERO,
            next: None,
        }
    }

    /// Whether the run in progress has read data that is not on screen yet and may be shown: something was
    /// read (a run that has read nothing has nothing to show), nothing complete is on screen, and no
    /// indexing is under way.
    fn partial_to_index(&self) -> bool {
        let collected = !self.store.errors().is_empty()
            || Section::ALL.iter().any(|s| self.store.count(*s) > 0);
        collected
            && self.running
            && self.progressive()
            && self.requested.is_none()
            && self.shown_generation != Some(self.store.generation())
    }

    /// How long partial data waits between two indexings.
    fn index_wait(&self) -> Duration {
        REBUILD_EVERY.max(self.rebuild_cost * REBUILD_COST_FACTOR)
    }

    /// When the loop must wake the app even if nothing arrives: partial data held back by the throttle
    /// becomes due then.
    pub fn wake_at(&self) -> Option<Instant> {
        if !self.partial_to_index() {
            return None;
        }
        self.last_index.map(|t| t + self.index_wait())
    }

    /// Partial data may replace what is on screen only when nothing complete is there.
    fn progressive(&self) -> bool {
        matches!(self.showing, Showing::Empty | Showing::Partial)
    }

    /// The header's words for what is on screen.
    pub fn headline(&self) -> String {
        let refreshing = if self.running {
            " — refreshing…"
        } else if matches!(self.requested, Some((_, false))) {
            " — loading the fresh snapshot…"
        } else {
            ""
        };
        match &self.showing {
            Showing::Cached(at) => {
                format!("cached snapshot from {}{refreshing}", when(at.as_deref()))
            }
            Showing::Fresh(at) => format!("live snapshot from {}{refreshing}", when(at.as_deref())),
            Showing::Empty | Showing::Partial if self.running => "collecting…".to_string(),
            Showing::Empty => "no data".to_string(),
            Showing::Partial => "partial data: the fetch did not finish".to_string(),
        }
    }

    /// The progress line: what is being read, counts, requests, throttling; or how the run ended.
    pub fn progress_line(&self) -> String {
        let s = &self.stats;
        let throttling = if s.throttled > 0 || s.waited_ms > 0 {
            format!(
                " · throttled {}×, waited {:.1} s",
                s.throttled,
                s.waited_ms as f64 / 1000.0
            )
        } else {
            String::new()
        };
        if self.running {
            let p = self.store.progress();
            let in_flight = p.planned.saturating_sub(p.done);
            let what = if p.message.is_empty() {
                "signing in".to_string()
            } else {
                p.message.clone()
            };
            // The counts first: the last read's description is the part a narrow terminal can lose.
            return format!(
                "⟳ read {}/{} lists, {in_flight} in flight · {} requests{throttling} · {} errors · {what}",
                p.done,
                p.planned,
                s.requests,
                self.store.errors().len()
            );
        }
        let saved = match &self.saved {
            Some(Err(e)) => format!(" · not cached: {e}"),
            _ => String::new(),
        };
        match &self.ended {
            Some(Ended::Finished { at, errors, stats }) => format!(
                "✓ complete at {}, {errors} collection error{} · {} requests in {:.1} s{saved}",
                when(Some(at)),
                if *errors == 1 { "" } else { "s" },
                stats.requests,
                stats.elapsed_ms as f64 / 1000.0
            ),
            Some(Ended::Failed(m)) => format!(
                "✗ fetch failed: {} · L log, r retry",
                m.lines().next().unwrap_or_default()
            ),
            None => "not fetched yet · r reads the tenant".to_string(),
        }
    }
}

/// A time as the status line shows it: `2026-11-29 08:14:03 UTC` from RFC 3339.
fn when(at: Option<&str>) -> String {
    match at {
        Some(t) => t
            .trim_end_matches('Z')
            .replacen('T', " ", 1)
            .split('.')
            .next()
            .map(|s| format!("{s} UTC"))
            .unwrap_or_default(),
        None => "an unknown time".to_string(),
    }
}

/// A parsed, indexed snapshot ready to become the engine's data.
pub struct Indexed {
    pub engine: Engine,
    pub generation: u64,
    pub collecting: bool,
    /// Items the loader could not read, dropped.
    pub dropped: Vec<String>,
    /// The tree, directory and counts the panes show, built here rather than on the UI thread.
    pub derived: Derived,
}

impl std::fmt::Debug for Indexed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexed")
            .field("generation", &self.generation)
            .field("collecting", &self.collecting)
            .finish_non_exhaustive()
    }
}

/// The worker's half of a rebuild: parse the document, mark unread sections, build the lookups.
pub fn index(
    collected: &Collected,
    collecting: bool,
    generation: u64,
    theme: ThemeKind,
) -> Indexed {
    let (mut snapshot, dropped) = crate::fetch::store::parse_collected(collected.to_json());
    if collecting {
        mark_still_collecting(&mut snapshot);
    }
    let engine = Engine::new(snapshot);
    let derived = Derived::build(&engine, &Theme::pick(theme, theme == ThemeKind::Mono));
    Indexed {
        engine,
        generation,
        collecting,
        dropped,
        derived,
    }
}

/// Marks every section as not fully read yet: the fetcher does not say when a section is complete, so
/// until the run ends any of them may still gain a grant, a deny or a membership.
pub fn mark_still_collecting(snapshot: &mut Snapshot) {
    // Access policies arrive with their vaults but are asked about as a section of their own.
    let sections = Section::ALL
        .into_iter()
        .map(Topic::Section)
        .chain([Topic::AccessPolicies]);
    for about in sections {
        snapshot
            .collection_errors
            .push(CollectionError::still_collecting(about));
    }
    crate::snapshot::relink_perimeters(snapshot);
}

impl LiveState {
    /// Folds a live event in (`clock`: when it arrived, in words). Returns whether the run finished, so
    /// that its data is indexed at once, and a failed run's message.
    fn fold(&mut self, event: LiveEvent, clock: &str) -> (bool, Option<String>) {
        match event {
            LiveEvent::Begun => {
                self.store = StateStore::new(self.cloud);
                self.store.set_collected_at(clock.to_string());
                self.running = true;
                self.stats = FetchStats::default();
                self.ended = None;
                self.saved = None;
                // The new store counts generations from zero: nothing of it is on screen or being indexed.
                self.shown_generation = None;
                self.requested = None;
                self.log = vec![LogEntry::note(
                    LogKind::Note,
                    format!("run started at {}", when(Some(clock))),
                )];
            }
            LiveEvent::Update(u) => {
                self.store.apply(&u);
                match u {
                    FetchUpdate::Started { cloud, credential } => self.log.push(LogEntry::note(
                        LogKind::Note,
                        format!("reading {cloud} with {credential}"),
                    )),
                    FetchUpdate::Error(e) => self.log.push(LogEntry::error(&e)),
                    FetchUpdate::Warning(w) => self.log.push(LogEntry::note(LogKind::Warning, w)),
                    FetchUpdate::Finished(stats) => {
                        self.running = false;
                        self.ended = Some(Ended::Finished {
                            at: clock.to_string(),
                            errors: self.store.errors().len(),
                            stats,
                        });
                        return (true, None);
                    }
                    FetchUpdate::Failed(msg) => {
                        self.running = false;
                        self.log.push(LogEntry::note(LogKind::Failure, msg.clone()));
                        self.ended = Some(Ended::Failed(msg.clone()));
                        return (false, Some(msg));
                    }
                    FetchUpdate::Progress { .. } | FetchUpdate::Section { .. } => {}
                }
            }
            LiveEvent::Stats(s) => {
                if self.running {
                    self.stats = s;
                }
            }
            LiveEvent::Saved(r) => {
                self.log.push(match &r {
                    Ok(path) => LogEntry::note(LogKind::Note, format!("cached as {path}")),
                    Err(e) => LogEntry::note(LogKind::Warning, format!("not cached: {e}")),
                });
                self.saved = Some(r);
            }
            LiveEvent::Tick => {}
        }
        (false, None)
    }

    /// The indexing the store's data needs now, when it changed since what is on screen: throttled and
    /// one at a time while partial, at once for a finished run. Returns what it is for and the job.
    fn index_job(
        &mut self,
        now: Instant,
        finished: bool,
        theme: ThemeKind,
    ) -> Option<(String, JobSpec)> {
        let generation = self.store.generation();
        if !finished {
            let due = self
                .last_index
                .is_none_or(|t| now.saturating_duration_since(t) >= self.index_wait());
            if !self.partial_to_index() || !due {
                return None;
            }
        }
        let collecting = !finished;
        self.requested = Some((generation, collecting));
        self.last_index = Some(now);
        let spec = JobSpec::Index {
            doc: self.store.collected(),
            collecting,
            generation,
            theme,
        };
        Some((generation.to_string(), spec))
    }
}

impl LiveState {
    /// Folds a live message in: the rebuild to ask for, when the data moved and the throttle allows (what
    /// it is for and the job), and a failed run's message.
    pub fn on_msg(
        &mut self,
        m: LiveMsg,
        theme: ThemeKind,
    ) -> (Option<(String, JobSpec)>, Option<String>) {
        let (finished, failed) = self.fold(m.event, &m.clock);
        (self.index_job(m.now, finished, theme), failed)
    }

    /// The worker indexed the data: it waits for the loop to move the app onto it.
    pub fn on_indexed(&mut self, indexed: Box<Indexed>) {
        self.requested = None;
        self.next = Some(indexed);
    }

    /// Indexed data the loop should move the app onto, if any.
    pub fn take_next(&mut self) -> Option<Box<Indexed>> {
        self.next.take()
    }

    /// Records that the app now shows `generation` (still `collecting`, or as collected at `collected_at`),
    /// and logs what the indexing had to drop.
    pub fn adopt(
        &mut self,
        generation: u64,
        collecting: bool,
        collected_at: Option<&str>,
        dropped: &[String],
    ) {
        self.shown_generation = Some(generation);
        self.showing = if collecting {
            Showing::Partial
        } else {
            Showing::Fresh(collected_at.map(str::to_string))
        };
        self.log.extend(
            dropped
                .iter()
                .map(|d| LogEntry::note(LogKind::Warning, d.clone())),
        );
    }
}
