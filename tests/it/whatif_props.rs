//! Properties of what-if on random change lists over the demo tenant:
//! - the pruned diff equals a brute-force evaluation of every identity, vault, item and operation, and its
//!   escalation changes equal those of recomputing every finding;
//! - applying a list and then its undo list gives back the original decisions;
//! - the input snapshot is never modified.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::*;
use kvaccess::whatif::{self, Change};
use proptest::prelude::*;

fn seeds() -> impl Strategy<Value = Vec<(u8, u32, u32, u32, u32)>> {
    prop::collection::vec(
        (
            0u8..13,
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
        ),
        1..7,
    )
}

proptest! {
    // 40 cases by default; PROPTEST_CASES=1000 for a longer hunt.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(40),
        ..ProptestConfig::default()
    })]

    #[test]
    fn pruned_diff_equals_brute_force(seeds in seeds()) {
        let base = demo();
        let changes = changes_from(&base, &seeds);
        let copy = base.clone();
        let after = whatif::apply(&base, &changes).unwrap();
        prop_assert_eq!(&base, &copy, "the input snapshot was modified");
        let d = whatif::diff(base.clone(), after.clone(), None);
        prop_assert_eq!(cells(&d), brute_force(&base, &after), "changes: {:?}", changes);
        prop_assert_eq!(diff_escalations(&d), brute_escalations(&base, &after), "changes: {:?}", changes);
    }

    #[test]
    fn grouped_diff_expands_to_the_flat_diff(seeds in seeds()) {
        let base = demo();
        let changes = changes_from(&base, &seeds);
        let after = whatif::apply(&base, &changes).unwrap();
        assert_grouped_matches_flat(&base, &after, None);
    }

    #[test]
    fn applying_then_reverting_gives_back_the_original_decisions(seeds in seeds()) {
        let base = demo();
        let changes = changes_from(&base, &seeds);
        let outcome = whatif::apply_detailed(&base, &changes).unwrap();
        let undo: Vec<Change> = outcome.applied.iter().rev().filter_map(|a| a.undo.clone()).collect();
        let back = whatif::apply(&outcome.snapshot, &undo).unwrap();
        prop_assert!(brute_force(&base, &back).is_empty(), "changes: {:?}", changes);
        let d = whatif::diff(base.clone(), back.clone(), None);
        prop_assert!(d.gained.is_empty() && d.lost.is_empty(), "changes: {:?}", changes);
        prop_assert!(d.escalations_added.is_empty() && d.escalations_removed.is_empty());
    }
}
