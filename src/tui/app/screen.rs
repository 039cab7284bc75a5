//! The view on screen: the keys it answers in its own way (← → Enter Esc, the cursor) routed to it, and
//! what it asks beyond itself carried out.

use super::{App, Focus, View};
use crate::tui::action::Effect;
use crate::tui::view::{Keys, Outcome};

impl App {
    /// The view in the main pane.
    pub(super) fn on_screen(&mut self) -> &mut dyn Keys {
        match self.view {
            View::Permissions => &mut self.perms,
            View::Matrix => &mut self.matrix,
            View::WhoCan => &mut self.who,
            View::Escalations => &mut self.escalations,
            View::Reach => &mut self.reach,
            View::Paths => &mut self.paths,
            View::Activity => &mut self.activity,
        }
    }

    /// The view in the main pane, to read.
    pub(super) fn shown(&self) -> &dyn Keys {
        self.view_of(self.view)
    }

    /// One of the views, to read.
    pub(super) fn view_of(&self, view: View) -> &dyn Keys {
        match view {
            View::Permissions => &self.perms,
            View::Matrix => &self.matrix,
            View::WhoCan => &self.who,
            View::Escalations => &self.escalations,
            View::Reach => &self.reach,
            View::Paths => &self.paths,
            View::Activity => &self.activity,
        }
    }

    pub(super) fn move_main(&mut self, delta: isize) {
        self.on_screen().move_by(delta);
    }

    /// ←: the view's own in the main pane, else the focus moves to the pane before.
    pub(super) fn left(&mut self) -> Vec<Effect> {
        if self.focus == Focus::Main {
            let o = self.on_screen().on_left();
            if let Some(effects) = self.carry_out(o) {
                return effects;
            }
        }
        self.set_focus(self.focus.next(-1));
        Vec::new()
    }

    /// →: the view's own in the main pane, else the focus moves to the pane after.
    pub(super) fn right(&mut self) -> Vec<Effect> {
        if self.focus == Focus::Main {
            let o = self.on_screen().on_right();
            if let Some(effects) = self.carry_out(o) {
                return effects;
            }
        }
        self.set_focus(self.focus.next(1));
        Vec::new()
    }

    /// Enter: the natural next step from where the user is.
    pub(super) fn select(&mut self) -> Vec<Effect> {
        match self.focus {
            // The tree's and the list's Enter is the navigation's own (`Nav::act`).
            Focus::Scopes | Focus::Principals => Vec::new(),
            Focus::Explain => {
                self.set_focus(Focus::Main);
                Vec::new()
            }
            Focus::Main => {
                // The world's engine, held beside the view (as `App::world` gives it).
                let (real, world) = (self.engine.clone(), self.whatif.world.clone());
                let engine = world.as_ref().map_or(&*real, |w| w.engine());
                let o = self.on_screen().on_enter(engine);
                self.carry_out(o).unwrap_or_default()
            }
        }
    }

    /// Carries out what a key did in the view beyond it; `None` when the view did not take the key.
    pub(super) fn carry_out(&mut self, o: Outcome) -> Option<Vec<Effect>> {
        match o {
            Outcome::Ignored => return None,
            Outcome::Done => {}
            Outcome::Explain => self.set_focus(Focus::Explain),
            Outcome::Jump(j) => self.go(j),
            Outcome::Cancel(kind) => self.cancel_job(kind),
            Outcome::Drop(kind) => {
                // An answer that arrives all the same is dropped: the user said stop.
                self.cancel_job(kind);
                self.pending.remove(&kind);
            }
            Outcome::Run { kind, what, spec } => {
                let world = self.whatif.world.clone();
                return Some(vec![self.job(kind, what, spec, world)]);
            }
        }
        Some(Vec::new())
    }
}
