//! The `:` command palette (fuzzy-matched commands) and the one-line prompts (caller location, export path).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};
use tui_input::Input;

use super::help::centered;
use crate::sanitize::clean;
use crate::tui::app::{App, PromptKind};
use crate::tui::cursor::Cursor;

fn frame_block<'a>(app: &App, title: &'a str) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(app.theme.border_focused)
        .title(Line::from(Span::styled(
            format!(" {title} "),
            app.theme.title,
        )))
}

fn input_line<'a>(app: &App, prefix: &'a str, input: &Input) -> Line<'a> {
    Line::from(vec![
        Span::styled(prefix, app.theme.key),
        Span::raw(clean(input.value()).into_owned()),
        Span::styled("▏", app.theme.key),
    ])
}

pub fn draw_palette(frame: &mut Frame, app: &App, input: &Input, cursor: &Cursor) {
    let full = frame.area();
    let w = (full.width * 80 / 100).max(30).min(full.width);
    let h = 14.min(full.height);
    let area = Rect {
        x: full.x + (full.width - w) / 2,
        y: full.y + full.height.saturating_sub(h) / 3,
        width: w,
        height: h,
    };
    frame.render_widget(Clear, area);
    let block = frame_block(app, "Commands — type to filter, Enter runs, Esc closes");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let entries = app.palette_entries(input.value());
    let mut lines = vec![input_line(app, ": ", input)];
    let rows = (inner.height as usize).saturating_sub(1);
    for i in cursor.window(rows, entries.len()) {
        let Some(e) = entries.get(i) else { continue };
        let line = Line::from(vec![
            // At least one space after the name, however long the typed argument makes it.
            Span::styled(format!(" {:<17} ", e.name), app.theme.key),
            Span::raw(e.desc.clone()),
        ]);
        lines.push(if i == cursor.selected {
            line.style(app.theme.selected)
        } else {
            line
        });
    }
    if entries.is_empty() {
        lines.push(Line::from(Span::styled(
            " no command matches",
            app.theme.dim,
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn draw_prompt(frame: &mut Frame, app: &App, kind: PromptKind, input: &Input) {
    let full = frame.area();
    let base = centered(full, 80, 30, 3);
    let area = Rect {
        height: 3.min(full.height),
        y: full.y + full.height.saturating_sub(3) / 2,
        ..base
    };
    frame.render_widget(Clear, area);
    let block = frame_block(app, kind.title());
    let p = Paragraph::new(input_line(app, "> ", input)).block(block);
    frame.render_widget(p, area);
}
