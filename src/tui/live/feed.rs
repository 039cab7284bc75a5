//! The background side of a live session: a tokio runtime (with its own worker threads) running the
//! fetcher, and the channels the loop drains each tick. Cancelling aborts the task at its next await, so a
//! cancelled run saves nothing; a finished run is saved to the per-tenant cache (atomically, mode 0600) only
//! when something could be read, so a failed run never replaces a good cached snapshot.

use std::sync::Arc;
use std::sync::mpsc;

use anyhow::{Context, Result};
use tokio::sync::mpsc::{UnboundedReceiver, error::TryRecvError};

use super::LiveEvent;
use crate::fetch::{Completeness, FetchRequest, FetchStats, FetchUpdate, Fetcher, cache};

pub struct Feed {
    runtime: Option<tokio::runtime::Runtime>,
    /// The fetcher, or why none could be set up (credentials missing, a bad cloud file).
    fetcher: Result<Arc<Fetcher>, String>,
    request: FetchRequest,
    task: Option<tokio::task::JoinHandle<()>>,
    updates: Option<UnboundedReceiver<FetchUpdate>>,
    /// Whether the current run has said how it ended (finished or failed).
    ended: bool,
    saved_tx: mpsc::Sender<Result<String, String>>,
    saved_rx: mpsc::Receiver<Result<String, String>>,
    /// The fetcher's counters when the current run began (they add up over runs).
    base: FetchStats,
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
        let (saved_tx, saved_rx) = mpsc::channel();
        Ok(Self {
            runtime: Some(runtime),
            fetcher,
            request,
            task: None,
            updates: None,
            ended: true,
            saved_tx,
            saved_rx,
            base: FetchStats::default(),
        })
    }

    /// Starts a run (the app has checked none is going). A fetcher that could not be set up ends the run
    /// at once with its reason.
    pub fn start(&mut self) -> Vec<LiveEvent> {
        self.cancel();
        let mut out = vec![LiveEvent::Begun];
        let (fetcher, runtime) = match (&self.fetcher, &self.runtime) {
            (Ok(f), Some(rt)) => (f.clone(), rt),
            (Err(e), _) => {
                out.push(LiveEvent::Update(FetchUpdate::Failed(e.clone())));
                return out;
            }
            (_, None) => return out,
        };
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let request = self.request.clone();
        let saved = self.saved_tx.clone();
        self.base = fetcher.stats();
        self.ended = false;
        self.updates = Some(rx);
        self.task = Some(runtime.spawn(async move {
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
            let _ = saved.send(result);
        }));
        out
    }

    /// Everything that arrived since the last call, then the run's counters while it goes on.
    pub fn drain(&mut self) -> Vec<LiveEvent> {
        let mut out = Vec::new();
        if let Some(rx) = self.updates.as_mut() {
            loop {
                match rx.try_recv() {
                    Ok(u) => {
                        if matches!(u, FetchUpdate::Finished(_) | FetchUpdate::Failed(_)) {
                            self.ended = true;
                        }
                        out.push(LiveEvent::Update(u));
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        self.updates = None;
                        if !self.ended {
                            // the task stopped without saying why (it panicked)
                            self.ended = true;
                            out.push(LiveEvent::Update(FetchUpdate::Failed(
                                "the fetch stopped unexpectedly".into(),
                            )));
                        }
                        break;
                    }
                }
            }
        }
        if !self.ended
            && let Ok(f) = &self.fetcher
        {
            out.push(LiveEvent::Stats(since(self.base, f.stats())));
        }
        out.extend(self.saved_rx.try_iter().map(LiveEvent::Saved));
        out
    }

    /// Stops the run in progress, if any: nothing of it is saved.
    pub fn cancel(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        self.updates = None;
        self.ended = true;
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
