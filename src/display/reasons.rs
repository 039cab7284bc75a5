//! The evaluator's reasons and notes in words: what `check`, who-can, the explorer and every JSON answer
//! print for them.

use std::fmt;

use crate::eval::reason::{Note, UnknownBecause};
use crate::model::absent_message;
use crate::sanitize::clean;

impl fmt::Display for UnknownBecause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotRead {
                about,
                scope,
                status,
            } => {
                let status = status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
                write!(f, "{} at {scope} could not be read{status}", about.words())
            }
            Self::StillCollecting(about) => write!(
                f,
                "still collecting {} (the live fetch has not finished)",
                about.words()
            ),
            Self::AbsentSection(about) => f.write_str(&absent_message(about)),
            Self::GroupsUnknown { principal } => write!(
                f,
                "the group memberships of {principal} are not in the snapshot"
            ),
            Self::NotInDirectory { principal } => write!(
                f,
                "{principal} is not in the directory data: it may have been deleted (its assignments then grant nothing) or was not collected"
            ),
            Self::VaultWithoutProperties { vault } => write!(
                f,
                "the snapshot lists vault {vault} without its properties: its permission model, access policies and network rules are unknown (export it with `az keyvault show`)"
            ),
            Self::VaultListIncomplete { vault } => write!(
                f,
                "the snapshot lists vault {vault} without its properties: anyone may hold an access policy or a role there; only those holding a role at or above it are listed"
            ),
            Self::RoleDefinitionMissing {
                assignment,
                scope,
                role_definition,
            } => write!(
                f,
                "role assignment {assignment} at {scope} uses role definition {role_definition} which is not in the snapshot"
            ),
            Self::GrantAboveUnplaced {
                assignment,
                management_group,
            } => write!(
                f,
                "role assignment {assignment} at management group {management_group} would grant this, but the snapshot does not say whether the target's subscription is below that group"
            ),
            Self::DenyMayName { deny } => write!(
                f,
                "deny assignment {deny} names groups the principal may belong to (its memberships are not known)"
            ),
            Self::DenyMayExclude { deny } => write!(
                f,
                "deny assignment '{deny}' excludes principals the caller may belong to (its memberships are not known)"
            ),
            Self::DenyAboveUnplaced {
                deny,
                management_group,
            } => write!(
                f,
                "deny assignment '{deny}' at management group {management_group} may apply: the snapshot does not say whether the target's subscription is below that group"
            ),
            Self::Network(reason) => write!(f, "network: {reason}"),
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::GroupNeverSignsIn => f.write_str(
                "a group never signs in itself: this is what membership of the group grants",
            ),
            Self::ConditionalDenyMayBlock => {
                f.write_str("a conditional deny assignment may block this")
            }
            Self::PurgeProtection => f.write_str(
                "purge protection is on: nothing can be purged until its retention period ends, whatever the grants",
            ),
            Self::Eligible { id, role } => write!(
                f,
                "eligible, not active: PIM eligibility {id} ({}) would grant this once activated",
                role.as_deref().unwrap_or("unknown role")
            ),
            Self::NetworkBlocks { authorization } => write!(
                f,
                "authorization alone would be {}, but the network blocks the call",
                authorization.as_str()
            ),
            Self::VaultNotInSnapshot => {
                f.write_str("this vault is not in the snapshot; only role assignments were consulted")
            }
            Self::AccessPoliciesInactive { would_grant } => {
                f.write_str("access policies are inactive: this vault uses Azure RBAC (enableRbacAuthorization is true)")?;
                match would_grant {
                    Some(id) => write!(f, "; the access-policy entry {id} would otherwise grant this"),
                    None => Ok(()),
                }
            }
            Self::CompoundIgnoredByRbac => f.write_str(
                "compound identity (user through an application) exists only for access policies: RBAC evaluates the signed-in principal",
            ),
            Self::NeedsEvery { operation, actions } => {
                write!(f, "{operation} needs every one of: {}", actions.join(", "))
            }
            Self::PartlyGranted { lacking } => {
                write!(f, "partly granted: {} is still missing", lacking.join(", "))
            }
            Self::RbacInactive { would_grant } => {
                f.write_str("Azure RBAC data roles and deny assignments do not apply: this vault uses access policies (enableRbacAuthorization is false)")?;
                match would_grant {
                    Some(id) => write!(f, "; role assignment {id} would grant this on an RBAC vault"),
                    None => Ok(()),
                }
            }
            Self::VaultWide { kind } => write!(
                f,
                "access policies are vault-wide: this answer holds for every item in {kind} of the vault"
            ),
            Self::BoundToApp {
                object_id,
                app_id,
                app_name,
                matched,
            } => {
                // The application by name when the directory has it, always with its appId.
                let app = match app_name {
                    Some(name) => format!("{name} (appId {app_id}, compound identity)"),
                    None => format!("{app_id} (compound identity)"),
                };
                write!(
                    f,
                    "access-policy entry for {object_id} is bound to application {app}: it grants {} only when the call goes through that application",
                    matched.join(", ")
                )
            }
            Self::AllExcludesPurge => f.write_str("'all' in an access policy does not include purge"),
            // "Not in the snapshot", never "does not exist": the item list may be incomplete or older.
            Self::ItemNotListed {
                vault,
                kind,
                item,
                items_listed: true,
                hint,
            } => write!(
                f,
                "{}/{kind}/{} is not in the snapshot{hint}: the answer holds for an item of that name",
                clean(vault),
                clean(item)
            ),
            Self::ItemNotListed { vault, item, .. } => write!(
                f,
                "the snapshot lists no items of {} (collected without --include-items?): the answer holds for an item named {}, whether or not it exists",
                clean(vault),
                clean(item)
            ),
            Self::NameConditionHolds { role, name } => write!(
                f,
                "the condition of {role} on the secret's name holds for '{name}'"
            ),
            Self::NameConditionExcludes { role, name } => write!(
                f,
                "{role} does not apply: its condition on the secret's name excludes '{name}'"
            ),
            Self::ConditionalOnItems { role, items } => write!(
                f,
                "{role} is conditional on the item: it holds on {items} (ask about one to decide)"
            ),
            Self::Assumed { assumptions } => write!(
                f,
                "assumed by the snapshot's source: {}",
                assumptions.join("; ")
            ),
            Self::DenyAuditOnly { deny } => write!(
                f,
                "deny assignment '{deny}' is in audit mode: it logs this action without blocking it"
            ),
        }
    }
}

/// Reasons or notes in words, one string each (for outputs that carry them as text).
pub fn in_words<T: fmt::Display>(list: &[T]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}
