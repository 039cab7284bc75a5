//! What a section's absence means: missing data for the sections a grant, a deny or a membership lives in,
//! a warning for the others (`docs/input-shapes.md`).

use super::Ctx;
use crate::model::{CollectionError, Section};
use crate::snapshot::lenient::Field;
use crate::snapshot::path::At;
use crate::snapshot::raw::RawSnapshot;

/// Sections whose absence the answers cannot ignore. A missing `roleAssignments`, `denyAssignments` or
/// `groupMemberships` becomes an [`CollectionError::absent_section`] marker, so that a grant, a deny or a
/// group the file does not show turns an answer into "unknown" instead of a wrong "denied" or "allowed".
/// The others are warned of: their absence already reads as unknown (principals not in the directory,
/// role definitions not found, subscriptions placed under no management group) or as no such vault.
pub(super) fn absent_sections(raw: &RawSnapshot, ctx: &mut Ctx) -> Vec<CollectionError> {
    let gaps = [
        (
            Section::RoleAssignments,
            raw.role_assignments.get().is_none() && raw.role_assignments.wrong().is_none(),
        ),
        (
            Section::DenyAssignments,
            raw.deny_assignments.get().is_none() && raw.deny_assignments.wrong().is_none(),
        ),
        (
            Section::GroupMemberships,
            raw.group_memberships.get().is_none() && raw.group_memberships.wrong().is_none(),
        ),
    ];
    let mut out = Vec::new();
    for (section, absent) in gaps {
        if absent {
            ctx.warn(
                &At::Top(section.key()),
                "absent: answers that depend on it are unknown (absent is not empty; write [] when there are none)",
            );
            out.push(CollectionError::absent_section(section));
        }
    }
    let noted = [
        (
            Section::ManagementGroups,
            matches!(raw.management_groups, Field::Absent | Field::Null),
            "subscriptions are placed under no management group, so grants and denies there read as unknown",
        ),
        (
            Section::Vaults,
            matches!(raw.vaults, Field::Absent | Field::Null),
            "no vault is known, so no data-plane question can be asked",
        ),
        (
            Section::RoleDefinitions,
            matches!(raw.role_definitions, Field::Absent | Field::Null),
            "role assignments name roles the file does not define, so what they grant is unknown",
        ),
        (
            Section::Principals,
            matches!(raw.principals, Field::Absent | Field::Null),
            "no principal is in the directory data, so grants read as unknown and names as ids",
        ),
    ];
    for (section, absent, consequence) in noted {
        if absent {
            ctx.warn(&At::Top(section.key()), format!("absent: {consequence}"));
        }
    }
    out
}
