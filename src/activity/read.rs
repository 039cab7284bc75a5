//! Reading log files, streaming: each record is parsed, normalised and folded into the summaries before
//! the next is read, so memory does not grow with the file. The form is told from the first bytes:
//! - `[` — a bare JSON array (`az monitor log-analytics query -o json`, or an archive written as one);
//! - `{"records": [` — the older storage-account blob and Event Hub batches;
//! - `{"tables": [` — the Log Analytics query API's response ([`tables`]);
//! - any other `{` — JSON Lines, one record per line (storage-account archives since 2018);
//! - otherwise — CSV with a header row (the portal's "Export to CSV").
//!
//! Arrays are walked element by element by a serde visitor, never loaded whole. A malformed JSON Lines line
//! or CSV row is counted and named (file and line) and reading goes on; a syntax error inside an array ends
//! that file (JSON cannot be resynchronised there), which is reported the same way.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use thiserror::Error;

use super::record::{Row, Skip, Window};
use super::summary::{Span, Store};

mod fast;
mod tables;

#[derive(Debug, Error)]
pub enum ReadError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}: no log files there (looked for .json, .jsonl, .ndjson and .csv files)")]
    NoFiles(PathBuf),
}

/// A record that could not be read at all, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    pub line: u64,
    pub message: String,
}

/// Everything read from the logs: the summaries, and an account of every record that was not used.
#[derive(Debug, Default)]
pub struct Reading {
    pub window: Window,
    pub files: u64,
    pub bytes: u64,
    /// Records seen (used, skipped or malformed).
    pub records: u64,
    pub used: u64,
    pub skipped: BTreeMap<Skip, u64>,
    pub malformed: u64,
    /// The first [`Reading::PROBLEMS_KEPT`] malformed records.
    pub problems: Vec<Problem>,
    /// Sources that say themselves that they are incomplete (a Log Analytics `PartialError`).
    pub incomplete: Vec<Problem>,
    /// Operation names not in the mapping (still summarised; their permission is unknown).
    pub unmapped: BTreeMap<String, u64>,
    /// The time of the first and last record used.
    pub span: Option<Span>,
    pub store: Store,
}

impl Reading {
    pub const PROBLEMS_KEPT: usize = 50;
    const UNMAPPED_KEPT: usize = 100;

    /// What was read and what was not used, as text lines ([`super::account`]).
    pub fn account(&self) -> Vec<String> {
        super::account::lines(self)
    }

    pub fn new(window: Window) -> Self {
        Self {
            window,
            ..Self::default()
        }
    }

    /// Reads files or directory trees, in name order.
    pub fn read_paths(&mut self, paths: &[PathBuf]) -> Result<(), ReadError> {
        self.read_paths_watched(paths, &mut |_, _| true).map(|_| ())
    }

    /// [`Reading::read_paths`], telling `watch(bytes read, bytes in all files)` how far it is as it reads;
    /// `watch` returning false stops the reading (the explorer's Esc). Whether it read everything.
    pub fn read_paths_watched(
        &mut self,
        paths: &[PathBuf],
        watch: &mut dyn FnMut(u64, u64) -> bool,
    ) -> Result<bool, ReadError> {
        let mut files = Vec::new();
        for path in paths {
            let before = files.len();
            collect(path, &mut files)?;
            if files.len() == before {
                return Err(ReadError::NoFiles(path.clone()));
            }
        }
        let total = files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        let mut done = 0;
        let mut stopped = false;
        for f in files {
            let mut w = |d: u64| {
                let go = watch(d, total);
                stopped |= !go;
                go
            };
            let read = self.read_watched(&f, &mut done, &mut w);
            if stopped {
                return Ok(false);
            }
            read?;
        }
        Ok(true)
    }

    pub fn read_file(&mut self, path: &Path) -> Result<(), ReadError> {
        self.read_watched(path, &mut 0, &mut |_| true)
    }

