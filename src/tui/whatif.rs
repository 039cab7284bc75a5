//! The what-if panel: a change list the user builds (add form, toggles, delete, save, load) and the
//! hypothetical world it makes. While any change is on, every pane answers in that world and marks what
//! differs from the real one; the world is built on the worker thread, so the UI never waits for it.

pub mod choices;
pub mod describe;
pub mod form;
pub mod keys;
pub mod marks;
mod note;
pub mod world;

use std::collections::BTreeSet;

use tui_input::Input;

use crate::query::Matrix;
use crate::query::grouped::who_can::GroupedWhoCan;
use crate::tui::cursor::Cursor;
use crate::tui::permissions::PermTable;
use crate::tui::view::escalations::Shown;
use crate::tui::worker::{JobKind, Output};
use crate::whatif::{Scenario, WhatIfError};
use form::Form;
use world::WorldRef;

/// The path prompt of the panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathFor {
    Save,
    Load,
}

impl PathFor {
    pub fn title(self) -> &'static str {
        match self {
            Self::Save => "Save the change list to",
            Self::Load => "Load a change list from",
        }
    }
}

/// Where the hypothetical world stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// No change is on: the panes show the real world.
    Real,
    /// The world for the current list is being built (the panes still show the previous one).
    Computing,
    /// The panes show the world of the current list.
    Ready,
    /// The enabled changes do not apply: the panes show the real world.
    Invalid,
}

#[derive(Debug)]
pub struct Panel {
    /// Drawn beside the explorer.
    pub open: bool,
    /// Takes the keys.
    pub focused: bool,
    pub scenario: Scenario,
    pub cursor: Cursor,
    /// Bumped by every edit of the list.
    pub generation: u64,
    /// The world the panes show; `None` is the real one.
    pub world: Option<WorldRef>,
    pub status: Status,
    /// Problems of the list, each naming the change (`changes[2].principal: …`).
    pub errors: Vec<String>,
    /// Positions of the changes those problems are about.
    pub error_rows: BTreeSet<usize>,
    /// The last thing the panel did (saved, loaded, …).
    pub message: Option<String>,
    /// `z`: the panel fills the screen.
    pub zoomed: bool,
    /// Lines of the world's summary scrolled past (page up / page down).
    pub summary_scroll: usize,
    pub form: Option<Form>,
    pub prompt: Option<(PathFor, Input)>,
    /// The real world's answers to the questions the panes show, to mark what differs.
    pub matrix_before: Option<Matrix>,
    pub who_before: Option<Box<GroupedWhoCan>>,
    pub escalations_before: Option<Shown>,
    pub perms_before: Option<PermTable>,
    /// The world generation the permissions table was computed in.
    pub perms_world: u64,
    /// A save in flight: the path and how many changes.
    saving: Option<(String, usize)>,
    /// The list changed and its world must be built.
    dirty: bool,
}

impl Default for Panel {
    fn default() -> Self {
        Self {
            open: false,
            focused: false,
            zoomed: false,
            summary_scroll: 0,
            scenario: Scenario::new(),
            cursor: Cursor::default(),
            generation: 0,
            world: None,
            status: Status::Real,
            errors: Vec::new(),
            error_rows: BTreeSet::new(),
            message: None,
            form: None,
            prompt: None,
            matrix_before: None,
            who_before: None,
            escalations_before: None,
            perms_before: None,
            perms_world: 0,
            saving: None,
            dirty: false,
        }
    }
}

impl Panel {
    /// The generation of the world the panes show (0 for the real world).
    pub fn world_generation(&self) -> u64 {
        self.world.as_ref().map_or(0, |w| w.generation)
    }

    /// Marks the list edited: the world follows on the next sync. With no change on, the real world is
    /// back at once.
    pub fn edited(&mut self) {
        self.generation += 1;
        self.errors.clear();
        self.error_rows.clear();
        if self.scenario.active_count() == 0 {
            world::release(self.world.take());
            self.status = Status::Real;
            self.dirty = false;
            self.clear_before();
        } else {
            self.status = Status::Computing;
            self.dirty = true;
        }
    }

