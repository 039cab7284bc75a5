//! The top line: the views as tabs, and the caller location when one is set.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::app::{App, View};

pub fn draw(frame: &mut Frame, app: &App, area: Rect, single: bool) {
    let t = &app.theme;
    let mut spans = vec![Span::styled(" kvaccess ", t.title)];
    // First, so a narrow terminal cannot cut it: the panes show a hypothetical world.
    if let Some(w) = app.whatif.badge() {
        spans.push(Span::styled(
            format!("[{w}]"),
            t.badge.add_modifier(Modifier::REVERSED),
        ));
    }
    let mut tail = Vec::new();
    if single {
        tail.push(Span::styled(
            format!("  [{}]", app.focus.title()),
            t.heading,
        ));
    }
    if let Some(live) = &app.live {
        tail.push(Span::styled(
            format!("  {}", crate::sanitize::clean(&live.headline())),
            t.heading,
        ));
    }
    if let Some(o) = app.origin_label() {
        tail.push(Span::styled(format!("  from {o}"), t.badge));
    }
    // The tabs in full when the line has room; else the views not on screen by their digit only, so that
    // what follows them (a live fetch's headline, the caller location) is not cut.
    let tab = |i: usize, v: &View, full: bool| {
        let label = if full || *v == app.view {
            format!(" {} {} ", i + 1, v.title())
        } else {
            format!(" {} ", i + 1)
        };
        Span::styled(label, if *v == app.view { t.selected } else { t.dim })
    };
    let used: usize = spans.iter().chain(&tail).map(Span::width).sum();
    let full_tabs: usize = View::ALL
        .iter()
        .enumerate()
        .map(|(i, v)| tab(i, v, true).width())
        .sum();
    let full = used + full_tabs <= usize::from(area.width);
    spans.extend(View::ALL.iter().enumerate().map(|(i, v)| tab(i, v, full)));
    spans.extend(tail);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
