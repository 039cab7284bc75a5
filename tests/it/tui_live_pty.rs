//! `kvaccess tui --live` as a user runs it, in a real pseudo-terminal (tmux), against the mock Azure on
//! 127.0.0.1 (`--auth token`, `--cloud-config`), with a temporary HOME and XDG_CACHE_HOME: the cached
//! snapshot opens first, the refreshed one replaces it (mode 0600), quitting mid-fetch saves nothing and
//! restores the terminal, and missing credentials are reported inside the explorer. Without tmux the tests
//! say so and pass without running (CI installs it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support;
use crate::tmux;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use support::*;
use tmux::Tmux;

/// The tenant the fetcher records for the mock (its two subscriptions name two tenants; the store keeps
/// the majority, ties going to the smaller id).
const TENANT: &str = "2a0ff0de-96b2-4859-bb7c-a430d07a3e0c";

struct Home {
    dir: tempfile::TempDir,
    cloud: PathBuf,
}

impl Home {
    fn new(mock: &MockAzureServer) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let cloud = dir.path().join("cloud.json");
        std::fs::write(&cloud, mock.cloud_json()).unwrap();
        Self { dir, cloud }
    }

    fn snapshots(&self) -> PathBuf {
        self.dir.path().join("cache/kvaccess/snapshots")
    }

    fn cached(&self) -> PathBuf {
        self.snapshots().join(format!("AzureCloud-{TENANT}.json"))
    }

    /// The shell command starting the live explorer with this HOME and cache, tokens given or not.
    fn command(&self, tokens: bool) -> String {
        let tokens = if tokens {
            "KVACCESS_ARM_TOKEN=arm-token-abc123 KVACCESS_GRAPH_TOKEN=graph-token-abc123 KVACCESS_VAULT_TOKEN=vault-token-abc123"
        } else {
            ""
        };
        format!(
            "clear; env -u KVACCESS_CACHE_DIR -u KVACCESS_SNAPSHOT -u KVACCESS_ARM_TOKEN HOME={home} XDG_CACHE_HOME={home}/cache XDG_CONFIG_HOME={home}/config {tokens} {bin} tui --live --tenant {TENANT} --auth token --cloud-config {cloud} --concurrency 2; echo EXITED-$((40+2))",
            home = self.dir.path().display(),
            bin = env!("CARGO_BIN_EXE_kvaccess"),
            cloud = self.cloud.display(),
        )
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The demo tenant as a cached snapshot of the mock's tenant, with a vault only the cache has.
fn plant_cache(home: &Home) {
    let mut doc: Value = serde_json::from_str(kvaccess::snapshot::DEMO_JSON).unwrap();
    doc["tenantId"] = TENANT.into();
    doc["collectedAt"] = "2026-11-01T00:00:00Z".into();
    doc["vaults"][0]["name"] = "kv-only-in-cache".into();
    kvaccess::fetch::cache::write_private(&home.cached(), &doc).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_opens_the_cached_snapshot_then_replaces_it_with_a_fresh_private_one() {
    let Some(tmux) = Tmux::start("live-refresh", 140, 35) else {
        return;
    };
    let mock = MockAzureServer::start(Tenant::realistic).await;
    // Slow enough that the cached snapshot is on screen while the refresh runs.
    mock.set_latency(Duration::from_millis(150));
    let home = Home::new(&mock);
    plant_cache(&home);
    let cmd = home.command(true);
    let (tmux, home) = tokio::task::spawn_blocking(move || {
        tmux.keys(&[&cmd, "Enter"]);
        let s = tmux.wait_for("cached snapshot from 2026-11-01 00:00:00 UTC — refreshing…");
        assert!(s.contains("kv-only-in-cache"), "{s}");
        let s = tmux.wait_for("live snapshot from");
        assert!(s.contains("✓ complete at"), "{s}");
        assert!(!s.contains("token-abc123"), "{s}");
        let s = tmux.wait_for("kv-rbac");
        assert!(
            !s.contains("kv-only-in-cache"),
            "the fresh data replaced the cache:\n{s}"
        );
        tmux.keys(&["L"]);
        tmux.wait_for("Fetch log");
        // The save is reported once the file is in place (the log redraws at the next tick).
        tmux.wait_for("cached as");
        tmux.keys(&["Escape"]);
        std::thread::sleep(Duration::from_millis(300));
        tmux.keys(&["q"]);
        tmux.wait_for("EXITED-42");
        tmux.assert_modes_restored();
        (tmux, home)
    })
    .await
    .unwrap();
    drop(tmux);
    let files = files_in(&home.snapshots());
    assert_eq!(
        files,
        vec![format!("AzureCloud-{TENANT}.json")],
        "{files:?}"
    );
    let fresh = kvaccess::snapshot::load_file(&home.cached()).unwrap();
    assert!(fresh.vaults.iter().any(|v| v.name == "kv-rbac"));
    assert!(fresh.vaults.iter().all(|v| v.name != "kv-only-in-cache"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.cached())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
    let text = std::fs::read_to_string(home.cached()).unwrap();
    assert!(!text.contains("token-abc123"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_mid_fetch_saves_nothing_and_restores_the_terminal() {
    let Some(tmux) = Tmux::start("live-quit", 140, 35) else {
        return;
    };
    let mock = MockAzureServer::start(Tenant::realistic).await;
    mock.set_latency(Duration::from_secs(3));
    let home = Home::new(&mock);
    let cmd = home.command(true);
    let (tmux, home) = tokio::task::spawn_blocking(move || {
        tmux.keys(&[&cmd, "Enter"]);
        tmux.wait_for("collecting…");
        tmux.wait_for("⟳ read");
        tmux.keys(&["q"]);
        tmux.wait_for("EXITED-42");
        tmux.assert_modes_restored();
        (tmux, home)
    })
    .await
    .unwrap();
    drop(tmux);
    assert!(files_in(&home.snapshots()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_are_reported_in_the_explorer_not_a_crash() {
    let Some(tmux) = Tmux::start("live-auth", 140, 35) else {
        return;
    };
    let mock = MockAzureServer::start(Tenant::realistic).await;
    let home = Home::new(&mock);
    plant_cache(&home);
    let before = std::fs::read(home.cached()).unwrap();
    let cmd = home.command(false);
    let (tmux, home) = tokio::task::spawn_blocking(move || {
        tmux.keys(&[&cmd, "Enter"]);
        let s = tmux.wait_for("live fetch failed");
        assert!(s.contains("KVACCESS_ARM_TOKEN"), "says what to set:\n{s}");
        assert!(
            s.contains("kv-only-in-cache"),
            "the cached data stays:\n{s}"
        );
        tmux.keys(&["L"]);
        let s = tmux.wait_for("FAILED");
        assert!(s.contains("KVACCESS_ARM_TOKEN"), "{s}");
        tmux.keys(&["Escape"]);
        std::thread::sleep(Duration::from_millis(300));
        tmux.keys(&["q"]);
        tmux.wait_for("EXITED-42");
        tmux.assert_modes_restored();
        (tmux, home)
    })
    .await
    .unwrap();
    drop(tmux);
    assert_eq!(
        std::fs::read(home.cached()).unwrap(),
        before,
        "the cache is untouched"
    );
}
