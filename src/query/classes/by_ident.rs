//! A level's classes by identity: made in ascending order of identity (a level's (identity, holder) pairs
//! are sorted before its classes are set), so a sorted list searched by halving serves where a hash map
//! hashed and grew at each of a large tenant's 3.2 million class settings.

use super::{Class, Ident};

#[derive(Debug, Default)]
pub(super) struct ByIdent(Vec<(Ident, Class)>);

impl ByIdent {
    pub(super) fn with_capacity(n: usize) -> Self {
        Self(Vec::with_capacity(n))
    }

    /// Sets the class of `i`, which must come after every identity set so far.
    pub(super) fn push(&mut self, i: Ident, c: Class) {
        debug_assert!(self.0.last().is_none_or(|&(last, _)| last < i));
        self.0.push((i, c));
    }

    pub(super) fn get(&self, i: Ident) -> Option<Class> {
        self.0
            .binary_search_by_key(&i, |&(at, _)| at)
            .ok()
            .map(|k| self.0[k].1)
    }

    /// (identity, class), ascending by identity.
    pub(super) fn iter(&self) -> impl Iterator<Item = (Ident, Class)> + '_ {
        self.0.iter().copied()
    }

    pub(super) fn idents(&self) -> impl Iterator<Item = Ident> + '_ {
        self.0.iter().map(|&(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rustc_hash::FxHashMap;

    use super::*;

    proptest! {
        /// Looking an identity up finds the class set for it, and nothing for one never set, as a hash
        /// map would.
        #[test]
        fn finds_what_a_map_finds(set in proptest::collection::btree_map(0u32..400, 0u32..50, 0..120),
                                   asked in proptest::collection::vec(0u32..420, 0..60)) {
            let mut by = ByIdent::default();
            let mut map = FxHashMap::default();
            for (&i, &c) in &set {
                by.push(i, c);
                map.insert(i, c);
            }
            for i in asked.into_iter().chain(set.keys().copied()) {
                prop_assert_eq!(by.get(i), map.get(&i).copied());
            }
            prop_assert_eq!(by.iter().collect::<Vec<_>>(), set.into_iter().collect::<Vec<_>>());
        }
    }
}
