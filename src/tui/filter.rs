//! The `/` filter box: what is typed narrows a list. It owns the text being typed and its keys; the app
//! gives each change of the text to the list it narrows.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::text::{Line, Span};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use crate::sanitize::clean;
use crate::tui::theme::Theme;

#[derive(Debug, Default)]
pub struct FilterBox {
    /// The box is taking keystrokes.
    pub active: bool,
    pub input: Input,
}

/// What a key in the box did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typed {
    /// Nothing the list needs to know.
    Keep,
    /// The text changed to this.
    Query(String),
    /// Enter: the box stops taking keys, the filter stays.
    Done,
    /// Esc: the box closes and the filter is cleared.
    Cleared,
    /// ↑ or ↓: the list's selection moves.
    Move(isize),
}

impl FilterBox {
    /// Starts taking keys, with the list's current filter in the box.
    pub fn open(&mut self, query: &str) {
        self.active = true;
        self.input = Input::new(query.to_string());
    }

    /// Empties the box (the list's filter is cleared by its owner).
    pub fn clear(&mut self) {
        self.input = Input::default();
    }

    pub fn key(&mut self, key: &KeyEvent) -> Typed {
        match key.code {
            KeyCode::Enter => {
                self.active = false;
                Typed::Done
            }
            KeyCode::Esc => {
                self.active = false;
                self.clear();
                Typed::Cleared
            }
            KeyCode::Up => Typed::Move(-1),
            KeyCode::Down => Typed::Move(1),
            _ => match to_input_request(&Event::Key(*key)) {
                Some(req) if self.input.handle(req).is_some_and(|c| c.value) => {
                    Typed::Query(self.input.value().to_string())
                }
                _ => Typed::Keep,
            },
        }
    }

    /// The box as a line: `/`, the text, a caret while it takes keys.
    pub fn line(&self, t: &Theme) -> Line<'static> {
        let cursor = if self.active { "▏" } else { "" };
        Line::from(vec![
            Span::styled("/", t.key),
            Span::styled(clean(self.input.value()).into_owned(), t.match_hl),
            Span::styled(cursor, t.key),
        ])
    }
}
