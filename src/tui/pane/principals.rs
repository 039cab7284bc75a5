//! The principal list: type icon, name, and the filter box when filtering.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{block, selection};
use crate::tui::app::{App, Focus};
use crate::tui::principals::icon;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let list = &app.nav.principals;
    let focused = app.focus == Focus::Principals;
    let mut count = if list.query.is_empty() {
        format!("{}", list.all.len())
    } else {
        format!("{}/{}", list.shown.len(), list.all.len())
    };
    if app.filter_pending() {
        count.push_str(" ⟳");
    }
    let b = block(
        app,
        Focus::Principals,
        vec![Span::raw("Principals "), Span::styled(count, t.dim)],
    );
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let mut body = inner;
    let typing = app.filter.active && app.filter.view.is_none();
    if typing || !list.query.is_empty() {
        let line = if typing {
            app.filter.line(t)
        } else {
            crate::tui::filter::query_line(t, &list.query, false)
        };
        frame.render_widget(
            Paragraph::new(line),
            Rect {
                height: 1.min(inner.height),
                ..inner
            },
        );
        body = Rect {
            y: inner.y + 1,
            height: inner.height.saturating_sub(1),
            ..inner
        };
    }
    if list.shown.is_empty() {
        super::placeholder(frame, body, t.dim, "no principal matches");
        return;
    }
    let height = body.height as usize;
    let mut lines = Vec::new();
    for pos in list.cursor.window(height, list.shown.len()) {
        let Some(p) = list.shown.get(pos).and_then(|&i| list.all.get(i)) else {
            continue;
        };
        let icon_style = match p.kind {
            crate::model::PrincipalKind::Group => t.heading,
            crate::model::PrincipalKind::User => t.allowed,
            crate::model::PrincipalKind::Unknown => t.unknown,
            _ => t.badge,
        };
        let mut spans = vec![
            Span::styled(format!("{} ", icon(p.kind)), icon_style),
            Span::raw(p.name.clone()),
        ];
        if let Some(u) = &p.upn
            && body.width > 40
        {
            spans.push(Span::styled(format!("  {u}"), t.dim));
        }
        let mut line = Line::from(spans);
        if pos == list.cursor.selected {
            line = line.style(selection(t, focused));
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), body);
}
