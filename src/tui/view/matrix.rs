//! The matrix view (key 2): the selected vault's identities with any access as rows, operation groups as
//! columns. The selected column scrolls horizontally when the pane is narrower than the table. Enter opens
//! the selected identity's permissions.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Ctx, Table};
use crate::eval::Decision;
use crate::query::{Cell, Matrix, MatrixRow};
use crate::tui::app::Load;
use crate::tui::cursor::Cursor;
use crate::tui::pane::{fit, placeholder, selection};
use crate::tui::whatif::marks::{self, Mark};

/// The narrowest column: a cell's text with a what-if mark (`+some`) and a space.
const MIN_COL_W: usize = 6;

/// A column as wide as its header's longer word (`certificates`, `configure`) and a space: a header is
/// never cut; a narrow pane shows fewer columns and scrolls to the selected one.
fn col_width(name: &str) -> usize {
    let (kind, verb) = name.split_once('/').unwrap_or((name, ""));
    (kind.chars().count().max(verb.chars().count()) + 1).max(MIN_COL_W)
}

/// The columns shown when `selected` must be and `room` cells are free: as many to its left as fit,
/// then to its right.
fn visible(widths: &[usize], selected: usize, room: usize) -> std::ops::Range<usize> {
    let selected = selected.min(widths.len().saturating_sub(1));
    let (mut first, mut end) = (selected, selected + 1);
    let mut used = widths.get(selected).copied().unwrap_or(0);
    while first > 0 && used + widths[first - 1] <= room {
        first -= 1;
        used += widths[first];
    }
    while end < widths.len() && used + widths[end] <= room {
        used += widths[end];
        end += 1;
    }
    first..end.min(widths.len())
}

fn cell_text(c: &Cell) -> (&'static str, Decision) {
    match c.summary() {
        "all" => ("all", Decision::Allowed),
        "some" => ("some", Decision::Allowed),
        "cond" => ("cond", Decision::Conditional),
        "?" => ("?", Decision::Unknown),
        _ => ("·", Decision::Denied),
    }
}

#[derive(Debug, Default)]
pub struct MatrixView {
    pub answer: Load<Matrix>,
    /// The selected row.
    pub cursor: Cursor,
    /// The selected column (operation group).
    pub col: usize,
}

impl MatrixView {
    pub fn ready(&self) -> Option<&Matrix> {
        self.answer.ready()
    }

    pub fn is_loading(&self) -> bool {
        self.answer.is_loading()
    }

    pub fn selected(&self) -> Option<&MatrixRow> {
        self.ready()?.rows.get(self.cursor.selected)
    }

    fn len(&self) -> usize {
        self.ready().map_or(0, |m| m.rows.len())
    }

    pub fn loading(&mut self, what: String) {
        self.answer = Load::Loading(what);
    }

    pub fn on_answer(&mut self, r: Result<Matrix, String>) {
        self.answer = match r {
            Ok(m) => Load::Ready(m),
            Err(e) => Load::Failed(e),
        };
        self.cursor = Cursor::default();
    }

    pub fn move_by(&mut self, delta: isize) {
        let n = self.len();
        self.cursor.move_by(delta, n);
    }

    pub fn left(&mut self) {
        self.col = self.col.saturating_sub(1);
    }

    pub fn right(&mut self) {
        let cols = self.ready().map_or(0, |m| m.columns.len());
        self.col = (self.col + 1).min(cols.saturating_sub(1));
    }

    pub fn keep_visible(&mut self, height: usize) {
        let n = self.len();
        self.cursor.keep_visible(height, n);
    }

    /// A click on the `row`th line of the pane (the first two are the column headers).
    pub fn click(&mut self, row: usize) {
        let n = self.len();
        if let Some(i) = (self.cursor.offset + row).checked_sub(2)
            && i < n
        {
            self.cursor.selected = i;
        }
    }

    /// Draws the matrix of `vault` (its name); `before`: the real world's matrix while a what-if is on.
    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Ctx,
        vault: Option<String>,
        before: Option<&Matrix>,
    ) {
        let t = ctx.theme;
        let title = vec![
            Span::raw("Matrix "),
            Span::styled(vault.unwrap_or_default(), t.heading),
        ];
        let b = (ctx.block)(title);
        let inner = b.inner(area);
        frame.render_widget(b, area);
        let m = match &self.answer {
            Load::Ready(m) => m,
            Load::Loading(what) => {
                return placeholder(frame, inner, t.dim, &format!("⟳ {what}…"));
            }
            Load::Failed(e) => return placeholder(frame, inner, t.warning, e),
            Load::Idle => return,
        };
        if m.rows.is_empty() {
            return placeholder(
                frame,
                inner,
                t.dim,
                "no principal has any access to this vault",
            );
        }
        let label_w = (inner.width as usize / 4).clamp(8, 24);
        let widths: Vec<usize> = m.columns.iter().map(|c| col_width(c)).collect();
        let room = (inner.width as usize).saturating_sub(label_w);
        let cols = visible(&widths, self.col, room);
        let focused = ctx.focused;
        let mut top = vec![Span::raw(" ".repeat(label_w))];
        let mut bottom = vec![Span::styled(
            fit(&format!("{} rows", m.rows.len()), label_w),
            t.dim,
        )];
        for c in cols.clone() {
            let name = m.columns.get(c).copied().unwrap_or("");
            let (kind, verb) = name.split_once('/').unwrap_or((name, ""));
            let style = if c == self.col { t.key } else { t.title };
            let w = widths.get(c).copied().unwrap_or(MIN_COL_W);
            top.push(Span::styled(fit(kind, w), style));
            bottom.push(Span::styled(fit(verb, w), style));
        }
        let mut lines = vec![Line::from(top), Line::from(bottom)];
        let height = (inner.height as usize).saturating_sub(2);
        for i in self.cursor.window(height, m.rows.len()) {
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
                let mark = marks::matrix_cell(before, r, c);
                let text = match mark {
                    Some(m) => {
                        style = m.style(t);
                        format!("{}{text}", m.symbol())
                    }
                    None => text.to_string(),
                };
                if i == self.cursor.selected && c == self.col && focused {
                    style = t.selected;
                }
                let w = widths.get(c).copied().unwrap_or(MIN_COL_W);
                spans.push(Span::styled(fit(&text, w), style));
            }
            let mut line = Line::from(spans);
            if i == self.cursor.selected {
                line = line.style(selection(t, false));
            }
            lines.push(line);
        }
        for r in marks::matrix_lost_rows(before, m) {
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

    pub fn table(&self) -> Result<Table, String> {
        let m = self.ready().ok_or("the matrix is not ready yet")?;
        let s = |x: &str| x.to_string();
        let mut columns = vec![s("principal"), s("id"), s("viaApp")];
        columns.extend(m.columns.iter().map(|c| c.to_string()));
        Ok(Table {
            title: format!("Matrix of {}", m.subject),
            columns,
            rows: m
                .rows
                .iter()
                .map(|r| {
                    let mut row = vec![
                        r.label.clone(),
                        r.id.clone(),
                        r.via_app.clone().unwrap_or_default(),
                    ];
                    row.extend(
                        r.cells
                            .iter()
                            .map(|c| format!("{} ({}/{})", c.summary(), c.allowed, c.total)),
                    );
                    row
                })
                .collect(),
        })
    }
}
