//! The panel's keys and requests: open and focus it, move, toggle, delete, the add form, the save and
//! load prompts. Keys reach the panel only while it is focused; other actions leave it and run as usual.

use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use super::form::{Form, Step};
use super::{PathFor, Status};
use crate::tui::action::{Effect, UserAction};
use crate::tui::app::App;
use crate::tui::worker::{JobKind, JobSpec};

/// The file a change list is saved to unless the user names another.
pub const DEFAULT_FILE: &str = "whatif.json";

/// Rows the panel's list scrolls within (the panel is redrawn at its own size; this keeps the cursor
/// near the top rows, which is what a short list needs).
pub const LIST_ROWS: usize = 8;
/// Lines of the world's summary one page key scrolls.
const SUMMARY_PAGE: usize = 5;

impl App {
    /// `W`: opens the panel and focuses it; again closes it (the changes stay on).
    pub fn toggle_whatif(&mut self) {
        let p = &mut self.whatif;
        if p.focused {
            p.focused = false;
            p.open = false;
        } else {
            p.open = true;
            p.focused = true;
        }
    }

    /// Panel-only actions from the palette open and focus the panel first.
    pub fn whatif_action(&mut self, action: UserAction) -> Vec<Effect> {
        self.whatif.open = true;
        self.whatif.focused = true;
        let n = self.whatif.scenario.entries.len();
        let p = &mut self.whatif;
        match action {
            UserAction::WhatIfAdd => {
                p.form = Some(Form::new());
            }
            UserAction::WhatIfToggle | UserAction::Select => {
                if let Some(on) = p.scenario.toggle(p.cursor.selected) {
                    p.message = Some(format!(
                        "change {} {}",
                        p.cursor.selected,
                        if on { "on" } else { "off" }
                    ));
                    p.edited();
                }
            }
            UserAction::WhatIfDelete if p.scenario.remove(p.cursor.selected).is_some() => {
                p.message = Some(format!("change {} removed", p.cursor.selected));
                p.cursor.set(p.cursor.selected, n.saturating_sub(1));
                p.edited();
            }
            UserAction::WhatIfSave => {
                p.prompt = Some((PathFor::Save, Input::new(DEFAULT_FILE.into())));
            }
            UserAction::WhatIfLoad => {
                p.prompt = Some((PathFor::Load, Input::new(DEFAULT_FILE.into())));
            }
            UserAction::Up => {
                p.cursor.move_by(-1, n);
            }
            UserAction::Down => {
                p.cursor.move_by(1, n);
            }
            UserAction::Top | UserAction::PageUp => {
                p.cursor.set(0, n);
            }
            UserAction::Bottom | UserAction::PageDown => {
                p.cursor.set(n.saturating_sub(1), n);
            }
            _ => {}
        }
        self.whatif.cursor.keep_visible(LIST_ROWS, n);
        Vec::new()
    }

    /// A click or wheel over the panel focuses it and moves its selection; a click elsewhere leaves it.
    /// Returns whether the panel took the event.
    pub(crate) fn whatif_mouse(&mut self, m: MouseEvent, panel: Option<Rect>) -> bool {
        let inside = panel.is_some_and(|r| r.contains(Position::new(m.column, m.row)));
        let n = self.whatif.scenario.entries.len();
        let p = &mut self.whatif;
        match m.kind {
            MouseEventKind::Down(MouseButton::Left) if inside => {
                p.focused = true;
                let row = panel.map_or(0, |r| m.row.saturating_sub(r.y + 1) as usize);
                let i = p.cursor.offset + row;
                if i < n {
                    p.cursor.set(i, n);
                }
            }
            MouseEventKind::ScrollDown if inside => {
                p.cursor.move_by(1, n);
            }
            MouseEventKind::ScrollUp if inside => {
                p.cursor.move_by(-1, n);
            }
            MouseEventKind::Down(_) => p.focused = false,
            _ => {}
        }
        inside
    }

