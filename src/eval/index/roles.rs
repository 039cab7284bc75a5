//! The role definition of each role assignment, by position: bulk queries read the roles of hundreds of
//! thousands of assignments, and each lookup by the definition's GUID text touched the assignment's own
//! string and hashed it.

use rustc_hash::FxHashMap;

use crate::model::{RoleAssignment, Snapshot};

/// The position in `s.role_definitions` of each assignment's role (`None`: definition missing), as
/// [`super::Index::role_definition`] gives it (the first definition of a GUID).
pub(super) fn assignment_roles(s: &Snapshot) -> Vec<Option<u32>> {
    let mut by_guid: FxHashMap<&str, u32> = FxHashMap::default();
    for (i, d) in (0u32..).zip(&s.role_definitions) {
        by_guid.entry(d.guid.as_str()).or_insert(i);
    }
    s.role_assignments
        .iter()
        .map(|a| by_guid.get(a.role_definition_guid.as_str()).copied())
        .collect()
}

impl super::Index {
    /// The role definition (its position) of assignment `i`, which is `a`.
    pub(crate) fn role_of(&self, i: usize, a: &RoleAssignment) -> Option<usize> {
        match self.assignment_role.get(i) {
            Some(role) => role.map(|r| r as usize),
            // An index not built from this snapshot's assignments (`Index::default`).
            None => self.role_definition.get(&a.role_definition_guid).copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::eval::Engine;
    use crate::synth::{SynthSpec, generate};

    /// The table gives what the lookup by GUID gives, for every assignment: a GUID defined twice (the first
    /// definition counts) and a missing definition included.
    #[test]
    fn each_assignments_role_is_the_lookups() {
        for seed in [3, 11] {
            let mut s = generate(&SynthSpec::new(200, 10, 400, seed));
            let first = s.role_assignments.get(0).cloned();
            let twice = first.as_ref().and_then(|a| {
                s.role_definitions
                    .iter()
                    .find(|d| d.guid == a.role_definition_guid)
                    .cloned()
            });
            s.role_definitions.extend(twice);
            if let Some(mut a) = first {
                a.role_definition_guid = "00000000-0000-0000-0000-00000000dead".to_string();
                s.role_assignments.push(a);
            }
            let engine = Engine::new(s);
            let index = &engine.index;
            let mut missing = 0;
            for (i, a) in engine.snapshot.role_assignments.iter().enumerate() {
                let looked_up = index.role_definition.get(&a.role_definition_guid).copied();
                assert_eq!(index.role_of(i, a), looked_up, "assignment {i}");
                missing += usize::from(looked_up.is_none());
            }
            assert!(missing >= 1);
        }
    }
}
