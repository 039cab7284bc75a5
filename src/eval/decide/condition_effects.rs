//! What each role assignment's condition does to each catalog RBAC action when the request names no secret,
//! worked out once per (distinct condition, action) instead of parsing the condition at every decision (a
//! tenant-wide walk decides the same few conditions hundreds of thousands of times).

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use crate::catalog;
use crate::eval::condition::{self, Effect};
use crate::model::Snapshot;

/// The distinct conditions of a snapshot's role assignments, and their effects by RBAC action id, each
/// computed on first use.
#[derive(Debug, Default)]
pub(crate) struct ConditionEffects {
    /// The distinct condition of each role assignment with one, by the assignment's position.
    of: FxHashMap<u32, u32>,
    /// One cell per (distinct condition, RBAC action id), row by row.
    cells: Vec<OnceLock<Effect>>,
}

impl ConditionEffects {
    pub(crate) fn build(s: &Snapshot) -> Self {
        let mut distinct: FxHashMap<&str, u32> = FxHashMap::default();
        let mut of = FxHashMap::default();
        for (i, a) in s.role_assignments.iter().enumerate() {
            let (Some(c), Ok(i)) = (a.condition.as_deref(), u32::try_from(i)) else {
                continue;
            };
            let next = distinct.len() as u32;
            of.insert(i, *distinct.entry(c).or_insert(next));
        }
        let width = catalog::rbac_action_table().len();
        Self {
            of,
            cells: (0..distinct.len() * width)
                .map(|_| OnceLock::new())
                .collect(),
        }
    }

    /// [`condition::effect`] of assignment `a`'s condition `c` on the RBAC action numbered `id` (see
    /// [`catalog::rbac_action_table`]) with no secret named: `c` is parsed once per distinct condition and
    /// action. `c` must be the condition of the snapshot the table was built from.
    pub(crate) fn effect(&self, a: usize, c: &str, id: usize) -> Effect {
        let table = catalog::rbac_action_table();
        let Some(action) = table.get(id) else {
            return Effect::Restricts;
        };
        let cell = u32::try_from(a)
            .ok()
            .and_then(|a| self.of.get(&a))
            .and_then(|&d| self.cells.get(d as usize * table.len() + id));
        match cell {
            Some(cell) => *cell.get_or_init(|| condition::effect(c, action, None)),
            None => condition::effect(c, action, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every assignment's kept effect on every catalog action is the condition's own, on assignments whose
    /// conditions differ in what they restrict (a table shared between two conditions, or a cell read for
    /// another action, gives one of them the other's answer).
    #[test]
    fn kept_effects_are_each_conditions_own() {
        let conditions = [
            Some(
                "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {4633458b-17de-408a-b874-0445c86b69e6}))",
            ),
            None,
            Some(
                "((!(ActionMatches{'Microsoft.KeyVault/vaults/secrets/getSecret/action'})) OR (@Resource[Microsoft.KeyVault/vaults/secrets:name] StringStartsWith 'app-'))",
            ),
            Some("not a condition kvaccess reads"),
            Some(
                "((!(ActionMatches{'Microsoft.KeyVault/vaults/secrets/getSecret/action'})) OR (@Resource[Microsoft.KeyVault/vaults/secrets:name] StringStartsWith 'app-'))",
            ),
        ];
        let mut snapshot = crate::synth::generate(&crate::synth::SynthSpec::new(20, 4, 40, 3));
        for (a, c) in snapshot
            .role_assignments
            .iter_mut()
            .zip(conditions.iter().cycle())
        {
            a.condition = c.map(String::from);
        }
        let kept = ConditionEffects::build(&snapshot);
        let table = catalog::rbac_action_table();
        let mut seen = std::collections::BTreeSet::new();
        // Twice: the second round reads what the first kept.
        for _ in 0..2 {
            for (i, a) in snapshot.role_assignments.iter().enumerate() {
                let Some(c) = a.condition.as_deref() else {
                    continue;
                };
                for (id, action) in table.iter().enumerate() {
                    let own = condition::effect(c, action, None);
                    assert_eq!(kept.effect(i, c, id), own, "{c} on {action}");
                    seen.insert((id, format!("{own:?}")));
                }
            }
        }
        // Some action gets different effects from different conditions.
        let actions: std::collections::BTreeSet<usize> = seen.iter().map(|(id, _)| *id).collect();
        assert!(seen.len() > actions.len(), "the conditions never differ");
    }
}
