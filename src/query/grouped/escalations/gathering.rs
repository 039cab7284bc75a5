//! The groups of a walk as it finds them: each finding added to the group of its key, with the vaults and
//! identities it stands for and the gains seen; runs gathered on two threads joined in order.

use rustc_hash::FxHashMap;

use super::walk::Seen;
use super::{EscalationGroup, Key};
use crate::eval::{Decision, UnknownBecause};
use crate::query::escalation::{Finding, gainable};
use crate::query::grouped::gains::Pool;

/// The position of each gainable operation (by the address of its catalog name: findings name operations
/// as the catalog's own strings), for sets of operations as bit masks.
fn gain_bits() -> &'static FxHashMap<usize, u64> {
    static BITS: std::sync::OnceLock<FxHashMap<usize, u64>> = std::sync::OnceLock::new();
    BITS.get_or_init(|| {
        gainable()
            .iter()
            .zip(0u32..64)
            .map(|((name, _), i)| (name.as_ptr() as usize, 1u64 << i))
            .collect()
    })
}

fn mask(ops: &[&'static str]) -> Option<u64> {
    // Findings list their operations in the catalog's order: one pass over it, without hashing.
    let mut all = gainable().iter().zip(0u32..64);
    let in_order = ops.iter().try_fold(0u64, |m, op| {
        all.find(|((name, _), _)| name.as_ptr() == op.as_ptr() && name.len() == op.len())
            .map(|(_, i)| m | (1u64 << i))
    });
    if in_order.is_some() {
        return in_order;
    }
    let bits = gain_bits();
    ops.iter()
        .map(|op| bits.get(&(op.as_ptr() as usize)).copied())
        .try_fold(0u64, |m, b| Some(m | b?))
}

/// A hash of a finding's key, computed without copying it.
fn key_hash(f: &Finding) -> u64 {
    hash_parts(
        f.technique.as_str(),
        &f.grant,
        &f.holder,
        f.decision,
        &f.condition,
        &f.unknown_because,
    )
}

/// [`key_hash`] of a group's key.
fn key_hash_of(k: &Key) -> u64 {
    hash_parts(
        k.technique,
        &k.grant,
        &k.holder,
        k.decision,
        &k.condition,
        &k.unknown_because,
    )
}

fn hash_parts(
    technique: &str,
    grant: &String,
    holder: &Option<String>,
    decision: Decision,
    condition: &Option<String>,
    unknown_because: &Vec<UnknownBecause>,
) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    technique.hash(&mut h);
    grant.hash(&mut h);
    holder.hash(&mut h);
    decision.hash(&mut h);
    condition.hash(&mut h);
    unknown_because.hash(&mut h);
    h.finish()
}

impl Key {
    pub(super) fn is_of(&self, f: &Finding) -> bool {
        self.technique == f.technique.as_str()
            && self.grant == f.grant
            && self.holder == f.holder
            && self.decision == f.decision
            && self.condition == f.condition
            && self.unknown_because == f.unknown_because
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
}

impl Gathering {
    /// The group of `f`, made when it is the first of its kind.
    fn group_of(&mut self, f: &Finding, hash: u64) -> usize {
        let slot = self.index.entry(hash).or_default();
        let groups = &self.groups;
        if let Some(g) = slot
            .iter()
            .copied()
            .find(|&g| groups.get(g).is_some_and(|x| x.key.is_of(f)))
        {
            return g;
        }
        self.groups.push(EscalationGroup {
            technique: f.technique,
            holder: None,
            grant: f.grant.clone(),
            role_name: f.role_name.clone(),
            grant_scope: f.grant_scope.clone(),
            decision: f.decision,
            condition: f.condition.clone(),
            gains: self.pool.get(&f.lacks),
            gains_vary: false,
            unknown_because: f.unknown_because.clone(),
            disputed: f.technique.disputed(),
            vaults: 0,
            identities_per_vault: (0, 0),
            findings: 0,
            covers: Vec::new(),
            key: Key::of(f),
            at: Vec::new(),
        });
        self.counts.push(Vec::new());
        self.masks.push((mask(&f.lacks), false));
        slot.push(self.groups.len() - 1);
        self.groups.len() - 1
    }

    pub(super) fn add(&mut self, seen: &Seen) {
        let f = seen.finding;
        let place = |this: &mut Self| (this.group_of(f, key_hash(f)), mask(&f.lacks));
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
        self.gains(g, bits, false, &f.lacks);
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
        // Places are the walk's of one run: the joined groups are never added to.
        self.placed = FxHashMap::default();
        if self.groups.is_empty() {
            return Gathering {
                placed: FxHashMap::default(),
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
