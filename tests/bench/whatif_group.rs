//! `cargo bench --bench whatif_group`: issue 13's what-if — Key Vault Reader for the biggest group of a
//! synthetic tenant at the subscription whose vault count is nearest 19, tenant-wide, grouped.
//!
//! ```text
//! cargo bench --bench whatif_group                          # small: SynthSpec::small(1)
//! KVACCESS_BENCH_LARGE=1 cargo bench --bench whatif_group   # also large: SynthSpec::large(1) (100k principals)
//! KVACCESS_BENCH_LARGE=xl cargo bench --bench whatif_group  # and extra-large: 500k principals, 20k vaults, 1M
//!                                                           # role assignments (the probe only)
//! ```
//!
//! Before the divan timings, per tenant, the binary re-runs itself in a child process that does what
//! `kvaccess whatif --changes c.json -o json` does (load the file, both engines, apply, the grouped diff,
//! the JSON counted instead of written) and prints its time, peak RSS (VmHWM) and output size; the bare
//! `serde_json::Value` parse of the same file is timed just before, in this run, for the ratio. The divan
//! bench `diff` times the grouped diff alone over engines built once; `expand_jsonl` walks every flat row.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, LazyLock};
use std::time::Instant;

use kvaccess::eval::Engine;
use kvaccess::model::Snapshot;
use kvaccess::snapshot;
use kvaccess::synth::{SynthSpec, generate};
use kvaccess::whatif::{self, Scenario};

const LARGE_ENV: &str = "KVACCESS_BENCH_LARGE";
const PROBE_ENV: &str = "KVACCESS_BENCH_WHATIF_PROBE";

struct Case {
    file: PathBuf,
    before: Engine,
    after: Engine,
}

/// The group with the most identities (among the 40 with the most direct members) and the subscription
/// whose vault count is nearest 19.
fn pick(s: &Snapshot) -> (String, usize, String, usize) {
    let engine = Engine::new(s.clone());
    let mut direct: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for m in &s.group_memberships {
        *direct.entry(m.group_id.as_str()).or_default() += 1;
    }
    let mut top: Vec<(&str, usize)> = direct.into_iter().collect();
    top.sort_by_key(|(id, n)| (std::cmp::Reverse(*n), *id));
    let (group, members) = top
        .iter()
        .take(40)
        .map(|(id, _)| {
            let n = engine
                .index
                .transitive_members(id)
                .iter()
                .filter(|(m, _)| !engine.is_group(m))
                .count();
            (id.to_string(), n)
        })
        .max_by_key(|(id, n)| (*n, std::cmp::Reverse(id.clone())))
        .unwrap();
    let (sub, vaults) = s
        .subscriptions
        .iter()
        .map(|sub| {
            let n = s
                .vaults
                .iter()
                .filter(|v| {
                    v.scope
                        .id()
                        .to_ascii_lowercase()
                        .starts_with(&format!("{}/", sub.scope.key()))
                })
                .count();
            (sub.scope.id().to_string(), n)
        })
        .min_by_key(|(id, n)| (n.abs_diff(19), id.clone()))
        .unwrap();
    (group, members, sub, vaults)
}

/// Writes `spec`'s tenant and the change to files; the tenant and the change back.
fn write(name: &str, spec: &SynthSpec) -> (PathBuf, Snapshot, String) {
    let generated = generate(spec);
    let (group, members, sub, vaults) = pick(&generated);
    let changes = serde_json::json!([{
        "kind": "addRoleAssignment", "principal": group, "role": "Key Vault Reader", "scope": sub
    }])
    .to_string();
    let dir = std::env::temp_dir().join(format!("kvaccess-bench-whatif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.json"));
    snapshot::save(&generated, &file).unwrap();
    std::fs::write(dir.join(format!("{name}.changes.json")), &changes).unwrap();
    eprintln!(
        "{name}: Key Vault Reader for group {group} ({members} identities) at subscription {sub} ({vaults} vaults); file {:.1} MB",
        std::fs::metadata(&file).map_or(0, |m| m.len()) as f64 / 1e6
    );
    (file, generated, changes)
}

fn build(name: &str, spec: &SynthSpec) -> Case {
    let (file, generated, changes) = write(name, spec);
    let before = Engine::new(generated);
    let scenario = Scenario::from_json(&changes).unwrap();
    let after = Engine::new(scenario.apply(&before.snapshot).unwrap().snapshot);
    Case {
        file,
        before,
        after,
    }
}

