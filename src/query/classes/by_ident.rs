//! A level's classes by identity. A level is made again at every vault of a walk and its classes are looked
//! up millions of times (3.2 million settings on the large tenant, as many look-ups): one slot per identity
//! reads in one step, where a hash map hashed and grew, and a sorted list searched by halving a
//! subscription's tens of thousands of identities. The slots are kept from one level to the next of the same
//! kind ([`ByIdent::clear`] unsets only what was set), so a level costs what it sets, not the tenant's size.

use super::{Class, Ident};

/// No class set.
const NONE: Class = Class::MAX;

#[derive(Debug, Default)]
pub(super) struct ByIdent {
    /// (identity, class) as set, ascending by identity (a level's (identity, holder) pairs are sorted before
    /// its classes are set).
    set: Vec<(Ident, Class)>,
    /// By identity: its class, or [`NONE`]; as long as the largest identity set so far.
    slots: Vec<Class>,
}

impl ByIdent {
    /// Empties it, keeping its memory.
    pub(super) fn clear(&mut self) {
        for &(i, _) in &self.set {
            if let Some(slot) = self.slots.get_mut(i as usize) {
                *slot = NONE;
            }
        }
        self.set.clear();
    }

    pub(super) fn reserve(&mut self, n: usize) {
        self.set.reserve(n);
    }

    /// Sets the class of `i`, which must come after every identity set so far.
    pub(super) fn push(&mut self, i: Ident, c: Class) {
        debug_assert!(self.set.last().is_none_or(|&(last, _)| last < i));
        debug_assert_ne!(c, NONE);
        let at = i as usize;
        if self.slots.len() <= at {
            self.slots.resize(at + 1, NONE);
        }
        self.slots[at] = c;
        self.set.push((i, c));
    }

    pub(super) fn len(&self) -> usize {
        self.set.len()
    }

    pub(super) fn get(&self, i: Ident) -> Option<Class> {
        self.slots.get(i as usize).copied().filter(|&c| c != NONE)
    }

    /// (identity, class), ascending by identity.
    pub(super) fn iter(&self) -> impl Iterator<Item = (Ident, Class)> + '_ {
        self.set.iter().copied()
    }

    pub(super) fn idents(&self) -> impl Iterator<Item = Ident> + '_ {
        self.set.iter().map(|&(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rustc_hash::FxHashMap;

    use super::*;

    proptest! {
        /// Looking an identity up finds the class set for it, and nothing for one never set, as a hash
        /// map would, through levels made one after the other in the same slots.
        #[test]
        fn finds_what_a_map_finds(levels in proptest::collection::vec(
                                      proptest::collection::btree_map(0u32..400, 0u32..50, 0..120), 1..4),
                                  asked in proptest::collection::vec(0u32..420, 0..60)) {
            let mut by = ByIdent::default();
            for set in levels {
                by.clear();
                let mut map = FxHashMap::default();
                for (&i, &c) in &set {
                    by.push(i, c);
                    map.insert(i, c);
                }
                for &i in asked.iter().chain(set.keys()) {
                    prop_assert_eq!(by.get(i), map.get(&i).copied());
                }
                prop_assert_eq!(by.len(), set.len());
                prop_assert_eq!(by.iter().collect::<Vec<_>>(), set.into_iter().collect::<Vec<_>>());
            }
        }
    }
}
