//! The paths view's questions: which one the selection asks (`--to` the vault, `--from` the principal),
//! the job that answers it, and the export of its answer.

use std::path::PathBuf;

use super::{App, Focus, Load, View};
use crate::model::Scope;
use crate::tui::action::Effect;
use crate::tui::view::paths::{self, Direction, PathsView, Question};
use crate::tui::whatif::world::WorldRef;
use crate::tui::worker::{JobKind, JobSpec};

impl App {
    /// The view's key: from the principal list, or with no vault selected, the paths from the selected
    /// principal; else the paths to the selected vault or item. Pressed in the view, the other question.
    pub(super) fn open_paths(&mut self) {
        let on_vault = self
            .nav
            .scopes
            .selected_scope()
            .is_some_and(|s| s.vault().is_some());
        let direction = if self.view == View::Paths {
            match self.paths.direction {
                Direction::To => Direction::From,
                Direction::From if on_vault => Direction::To,
                Direction::From => Direction::From,
            }
        } else if self.focus == Focus::Principals || !on_vault {
            Direction::From
        } else {
            Direction::To
        };
        if self.paths.is_cancelled() || direction != self.paths.direction {
            // asked anew: a cancelled answer is computed again, the other question replaces the answer
            self.pending.remove(&JobKind::Paths);
            self.paths = PathsView {
                direction,
                ..PathsView::default()
            };
        }
        self.view = View::Paths;
        self.focus = Focus::Main;
    }

    /// The job for the selection's question, unless it is being (or has been) answered.
    pub(super) fn paths_job(
        &mut self,
        scope: &Scope,
        world: Option<WorldRef>,
        in_world: &str,
    ) -> Option<Effect> {
        let (question, asking) = match self.paths.direction {
            Direction::To if scope.vault().is_none() => {
                self.pending.remove(&JobKind::Paths);
                self.paths.answer = Load::Failed(
                    "select a vault (or a key, secret or certificate in one) to see the paths to it, or press the view's key again for the paths from the selected principal".into(),
                );
                return None;
            }
            Direction::To => (
                Question::To {
                    scope: scope.clone(),
                    operation: self.who.op.clone(),
                },
                format!("the paths to {} on {}", self.who.op, self.scope_label()),
            ),
            Direction::From => {
                let p = self.nav.principals.selected()?;
                (
                    Question::From {
                        principal: p.id.clone(),
                    },
                    format!("the paths from {}", p.name),
                )
            }
        };
        let what = format!("{question:?}{in_world}");
        if self.pending_for(JobKind::Paths) == Some(what.as_str()) {
            return None;
        }
        self.paths.asked(&asking);
        Some(self.job(JobKind::Paths, what, JobSpec::Paths(question), world))
    }

    /// The view answers for a principal (its export is named after it).
    pub(super) fn paths_from_principal(&self) -> bool {
        self.view == View::Paths && self.paths.direction == Direction::From
    }

    /// `e` in the paths view: the CLI's JSON, Mermaid or DOT of the answer, by the file's extension.
    pub(super) fn export_paths(&mut self, path: PathBuf) -> Vec<Effect> {
        let Some(format) = paths::Format::from_path(&path) else {
            self.message = Some(format!(
                "export: paths are written as {}",
                paths::EXTENSIONS
            ));
            return Vec::new();
        };
        if self.whatif.world.is_some() {
            // The file is the CLI's answer, which has no room to say it is hypothetical.
            self.message = Some(
                "export: paths are exported for the real tenant only; turn the what-if changes off first".into(),
            );
            return Vec::new();
        }
        let Some(answer) = self.paths.ready() else {
            self.message = Some("export: the paths are not ready yet".into());
            return Vec::new();
        };
        match paths::export(&self.engine, answer, format) {
            Ok(content) => vec![Effect::Write { path, content }],
            Err(e) => {
                self.message = Some(format!("export failed: {e}"));
                Vec::new()
            }
        }
    }
}
