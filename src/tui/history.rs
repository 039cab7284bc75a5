//! Where the user was: a jump (Enter on a row of another view, `goto`, `principal`) remembers the place it
//! left, and `esc` or `[` goes back to it, as k9s users expect.

use crate::tui::app::{Focus, View};
use crate::tui::cursor::Cursor;

/// At most this many places are remembered.
const DEPTH: usize = 50;

/// A place in the explorer: what was selected and shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The selected scope's key.
    pub scope: Option<String>,
    /// The selected principal's id.
    pub principal: Option<String>,
    pub view: View,
    pub focus: Focus,
    /// The who-can view's operation.
    pub operation: String,
    /// The permissions table's, matrix's, who-can's, escalations' and reach's cursors.
    pub cursors: [Cursor; 5],
}

#[derive(Debug, Default)]
pub struct History {
    places: Vec<Place>,
}

impl History {
    /// Remembers `place` (unless it is where the last jump left from).
    pub fn push(&mut self, place: Place) {
        if self.places.last() == Some(&place) {
            return;
        }
        if self.places.len() == DEPTH {
            self.places.remove(0);
        }
        self.places.push(place);
    }

    pub fn pop(&mut self) -> Option<Place> {
        self.places.pop()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }
}
