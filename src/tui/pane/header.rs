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
    for v in View::ALL {
        let label = format!(" {} {} ", v.digit(), v.title());
        spans.push(Span::styled(
            label,
            if v == app.view { t.selected } else { t.dim },
        ));
    }
    if single {
        spans.push(Span::styled(
            format!("  [{}]", app.focus.title()),
            t.heading,
        ));
    }
    if let Some(live) = &app.live {
        spans.push(Span::styled(
            format!("  {}", crate::sanitize::clean(&live.headline())),
            t.heading,
        ));
    }
    if let Some(o) = app.origin_label() {
        spans.push(Span::styled(format!("  from {o}"), t.badge));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
