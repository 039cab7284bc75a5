//! The live session's `L` overlay: every collection error with its scope, section and HTTP status,
//! warnings, how the run ended. Everything here came from Azure or the network, so it is cleaned before
//! drawing.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Ctx, Reply, centered, frame_block, scroll_key};
use crate::sanitize::clean;
use crate::tui::action::UserAction;
use crate::tui::live::{LiveState, LogKind};
use crate::tui::theme::Theme;

#[derive(Debug, Default)]
pub struct Log {
    pub scroll: usize,
}

impl Log {
    pub fn key(&mut self, key: &KeyEvent, ctx: &Ctx) -> Reply {
        let lines = ctx.live.map_or(0, |l| l.log.len());
        match scroll_key(
            key,
            ctx.keymap,
            self.scroll,
            UserAction::ShowLog,
            Some(lines),
        ) {
            Some(scroll) => {
                self.scroll = scroll.min(lines.saturating_sub(1));
                Reply::Keep
            }
            None => Reply::Close,
        }
    }

    pub fn draw(&self, frame: &mut Frame, ctx: &Ctx) {
        let Some(live) = ctx.live else {
            return;
        };
        let area = centered(frame.area(), 90, 40, 10);
        frame.render_widget(Clear, area);
        let block = frame_block(ctx.theme, "Fetch log — Esc closes, j/k scroll");
        let p = Paragraph::new(lines(live, ctx.theme))
            .block(block)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .scroll((u16::try_from(self.scroll).unwrap_or(u16::MAX), 0));
        frame.render_widget(p, area);
    }
}

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