    fn read_watched(
        &mut self,
        path: &Path,
        done: &mut u64,
        watch: &mut dyn FnMut(u64) -> bool,
    ) -> Result<(), ReadError> {
        let io = |source| ReadError::Io {
            file: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        self.files += 1;
        let watched = Watched {
            inner: file,
            done,
            watch,
        };
        self.read(
            BufReader::with_capacity(1 << 20, watched),
            &path.display().to_string(),
        )
        .map_err(io)
    }

    /// Reads one source of any form.
    pub fn read<R: Read>(&mut self, mut reader: BufReader<R>, name: &str) -> std::io::Result<()> {
        let head = reader.fill_buf()?;
        let head = head
            .strip_prefix(b"\xEF\xBB\xBF".as_slice())
            .unwrap_or(head);
        let start = head.iter().position(|b| !b.is_ascii_whitespace());
        match start.and_then(|i| head.get(i)) {
            None => Ok(()),
            Some(b'[') => self.read_stream(reader, name, true),
            Some(b'{') if is_wrapper(&head[start.unwrap_or(0)..]) => {
                self.read_stream(reader, name, false)
            }
            Some(b'{') => self.read_lines(reader, name),
            Some(_) => self.read_csv(reader, name),
        }
    }

    fn row(&mut self, row: Row) {
        self.records += 1;
        match row.normalise(&self.window) {
            Ok(call) => {
                self.used += 1;
                match &mut self.span {
                    Some(s) => {
                        s.first = s.first.min(call.time);
                        s.last = s.last.max(call.time);
                    }
                    None => {
                        self.span = Some(Span {
                            first: call.time,
                            last: call.time,
                        })
                    }
                }
                if !call.mapped {
                    let known = self.unmapped.len();
                    match self.unmapped.get_mut(call.operation.as_ref()) {
                        Some(n) => *n += 1,
                        None if known < Self::UNMAPPED_KEPT => {
                            self.unmapped.insert(call.operation.to_string(), 1);
                        }
                        None => {}
                    }
                }
                self.store.add(&call);
            }
            Err(skip) => *self.skipped.entry(skip).or_default() += 1,
        }
    }

    fn problem(&mut self, file: &str, line: u64, message: String) {
        self.records += 1;
        self.malformed += 1;
        if self.problems.len() < Self::PROBLEMS_KEPT {
            self.problems.push(Problem {
                file: file.to_string(),
                line,
                message,
            });
        }
    }

    /// JSON Lines, parsed in place in the reader's buffer; only a line that straddles two reads is copied.
    fn read_lines<R: Read>(&mut self, mut reader: BufReader<R>, name: &str) -> std::io::Result<()> {
        let mut carry: Vec<u8> = Vec::new();
        let mut line = 0u64;
        loop {
            let buf = reader.fill_buf()?;
            let n = buf.len();
            if n == 0 {
                if !carry.is_empty() {
                    line += 1;
                    self.line(&carry, name, line);
                }
                return Ok(());
            }
            self.bytes += n as u64;
            if carry.is_empty() {
                let mut start = 0;
                for end in memchr::memchr_iter(b'\n', buf) {
                    line += 1;
                    self.line(&buf[start..end], name, line);
                    start = end + 1;
                }
                carry.extend_from_slice(&buf[start..]);
                reader.consume(n);
            } else if let Some(end) = memchr::memchr(b'\n', buf) {
                carry.extend_from_slice(&buf[..end]);
                line += 1;
                self.line(&carry, name, line);
                carry.clear();
                self.bytes -= (n - end - 1) as u64;
                reader.consume(end + 1);
            } else {
                carry.extend_from_slice(buf);
                reader.consume(n);
            }
        }
    }

    fn line(&mut self, bytes: &[u8], name: &str, line: u64) {
        let text = bytes.trim_ascii();
        if text.is_empty() {
            return;
        }
        // Validated once per line: serde_json then reads strings without checking each one again.
        let text = match std::str::from_utf8(text) {
            Ok(t) => t,
            Err(e) => {
                let at = e.valid_up_to() + 1;
                return self.problem(name, line, format!("not UTF-8 at byte {at}"));
            }
        };
        if let Some(row) = fast::row(text) {
            return self.row(row);
        }
        match serde_json::from_str::<Row>(text) {
            Ok(row) => self.row(row),
            Err(e) => self.problem(name, line, json_message(&e)),
        }
    }

    fn read_stream<R: Read>(
        &mut self,
        reader: BufReader<R>,
        name: &str,
        array: bool,
    ) -> std::io::Result<()> {
        let mut counted = Counted {
            inner: reader,
            bytes: 0,
        };
        let mut de = serde_json::Deserializer::from_reader(&mut counted);
        let result = if array {
            RecordsSeed(self).deserialize(&mut de)
        } else {
            WrapperSeed {
                reading: self,
                file: name,
            }
            .deserialize(&mut de)
        }
        .and_then(|()| de.end());
        drop(de);
        self.bytes += counted.bytes;
        if let Err(e) = result {
            if e.is_io() {
                return Err(e.into());
            }
            let message = format!("{}; the rest of the file was not read", json_message(&e));
            self.problem(name, e.line() as u64, message);
        }
        Ok(())
    }

    fn read_csv<R: Read>(&mut self, reader: BufReader<R>, name: &str) -> std::io::Result<()> {
        let counted = Counted {
            inner: reader,
            bytes: 0,
        };
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(counted);
        let headers = match csv.headers() {
            Ok(h) => h
                .iter()
                .map(|h| h.split(" [").next().unwrap_or(h).trim().to_string())
                .collect::<csv::StringRecord>(),
            Err(e) => {
                self.problem(name, 1, format!("not a CSV header: {e}"));
                return Ok(());
            }
        };
        let mut record = csv::StringRecord::new();
        loop {
            match csv.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let line = record.position().map_or(0, |p| p.line());
                    match record.deserialize::<Row>(Some(&headers)) {
                        Ok(row) => self.row(row),
                        Err(e) => self.problem(name, line, e.to_string()),
                    }
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    self.problem(name, line, e.to_string());
                    if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                        break;
                    }
                }
            }
        }
        self.bytes += csv.into_inner().bytes;
        Ok(())
    }
}

