//! Engine benchmarks on synthetic tenants (divan).
//!
//! ```text
//! cargo bench --bench engine                          # small tenant: 1k principals, 50 vaults, 2k assignments
//! KVACCESS_BENCH_LARGE=1 cargo bench --bench engine   # also large: 100k principals, 10k vaults, 200k assignments
//! KVACCESS_BENCH_LARGE=xl cargo bench --bench engine  # and extra-large (500k, 20k, 1M): load memory, escalations,
//!                                                      # who-can grouped and jsonl on the busiest vault
//! cargo bench --bench engine -- check                 # divan filters work as usual
//! KVACCESS_BENCH_SKIP_PREAMBLE=1 …                    # skip the memory and escalation measurements
//! KVACCESS_BENCH_SEED=1 …                             # another generator seed (default 42)
//! ```
//!
//! Each tenant is generated once ([`kvaccess::synth`]), written to a temporary file with
//! [`kvaccess::snapshot::save`], and loaded back from that file as the CLI would. Before the timings the
//! binary re-runs itself once per tenant and mode to measure peak memory (VmHWM) of loading the file, so the
//! figures are not polluted by the generator. With `KVACCESS_BENCH_CPU=1` it also prints the headline figures
//! in on-CPU time (per question: p50/p90/p99), which stay meaningful on a machine shared with other work.
//! Benches never run under `cargo test` (harness = false).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;
use std::time::Instant;

use kvaccess::catalog::{self, Action, Plane};
use kvaccess::eval::Request;
use kvaccess::eval::{Engine, Subject, Target};
use kvaccess::model::{PrincipalKind, Scope, Snapshot};
use kvaccess::query::grouped::escalations::by_grant::GrantGroups;
use kvaccess::query::grouped::escalations::escalation_groups;
use kvaccess::query::grouped::who_can::grouped_who_can;
use kvaccess::query::{matrix_for_principal, matrix_for_vault, who_can};
use kvaccess::snapshot;
use kvaccess::synth::{Rng, SynthSpec, generate};

