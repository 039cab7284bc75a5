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
    let mut rest = Vec::new();
    if single {
        rest.push(Span::styled(
            format!("  [{}]", app.focus.title()),
            t.heading,
        ));
    }
    if let Some(live) = &app.live {
        rest.push(Span::styled(
            format!("  {}", crate::sanitize::clean(&live.headline())),
            t.heading,
        ));
    }
    if let Some(o) = app.origin_label() {
        rest.push(Span::styled(format!("  from {o}"), t.badge));
    }
    // Where the whole line does not fit, the other views' tabs give up their names (the digits stay) so
    // that every view's key stays on screen and what follows the tabs — the live fetch's state, the caller
    // location — is not cut.
    let tabs = |short: bool| -> Vec<Span<'static>> {
        View::ALL
            .into_iter()
            .map(|v| {
                let (label, style) = match (v == app.view, short) {
                    (true, _) => (format!(" {} {} ", v.digit(), v.title()), t.selected),
                    (false, false) => (format!(" {} {} ", v.digit(), v.title()), t.dim),
                    (false, true) => (format!(" {} ", v.digit()), t.dim),
                };
                Span::styled(label, style)
            })
            .collect()
    };
    let width = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
    let full = tabs(false);
    let fits = width(&spans) + width(&full) + width(&rest) <= usize::from(area.width);
    spans.extend(if fits { full } else { tabs(true) });
    spans.extend(rest);
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
