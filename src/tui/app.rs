//! The explorer's state and its one `update`: messages in, state changed, effects out. Nothing here does
//! IO; the loop in `tui.rs` (or a test) carries out the returned [`Effect`]s.

mod commands;
mod input;
mod live;
mod mouse;
mod navigate;
mod places;
mod rebase;
mod screen;
mod sync;

use std::collections::HashMap;
use std::sync::Arc;

use ratatui::layout::Rect;

use crate::eval::{Engine, Origin};
use crate::tui::action::{Effect, Msg};
use crate::tui::explain::Doc;
use crate::tui::filter::{FilterBox, Tables};
use crate::tui::keymap::Keymap;
pub use crate::tui::layout::Focus;
use crate::tui::layout::{self, Areas};
use crate::tui::nav::Nav;
pub use crate::tui::overlay::{Overlay, PromptKind};
use crate::tui::theme::{Theme, ThemeKind};
use crate::tui::view::activity::ActivityView;
use crate::tui::view::escalations::EscalationsView;
use crate::tui::view::matrix::MatrixView;
use crate::tui::view::paths::PathsView;
use crate::tui::view::permissions::PermissionsView;
use crate::tui::view::reach::ReachView;
use crate::tui::view::who_can::WhoCanView;
use crate::tui::whatif::world::WorldRef;
use crate::tui::worker::{Cancel, EngineRef, Job, JobKind, JobSpec, Output};
pub use commands::Command;
pub use rebase::Derived;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Permissions,
    Matrix,
    WhoCan,
    Escalations,
    Reach,
    Paths,
    Activity,
}

impl View {
    pub const ALL: [View; 7] = [
        Self::Permissions,
        Self::Matrix,
        Self::WhoCan,
        Self::Escalations,
        Self::Reach,
        Self::Paths,
        Self::Activity,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Permissions => "Permissions",
            Self::Matrix => "Matrix",
            Self::WhoCan => "Who can",
            Self::Escalations => "Escalations",
            Self::Reach => "Reach",
            Self::Paths => "Paths",
            Self::Activity => "Activity",
        }
    }

    /// The digit that opens the view (its tab's number).
    pub fn digit(self) -> u8 {
        match self {
            Self::Permissions => 1,
            Self::Matrix => 2,
            Self::WhoCan => 3,
            Self::Escalations => 4,
            Self::Reach => 5,
            Self::Paths => 6,
            Self::Activity => 7,
        }
    }
}

/// A background result, or where it stands.
#[derive(Debug, Default)]
pub enum Load<T> {
    #[default]
    Idle,
    Loading(String),
    Ready(T),
    Failed(String),
}

impl<T> Load<T> {
    pub fn ready(&self) -> Option<&T> {
        match self {
            Self::Ready(t) => Some(t),
            _ => None,
        }
    }

    pub fn ready_mut(&mut self) -> Option<&mut T> {
        match self {
            Self::Ready(t) => Some(t),
            _ => None,
        }
    }
}

/// How the explorer starts.
#[derive(Debug, Clone)]
pub struct Options {
    /// What the status bar calls the snapshot: a path, or "demo".
    pub source: String,
    pub theme: ThemeKind,
    pub no_color: bool,
    pub keymap: Keymap,
    /// Audit logs to read for the activity view and "last used" (`--logs`).
    pub logs: Vec<std::path::PathBuf>,
}

impl Options {
    /// Defaults for tests and benchmarks: dark theme, embedded keymap only, colour on.
    pub fn plain(source: &str) -> Self {
        Self {
            source: source.to_string(),
            theme: ThemeKind::Dark,
            no_color: false,
            keymap: Keymap::defaults(),
            logs: Vec::new(),
        }
    }
}

pub struct App {
    /// The real world (a live refresh replaces it; the what-if world is in `whatif`).
    pub engine: Arc<Engine>,
    pub source: String,
    pub theme: Theme,
    pub keymap: Keymap,
    pub size: Rect,
    pub focus: Focus,
    pub view: View,
    pub zoom: bool,
    /// The scope tree, the principal list and the history of jumps.
    pub nav: Nav,
    /// The `/` box.
    pub filter: FilterBox,
    /// The views' tables as `/` narrows them.
    pub tables: Tables,
    pub perms: PermissionsView,
    pub matrix: MatrixView,
    pub who: WhoCanView,
    pub escalations: EscalationsView,
    pub reach: ReachView,
    pub paths: PathsView,
    pub activity: ActivityView,
    pub explain: Doc,
    pub explain_scroll: usize,
    /// The `/` search in the explanation: only its lines with every word are shown (empty: all).
    pub explain_query: String,
    explain_key: String,
    pub origin: Option<Origin>,
    pub overlay: Option<Overlay>,
    /// One line for the status bar until the next key.
    pub message: Option<String>,
    pub quit: bool,
    /// How many vaults' access policies name each object id.
    pub policy_vaults: HashMap<String, usize>,
    /// The what-if panel and the hypothetical world it makes.
    pub whatif: crate::tui::whatif::Panel,
    /// The live fetch, when the explorer was opened with `--live`.
    pub live: Option<crate::tui::live::LiveState>,
    /// The guided tour, while it is open.
    pub tour: Option<crate::tui::tour::TourState>,
    next_ticket: u64,
    /// The latest ticket asked for per job kind, and what it was for; anything else is stale.
    pub(crate) pending: HashMap<JobKind, (u64, String)>,
    /// The cancel flag of the latest job of each kind.
    cancels: HashMap<JobKind, Cancel>,
}

