//! Library errors. Each names what is at fault: the file, the JSON path, the principal or the action.

use std::fmt;
use std::path::PathBuf;

use thiserror::Error;

/// One thing wrong in a snapshot file, at a JSON path such as `roleAssignments[12].properties.principalId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

#[derive(Debug, Error)]
pub enum LoadError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: not valid JSON at line {line}, column {column}: {message}")]
    Syntax {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {} problem(s):\n{}", problems.len(), list(problems))]
    Invalid {
        file: PathBuf,
        problems: Vec<Problem>,
    },
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Debug, Error)]
pub enum SaveError {
    #[error("{file}: cannot write: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot encode snapshot: {0}")]
    Encode(#[from] serde_json::Error),
}

/// A question the evaluator cannot ask because its words do not resolve. The second field of the
/// `Unknown…` variants is a "did you mean" hint ([`crate::suggest::hint`]), empty when nothing is close.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum QueryError {
    #[error(
        "unknown action '{0}'{1}: use an access-policy word such as secrets/get or a full action string such as Microsoft.KeyVault/vaults/read (see `kvaccess actions`)"
    )]
    UnknownAction(String, String),
    #[error("no principal matches '{0}' (give an object id, a UPN, an appId or a display name){1}")]
    UnknownPrincipal(String, String),
    #[error("'{query}' matches {} principals: {}", candidates.len(), candidates.join(", "))]
    AmbiguousPrincipal {
        query: String,
        candidates: Vec<String>,
    },
    #[error("not an Azure scope: '{0}'")]
    BadScope(String),
    #[error("no vault in the snapshot has the id '{0}'{1}")]
    UnknownVault(String, String),
    #[error(
        "no vault in the snapshot is named '{0}' (give a vault name, a vault URL or a full scope id such as /subscriptions/…){1}"
    )]
    UnknownVaultName(String, String),
    #[error("'{query}' names {} vaults: {}; give the full scope id", candidates.len(), candidates.join(", "))]
    AmbiguousScope {
        query: String,
        candidates: Vec<String>,
    },
    #[error(
        "'{action}' is a data-plane operation: give a vault or a key/secret/certificate scope, not '{scope}'"
    )]
    DataActionScope { action: String, scope: String },
    #[error("'{action}' does not apply to '{scope}': the item is of another kind")]
    ItemMismatch { action: String, scope: String },
}
