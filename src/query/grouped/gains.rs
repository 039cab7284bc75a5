//! The operations an escalation group stands to gain, shared between the groups that gain the same.
//!
//! A tenant-wide answer has tens of thousands of groups, nearly all gaining one of a few lists of about 45
//! operations: a list each was 60 MB of the answer the explorer holds. Groups share one list per distinct
//! content instead ([`Pool`]).

use std::ops::Deref;
use std::sync::Arc;

use rustc_hash::FxHashMap;

/// A list of operations, shared (see the module documentation). Reads like the slice it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gains(Arc<[&'static str]>);

impl Gains {
    /// Adds `op` when the list lacks it (copying the list: this happens only for operations outside the
    /// catalog).
    pub fn add(&mut self, op: &'static str) {
        if !self.0.contains(&op) {
            let mut list = self.0.to_vec();
            list.push(op);
            self.0 = list.into();
        }
    }
}

impl Deref for Gains {
    type Target = [&'static str];
    fn deref(&self) -> &[&'static str] {
        &self.0
    }
}

impl From<Vec<&'static str>> for Gains {
    fn from(list: Vec<&'static str>) -> Self {
        Self(list.into())
    }
}

impl PartialEq<[&'static str]> for Gains {
    fn eq(&self, other: &[&'static str]) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&[&'static str]> for Gains {
    fn eq(&self, other: &&[&'static str]) -> bool {
        *self.0 == **other
    }
}

/// The lists handed out so far, by content: equal lists come back as one.
#[derive(Default)]
pub struct Pool(FxHashMap<Arc<[&'static str]>, Gains>, FxHashMap<u64, Gains>);

impl Pool {
    pub fn get(&mut self, list: &[&'static str]) -> Gains {
        if let Some(g) = self.0.get(list) {
            return g.clone();
        }
        let g = Gains(list.into());
        self.0.insert(g.0.clone(), g.clone());
        g
    }

    /// [`Pool::get`] of a list whose operations' bits (by their positions, as a walk numbers them) are
    /// `mask`: found by the number rather than by hashing the strings (a walk asks about 100 000 times), and
    /// taken only when it is the same list (the same catalog strings in the same order).
    pub fn get_by_mask(&mut self, mask: Option<u64>, list: &[&'static str]) -> Gains {
        let Some(m) = mask else {
            return self.get(list);
        };
        let same = |g: &Gains| {
            g.len() == list.len()
                && g.iter()
                    .zip(list)
                    .all(|(a, b)| a.as_ptr() == b.as_ptr() && a.len() == b.len())
        };
        if let Some(g) = self.1.get(&m).filter(|g| same(g)) {
            return g.clone();
        }
        let g = self.get(list);
        self.1.insert(m, g.clone());
        g
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_lists_are_one_in_memory() {
        let mut pool = Pool::default();
        let a = pool.get(&["secrets/get", "keys/get"]);
        let owned: Vec<&'static str> = ["secrets/get", "keys/get"].into_iter().collect();
        let b = pool.get(&owned);
        let c = pool.get(&["secrets/get"]);
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(*c, ["secrets/get"]);
    }

    /// A list found by its bits is the list asked for: the same list by content as [`Pool::get`] gives, and
    /// never another list that came with the same bits (bits say nothing of order or of strings outside the
    /// catalog).
    #[test]
    fn a_list_found_by_its_bits_is_the_list_asked_for() {
        let mut pool = Pool::default();
        let a = pool.get_by_mask(Some(3), &["secrets/get", "keys/get"]);
        let again = pool.get_by_mask(Some(3), &["secrets/get", "keys/get"]);
        assert!(Arc::ptr_eq(&a.0, &again.0));
        assert!(Arc::ptr_eq(&a.0, &pool.get(&["secrets/get", "keys/get"]).0));
        let swapped = pool.get_by_mask(Some(3), &["keys/get", "secrets/get"]);
        assert_eq!(*swapped, ["keys/get", "secrets/get"]);
        let other = String::from("secrets/get");
        let leaked: &'static str = Box::leak(other.into_boxed_str());
        let elsewhere = pool.get_by_mask(Some(3), &[leaked, "keys/get"]);
        assert_eq!(*elsewhere, ["secrets/get", "keys/get"]);
        assert_eq!(*pool.get_by_mask(None, &["secrets/get"]), ["secrets/get"]);
    }

    #[test]
    fn adding_leaves_other_holders_alone() {
        let mut pool = Pool::default();
        let a = pool.get(&["secrets/get"]);
        let mut b = a.clone();
        b.add("keys/get");
        b.add("keys/get");
        assert_eq!(*a, ["secrets/get"]);
        assert_eq!(*b, ["secrets/get", "keys/get"]);
    }
}
