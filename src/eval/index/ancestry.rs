//! Where a target sits: the scopes that contain it, asked for every grant a question weighs.

use crate::model::Scope;

/// The scopes that contain a target, the target first, the root last.
#[derive(Debug, Clone)]
pub struct Ancestry {
    pub scopes: Vec<Scope>,
    /// The target's subscription is not placed in any management group the snapshot lists, so grants at
    /// management groups other than the tenant root cannot be attributed.
    pub unplaced_subscription: bool,
}

impl Ancestry {
    /// `scope`'s ancestry from `parent`'s, the ancestry of its structural parent (`Index::ancestry` walks
    /// that way below a subscription: a structural parent's key is shorter, so no cycle can pass `scope`
    /// again); whether the subscription is placed is the parent's. Many targets share a parent, so callers
    /// keep the parent's ancestry and build theirs on it.
    pub fn under(scope: &Scope, parent: &Ancestry) -> Self {
        let mut scopes = Vec::with_capacity(parent.scopes.len() + 1);
        scopes.push(scope.clone());
        scopes.extend(parent.scopes.iter().cloned());
        Self {
            scopes,
            unplaced_subscription: parent.unplaced_subscription,
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// How far above the target a scope is (0 = the target itself).
    pub fn position(&self, key: &str) -> Option<usize> {
        // Bulk questions ask this for every assignment naming a subject; keys of one level share long
        // prefixes and lengths, and differ mostly at the end: the last byte rules most out first.
        let last = key.as_bytes().last();
        self.scopes.iter().position(|s| {
            let k = s.key();
            k.len() == key.len() && k.as_bytes().last() == last && k == key
        })
    }
}