fn policy_vaults(engine: &Engine) -> HashMap<String, usize> {
    let mut out: HashMap<String, usize> = HashMap::new();
    for v in &engine.snapshot.vaults {
        let mut ids: Vec<&str> = v
            .access_policies
            .iter()
            .map(|e| e.object_id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            *out.entry(id.to_string()).or_default() += 1;
        }
    }
    out
}

pub use crate::tui::nav::ASYNC_FILTER_FROM;

impl App {
    pub fn new(engine: impl Into<Arc<Engine>>, options: Options) -> Self {
        let engine = engine.into();
        let theme = Theme::pick(options.theme, options.no_color);
        let nav = Nav::build(&engine, &theme);
        let policy_vaults = policy_vaults(&engine);
        let message =
            (!options.keymap.warnings.is_empty()).then(|| options.keymap.warnings.join("; "));
        let mut app = Self {
            engine,
            source: options.source,
            theme,
            keymap: options.keymap,
            size: Rect::new(0, 0, 80, 24),
            focus: Focus::Scopes,
            view: View::Permissions,
            zoom: false,
            nav,
            filter: FilterBox::default(),
            tables: Tables::default(),
            perms: PermissionsView::default(),
            matrix: MatrixView::default(),
            who: WhoCanView::default(),
            escalations: EscalationsView::default(),
            reach: ReachView::default(),
            paths: PathsView::default(),
            activity: ActivityView::with_paths(options.logs),
            explain: Doc::default(),
            explain_scroll: 0,
            explain_query: String::new(),
            explain_key: String::new(),
            origin: None,
            overlay: None,
            message,
            quit: false,
            policy_vaults,
            whatif: crate::tui::whatif::Panel::default(),
            live: None,
            tour: None,
            next_ticket: 0,
            pending: HashMap::new(),
            cancels: HashMap::new(),
        };
        app.sync_in_place();
        app
    }

    /// The one update: a message in, the effects the loop must carry out back.
    pub fn handle(&mut self, msg: Msg) -> Vec<Effect> {
        let mut effects = Vec::new();
        match msg {
            Msg::Key(key) => {
                if key.kind != ratatui::crossterm::event::KeyEventKind::Release {
                    self.message = None;
                    effects.extend(self.on_key(key));
                }
            }
            Msg::Mouse(m) => self.on_mouse(m),
            Msg::Resize(w, h) => self.resize(w, h),
            Msg::Done(result) => self.on_result(result.kind, result.ticket, result.output),
            Msg::Progress {
                kind,
                ticket,
                done,
                total,
            } => {
                if self.pending.get(&kind).map(|p| p.0) == Some(ticket) {
                    match kind {
                        JobKind::Escalations => self.escalations.on_progress(done, total),
                        JobKind::Reach => self.reach.on_progress(done, total),
                        JobKind::ReadLogs => self.activity.on_logs_progress(done, total),
                        JobKind::WhoCan => self.who.on_progress(done, total),
                        JobKind::Paths => self.paths.on_progress(done, total),
                        JobKind::EscalationMembers => {
                            self.escalations.on_listing_progress(done, total);
                        }
                        _ => {}
                    }
                }
            }
            Msg::Exported(r) if self.whatif.on_written(&r) => {}
            Msg::Exported(r) => {
                self.message = Some(match r {
                    Ok(path) => format!("exported to {}", crate::sanitize::clean(&path)),
                    Err(e) => format!("export failed: {e}"),
                });
            }
            Msg::Live(m) => effects.extend(self.on_live(m)),
        }
        effects.extend(self.sync());
        effects
    }

    /// When the loop must wake the app though nothing arrived (live data held back by the throttle).
    pub fn wake_at(&self) -> Option<std::time::Instant> {
        self.live
            .as_ref()
            .and_then(crate::tui::live::LiveState::wake_at)
    }

    pub fn resize(&mut self, w: u16, h: u16) {
        self.size = Rect::new(0, 0, w, h);
        self.keep_all_visible();
    }

    pub fn areas(&self) -> Areas {
        layout::compute(self.size, self.focus, self.zoom)
    }

    /// Rows available inside a pane (what scrolling keeps the selection within).
    pub fn pane_height(&self, f: Focus) -> usize {
        let areas = layout::compute(self.size, f, self.zoom && self.focus == f);
        let h = layout::inner_height(areas.of(f));
        let headers = match (f, self.view) {
            (Focus::Main, View::Matrix) => 2,
            (Focus::Main, View::WhoCan | View::Escalations | View::Reach) => 1,
            _ => 0,
        };
        h.saturating_sub(headers).max(1)
    }

