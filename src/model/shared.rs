//! A large section of a snapshot, shared between copies and copied on the first write.
//!
//! What-if applies a change list to a copy of a snapshot and keeps both: a change touches one or two
//! sections (the role assignments, one vault's access policies), and copying the hundreds of megabytes of the
//! others was a third of the memory of a what-if on a large tenant. A [`Shared`] reads like the `Vec` it
//! holds; a mutable access copies the list first when another snapshot still holds it.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// A list shared between snapshot copies (see the module documentation).
#[derive(Clone)]
pub struct Shared<T>(Arc<Vec<T>>);

impl<T> Shared<T> {
    /// Whether both hold the same list in memory (not merely equal lists).
    pub fn same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<T: Clone> Shared<T> {
    /// The list to write, with room for `more` items: a shared list is copied into that much room at
    /// once, so that the pushes that follow do not move a large list again.
    pub fn with_room(&mut self, more: usize) -> &mut Vec<T> {
        if Arc::get_mut(&mut self.0).is_none() {
            let mut own = Vec::with_capacity(self.0.len() + more);
            own.extend_from_slice(&self.0);
            self.0 = Arc::new(own);
        }
        Arc::make_mut(&mut self.0)
    }
}

impl<T> Default for Shared<T> {
    fn default() -> Self {
        Self(Arc::new(Vec::new()))
    }
}

impl<T> Deref for Shared<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T: Clone> DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        Arc::make_mut(&mut self.0)
    }
}

impl<T> From<Vec<T>> for Shared<T> {
    fn from(list: Vec<T>) -> Self {
        Self(Arc::new(list))
    }
}

impl<T> FromIterator<T> for Shared<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self(Arc::new(iter.into_iter().collect()))
    }
}

impl<'s, T> IntoIterator for &'s Shared<T> {
    type Item = &'s T;
    type IntoIter = std::slice::Iter<'s, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'s, T: Clone> IntoIterator for &'s mut Shared<T> {
    type Item = &'s mut T;
    type IntoIter = std::slice::IterMut<'s, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.deref_mut().iter_mut()
    }
}

impl<T: Clone> IntoIterator for Shared<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        Arc::unwrap_or_clone(self.0).into_iter()
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl<T: PartialEq> PartialEq<Vec<T>> for Shared<T> {
    fn eq(&self, other: &Vec<T>) -> bool {
        *self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_shares_until_written() {
        let a: Shared<String> = vec!["x".to_string(), "y".to_string()].into();
        let mut b = a.clone();
        assert!(a.same(&b));
        assert_eq!(b.len(), 2);
        b.push("z".into());
        assert!(!a.same(&b));
        assert_eq!(a, vec!["x".to_string(), "y".to_string()]);
        assert_eq!(
            b.iter().map(String::as_str).collect::<Vec<_>>(),
            ["x", "y", "z"]
        );
    }

    #[test]
    fn room_is_made_when_copying() {
        let a: Shared<u32> = vec![1, 2].into();
        let mut b = a.clone();
        b.with_room(10).push(3);
        assert!(b.capacity() >= 12);
        assert_eq!(a, vec![1, 2]);
        assert_eq!(b, vec![1, 2, 3]);
        let at = b.as_ptr();
        b.with_room(5).push(4);
        assert_eq!(b.as_ptr(), at);
        assert_eq!(b, vec![1, 2, 3, 4]);
    }

    #[test]
    fn an_unshared_list_is_written_in_place() {
        let mut a: Shared<u32> = vec![1, 2].into();
        let before = a.as_ptr();
        a[0] = 5;
        assert_eq!(a.as_ptr(), before);
        assert_eq!(a, vec![5, 2]);
    }
}
