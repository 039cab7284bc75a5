//! The live explorer's rebuild, split the way it runs: the UI thread's share (take the collected data out
//! of the store as shared chunks, move the app onto the new engine with the tree and directory the worker
//! built, keep the selection) and the worker's share (build and parse the document, mark unread
//! sections, build the engine's lookups, the tree and the directory). A rebuild happens at most every 400 ms while a tenant is being read.
//!
//! `cargo bench --bench live` runs the demo and a mid-size tenant (20 000 principals, 2 000 vaults, 40 000
//! role assignments); `KVACCESS_BENCH_LARGE=1` adds the large one (100 000 / 10 000 / 200 000).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::OnceLock;

use divan::Bencher;
use kvaccess::eval::Engine;
use kvaccess::fetch::{Collected, Section, StateStore};
use kvaccess::model::Snapshot;
use kvaccess::synth::{self, SynthSpec};
use kvaccess::tui::action::Msg;
use kvaccess::tui::app::Derived;
use kvaccess::tui::theme::ThemeKind;
use kvaccess::tui::{App, Options, live};

fn main() {
    let mut d = divan::Divan::from_args();
    if std::env::var("KVACCESS_BENCH_LARGE").as_deref() != Ok("1") {
        d = d.skip_regex("large");
    }
    d.main();
}

struct Tenant {
    snapshot: Snapshot,
    store: StateStore,
    collected: Collected,
}

/// A tenant and a store holding it as a fetch would (every section added).
fn tenant(snapshot: Snapshot) -> Tenant {
    let doc = kvaccess::snapshot::to_json(&snapshot);
    let mut store = StateStore::new(snapshot.cloud);
    for s in Section::ALL {
        let items = doc[s.key()].as_array().cloned().unwrap_or_default();
        store.add(s, items);
    }
    let collected = store.collected();
    Tenant {
        snapshot,
        store,
        collected,
    }
}

fn demo() -> &'static Tenant {
    static T: OnceLock<Tenant> = OnceLock::new();
    T.get_or_init(|| tenant(kvaccess::snapshot::demo()))
}

fn mid() -> &'static Tenant {
    static T: OnceLock<Tenant> = OnceLock::new();
    T.get_or_init(|| tenant(synth::generate(&SynthSpec::new(20_000, 2_000, 40_000, 1))))
}

fn large() -> &'static Tenant {
    static T: OnceLock<Tenant> = OnceLock::new();
    T.get_or_init(|| tenant(synth::generate(&SynthSpec::large(1))))
}

/// The UI thread's share: the data taken out of the store, the app moved onto the engine with the derived
/// state the worker built, then brought in line with the selection (what the next frame needs).
fn ui_share(b: Bencher, t: &'static Tenant) {
    let engine = Arc::new(Engine::new(t.snapshot.clone()));
    let mut app = App::new(engine.clone(), Options::plain("bench"));
    app.live = Some(live::LiveState::new(t.snapshot.cloud, None));
    let _ = app.handle(Msg::Resize(160, 48));
    let theme = app.theme;
    b.with_inputs(|| Derived::build(&engine, &theme))
        .bench_local_values(|derived| {
            let doc = t.store.collected();
            app.engine = engine.clone();
            app.refresh_derived_from(derived);
            let effects = app.handle(Msg::Resize(160, 48));
            (doc, effects)
        });
}

/// Of the UI thread's share, taking the collected data alone.
fn copy_only(b: Bencher, t: &'static Tenant) {
    b.bench_local(|| t.store.collected());
}

/// The worker's share: build the document, parse it, mark still-collecting sections, build the lookups.
fn worker_share(b: Bencher, t: &'static Tenant) {
    b.bench_local(|| live::index(&t.collected, true, 1, ThemeKind::Dark));
}

mod demo_tenant {
    use super::*;

    #[divan::bench]
    fn rebuild_ui_thread(b: Bencher) {
        ui_share(b, demo());
    }

    #[divan::bench]
    fn rebuild_worker(b: Bencher) {
        worker_share(b, demo());
    }
}

mod mid_tenant {
    use super::*;

    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn rebuild_ui_thread(b: Bencher) {
        ui_share(b, mid());
    }

    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn rebuild_worker(b: Bencher) {
        worker_share(b, mid());
    }

    #[divan::bench(sample_count = 10, sample_size = 1)]
    fn rebuild_ui_thread_copy_only(b: Bencher) {
        copy_only(b, mid());
    }
}

mod large_tenant {
    use super::*;

    #[divan::bench(sample_count = 5, sample_size = 1)]
    fn rebuild_ui_thread(b: Bencher) {
        ui_share(b, large());
    }

    #[divan::bench(sample_count = 5, sample_size = 1)]
    fn rebuild_worker(b: Bencher) {
        worker_share(b, large());
    }
}
