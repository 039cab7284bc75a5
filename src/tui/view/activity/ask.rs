//! The question the selection asks of the activity view: what the logs say of the followed scope or
//! principal.

use super::{ActivityView, Follow, Subject};
use crate::tui::layout::Focus;
use crate::tui::view::{Ask, Selection};
use crate::tui::worker::JobSpec;

impl ActivityView {
    /// The job for the followed selection (the pane the user was last in), once the logs are read and
    /// unless it is being (or has been) answered. A cancelled job stays pending, so it is not asked for
    /// again until the selection changes or the user presses the view's key.
    pub fn ask(&mut self, sel: &Selection, pending: Option<&str>) -> Ask {
        match sel.focus {
            Focus::Scopes => self.follow = Follow::Scope,
            Focus::Principals => self.follow = Follow::Principal,
            _ => {}
        }
        let Some(logs) = self.logs.ready().cloned() else {
            return Ask::Keep;
        };
        let subject = match (self.follow, sel.principal) {
            (Follow::Scope, _) => Subject::Scope(sel.scope.clone()),
            (Follow::Principal, Some(p)) => Subject::Principal {
                id: p.id.clone(),
                name: p.name.clone(),
            },
            (Follow::Principal, None) => return Ask::Keep,
        };
        let what = format!("{}{}", subject.key(), sel.in_world);
        if pending == Some(what.as_str()) {
            return Ask::Keep;
        }
        self.asked(&subject);
        Ask::Run {
            what,
            spec: JobSpec::Activity { logs, subject },
        }
    }
}
