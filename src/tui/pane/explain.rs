//! The Explain pane: the current [`Doc`](crate::tui::explain::Doc), styled and wrapped, scrollable.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::block;
use crate::tui::app::{App, Focus};
use crate::tui::explain::Tone;
use crate::tui::theme::Theme;

fn style(t: &Theme, tone: Tone) -> ratatui::style::Style {
    match tone {
        Tone::Plain => t.base,
        Tone::Heading => t.heading,
        Tone::Dim => t.dim,
        Tone::Id => t.id,
        Tone::Decision(d) => t.decision(d),
        Tone::Escalation => t.escalation,
    }
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let doc = &app.explain;
    // The title is the paragraph's first line, wrapped like the rest: a border would cut it.
    let b = block(app, Focus::Explain, vec![Span::raw("Explain")]);
    let title = (!doc.title.is_empty()).then(|| Line::styled(doc.title.clone(), t.heading));
    let lines: Vec<Line> = title
        .into_iter()
        .chain(doc.lines.iter().map(|l| {
            Line::from(
                l.iter()
                    .map(|(tone, text)| Span::styled(text.clone(), style(t, *tone)))
                    .collect::<Vec<_>>(),
            )
        }))
        .collect();
    let scroll = u16::try_from(app.explain_scroll).unwrap_or(u16::MAX);
    let p = Paragraph::new(lines)
        .block(b)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0));
    frame.render_widget(p, area);
}

/// How many rows the document takes in a pane `width` cells wide: its title and every line, wrapped.
pub fn rows(doc: &crate::tui::explain::Doc, width: usize) -> usize {
    let line_rows = doc.lines.iter().map(|l| {
        let text: String = l.iter().map(|(_, t)| t.as_str()).collect();
        super::wrapped_rows(&text, width)
    });
    super::wrapped_rows(&doc.title, width) + line_rows.sum::<usize>()
}
