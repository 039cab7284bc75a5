//! A one-line question: where calls come from (`f`), where to export (`e`). Enter hands the typed value to
//! the app; Esc closes without it.

use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use super::{Intent, Reply, centered, frame_block};
use crate::sanitize::clean;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    From,
    Export,
}

impl PromptKind {
    pub fn title(self) -> &'static str {
        match self {
            Self::From => {
                "Calls come from (IP, 'subnet <id>', 'pe', 'trusted', 'internet'; empty = not evaluated)"
            }
            Self::Export => "Export this view to (.json, .csv or .md)",
        }
    }
}

#[derive(Debug)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: Input,
}

impl Prompt {
    /// A prompt holding `value` to start with.
    pub fn new(kind: PromptKind, value: String) -> Self {
        Self {
            kind,
            input: Input::new(value),
        }
    }

    pub fn key(&mut self, key: &KeyEvent) -> Reply {
        match key.code {
            KeyCode::Esc => Reply::Close,
            KeyCode::Enter => Reply::Then(Intent::Submit(
                self.kind,
                self.input.value().trim().to_string(),
            )),
            _ => {
                if let Some(req) = to_input_request(&Event::Key(*key)) {
                    self.input.handle(req);
                }
                Reply::Keep
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame, theme: &Theme) {
        let full = frame.area();
        let base = centered(full, 80, 30, 3);
        let area = Rect {
            height: 3.min(full.height),
            y: full.y + full.height.saturating_sub(3) / 2,
            ..base
        };
        frame.render_widget(Clear, area);
        let block = frame_block(theme, self.kind.title());
        let p = Paragraph::new(input_line(theme, "> ", &self.input)).block(block);
        frame.render_widget(p, area);
    }
}

/// A text box's line: a prefix, what was typed (cleaned), a caret.
pub fn input_line<'a>(theme: &Theme, prefix: &'a str, input: &Input) -> Line<'a> {
    Line::from(vec![
        Span::styled(prefix, theme.key),
        Span::raw(clean(input.value()).into_owned()),
        Span::styled("▏", theme.key),
    ])
}
