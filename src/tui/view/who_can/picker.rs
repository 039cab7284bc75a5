//! The who-can view's operation: ← → through the catalog, or the picker (`O`), a list of every operation.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::WhoCanView;
use crate::tui::cursor::Cursor;
use crate::tui::pane::{fit, selection};
use crate::tui::view::Ctx;

impl WhoCanView {
    /// ← →: the previous or next operation of the catalog (the answer is asked for anew).
    pub fn next_operation(&mut self, step: isize) {
        let ops = crate::tui::permissions::operations();
        let at = ops.iter().position(|(o, _)| o.name == self.op).unwrap_or(0);
        let n = ops.len() as isize;
        let next = (at as isize + step).rem_euclid(n.max(1)) as usize;
        if let Some((o, _)) = ops.get(next) {
            self.op = o.name.to_string();
        }
    }

    /// `O`: opens the operation picker on the operation asked about.
    pub fn open_picker(&mut self) {
        let ops = crate::tui::permissions::operations();
        let at = ops.iter().position(|(o, _)| o.name == self.op).unwrap_or(0);
        self.picker = Some(Cursor {
            selected: at,
            ..Cursor::default()
        });
    }

    /// Esc in the picker: closes it, keeping the operation. Whether it was open.
    pub fn close_picker(&mut self) -> bool {
        self.picker.take().is_some()
    }

    /// The operation picker: the catalog's operations, the one asked about marked.
    pub(super) fn draw_picker(&self, frame: &mut Frame, inner: Rect, ctx: &Ctx, p: &Cursor) {
        let t = ctx.theme;
        let ops = crate::tui::permissions::operations();
        let mut lines = vec![Line::from(Span::styled(
            "Choose the operation (Enter asks who can, Esc keeps the current one)",
            t.title,
        ))];
        let height = (inner.height as usize).saturating_sub(1);
        for i in p.window(height, ops.len()) {
            let Some((o, _)) = ops.get(i) else { continue };
            let current = if o.name == self.op { "• " } else { "  " };
            let plane = match o.plane {
                crate::catalog::Plane::Data => "data",
                crate::catalog::Plane::Management => "management",
            };
            let line = Line::from(vec![
                Span::raw(format!("{current}{}", fit(o.name, 40))),
                Span::styled(plane, t.dim),
            ]);
            lines.push(if i == p.selected {
                line.style(selection(t, ctx.focused))
            } else {
                line
            });
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}
