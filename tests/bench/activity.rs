//! `cargo bench --bench activity`: reading Key Vault audit logs (JSON Lines, as storage archives hold them)
//! and joining them to a tenant, in MB/s, beside two floors measured on the same bytes in the same run:
//! `floor_lines` (reading the file and finding line ends, nothing else) and `floor_serde` (serde_json
//! parsing every line into `IgnoredAny`, i.e. syntax only, no fields kept).
//!
//! The logs are `kvaccess synth-logs` calls for the small synthetic tenant (1k principals, 50 vaults), written
//! to `CARGO_TARGET_TMPDIR` and removed at the end: 100k and 400k records by default; set
//! `KVACCESS_BENCH_LARGE=1` for 1M and 10M (about 6.5 GB on disk). Before the timings, the peak resident set
//! is printed after reading each size in turn: memory must not depend on the number of records.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use divan::Bencher;
use divan::counter::BytesCount;
use kvaccess::activity::join::Filter;
use kvaccess::activity::synth::{LogSpec, write_logs};
use kvaccess::activity::{self, Reading, Window};
use kvaccess::eval::Engine;
use kvaccess::model::Snapshot;
use kvaccess::synth::{self, SynthSpec};

fn sizes() -> Vec<usize> {
    if std::env::var_os("KVACCESS_BENCH_LARGE").is_some() {
        vec![1_000_000, 10_000_000]
    } else {
        vec![100_000, 400_000]
    }
}

fn tenant() -> &'static Snapshot {
    static T: OnceLock<Snapshot> = OnceLock::new();
    T.get_or_init(|| synth::generate(&SynthSpec::small(1)))
}

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::new(tenant().clone()))
}

/// The log file for `n` records and its size in bytes, written once per run.
fn logs(n: usize) -> (PathBuf, u64) {
    static FILES: OnceLock<Mutex<BTreeMap<usize, (PathBuf, u64)>>> = OnceLock::new();
    let files = FILES.get_or_init(Default::default);
    let mut files = files.lock().unwrap();
    files
        .entry(n)
        .or_insert_with(|| {
            let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("activity-bench-{n}.jsonl"));
            let mut out = BufWriter::with_capacity(1 << 20, File::create(&path).unwrap());
            write_logs(
                engine(),
                &LogSpec {
                    calls: n,
                    days: 30,
                    seed: 9,
                },
                &mut out,
            )
            .unwrap();
            drop(out);
            let bytes = std::fs::metadata(&path).unwrap().len();
            (path, bytes)
        })
        .clone()
}

/// Reads and joins: every record parsed, normalised and summarised, then every summary evaluated.
fn read_and_join(n: usize) -> (Reading, usize) {
    let (path, _) = logs(n);
    let mut reading = Reading::new(Window::default());
    reading.read_file(&path).unwrap();
    let joined = activity::who_did(&reading, Some(engine()), &Filter::default());
    (reading, joined.entries.len())
}

/// The process's peak resident set (VmHWM), in MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let sizes = sizes();
    for &n in &sizes {
        logs(n);
    }
    engine();
    eprintln!(
        "peak RSS with the tenant built and the logs written: {:.0} MB",
        peak_rss_mb()
    );
    for &n in &sizes {
        let (_, bytes) = logs(n);
        let start = Instant::now();
        let (reading, entries) = read_and_join(n);
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "{n} records, {:.0} MB: read + join {:.2} s = {:.0} MB/s; {} summaries, {entries} joined; peak RSS now {:.0} MB",
            bytes as f64 / 1e6,
            secs,
            bytes as f64 / 1e6 / secs,
            reading.store.summaries.len(),
            peak_rss_mb()
        );
        assert_eq!(
            (reading.used, reading.malformed),
            (reading.records, 0),
            "every generated record is used"
        );
    }
    divan::main();
    for &n in &sizes {
        let _ = std::fs::remove_file(logs(n).0);
    }
}

#[divan::bench(args = sizes(), sample_count = 3, sample_size = 1)]
fn floor_lines(bencher: Bencher, n: usize) {
    let (path, bytes) = logs(n);
    bencher.counter(BytesCount::new(bytes)).bench(|| {
        let mut reader = BufReader::with_capacity(1 << 20, File::open(&path).unwrap());
        let mut lines = 0usize;
        loop {
            let buf = reader.fill_buf().unwrap();
            if buf.is_empty() {
                break;
            }
            lines += memchr::memchr_iter(b'\n', buf).count();
            let len = buf.len();
            reader.consume(len);
        }
        lines
    });
}

#[divan::bench(args = sizes(), sample_count = 3, sample_size = 1)]
fn floor_serde(bencher: Bencher, n: usize) {
    let (path, bytes) = logs(n);
    bencher.counter(BytesCount::new(bytes)).bench(|| {
        let mut reader = BufReader::with_capacity(1 << 20, File::open(&path).unwrap());
        let mut line = Vec::with_capacity(4096);
        let mut records = 0usize;
        while reader.read_until(b'\n', &mut line).unwrap() > 0 {
            serde_json::from_slice::<serde::de::IgnoredAny>(&line).unwrap();
            records += 1;
            line.clear();
        }
        records
    });
}

#[divan::bench(args = sizes(), sample_count = 3, sample_size = 1)]
fn read_join(bencher: Bencher, n: usize) {
    let (_, bytes) = logs(n);
    bencher
        .counter(BytesCount::new(bytes))
        .bench(|| read_and_join(n).1);
}
