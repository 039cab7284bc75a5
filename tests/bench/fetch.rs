//! The fetcher against a mock tenant of 50 subscriptions × 20 vaults with 30 ms injected latency per
//! request, on 127.0.0.1. Prints, per configuration: requests, wall time, the dependency depth, and the
//! ratio of the wall time to the lower bound
//!   max(depth, ceil(requests / concurrency)) × latency
//! (no schedule can beat the longest chain of dependent requests, nor `concurrency` requests per latency).
//!
//! `cargo bench --bench fetch` measures the default run (no vault items); `KVACCESS_BENCH_LARGE=1` adds the
//! runs with `--include-items` (3 000 more data-plane requests).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../it/support.rs"]
mod support;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use kvaccess::fetch::{
    Completeness, Credentials, FetchOptions, FetchOutcome, FetchRequest, Fetcher,
};
use support::{MockAzureServer, Tenant};

const SUBSCRIPTIONS: usize = 50;
const VAULTS: usize = 20;
const LATENCY: Duration = Duration::from_millis(30);

/// `KVACCESS_BENCH_LATENCY_MS` overrides the injected latency (0 shows the client's and mock's own cost).
fn latency() -> Duration {
    std::env::var("KVACCESS_BENCH_LATENCY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(LATENCY, Duration::from_millis)
}

struct Env {
    runtime: tokio::runtime::Runtime,
    mock: MockAzureServer,
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let mock = runtime.block_on(MockAzureServer::start(|base| {
            Tenant::synthetic(base, SUBSCRIPTIONS, VAULTS)
        }));
        mock.set_latency(latency());
        Env { runtime, mock }
    })
}

fn run(concurrency: usize, include_items: bool) -> (FetchOutcome, Duration) {
    let env = env();
    let mut options = FetchOptions::default().with_concurrency(concurrency);
    options.http.no_proxy = true;
    options.stream_sections = false; // as `kvaccess fetch` runs it
    let fetcher =
        Fetcher::new(env.mock.cloud(), Credentials::fixed("bench-token"), options).unwrap();
    let request = FetchRequest {
        include_items,
        ..FetchRequest::default()
    };
    // As `kvaccess fetch` does: the run is a task on the runtime's workers.
    env.runtime.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
        let started = Instant::now();
        let out = tokio::spawn(async move { fetcher.run(&request, tx).await })
            .await
            .unwrap()
            .unwrap();
        let wall = started.elapsed();
        drain.await.unwrap();
        (out, wall)
    })
}

/// Three runs; the one with the median wall time is reported.
fn report(concurrency: usize, include_items: bool) {
    let mut runs: Vec<(FetchOutcome, Duration)> =
        (0..3).map(|_| run(concurrency, include_items)).collect();
    runs.sort_by_key(|(_, wall)| *wall);
    let (out, wall) = runs.swap_remove(1);
    assert_eq!(
        out.completeness(),
        Completeness::Complete,
        "{:?}",
        out.errors
    );
    assert_eq!(out.snapshot.vaults.len(), SUBSCRIPTIONS * VAULTS);
    let s = out.stats;
    let work = s.requests.div_ceil(concurrency as u64);
    let bound = latency() * work.max(u64::from(s.depth)) as u32;
    println!(
        "items {:<5} concurrency {concurrency:>2}: {:>5} requests, depth {}, wall {:>5.0} ms (collection {:>4} ms + snapshot build), \
         lower bound {:>4.0} ms = max(depth {}, ceil(requests/concurrency) {work}) x {} ms, ratio {:.2}",
        include_items,
        s.requests,
        s.depth,
        wall.as_secs_f64() * 1000.0,
        s.elapsed_ms,
        bound.as_secs_f64() * 1000.0,
        s.depth,
        latency().as_millis(),
        wall.as_secs_f64() / bound.as_secs_f64(),
    );
}

fn main() {
    println!(
        "mock tenant: {SUBSCRIPTIONS} subscriptions x {VAULTS} vaults, {} ms per request (median of 3 runs)",
        latency().as_millis()
    );
    let large = std::env::var("KVACCESS_BENCH_LARGE").is_ok_and(|v| v == "1");
    for concurrency in [16, 32] {
        report(concurrency, false);
    }
    if large {
        for concurrency in [16, 32, 64] {
            report(concurrency, true);
        }
    }
    divan::main();
}

/// The default `kvaccess fetch` on the mock tenant (ARM and Graph, no vault items), concurrency 16.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn fetch_50x20_default(bencher: divan::Bencher) {
    bencher.bench(|| run(16, false));
}
