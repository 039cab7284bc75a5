//! The matrix view (key 2): the selected vault's identities with any access as rows, operation groups as
//! columns. The selected column scrolls horizontally when the pane is narrower than the table. Enter opens
//! the selected identity's permissions. Rows sort by name, by how many operations they hold or by kind
//! (`O` cycles), and the `/` filter ([`crate::tui::filter`]) keeps those whose name, id, kind or application
//! match: a vault of a large tenant has thousands of rows.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Ask, Ctx, Selection, Table};
use crate::eval::Decision;
use crate::eval::Engine;
use crate::query::{Cell, Matrix, MatrixRow};
use crate::tui::app::Load;
use crate::tui::cursor::Cursor;
use crate::tui::explain::{self, Doc};
use crate::tui::jump::{Jump, Land};
use crate::tui::pane::{fit, placeholder, selection};
use crate::tui::theme::ITEMS_SYMBOL;
use crate::tui::view::{Keys, Outcome};
use crate::tui::whatif::Panel;
use crate::tui::whatif::marks::{self, Mark};
use crate::tui::worker::JobSpec;

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

fn cell_text(c: &Cell) -> (std::borrow::Cow<'static, str>, Decision) {
    match c.summary() {
        "all" => ("all".into(), Decision::Allowed),
        "some" => ("some".into(), Decision::Allowed),
        "cond" => ("cond".into(), Decision::Conditional),
        "?" => ("?".into(), Decision::Unknown),
        // Nothing vault-wide, something on items (grants made at them): as the CLI's "N items".
        _ => match &c.on_items {
            Some(on) => (
                format!("{ITEMS_SYMBOL}{}", on.items).into(),
                Decision::Allowed,
            ),
            None => ("·".into(), Decision::Denied),
        },
    }
}

/// The order of the matrix's rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RowOrder {
    /// By display name (then id).
    #[default]
    Name,
    /// Most operations allowed first.
    Operations,
    /// Users, groups, service principals, managed identities; by name within each.
    Kind,
}

impl RowOrder {
    pub fn next(self) -> Self {
        match self {
            Self::Name => Self::Operations,
            Self::Operations => Self::Kind,
            Self::Kind => Self::Name,
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::Name => "by name",
            Self::Operations => "by operations",
            Self::Kind => "by kind",
        }
    }
}

#[derive(Debug, Default)]
pub struct MatrixView {
    pub answer: Load<Matrix>,
    /// The selected row (a position in `shown`).
    pub cursor: Cursor,
    /// The selected column (operation group).
    pub col: usize,
    pub order: RowOrder,
    /// The `/` filter that narrowed the answer (empty: none), for the pane to say so.
    pub query: String,
    /// The rows shown, as indices into the answer's rows, in order.
    shown: Vec<usize>,
}

/// Operations a row is allowed (conditional ones counted too: they may be).
fn operations(r: &MatrixRow) -> usize {
    r.cells.iter().map(|c| c.allowed + c.conditional).sum()
}

fn kind_rank(r: &MatrixRow) -> (u8, &'static str) {
    use crate::model::PrincipalKind;
    let kind = r
        .principal
        .as_ref()
        .map_or(PrincipalKind::Unknown, |p| p.kind);
    let rank = match kind {
        PrincipalKind::User => 0,
        PrincipalKind::Group => 1,
        PrincipalKind::ServicePrincipal => 2,
        PrincipalKind::ManagedIdentity => 3,
        PrincipalKind::Unknown => 4,
    };
    (rank, crate::display::kind_word(kind))
}

impl MatrixView {
    pub fn ready(&self) -> Option<&Matrix> {
        self.answer.ready()
    }

    pub fn is_loading(&self) -> bool {
        self.answer.is_loading()
    }

    pub fn selected(&self) -> Option<&MatrixRow> {
        self.row(self.cursor.selected)
    }

    /// The `i`th row shown.
    fn row(&self, i: usize) -> Option<&MatrixRow> {
        self.ready()?.rows.get(*self.shown.get(i)?)
    }

    /// How many rows are shown.
    pub fn len(&self) -> usize {
        self.shown.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shown.is_empty()
    }

    /// The `/` filter narrowed the answer to what `query` keeps: the rows are arranged anew, the cursor on
    /// the first.
    pub fn narrowed(&mut self, query: &str) {
        self.query = query.trim().to_string();
        self.cursor = Cursor::default();
        self.shown.clear();
        self.arrange();
    }

    /// The next order: name, operations, kind.
    pub fn cycle_order(&mut self) {
        self.order = self.order.next();
        self.arrange();
    }

