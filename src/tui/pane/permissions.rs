//! Effective permissions: every operation at the selected scope for the selected principal, grouped by
//! plane and object kind, each with its decision symbol.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{block, fit, selection};
use crate::eval::Decision;
use crate::tui::app::{App, Focus};
use crate::tui::permissions::TableLine;
use crate::tui::theme::{ESCALATION_SYMBOL, decision_symbol};
use crate::tui::whatif::marks::{self, Mark};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let p = &app.perms;
    let focused = app.focus == Focus::Main;
    let who = app
        .principals
        .selected()
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let at = app.scope_label();
    let mut title = vec![
        Span::raw("Permissions "),
        Span::styled(format!("{who} @ {at} "), t.heading),
    ];
    for d in [Decision::Allowed, Decision::Conditional, Decision::Unknown] {
        let n = p.count(d);
        if n > 0 {
            title.push(Span::styled(
                format!("{}{n} ", decision_symbol(d)),
                t.decision(d),
            ));
        }
    }
    let b = block(app, Focus::Main, title);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    if p.lines.is_empty() {
        super::placeholder(
            frame,
            inner,
            t.dim,
            p.note
                .as_deref()
                .unwrap_or("select a scope and a principal"),
        );
        return;
    }
    let height = inner.height as usize;
    let width = inner.width as usize;
    let show_word = width >= 4 + 16 + 11 + 11;
    let name_w = width
        .saturating_sub(4 + 11 + if show_word { 11 } else { 0 })
        .clamp(10, 34);
    let mut lines = Vec::new();
    for i in app.perm_cursor.window(height, p.lines.len()) {
        let line = match p.lines.get(i) {
            Some(TableLine::Plane(text)) => Line::from(Span::styled(text.clone(), t.heading)),
            Some(TableLine::Kind(text)) => Line::from(Span::styled(format!(" {text}"), t.title)),
            Some(TableLine::Op(r)) => {
                let Some(row) = p.rows.get(*r) else { continue };
                let d = row.decision;
                let before = app.whatif.perms_before.as_ref().map(|b| b.rows.as_slice());
                let mark = marks::perm_row(before, row);
                let word_style = mark.map_or(t.decision(d), |m| m.style(t));
                let mut spans = vec![
                    Span::styled(mark.map_or(" ", Mark::symbol), word_style),
                    Span::styled(format!(" {} ", decision_symbol(d)), t.decision(d)),
                    Span::raw(fit(row.op.name, name_w)),
                ];
                if show_word {
                    spans.push(Span::styled(format!(" {:<10}", d.as_str()), word_style));
                }
                if row.network_denied {
                    // Which gate said no: the firewall, not a missing grant.
                    spans.push(Span::styled(" ⊘ network", t.warning));
                }
                if row.escalation.is_some() {
                    spans.push(Span::styled(
                        format!(" {ESCALATION_SYMBOL} can grant"),
                        t.escalation,
                    ));
                }
                let mut l = Line::from(spans);
                if i == app.perm_cursor.selected {
                    l = l.style(selection(t, focused));
                }
                l
            }
            None => continue,
        };
        lines.push(line);
    }
    if let Some(note) = &p.note
        && lines.len() < height
    {
        lines.push(Line::from(Span::styled(note.clone(), t.dim)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
