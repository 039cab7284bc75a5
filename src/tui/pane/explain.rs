//! The Explain pane: the current [`Doc`](crate::tui::explain::Doc), styled and wrapped, scrollable.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::block;
use crate::tui::app::{App, Focus};
use crate::tui::explain::Tone;
use crate::tui::filter::{Target, keeps};
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
    let shown = shown(app);
    let mut b = block(app, Focus::Explain, vec![Span::raw("Explain")]);
    let typing = app.filter.typing(Target::Explain);
    if typing || !app.explain_query.is_empty() {
        let query = if typing {
            app.filter.input.value()
        } else {
            app.explain_query.as_str()
        };
        let mut line = crate::tui::filter::query_line(t, query, typing);
        line.spans.push(Span::styled(
            format!(" {} of {} lines ", shown.len(), doc.lines.len()),
            t.dim,
        ));
        b = b.title_bottom(line);
    }
    // The title is the paragraph's first line, wrapped like the rest: a border would cut it.
    let title = (!doc.title.is_empty()).then(|| Line::styled(doc.title.clone(), t.heading));
    let lines: Vec<Line> = title
        .into_iter()
        .chain(shown.iter().map(|l| {
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

/// The explanation's lines the `/` search keeps: those with every word (all of them without a search).
pub fn shown(app: &App) -> Vec<&Vec<(Tone, String)>> {
    let query = &app.explain_query;
    app.explain
        .lines
        .iter()
        .filter(|l| {
            query.is_empty()
                || keeps(
                    query,
                    &l.iter().map(|(_, t)| t.as_str()).collect::<String>(),
                )
        })
        .collect()
}

/// How many rows the explanation on screen takes in a pane `width` cells wide: its title and every line
/// the search keeps, wrapped.
pub fn rows(app: &App, width: usize) -> usize {
    let line_rows = shown(app).into_iter().map(|l| {
        let text: String = l.iter().map(|(_, t)| t.as_str()).collect();
        super::wrapped_rows(&text, width)
    });
    super::wrapped_rows(&app.explain.title, width) + line_rows.sum::<usize>()
}
