//! The role and deny assignments at some scopes of an ancestry, gathered once for the many rows a bulk
//! question builds there (`TargetRows`), and looked up by the object id they name.

use rustc_hash::FxHashMap;

use crate::eval::Engine;
use crate::model::Scope;

/// The role assignments and deny assignments at some scopes of an ancestry (in its order), indexed by the
/// object id they name.
#[derive(Default)]
pub struct Granted<'a> {
    /// The scopes' keys when shared: a target whose ancestry ends with them may share this.
    pub(super) keys: Vec<String>,
    /// (assignment, definition), in ancestry order.
    pub(super) assignments: Vec<(usize, Option<usize>)>,
    /// Positions in `assignments` by the object id they name.
    pub(super) assignments_of: FxHashMap<&'a str, Vec<usize>>,
    /// Deny assignments that apply at the target.
    pub(super) denies: Vec<usize>,
}

impl<'a> Granted<'a> {
    pub(super) fn gather(engine: &'a Engine, scopes: &[Scope], target: &Scope) -> Self {
        let mut g = Granted::default();
        // Sized once, as `TargetRows::of` sizes its entries.
        let n = scopes
            .iter()
            .map(|s| engine.assignments_at(s).count())
            .sum();
        g.assignments.reserve(n);
        g.assignments_of.reserve(n);
        for scope in scopes {
            for (i, a) in engine.assignments_at(scope) {
                let role = engine.index.role_of(i, a);
                g.assignments_of
                    .entry(a.principal_id.as_str())
                    .or_default()
                    .push(g.assignments.len());
                g.assignments.push((i, role));
            }
            for (i, d) in engine.denies_at(scope) {
                if !d.do_not_apply_to_child_scopes || d.scope == *target {
                    g.denies.push(i);
                }
            }
        }
        g
    }

    /// The assignments naming one of `ids`, in ancestry order.
    pub(super) fn naming<'i>(
        &self,
        ids: impl Iterator<Item = &'i str>,
    ) -> Vec<(usize, Option<usize>)> {
        let mut positions: Vec<usize> = ids
            .filter_map(|id| self.assignments_of.get(id))
            .flatten()
            .copied()
            .collect();
        positions.sort_unstable();
        positions
            .into_iter()
            .filter_map(|p| self.assignments.get(p).copied())
            .collect()
    }
}
