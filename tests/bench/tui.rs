//! Explorer timings on ratatui's `TestBackend`: time to first frame (engine + app + one draw), one frame
//! redrawn, and a keypress to its redrawn frame, on the demo tenant and on a large synthetic one.
//!
//! `cargo bench --bench tui` runs the demo benches; `KVACCESS_BENCH_LARGE=1 cargo bench --bench tui` adds
//! the large tenant (100 000 principals, 10 000 vaults, 200 000 role assignments), which takes a while to
//! generate.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::OnceLock;

use divan::Bencher;
use kvaccess::eval::Engine;
use kvaccess::model::Snapshot;
use kvaccess::synth::{self, SynthSpec};
use kvaccess::tui::action::Msg;
use kvaccess::tui::script::{keys, settle};
use kvaccess::tui::{App, Options, pane};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const W: u16 = 160;
const H: u16 = 48;

fn main() {
    let mut d = divan::Divan::from_args();
    if std::env::var("KVACCESS_BENCH_LARGE").as_deref() != Ok("1") {
        d = d.skip_regex("large");
    }
    d.main();
}

fn demo() -> &'static Snapshot {
    static S: OnceLock<Snapshot> = OnceLock::new();
    S.get_or_init(kvaccess::snapshot::demo)
}

fn large() -> &'static Snapshot {
    static S: OnceLock<Snapshot> = OnceLock::new();
    S.get_or_init(|| synth::generate(&SynthSpec::new(100_000, 10_000, 200_000, 1)))
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(W, H)).unwrap()
}

fn first_frame(b: Bencher, s: &'static Snapshot) {
    b.bench_local(|| {
        let engine = Arc::new(Engine::new(s.clone()));
        let mut app = App::new(engine.clone(), Options::plain("bench"));
        let effects = app.handle(Msg::Resize(W, H));
        settle(&mut app, effects);
        let mut t = terminal();
        t.draw(|f| pane::draw(f, &app)).unwrap();
    });
}

fn redraw(b: Bencher, s: &'static Snapshot) {
    let engine = Arc::new(Engine::new(s.clone()));
    let mut app = App::new(engine.clone(), Options::plain("bench"));
    let _ = app.handle(Msg::Resize(W, H));
    let mut t = terminal();
    b.bench_local(|| {
        // A forced full redraw: clear the previous buffer so the diff is the whole screen.
        t.clear().unwrap();
        t.draw(|f| pane::draw(f, &app)).unwrap();
    });
}

/// Alternates two keys in a pane (down, up) so every iteration changes the selection, then redraws.
fn keypress(b: Bencher, s: &'static Snapshot, setup: &str, pair: &str) {
    keypress_with(b, s, setup, pair, true);
}

/// Like [`keypress`], but background jobs are left to the worker, as in the real loop: this is the UI
/// thread's share of a keystroke.
fn keypress_with(b: Bencher, s: &'static Snapshot, setup: &str, pair: &str, run_jobs: bool) {
    let engine = Arc::new(Engine::new(s.clone()));
    let mut app = App::new(engine.clone(), Options::plain("bench"));
    let _ = app.handle(Msg::Resize(W, H));
    kvaccess::tui::script::press(&mut app, setup);
    let pair = keys(pair);
    let mut t = terminal();
    let mut i = 0usize;
    b.bench_local(|| {
        let k = pair[i % pair.len()];
        i += 1;
        let effects = app.handle(Msg::Key(k));
        if run_jobs {
            settle(&mut app, effects);
        }
        t.draw(|f| pane::draw(f, &app)).unwrap();
    });
}

mod demo_tenant {
    use super::*;

    #[divan::bench]
    fn time_to_first_frame(b: Bencher) {
        first_frame(b, demo());
    }

    #[divan::bench]
    fn full_frame_render(b: Bencher) {
        redraw(b, demo());
    }

    #[divan::bench]
    fn key_principal_down_up(b: Bencher) {
        keypress(b, demo(), "P", "jk");
    }

    #[divan::bench]
    fn key_scope_down_up(b: Bencher) {
        keypress(b, demo(), "", "jk");
    }

    #[divan::bench]
    fn key_permission_row_down_up(b: Bencher) {
        keypress(b, demo(), ":principal Bob<enter>M", "jk");
    }
}

mod large_tenant {
    use super::*;

