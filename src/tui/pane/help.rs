//! The `?` overlay, generated from the keymap: every binding with its description, by section, plus the
//! legend of symbols and badges.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use crate::eval::Decision;
use crate::tui::app::App;
use crate::tui::keymap::Chord;
use crate::tui::scopes::Badge;
use crate::tui::theme::{ESCALATION_SYMBOL, decision_symbol};

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

pub fn lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut out = Vec::new();
    let mut section = String::new();
    let key_w = 18;
    for b in &app.keymap.bindings {
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
        format!("{ESCALATION_SYMBOL} can grant itself"),
        t.escalation,
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

pub fn draw(frame: &mut Frame, app: &App, scroll: usize) {
    let area = centered(frame.area(), 90, 40, 10);
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(app.theme.border_focused)
        .title(Line::from(Span::styled(
            " Help — Esc closes, j/k scroll ",
            app.theme.title,
        )));
    let p = Paragraph::new(lines(app))
        .block(block)
        .wrap(ratatui::widgets::Wrap { trim: false })
        .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0));
    frame.render_widget(p, area);
}
