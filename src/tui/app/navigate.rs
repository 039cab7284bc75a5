//! Bound actions: focus, movement in the focused pane, view switches, jumps; and the mouse.

use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::{App, Focus, Load, Overlay, PromptKind, View, WhoRow};
use crate::model::ScopeKind;
use crate::tui::action::{Effect, UserAction};
use crate::tui::cursor::Cursor;

impl App {
    /// Applies a bound action.
    pub fn apply(&mut self, action: UserAction) -> Vec<Effect> {
        let page = self.pane_height(self.focus) as isize;
        match action {
            UserAction::Quit => self.quit = true,
            UserAction::Back => self.back(),
            UserAction::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            UserAction::Palette => self.open_palette(),
            UserAction::FocusNext => self.set_focus(self.focus.next(1)),
            UserAction::FocusPrev => self.set_focus(self.focus.next(-1)),
            UserAction::FocusScopes => self.set_focus(Focus::Scopes),
            UserAction::FocusPrincipals => self.set_focus(Focus::Principals),
            UserAction::FocusMain => self.set_focus(Focus::Main),
            UserAction::FocusExplain => self.set_focus(Focus::Explain),
            UserAction::Up => self.move_by(-1),
            UserAction::Down => self.move_by(1),
            UserAction::PageUp => self.move_by(-page),
            UserAction::PageDown => self.move_by(page),
            UserAction::Top => self.move_by(isize::MIN / 2),
            UserAction::Bottom => self.move_by(isize::MAX / 2),
            UserAction::Left => self.left(),
            UserAction::Right => self.right(),
            UserAction::Select => return self.select(),
            UserAction::Filter => {
                self.set_focus(Focus::Principals);
                self.filtering = true;
                self.filter = tui_input::Input::new(self.principals.query.clone());
            }
            UserAction::ViewPermissions => self.set_view(View::Permissions),
            UserAction::ToggleMatrix => {
                let v = if self.view == View::Matrix {
                    View::Permissions
                } else {
                    View::Matrix
                };
                self.set_view(v);
            }
            UserAction::ViewWhoCan => self.open_who_can(),
            UserAction::ViewEscalations => self.set_view(View::Escalations),
            UserAction::Zoom => self.zoom = !self.zoom,
            UserAction::From => self.open_prompt(PromptKind::From, self.origin_text()),
            UserAction::Export => {
                let default = format!(
                    "kvaccess-{}.json",
                    self.view.title().to_lowercase().replace(' ', "-")
                );
                self.open_prompt(PromptKind::Export, default);
            }
            UserAction::Copy => return self.copy(),
            UserAction::ToggleTheme => {
                self.theme = self.theme.toggled();
                self.scopes.rebuild_items(&self.theme);
                self.message = Some(format!("theme: {}", self.theme.kind.as_str()));
            }
            UserAction::WhatIf => self.toggle_whatif(),
            a if a.is_whatif_panel() => return self.whatif_action(a),
            UserAction::Refresh => return self.refresh(),
            UserAction::ShowLog => self.open_log(),
            UserAction::None => {}
            _ => {}
        }
        Vec::new()
    }

    fn set_focus(&mut self, f: Focus) {
        self.focus = f;
    }

    fn set_view(&mut self, v: View) {
        self.view = v;
        self.focus = Focus::Main;
    }

    fn back(&mut self) {
        if self.overlay.is_some() {
            self.overlay = None;
        } else if self.zoom {
            self.zoom = false;
        } else if !self.principals.query.is_empty() || self.filter_pending() {
            self.filter = tui_input::Input::default();
            let _ = self.request_filter(String::new());
        } else if self.view != View::Permissions {
            self.view = View::Permissions;
        } else if self.focus == Focus::Explain {
            self.focus = Focus::Main;
        }
    }

    /// Who can do the operation selected in the permissions table at the selected scope.
    pub fn open_who_can(&mut self) {
        if self.view == View::Permissions
            && let Some(row) = self.perms.row_at_line(self.perm_cursor.selected)
        {
            self.who_op = row.op.name.to_string();
        }
        self.set_view(View::WhoCan);
    }

    fn move_by(&mut self, delta: isize) {
        let h = self.pane_height(self.focus);
        match self.focus {
            Focus::Scopes => {
                self.scopes.move_by(delta, h);
            }
            Focus::Principals => {
                let n = self.principals.shown.len();
                self.principals.cursor.move_by(delta, n);
            }
            Focus::Explain => {
                let max = self.explain.lines.len().saturating_sub(1);
                self.explain_scroll = self.explain_scroll.saturating_add_signed(delta).min(max);
            }
            Focus::Main => self.move_main(delta),
        }
    }

    fn move_main(&mut self, delta: isize) {
        match self.view {
            View::Permissions => {
                let lines = self.perms.lines.len();
                let mut c = self.perm_cursor;
                c.move_by(delta, lines);
                let dir = if delta < 0 { -1 } else { 1 };
                let line = self
                    .perms
                    .op_line_near(c.selected, dir)
                    .or_else(|| self.perms.op_line_near(c.selected, -dir))
                    .unwrap_or(0);
                self.perm_cursor.selected = line;
            }
            View::Matrix => {
                let n = self.matrix.ready().map_or(0, |m| m.rows.len());
                self.matrix_cursor.move_by(delta, n);
            }
            View::WhoCan => {
                let n = self.who_rows().len();
                self.who_cursor.move_by(delta, n);
            }
            View::Escalations => {
                let n = self.escalations.ready().map_or(0, Vec::len);
                self.esc_cursor.move_by(delta, n);
            }
        }
    }

