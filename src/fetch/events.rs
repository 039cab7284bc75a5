//! What the fetcher reports while it runs: progress lines, sections of data as they arrive, collection
//! errors. A TUI drains these from the channel and applies them to its own [`super::StateStore`].

use std::sync::Arc;

use serde_json::Value;

pub use crate::model::Section;

/// Something that could not be read: the evaluator answers "unknown" where it matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionErrorRecord {
    /// An ARM scope (`/`, a management group, subscription, resource group or vault id).
    pub scope: String,
    pub section: Section,
    /// The HTTP status, when there was one.
    pub status: Option<u16>,
    pub message: String,
}

impl CollectionErrorRecord {
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "scope": self.scope, "what": self.section.key(),
            "status": self.status, "message": self.message,
        })
    }

    pub fn line(&self) -> String {
        let status = self
            .status
            .map(|s| format!("HTTP {s}: "))
            .unwrap_or_default();
        format!(
            "{} at {}: {status}{}",
            self.section.key(),
            self.scope,
            self.message
        )
    }
}

/// Counters of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FetchStats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Of which retries (after 429, 5xx, timeouts, connection errors).
    pub retries: u64,
    /// 429 responses received.
    pub throttled: u64,
    /// Requests for a URL already requested before in this run (should stay 0).
    pub duplicates: u64,
    /// Total time spent waiting before retries and while slowed down, in milliseconds.
    pub waited_ms: u64,
    pub elapsed_ms: u64,
    /// Longest chain of requests that had to wait for one another (subscriptions → lists → directory …).
    pub depth: u32,
    pub concurrency: u32,
}

/// One message from the fetcher.
#[derive(Debug, Clone)]
pub enum FetchUpdate {
    /// The run began.
    Started { cloud: String, credential: String },
    /// What is being read now; `done` of `planned` list calls (planned grows as the tenant is discovered).
    Progress {
        done: usize,
        planned: usize,
        message: String,
    },
    /// Items of a section, in snapshot shape, read at `scope`. Items already held (same id) are ignored by
    /// the store, so one assignment listed by several subscriptions counts once. Shared, not copied, between
    /// the fetcher's own store and the channel.
    Section {
        section: Section,
        scope: String,
        items: Arc<Vec<Value>>,
    },
    /// Part of the tenant could not be read.
    Error(CollectionErrorRecord),
    /// A problem worth showing that changes no data (e.g. a malformed item Azure returned, dropped).
    Warning(String),
    /// The run ended; the snapshot is complete (possibly with collection errors).
    Finished(FetchStats),
    /// The run stopped; nothing should be saved from it.
    Failed(String),
}