const LARGE_ENV: &str = "KVACCESS_BENCH_LARGE";
/// Set by the parent for the memory probe child: `<mode>:<file>`.
const PROBE_ENV: &str = "KVACCESS_BENCH_MEMORY_PROBE";
/// The generator's seed: 42, or `KVACCESS_BENCH_SEED`.
static SEED: LazyLock<u64> = LazyLock::new(|| {
    std::env::var("KVACCESS_BENCH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(42)
});
const QUESTIONS: usize = 4096;

/// One question, already resolved to ids.
struct Question {
    principal: String,
    vault: Scope,
    action: Action,
}

struct Tenant {
    file: PathBuf,
    text: String,
    engine: Engine,
    /// Random identity × random vault × random operation (most answers are "denied").
    random: Vec<Question>,
    /// An identity that some grant at the vault names × a data operation (grant paths get evaluated).
    holders: Vec<Question>,
    /// A random vault, and the vault with the most grants at or above it.
    typical_vault: Scope,
    busy_vault: Scope,
    /// A random user, for the one-principal-across-every-vault matrix.
    user: String,
}

fn work_dir() -> PathBuf {
    std::env::temp_dir().join(format!("kvaccess-bench-{}", std::process::id()))
}

fn build(name: &str, spec: &SynthSpec) -> Tenant {
    let started = Instant::now();
    let generated = generate(spec);
    let generated_in = started.elapsed();
    let dir = work_dir();
    let file = dir.join(format!("{name}.json"));
    let saved = Instant::now();
    std::fs::create_dir_all(&dir)
        .and_then(|()| snapshot::save(&generated, &file).map_err(std::io::Error::other))
        .unwrap_or_else(|e| {
            eprintln!("cannot write {}: {e}", file.display());
            std::process::exit(1)
        });
    let saved_in = saved.elapsed();
    drop(generated);
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let engine = Engine::new(snapshot::parse(&text, &file).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    }));
    let snapshot = &*engine.snapshot;
    eprintln!(
        "{name}: generated in {:.2?}, saved in {:.2?}: {} ({:.1} MB), {} principals, {} memberships, {} vaults, {} role assignments, {} access-policy entries",
        generated_in,
        saved_in,
        file.display(),
        text.len() as f64 / 1e6,
        snapshot.principals.len(),
        snapshot.group_memberships.len(),
        snapshot.vaults.len(),
        snapshot.role_assignments.len(),
        snapshot
            .vaults
            .iter()
            .map(|v| v.access_policies.len())
            .sum::<usize>(),
    );
    let mut rng = Rng::new(*SEED);
    let identities: Vec<&str> = snapshot
        .principals
        .iter()
        .filter(|p| p.kind.is_identity())
        .map(|p| p.id.as_str())
        .collect();
    let users: Vec<&str> = snapshot
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::User)
        .map(|p| p.id.as_str())
        .collect();
    let operations: Vec<Action> = catalog::operations()
        .iter()
        .filter_map(|op| catalog::resolve(op.name).ok())
        .collect();
    let data_operations: Vec<&Action> = operations
        .iter()
        .filter(|a| a.plane == Plane::Data)
        .collect();
    let vaults = &snapshot.vaults;
    let mut random = Vec::with_capacity(QUESTIONS);
    let mut holders = Vec::with_capacity(QUESTIONS);
    if !vaults.is_empty() && !identities.is_empty() {
        for _ in 0..QUESTIONS {
            if let (Some(v), Some(p), Some(a)) = (
                vaults.get(rng.below(vaults.len())),
                identities.get(rng.below(identities.len())),
                operations.get(rng.below(operations.len())),
            ) {
                random.push(Question {
                    principal: p.to_string(),
                    vault: v.scope.clone(),
                    action: a.clone(),
                });
            }
        }
        let mut attempts = 0;
        while holders.len() < QUESTIONS && attempts < QUESTIONS * 20 {
            attempts += 1;
            let Some(v) = vaults.get(rng.below(vaults.len())) else {
                break;
            };
            let mut named: Vec<&str> = engine
                .index
                .assignments_at
                .get(v.scope.key())
                .into_iter()
                .flatten()
                .filter_map(|&i| snapshot.role_assignments.get(i))
                .map(|a| a.principal_id.as_str())
                .collect();
            if !v.rbac_authorization {
                named.extend(v.access_policies.iter().map(|e| e.object_id.as_str()));
            }
            let Some(&id) = named.get(rng.below(named.len())) else {
                continue;
            };
            let id = if engine.index.is_group_with_members(id) {
                let members: Vec<String> = engine
                    .index
                    .transitive_members(id)
                    .into_iter()
                    .map(|(m, _)| m)
                    .filter(|m| !engine.index.is_group_with_members(m))
                    .collect();
                let Some(m) = members.get(rng.below(members.len())) else {
                    continue;
                };
                m.clone()
            } else {
                id.to_string()
            };
            if let Some(a) = data_operations.get(rng.below(data_operations.len())) {
                holders.push(Question {
                    principal: id,
                    vault: v.scope.clone(),
                    action: (*a).clone(),
                });
            }
        }
    }
    let typical_vault = vaults
        .get(rng.below(vaults.len()))
        .map_or_else(Scope::root, |v| v.scope.clone());
    let busy_vault = vaults
        .iter()
        .max_by_key(|v| {
            let above: usize = engine
                .index
                .ancestry(&v.scope)
                .scopes
                .iter()
                .map(|s| engine.index.assignments_at.get(s.key()).map_or(0, Vec::len))
                .sum();
            above + v.access_policies.len()
        })
        .map_or_else(Scope::root, |v| v.scope.clone());
    let user = users
        .get(rng.below(users.len()))
        .map_or_else(String::new, |u| u.to_string());
    for (label, vault) in [("typical", &typical_vault), ("busy", &busy_vault)] {
        let (assignments, named, identities) = reach(&engine, vault);
        eprintln!(
            "{name}: {label} vault {}: {assignments} role assignments at or above it, {named} distinct principals named, {identities} identities after group expansion",
            vault.name()
        );
    }
    let mut sizes: Vec<(usize, &str)> = snapshot
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::Group)
        .map(|g| {
            (
                engine.index.transitive_members(&g.id).len(),
                g.display_name.as_str(),
            )
        })
        .collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    let top: Vec<String> = sizes
        .iter()
        .take(5)
        .map(|(n, g)| format!("{g} {n}"))
        .collect();
    eprintln!(
        "{name}: largest groups (transitive members): {}",
        top.join(", ")
    );
    Tenant {
        file,
        text,
        engine,
        random,
        holders,
        typical_vault,
        busy_vault,
        user,
    }
}

