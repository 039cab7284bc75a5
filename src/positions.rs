//! Positions in a list (vaults, compute resources) gathered from the scopes a principal's grants are made
//! at: one grant high up reaches most of a large tenant, and a search gathers such lists for every node it
//! reaches.

/// Sorts `positions` ascending without repeats, as `sort_unstable` then `dedup` would, all of them expected
/// below `bound` (the list's length). When they are many they are marked in one pass over `bound` instead
/// of sorted; a position at or beyond `bound` falls back to sorting.
pub(crate) fn ascending_unique(positions: &mut Vec<usize>, bound: usize) {
    // Marking passes over every position below `bound`: worth it only for lists a good part that long.
    if positions.len().saturating_mul(MARK_FROM) < bound {
        positions.sort_unstable();
        positions.dedup();
        return;
    }
    let mut seen = vec![false; bound];
    for &p in positions.iter() {
        match seen.get_mut(p) {
            Some(s) => *s = true,
            None => {
                positions.sort_unstable();
                positions.dedup();
                return;
            }
        }
    }
    positions.clear();
    positions.extend(seen.iter().enumerate().filter(|(_, s)| **s).map(|(p, _)| p));
}

/// Lists at least `bound / MARK_FROM` long are marked, shorter ones sorted.
const MARK_FROM: usize = 8;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::ascending_unique;

    proptest! {
        /// Marked or sorted, long or short, in bounds or not: the list `sort_unstable` and `dedup` give.
        #[test]
        fn positions_come_out_as_sorted_and_deduplicated(
            positions in prop::collection::vec(0usize..300, 0..400),
            bound in 1usize..320,
        ) {
            let mut want = positions.clone();
            want.sort_unstable();
            want.dedup();
            let mut got = positions.clone();
            ascending_unique(&mut got, bound);
            prop_assert_eq!(got, want);
        }
    }
}
