//! Attack-path benchmarks (divan): building the hop graph, `paths --to` one vault (the grouped answer, as
//! the CLI's text and JSON print it) and `paths --from` one principal, on a synthetic tenant with hop data.
//!
//! ```text
//! cargo bench --bench paths                          # small: 1k principals, 50 vaults, 200 compute, 100 apps
//! KVACCESS_BENCH_LARGE=1 cargo bench --bench paths   # also large: the 100k-principal tenant + 20k compute + 10k apps
//! ```
//!
//! Before the timings each tenant is written to a file and measured in a child process (peak RSS of
//! `load_file` + `Engine::new` + `HopGraph::build`, against the file size), and the graph build is timed
//! against the bare `serde_json::Value` parse of the same file.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;
use std::time::Instant;

use kvaccess::catalog::{self, Action};
use kvaccess::eval::Engine;
use kvaccess::model::{PrincipalKind, Scope};
use kvaccess::paths::{HopGraph, HopKind, paths_from, paths_to_grouped};
use kvaccess::snapshot;
use kvaccess::synth::{SynthSpec, generate};

const LARGE_ENV: &str = "KVACCESS_BENCH_LARGE";
const PROBE_ENV: &str = "KVACCESS_BENCH_PATHS_PROBE";
const SEED: u64 = 42;
const MAX_HOPS: usize = 4;

struct Tenant {
    engine: Engine,
    graph: HopGraph,
    /// The vault whose `secrets/get` paths are asked for: the one most compute identities reach.
    vault: Scope,
    /// A user who controls compute resources (a `runs as` hop starts at it).
    user: String,
    action: Action,
}

fn work_dir() -> PathBuf {
    std::env::temp_dir().join(format!("kvaccess-bench-paths-{}", std::process::id()))
}

fn spec(large: bool) -> SynthSpec {
    if large {
        SynthSpec {
            compute_resources: 20_000,
            applications: 10_000,
            ..SynthSpec::large(SEED)
        }
    } else {
        SynthSpec {
            compute_resources: 200,
            applications: 100,
            ..SynthSpec::small(SEED)
        }
    }
}

fn build(name: &str, spec: &SynthSpec) -> Tenant {
    let dir = work_dir();
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("{name}.json"));
    let generated = generate(spec);
    if let Err(e) = snapshot::save(&generated, &file) {
        eprintln!("{e}");
        std::process::exit(1);
    }
    drop(generated);
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let bytes = text.len() as f64;
    let started = Instant::now();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let parse = started.elapsed().as_secs_f64();
    drop(value);
    drop(text);
    let started = Instant::now();
    let engine = Engine::new(snapshot::load_file(&file).unwrap_or_default());
    let load = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let graph = HopGraph::build(&engine);
    let hops = started.elapsed().as_secs_f64();
    eprintln!(
        "paths {name:5}: file {:.1} MB; bare Value parse {parse:.2} s; load_file + Engine::new {load:.2} s; HopGraph::build {hops:.3} s ({:.3}x the parse)",
        bytes / 1e6,
        hops / parse,
    );
    measure_memory(name, &file, bytes);
    let (vault, user) = targets(&engine, &graph);
    Tenant {
        engine,
        graph,
        vault,
        user,
        action: catalog::resolve("secrets/get").unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(1)
        }),
    }
}

/// The first user with a `runs as` hop, and the vault most managed identities hold something on.
fn targets(engine: &Engine, graph: &HopGraph) -> (Scope, String) {
    let identities = engine.snapshot.hops.resources.iter().flatten();
    let user = identities
        .filter_map(|r| r.principal_id.as_deref())
        .flat_map(|mi| graph.edges_into(engine, mi))
        .filter(|h| h.kind == HopKind::RunsAs)
        .map(|h| h.from)
        .find(|id| {
            engine
                .index
                .principal
                .get(id)
                .and_then(|&i| engine.snapshot.principals.get(i))
                .is_some_and(|p| p.kind == PrincipalKind::User)
        })
        .unwrap_or_default();
    let vault = engine
        .snapshot
        .vaults
        .iter()
        .max_by_key(|v| v.access_policies.len())
        .map(|v| v.scope.clone())
        .unwrap_or_else(Scope::root);
    (vault, user)
}

/// Peak RSS of loading the file, building the engine and the hop graph, in a child process.
fn measure_memory(name: &str, file: &Path, bytes: f64) {
    let exe = std::env::current_exe().unwrap_or_default();
    let Ok(out) = Command::new(&exe).env(PROBE_ENV, file.as_os_str()).output() else {
        return;
    };
    let fields: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    if let [base, engine, peak] = fields[..] {
        let mb = |kb: f64| kb * 1024.0 / 1e6;
        eprintln!(
            "paths {name:5}: peak RSS of load_file + Engine::new + HopGraph::build {:.1} MB ({:.2}x the {:.1} MB file; load_file + Engine::new alone {:.1} MB; process baseline {:.1} MB)",
            mb(peak),
            mb(peak) * 1e6 / bytes,
            bytes / 1e6,
            mb(engine),
            mb(base)
        );
    }
}

fn memory_kb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn probe(file: &Path) {
    let (base, _) = memory_kb();
    let engine = Engine::new(snapshot::load_file(file).unwrap_or_default());
    let (_, loaded) = memory_kb();
    let graph = HopGraph::build(&engine);
    let (_, peak) = memory_kb();
    println!("{base} {loaded} {peak}");
    black_box((&engine, &graph));
}

static SMALL: LazyLock<Tenant> = LazyLock::new(|| build("small", &spec(false)));
static LARGE: LazyLock<Tenant> = LazyLock::new(|| build("large", &spec(true)));

/// The grouped answer (search, last hops, tree of ways in); the starts it counts.
fn to_one_vault(t: &Tenant) -> usize {
    paths_to_grouped(&t.engine, &t.graph, &t.vault, &t.action, MAX_HOPS).map_or(0, |p| p.starts)
}

fn from_one_principal(t: &Tenant) -> usize {
    paths_from(&t.engine, &t.graph, &t.user, MAX_HOPS)
        .reached
        .len()
}

#[divan::bench_group(sample_count = 10)]
mod small {
    use super::*;

    #[divan::bench]
    fn paths_to_one_vault() -> usize {
        to_one_vault(&SMALL)
    }

    #[divan::bench]
    fn paths_from_one_principal() -> usize {
        from_one_principal(&SMALL)
    }
}

#[divan::bench_group(sample_count = 5)]
mod large {
    use super::*;

    #[divan::bench]
    fn paths_to_one_vault() -> usize {
        to_one_vault(&LARGE)
    }

    #[divan::bench]
    fn paths_from_one_principal() -> usize {
        from_one_principal(&LARGE)
    }
}

fn main() {
    if let Some(file) = std::env::var_os(PROBE_ENV) {
        probe(Path::new(&file));
        return;
    }
    let large = std::env::var_os(LARGE_ENV).is_some_and(|v| !v.is_empty() && v != "0");
    let mut divan = divan::Divan::from_args();
    if !large {
        divan = divan.skip_regex("large::");
    }
    let small = &*SMALL;
    eprintln!(
        "paths small: --to {} starts, --from {} reached",
        to_one_vault(small),
        from_one_principal(small)
    );
    if large {
        let t = &*LARGE;
        eprintln!(
            "paths large: --to {} starts, --from {} reached",
            to_one_vault(t),
            from_one_principal(t)
        );
    }
    divan.run_benches();
    let _ = std::fs::remove_dir_all(work_dir());
}
