//! The question the selection asks of the who-can view: who can do its operation at the selected scope.

use super::WhoCanView;
use crate::catalog::Plane;
use crate::tui::app::Load;
use crate::tui::view::{Ask, Selection};
use crate::tui::worker::JobSpec;

impl WhoCanView {
    /// The job for the operation at the selected scope, unless it is being (or has been) computed:
    /// `pending` is what the latest who-can job was asked for.
    pub fn ask(&mut self, sel: &Selection, pending: Option<&str>) -> Ask {
        let what = format!(
            "{}|{}|{:?}{}",
            sel.scope.key(),
            self.op,
            sel.origin,
            sel.in_world
        );
        let data_plane = crate::catalog::resolve(&self.op).is_ok_and(|a| a.plane == Plane::Data);
        if data_plane && sel.scope.vault().is_none() {
            // Said in the explorer's words, not the CLI's ("give a … scope").
            self.answer = Load::Failed(format!(
                "{} is a data-plane operation: select a vault (or a key, secret or certificate in one) to see who can do it, or ←→ for a management operation",
                self.op
            ));
            return Ask::Forget;
        }
        if pending == Some(what.as_str()) {
            return Ask::Keep;
        }
        self.loading();
        let spec = JobSpec::WhoCan {
            scope: sel.scope.clone(),
            operation: self.op.clone(),
            origin: sel.origin.cloned(),
        };
        Ask::Run { what, spec }
    }
}