    /// The engine the panes answer with: the what-if world while changes are on, else the real one.
    pub fn world(&self) -> &Engine {
        self.whatif
            .world
            .as_ref()
            .map_or(&*self.engine, |w| w.engine())
    }

    /// The real world, for a job to carry to the worker.
    pub(crate) fn engine_ref(&self) -> EngineRef {
        EngineRef(self.engine.clone())
    }

    fn on_result(&mut self, kind: JobKind, ticket: u64, output: Output) {
        if self.pending.get(&kind).map(|p| p.0) != Some(ticket) {
            return; // stale: the user asked for something else since
        }
        let output = match output {
            Output::Compared { after, before } => {
                self.whatif.on_before(kind, Some(*before));
                *after
            }
            o => {
                self.whatif.on_before(kind, None);
                o
            }
        };
        match output {
            Output::Compared { .. } | Output::Cancelled => {}
            Output::WhatIf(r) => self.whatif.on_world(*r),
            Output::ScenarioLoaded { path, result } => {
                self.pending.remove(&JobKind::LoadScenario);
                self.whatif.on_loaded(&path, result);
            }
            Output::Matrix(r) => {
                self.matrix.on_answer(r);
                let shown = self.matrix.answer.ready_mut();
                self.tables
                    .matrix
                    .on_answer(shown, &mut self.whatif.matrix_before);
                self.matrix.narrowed(&self.tables.matrix.query);
            }
            Output::WhoCan(r) => {
                self.who.on_answer(r);
                let shown = self.who.answer.ready_mut();
                self.tables
                    .who
                    .on_answer(shown, &mut self.whatif.who_before);
            }
            Output::EscalationMembers(m) => self.escalations.on_members(m),
            Output::Escalations(f) => {
                self.escalations.on_answer(*f);
                let shown = self.escalations.answer.ready_mut();
                self.tables
                    .escalations
                    .on_answer(shown, &mut self.whatif.escalations_before);
            }
            Output::Reach(r) => self.reach.on_answer(*r),
            Output::Paths(r) => self.paths.on_answer(*r),
            Output::Logs(r) => {
                if let Err(e) = &r {
                    self.message = Some(format!("logs: {}", crate::sanitize::clean(e)));
                }
                self.activity.on_logs(r);
            }
            Output::Activity(a) => self.activity.on_answer(*a),
            Output::Indexed(indexed) => self.on_indexed(indexed),
            Output::Filter {
                query,
                shown,
                generation,
            } => {
                self.pending.remove(&JobKind::Filter);
                if generation == self.nav.principals.generation {
                    self.nav.principals.apply(&query, Some(shown));
                }
            }
        }
    }

    pub(crate) fn ticket(&mut self, kind: JobKind, what: String) -> u64 {
        self.next_ticket += 1;
        self.pending.insert(kind, (self.next_ticket, what));
        self.next_ticket
    }

    /// Asks for a job (`what` it is for names it among jobs of its kind): the previous job of the kind is
    /// cancelled, since its answer would be dropped anyway.
    pub(crate) fn job(
        &mut self,
        kind: JobKind,
        what: String,
        spec: JobSpec,
        world: Option<WorldRef>,
    ) -> Effect {
        let ticket = self.ticket(kind, what);
        let cancel = Cancel::default();
        if let Some(old) = self.cancels.insert(kind, cancel.clone()) {
            old.cancel();
        }
        Effect::Run(Job {
            ticket,
            spec,
            cancel,
            engine: self.engine_ref(),
            world,
        })
    }

    /// Stops the latest job of `kind`: its answer is no longer wanted.
    pub(crate) fn cancel_job(&mut self, kind: JobKind) {
        if let Some(c) = self.cancels.remove(&kind) {
            c.cancel();
        }
    }

    /// Stops every job still running (the explorer is closing).
    pub fn cancel_background(&self) {
        for c in self.cancels.values() {
            c.cancel();
        }
    }

    /// A filter is being computed in the background (the list shows the previous matches meanwhile).
    pub fn filter_pending(&self) -> bool {
        self.pending.contains_key(&JobKind::Filter)
    }

    /// Filters the principal list for `query` (see [`Nav::filter`]), asking for the job it may need.
    pub(crate) fn request_filter(&mut self, query: String) -> Vec<Effect> {
        match self.nav.filter(&query) {
            Some(spec) => vec![self.job(JobKind::Filter, query, spec, None)],
            None => {
                self.pending.remove(&JobKind::Filter);
                Vec::new()
            }
        }
    }

    /// The selected scope as the tree names it (a subscription's display name, not its GUID).
    pub fn scope_label(&self) -> String {
        self.nav.scope_label()
    }

    pub fn origin_label(&self) -> Option<String> {
        self.origin.as_ref().map(crate::tui::origin::label)
    }
}