    #[divan::bench(sample_count = 5, sample_size = 1)]
    fn time_to_first_frame(b: Bencher) {
        first_frame(b, large());
    }

    /// The engine's lookups alone, to see how much of the first frame is the explorer's own work.
    #[divan::bench(sample_count = 5, sample_size = 1)]
    fn engine_build_only(b: Bencher) {
        let s = large();
        b.bench_local(|| Engine::new(s.clone()));
    }

    /// The two things a principal change recomputes: its permission table and its description.
    #[divan::bench(sample_count = 50)]
    fn permissions_table_only(b: Bencher) {
        let engine = Arc::new(Engine::new(large().clone()));
        let scope = large().vaults[0].scope.clone();
        let id = large().principals[0].id.clone();
        b.bench_local(|| kvaccess::tui::permissions::compute(&engine, &id, &scope, None));
    }

    #[divan::bench(sample_count = 50)]
    fn principal_description_only(b: Bencher) {
        let engine = Arc::new(Engine::new(large().clone()));
        let id = large().principals[0].id.clone();
        b.bench_local(|| kvaccess::tui::explain::principal(&engine, &id, 1));
    }

    #[divan::bench(sample_count = 20)]
    fn full_frame_render(b: Bencher) {
        redraw(b, large());
    }

    #[divan::bench(sample_count = 50)]
    fn key_principal_down_up(b: Bencher) {
        keypress(b, large(), "P", "jk");
    }

    #[divan::bench(sample_count = 50)]
    fn key_scope_down_up(b: Bencher) {
        keypress(b, large(), "", "jk");
    }

    #[divan::bench(sample_count = 50)]
    fn key_permission_row_down_up(b: Bencher) {
        keypress(b, large(), "PM", "jk");
    }

    /// The views' keys `1`-`5` in turn on the UI thread (issue 13: every key within 100 ms): each view
    /// asks the worker for its answer and draws its waiting line, it does not wait for it.
    #[divan::bench(sample_count = 50)]
    fn key_switch_views_1_to_5_ui(b: Bencher) {
        keypress_with(b, large(), "", "12345", false);
    }

    /// Down, up in each view with its answer on screen (computed in the setup), on the UI thread: the
    /// selection, the explanation of the row and the redrawn frame.
    #[divan::bench(sample_count = 50)]
    fn key_matrix_down_up_ui(b: Bencher) {
        keypress_with(b, large(), "2", "jk", false);
    }

    #[divan::bench(sample_count = 50)]
    fn key_who_can_down_up_ui(b: Bencher) {
        keypress_with(b, large(), "3", "jk", false);
    }

    #[divan::bench(sample_count = 50)]
    fn key_escalations_down_up_ui(b: Bencher) {
        keypress_with(b, large(), "4", "jk", false);
    }

    /// The same at the tenant root: the whole tenant's escalation groups on screen.
    #[divan::bench(sample_count = 50)]
    fn key_escalations_tenant_wide_down_up_ui(b: Bencher) {
        keypress_with(b, large(), ":goto Tenant Root Group<enter>4", "jk", false);
    }

    /// Down, up over a group's listed identities: each row's explanation is its own finding at its vault.
    #[divan::bench(sample_count = 50)]
    fn key_escalation_identities_down_up_ui(b: Bencher) {
        keypress_with(b, large(), "4<enter>j", "jk", false);
    }

    #[divan::bench(sample_count = 50)]
    fn key_reach_down_up_ui(b: Bencher) {
        keypress_with(b, large(), "5", "jk", false);
    }

    /// Typing in the filter on the UI thread: the keystroke is drawn at once, the matching runs on the
    /// worker (next bench).
    #[divan::bench(sample_count = 50)]
    fn key_filter_typing_ui(b: Bencher) {
        keypress_with(b, large(), "/us", "e<bs>", false);
    }

    /// The worker's filter job for a third character (`use` after `us`, which nearly every principal
    /// matches): how long until the list updates.
    #[divan::bench(sample_count = 20, sample_size = 1)]
    fn filter_job_third_char(b: Bencher) {
        let engine = Arc::new(Engine::new(large().clone()));
        let app = App::new(engine.clone(), Options::plain("bench"));
        let all = app.nav.principals.all.clone();
        let pool = kvaccess::tui::principals::matches(&all, "us", (0..all.len()).collect());
        b.bench_local(|| kvaccess::tui::principals::matches(&all, "use", pool.clone()));
    }
}
