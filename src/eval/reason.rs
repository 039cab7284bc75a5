//! Why an answer is unknown and what else the evaluator noticed, as values (as Cedar's `Response` carries
//! reason ids): tests and callers match on them; `display/reasons.rs` turns them into words at the edge,
//! and JSON carries those words (a string per reason), as it always has.

use std::cmp::Ordering;

use serde::{Serialize, Serializer};

use crate::eval::Decision;
use crate::model::section::Topic;
use crate::model::{Cause, CollectionError};

/// Data an answer hinges on that the snapshot lacks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UnknownBecause {
    /// A section could not be read at `scope` (HTTP `status`, when there was one).
    NotRead {
        about: Topic,
        scope: String,
        status: Option<i64>,
    },
    /// A live fetch has not finished reading the section.
    StillCollecting(Topic),
    /// The snapshot file has no such section at all (absent is not empty).
    AbsentSection(Topic),
    /// The group memberships of `principal` are not in the snapshot.
    GroupsUnknown { principal: String },
    /// The principal is not in the directory data (deleted, or not collected).
    NotInDirectory { principal: String },
    /// The vault is listed without its properties (model, access policies and network rules unknown).
    VaultWithoutProperties { vault: String },
    /// As [`Self::VaultWithoutProperties`], for a list of everyone who can: only RBAC holders are listed.
    VaultListIncomplete { vault: String },
    /// A role assignment names a role definition the snapshot lacks.
    RoleDefinitionMissing {
        assignment: String,
        scope: String,
        role_definition: String,
    },
    /// A role assignment at a management group would grant this, but the subscription is placed under no
    /// known group.
    GrantAboveUnplaced {
        assignment: String,
        management_group: String,
    },
    /// A deny assignment names groups the principal may belong to (memberships unknown).
    DenyMayName { deny: String },
    /// A deny assignment excludes principals the caller may belong to (memberships unknown).
    DenyMayExclude { deny: String },
    /// A deny assignment at a management group may apply to an unplaced subscription.
    DenyAboveUnplaced {
        deny: String,
        management_group: String,
    },
    /// The firewall's answer cannot be decided from the snapshot (the network verdict's reason).
    Network(String),
}

/// Something true about an answer that a reader should know, beyond its grants and denies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Note {
    /// The subject is a group: the answer is what membership grants.
    GroupNeverSignsIn,
    /// A conditional deny assignment may block an otherwise granted call.
    ConditionalDenyMayBlock,
    /// Purge protection forbids purging, whatever the grants.
    PurgeProtection,
    /// A PIM eligibility would grant this once activated.
    Eligible { id: String, role: Option<String> },
    /// Authorization alone would give `authorization`, but the firewall blocks the call.
    NetworkBlocks { authorization: Decision },
    /// A management question about a vault the snapshot does not have.
    VaultNotInSnapshot,
    /// On an RBAC vault; `would_grant` is an access-policy entry that would grant this otherwise.
    AccessPoliciesInactive { would_grant: Option<String> },
    /// A client application was given, but RBAC evaluates the signed-in principal only.
    CompoundIgnoredByRbac,
    /// The operation needs several RBAC actions, all of them.
    NeedsEvery {
        operation: String,
        actions: Vec<String>,
    },
    /// Some of the access-policy permissions the operation needs are held, these are not.
    PartlyGranted { lacking: Vec<String> },
    /// On an access-policy vault; `would_grant` is a role assignment that would grant this on an RBAC vault.
    RbacInactive { would_grant: Option<String> },
    /// Access policies cannot tell items apart: the answer holds for every item of this kind (`secrets`).
    VaultWide { kind: &'static str },
    /// An access-policy entry bound to an application (compound identity) that the call does not go
    /// through; `app_name` when the directory names the application.
    BoundToApp {
        object_id: String,
        app_id: String,
        app_name: Option<String>,
        matched: Vec<String>,
    },
    /// `all` in an access policy leaves out `purge`.
    AllExcludesPurge,
    /// A deny assignment in audit mode logs without blocking.
    DenyAuditOnly { deny: String },
    /// An assignment's condition on the secret's name holds for the named secret (docs/semantics.md D10).
    NameConditionHolds { role: String, name: String },
    /// An assignment's condition on the secret's name excludes the named secret: it does not apply.
    NameConditionExcludes { role: String, name: String },
    /// At a vault, an assignment's condition on the item name holds only on some items (`items` in words).
    ConditionalOnItems { role: String, items: String },
    /// The snapshot's source could not hold some data and assumed it (an AzureHound import: no deny
    /// assignments collected, and so on).
    Assumed { assumptions: Vec<String> },
    /// The question names an item the snapshot does not list (`items_listed`: whether it lists any item of
    /// the vault; `hint`: the listed items it may have meant, in words): answered as if the item exists.
    ItemNotListed {
        vault: String,
        kind: &'static str,
        item: String,
        items_listed: bool,
        hint: String,
    },
}

impl UnknownBecause {
    /// What a collection error at or above the target means for an answer; `scope` as the answer names it.
    pub fn from_error(e: &CollectionError, scope: String) -> Self {
        match &e.cause {
            Cause::Absent => Self::AbsentSection(e.about.clone()),
            Cause::StillCollecting => Self::StillCollecting(e.about.clone()),
            Cause::Failed { status, .. } => Self::NotRead {
                about: e.about.clone(),
                scope,
                status: *status,
            },
        }
    }
}

/// Reasons sort as their words do, so that lists of them read (and compare) as they always have.
impl Ord for UnknownBecause {
    fn cmp(&self, other: &Self) -> Ordering {
        if self == other {
            return Ordering::Equal;
        }
        self.to_string().cmp(&other.to_string())
    }
}

impl PartialOrd for UnknownBecause {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// JSON carries a reason as its words.
impl Serialize for UnknownBecause {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for Note {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
