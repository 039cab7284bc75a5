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
    S.get_or_init(|| {
        let s = synth::generate(&SynthSpec::new(100_000, 10_000, 200_000, 1));
        if s.vaults.is_empty() {
            eprintln!("note: kvaccess::synth::generate is still a stub here; timing a stand-in tenant of the same size");
            stand_in(100_000, 10_000, 200_000)
        } else {
            s
        }
    })
}

/// A crude tenant of the requested size built from the demo's roles and vault shapes, used only until the
/// real generator lands: users in groups (two each), vaults in resource groups in subscriptions under the
/// demo's management group, role assignments spread over users, groups, vaults, resource groups and
/// subscriptions.
fn stand_in(principals: usize, vaults: usize, assignments: usize) -> Snapshot {
    use kvaccess::model::*;
    let demo = kvaccess::snapshot::demo();
    let mut s = demo.clone();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    };
    let groups = principals / 50;
    for i in 0..principals {
        let group = i < groups;
        s.principals.push(Principal {
            id: format!("{:08x}-1000-4000-8000-{:012x}", i, i),
            kind: if group {
                PrincipalKind::Group
            } else {
                PrincipalKind::User
            },
            display_name: format!("{} {i:06}", if group { "Team" } else { "User" }),
            user_principal_name: (!group).then(|| format!("user{i}@contoso.com")),
            app_id: None,
        });
    }
    for i in groups..principals {
        for _ in 0..2 {
            s.group_memberships.push(GroupMembership {
                group_id: s.principals[demo.principals.len() + next(groups)]
                    .id
                    .clone(),
                member_id: s.principals[demo.principals.len() + i].id.clone(),
            });
        }
    }
    let subs = 10;
    let rgs = (vaults / 100).max(1);
    let template = demo.vaults[0].clone();
    let mut scopes = Vec::new();
    for k in 0..subs {
        let id = format!("cccccccc-0000-0000-0000-{k:012}");
        let scope = Scope::parse(&format!("/subscriptions/{id}")).unwrap();
        s.subscriptions.push(Subscription {
            scope: scope.clone(),
            subscription_id: id.clone(),
            display_name: format!("Sub {k}"),
            tenant_id: demo.tenant_id.clone(),
            state: None,
        });
        if let Some(mg) = s.management_groups.last_mut() {
            mg.subscription_ids.push(id);
        }
        scopes.push(scope);
    }
    for r in 0..rgs {
        let scope = Scope::parse(&format!(
            "{}/resourceGroups/rg-{r:04}",
            scopes[r % subs].id()
        ))
        .unwrap();
        s.resource_groups.push(ResourceGroup {
            scope: scope.clone(),
            name: format!("rg-{r:04}"),
            location: "westeurope".into(),
        });
        scopes.push(scope);
    }
    for v in 0..vaults {
        let rg = &s.resource_groups[v % rgs].scope;
        let scope = Scope::parse(&format!(
            "{}/providers/Microsoft.KeyVault/vaults/kv-{v:05}",
            rg.id()
        ))
        .unwrap();
        let mut vault = template.clone();
        vault.scope = scope.clone();
        vault.name = format!("kv-{v:05}");
        vault.rbac_authorization = v % 2 == 0;
        s.vaults.push(vault);
        scopes.push(scope);
    }
    let roles: Vec<&RoleDefinition> = demo.role_definitions.iter().collect();
    for a in 0..assignments {
        let p = &s.principals[demo.principals.len() + next(principals)];
        let role = roles[next(roles.len())];
        let scope = scopes[(next(scopes.len()) + scopes.len() / 2).min(scopes.len() - 1)].clone();
        s.role_assignments.push(RoleAssignment {
            id: format!("{}/providers/Microsoft.Authorization/roleAssignments/{a:08x}-0000-4000-8000-000000000000", scope.id()),
            scope,
            role_definition_id: role.id.clone(),
            role_definition_guid: role.guid.clone(),
            principal_id: p.id.clone(),
            principal_type: if p.kind == PrincipalKind::Group { "Group".into() } else { "User".into() },
            condition: None,
            condition_version: None,
        });
    }
    s
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
