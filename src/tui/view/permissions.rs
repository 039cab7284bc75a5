//! The permissions view (key 1): every operation at the selected scope for the selected principal, grouped
//! by plane and object kind, each with its decision symbol. The cursor stays on operation lines; the plane
//! and kind headings above the first visible operation are kept in view when they fit.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Ctx, Table};
use crate::eval::Decision;
use crate::eval::Engine;
use crate::model::Scope;
use crate::tui::cursor::Cursor;
use crate::tui::explain::{Doc, Verdicts};
use crate::tui::pane::{fit, placeholder, selection};
use crate::tui::permissions::{PermRow, PermTable, TableLine};
use crate::tui::theme::{ESCALATION_SYMBOL, ITEMS_SYMBOL, decision_symbol};
use crate::tui::view::{Keys, Outcome};
use crate::tui::whatif::marks::{self, Mark};

#[derive(Debug)]
pub struct PermissionsView {
    pub table: PermTable,
    /// A line of `table.lines` (always an operation line when there is one).
    pub cursor: Cursor,
}

impl Default for PermissionsView {
    fn default() -> Self {
        Self {
            table: PermTable::empty(Scope::root()),
            cursor: Cursor::default(),
        }
    }
}

impl PermissionsView {
    pub fn line_of_op(&self, name: &str) -> Option<usize> {
        self.table.line_of_op(name)
    }

    pub fn row_at_line(&self, line: usize) -> Option<&PermRow> {
        self.table.row_at_line(line)
    }

    pub fn selected(&self) -> Option<&PermRow> {
        self.table.row_at_line(self.cursor.selected)
    }

    /// Puts the cursor on `op`; false when the table has no such operation.
    pub fn select_op(&mut self, op: &str) -> bool {
        match self.table.line_of_op(op) {
            Some(line) => {
                self.cursor.selected = line;
                true
            }
            None => false,
        }
    }

    /// A newly computed table: the cursor stays on the operation it was on, else the first one.
    pub fn replace(&mut self, table: PermTable) {
        let keep = self.selected().map(|r| r.op.name);
        self.table = table;
        let line = keep
            .and_then(|name| self.table.line_of_op(name))
            .or_else(|| self.table.op_line_near(0, 1))
            .unwrap_or(0);
        self.cursor = Cursor {
            selected: line,
            offset: 0,
        };
    }

    /// Moves by `delta` lines, landing on the nearest operation line in the direction of travel.
    pub fn move_by(&mut self, delta: isize) {
        let lines = self.table.lines.len();
        let mut c = self.cursor;
        c.move_by(delta, lines);
        let dir = if delta < 0 { -1 } else { 1 };
        self.cursor.selected = self
            .table
            .op_line_near(c.selected, dir)
            .or_else(|| self.table.op_line_near(c.selected, -dir))
            .unwrap_or(0);
    }

    pub fn keep_visible(&mut self, h: usize) {
        let n = self.table.lines.len();
        self.cursor.keep_visible(h, n);
        let c = &mut self.cursor;
        if c.selected == c.offset {
            // show the plane and kind headings above the first visible operation when they fit
            while c.offset > 0
                && c.selected - (c.offset - 1) < h
                && matches!(
                    self.table.lines.get(c.offset - 1),
                    Some(TableLine::Plane(_) | TableLine::Kind(_))
                )
            {
                c.offset -= 1;
            }
        }
    }

    /// A click on the `row`th line of the pane.
    pub fn click(&mut self, row: usize) {
        let i = self.cursor.offset + row;
        if i < self.table.lines.len() {
            self.cursor.selected = i;
        }
        self.move_by(0);
    }