static SMALL: LazyLock<Case> = LazyLock::new(|| build("small", &SynthSpec::small(1)));
static LARGE: LazyLock<Case> = LazyLock::new(|| build("large", &SynthSpec::large(1)));

fn memory_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// A writer that only counts.
struct Counting(usize);

impl std::io::Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The child: `kvaccess whatif --changes c.json -o json`'s work, printing
/// `seconds peak_kb json_bytes groups cells identities`.
fn probe(file: &Path, changes: &Path) {
    let started = Instant::now();
    let snapshot = Arc::new(snapshot::load_file(file).unwrap());
    let scenario = Scenario::from_json(&std::fs::read_to_string(changes).unwrap()).unwrap();
    let (before, outcome) = std::thread::scope(|s| {
        let before = s.spawn(|| Engine::new(snapshot.clone()));
        let outcome = scenario.apply(&snapshot).unwrap();
        (before.join().unwrap(), outcome)
    });
    let after = Engine::after(&before, outcome.snapshot);
    let diff = whatif::diff_grouped(&before, &after, None);
    let mut bytes = Counting(0);
    serde_json::to_writer(&mut bytes, &diff).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{seconds} {} {} {} {} {}",
        memory_kb(),
        bytes.0,
        diff.groups.len(),
        diff.gained + diff.lost,
        diff.identities
    );
    std::mem::forget((before, after, snapshot));
}

fn measure(name: &str, file: &Path) {
    let text = std::fs::read_to_string(file).unwrap();
    let bytes = text.len() as f64;
    let started = Instant::now();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let parse = started.elapsed().as_secs_f64();
    drop(value);
    drop(text);
    let changes = file.with_extension("changes.json");
    let out = Command::new(std::env::current_exe().unwrap())
        .env(
            PROBE_ENV,
            format!("{}\n{}", file.display(), changes.display()),
        )
        .output()
        .unwrap();
    let fields: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    if let [seconds, peak, size, groups, cells, identities] = fields[..] {
        eprintln!(
            "whatif {name:5} 25k-group change, tenant-wide: {seconds:.2} s end to end ({:.2}x the bare Value parse of {parse:.2} s), peak RSS {:.1} MB ({:.2}x the {:.1} MB file), {groups} groups for {cells} cells of {identities} identities, JSON {:.3} MB",
            seconds / parse,
            peak * 1024.0 / 1e6,
            peak * 1024.0 / bytes,
            bytes / 1e6,
            size / 1e6,
        );
    } else {
        eprintln!(
            "whatif {name}: the probe failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[divan::bench(sample_count = 5)]
fn small_diff(b: divan::Bencher) {
    let c = &*SMALL;
    b.bench(|| whatif::diff_grouped(&c.before, &c.after, None).groups.len());
}

#[divan::bench(sample_count = 3)]
fn large_diff(b: divan::Bencher) {
    let c = &*LARGE;
    b.bench(|| whatif::diff_grouped(&c.before, &c.after, None).groups.len());
}

/// Every flat row written as JSON lines to nowhere (`--output jsonl > /dev/null`).
#[divan::bench(sample_count = 3)]
fn large_expand_jsonl(b: divan::Bencher) {
    let c = &*LARGE;
    let diff = whatif::diff_grouped(&c.before, &c.after, None);
    b.bench(|| {
        let mut out = Counting(0);
        diff.each_cell(&c.before, &c.after, |row| {
            serde_json::to_writer(&mut out, &row)?;
            std::io::Write::write_all(&mut out, b"\n").map_err(serde_json::Error::io)
        })
        .unwrap();
        out.0
    });
}

fn main() {
    if let Ok(probe_args) = std::env::var(PROBE_ENV) {
        let (file, changes) = probe_args.split_once('\n').unwrap();
        probe(Path::new(file), Path::new(changes));
        return;
    }
    let large = std::env::var_os(LARGE_ENV).is_some_and(|v| !v.is_empty() && v != "0");
    measure("small", &SMALL.file);
    if large {
        measure("large", &LARGE.file);
    }
    if std::env::var(LARGE_ENV).is_ok_and(|v| v == "xl") {
        // 500k principals, 20k vaults, 1M role assignments (as `kvaccess synth` makes them): built only on
        // request (a 1 GB file), measured by the probe alone (no engines kept in this process).
        let (file, ..) = write("xl", &SynthSpec::new(500_000, 20_000, 1_000_000, 1));
        measure("xl", &file);
    }
    let mut divan = divan::Divan::from_args();
    if !large {
        divan = divan.skip_regex("large");
    }
    divan.run_benches();
    let _ = std::fs::remove_dir_all(SMALL.file.parent().unwrap());
}
