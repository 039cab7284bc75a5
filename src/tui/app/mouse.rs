//! The mouse: the wheel scrolls the pane under it, a click focuses a pane and selects the line clicked; the
//! what-if panel takes what happens over it.

use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::{App, Focus};

impl App {
    pub(super) fn on_mouse(&mut self, m: MouseEvent) {
        let (areas, panel) = crate::tui::pane::whatif::carve(self, self.areas());
        if self.whatif.mouse(m, panel) {
            return;
        }
        let Some(pane) = areas.hit(m.column, m.row) else {
            return;
        };
        match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let before = self.focus;
                self.focus = pane;
                self.move_by(if m.kind == MouseEventKind::ScrollDown {
                    3
                } else {
                    -3
                });
                self.focus = before;
            }
            MouseEventKind::Down(MouseButton::Left) => {
                self.focus = pane;
                let Some(r) = areas.of(pane) else { return };
                let row = m.row.saturating_sub(r.y + 1) as usize;
                self.click_row(pane, row);
            }
            _ => {}
        }
    }

    pub(super) fn click_row(&mut self, pane: Focus, row: usize) {
        match pane {
            Focus::Scopes => {
                let h = self.pane_height(Focus::Scopes);
                self.nav.click_scope(row, h);
            }
            Focus::Principals => self.nav.click_principal(row),
            Focus::Main => self.on_screen().click(row),
            Focus::Explain => {}
        }
    }
}
