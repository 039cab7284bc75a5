//! The matrix of the selected vault: identities with any access as rows, operation groups as columns. The
//! selected column scrolls horizontally when the pane is narrower than the table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{block, fit, selection};
use crate::eval::Decision;
use crate::query::Cell;
use crate::tui::app::{App, Focus, Load};
use crate::tui::whatif::marks::{self, Mark};

const COL_W: usize = 6;

fn cell_text(c: &Cell) -> (&'static str, Decision) {
    match c.summary() {
        "all" => ("all", Decision::Allowed),
        "some" => ("some", Decision::Allowed),
        "cond" => ("cond", Decision::Conditional),
        "?" => ("?", Decision::Unknown),
        _ => ("·", Decision::Denied),
    }
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let vault = app
        .scopes
        .selected_scope()
        .and_then(|s| s.vault())
        .map(|v| crate::sanitize::clean(v.name()).into_owned());
    let title = vec![
        Span::raw("Matrix "),
        Span::styled(vault.unwrap_or_default(), t.heading),
    ];
    let b = block(app, Focus::Main, title);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let m = match &app.matrix {
        Load::Ready(m) => m,
        Load::Loading(what) => {
            return super::placeholder(frame, inner, t.dim, &format!("⟳ {what}…"));
        }
        Load::Failed(e) => return super::placeholder(frame, inner, t.warning, e),
        Load::Idle => return,
    };
    if m.rows.is_empty() {
        return super::placeholder(
            frame,
            inner,
            t.dim,
            "no principal has any access to this vault",
        );
    }
    let label_w = (inner.width as usize / 4).clamp(8, 24);
    let fit_cols = ((inner.width as usize).saturating_sub(label_w) / COL_W).max(1);
    let first = app.matrix_col.saturating_sub(fit_cols - 1);
    let cols = first..(first + fit_cols).min(m.columns.len());
    let focused = app.focus == Focus::Main;
    let mut top = vec![Span::raw(" ".repeat(label_w))];
    let mut bottom = vec![Span::styled(
        fit(&format!("{} rows", m.rows.len()), label_w),
        t.dim,
    )];
    for c in cols.clone() {
        let name = m.columns.get(c).copied().unwrap_or("");
        let (kind, verb) = name.split_once('/').unwrap_or((name, ""));
        let style = if c == app.matrix_col { t.key } else { t.title };
        top.push(Span::styled(
            fit(&kind.chars().take(COL_W - 1).collect::<String>(), COL_W),
            style,
        ));
        bottom.push(Span::styled(
            fit(&verb.chars().take(COL_W - 1).collect::<String>(), COL_W),
            style,
        ));
    }
    let mut lines = vec![Line::from(top), Line::from(bottom)];
    let height = (inner.height as usize).saturating_sub(2);
    for i in app.matrix_cursor.window(height, m.rows.len()) {
        let Some(r) = m.rows.get(i) else { continue };
        let icon = r
            .principal
            .as_ref()
            .map_or("?", |p| crate::tui::principals::icon(p.kind));
        let label = format!("{icon} {}", crate::sanitize::clean(&r.label));
        let mut spans = vec![Span::raw(fit(&label, label_w - 1) + " ")];
        for c in cols.clone() {
            let Some(cell) = r.cells.get(c) else { continue };
            let (text, d) = cell_text(cell);
            let mut style = t.decision(d);
            if d == Decision::Denied {
                style = t.dim;
            }
            let mark = marks::matrix_cell(app.whatif.matrix_before.as_ref(), r, c);
            let text = match mark {
                Some(m) => {
                    style = m.style(t);
                    format!("{}{text}", m.symbol())
                }
                None => text.to_string(),
            };
            if i == app.matrix_cursor.selected && c == app.matrix_col && focused {
                style = t.selected;
            }
            spans.push(Span::styled(fit(&text, COL_W), style));
        }
        let mut line = Line::from(spans);
        if i == app.matrix_cursor.selected {
            line = line.style(selection(t, false));
        }
        lines.push(line);
    }
    for r in marks::matrix_lost_rows(app.whatif.matrix_before.as_ref(), m) {
        if lines.len() >= inner.height as usize {
            break;
        }
        let label = format!("- {} ", crate::sanitize::clean(&r.label));
        lines.push(Line::from(vec![
            Span::styled(fit(&label, label_w), Mark::Lost.style(t)),
            Span::styled("no access any more", Mark::Lost.style(t)),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
