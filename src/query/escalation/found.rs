//! A finding as a walk holds it: its parts shared with the identity's other findings and with every row
//! citing the same lever verdict, copied into a [`Finding`] only when one is wanted. A tenant-wide walk
//! builds hundreds of thousands of findings that only ever name their group (by grant and technique), and
//! copying each one's eight strings was a tenth of its allocations.

use std::rc::Rc;

use super::cited::Cited;
use super::{Finding, Technique};
use crate::eval::reason::UnknownBecause;
use crate::eval::{Decision, PrincipalRef};

#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) principal: Rc<PrincipalRef>,
    pub(crate) technique: Technique,
    pub(crate) cited: Rc<Cited>,
    /// The data operations it stands to gain, as the catalog names them.
    pub(crate) lacks: Rc<[&'static str]>,
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