    fn left(&mut self) {
        let h = self.pane_height(Focus::Scopes);
        match (self.focus, self.view) {
            (Focus::Scopes, _) => {
                self.scopes.collapse(h);
            }
            (Focus::Main, View::Matrix) => self.matrix_col = self.matrix_col.saturating_sub(1),
            _ => self.set_focus(self.focus.next(-1)),
        }
    }

    fn right(&mut self) {
        match (self.focus, self.view) {
            (Focus::Scopes, _) => {
                self.scopes.expand();
            }
            (Focus::Main, View::Matrix) => {
                let cols = self.matrix.ready().map_or(0, |m| m.columns.len());
                self.matrix_col = (self.matrix_col + 1).min(cols.saturating_sub(1));
            }
            _ => self.set_focus(self.focus.next(1)),
        }
    }

    /// Enter: the natural next step from where the user is.
    fn select(&mut self) -> Vec<Effect> {
        let h = self.pane_height(Focus::Scopes);
        match self.focus {
            Focus::Scopes => {
                // Containers open and close; on a vault or an item the next step is picking a principal
                // (→ or l expands a vault's items).
                let container = self.scopes.selected_node().is_some_and(|n| {
                    !n.children.is_empty() && !matches!(n.scope.kind(), ScopeKind::Vault)
                });
                if container {
                    self.scopes.toggle(h);
                } else {
                    self.set_focus(Focus::Principals);
                }
            }
            Focus::Principals => self.set_focus(Focus::Main),
            Focus::Explain => self.set_focus(Focus::Main),
            Focus::Main => match self.view {
                View::Permissions => self.set_focus(Focus::Explain),
                View::Matrix => {
                    let id = self
                        .matrix
                        .ready()
                        .and_then(|m| m.rows.get(self.matrix_cursor.selected))
                        .map(|r| r.id.clone());
                    if let Some(id) = id {
                        self.principals.select_id(&id);
                        self.view = View::Permissions;
                    }
                }
                View::WhoCan => self.jump_from_who_can(),
                View::Escalations => self.jump_to_finding(),
            },
        }
        Vec::new()
    }

    fn jump_from_who_can(&mut self) {
        let Some(w) = self.who.ready() else { return };
        let id = match self.who_rows().get(self.who_cursor.selected) {
            Some(WhoRow::Entry(i)) => w.principals.get(*i).map(|e| e.id.clone()),
            Some(WhoRow::Escalation(i)) => w
                .can_grant_themselves
                .get(*i)
                .map(|f| f.principal.id.clone()),
            None => None,
        };
        if let Some(id) = id {
            let op = self.who_op.clone();
            self.principals.select_id(&id);
            self.view = View::Permissions;
            self.sync_permissions_now();
            if let Some(line) = self.perms.line_of_op(&op) {
                self.perm_cursor = Cursor {
                    selected: line,
                    offset: self.perm_cursor.offset,
                };
            }
        }
    }

    fn jump_to_finding(&mut self) {
        let Some(f) = self
            .escalations
            .ready()
            .and_then(|f| f.get(self.esc_cursor.selected))
            .cloned()
        else {
            return;
        };
        self.principals.select_id(&f.principal.id);
        self.goto_scope(&f.vault_id);
        self.view = View::Permissions;
    }

    pub(super) fn goto_scope(&mut self, id: &str) -> bool {
        let key = id.to_ascii_lowercase();
        let h = self.pane_height(Focus::Scopes);
        match self.scopes.path_to(&key) {
            Some(path) => {
                self.scopes.select_path(path, h);
                true
            }
            None => false,
        }
    }

    fn sync_permissions_now(&mut self) {
        let _ = self.sync();
    }

    pub(super) fn on_mouse(&mut self, m: MouseEvent) {
        let (areas, panel) = crate::tui::pane::whatif::carve(self, self.areas());
        if self.whatif_mouse(m, panel) {
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

    fn click_row(&mut self, pane: Focus, row: usize) {
        match pane {
            Focus::Scopes => {
                let visible = self.scopes.visible();
                if let Some(path) = visible.get(self.scopes.offset + row).cloned() {
                    let h = self.pane_height(Focus::Scopes);
                    if self.scopes.state.selected() == path.as_slice() {
                        self.scopes.toggle(h);
                    } else {
                        self.scopes.select_path(path, h);
                    }
                }
            }
            Focus::Principals => {
                let i = self.principals.cursor.offset + row;
                let n = self.principals.shown.len();
                if i < n {
                    self.principals.cursor.set(i, n);
                }
            }
            Focus::Main => {
                let who_rows = self.who_rows().len();
                let (cursor, n, skip) = match self.view {
                    View::Permissions => (&mut self.perm_cursor, self.perms.lines.len(), 0),
                    View::Matrix => (
                        &mut self.matrix_cursor,
                        self.matrix.ready().map_or(0, |m| m.rows.len()),
                        2,
                    ),
                    View::WhoCan => (&mut self.who_cursor, who_rows, 1),
                    View::Escalations => (
                        &mut self.esc_cursor,
                        self.escalations.ready().map_or(0, Vec::len),
                        1,
                    ),
                };
                let Some(i) = (cursor.offset + row).checked_sub(skip) else {
                    return;
                };
                if i < n {
                    cursor.selected = i;
                }
                if self.view == View::Permissions {
                    self.move_main(0);
                }
            }
            Focus::Explain => {}
        }
    }
}

impl<T> Load<T> {
    pub fn is_loading(&self) -> bool {
        matches!(self, Self::Loading(_))
    }
}
