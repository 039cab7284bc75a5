//! The live session's text: the `L` log overlay (every collection error with its scope, section and HTTP
//! status, warnings, how the run ended) and the progress line the status bar shows instead of the
//! snapshot's counts. Everything here came from Azure or the network, so it is cleaned before drawing.

use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use crate::sanitize::clean;
use crate::tui::app::App;
use crate::tui::live::{Ended, LiveState, LogKind};
use crate::tui::pane::help::centered;
use crate::tui::theme::Theme;

/// The log as lines: a summary, then one line per entry.
pub fn lines(live: &LiveState, t: &Theme) -> Vec<Line<'static>> {
    let errors = live.log.iter().filter(|e| e.kind == LogKind::Error).count();
    let warnings = live
        .log
        .iter()
        .filter(|e| e.kind == LogKind::Warning)
        .count();
    let mut out = vec![
        Line::from(Span::styled(
            clean(&live.progress_line()).into_owned(),
            t.heading,
        )),
        Line::from(Span::styled(
            format!("{errors} collection error(s), {warnings} warning(s)"),
            t.dim,
        )),
        Line::default(),
    ];
    for e in &live.log {
        let (label, style) = match e.kind {
            LogKind::Error => ("error  ", t.unknown),
            LogKind::Warning => ("warning", t.warning),
            LogKind::Failure => ("FAILED ", t.denied),
            LogKind::Note => ("note   ", t.dim),
        };
        let mut spans = vec![Span::styled(format!("{label} "), style)];
        if e.kind == LogKind::Error {
            let status = e
                .status
                .map_or_else(|| "—".to_string(), |s| format!("HTTP {s}"));
            spans.push(Span::styled(
                format!("{:<18} ", clean(&e.section)),
                t.heading,
            ));
            spans.push(Span::styled(format!("{status:<8} "), t.badge));
            spans.push(Span::styled(clean(&e.scope).into_owned(), t.id));
            spans.push(Span::raw(": "));
        }
        // Messages such as an authentication failure's advice span lines: each is cleaned on its own.
        let mut lines = e.message.lines();
        spans.push(Span::raw(
            clean(lines.next().unwrap_or_default()).into_owned(),
        ));
        out.push(Line::from(spans));
        out.extend(lines.map(|l| Line::from(format!("        {}", clean(l.trim())))));
    }
    if live.log.is_empty() {
        out.push(Line::from(Span::styled("nothing logged yet", t.dim)));
    }
    out
}

pub fn draw(frame: &mut Frame, app: &App, scroll: usize) {
    let Some(live) = &app.live else {
        return;
    };
    let area = centered(frame.area(), 90, 40, 10);
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(app.theme.border_focused)
        .title(Line::from(Span::styled(
            " Fetch log — Esc closes, j/k scroll ",
            app.theme.title,
        )));
    let p = Paragraph::new(lines(live, &app.theme))
        .block(block)
        .wrap(ratatui::widgets::Wrap { trim: false })
        .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0));
    frame.render_widget(p, area);
}

/// The status bar's left part in a live session: the progress line, cut to `width`.
pub fn progress_span(live: &LiveState, t: &Theme, width: usize) -> Span<'static> {
    let style: Style = match &live.ended {
        _ if live.running => t.heading,
        Some(Ended::Failed(_)) => t.denied,
        Some(Ended::Finished { errors, .. }) if *errors > 0 => t.warning,
        _ => t.dim,
    };
    let text: String = format!(" {}", clean(&live.progress_line()))
        .chars()
        .take(width)
        .collect();
    Span::styled(text, style)
}
