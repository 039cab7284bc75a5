//! Every colour and text style of the explorer, in one place. Three palettes: dark, light, and monochrome
//! (used when `NO_COLOR` is set), where only bold/dim/reverse carry meaning and symbols carry the rest.

use ratatui::style::{Color, Modifier, Style};

use crate::eval::Decision;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeKind {
    Dark,
    Light,
    Mono,
}

impl ThemeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dark => "dark",
            Self::Light => "light",
            Self::Mono => "no-colour",
        }
    }
}

/// Semantic styles; panes never name a colour themselves.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub kind: ThemeKind,
    pub base: Style,
    pub dim: Style,
    pub title: Style,
    pub border: Style,
    pub border_focused: Style,
    pub selected: Style,
    pub selected_unfocused: Style,
    pub heading: Style,
    pub badge: Style,
    pub warning: Style,
    pub allowed: Style,
    pub denied: Style,
    pub conditional: Style,
    pub unknown: Style,
    pub escalation: Style,
    pub id: Style,
    pub key: Style,
    pub match_hl: Style,
}

fn fg(c: Color) -> Style {
    Style::new().fg(c)
}

impl Theme {
    /// The theme asked for, unless `NO_COLOR` says no colour at all.
    pub fn pick(want: ThemeKind, no_color: bool) -> Self {
        if no_color {
            Self::mono()
        } else {
            match want {
                ThemeKind::Light => Self::light(),
                ThemeKind::Mono => Self::mono(),
                ThemeKind::Dark => Self::dark(),
            }
        }
    }

    /// `NO_COLOR` set to anything non-empty (<https://no-color.org>).
    pub fn no_color_from_env() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }

    pub fn dark() -> Self {
        let bold = Modifier::BOLD;
        Self {
            kind: ThemeKind::Dark,
            base: Style::new(),
            dim: fg(Color::DarkGray),
            title: fg(Color::Cyan).add_modifier(bold),
            border: fg(Color::DarkGray),
            border_focused: fg(Color::Cyan),
            selected: Style::new()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(bold),
            selected_unfocused: Style::new().bg(Color::DarkGray).fg(Color::White),
            heading: fg(Color::Yellow).add_modifier(bold),
            badge: fg(Color::Cyan),
            warning: fg(Color::LightRed).add_modifier(bold),
            allowed: fg(Color::Green),
            denied: fg(Color::Red),
            conditional: fg(Color::Yellow),
            unknown: fg(Color::Magenta),
            escalation: fg(Color::LightCyan).add_modifier(bold),
            id: fg(Color::Gray),
            key: fg(Color::Yellow).add_modifier(bold),
            match_hl: fg(Color::LightYellow).add_modifier(bold),
        }
    }

    pub fn light() -> Self {
        let bold = Modifier::BOLD;
        Self {
            kind: ThemeKind::Light,
            base: Style::new(),
            dim: fg(Color::Gray),
            title: fg(Color::Blue).add_modifier(bold),
            border: fg(Color::Gray),
            border_focused: fg(Color::Blue),
            selected: Style::new()
                .bg(Color::LightBlue)
                .fg(Color::Black)
                .add_modifier(bold),
            selected_unfocused: Style::new().bg(Color::Gray).fg(Color::Black),
            heading: fg(Color::Magenta).add_modifier(bold),
            badge: fg(Color::Blue),
            warning: fg(Color::Red).add_modifier(bold),
            allowed: fg(Color::Green).add_modifier(bold),
            denied: fg(Color::Red),
            conditional: fg(Color::Rgb(160, 100, 0)),
            unknown: fg(Color::Magenta),
            escalation: fg(Color::Blue).add_modifier(bold),
            id: fg(Color::DarkGray),
            key: fg(Color::Blue).add_modifier(bold),
            match_hl: Style::new().add_modifier(bold | Modifier::UNDERLINED),
        }
    }

    pub fn mono() -> Self {
        let plain = Style::new();
        let bold = plain.add_modifier(Modifier::BOLD);
        Self {
            kind: ThemeKind::Mono,
            base: plain,
            dim: plain.add_modifier(Modifier::DIM),
            title: bold,
            border: plain,
            border_focused: bold,
            selected: plain.add_modifier(Modifier::REVERSED),
            selected_unfocused: plain.add_modifier(Modifier::UNDERLINED),
            heading: bold,
            badge: plain,
            warning: bold,
            allowed: plain,
            denied: plain,
            conditional: plain,
            unknown: plain,
            escalation: bold,
            id: plain,
            key: bold,
            match_hl: plain.add_modifier(Modifier::UNDERLINED),
        }
    }

    pub fn decision(&self, d: Decision) -> Style {
        match d {
            Decision::Allowed => self.allowed,
            Decision::Denied => self.denied,
            Decision::Conditional => self.conditional,
            Decision::Unknown => self.unknown,
        }
    }

    /// The theme `t` switches to.
    pub fn toggled(&self) -> Self {
        match self.kind {
            ThemeKind::Dark => Self::light(),
            ThemeKind::Light => Self::dark(),
            ThemeKind::Mono => Self::mono(),
        }
    }
}

/// One-cell symbols, so a decision reads the same with or without colour.
pub fn decision_symbol(d: Decision) -> &'static str {
    match d {
        Decision::Allowed => "✔",
        Decision::Denied => "✘",
        Decision::Conditional => "◐",
        Decision::Unknown => "?",
    }
}

pub const ESCALATION_SYMBOL: &str = "⇑";
/// Held on some items of a vault only (grants made at the items).
pub const ITEMS_SYMBOL: &str = "◑";
