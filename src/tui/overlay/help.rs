//! The `?` overlay, generated from the keymap: every binding with its description, by section, plus the
//! legend of symbols and badges.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Ctx, Reply, centered, frame_block, scroll_key};
use crate::eval::Decision;
use crate::tui::action::UserAction;
use crate::tui::keymap::{Chord, Keymap};
use crate::tui::scopes::Badge;
use crate::tui::theme::{ESCALATION_SYMBOL, ITEMS_SYMBOL, Theme, decision_symbol};

#[derive(Debug, Default)]
pub struct Help {
    pub scroll: usize,
}

impl Help {
    pub fn key(&mut self, key: &KeyEvent, keymap: &Keymap) -> Reply {
        match scroll_key(key, keymap, self.scroll, UserAction::Help, None) {
            Some(scroll) => {
                self.scroll = scroll.min(keymap.bindings.len() + 8);
                Reply::Keep
            }
            None => Reply::Close,
        }
    }

    pub fn draw(&self, frame: &mut Frame, ctx: &Ctx) {
        let area = centered(frame.area(), 90, 40, 10);
        frame.render_widget(Clear, area);
        let block = frame_block(ctx.theme, "Help — Esc closes, j/k scroll");
        let p = Paragraph::new(lines(ctx.keymap, ctx.theme))
            .block(block)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .scroll((u16::try_from(self.scroll).unwrap_or(u16::MAX), 0));
        frame.render_widget(p, area);
    }
}

pub fn lines(keymap: &Keymap, t: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let mut section = String::new();
    let key_w = 18;
    for b in &keymap.bindings {
        if b.keys.is_empty() {
            continue;
        }
        if b.section != section {
            section = b.section.clone();
            if !out.is_empty() {
                out.push(Line::default());
            }
            out.push(Line::from(Span::styled(section.clone(), t.heading)));
        }
        let keys = b
            .keys
            .iter()
            .map(Chord::label)
            .collect::<Vec<_>>()
            .join(" ");
        out.push(Line::from(vec![
            Span::styled(format!("  {keys:<key_w$}"), t.key),
            Span::raw(b.desc.clone()),
        ]));
    }
    out.push(Line::default());
    out.push(Line::from(Span::styled("Mouse", t.heading)));
    out.push(Line::from("  click selects and focuses a pane (click a selected scope to expand it); the wheel scrolls"));
    out.push(Line::default());
    out.push(Line::from(Span::styled("Symbols", t.heading)));
    let mut legend = vec![Span::raw("  ")];
    for d in [
        Decision::Allowed,
        Decision::Denied,
        Decision::Conditional,
        Decision::Unknown,
    ] {
        legend.push(Span::styled(
            format!("{} {}  ", decision_symbol(d), d.as_str()),
            t.decision(d),
        ));
    }
    legend.push(Span::styled(
        format!("{ESCALATION_SYMBOL} can grant itself  "),
        t.escalation,
    ));
    legend.push(Span::styled(
        format!("{ITEMS_SYMBOL} on some items only"),
        t.decision(Decision::Allowed),
    ));
    out.push(Line::from(legend));
    out.push(Line::from("  principals: U user  G group  S service principal  M managed identity  ? not in directory"));
    for b in [
        Badge::Rbac,
        Badge::AccessPolicies,
        Badge::Firewall,
        Badge::PrivateOnly,
        Badge::PurgeProtection,
        Badge::Errors,
    ] {
        out.push(Line::from(vec![
            Span::styled(format!("  {:<6}", b.label()), t.badge),
            Span::raw(b.meaning()),
        ]));
    }
    out
}
