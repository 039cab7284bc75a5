//! What the activity view shows, computed off the UI thread: the logs (read once, with the last use of
//! every grant), and for the selected vault, item or principal the CLI's `activity` answers — who did
//! (`who_did` with the same filter as `--scope` / `--principal`) and, at a vault or item, could vs did.

use std::path::PathBuf;
use std::sync::Arc;

use crate::activity::join::Filter;
use crate::activity::{self, CouldVsDid, LastUsed, Reading, WhoDid};
use crate::eval::Engine;
use crate::model::{Scope, ScopeKind};

/// What the view answers for: the selected scope, or the selected principal (everything it did).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Scope(Scope),
    Principal { id: String, name: String },
}

impl Subject {
    /// Names the question among questions of its kind (the job's ticket).
    pub fn key(&self) -> String {
        match self {
            Self::Scope(s) => format!("s:{}", s.key()),
            Self::Principal { id, .. } => format!("p:{id}"),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Self::Scope(s) => crate::sanitize::clean(s.name()).into_owned(),
            Self::Principal { name, .. } => crate::sanitize::clean(name).into_owned(),
        }
    }
}

/// The logs as read, and when each grant was last used.
#[derive(Debug)]
pub struct Logs {
    pub reading: Reading,
    pub last_used: LastUsed,
}

/// Shared logs; jobs carry them to the worker. Equal when they are the same logs.
#[derive(Debug, Clone)]
pub struct LogsRef(pub Arc<Logs>);

impl PartialEq for LogsRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Reads the logs, reporting `progress(bytes read, bytes in all)`, then works out the last use of every
/// grant in `engine`. `None` when `go` said stop; an error names the file.
pub fn read(
    paths: &[PathBuf],
    engine: &Engine,
    progress: &mut dyn FnMut(u64, u64) -> bool,
) -> Option<Result<Logs, String>> {
    let mut reading = Reading::new(activity::Window::default());
    match reading.read_paths_watched(paths, progress) {
        Ok(false) => None,
        Ok(true) => {
            let last_used = LastUsed::compute(&reading, engine);
            Some(Ok(Logs { reading, last_used }))
        }
        Err(e) => Some(Err(e.to_string())),
    }
}

/// The view's answer for one subject.
#[derive(Debug)]
pub struct Answer {
    pub subject: Subject,
    /// The CLI's `activity --scope S` (or `--principal P`) entries.
    pub did: WhoDid,
    /// The CLI's `activity --could-vs-did --scope S`, at a vault or an item.
    pub compare: Option<Result<CouldVsDid, String>>,
}

pub fn answer(engine: &Engine, logs: &Logs, subject: &Subject) -> Answer {
    let reading = &logs.reading;
    let filter = match subject {
        Subject::Scope(s) => Filter {
            scope: Some(s.clone()),
            principal: None,
        },
        Subject::Principal { id, .. } => Filter {
            scope: None,
            principal: Some(id.to_ascii_lowercase()),
        },
    };
    let compare = match subject {
        Subject::Scope(s) if matches!(s.kind(), ScopeKind::Vault | ScopeKind::VaultItem(_)) => {
            Some(activity::could_vs_did(reading, engine, s, None).map_err(|e| e.to_string()))
        }
        _ => None,
    };
    Answer {
        subject: subject.clone(),
        did: activity::who_did(reading, Some(engine), &filter),
        compare,
    }
}
