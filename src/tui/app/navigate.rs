//! Bound actions: focus, movement in the focused pane, view switches, jumps; and the mouse.

use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::{App, Focus, Overlay, PromptKind, View};
use crate::model::ScopeKind;
use crate::tui::action::{Effect, UserAction};
use crate::tui::history::Place;
use crate::tui::worker::JobKind;

impl App {
    /// Applies a bound action.
    pub fn apply(&mut self, action: UserAction) -> Vec<Effect> {
        let page = self.pane_height(self.focus) as isize;
        match action {
            UserAction::Quit => self.quit = true,
            UserAction::Back => return self.back(),
            UserAction::HistoryBack => self.history_back(),
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
            UserAction::ViewMatrix => self.set_view(View::Matrix),
            UserAction::ToggleMatrix => {
                let v = if self.view == View::Matrix {
                    View::Permissions
                } else {
                    View::Matrix
                };
                self.set_view(v);
            }
            UserAction::ViewWhoCan => self.open_who_can(),
            UserAction::ViewEscalations => {
                if self.escalations.is_cancelled() {
                    // asked again after a cancel: compute anew
                    self.pending.remove(&JobKind::Escalations);
                    self.escalations = Default::default();
                }
                self.set_view(View::Escalations);
            }
            UserAction::Zoom => self.zoom = !self.zoom,
            UserAction::From => {
                // Empty, so that what is typed replaces the location rather than running into it.
                self.open_prompt(PromptKind::From, String::new());
                if let Some(now) = self.origin_label() {
                    self.message = Some(format!("calls now come from {now}"));
                }
            }
            UserAction::Export => {
                let default = self.export_name();
                self.open_prompt(PromptKind::Export, default);
            }
            UserAction::Copy => return self.copy(),
            UserAction::ToggleTheme => {
                self.theme = self.theme.toggled();
                self.scopes.rebuild_items(&self.theme);
                self.message = Some(format!("theme: {}", self.theme.kind.as_str()));
            }
            UserAction::PickOperation => {
                if self.view != View::WhoCan {
                    self.open_who_can();
                }
                self.focus = Focus::Main;
                self.who.open_picker();
            }
            UserAction::ToggleDisputed => {
                self.escalations.toggle_disputed();
                self.who.toggle_disputed(self.escalations.hide_disputed);
                self.message = Some(if self.escalations.hide_disputed {
                    "disputed self-grant paths hidden (D shows them)".to_string()
                } else {
                    "disputed self-grant paths shown".to_string()
                });
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

    fn back(&mut self) -> Vec<Effect> {
        if self.overlay.is_some() {
            self.overlay = None;
        } else if self.view == View::Escalations && self.escalations.cancel() {
            self.cancel_job(JobKind::Escalations);
        } else if self.view == View::WhoCan && self.who.close_picker() {
        } else if self.zoom {
            self.zoom = false;
        } else if !self.principals.query.is_empty() || self.filter_pending() {
            self.filter = tui_input::Input::default();
            return self.request_filter(String::new());
        } else if !self.history.is_empty() {
            self.go_back();
        } else if self.view != View::Permissions {
            self.view = View::Permissions;
        } else if self.focus == Focus::Explain {
            self.focus = Focus::Main;
        }
        Vec::new()
    }

    /// Where the user is now, to come back to after a jump.
    pub(super) fn place(&self) -> Place {
        Place {
            scope: self.scopes.selected_scope().map(|s| s.key().to_string()),
            principal: self.principals.selected().map(|p| p.id.clone()),
            view: self.view,
            focus: self.focus,
            operation: self.who.op.clone(),
            cursors: [
                self.perms.cursor,
                self.matrix.cursor,
                self.who.cursor,
                self.escalations.cursor,
            ],
        }
    }

    /// Remembers where the user is before a jump takes them elsewhere.
    pub(super) fn remember(&mut self) {
        let here = self.place();
        self.history.push(here);
    }

    /// Remembers `before` when a command moved the user away from it.
    pub(super) fn remember_if_moved(&mut self, before: Place) {
        if self.place() != before {
            self.history.push(before);
        }
    }

    /// `[`: back to the place before the last jump, or a word that there is none.
    fn history_back(&mut self) {
        if !self.go_back() {
            self.message = Some("nowhere to go back to: no jump yet".into());
        }
    }

    /// Returns to the place before the last jump; false when there is none.
    fn go_back(&mut self) -> bool {
        let Some(p) = self.history.pop() else {
            return false;
        };
        if let Some(key) = &p.scope {
            self.goto_scope(key);
        }
        if let Some(id) = &p.principal {
            self.principals.select_id(id);
        }
        self.view = p.view;
        self.focus = p.focus;
        self.who.op = p.operation;
        // The views' answers for that place are asked for again if they changed; the rows come back.
        self.sync_permissions_now();
        let [perm, matrix, who, esc] = p.cursors;
        self.perms.cursor = perm;
        self.matrix.cursor = matrix;
        self.who.cursor = who;
        self.escalations.cursor = esc;
        true
    }

    /// Who can do the operation selected in the permissions table at the selected scope.
    /// Only an operation the user is looking at (the permissions table focused) is taken; otherwise the
    /// view keeps its own, `secrets/get` at first, which ← → change.
    pub fn open_who_can(&mut self) {
        if self.view == View::Permissions
            && self.focus == Focus::Main
            && let Some(row) = self.perms.selected()
        {
            self.who.op = row.op.name.to_string();
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
            View::Permissions => self.perms.move_by(delta),
            View::Matrix => self.matrix.move_by(delta),
            View::WhoCan => self.who.move_by(delta),
            View::Escalations => self.escalations.move_by(delta),
        }
    }

    fn left(&mut self) {
        let h = self.pane_height(Focus::Scopes);
        match (self.focus, self.view) {
            (Focus::Scopes, _) => {
                self.scopes.collapse(h);
            }
            (Focus::Main, View::Matrix) => self.matrix.left(),
            (Focus::Main, View::WhoCan) => self.who.next_operation(-1),
            _ => self.set_focus(self.focus.next(-1)),
        }
    }

    fn right(&mut self) {
        match (self.focus, self.view) {
            (Focus::Scopes, _) => {
                self.scopes.expand();
            }
            (Focus::Main, View::Matrix) => self.matrix.right(),
            (Focus::Main, View::WhoCan) => self.who.next_operation(1),
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
                    let id = self.matrix.selected().map(|r| r.id.clone());
                    if let Some(id) = id {
                        self.remember();
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

    /// Enter in who-can: a group opens (or closes, or lists its next page); an identity opens its
    /// permissions.
    fn jump_from_who_can(&mut self) {
        // The world's engine, borrowed field by field beside the view (as `App::world` gives it).
        let engine = self
            .whatif
            .world
            .as_ref()
            .map_or(&*self.engine, |w| w.engine());
        let entered = self.who.enter(engine);
        if let crate::tui::view::who_can::Entered::Identity(id) = entered {
            self.remember();
            let op = self.who.op.clone();
            self.principals.select_id(&id);
            self.view = View::Permissions;
            self.sync_permissions_now();
            self.perms.select_op(&op);
        }
    }

    fn jump_to_finding(&mut self) {
        let Some(f) = self.escalations.selected().cloned() else {
            return;
        };
        self.remember();
        self.principals.select_id(&f.principal.id);
        self.goto_scope(&f.vault_id);
        self.view = View::Permissions;
        self.focus = Focus::Main;
        self.sync_permissions_now();
        // Land on an operation the path would give, marked as one it can grant itself (the table's
        // `⇑ can grant`), so that the explanation tells how; secrets/get first, the question most asked.
        // The table marks each row with one technique: this finding's where it can, another's else.
        let marked = |op: &str, exact: bool| {
            self.perms.table.rows.iter().any(|r| {
                r.op.name == op && r.escalation.is_some_and(|t| !exact || t == f.technique)
            })
        };
        let candidates = || {
            ["secrets/get"]
                .into_iter()
                .chain(f.lacks.iter().copied())
                .filter(|op| f.lacks.contains(op))
        };
        let op = candidates()
            .find(|op| marked(op, true))
            .or_else(|| candidates().find(|op| marked(op, false)))
            .or_else(|| f.lacks.first().copied());
        if let Some(op) = op {
            self.perms.select_op(op);
        }
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
        self.sync_permissions();
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
            Focus::Main if self.view == View::Escalations => self.escalations.click(row),
            Focus::Main if self.view == View::Matrix => self.matrix.click(row),
            Focus::Main if self.view == View::WhoCan => self.who.click(row),
            Focus::Main => self.perms.click(row),
            Focus::Explain => {}
        }
    }
}
