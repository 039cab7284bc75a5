//! A large list shared between snapshot copies, with the items one copy appends kept apart.
//!
//! A what-if change usually adds a role assignment or a few to a list of hundreds of thousands; a
//! [`Shared`] list is copied whole on that first write (120 MB on a large tenant, held beside the snapshot
//! before for the whole comparison). A [`Tailed`] list keeps the shared list as it is and the added items in
//! a tail of its own: every reader sees the shared list followed by the tail, at the positions a copied list
//! would give them. Any other write (a removal, an edit in place) goes through [`Tailed::own`], which
//! copies the shared list once as before.

use super::Shared;

/// A [`Shared`] list followed by items of this copy's own (see the module documentation).
#[derive(Clone)]
pub struct Tailed<T> {
    base: Shared<T>,
    tail: Vec<T>,
}

/// The items of a [`Tailed`] list in order: the shared ones, then the tail.
pub type Iter<'s, T> = std::iter::Chain<std::slice::Iter<'s, T>, std::slice::Iter<'s, T>>;

impl<T> Tailed<T> {
    pub fn len(&self) -> usize {
        self.base.len() + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The item at `at`, as a copied list would have it there.
    pub fn get(&self, at: usize) -> Option<&T> {
        match at.checked_sub(self.base.len()) {
            None => self.base.get(at),
            Some(in_tail) => self.tail.get(in_tail),
        }
    }

    pub fn iter(&self) -> Iter<'_, T> {
        self.base.iter().chain(self.tail.iter())
    }

    /// Appends `item` to this copy alone, leaving the shared list as it is.
    pub fn push(&mut self, item: T) {
        self.tail.push(item);
    }

    /// The shared list and this copy's own items after it.
    pub fn parts(&self) -> (&[T], &[T]) {
        (&self.base, &self.tail)
    }

    /// Whether both hold the same list in memory and neither has items of its own.
    pub fn same(&self, other: &Self) -> bool {
        self.base.same(&other.base) && self.tail.is_empty() && other.tail.is_empty()
    }

    /// Whether both read the same shared list (whatever either appended to it).
    pub fn shares_base(&self, other: &Self) -> bool {
        self.base.same(&other.base)
    }
}

impl<T: Clone> Tailed<T> {
    /// The whole list to write in place: a shared list is copied first (with the tail moved onto it).
    pub fn own(&mut self) -> &mut Vec<T> {
        let list = self.base.with_room(self.tail.len());
        list.append(&mut self.tail);
        list
    }

    /// Keeps the items `keep` says yes to (through [`Tailed::own`]).
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.own().retain(keep);
    }

    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.own().iter_mut()
    }

    pub fn to_vec(&self) -> Vec<T> {
        self.iter().cloned().collect()
    }
}

impl<T> Default for Tailed<T> {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl<T> From<Vec<T>> for Tailed<T> {
    fn from(list: Vec<T>) -> Self {
        Self {
            base: list.into(),
            tail: Vec::new(),
        }
    }
}

impl<T> FromIterator<T> for Tailed<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        iter.into_iter().collect::<Vec<_>>().into()
    }
}

impl<'s, T> IntoIterator for &'s Tailed<T> {
    type Item = &'s T;
    type IntoIter = Iter<'s, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Tailed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: PartialEq> PartialEq for Tailed<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && ((self.base.same(&other.base) && self.tail == other.tail)
                || self.iter().eq(other.iter()))
    }
}

impl<T: PartialEq> PartialEq<Vec<T>> for Tailed<T> {
    fn eq(&self, other: &Vec<T>) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

#[cfg(test)]
mod tests;
