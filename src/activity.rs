//! Activity: who *did*, beside who *could* — from Key Vault's own audit logs (the `AuditEvent` category).
//!
//! [`read`] streams log files in every form a user holds them (storage-account archives, Log Analytics
//! exports of `AzureDiagnostics` and `AZKVAuditLogs`, as JSON or CSV) into bounded per-(vault, item,
//! caller, application, operation) [`Summary`]s, counting every record it cannot use by reason. The
//! answers are joined to a snapshot through the evaluator ([`crate::eval::Engine::check`]):
//! - [`who_did`]: the callers of each operation, with the grant and group chain that allows it now;
//! - [`could_vs_did`]: holders from the evaluator beside callers from the logs;
//! - [`unused`]: grants no call in the window needed, and the what-if change list removing them;
//! - [`model_check`]: logged decisions that disagree with the evaluator, classified;
//! - [`synth`]: a month of calls consistent with a synthetic tenant, plus known disagreements.
//!
//! Logs never carry secret values; request bodies are not read; every string from a log is cleaned of
//! control characters before it is printed (by the CLI, like names from the snapshot).

pub mod account;
pub mod compare;
pub mod flex;
pub mod join;
pub mod last_used;
pub mod model_check;
pub mod operations;
pub mod read;
pub mod record;
pub mod summary;
pub mod synth;
pub mod time;
pub mod unused;
pub mod who_did;

use std::path::PathBuf;

pub use compare::{CouldVsDid, could_vs_did};
pub use last_used::LastUsed;
pub use model_check::{Disagreement, ModelCheck, model_check};
pub use read::{Problem, ReadError, Reading};
pub use record::{Skip, Window};
pub use summary::{Key, Store, Summary};
pub use unused::{Unused, unused};
pub use who_did::{WhoDid, who_did};

/// Reads log files and directory trees into summaries.
pub fn read(paths: &[PathBuf], window: Window) -> Result<Reading, ReadError> {
    let mut reading = Reading::new(window);
    reading.read_paths(paths)?;
    Ok(reading)
}
