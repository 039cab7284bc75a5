//! The hypothetical world the panes show while what-if changes are on: the changed snapshot, an engine
//! over it, and the diff against the real world. It is built on the worker thread and shared by the UI
//! and the worker through an `Arc`.

use std::fmt;
use std::sync::Arc;

use crate::eval::Engine;
use crate::whatif::{Diff, Scenario, WhatIfError, summary_lines};

/// One hypothetical world, for one version of the change list.
pub struct World {
    engine: Engine,
    /// The change list version it was built from (the panel bumps it on every edit).
    pub generation: u64,
    /// Enabled changes applied.
    pub changes: usize,
    pub diff: Diff,
    /// "+3 principals can read secrets in kv-app-prod", largest first.
    pub summary: Vec<String>,
    /// Remarks per applied change: (index in the list, text).
    pub notes: Vec<(usize, String)>,
}

impl World {
    /// Applies the enabled changes of `scenario` to the real world and diffs every vault and principal.
    pub fn build(real: &Engine, scenario: &Scenario, generation: u64) -> Result<Self, WhatIfError> {
        let evaluated = scenario.diff(real, None)?;
        let notes = evaluated
            .applied
            .iter()
            .flat_map(|a| a.notes.iter().map(move |n| (a.index, n.clone())))
            .collect();
        let changes = evaluated.applied.len();
        let (engine, diff) = (evaluated.after, evaluated.diff);
        let summary = summary_lines(&diff);
        Ok(Self {
            engine,
            generation,
            changes,
            diff,
            summary,
            notes,
        })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// A shared world; jobs carry it to the worker. Equal when it is the same world.
#[derive(Clone)]
pub struct WorldRef(pub Arc<World>);

impl PartialEq for WorldRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for WorldRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "World(generation {}, {} changes)",
            self.0.generation, self.0.changes
        )
    }
}

impl std::ops::Deref for WorldRef {
    type Target = World;
    fn deref(&self) -> &World {
        &self.0
    }
}

/// Lets go of a world without making the UI wait: freeing the engine of a large tenant takes about as
/// long as building it, so the last reference is dropped on a short-lived thread of its own.
pub fn release(world: Option<WorldRef>) {
    if let Some(w) = world.filter(|w| Arc::strong_count(&w.0) == 1) {
        // Should no thread start, the closure is dropped here, and the world with it.
        let _ = std::thread::Builder::new()
            .name("kvaccess-free-world".into())
            .spawn(move || drop(w));
    }
}
