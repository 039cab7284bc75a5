//! What each role assignment names, by its position: its role definition, and its principal as a number.
//! Bulk queries read hundreds of thousands of assignments, and each lookup by the text of a GUID touched
//! the assignment's own string and hashed it.

use rustc_hash::FxHashMap;

use crate::model::{RoleAssignment, Snapshot};

/// The position in `s.role_definitions` of each assignment's role (`None`: definition missing), as
/// [`super::Index::role_definition`] gives it (the first definition of a GUID).
pub(super) fn roles(s: &Snapshot) -> Vec<Option<u32>> {
    let mut by_guid: FxHashMap<&str, u32> = FxHashMap::default();
    for (i, d) in (0u32..).zip(&s.role_definitions) {
        by_guid.entry(d.guid.as_str()).or_insert(i);
    }
    s.role_assignments
        .iter()
        .map(|a| by_guid.get(a.role_definition_guid.as_str()).copied())
        .collect()
}

/// A number for each assignment's principal: equal for assignments naming the same principal id, below
/// the number of distinct ids (`assignments_of`, by principal id, holds every assignment once).
pub(super) fn holders(assignments_of: &FxHashMap<String, Vec<usize>>, s: &Snapshot) -> Vec<u32> {
    let mut out = vec![u32::MAX; s.role_assignments.len()];
    for (n, list) in (0u32..).zip(assignments_of.values()) {
        for &i in list {
            if let Some(h) = out.get_mut(i) {
                *h = n;
            }
        }
    }
    out
}

impl super::Index {
    /// The number of assignment `i`'s principal (see [`holders`]); `None` when the index was not built from
    /// this snapshot's assignments. Numbers run below [`super::Index::assignments_of`]'s length.
    pub(crate) fn holder_of(&self, i: usize) -> Option<u32> {
        self.assignment_holder
            .get(i)
            .copied()
            .filter(|&h| h != u32::MAX)
    }

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
    use rustc_hash::FxHashMap;

    use crate::eval::Engine;
    use crate::synth::{SynthSpec, generate};

    /// The table gives what the lookup by GUID gives, for every assignment: a GUID defined twice (the first
    /// definition counts) and a missing definition included; assignments get equal principal numbers
    /// exactly when they name the same principal.
    #[test]
    fn each_assignments_role_and_principal_are_the_lookups() {
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
            let (mut by_id, mut by_number) = (FxHashMap::default(), FxHashMap::default());
            for (i, a) in engine.snapshot.role_assignments.iter().enumerate() {
                let looked_up = index.role_definition.get(&a.role_definition_guid).copied();
                assert_eq!(index.role_of(i, a), looked_up, "assignment {i}");
                missing += usize::from(looked_up.is_none());
                let h = index.holder_of(i);
                assert!(h.is_some_and(|h| (h as usize) < index.assignments_of.len()));
                assert_eq!(*by_id.entry(a.principal_id.as_str()).or_insert(h), h);
                assert_eq!(
                    *by_number.entry(h).or_insert(a.principal_id.as_str()),
                    a.principal_id
                );
            }
            assert!(missing >= 1);
            assert!(by_id.len() > 50 && by_id.len() < engine.snapshot.role_assignments.len());
        }
    }
}
