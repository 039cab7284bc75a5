//! Numbers for the ids a walk's lists hold.

use rustc_hash::FxHashMap;

use super::walk::Walk;

/// The ids a walk's candidate lists hold, as numbers: the membership graph's nodes keep theirs, the others
/// are numbered after them as the walk meets them. Lists of numbers are expanded, sorted and compared
/// without copying or hashing the ids' text (the lists of a large tenant's subscriptions hold tens of
/// thousands each).
#[derive(Default)]
pub(super) struct Numbered<'e> {
    of: FxHashMap<&'e str, u32>,
    names: Vec<&'e str>,
}

impl<'e> Walk<'e> {
    /// The number of `id` in this walk's lists.
    pub(super) fn number(&self, id: &'e str) -> u32 {
        let graph = self.engine.index.memberships();
        if let Some(n) = graph.node(id) {
            return n;
        }
        let base = graph.node_count() as u32;
        let mut numbered = self.cache.by_scope.numbered.borrow_mut();
        if let Some(&n) = numbered.of.get(id) {
            return base + n;
        }
        let n = numbered.names.len() as u32;
        numbered.names.push(id);
        numbered.of.insert(id, n);
        base + n
    }

    /// The number of `id` when the walk has given it one.
    pub(super) fn numbered(&self, id: &str) -> Option<u32> {
        let graph = self.engine.index.memberships();
        let base = graph.node_count() as u32;
        graph.node(id).or_else(|| {
            let numbered = self.cache.by_scope.numbered.borrow();
            numbered.of.get(id).map(|&n| base + n)
        })
    }

    /// The id numbered `n` by [`Walk::number`].
    pub(super) fn name(&self, n: u32) -> &'e str {
        let engine: &'e crate::eval::Engine = self.engine;
        let graph = engine.index.memberships();
        let base = graph.node_count() as u32;
        if n < base {
            return graph.name(n);
        }
        let numbered = self.cache.by_scope.numbered.borrow();
        numbered
            .names
            .get((n - base) as usize)
            .copied()
            .unwrap_or("")
    }
}