    /// Recomputes the rows shown for the order, keeping the selected row selected.
    fn arrange(&mut self) {
        let keep = self.selected().map(|r| (r.id.clone(), r.via_app.clone()));
        let Some(m) = self.answer.ready() else {
            self.shown.clear();
            return;
        };
        let mut shown: Vec<usize> = (0..m.rows.len()).collect();
        let name = |i: &usize| (m.rows[*i].label.to_lowercase(), m.rows[*i].id.clone());
        match self.order {
            RowOrder::Name => shown.sort_by_cached_key(name),
            RowOrder::Operations => {
                shown.sort_by_cached_key(|i| (std::cmp::Reverse(operations(&m.rows[*i])), name(i)))
            }
            RowOrder::Kind => shown.sort_by_cached_key(|i| (kind_rank(&m.rows[*i]).0, name(i))),
        }
        let at = keep.and_then(|k| {
            shown
                .iter()
                .position(|&i| (m.rows[i].id.clone(), m.rows[i].via_app.clone()) == k)
        });
        self.shown = shown;
        self.cursor.selected = at.unwrap_or(0);
        self.cursor.offset = self.cursor.offset.min(self.cursor.selected);
    }

    pub fn loading(&mut self, what: String) {
        self.answer = Load::Loading(what);
    }

    /// The job for the selected vault's matrix, unless it is being (or has been) computed: `pending` is
    /// what the latest matrix job was asked for.
    pub fn ask(&mut self, sel: &Selection, pending: Option<&str>) -> Ask {
        let Some(vault) = sel.scope.vault() else {
            self.answer =
                Load::Failed("select a vault (or an item in one) to see its matrix".into());
            return Ask::Forget;
        };
        let what = format!("{}|{:?}{}", vault.key(), sel.origin, sel.in_world);
        if pending == Some(what.as_str()) {
            return Ask::Keep;
        }
        self.loading(format!(
            "evaluating every principal on {}",
            crate::sanitize::clean(vault.name())
        ));
        let spec = JobSpec::Matrix {
            vault,
            origin: sel.origin.cloned(),
        };
        Ask::Run { what, spec }
    }

    pub fn on_answer(&mut self, r: Result<Matrix, String>) {
        self.answer = match r {
            Ok(m) => Load::Ready(m),
            Err(e) => Load::Failed(e),
        };
        self.cursor = Cursor::default();
        self.shown.clear();
        self.arrange();
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
        self.cursor.click(row, 2, n);
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
        let mut title = vec![
            Span::raw("Matrix "),
            Span::styled(vault.unwrap_or_default(), t.heading),
            Span::styled(format!(" {}", self.order.words()), t.dim),
        ];
        if let Some(m) = self.ready() {
            title.push(Span::styled(format!(" · {} rows", m.rows.len()), t.dim));
        }
        if !self.query.is_empty() {
            title.push(Span::styled(
                format!(" /{}", crate::sanitize::clean(&self.query)),
                t.key,
            ));
        }
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
        if m.rows.is_empty() && self.query.is_empty() {
            return placeholder(
                frame,
                inner,
                t.dim,
                "no principal has any access to this vault",
            );
        }
        if self.shown.is_empty() {
            return placeholder(
                frame,
                inner,
                t.dim,
                &format!(
                    "no row matches '{}' (esc clears the filter)",
                    crate::sanitize::clean(&self.query)
                ),
            );
        }
        let label_w = (inner.width as usize / 4).clamp(8, 24);
        let widths: Vec<usize> = m.columns.iter().map(|c| col_width(c)).collect();
        let room = (inner.width as usize).saturating_sub(label_w);
        let cols = visible(&widths, self.col, room);
        let focused = ctx.focused;
        let mut top = vec![Span::raw(" ".repeat(label_w))];
        let mut bottom = vec![Span::raw(" ".repeat(label_w))];
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
        for i in self.cursor.window(height, self.shown.len()) {
            let Some(r) = self.row(i) else { continue };
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
            rows: (0..self.shown.len())
                .filter_map(|i| self.row(i))
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

    pub fn explain_key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.cursor.selected,
            // The row, not only its position: sorting and filtering move rows under the cursor.
            self.selected()
                .map(|r| format!("{}>{}", r.id, r.via_app.as_deref().unwrap_or("")))
                .unwrap_or_default(),
            self.col,
            u8::from(self.ready().is_some())
        )
    }

    /// The selected cell explained at `vault` (the selected one, by id); in a hypothetical world the
    /// `whatif` panel puts the decision before and after on top.
    pub fn explain(&self, engine: &Engine, vault: Option<&str>, whatif: &Panel) -> Doc {
        match (self.ready(), vault) {
            (Some(_), Some(v)) => self.selected().map_or_else(
                || Doc::new("No principal has access"),
                |r| {
                    let mut d = explain::matrix_cell(engine, v, r, self.col);
                    whatif.matrix_note(&mut d, r, self.col);
                    d
                },
            ),
            _ => Doc::new("Matrix"),
        }
    }
}

/// ← → choose the column; Enter opens the row's identity's permissions.
impl Keys for MatrixView {
    fn on_left(&mut self) -> Outcome {
        self.left();
        Outcome::Done
    }
    fn on_right(&mut self) -> Outcome {
        self.right();
        Outcome::Done
    }
    fn on_enter(&mut self, _engine: &Engine) -> Outcome {
        self.selected().map_or(Outcome::Done, |r| {
            Outcome::Jump(Jump {
                principal: Some(r.id.clone()),
                scope: None,
                land: Land::Anywhere,
            })
        })
    }
    fn selected_id(&self) -> Option<String> {
        self.selected().map(|r| r.id.clone())
    }
}
