//! Case-insensitive duplicate detection for ids, without keeping a lower-cased copy of every id.

use std::hash::Hasher;

use rustc_hash::{FxHashMap, FxHasher};

/// The hash of `id` lower-cased, the same on every thread, so that entries converted apart can be checked for
/// duplicates afterwards. FxHash: the ids come from the snapshot being read, not from someone choosing them to
/// collide, and a collision is confirmed against the text anyway.
pub fn id_hash(id: &str) -> u64 {
    let mut h = FxHasher::default();
    for chunk in id.as_bytes().chunks(64) {
        let mut buf = [0u8; 64];
        let buf = &mut buf[..chunk.len()];
        buf.copy_from_slice(chunk);
        buf.make_ascii_lowercase();
        h.write(buf);
    }
    h.finish()
}

/// Entries are found by [`id_hash`], and a hash match is confirmed against the entry already kept, so that a
/// collision never drops anything.
#[derive(Default)]
pub struct SeenIds {
    first: FxHashMap<u64, usize>,
    /// Further entries whose hash collides with an earlier, different id (practically never used).
    more: FxHashMap<u64, Vec<usize>>,
}

impl SeenIds {
    pub fn with_capacity(n: usize) -> Self {
        let mut first = FxHashMap::default();
        first.reserve(n);
        Self {
            first,
            ..Self::default()
        }
    }

    /// Records `id` as entry `at` unless an equal id (ignoring ASCII case) was recorded before; `kept(i)`
    /// gives the id of entry `i`. True when `id` is new.
    pub fn insert<'k>(&mut self, id: &str, at: usize, kept: impl Fn(usize) -> &'k str) -> bool {
        self.insert_hashed(id_hash(id), id, at, kept)
    }

    /// [`SeenIds::insert`] with `hash` = [`id_hash`]`(id)` computed beforehand.
    pub fn insert_hashed<'k>(
        &mut self,
        hash: u64,
        id: &str,
        at: usize,
        kept: impl Fn(usize) -> &'k str,
    ) -> bool {
        let Some(&first) = self.first.get(&hash) else {
            self.first.insert(hash, at);
            return true;
        };
        let more = self.more.entry(hash).or_default();
        if std::iter::once(first)
            .chain(more.iter().copied())
            .any(|i| kept(i).eq_ignore_ascii_case(id))
        {
            return false;
        }
        more.push(at);
        true
    }
}
