//! The live session's log: every collection error with its scope, section and status, warnings, notes,
//! and how a run failed. Texts come from Azure or the network and are cleaned when drawn.

use crate::fetch::CollectionErrorRecord;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// Part of the tenant could not be read.
    Error,
    Warning,
    /// The run stopped (authentication, a broken response).
    Failure,
    Note,
}

/// A line of the log view. Texts come from Azure or the network: cleaned when drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub kind: LogKind,
    pub scope: String,
    pub section: String,
    pub status: Option<u16>,
    pub message: String,
}

impl LogEntry {
    pub(super) fn note(kind: LogKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            scope: String::new(),
            section: String::new(),
            status: None,
            message: message.into(),
        }
    }

    pub(super) fn error(e: &CollectionErrorRecord) -> Self {
        Self {
            kind: LogKind::Error,
            scope: e.scope.clone(),
            section: e.section.key().to_string(),
            status: e.status,
            message: e.message.clone(),
        }
    }
}
