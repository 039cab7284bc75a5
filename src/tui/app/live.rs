//! A live session's messages carried out: the live state folds them in; the app asks for the rebuilds, says
//! a failed run, moves onto indexed data, and answers `r` (refresh) and `L` (the fetch log).

use super::{App, Overlay};
use crate::tui::action::Effect;
use crate::tui::live::{Indexed, LiveMsg};
use crate::tui::worker::JobKind;

impl App {
    /// Folds a live message into the state; asks for a rebuild when the data moved and the throttle allows.
    pub fn on_live(&mut self, m: LiveMsg) -> Vec<Effect> {
        let theme = self.theme.kind;
        let Some(live) = self.live.as_mut() else {
            return Vec::new();
        };
        let (job, failed) = live.on_msg(m, theme);
        if let Some(msg) = failed {
            self.message = Some(format!(
                "live fetch failed: {} (L shows the log)",
                msg.lines().next().unwrap_or_default()
            ));
        }
        job.map(|(what, spec)| self.job(JobKind::Index, what, spec, None))
            .into_iter()
            .collect()
    }

    pub(crate) fn on_indexed(&mut self, indexed: Box<Indexed>) {
        self.pending.remove(&JobKind::Index);
        if let Some(live) = self.live.as_mut() {
            live.on_indexed(indexed);
        }
    }

    /// Indexed data the loop should move the app onto, if any.
    pub fn take_next(&mut self) -> Option<Box<Indexed>> {
        self.live.as_mut().and_then(|l| l.take_next())
    }

    /// Records that the app now runs on `indexed`'s data (called by [`App::switch_to`]).
    pub fn adopt(&mut self, generation: u64, collecting: bool, dropped: &[String]) {
        let collected_at = self.engine.snapshot.collected_at.as_deref();
        if let Some(live) = self.live.as_mut() {
            live.adopt(generation, collecting, collected_at, dropped);
        }
    }

    /// `r`: starts a run unless one is going (or this is not a live session).
    pub fn refresh(&mut self) -> Vec<Effect> {
        match self.live.as_mut() {
            None => {
                self.message =
                    Some("refresh needs a live session: start with kvaccess tui --live".into());
                Vec::new()
            }
            Some(live) if live.running => {
                self.message = Some("a refresh is already running".into());
                Vec::new()
            }
            Some(live) => {
                live.running = true;
                vec![Effect::Refresh]
            }
        }
    }

    /// `L`: the fetch log.
    pub fn open_log(&mut self) {
        if self.live.is_some() {
            self.overlay = Some(Overlay::Log(Default::default()));
        } else {
            self.message = Some("the fetch log belongs to a live session (tui --live)".into());
        }
    }
}