    /// The real world's data was replaced (a live refresh): a hypothetical world built over the old data
    /// is dropped, and built again over the new one on the next sync.
    pub fn data_replaced(&mut self) {
        world::release(self.world.take());
        self.clear_before();
        self.edited();
    }

    fn clear_before(&mut self) {
        self.matrix_before = None;
        self.who_before = None;
        self.escalations_before = None;
        self.perms_before = None;
    }

    /// Takes the request to build a world, once.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// The header's badge: nobody should take the hypothetical world for the real one.
    pub fn badge(&self) -> Option<String> {
        let n = self.scenario.active_count();
        match self.status {
            Status::Real => None,
            Status::Computing => Some(format!("what-if: {n} changes ⟳")),
            Status::Ready => Some(format!(
                "what-if: {} change{}",
                self.world.as_ref().map_or(n, |w| w.changes),
                if n == 1 { "" } else { "s" }
            )),
            Status::Invalid => Some(format!("what-if: {n} changes NOT applied (errors)")),
        }
    }

    fn set_errors(&mut self, e: &WhatIfError) {
        let problems = e.problems();
        if problems.is_empty() {
            self.errors = vec![e.to_string()];
        } else {
            self.errors = problems.iter().map(ToString::to_string).collect();
            self.error_rows = problems.iter().map(|p| p.index).collect();
        }
    }

    /// A world arrived from the worker.
    pub fn on_world(&mut self, result: Result<WorldRef, WhatIfError>) {
        match result {
            Ok(w) if w.generation == self.generation => {
                world::release(self.world.replace(w));
                self.status = Status::Ready;
                self.summary_scroll = 0;
                self.errors.clear();
                self.error_rows.clear();
            }
            Ok(stale) => world::release(Some(stale)),
            Err(e) => {
                world::release(self.world.take());
                self.clear_before();
                self.status = Status::Invalid;
                self.set_errors(&e);
            }
        }
    }

    /// A loaded change list arrived: it replaces the current one, or its problems are shown.
    pub fn on_loaded(&mut self, path: &str, result: Result<Scenario, String>) {
        let path = crate::sanitize::clean(path).into_owned();
        match result {
            Ok(s) => {
                let n = s.entries.len();
                self.scenario = s;
                self.cursor = Cursor::default();
                self.edited();
                self.message = Some(format!("loaded {n} change(s) from {path}"));
            }
            Err(e) => {
                self.message = Some(format!("cannot load {path}"));
                self.errors = e.lines().map(|l| l.trim().to_string()).collect();
                self.error_rows = self.errors.iter().filter_map(|l| error_index(l)).collect();
            }
        }
    }

    /// The real world's answer that came with a hypothetical one (`None`: the answer is the real world's).
    pub fn on_before(&mut self, kind: JobKind, before: Option<Output>) {
        match (kind, before) {
            (JobKind::Matrix, Some(Output::Matrix(r))) => self.matrix_before = r.ok(),
            (JobKind::Matrix, _) => self.matrix_before = None,
            (JobKind::WhoCan, Some(Output::WhoCan(r))) => self.who_before = r.ok(),
            (JobKind::WhoCan, _) => self.who_before = None,
            (JobKind::Escalations, Some(Output::Escalations(f))) => {
                self.escalations_before = Some(Shown::new(*f));
            }
            (JobKind::Escalations, _) => self.escalations_before = None,
            _ => {}
        }
    }

    pub fn start_save(&mut self, path: String) {
        self.saving = Some((path, self.scenario.entries.len()));
    }

    /// The outcome of a write: tells whether it was the panel's save.
    pub fn on_written(&mut self, result: &Result<String, String>) -> bool {
        let Some((path, n)) = self.saving.take() else {
            return false;
        };
        self.message = Some(match result {
            Ok(_) => format!("saved {n} change(s) to {}", crate::sanitize::clean(&path)),
            Err(e) => format!("save failed: {}", crate::sanitize::clean(e)),
        });
        true
    }
}

/// The change index of an error line (`changes[3].role: …`).
fn error_index(line: &str) -> Option<usize> {
    let rest = line.trim().strip_prefix("changes[")?;
    rest.split(']').next()?.parse().ok()
}