/// How much a who-can at `vault` has to look at: assignments in its ancestry, the principals they (and the
/// vault's access policies) name, and the identities those expand to.
fn reach(engine: &Engine, vault: &Scope) -> (usize, usize, usize) {
    let snapshot = &*engine.snapshot;
    let mut named: Vec<&str> = Vec::new();
    for scope in &engine.index.ancestry(vault).scopes {
        for &i in engine
            .index
            .assignments_at
            .get(scope.key())
            .into_iter()
            .flatten()
        {
            if let Some(a) = snapshot.role_assignments.get(i) {
                named.push(&a.principal_id);
            }
        }
    }
    let assignments = named.len();
    if let Some(v) = engine
        .index
        .vault
        .get(vault.key())
        .and_then(|&i| snapshot.vaults.get(i))
    {
        named.extend(v.access_policies.iter().map(|e| e.object_id.as_str()));
    }
    named.sort_unstable();
    named.dedup();
    let mut identities: std::collections::HashSet<String> = std::collections::HashSet::new();
    for id in &named {
        if engine.index.is_group_with_members(id) {
            identities.extend(
                engine
                    .index
                    .transitive_members(id)
                    .into_iter()
                    .map(|(m, _)| m)
                    .filter(|m| !engine.index.is_group_with_members(m)),
            );
        } else {
            identities.insert(id.to_string());
        }
    }
    (assignments, named.len(), identities.len())
}

static SMALL: LazyLock<Tenant> = LazyLock::new(|| build("small", &SynthSpec::small(*SEED)));
static LARGE: LazyLock<Tenant> = LazyLock::new(|| build("large", &SynthSpec::large(*SEED)));

