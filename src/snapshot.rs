//! The versioned snapshot file ⇄ model: loading with every problem reported, saving atomically.

mod convert;
mod halves;
pub mod lenient;
mod path;
mod raw;
mod split;
mod window;
mod write;

use std::path::{Path, PathBuf};

pub use convert::{parse_ip_rule, relink_perimeters};
pub use write::to_json;

use crate::error::{LoadError, SaveError};
use crate::model::Snapshot;
use crate::snapshot::lenient::Field;

/// The snapshot compiled into the binary: the Contoso demo tenant.
pub const DEMO_JSON: &str = include_str!("../assets/demo-tenant.json");

/// Parses snapshot text. `source` names the file in errors.
pub fn parse(text: &str, source: &Path) -> Result<Snapshot, LoadError> {
    validate(read_raw(text, source)?, source)
}

/// The text as raw snapshot structs: only malformed JSON fails here.
fn read_raw(text: &str, source: &Path) -> Result<raw::RawSnapshot, LoadError> {
    // Windows tools (PowerShell 5's Out-File, Notepad) start UTF-8 files with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Two threads when the text is a plain object; anything else, and every syntax error, is left to the
    // one-thread parse, which reports it with its line and column.
    match halves::read(text) {
        Some(raw) => Ok(raw),
        None => read_raw_serial(text, source),
    }
}

/// [`read_raw`] on this thread only.
fn read_raw_serial(text: &str, source: &Path) -> Result<raw::RawSnapshot, LoadError> {
    // Read through `Field` so that a document that is not an object is reported as such: serde would
    // otherwise fill the struct from an array positionally and accept `[1]` as an empty snapshot.
    let top: Field<raw::RawSnapshot> =
        serde_json::from_str(text).map_err(|e| LoadError::Syntax {
            file: source.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: syntax_message(&e),
        })?;
    match top {
        Field::Value(raw) => Ok(raw),
        Field::Wrong(found) => Err(not_an_object(source, found)),
        Field::Null | Field::Absent => Err(not_an_object(source, "null")),
    }
}

/// Raw structs → model, with every problem; the raw strings move into the model.
fn validate(raw: raw::RawSnapshot, source: &Path) -> Result<Snapshot, LoadError> {
    let mut ctx = convert::Ctx::default();
    let mut snapshot = convert::convert(raw, &mut ctx);
    if !ctx.problems.is_empty() {
        return Err(LoadError::Invalid {
            file: source.to_path_buf(),
            problems: ctx.problems,
        });
    }
    snapshot.warnings = ctx.warnings;
    Ok(snapshot)
}

fn not_an_object(source: &Path, found: &str) -> LoadError {
    LoadError::Invalid {
        file: source.to_path_buf(),
        problems: vec![crate::error::Problem {
            path: "(top level)".into(),
            message: format!(
                "expected an object starting {{\"kvaccessSnapshot\": 1, ...}}, found {found}"
            ),
        }],
    }
}

/// [`parse`] for a document already in memory as JSON (the fetcher's), without printing and re-reading it.
pub fn parse_value(value: &serde_json::Value, source: &Path) -> Result<Snapshot, LoadError> {
    use serde::Deserialize as _;
    if !value.is_object() {
        return Err(not_an_object(source, "another JSON value"));
    }
    let raw = raw::RawSnapshot::deserialize(value).map_err(|e| LoadError::Syntax {
        file: source.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: syntax_message(&e),
    })?;
    validate(raw, source)
}

fn syntax_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    // serde_json appends " at line L column C", which the error already states.
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
    .replace(
        "EOF while parsing",
        "the file ends early (truncated?) while parsing",
    )
}

/// Reads and parses a snapshot file. The file is read in pieces as it is parsed (see [`halves`]), and when
/// it has to be read whole (to report an error, or a UTF-16 file), the text is dropped as soon as it is
/// parsed, before the model is built, so that a large tenant's file and its model are not both held at once.
pub fn load_file(path: &Path) -> Result<Snapshot, LoadError> {
    let raw = match halves::read_file(path) {
        Some(raw) => raw,
        None => {
            let text = crate::files::read_text(path).map_err(|source| LoadError::Io {
                file: path.to_path_buf(),
                source,
            })?;
            read_raw(&text, path)?
        }
    };
    validate(raw, path)
}

/// The embedded demo tenant. It is checked by the test suite, so failing here would be a build defect.
pub fn demo() -> Snapshot {
    parse(DEMO_JSON, Path::new("<embedded demo tenant>")).unwrap_or_default()
}

/// Writes JSON to `path` atomically (see [`crate::files::write_atomically`]): an interrupted or failed write
/// never leaves a partial file in place of a good one, and only a regular file or a new path is written.
/// Characters that could hide or reorder text are written as `\u` escapes ([`crate::sanitize::json`]).
pub fn write_atomically(path: &Path, value: &serde_json::Value) -> Result<(), SaveError> {
    crate::files::write_atomically(path, |out| {
        crate::sanitize::json::to_writer(&mut *out, value)?;
        out.write_all(b"\n")
    })
    .map_err(|source| SaveError::Io {
        file: PathBuf::from(path),
        source,
    })
}

pub fn save(snapshot: &Snapshot, path: &Path) -> Result<(), SaveError> {
    write_atomically(path, &to_json(snapshot))
}

#[cfg(test)]
mod tests;
