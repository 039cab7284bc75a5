//! The groups of a walk as it finds them: each finding added to the group of its key, with the vaults and
//! identities it stands for and the gains seen; runs gathered on two threads joined in order.

use rustc_hash::FxHashMap;

use super::walk::Seen;
use super::{EscalationGroup, Key};
use crate::query::escalation::{Found, KeyParts, Technique};
use crate::query::grouped::gains::Pool;

/// A hash of a finding's key, computed without copying it.
fn key_hash(f: &Found) -> u64 {
    hash_parts(f.key_parts())
}

/// [`key_hash`] of a group's key.
fn key_hash_of(k: &Key) -> u64 {
    hash_parts(k.parts())
}

fn hash_parts(parts: KeyParts) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    parts.hash(&mut h);
    h.finish()
}

impl Key {
    pub(super) fn is_of(&self, f: &Found) -> bool {
        self.parts() == f.key_parts()
    }
}

/// The groups of a run as the walk finds them: per group, (vault, identities) and the gains seen, as bit masks
/// when every operation has a bit.
#[derive(Default)]
pub(super) struct Gathering {
    index: FxHashMap<u64, Vec<usize>>,
    pub(super) groups: Vec<EscalationGroup>,
    pub(super) counts: Vec<Vec<(u32, u32)>>,
    pub(super) masks: Vec<(Option<u64>, bool)>,
    /// The groups' first gains, one list per distinct content.
    pool: Pool,
    /// The group and gains of each finding the walk keeps, by where it keeps it ([`Seen::kept`]): a kept
    /// finding comes again at the other vaults of its resource group or subscription, and is placed once.
    pub(super) placed: FxHashMap<(u32, u32), (usize, Option<u64>)>,
    /// The group of the findings citing one verdict by one technique (its number, see
    /// [`Found::cites`]): they all have the same key, which is then neither hashed nor compared again.
    cited: FxHashMap<(u64, Technique), usize>,
}

impl Gathering {
    /// The group of `f`, made when it is the first of its kind.
    fn group_of(&mut self, f: &Found, hash: u64) -> usize {
        let slot = self.index.entry(hash).or_default();
        let groups = &self.groups;
        if let Some(g) = slot
            .iter()
            .copied()
            .find(|&g| groups.get(g).is_some_and(|x| x.key.is_of(f)))
        {
            return g;
        }
        let c = &f.cited;
        self.groups.push(EscalationGroup {
            technique: f.technique,
            holder: None,
            grant: c.grant_id().to_string(),
            role_name: c.role_name().map(String::from),
            grant_scope: c.grant_scope().map(String::from),
            decision: c.decision(),
            condition: c.condition().map(String::from),
            gains: self.pool.get_by_mask(f.lacks_mask, &f.lacks),
            gains_vary: false,
            unknown_because: c.unknown_because().to_vec(),
            disputed: f.technique.disputed(),
            vaults: 0,
            identities_per_vault: (0, 0),
            findings: 0,
            covers: Vec::new(),
            key: Key::of_found(f),
            at: Vec::new(),
        });
        self.counts.push(Vec::new());
        self.masks.push((f.lacks_mask, false));
        slot.push(self.groups.len() - 1);
        self.groups.len() - 1
    }

    /// [`Gathering::group_of`] through the group of the verdict `f` cites.
    fn group_citing(&mut self, f: &Found) -> usize {
        if let Some(&g) = self.cited.get(&f.cites()) {
            return g;
        }
        let g = self.group_of(f, key_hash(f));
        self.cited.insert(f.cites(), g);
        g
    }

    /// [`Gathering::add`], the finding placed by its key alone (neither its place nor its citation).
    #[cfg(test)]
    pub(super) fn add_by_key(&mut self, seen: &Seen) {
        let f = seen.finding;
        let g = self.group_of(f, key_hash(f));
        self.count(g, seen, f.lacks_mask);
    }

    pub(super) fn add(&mut self, seen: &Seen) {
        let f = seen.finding;
        let place = |this: &mut Self| (this.group_citing(f), f.lacks_mask);
        let (g, bits) = match seen.kept {
            Some(at) => match self.placed.get(&at) {
                Some(&placed) => placed,
                None => {
                    let placed = place(self);
                    self.placed.insert(at, placed);
                    placed
                }
            },
            None => place(self),
        };
        self.count(g, seen, bits);
    }

    /// Adds the finding `seen` (gaining `bits`) to group `g`.
    fn count(&mut self, g: usize, seen: &Seen, bits: Option<u64>) {
        self.gains(g, bits, false, &seen.finding.lacks);
        if let Some(list) = self.counts.get_mut(g) {
            match list.last_mut() {
                Some(last) if last.0 == seen.at => last.1 += seen.count,
                _ => list.push((seen.at, seen.count)),
            }
        }
    }

    /// Adds gains (`bits`, else the list `ops`) to group `g`; `vary` when they already varied.
    fn gains(&mut self, g: usize, bits: Option<u64>, vary: bool, ops: &[&'static str]) {
        match (self.masks.get_mut(g), bits) {
            (Some((Some(m), v)), Some(b)) => {
                *v |= vary || *m != b;
                *m |= b;
            }
            (Some(entry), _) => {
                // An operation without a bit (never for catalog operations): compare the lists.
                if let Some(group) = self.groups.get_mut(g)
                    && (vary || group.gains != ops)
                {
                    entry.1 = true;
                    for op in ops {
                        group.gains.add(op);
                    }
                }
                entry.0 = None;
            }
            _ => {}
        }
    }

    /// `later`, gathered over the vaults after this one's, added: the groups in the order of their first
    /// finding, as one walk over all the vaults gives them.
    pub(super) fn join(mut self, later: Gathering) -> Gathering {
        // Places and citations are the walk's of one run: the joined groups are never added to.
        self.placed = FxHashMap::default();
        self.cited = FxHashMap::default();
        if self.groups.is_empty() {
            return Gathering {
                placed: FxHashMap::default(),
                cited: FxHashMap::default(),
                ..later
            };
        }
        let parts = later.groups.into_iter().zip(later.counts).zip(later.masks);
        for ((group, counts), (bits, vary)) in parts {
            let hash = key_hash_of(&group.key);
            let slot = self.index.entry(hash).or_default();
            let found = slot
                .iter()
                .copied()
                .find(|&g| self.groups.get(g).is_some_and(|x| x.key == group.key));
            let Some(g) = found else {
                slot.push(self.groups.len());
                self.groups.push(group);
                self.counts.push(counts);
                self.masks.push((bits, vary));
                continue;
            };
            self.gains(g, bits, vary, &group.gains);
            if let Some(list) = self.counts.get_mut(g) {
                list.extend(counts);
            }
        }
        self
    }
}

/// The runs of a walk, gathered on two threads in any order, joined in the order of the runs as soon as
/// the ones before are in: the groups come in the order one walk over all the vaults gives, and a group
/// found in many runs is held once, not once per run.
#[derive(Default)]
pub(super) struct InOrder {
    next: usize,
    waiting: std::collections::BTreeMap<usize, Gathering>,
    joined: Gathering,
}

impl InOrder {
    pub(super) fn add(&mut self, run: usize, gathering: Gathering) {
        self.waiting.insert(run, gathering);
        while let Some(g) = self.waiting.remove(&self.next) {
            self.joined = std::mem::take(&mut self.joined).join(g);
            self.next += 1;
        }
    }

    /// Everything gathered (runs after one that was never walked, when the walk stopped, in order too).
    pub(super) fn finish(self) -> Gathering {
        self.waiting
            .into_values()
            .fold(self.joined, Gathering::join)
    }
}
