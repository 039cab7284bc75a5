//! Opening a live session: the cached snapshot (or an empty tenant) first, then the explorer's one loop
//! ([`crate::tui::session`]) with the fetch started. Quitting cancels the run (nothing of it is saved) and
//! restores the terminal.

use std::time::Instant;

use anyhow::Result;

use super::feed::Feed;
use super::{LiveEvent, LiveMsg, LiveState};
use crate::eval::Engine;
use crate::fetch::cache;
use crate::model::{Cloud, Snapshot};
use crate::tui::action::Msg;
use crate::tui::app::{App, Options};
use crate::tui::session::Session;
use crate::tui::{draw_indexing, init_terminal};

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

/// A live event stamped with the loop's clocks.
pub(crate) fn live_msg(event: LiveEvent) -> Msg {
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
    let options = Options {
        source: start.source,
        ..options
    };
    let mut app = App::new(Engine::new(start.snapshot), options);
    app.live = Some(LiveState::new(start.cloud, start.cached));
    app.message = start.note;
    let size = terminal.size()?;
    app.resize(size.width, size.height);
    let mut effects = app.handle(Msg::Resize(size.width, size.height));
    effects.extend(app.refresh());
    // A tick makes the app bring its views in line with the data.
    effects.extend(app.handle(live_msg(LiveEvent::Tick)));
    Session::start(Some(&mut feed)).run(&mut terminal, app, effects)
}
