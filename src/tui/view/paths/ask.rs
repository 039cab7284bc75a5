//! Which question the selection asks (`--to` the vault, `--from` the principal), the job that answers it,
//! and the export of its answer.

use std::path::Path;

use super::{Direction, EXTENSIONS, GraphFormat, PathsView, Question, export};
use crate::eval::Engine;
use crate::tui::app::Load;
use crate::tui::view::{Ask, Selection};
use crate::tui::worker::JobSpec;

impl PathsView {
    /// The view's key: from the principal list, or with no vault selected, the paths from the selected
    /// principal; else the paths to the selected vault or item. Pressed in the view (`in_view`), the other
    /// question. Whether the old answer was let go of (its job is no longer wanted).
    pub fn open(&mut self, in_view: bool, from_principals: bool, on_vault: bool) -> bool {
        let direction = if in_view {
            match self.direction {
                Direction::To => Direction::From,
                Direction::From if on_vault => Direction::To,
                Direction::From => Direction::From,
            }
        } else if from_principals || !on_vault {
            Direction::From
        } else {
            Direction::To
        };
        if self.is_cancelled() || direction != self.direction {
            // asked anew: a cancelled answer is computed again, the other question replaces the answer
            *self = PathsView {
                direction,
                ..PathsView::default()
            };
            return true;
        }
        false
    }

    /// The job for the selection's question, unless it is being (or has been) answered: `pending` is what
    /// the latest paths job was asked for; `operation` is the one the explorer asks about.
    pub fn ask(&mut self, sel: &Selection, operation: &str, pending: Option<&str>) -> Ask {
        let (question, asking) = match self.direction {
            Direction::To if sel.scope.vault().is_none() => {
                self.answer = Load::Failed(
                    "select a vault (or a key, secret or certificate in one) to see the paths to it, or press the view's key again for the paths from the selected principal".into(),
                );
                return Ask::Forget;
            }
            Direction::To => (
                Question::To {
                    scope: sel.scope.clone(),
                    operation: operation.to_string(),
                },
                format!("the paths to {operation} on {}", sel.scope_label),
            ),
            Direction::From => {
                let Some(p) = sel.principal else {
                    return Ask::Keep;
                };
                (
                    Question::From {
                        principal: p.id.clone(),
                    },
                    format!("the paths from {}", p.name),
                )
            }
        };
        let what = format!("{question:?}{}", sel.in_world);
        if pending == Some(what.as_str()) {
            return Ask::Keep;
        }
        self.asked(&asking);
        Ask::Run {
            what,
            spec: JobSpec::Paths(question),
        }
    }

    /// The view answers for a principal (its export is named after it).
    pub fn from_principal(&self) -> bool {
        self.direction == Direction::From
    }

    /// `e` in the paths view: the CLI's JSON, Mermaid or DOT of the answer, by the file's extension; `Err`
    /// is what the status bar says instead. `hypothetical`: a what-if world is on.
    pub fn export_file(
        &self,
        engine: &Engine,
        path: &Path,
        hypothetical: bool,
    ) -> Result<String, String> {
        let Some(format) = GraphFormat::from_path(path) else {
            return Err(format!("export: paths are written as {EXTENSIONS}"));
        };
        if hypothetical {
            // The file is the CLI's answer, which has no room to say it is hypothetical.
            return Err(
                "export: paths are exported for the real tenant only; turn the what-if changes off first".into(),
            );
        }
        let Some(answer) = self.ready() else {
            return Err("export: the paths are not ready yet".into());
        };
        export(engine, answer, format).map_err(|e| format!("export failed: {e}"))
    }
}
