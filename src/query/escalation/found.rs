//! A finding as a walk holds it: its parts shared with the identity's other findings and with every row
//! citing the same lever verdict, copied into a [`Finding`] only when one is wanted. A tenant-wide walk
//! builds hundreds of thousands of findings that only ever name their group (by grant and technique), and
//! copying each one's eight strings was a tenth of its allocations.

use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::cited::Cited;
use super::{Finding, Technique, gainable};
use crate::eval::reason::UnknownBecause;
use crate::eval::{Decision, PrincipalRef};

#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) principal: Rc<PrincipalRef>,
    pub(crate) technique: Technique,
    pub(crate) cited: Rc<Cited>,
    /// The data operations it stands to gain, as the catalog names them.
    pub(crate) lacks: Rc<[&'static str]>,
    /// `lacks` as bits ([`gain_mask`]), worked out once per list rather than once per finding.
    pub(crate) lacks_mask: Option<u64>,
}

impl Found {
    /// The finding at the vault `vault_id`.
    pub(crate) fn finding(&self, vault_id: &str) -> Finding {
        let c = &self.cited;
        Finding {
            principal: (*self.principal).clone(),
            vault_id: vault_id.to_string(),
            technique: self.technique,
            grant: c.grant_id().to_string(),
            role_name: c.role_name().map(String::from),
            holder: c.holder().map(String::from),
            grant_scope: c.grant_scope().map(String::from),
            decision: c.decision(),
            condition: c.condition().map(String::from),
            lacks: self.lacks.to_vec(),
            unknown_because: c.unknown_because().to_vec(),
            disputed: self.technique.disputed(),
        }
    }

    /// A finding made elsewhere (an identity asked on its own), held as the walk holds its own.
    pub(crate) fn of(f: &Finding) -> Self {
        Self {
            principal: Rc::new(f.principal.clone()),
            technique: f.technique,
            cited: Rc::new(Cited::of_finding(f)),
            lacks: f.lacks.as_slice().into(),
            lacks_mask: gain_mask(&f.lacks),
        }
    }

    /// Everything but who and where that tells its group: (technique, grant, holder, decision,
    /// condition, why unknown), as [`Finding::key_parts`] says it of the copied finding.
    pub(crate) fn key_parts(&self) -> KeyParts<'_> {
        let c = &self.cited;
        (
            self.technique.as_str(),
            c.grant_id(),
            c.holder(),
            c.decision(),
            c.condition(),
            c.unknown_because(),
        )
    }

    /// The number of the verdict it cites (see [`Cited::serial`]): findings with the same number and
    /// technique have equal [`Found::key_parts`].
    pub(crate) fn cites(&self) -> (u64, Technique) {
        (self.cited.serial(), self.technique)
    }
}

/// A finding's group key, borrowed: technique, grant, holder, decision, condition, why unknown.
pub(crate) type KeyParts<'f> = (
    &'static str,
    &'f str,
    Option<&'f str>,
    Decision,
    Option<&'f str>,
    &'f [UnknownBecause],
);

impl Finding {
    /// [`Found::key_parts`] of this finding.
    pub(crate) fn key_parts(&self) -> KeyParts<'_> {
        (
            self.technique.as_str(),
            &self.grant,
            self.holder.as_deref(),
            self.decision,
            self.condition.as_deref(),
            &self.unknown_because,
        )
    }
}

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

/// A list of gainable operations as bits of their positions in [`gainable`]; `None` when one has no bit.
pub(crate) fn gain_mask(ops: &[&'static str]) -> Option<u64> {
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