    /// A key while the panel is focused. `None`: not the panel's, run it as usual.
    pub(crate) fn whatif_key(&mut self, key: KeyEvent) -> Option<Vec<Effect>> {
        if self.whatif.form.is_some() {
            return Some(self.form_key(key));
        }
        if self.whatif.prompt.is_some() {
            return Some(self.path_key(key));
        }
        let action = self.keymap.action_for(&key)?;
        match action {
            UserAction::WhatIfAdd
            | UserAction::WhatIfToggle
            | UserAction::WhatIfDelete
            | UserAction::WhatIfSave
            | UserAction::WhatIfLoad
            | UserAction::Select
            | UserAction::Up
            | UserAction::Down
            | UserAction::Top
            | UserAction::Bottom => Some(self.whatif_action(action)),
            // The summary of the world, which can be long, scrolls by pages.
            UserAction::PageDown => {
                let p = &mut self.whatif;
                let lines = p
                    .world
                    .as_ref()
                    .map_or(0, |w| w.summary.len() + w.notes.len());
                p.summary_scroll = (p.summary_scroll + SUMMARY_PAGE).min(lines.saturating_sub(1));
                Some(Vec::new())
            }
            UserAction::PageUp => {
                let p = &mut self.whatif;
                p.summary_scroll = p.summary_scroll.saturating_sub(SUMMARY_PAGE);
                Some(Vec::new())
            }
            UserAction::Zoom => {
                self.whatif.zoomed = !self.whatif.zoomed;
                Some(Vec::new())
            }
            UserAction::Back if self.whatif.zoomed => {
                self.whatif.zoomed = false;
                Some(Vec::new())
            }
            UserAction::Back => {
                self.whatif.focused = false;
                Some(Vec::new())
            }
            UserAction::WhatIf => {
                self.toggle_whatif();
                Some(Vec::new())
            }
            _ => {
                self.whatif.focused = false;
                None
            }
        }
    }

    fn form_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(mut form) = self.whatif.form.take() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => {
                self.whatif.message = Some("add cancelled".into());
                return Vec::new();
            }
            KeyCode::Up | KeyCode::BackTab => form.move_by(-1),
            KeyCode::Down | KeyCode::Tab => form.move_by(1),
            KeyCode::PageUp => form.move_by(-10),
            KeyCode::PageDown => form.move_by(10),
            KeyCode::Char(' ') if form.field().is_some_and(|f| f.many) => form.toggle_mark(),
            KeyCode::Enter => {
                let engine = self.world();
                match form.accept(engine, &self.nav.scopes) {
                    Ok(Step::More) => {}
                    Ok(Step::Done(change)) => {
                        let p = &mut self.whatif;
                        p.scenario.push(change);
                        let n = p.scenario.entries.len();
                        p.cursor.set(n - 1, n);
                        p.cursor.keep_visible(LIST_ROWS, n);
                        p.message = Some(format!("change {} added", n - 1));
                        p.edited();
                        return Vec::new();
                    }
                    Err(e) => self.whatif.message = Some(e),
                }
            }
            _ => {
                if let Some(req) = to_input_request(&Event::Key(key))
                    && form.input.handle(req).is_some_and(|c| c.value)
                {
                    form.refilter();
                }
            }
        }
        form.cursor.keep_visible(FORM_ROWS, form.shown.len());
        self.whatif.form = Some(form);
        Vec::new()
    }

    fn path_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some((what, mut input)) = self.whatif.prompt.take() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => Vec::new(),
            KeyCode::Enter => {
                let path = input.value().trim().to_string();
                if path.is_empty() {
                    return Vec::new();
                }
                match what {
                    PathFor::Save => self.save_scenario(&path),
                    PathFor::Load => self.load_scenario(&path),
                }
            }
            _ => {
                if let Some(req) = to_input_request(&Event::Key(key)) {
                    input.handle(req);
                }
                self.whatif.prompt = Some((what, input));
                Vec::new()
            }
        }
    }

    /// Writes the change list (toggles included) to `path`, atomically, as the loop does for exports.
    pub fn save_scenario(&mut self, path: &str) -> Vec<Effect> {
        let content = match crate::sanitize::json::to_string_pretty(&self.whatif.scenario.to_json())
        {
            Ok(c) => c + "\n",
            Err(e) => {
                self.whatif.message = Some(format!("save failed: {e}"));
                return Vec::new();
            }
        };
        self.whatif.start_save(path.to_string());
        vec![Effect::Write {
            path: path.into(),
            content,
        }]
    }

    /// Reads a change list on the worker thread; it replaces the current one when it parses.
    pub fn load_scenario(&mut self, path: &str) -> Vec<Effect> {
        self.whatif.message = Some(format!("loading {}…", crate::sanitize::clean(path)));
        let spec = JobSpec::LoadScenario { path: path.into() };
        vec![self.job(JobKind::LoadScenario, path.to_string(), spec, None)]
    }

    /// Asks the worker for the world of the current list when it changed.
    pub(crate) fn sync_whatif(&mut self) -> Vec<Effect> {
        if !self.whatif.take_dirty() {
            return Vec::new();
        }
        let generation = self.whatif.generation;
        self.whatif.status = Status::Computing;
        let spec = JobSpec::WhatIf {
            scenario: self.whatif.scenario.clone(),
            generation,
        };
        vec![self.job(JobKind::WhatIf, generation.to_string(), spec, None)]
    }
}

/// Rows the add form's picker shows.
pub const FORM_ROWS: usize = 10;