/// Peak memory of this process so far, and now, in kB (Linux).
fn memory_kb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// The child side: load the file one way and print `base_hwm peak_hwm rss_after`.
/// The engine side loads as the CLI does (`snapshot::load_file`, which drops the text once it is parsed).
fn probe(mode: &str, file: &Path) {
    let (base, _) = memory_kb();
    match mode {
        "value" => {
            // Timed as the escalations child times itself: from reading the file to the parsed tree.
            let started = Instant::now();
            let text = std::fs::read_to_string(file).unwrap_or_default();
            let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            drop(text);
            let seconds = started.elapsed().as_secs_f64();
            let (peak, rss) = memory_kb();
            println!("{base} {peak} {rss} {seconds}");
            black_box(&value);
            // The tree is not freed: the process ends here, and neither child counts its teardown.
            std::mem::forget(value);
        }
        "escalations" => {
            // `kvaccess escalations -o json` end to end, the output counted instead of written.
            let started = Instant::now();
            let snapshot = snapshot::load_file(file).unwrap_or_default();
            let engine = Engine::new(snapshot.clone());
            let answer = escalation_groups(&engine, None);
            let by_grant = GrantGroups::of(&engine, &answer);
            let mut bytes = Counting(0);
            let _ = serde_json::to_writer(&mut bytes, &by_grant);
            let seconds = started.elapsed().as_secs_f64();
            let (peak, rss) = memory_kb();
            println!(
                "{base} {peak} {rss} {} {seconds} {} {}",
                bytes.0, by_grant.grants, answer.findings
            );
        }
        _ => {
            let engine = Engine::new(snapshot::load_file(file).unwrap_or_default());
            let (peak, rss) = memory_kb();
            println!("{base} {peak} {rss}");
            black_box(&engine);
        }
    }
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

/// Tenant-wide grouped escalations end to end in a child process (time, peak RSS, output size), against
/// the bare `serde_json::Value` parse of the same file, both measured in this run. The floor is taken two
/// ways: in a child process of its own, reading the file and parsing as the escalations child does (both
/// start from a fresh process, so both pay for the memory they touch first), in rounds alternating with the
/// escalations child, medians compared; and in this process, of the text already in memory, once before.
fn measure_escalations(name: &str, tenant: &Tenant) {
    const ROUNDS: usize = 3;
    let bytes = tenant.text.len() as f64;
    let started = Instant::now();
    let value: serde_json::Value = serde_json::from_str(&tenant.text).unwrap_or_default();
    let in_process = started.elapsed().as_secs_f64();
    drop(value);
    let mut parses = Vec::new();
    let mut runs = Vec::new();
    for _ in 0..ROUNDS {
        if let [_, _, _, seconds] = child(&format!("value:{}", tenant.file.display()))[..] {
            parses.push(seconds);
        }
        if let [_, peak, _, size, seconds, groups, findings] =
            child(&format!("escalations:{}", tenant.file.display()))[..]
        {
            runs.push((seconds, peak, size, groups, findings));
        }
    }
    let (Some(parse), Some(&(seconds, peak, size, groups, findings))) =
        (median(&mut parses), median_by(&mut runs, |r| r.0))
    else {
        return;
    };
    let spread = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(0.0, f64::max);
        format!("{lo:.2}–{hi:.2} s")
    };
    let times: Vec<f64> = runs.iter().map(|r| r.0).collect();
    eprintln!(
        "escalations {name:5} tenant-wide: {seconds:.2} s end to end (median of {ROUNDS}, {}) = {:.2}x the bare Value parse in a child process ({parse:.2} s median, {}), {:.2}x the in-process parse of the text in memory ({in_process:.2} s); peak RSS {:.1} MB ({:.2}x the {:.1} MB file), {groups} grants for {findings} findings, JSON {:.1} MB",
        spread(&times),
        seconds / parse,
        spread(&parses),
        seconds / in_process,
        peak * 1024.0 / 1e6,
        peak * 1024.0 / bytes,
        bytes / 1e6,
        size / 1e6,
    );
}

/// This bench run again as a probe child (`mode:file`), its printed numbers.
fn child(request: &str) -> Vec<f64> {
    let exe = std::env::current_exe().unwrap_or_default();
    let Ok(out) = Command::new(&exe).env(PROBE_ENV, request).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect()
}

fn median(values: &mut [f64]) -> Option<f64> {
    median_by(values, |v| *v).copied()
}

fn median_by<T>(values: &mut [T], key: impl Fn(&T) -> f64) -> Option<&T> {
    values.sort_by(|a, b| key(a).total_cmp(&key(b)));
    values.get(values.len() / 2)
}

fn measure_memory(name: &str, tenant: &Tenant) {
    let bytes = tenant.text.len() as f64;
    for (mode, what) in [
        ("value", "serde_json::Value"),
        ("engine", "load_file + Engine::new"),
    ] {
        if let [base, peak, rss, ..] = child(&format!("{mode}:{}", tenant.file.display()))[..] {
            let mb = |kb: f64| kb * 1024.0 / 1e6;
            eprintln!(
                "memory {name:5} {what:20}: file {:7.1} MB, peak RSS {:7.1} MB ({:.2}x file; process baseline {:.1} MB), retained after dropping the text {:7.1} MB ({:.2}x)",
                bytes / 1e6,
                mb(peak),
                mb(peak) * 1e6 / bytes,
                mb(base),
                mb(rss),
                mb(rss) * 1e6 / bytes,
            );
        }
    }
}

/// On-CPU time of the current thread in nanoseconds (Linux schedstat): unlike wall time, it does not grow
/// when other processes compete for the CPU.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// On-CPU time of the whole process (every thread, finished ones included) in nanoseconds, from the
/// utime and stime clock ticks of /proc/self/stat: loading uses two threads, which this thread's time misses.
fn process_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the line; the state (field 3) is the first after the name.
    (ticks(11) + ticks(12)) * 10_000_000
}

