//! Where the user is, the jumps that take them elsewhere (Enter on a row, a palette command), and the way
//! back (`esc`, `[`).

use super::{App, Focus, View};
use crate::tui::history::Place;
use crate::tui::jump::Jump;

impl App {
    /// Where the user is now, to come back to after a jump.
    pub(super) fn place(&self) -> Place {
        Place {
            scope: self
                .nav
                .scopes
                .selected_scope()
                .map(|s| s.key().to_string()),
            principal: self.nav.principals.selected().map(|p| p.id.clone()),
            view: self.view,
            focus: self.focus,
            operation: self.who.op.clone(),
            cursors: [
                self.perms.cursor,
                self.matrix.cursor,
                self.who.cursor,
                self.escalations.cursor,
                self.reach.cursor,
            ],
        }
    }

    /// Remembers where the user is before a jump takes them elsewhere.
    pub(super) fn remember(&mut self) {
        let here = self.place();
        self.nav.history.push(here);
    }

    /// Remembers `before` when a command moved the user away from it.
    pub(super) fn remember_if_moved(&mut self, before: Place) {
        if self.place() != before {
            self.nav.history.push(before);
        }
    }

    /// `[`: back to the place before the last jump, or a word that there is none.
    pub(super) fn history_back(&mut self) {
        if !self.go_back() {
            self.message = Some("nowhere to go back to: no jump yet".into());
        }
    }

    /// Returns to the place before the last jump; false when there is none.
    pub(super) fn go_back(&mut self) -> bool {
        let Some(p) = self.nav.history.pop() else {
            return false;
        };
        if let Some(key) = &p.scope {
            self.goto_scope(key);
        }
        if let Some(id) = &p.principal {
            self.nav.principals.select_id(id);
        }
        self.view = p.view;
        self.focus = p.focus;
        self.who.op = p.operation;
        // The views' answers for that place are asked for again if they changed; the rows come back.
        self.sync_permissions();
        let [perm, matrix, who, esc, reach] = p.cursors;
        self.perms.cursor = perm;
        self.matrix.cursor = matrix;
        self.who.cursor = who;
        self.escalations.cursor = esc;
        self.reach.cursor = reach;
        true
    }

    /// Goes where a row said, remembering the place left: the permissions view, on the operation.
    pub(super) fn go(&mut self, jump: Jump) {
        self.remember();
        if let Some(id) = &jump.principal {
            self.nav.principals.select_id(id);
        }
        if let Some(scope) = &jump.scope {
            self.goto_scope(scope);
        }
        self.view = View::Permissions;
        self.focus = Focus::Main;
        self.sync_permissions();
        if let Some(op) = jump.land.op(&self.perms.table.rows).map(str::to_string) {
            self.perms.select_op(&op);
        }
    }

    pub(super) fn goto_scope(&mut self, id: &str) -> bool {
        let h = self.pane_height(Focus::Scopes);
        self.nav.goto_scope(id, h)
    }
}
