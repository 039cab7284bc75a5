//! Bound actions: focus, movement in the focused pane, view switches, jumps; and the mouse.

use super::{App, Focus, Overlay, PromptKind, View};
use crate::tui::action::{Effect, UserAction};
use crate::tui::filter::Target;
use crate::tui::nav::Nav;
use crate::tui::worker::JobKind;

impl App {
    /// Applies a bound action.
    pub fn apply(&mut self, action: UserAction) -> Vec<Effect> {
        let page = self.pane_height(self.focus) as isize;
        if matches!(self.focus, Focus::Scopes | Focus::Principals) && Nav::acts_on(action) {
            if let Some(f) = self.nav.act(self.focus, action, page.unsigned_abs()) {
                self.set_focus(f);
            }
            return Vec::new();
        }
        match action {
            UserAction::Quit => self.quit = true,
            UserAction::Back => return self.back(),
            UserAction::HistoryBack => self.history_back(),
            UserAction::Help => self.overlay = Some(Overlay::Help(Default::default())),
            UserAction::Palette => self.overlay = Some(Overlay::Palette(Default::default())),
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
            UserAction::Left => return self.left(),
            UserAction::Right => return self.right(),
            UserAction::Select => return self.select(),
            UserAction::Filter => {
                // The explanation or the table in the main pane when it has the keys, else the
                // principal list.
                match self
                    .tables
                    .query(self.view)
                    .filter(|_| self.focus == Focus::Main)
                {
                    _ if self.focus == Focus::Explain => {
                        self.filter
                            .open(Target::Explain, &self.explain_query.clone());
                    }
                    Some(q) => {
                        let q = q.to_string();
                        self.filter.open(Target::Table(self.view), &q);
                    }
                    None => {
                        self.set_focus(Focus::Principals);
                        self.filter
                            .open(Target::Principals, &self.nav.principals.query);
                    }
                }
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
            UserAction::MatrixSort => {
                self.matrix.cycle_order();
                self.message = Some(format!("matrix rows {}", self.matrix.order.words()));
            }
            // The view's key after a cancel asks again: the cancelled job is forgotten.
            UserAction::ViewWhoCan => {
                if self.who.is_cancelled() {
                    self.pending.remove(&JobKind::WhoCan);
                }
                self.open_who_can();
            }
            UserAction::ViewEscalations => {
                if self.escalations.reopen() {
                    self.pending.remove(&JobKind::Escalations);
                }
                self.set_view(View::Escalations);
            }
            UserAction::ViewReach => {
                if self.reach.reopen() {
                    self.pending.remove(&JobKind::Reach);
                }
                self.set_view(View::Reach);
            }
            UserAction::ViewPaths => {
                let on_vault = self
                    .nav
                    .scopes
                    .selected_scope()
                    .is_some_and(|s| s.vault().is_some());
                let in_view = self.view == View::Paths;
                if self
                    .paths
                    .open(in_view, self.focus == Focus::Principals, on_vault)
                {
                    self.pending.remove(&JobKind::Paths);
                }
                self.set_view(View::Paths);
            }
            UserAction::ViewActivity => {
                // It follows the pane the user comes from: a principal's activity from the list.
                self.activity.follow = match self.focus {
                    Focus::Principals => crate::tui::view::activity::Follow::Principal,
                    Focus::Scopes => crate::tui::view::activity::Follow::Scope,
                    _ => self.activity.follow,
                };
                if self.activity.restart() {
                    // asked again after a cancel: compute anew
                    self.pending.remove(&JobKind::ReadLogs);
                    self.pending.remove(&JobKind::Activity);
                }
                self.set_view(View::Activity);
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
            UserAction::CopyExplanation => {
                let text = crate::tui::clipboard::explanation_text(&self.explain);
                return self.copy_text(text, "the explanation");
            }
            UserAction::CopyVerdict => {
                let text = crate::tui::clipboard::verdict_text(&self.explain);
                return self.copy_text(text, "the verdict");
            }
            UserAction::Tour => return crate::tui::tour::open(self),
            UserAction::ToggleTheme => {
                self.theme = self.theme.toggled();
                self.nav.scopes.rebuild_items(&self.theme);
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
            UserAction::WhatIf => self.whatif.toggle(),
            a if a.is_whatif_panel() => self.whatif.act(a),
            UserAction::Refresh => return self.refresh(),
            UserAction::ShowLog => self.open_log(),
            UserAction::None => {}
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn set_focus(&mut self, f: Focus) {
        self.focus = f;
    }

    pub(super) fn set_view(&mut self, v: View) {
        self.view = v;
        self.focus = Focus::Main;
    }

    /// Esc: closes the overlay, else the view on screen stops what it computes (or closes what it has
    /// open), else the zoom, a filter, a jump or the view is undone, in that order.
    fn back(&mut self) -> Vec<Effect> {
        if self.overlay.is_some() {
            self.overlay = None;
            return Vec::new();
        }
        let o = self.on_screen().on_esc();
        if let Some(effects) = self.carry_out(o) {
            return effects;
        }
        if self.zoom {
            self.zoom = false;
        } else if self.focus == Focus::Main
            && self.tables.query(self.view).is_some_and(|q| !q.is_empty())
        {
            self.narrow(self.view, "");
        } else if self.focus == Focus::Explain && !self.explain_query.is_empty() {
            self.search_explanation("");
        } else if !self.nav.principals.query.is_empty() || self.filter_pending() {
            self.filter.clear();
            return self.request_filter(String::new());
        } else if !self.nav.history.is_empty() {
            self.go_back();
        } else if self.view != View::Permissions {
            self.view = View::Permissions;
        } else if self.focus == Focus::Explain {
            self.focus = Focus::Main;
        }
        Vec::new()
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

    pub(super) fn move_by(&mut self, delta: isize) {
        let h = self.pane_height(self.focus);
        match self.focus {
            Focus::Scopes => self.nav.move_scopes(delta, h),
            Focus::Principals => self.nav.move_principals(delta),
            Focus::Explain => {
                // Rows as drawn (long lines wrap), so the end of a long explanation can be reached.
                let width = self
                    .areas()
                    .explain
                    .map_or(80, |r| r.width.saturating_sub(2));
                let max =
                    crate::tui::pane::explain::rows(self, usize::from(width)).saturating_sub(1);
                self.explain_scroll = self.explain_scroll.saturating_add_signed(delta).min(max);
            }
            Focus::Main => self.move_main(delta),
        }
    }
}