/// Process CPU (all threads) and wall time of one call, in seconds.
fn timed_process<T>(f: impl FnOnce() -> T) -> (f64, f64, T) {
    let (cpu, wall) = (process_cpu_ns(), Instant::now());
    let out = f();
    let elapsed = wall.elapsed().as_secs_f64();
    (
        (process_cpu_ns().saturating_sub(cpu)) as f64 / 1e9,
        elapsed,
        out,
    )
}

/// CPU and wall time of one call, in seconds.
fn timed<T>(f: impl FnOnce() -> T) -> (f64, f64, T) {
    let (cpu, wall) = (cpu_ns(), Instant::now());
    let out = f();
    let elapsed = wall.elapsed().as_secs_f64();
    ((cpu_ns().saturating_sub(cpu)) as f64 / 1e9, elapsed, out)
}

fn fmt_s(s: f64) -> String {
    match s {
        s if s >= 1.0 => format!("{s:.2} s"),
        s if s >= 1e-3 => format!("{:.2} ms", s * 1e3),
        s => format!("{:.1} µs", s * 1e6),
    }
}

/// Per-question wall times (p50, p90, p99) and the mean CPU time over the whole batch (schedstat is only
/// updated at scheduler ticks, so it cannot time one question of a few microseconds).
fn per_question(questions: &[Question], mut f: impl FnMut(&Question)) -> String {
    let cpu = cpu_ns();
    let mut t: Vec<f64> = questions
        .iter()
        .map(|q| {
            let before = Instant::now();
            f(q);
            before.elapsed().as_secs_f64()
        })
        .collect();
    let cpu_mean = cpu_ns().saturating_sub(cpu) as f64 / 1e9 / t.len().max(1) as f64;
    t.sort_unstable_by(f64::total_cmp);
    let at = |p: f64| {
        t.get(((t.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let mean = t.iter().sum::<f64>() / t.len().max(1) as f64;
    format!(
        "cpu mean {}   wall p50 {}  p90 {}  p99 {}  mean {}  ({} questions)",
        fmt_s(cpu_mean),
        fmt_s(at(0.5)),
        fmt_s(at(0.9)),
        fmt_s(at(0.99)),
        fmt_s(mean),
        t.len()
    )
}

/// The headline figures in CPU time (KVACCESS_BENCH_CPU=1), for a machine shared with other work.
fn cpu_summary(name: &str, t: &Tenant, skip_busy_matrix: bool) {
    let report = |what: &str, cpu: f64, wall: f64| {
        eprintln!(
            "cpu {name:5} {what:28} cpu {:>10}   wall {:>10}",
            fmt_s(cpu),
            fmt_s(wall)
        );
    };
    let mut value = Vec::new();
    let mut load = Vec::new();
    for _ in 0..3 {
        let (cpu, wall, v) =
            timed(|| serde_json::from_str::<serde_json::Value>(&t.text).unwrap_or_default());
        drop(v);
        value.push((cpu, wall));
        let (cpu, wall, loaded) =
            timed_process(|| Engine::new(snapshot::parse(&t.text, &t.file).unwrap_or_default()));
        drop(loaded);
        load.push((cpu, wall));
    }
    let best = |v: &[(f64, f64)]| {
        v.iter()
            .copied()
            .fold((f64::MAX, f64::MAX), |a, b| (a.0.min(b.0), a.1.min(b.1)))
    };
    let (vc, vw) = best(&value);
    let (lc, lw) = best(&load);
    report("load: serde_json::Value", vc, vw);
    // Loading runs on two threads: its CPU is the whole process's (10 ms ticks), and its wall time is what a
    // user waits for.
    report("load: parse + Engine::new (2 thr)", lc, lw);
    eprintln!(
        "cpu {name:5} load+index / bare parse         cpu {:.2}x   wall {:.2}x",
        lc / vc,
        lw / vw
    );
    let engine = &t.engine;
    eprintln!(
        "cpu {name:5} check (random)              {}",
        per_question(&t.random, |q| drop(black_box(ask(engine, q))))
    );
    eprintln!(
        "cpu {name:5} check (holder)              {}",
        per_question(&t.holders, |q| drop(black_box(ask(engine, q))))
    );
    eprintln!(
        "cpu {name:5} subject (holder)            {}",
        per_question(&t.holders, |q| drop(black_box(
            engine.subject(&q.principal)
        )))
    );
    let action = secrets_get();
    for (label, vault) in [("typical", &t.typical_vault), ("busy", &t.busy_vault)] {
        let (cpu, wall, n) =
            timed(|| who_can(engine, vault, &action).map_or(0, |w| w.principals.len()));
        report(&format!("who-can {label} ({n} rows)"), cpu, wall);
        let (cpu, wall, n) = timed(|| who_can_grouped(engine, vault, &action));
        report(&format!("who-can {label} grouped ({n} groups)"), cpu, wall);
        let (cpu, wall, n) = timed(|| who_can_jsonl(engine, vault, &action));
        report(&format!("who-can {label} jsonl ({n} rows)"), cpu, wall);
        eprintln!(
            "cpu {name:5} who-can {label} jsonl rows/s        cpu {:.0}   wall {:.0}",
            n as f64 / cpu,
            n as f64 / wall
        );
        if label == "busy" && skip_busy_matrix {
            continue;
        }
        let (cpu, wall, n) = timed(|| matrix_for_vault(engine, vault).map_or(0, |m| m.rows.len()));
        report(&format!("matrix vault {label} ({n} rows)"), cpu, wall);
    }
    let (cpu, wall, n) = timed(|| matrix_for_principal(engine, &t.user, None).rows.len());
    report(&format!("matrix principal ({n} rows)"), cpu, wall);
}

fn main() {
    if let Ok(request) = std::env::var(PROBE_ENV) {
        let (mode, file) = request.split_once(':').unwrap_or(("engine", &request));
        probe(mode, Path::new(file));
        return;
    }
    let large = std::env::var_os(LARGE_ENV).is_some_and(|v| !v.is_empty() && v != "0");
    let test_mode = std::env::args().any(|a| a == "--test");
    let mut divan = divan::Divan::from_args();
    if !large {
        divan = divan.skip_regex("large::");
    }
    LazyLock::force(&SMALL);
    if large {
        LazyLock::force(&LARGE);
    }
    let preamble = std::env::var_os("KVACCESS_BENCH_SKIP_PREAMBLE").is_none_or(|v| v == "0");
    if !test_mode && preamble {
        measure_memory("small", &SMALL);
        measure_escalations("small", &SMALL);
        if large {
            measure_memory("large", &LARGE);
            measure_escalations("large", &LARGE);
        }
        if std::env::var(LARGE_ENV).is_ok_and(|v| v == "xl") {
            // 500k principals, 20k vaults, 1M role assignments: built only on request (a 1 GB file).
            let xl = build("xl", &SynthSpec::new(500_000, 20_000, 1_000_000, *SEED));
            measure_memory("xl", &xl);
            measure_escalations("xl", &xl);
            who_can_busy("xl", &xl);
        }
    }
    if std::env::var_os("KVACCESS_BENCH_CPU").is_some_and(|v| v != "0") && !test_mode {
        cpu_summary("small", &SMALL, false);
        if large {
            cpu_summary("large", &LARGE, true);
        }
    }
    divan.run_benches();
    let _ = std::fs::remove_dir_all(work_dir());
}

fn next<'t>(list: &'t [Question], at: &mut usize) -> &'t Question {
    *at = (*at + 1) % list.len().max(1);
    &list[*at]
}

fn ask(engine: &Engine, q: &Question) -> Option<kvaccess::eval::Verdict> {
    let subject = engine.subject(&q.principal);
    let target = engine.target(&q.vault);
    engine
        .check(&Request::new(&subject, &target, &q.action))
        .ok()
}

fn prepared<'e>(engine: &'e Engine, q: &'e Question) -> (Subject, Target<'e>, &'e Action) {
    (
        engine.subject(&q.principal),
        engine.target(&q.vault),
        &q.action,
    )
}

/// who-can grouped by deciding grant (not expanded): the number of groups.
fn who_can_grouped(engine: &Engine, vault: &Scope, action: &Action) -> usize {
    grouped_who_can(engine, vault, action, None).map_or(0, |w| w.answer.groups.len())
}

/// who-can's flat answer streamed as JSON lines from the grouped answer to a sink (what `--output jsonl >
/// /dev/null` does): the number of rows.
fn who_can_jsonl(engine: &Engine, vault: &Scope, action: &Action) -> usize {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::sink());
    let Ok(grouped) = grouped_who_can(engine, vault, action, None) else {
        return 0;
    };
    grouped
        .write_jsonl(engine, &mut out)
        .and_then(|rows| out.flush().map(|()| rows))
        .unwrap_or(0)
}

