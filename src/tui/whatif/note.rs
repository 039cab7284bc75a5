//! The explanation pane's first line in a hypothetical world: the decision before and after.

use super::{Panel, marks};
use crate::query::MatrixRow;
use crate::tui::explain::{Doc, Tone};

impl Panel {
    /// Puts "what-if: before X, after Y" on top of a matrix cell's explanation (operations of the group
    /// whose decision changes are named); `col` is the matrix's selected column.
    pub fn matrix_note(&self, doc: &mut Doc, row: &MatrixRow, col: usize) {
        if self.world.is_none() {
            return;
        }
        let Some(after) = row.cells.get(col) else {
            return;
        };
        let before_row = self.matrix_before.as_ref().and_then(|m| {
            m.rows
                .iter()
                .find(|r| r.id == row.id && r.via_app == row.via_app)
        });
        let before = before_row.and_then(|r| r.cells.get(col));
        let summary = |c: Option<&crate::query::Cell>| c.map_or("none", |c| c.summary());
        let mut text = format!(
            "what-if: before {}, after {}",
            summary(before),
            summary(Some(after))
        );
        let changed: Vec<String> = after
            .decisions
            .iter()
            .filter_map(|(op, d)| {
                let b = before
                    .and_then(|c| c.decisions.iter().find(|(o, _)| o == op))
                    .map_or(crate::eval::Decision::Denied, |(_, d)| *d);
                marks::Mark::of(b, *d)
                    .map(|m| format!("{}{op} ({} → {})", m.symbol(), b.as_str(), d.as_str()))
            })
            .collect();
        if !changed.is_empty() {
            text.push_str(": ");
            text.push_str(&changed.join(", "));
        }
        doc.lines.insert(0, vec![(Tone::Heading, text)]);
    }
}
