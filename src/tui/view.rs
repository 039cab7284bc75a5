//! The explorer's views, one module each: what a view shows (its answer), where its cursor is, what its
//! keys do, how it draws, explains and exports. The app routes keys and answers to the view on screen; a
//! view is handed what it needs ([`Selection`], [`Ctx`]) and answers with a value the app carries out
//! ([`Ask`], [`Outcome`]): a view knows nothing of the app.

pub mod activity;
pub mod escalations;
pub mod matrix;
pub mod pages;
pub mod paths;
pub mod permissions;
pub mod reach;
pub mod who_can;

use ratatui::text::Span;
use ratatui::widgets::Block;

use crate::eval::{Engine, Origin};
use crate::model::Scope;
use crate::tui::app::Load;
use crate::tui::jump::Jump;
use crate::tui::layout::Focus;
use crate::tui::principals::PrincipalEntry;
use crate::tui::theme::Theme;
use crate::tui::worker::{JobKind, JobSpec};

/// What a view needs from around it to draw itself.
pub struct Ctx<'a> {
    pub theme: &'a Theme,
    /// The view's pane has the keys: its selected row is drawn strong.
    pub focused: bool,
    /// A what-if world is on screen: rows carry gained / lost marks.
    pub hypothetical: bool,
    /// The pane's frame, given the view's title.
    pub block: Box<dyn Fn(Vec<Span<'static>>) -> Block<'static> + 'a>,
}

/// What is selected around the views, for the one on screen to ask its question of.
pub struct Selection<'a> {
    pub scope: &'a Scope,
    /// The scope as the tree names it (a subscription's display name, not its GUID).
    pub scope_label: String,
    pub principal: Option<&'a PrincipalEntry>,
    pub origin: Option<&'a Origin>,
    pub focus: Focus,
    /// The hypothetical world's generation as job keys carry it (`|w3`), so a new world asks anew.
    pub in_world: String,
}

/// What a view wants done about its background answer; the app carries it out.
pub enum Ask {
    /// Nothing: the answer stands, or is being computed.
    Keep,
    /// The selection cannot be answered (the view says why): the latest job of its kind is forgotten.
    Forget,
    /// A job, named by `what` among the jobs of its kind.
    Run { what: String, spec: JobSpec },
}

/// What the app asks of a view, whichever it is: move its cursor, keep it in view, take a click on a line
/// of its pane, say what its explanation depends on.
pub trait Rows {
    fn move_by(&mut self, delta: isize);
    fn keep_visible(&mut self, height: usize);
    fn click(&mut self, row: usize);
    /// What the view's explanation depends on: when it changes, the explanation is built again.
    fn explain_key(&self) -> String;
}

/// Each view's own methods, as [`Rows`].
macro_rules! rows {
    ($($view:ty),*) => {$(
        impl Rows for $view {
            fn move_by(&mut self, delta: isize) {
                <$view>::move_by(self, delta);
            }
            fn keep_visible(&mut self, height: usize) {
                <$view>::keep_visible(self, height);
            }
            fn click(&mut self, row: usize) {
                <$view>::click(self, row);
            }
            fn explain_key(&self) -> String {
                <$view>::explain_key(self)
            }
        }
    )*};
}

rows!(
    permissions::PermissionsView,
    matrix::MatrixView,
    who_can::WhoCanView,
    escalations::EscalationsView,
    reach::ReachView,
    paths::PathsView,
    activity::ActivityView
);

/// What a key did in the view on screen; the app carries out what lies beyond the view.
pub enum Outcome {
    /// Not the view's key here: the app does what the key does elsewhere (← → move the focus, Esc goes
    /// on to close or go back).
    Ignored,
    /// Done within the view.
    Done,
    /// The explanation pane takes the keys: it tells the selected row in full.
    Explain,
    /// Go where the row says, remembering the place left.
    Jump(Jump),
    /// Stop the latest job of the kind: its answer is no longer wanted.
    Cancel(JobKind),
    /// Stop it, and drop its answer should it arrive all the same.
    Drop(JobKind),
    /// A job, in the world on screen.
    Run {
        kind: JobKind,
        what: String,
        spec: JobSpec,
    },
}

impl Outcome {
    /// Esc's outcome: `Cancel(kind)` when the view stopped waiting for its answer, else not the view's.
    pub fn cancelled(stopped: bool, kind: JobKind) -> Self {
        if stopped {
            Self::Cancel(kind)
        } else {
            Self::Ignored
        }
    }
}

/// The keys each view answers in its own way: ← →, Enter and Esc, and the id `y` copies of its row.
pub trait Keys: Rows {
    fn on_left(&mut self) -> Outcome {
        Outcome::Ignored
    }
    fn on_right(&mut self) -> Outcome {
        Outcome::Ignored
    }
    /// Enter on the selected row; `engine` is the world on screen.
    fn on_enter(&mut self, _engine: &Engine) -> Outcome {
        Outcome::Ignored
    }
    /// Esc: stops what the view is computing, or closes what it has open.
    fn on_esc(&mut self) -> Outcome {
        Outcome::Ignored
    }
    /// The id of the selected row's principal or scope.
    fn selected_id(&self) -> Option<String> {
        None
    }
}

/// The table an export writes: column names and rows of cells, the common shape of every view.
pub struct Table {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A job's progress, as a view shows it while it waits: "312 of 2 000 vaults".
pub fn progress(what: &str, done: usize, total: usize, unit: &str) -> String {
    format!("{what}: {} of {} {unit}", thousands(done), thousands(total))
}

/// `2000` as `2 000`: counts the eye takes in at once.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

impl<T> Load<T> {
    /// Whether a background answer is being computed.
    pub fn is_loading(&self) -> bool {
        matches!(self, Self::Loading(_))
    }

    /// Esc while the answer is computed: the view stops waiting for it and says `why` instead. Whether
    /// there was one to cancel.
    pub fn cancel(&mut self, why: String) -> bool {
        if !self.is_loading() {
            return false;
        }
        *self = Self::Failed(why);
        true
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(super::thousands(7), "7");
        assert_eq!(super::thousands(312), "312");
        assert_eq!(super::thousands(2000), "2 000");
        assert_eq!(super::thousands(1_234_567), "1 234 567");
        assert_eq!(
            super::progress("looking", 312, 2000, "vaults"),
            "looking: 312 of 2 000 vaults"
        );
    }
}