/// who-can on the busiest vault after load, grouped and as JSON lines end to end: the median wall time of 10
/// runs each (the extra-large tenant has no divan benches).
fn who_can_busy(name: &str, t: &Tenant) {
    let action = secrets_get();
    let median = |f: &dyn Fn() -> usize| {
        let mut runs: Vec<(f64, usize)> = (0..10)
            .map(|_| {
                let (_, wall, n) = timed(f);
                (wall, n)
            })
            .collect();
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        runs.get(runs.len() / 2).copied().unwrap_or_default()
    };
    let (grouped, groups) = median(&|| who_can_grouped(&t.engine, &t.busy_vault, &action));
    let (jsonl, rows) = median(&|| who_can_jsonl(&t.engine, &t.busy_vault, &action));
    eprintln!(
        "{name}: who-can busiest vault {}: grouped {} median ({groups} groups); jsonl end to end {} median, {rows} rows: {:.0} rows/s",
        t.busy_vault.name(),
        fmt_s(grouped),
        fmt_s(jsonl),
        rows as f64 / jsonl
    );
}

fn secrets_get() -> Action {
    catalog::resolve("secrets/get").unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    })
}

/// The same benches for both tenants; `$load` and `$slow` are divan options for the expensive ones.
macro_rules! suite {
    ($module:ident, $tenant:ident, load($($load:tt)*), query($($query:tt)*), slow($($slow:tt)*)) => {
        mod $module {
            use super::*;

            /// Baseline: the file text to a generic JSON tree, nothing else.
            #[divan::bench($($load)*)]
            fn load_1_json_value() -> serde_json::Value {
                serde_json::from_str(black_box(&$tenant.text)).unwrap_or_default()
            }

            /// What the CLI does before any question: typed parse + validation + index.
            #[divan::bench($($load)*)]
            fn load_2_parse_and_index() -> Engine {
                Engine::new(snapshot::parse(black_box(&$tenant.text), &$tenant.file).unwrap_or_default())
            }

            #[divan::bench($($load)*)]
            fn load_3_parse_only() -> Snapshot {
                snapshot::parse(black_box(&$tenant.text), &$tenant.file).unwrap_or_default()
            }

            #[divan::bench($($load)*)]
            fn load_4_index_only() -> kvaccess::eval::index::Index {
                Engine::new(black_box($tenant.engine.snapshot.clone())).index
            }

            /// subject + target + check for a random identity, vault and operation.
            #[divan::bench(sample_count = 2000)]
            fn check_random(b: divan::Bencher) {
                let mut at = 0;
                b.with_inputs(|| next(&$tenant.random, &mut at)).bench_local_values(|q| ask(&$tenant.engine, q));
            }

            /// subject + target + check for an identity that a grant at the vault names.
            #[divan::bench(sample_count = 2000)]
            fn check_holder(b: divan::Bencher) {
                let mut at = 0;
                b.with_inputs(|| next(&$tenant.holders, &mut at)).bench_local_values(|q| ask(&$tenant.engine, q));
            }

            /// `Engine::check` alone, subject and target prepared outside the timing.
            #[divan::bench(sample_count = 2000)]
            fn check_only_holder(b: divan::Bencher) {
                let mut at = 0;
                b.with_inputs(|| prepared(&$tenant.engine, next(&$tenant.holders, &mut at)))
                    .bench_local_values(|(s, t, a)| $tenant.engine.check(&Request::new(&s, &t, a)).ok());
            }

            /// `engine.subject` alone (the principal's transitive groups).
            #[divan::bench(sample_count = 2000)]
            fn subject_only(b: divan::Bencher) {
                let mut at = 0;
                b.with_inputs(|| next(&$tenant.holders, &mut at)).bench_local_values(|q| $tenant.engine.subject(&q.principal));
            }

            #[divan::bench($($query)*)]
            fn who_can_typical_vault() -> usize {
                who_can(&$tenant.engine, &$tenant.typical_vault, &secrets_get()).map_or(0, |w| w.principals.len())
            }

            #[divan::bench($($query)*)]
            fn who_can_busy_vault() -> usize {
                who_can(&$tenant.engine, &$tenant.busy_vault, &secrets_get()).map_or(0, |w| w.principals.len())
            }

            /// who-can on the busiest vault, grouped by deciding grant, built from the grants: compare with
            /// `who_can_busy_vault` (the flat answer) in the same run.
            #[divan::bench($($query)*)]
            fn who_can_grouped_busy_vault() -> usize {
                who_can_grouped(&$tenant.engine, &$tenant.busy_vault, &secrets_get())
            }

            /// who-can on the busiest vault streamed as JSON lines to a sink, the grouped answer built in
            /// each run; divan reports rows per second.
            #[divan::bench($($query)*)]
            fn who_can_jsonl_busy_vault(b: divan::Bencher) {
                let rows = who_can_jsonl(&$tenant.engine, &$tenant.busy_vault, &secrets_get());
                b.counter(divan::counter::ItemsCount::new(rows))
                    .bench(|| who_can_jsonl(&$tenant.engine, &$tenant.busy_vault, &secrets_get()));
            }

            /// The rows alone: the busiest vault's grouped answer (built once) streamed as JSON lines.
            #[divan::bench($($query)*)]
            fn who_can_jsonl_rows_busy_vault(b: divan::Bencher) {
                use std::io::Write;
                let engine = &$tenant.engine;
                let Ok(grouped) = grouped_who_can(engine, &$tenant.busy_vault, &secrets_get(), None) else {
                    return;
                };
                let rows = grouped.write_jsonl(engine, &mut std::io::sink()).unwrap_or(0);
                b.counter(divan::counter::ItemsCount::new(rows)).bench(|| {
                    let mut out = std::io::BufWriter::new(std::io::sink());
                    grouped.write_jsonl(engine, &mut out).and_then(|n| out.flush().map(|()| n))
                });
            }

            #[divan::bench($($query)*)]
            fn matrix_for_vault_typical() -> usize {
                matrix_for_vault(&$tenant.engine, &$tenant.typical_vault).map_or(0, |m| m.rows.len())
            }

            #[divan::bench($($query)*)]
            fn matrix_for_vault_busy() -> usize {
                matrix_for_vault(&$tenant.engine, &$tenant.busy_vault).map_or(0, |m| m.rows.len())
            }

            /// Every vault's self-escalation paths, grouped by grant.
            #[divan::bench($($slow)*)]
            fn escalations_grouped_tenant_wide() -> usize {
                escalation_groups(&$tenant.engine, None).groups.len()
            }

            /// One user across every vault in the tenant.
            #[divan::bench($($slow)*)]
            fn matrix_for_principal_user() -> usize {
                matrix_for_principal(&$tenant.engine, &$tenant.user, None).rows.len()
            }
        }
    };
}

suite!(
    small,
    SMALL,
    load(),
    query(sample_count = 20, sample_size = 1, max_time = 30),
    slow(sample_count = 20, sample_size = 1, max_time = 30)
);
suite!(
    large,
    LARGE,
    load(sample_count = 5, sample_size = 1, max_time = 60),
    query(sample_count = 10, sample_size = 1, max_time = 60),
    slow(sample_count = 3, sample_size = 1, max_time = 60)
);
