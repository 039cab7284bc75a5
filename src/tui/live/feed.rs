//! The background side of a live session: a tokio runtime (with its own worker threads) running the
//! fetcher, whose news reaches the loop's one channel as it happens. Cancelling aborts the task at its next await, so a
//! cancelled run saves nothing; a finished run is saved to the per-tenant cache (atomically, mode 0600) only
//! when something could be read, so a failed run never replaces a good cached snapshot.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::sync::mpsc::UnboundedReceiver;

use super::LiveEvent;
use super::run::live_msg;
use crate::fetch::{Completeness, FetchRequest, FetchStats, FetchUpdate, Fetcher, cache};
use crate::tui::action::Msg;

/// How often a run's counters (requests, throttling) are sent while it goes on.
const STATS_EVERY: Duration = Duration::from_millis(250);

pub struct Feed {
    runtime: Option<tokio::runtime::Runtime>,
    /// The fetcher, or why none could be set up (credentials missing, a bad cloud file).
    fetcher: Result<Arc<Fetcher>, String>,
    request: FetchRequest,
    /// The current run and the task forwarding its news.
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Feed {
    /// `fetcher`: the collector and what to read, or why it could not be set up (shown, not fatal).
    pub fn new(fetcher: Result<(Fetcher, FetchRequest), String>) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kvaccess-fetch")
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let (fetcher, request) = match fetcher {
            Ok((f, r)) => (Ok(Arc::new(f)), r),
            Err(e) => (Err(e), FetchRequest::default()),
        };
        Ok(Self {
            runtime: Some(runtime),
            fetcher,
            request,
            tasks: Vec::new(),
        })
    }

    /// Starts a run (the app has checked none is going); its news reaches the loop on `out` as it happens.
    /// A fetcher that could not be set up ends the run at once with its reason.
    pub fn start(&mut self, out: &mpsc::Sender<Msg>) -> Vec<LiveEvent> {
        self.cancel();
        let mut events = vec![LiveEvent::Begun];
        let (fetcher, runtime) = match (&self.fetcher, &self.runtime) {
            (Ok(f), Some(rt)) => (f.clone(), rt),
            (Err(e), _) => {
                events.push(LiveEvent::Update(FetchUpdate::Failed(e.clone())));
                return events;
            }
            (_, None) => return events,
        };
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let (saved_tx, saved_rx) = tokio::sync::oneshot::channel();
        let request = self.request.clone();
        let base = fetcher.stats();
        let counters = fetcher.clone();
        self.tasks.push(runtime.spawn(async move {
            let cloud = fetcher.cloud().cloud;
            let Ok(outcome) = fetcher.run(&request, tx).await else {
                return; // the run reported its failure; nothing is saved
            };
            let result = if outcome.completeness() == Completeness::NothingReadable {
                Err("nothing could be read; the cached snapshot is kept".to_string())
            } else {
                match outcome.tenant_id.as_deref() {
                    Some(tenant) => cache::save(cloud, tenant, &outcome.json)
                        .map(|p| p.display().to_string())
                        .map_err(|e| e.to_string()),
                    None => Err("the tenant id is unknown".to_string()),
                }
            };
            let _ = saved_tx.send(result);
        }));
        // The run is a task of its own, so that its panic still closes the update channel and is reported.
        self.tasks
            .push(runtime.spawn(forward(rx, saved_rx, out.clone(), counters, base)));
        events
    }

    /// Stops the run in progress, if any: nothing of it is saved.
    pub fn cancel(&mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
        }
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.cancel();
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Sends a run's updates to the loop as they arrive and its counters every [`STATS_EVERY`] until it ends,
/// then where it was cached. A run that stops without saying how it ended (it panicked) is reported failed.
async fn forward(
    mut updates: UnboundedReceiver<FetchUpdate>,
    saved: tokio::sync::oneshot::Receiver<Result<String, String>>,
    out: mpsc::Sender<Msg>,
    fetcher: Arc<Fetcher>,
    base: FetchStats,
) {
    let send = |event| out.send(live_msg(event)).is_ok();
    let mut ticker = tokio::time::interval(STATS_EVERY);
    loop {
        tokio::select! {
            biased;
            u = updates.recv() => {
                let u = u.unwrap_or_else(|| {
                    FetchUpdate::Failed("the fetch stopped unexpectedly".into())
                });
                let ended = matches!(u, FetchUpdate::Finished(_) | FetchUpdate::Failed(_));
                if !send(LiveEvent::Update(u)) {
                    return;
                }
                if ended {
                    break;
                }
            }
            _ = ticker.tick() => {
                if !send(LiveEvent::Stats(since(base, fetcher.stats()))) {
                    return;
                }
            }
        }
    }
    if let Ok(r) = saved.await {
        send(LiveEvent::Saved(r));
    }
}

fn since(base: FetchStats, now: FetchStats) -> FetchStats {
    FetchStats {
        requests: now.requests.saturating_sub(base.requests),
        retries: now.retries.saturating_sub(base.retries),
        throttled: now.throttled.saturating_sub(base.throttled),
        duplicates: now.duplicates.saturating_sub(base.duplicates),
        waited_ms: now.waited_ms.saturating_sub(base.waited_ms),
        ..now
    }
}
