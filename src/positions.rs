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

/// Sorts `pairs` (position, tag) ascending without repeats, as `sort_unstable` then `dedup` would, all
/// positions expected below `bound`. When they are many they are placed by counting the pairs at each
/// position (one pass over `bound`), and only each position's few tags are sorted; a position at or beyond
/// `bound` falls back to sorting.
pub(crate) fn ascending_unique_pairs(pairs: &mut Vec<(usize, u32)>, bound: usize) {
    if pairs.len().saturating_mul(MARK_FROM) < bound || pairs.iter().any(|&(p, _)| p >= bound) {
        pairs.sort_unstable();
        pairs.dedup();
        return;
    }
    // Where each position's pairs start in the placed list.
    let mut start = vec![0usize; bound + 1];
    for &(p, _) in pairs.iter() {
        start[p + 1] += 1;
    }
    for p in 0..bound {
        start[p + 1] += start[p];
    }
    let mut next = start.clone();
    let mut placed = vec![(0, 0); pairs.len()];
    for &(p, tag) in pairs.iter() {
        placed[next[p]] = (p, tag);
        next[p] += 1;
    }
    for p in 0..bound {
        placed[start[p]..start[p + 1]].sort_unstable();
    }
    placed.dedup();
    *pairs = placed;
}

/// Lists at least `bound / MARK_FROM` long are marked, shorter ones sorted.
const MARK_FROM: usize = 8;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{ascending_unique, ascending_unique_pairs};

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

        /// Pairs placed by counting or sorted, in bounds or not: the list `sort_unstable` and `dedup` give.
        #[test]
        fn pairs_come_out_as_sorted_and_deduplicated(
            pairs in prop::collection::vec((0usize..300, 0u32..6), 0..400),
            bound in 1usize..320,
        ) {
            let mut want = pairs.clone();
            want.sort_unstable();
            want.dedup();
            let mut got = pairs.clone();
            ascending_unique_pairs(&mut got, bound);
            prop_assert_eq!(got, want);
        }
    }
}
