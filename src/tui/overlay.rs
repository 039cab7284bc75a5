//! What is drawn over the panes: the help, the command palette, the one-line prompts and the fetch log.
//! Each overlay owns its state, its keys and its drawing. An overlay knows nothing of the app: a key gives
//! back a [`Reply`], and what the overlay asks for beyond itself (run a command, take a typed value) is an
//! [`Intent`] the app carries out.

pub mod help;
pub mod log;
pub mod palette;
pub mod prompt;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};

use crate::tui::keymap::Keymap;
use crate::tui::live::LiveState;
use crate::tui::theme::Theme;
pub use help::Help;
pub use log::Log;
pub use palette::Palette;
pub use prompt::{Prompt, PromptKind};

#[derive(Debug)]
pub enum Overlay {
    Help(Help),
    Palette(Palette),
    Prompt(Prompt),
    Log(Log),
}

/// What a key in an overlay leaves behind.
#[derive(Debug, PartialEq)]
pub enum Reply {
    /// The overlay stays open.
    Keep,
    /// The overlay closes.
    Close,
    /// The overlay closes and the app does this.
    Then(Intent),
}

/// What an overlay asks the app to do.
#[derive(Debug, PartialEq)]
pub enum Intent {
    /// Run a palette entry.
    Run(palette::Entry),
    /// A prompt's value was submitted.
    Submit(PromptKind, String),
    /// Say this in the status bar.
    Say(String),
}

/// What the overlays read from around them, for keys and for drawing.
pub struct Ctx<'a> {
    pub keymap: &'a Keymap,
    pub theme: &'a Theme,
    /// The live session's state, whose log the log overlay shows.
    pub live: Option<&'a LiveState>,
}

impl Overlay {
    pub fn key(&mut self, key: &KeyEvent, ctx: &Ctx) -> Reply {
        match self {
            Self::Help(h) => h.key(key, ctx.keymap),
            Self::Palette(p) => p.key(key, ctx.keymap),
            Self::Prompt(p) => p.key(key),
            Self::Log(l) => l.key(key, ctx),
        }
    }

    pub fn draw(&self, frame: &mut Frame, ctx: &Ctx) {
        match self {
            Self::Help(h) => h.draw(frame, ctx),
            Self::Palette(p) => p.draw(frame, ctx),
            Self::Prompt(p) => p.draw(frame, ctx.theme),
            Self::Log(l) => l.draw(frame, ctx),
        }
    }
}

/// A centred rectangle taking `pct` percent of each dimension, at least `min_w`×`min_h` when there is room.
pub fn centered(area: Rect, pct: u16, min_w: u16, min_h: u16) -> Rect {
    let w = (area.width * pct / 100).max(min_w).min(area.width);
    let h = (area.height * pct / 100).max(min_h).min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// An overlay's frame: double-lined, titled.
fn frame_block<'a>(theme: &Theme, title: &str) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.border_focused)
        .title(Line::from(Span::styled(format!(" {title} "), theme.title)))
}

/// A scrolled text's new position after a key the keymap names; `None` when the key closes it (`closer`,
/// `quit` or `back`). `bottom`: where the bottom key goes, if the text has one.
fn scroll_key(
    key: &KeyEvent,
    keymap: &Keymap,
    scroll: usize,
    closer: crate::tui::action::UserAction,
    bottom: Option<usize>,
) -> Option<usize> {
    use crate::tui::action::UserAction as A;
    Some(match keymap.action_for(key) {
        Some(A::Down) => scroll + 1,
        Some(A::Up) => scroll.saturating_sub(1),
        Some(A::PageDown) => scroll + 10,
        Some(A::PageUp) => scroll.saturating_sub(10),
        Some(A::Top) => 0,
        Some(A::Bottom) => bottom.unwrap_or(scroll),
        Some(a) if a == closer || matches!(a, A::Quit | A::Back) => return None,
        _ => scroll,
    })
}
