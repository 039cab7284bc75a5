//! The escalations answer as the view holds it: shared, with the groups a `/` filter keeps.

use std::sync::Arc;

use crate::query::grouped::escalations::{EscalationGroup, EscalationGroups};

/// The escalations on screen: the whole answer, shared, and the groups a `/` filter keeps of it (their
/// positions). A tenant-wide answer has tens of thousands of groups: narrowing it copies positions, not
/// groups, so that a keystroke in the filter box stays quick.
#[derive(Debug, Clone)]
pub struct Shown {
    pub all: Arc<EscalationGroups>,
    pub kept: Option<Arc<Vec<usize>>>,
}

impl Shown {
    pub fn new(all: EscalationGroups) -> Self {
        Self {
            all: Arc::new(all),
            kept: None,
        }
    }

    /// The positions of the groups kept.
    pub(super) fn positions(&self) -> Vec<usize> {
        self.kept
            .as_ref()
            .map_or_else(|| (0..self.all.groups.len()).collect(), |k| k.to_vec())
    }

    /// The groups kept.
    pub fn groups(&self) -> Vec<&EscalationGroup> {
        self.positions()
            .into_iter()
            .filter_map(|i| self.all.groups.get(i))
            .collect()
    }

    /// Lets go of the answer without making the UI wait when it is the last holder of a large one: freeing
    /// tens of thousands of groups takes longer than a keystroke may.
    pub(super) fn release(self) {
        const LARGE: usize = 1_000;
        if self.all.groups.len() >= LARGE && Arc::strong_count(&self.all) == 1 {
            // Should no thread start, the closure is dropped here, and the answer with it.
            let _ = std::thread::Builder::new()
                .name("kvaccess-free-answer".into())
                .spawn(move || drop(self));
        }
    }
}