    /// Draws the table of `who` at `at`; `before`: the real world's rows while a what-if is on.
    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Ctx,
        (who, at): (&str, &str),
        before: Option<&[PermRow]>,
    ) {
        let t = ctx.theme;
        let p = &self.table;
        let focused = ctx.focused;
        let mut title = vec![
            Span::raw("Permissions "),
            Span::styled(format!("{who} @ {at} "), t.heading),
        ];
        for d in [Decision::Allowed, Decision::Conditional, Decision::Unknown] {
            let n = p.count(d);
            if n > 0 {
                title.push(Span::styled(
                    format!("{}{n} ", decision_symbol(d)),
                    t.decision(d),
                ));
            }
        }
        let b = (ctx.block)(title);
        let inner = b.inner(area);
        frame.render_widget(b, area);
        if p.lines.is_empty() {
            placeholder(
                frame,
                inner,
                t.dim,
                p.note
                    .as_deref()
                    .unwrap_or("select a scope and a principal"),
            );
            return;
        }
        let height = inner.height as usize;
        let width = inner.width as usize;
        // Operation names are never cut while the pane can hold them: the decision word goes first, then
        // the marks' words (their symbols stay).
        let longest = p
            .rows
            .iter()
            .map(|r| r.op.name.chars().count())
            .max()
            .unwrap_or(10);
        // Room for the marks' words only when a row has one: " ⇑ can grant", " ⊘ network", " ◑ 3 items".
        let items = p
            .rows
            .iter()
            .map(|r| items_words(r.on_items).len())
            .max()
            .unwrap_or(0);
        let mark = if p.rows.iter().any(|r| r.escalation.is_some()) {
            12
        } else if p.rows.iter().any(|r| r.network_denied) {
            10
        } else {
            0
        }
        .max(items);
        // The name column leaves room for the decision word and a mark's words when it can stay 20 wide;
        // a longer name runs on, whole, without the word (its symbol says it) and with its mark a symbol.
        let with_word = width.saturating_sub(4 + 11 + mark);
        let show_word = with_word >= 20;
        let column = if show_word {
            longest.min(with_word)
        } else {
            longest.min(width.saturating_sub(4 + mark)).max(10)
        };
        let whole = width.saturating_sub(4 + 2).max(1);
        let mut lines = Vec::new();
        for i in self.cursor.window(height, p.lines.len()) {
            let line = match p.lines.get(i) {
                Some(TableLine::Plane(text)) => {
                    Line::from(Span::styled(whole_parts(text, width), t.heading))
                }
                Some(TableLine::Kind(text)) => {
                    Line::from(Span::styled(format!(" {text}"), t.title))
                }
                Some(TableLine::Op(r)) => {
                    let Some(row) = p.rows.get(*r) else { continue };
                    let d = row.decision;
                    let mark = marks::perm_row(before, row);
                    let word_style = mark.map_or(t.decision(d), |m| m.style(t));
                    let n = row.op.name.chars().count();
                    let mark_words = n <= column;
                    let name = if mark_words {
                        fit(row.op.name, column)
                    } else {
                        fit(row.op.name, n.min(whole))
                    };
                    let mut spans = vec![
                        Span::styled(mark.map_or(" ", Mark::symbol), word_style),
                        Span::styled(format!(" {} ", decision_symbol(d)), t.decision(d)),
                        Span::raw(name),
                    ];
                    if show_word && mark_words {
                        spans.push(Span::styled(format!(" {:<10}", d.as_str()), word_style));
                    }
                    if row.network_denied {
                        // Which gate said no: the firewall, not a missing grant.
                        let text = if mark_words { " ⊘ network" } else { " ⊘" };
                        spans.push(Span::styled(text, t.warning));
                    }
                    if row.on_items > 0 {
                        // Denied on the vault, held on some of its items: not "nothing here".
                        let text = if mark_words {
                            items_words(row.on_items)
                        } else {
                            format!(" {ITEMS_SYMBOL}")
                        };
                        spans.push(Span::styled(text, t.decision(Decision::Allowed)));
                    }
                    if row.escalation.is_some() {
                        let text = if mark_words {
                            format!(" {ESCALATION_SYMBOL} can grant")
                        } else {
                            format!(" {ESCALATION_SYMBOL}")
                        };
                        spans.push(Span::styled(text, t.escalation));
                    }
                    let mut l = Line::from(spans);
                    if i == self.cursor.selected {
                        l = l.style(selection(t, focused));
                    }
                    l
                }
                None => continue,
            };
            lines.push(line);
        }
        let used = u16::try_from(lines.len()).unwrap_or(u16::MAX);
        frame.render_widget(Paragraph::new(lines), inner);
        // The note wraps in the rows left under the table: it is a sentence, not a cell.
        if let Some(note) = &p.note
            && used < inner.height
        {
            let rest = Rect {
                y: inner.y + used,
                height: inner.height - used,
                ..inner
            };
            let para = Paragraph::new(Span::styled(note.clone(), t.dim))
                .wrap(ratatui::widgets::Wrap { trim: true });
            frame.render_widget(para, rest);
        }
    }

    /// The export table of `principal` (a name) at `scope` (an id).
    pub fn export(&self, principal: &str, scope: &str) -> Table {
        let s = |x: &str| x.to_string();
        Table {
            title: format!("Effective permissions of {principal} at {scope}"),
            columns: vec![
                s("operation"),
                s("plane"),
                s("group"),
                s("decision"),
                s("canGrantItself"),
            ],
            rows: self
                .table
                .rows
                .iter()
                .map(|r| {
                    vec![
                        r.op.name.to_string(),
                        r.op.plane.as_str().to_string(),
                        r.op.group.to_string(),
                        r.decision.as_str().to_string(),
                        r.escalation
                            .map(|t| t.as_str().to_string())
                            .unwrap_or_default(),
                    ]
                })
                .collect(),
        }
    }

    pub fn explain_key(&self) -> String {
        self.cursor.selected.to_string()
    }

    /// The selected operation's verdict for `principal` at the table's scope.
    pub fn explain(&self, verdicts: &Verdicts, principal: Option<&str>) -> Doc {
        let (Some(row), Some(p)) = (self.selected(), principal) else {
            return Doc::new("Nothing selected");
        };
        verdicts.doc(p, None, &self.table.scope, row.op.name, row.escalation)
    }
}

/// Enter gives the explanation the keys: it tells the selected operation's verdict in full.
impl Keys for PermissionsView {
    fn on_enter(&mut self, _engine: &Engine) -> Outcome {
        Outcome::Explain
    }
}

/// ` ◑ 1 item`, ` ◑ 3 items`; nothing for none.
fn items_words(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => format!(" {ITEMS_SYMBOL} 1 item"),
        n => format!(" {ITEMS_SYMBOL} {n} items"),
    }
}

/// A heading of ` · `-separated parts with the parts that do not fit dropped from the right, whole: a
/// heading is never cut inside a word (the explanation names what is left out, e.g. the endpoint).
fn whole_parts(text: &str, width: usize) -> String {
    let mut parts: Vec<&str> = text.split(" · ").collect();
    while parts.len() > 1 && parts.join(" · ").chars().count() > width {
        parts.pop();
    }
    parts.join(" · ")
}
