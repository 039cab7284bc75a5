//! `kvaccess import --azurehound FILE`: a snapshot from an AzureHound collection, without touching Azure.
//!
//! The file is one JSON object, `{"data": [{"kind": …, "data": …}, …], "meta": {…}}`, written one record
//! per line and often gigabytes long: it is read as a stream, one record at a time, never whole. Each
//! record is mapped to the snapshot section that holds the same Azure object (`records`), then the
//! snapshot is read by the ordinary loader.
//!
//! What such a file cannot hold is said, not guessed ([`NOT_COLLECTED`]): role definitions (built-in roles
//! fall back to kvaccess's embedded copies, custom ones are unknown), deny assignments (not collected,
//! assumed none: stated once rather than making every answer unknown), assignment conditions, the vaults'
//! `publicNetworkAccess` (network answers are unknown), Azure RBAC PIM eligibilities, and errors (a scope
//! AzureHound could not read looks empty). AzureHound upper-cases most ids: every id is compared
//! case-insensitively, and object ids are lower-cased here.

mod records;

use std::fmt;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use thiserror::Error;

use crate::model::Snapshot;
use records::Sections;

/// What an AzureHound file cannot hold, recorded in the snapshot's `assumptions` and shown once.
pub const NOT_COLLECTED: &[&str] = &[
    "deny assignments: not collected by AzureHound, assumed none",
    "role definitions: not collected by AzureHound; built-in roles use kvaccess's embedded copies of Microsoft's definitions, custom roles are unknown",
    "role assignment conditions: not collected by AzureHound; a conditional assignment looks unconditional",
    "Azure RBAC PIM eligibilities: not collected by AzureHound; eligible holders are not shown",
    "collection errors: AzureHound records none; a scope it could not read looks empty",
    "publicNetworkAccess: not collected by AzureHound; network answers about the vaults are unknown",
];

/// The value written as `publicNetworkAccess` of every imported vault: AzureHound does not collect it, so
/// network answers are unknown.
pub const NETWORK_NOT_COLLECTED: &str = "not collected by AzureHound";

#[derive(Debug, Error)]
pub enum AzureHoundError {
    #[error("{0}: cannot read: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{file}: not an AzureHound collection at line {line}, column {column}: {message}")]
    Syntax {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{0}: not an AzureHound collection: no `data` array")]
    NoData(PathBuf),
    #[error("{file}: the snapshot built from it does not load: {message}")]
    Snapshot { file: PathBuf, message: String },
}

/// The imported snapshot, its JSON (to write), and how many records of each kind were read or skipped.
pub struct Imported {
    pub json: Value,
    pub snapshot: Snapshot,
    pub records: usize,
    /// Record kinds kvaccess does not use, with their counts.
    pub skipped: Vec<(String, usize)>,
}

/// Reads `path` as a stream and builds the snapshot.
pub fn import(path: &Path) -> Result<Imported, AzureHoundError> {
    let file = std::fs::File::open(path).map_err(|e| AzureHoundError::Io(path.into(), e))?;
    import_from(BufReader::with_capacity(1 << 16, file), path)
}

/// [`import`] from any reader (`source` names it in errors).
pub fn import_from(reader: impl Read, source: &Path) -> Result<Imported, AzureHoundError> {
    let mut sections = Sections::default();
    let mut de = serde_json::Deserializer::from_reader(reader);
    let found = Envelope {
        sections: &mut sections,
    }
    .deserialize(&mut de)
    .and_then(|found| de.end().map(|()| found))
    .map_err(|e| AzureHoundError::Syntax {
        file: source.into(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    if !found {
        return Err(AzureHoundError::NoData(source.into()));
    }
    let records = sections.records;
    let skipped = sections.skipped_kinds();
    let json = sections.into_snapshot();
    let snapshot =
        crate::snapshot::parse_value(&json, source).map_err(|e| AzureHoundError::Snapshot {
            file: source.into(),
            message: e.to_string(),
        })?;
    Ok(Imported {
        json,
        snapshot,
        records,
        skipped,
    })
}

/// The top-level object: `data` is streamed record by record, everything else skipped. Says whether
/// `data` was there.
struct Envelope<'s> {
    sections: &'s mut Sections,
}

impl<'de> DeserializeSeed<'de> for Envelope<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Envelope<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with a `data` array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "data" {
                map.next_value_seed(Stream {
                    sections: &mut *self.sections,
                })?;
                found = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// The `data` array, one record at a time.
struct Stream<'s> {
    sections: &'s mut Sections,
}

#[derive(Deserialize)]
struct Record {
    kind: String,
    #[serde(default)]
    data: Value,
}

impl<'de> DeserializeSeed<'de> for Stream<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Stream<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of {\"kind\", \"data\"} records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(r) = seq.next_element::<Record>()? {
            self.sections.add(&r.kind, r.data);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
