//! The panel's keys and requests: open and focus it, move, toggle, delete, the add form, the save and
//! load prompts. Keys reach the panel only while it is focused; other actions leave it and run as usual.
//! The panel answers with a [`Reply`] the app carries out (a write, a job).

use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use super::Panel;
use super::form::{Form, Step};
use super::{PathFor, Status};
use crate::eval::Engine;
use crate::tui::action::{Effect, UserAction};
use crate::tui::keymap::Keymap;
use crate::tui::scopes::ScopeTree;
use crate::tui::worker::JobSpec;

/// The file a change list is saved to unless the user names another.
pub const DEFAULT_FILE: &str = "whatif.json";

/// Rows the panel's list scrolls within (the panel is redrawn at its own size; this keeps the cursor
/// near the top rows, which is what a short list needs).
pub const LIST_ROWS: usize = 8;
/// Lines of the world's summary one page key scrolls.
const SUMMARY_PAGE: usize = 5;

/// What the panel asks of the app beyond itself.
pub enum Reply {
    /// Effects for the loop (a save's write); often none.
    Effects(Vec<Effect>),
    /// Read a change list from this path on the worker; it replaces the current one when it parses.
    Load(String),
}

impl Panel {
    /// `W`: opens the panel and focuses it; again closes it (the changes stay on).
    pub fn toggle(&mut self) {
        let p = self;
        if p.focused {
            p.focused = false;
            p.open = false;
        } else {
            p.open = true;
            p.focused = true;
        }
    }

    /// Panel-only actions from the palette open and focus the panel first.
    pub fn act(&mut self, action: UserAction) {
        self.open = true;
        self.focused = true;
        let n = self.scenario.entries.len();
        let p = &mut *self;
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
        self.cursor.keep_visible(LIST_ROWS, n);
    }

    /// A click or wheel over the panel focuses it and moves its selection; a click elsewhere leaves it.
    /// Returns whether the panel took the event.
    pub fn mouse(&mut self, m: MouseEvent, panel: Option<Rect>) -> bool {
        let inside = panel.is_some_and(|r| r.contains(Position::new(m.column, m.row)));
        let n = self.scenario.entries.len();
        let p = self;
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

    /// A key while the panel is focused: `keymap` names it; `real` is the real world's engine and `scopes`
    /// the tree, which the add form picks from. `None`: not the panel's, run it as usual.
    pub fn key(
        &mut self,
        key: KeyEvent,
        keymap: &Keymap,
        real: &Engine,
        scopes: &ScopeTree,
    ) -> Option<Reply> {
        if self.form.is_some() {
            self.form_key(key, real, scopes);
            return Some(Reply::Effects(Vec::new()));
        }
        if self.prompt.is_some() {
            return Some(self.path_key(key));
        }
        let done = Some(Reply::Effects(Vec::new()));
        let action = keymap.action_for(&key)?;
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
            | UserAction::Bottom => {
                self.act(action);
                done
            }
            // The summary of the world, which can be long, scrolls by pages.
            UserAction::PageDown => {
                let lines = self
                    .world
                    .as_ref()
                    .map_or(0, |w| w.summary.len() + w.notes.len());
                self.summary_scroll =
                    (self.summary_scroll + SUMMARY_PAGE).min(lines.saturating_sub(1));
                done
            }
            UserAction::PageUp => {
                self.summary_scroll = self.summary_scroll.saturating_sub(SUMMARY_PAGE);
                done
            }
            UserAction::Zoom => {
                self.zoomed = !self.zoomed;
                done
            }
            UserAction::Back if self.zoomed => {
                self.zoomed = false;
                done
            }
            UserAction::Back => {
                self.focused = false;
                done
            }
            UserAction::WhatIf => {
                self.toggle();
                done
            }
            _ => {
                self.focused = false;
                None
            }
        }
    }

    /// A key in the add form; Enter on its last field adds the change.
    fn form_key(&mut self, key: KeyEvent, real: &Engine, scopes: &ScopeTree) {
        let Some(mut form) = self.form.take() else {
            return;
        };
        match key.code {
            KeyCode::Esc => {
                self.message = Some("add cancelled".into());
                return;
            }
            KeyCode::Up | KeyCode::BackTab => form.move_by(-1),
            KeyCode::Down | KeyCode::Tab => form.move_by(1),
            KeyCode::PageUp => form.move_by(-10),
            KeyCode::PageDown => form.move_by(10),
            KeyCode::Char(' ') if form.field().is_some_and(|f| f.many) => form.toggle_mark(),
            KeyCode::Enter => {
                // The world on screen, as `App::world` gives it.
                let engine = self.world.as_ref().map_or(real, |w| w.engine());
                match form.accept(engine, scopes) {
                    Ok(Step::More) => {}
                    Ok(Step::Done(change)) => {
                        self.scenario.push(change);
                        let n = self.scenario.entries.len();
                        self.cursor.set(n - 1, n);
                        self.cursor.keep_visible(LIST_ROWS, n);
                        self.message = Some(format!("change {} added", n - 1));
                        self.edited();
                        return;
                    }
                    Err(e) => self.message = Some(e),
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
        self.form = Some(form);
    }

    /// A key in the save or load prompt; Enter saves, or asks for the list to be read.
    fn path_key(&mut self, key: KeyEvent) -> Reply {
        let none = Reply::Effects(Vec::new());
        let Some((what, mut input)) = self.prompt.take() else {
            return none;
        };
        match key.code {
            KeyCode::Esc => none,
            KeyCode::Enter => {
                let path = input.value().trim().to_string();
                if path.is_empty() {
                    return none;
                }
                match what {
                    PathFor::Save => Reply::Effects(self.save(&path)),
                    PathFor::Load => {
                        self.message = Some(format!("loading {}…", crate::sanitize::clean(&path)));
                        Reply::Load(path)
                    }
                }
            }
            _ => {
                if let Some(req) = to_input_request(&Event::Key(key)) {
                    input.handle(req);
                }
                self.prompt = Some((what, input));
                none
            }
        }
    }

    /// Writes the change list (toggles included) to `path`, atomically, as the loop does for exports.
    pub fn save(&mut self, path: &str) -> Vec<Effect> {
        let content = match crate::sanitize::json::to_string_pretty(&self.scenario.to_json()) {
            Ok(c) => c + "\n",
            Err(e) => {
                self.message = Some(format!("save failed: {e}"));
                return Vec::new();
            }
        };
        self.start_save(path.to_string());
        vec![Effect::Write {
            path: path.into(),
            content,
        }]
    }

    /// The job that builds the world of the current list when it changed, named by its generation.
    pub fn world_job(&mut self) -> Option<(String, JobSpec)> {
        if !self.take_dirty() {
            return None;
        }
        let generation = self.generation;
        self.status = Status::Computing;
        let spec = JobSpec::WhatIf {
            scenario: self.scenario.clone(),
            generation,
        };
        Some((generation.to_string(), spec))
    }
}

/// Rows the add form's picker shows.
pub const FORM_ROWS: usize = 10;