/// serde_json's message without its own " at line L column C" (the caller names the line).
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let message = text.split(" at line ").next().unwrap_or(&text);
    format!("malformed JSON at column {}: {message}", e.column())
}

/// Whether an object begins with the `records` (or Log Analytics REST `tables`) key.
fn is_wrapper(head: &[u8]) -> bool {
    let rest = head.get(1..).unwrap_or_default().trim_ascii_start();
    rest.starts_with(b"\"records\"") || rest.starts_with(b"\"tables\"")
}

/// Counts the bytes a reader delivers (for the throughput figure).
struct Counted<R> {
    inner: R,
    bytes: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

/// A file as it is read, telling the watcher how many bytes have been read so far; an error once the
/// watcher says stop.
struct Watched<'w, R> {
    inner: R,
    done: &'w mut u64,
    watch: &'w mut dyn FnMut(u64) -> bool,
}

impl<R: Read> Read for Watched<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        *self.done += n as u64;
        if (self.watch)(*self.done) {
            Ok(n)
        } else {
            Err(std::io::Error::other("stopped"))
        }
    }
}

/// Files under `path` (itself when a file), in name order; hidden entries are skipped.
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), ReadError> {
    let io = |source| ReadError::Io {
        file: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            collect(&entry, out)?;
        } else if entry.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            ["json", "jsonl", "ndjson", "csv"].contains(&e.to_ascii_lowercase().as_str())
        }) {
            out.push(entry);
        }
    }
    Ok(())
}

/// `{"records": [...]}` or `{"tables": [...]}`: the array is walked as it is read; other keys are skipped
/// unread, except the query API's `error`.
struct WrapperSeed<'r> {
    reading: &'r mut Reading,
    file: &'r str,
}

impl<'de> DeserializeSeed<'de> for WrapperSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for WrapperSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object with a \"records\" or \"tables\" array")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<str>>()? {
            match key.as_ref() {
                "records" => map.next_value_seed(RecordsSeed(&mut *self.reading))?,
                "tables" => map.next_value_seed(tables::TablesSeed {
                    reading: &mut *self.reading,
                    file: self.file,
                })?,
                "error" => {
                    let error: serde_json::Value = map.next_value()?;
                    if !error.is_null() {
                        let note = tables::incomplete(self.file, &error);
                        self.reading.incomplete.push(note);
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// An array of records, each folded in as soon as it is parsed.
struct RecordsSeed<'r>(&'r mut Reading);

impl<'de> DeserializeSeed<'de> for RecordsSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RecordsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of log records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(row) = seq.next_element::<Row>()? {
            self.0.row(row);
        }
        Ok(())
    }
}
