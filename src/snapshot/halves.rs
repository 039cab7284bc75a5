//! Parsing a snapshot text on two threads: every array section is cut in two halves of about the same size
//! (see [`split`](super::split)), one thread parses the first halves and another the second, and the halves
//! are joined in file order. The result is the same [`RawSnapshot`] a single-threaded parse gives.

use serde::de::{DeserializeOwned, IgnoredAny};

use super::lenient::{Expected, Field};
use super::raw::{List, RawSnapshot};
use super::split::{self, Member};
use crate::model::Section;

/// The top-level keys [`RawSnapshot`] reads (the [`Section`]s among them); every other key is only checked to
/// be well-formed JSON.
const KNOWN: [&str; 24] = [
    "kvaccessSnapshot",
    "cloud",
    "tenantId",
    "collectedAt",
    "managementGroups",
    "subscriptions",
    "resourceGroups",
    "vaults",
    "roleDefinitions",
    "roleAssignments",
    "roleEligibilities",
    "denyAssignments",
    "principals",
    "groupMemberships",
    "vaultItems",
    "collectionErrors",
    "networkSecurityPerimeters",
    "identityResources",
    "directoryRoleAssignments",
    "directoryRoleEligibilities",
    "owners",
    "appRoleAssignments",
    "applications",
    "assumptions",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Half {
    First,
    Second,
}

/// The raw snapshot, or `None` when the text needs the single-threaded parse (which also reports errors).
pub fn read(text: &str) -> Option<RawSnapshot> {
    let sections = split::sections(text)?;
    let (second, first) = crate::parallel::both(
        || part(&sections, Half::Second),
        || part(&sections, Half::First),
    );
    Some(join(first?, second?))
}

fn part(sections: &[Member], half: Half) -> Option<RawSnapshot> {
    let find = |key: &str| sections.iter().find(|s| s.key == key);
    if half == Half::First {
        for s in sections.iter().filter(|s| !KNOWN.contains(&s.key)) {
            serde_json::from_str::<IgnoredAny>(s.value).ok()?;
        }
    }
    Some(RawSnapshot {
        kvaccess_snapshot: whole(find("kvaccessSnapshot"), half)?,
        cloud: whole(find("cloud"), half)?,
        tenant_id: whole(find("tenantId"), half)?,
        collected_at: whole(find("collectedAt"), half)?,
        management_groups: list(find(Section::ManagementGroups.key()), half)?,
        subscriptions: list(find(Section::Subscriptions.key()), half)?,
        resource_groups: list(find(Section::ResourceGroups.key()), half)?,
        vaults: list(find(Section::Vaults.key()), half)?,
        role_definitions: list(find(Section::RoleDefinitions.key()), half)?,
        role_assignments: list(find(Section::RoleAssignments.key()), half)?,
        role_eligibilities: list(find(Section::RoleEligibilities.key()), half)?,
        deny_assignments: list(find(Section::DenyAssignments.key()), half)?,
        principals: list(find(Section::Principals.key()), half)?,
        group_memberships: list(find(Section::GroupMemberships.key()), half)?,
        vault_items: list(find(Section::VaultItems.key()), half)?,
        collection_errors: list(find("collectionErrors"), half)?,
        network_security_perimeters: whole(find("networkSecurityPerimeters"), half)?,
        // The hop sections are small beside role assignments: the first half parses them whole.
        identity_resources: whole(find("identityResources"), half)?,
        directory_role_assignments: whole(find("directoryRoleAssignments"), half)?,
        directory_role_eligibilities: whole(find("directoryRoleEligibilities"), half)?,
        owners: whole(find("owners"), half)?,
        app_role_assignments: whole(find("appRoleAssignments"), half)?,
        applications: whole(find("applications"), half)?,
        assumptions: whole(find("assumptions"), half)?,
    })
}

/// A section parsed whole, by the first half only.
fn whole<T: DeserializeOwned + Expected>(section: Option<&Member>, half: Half) -> Option<Field<T>> {
    match section {
        Some(s) if half == Half::First => serde_json::from_str(s.value).ok(),
        _ => Some(Field::Absent),
    }
}

/// This half's elements of an array section; a section that is not an array is parsed whole.
fn list<T: DeserializeOwned + Expected>(section: Option<&Member>, half: Half) -> Option<List<T>> {
    let Some(elements) = section.and_then(|s| s.elements.as_deref()) else {
        return whole(section, half);
    };
    let mid = middle(elements);
    let (mine, capacity) = match half {
        // Room for both halves, so that joining them does not move the first.
        Half::First => (elements.get(..mid)?, elements.len()),
        Half::Second => (elements.get(mid..)?, elements.len() - mid),
    };
    let mut out = Vec::with_capacity(capacity);
    for text in mine {
        out.push(serde_json::from_str(text).ok()?);
    }
    Some(Field::Value(out))
}

/// The index of the first element that starts in the second half of the bytes the elements span.
fn middle(elements: &[&str]) -> usize {
    let start = |e: &&str| e.as_ptr() as usize;
    let (Some(first), Some(last)) = (elements.first(), elements.last()) else {
        return 0;
    };
    let half_way = start(first) + (start(last) + last.len() - start(first)) / 2;
    elements.partition_point(|e| start(e) < half_way)
}

fn join(first: RawSnapshot, second: RawSnapshot) -> RawSnapshot {
    fn both<T>(a: List<T>, b: List<T>) -> List<T> {
        match (a, b) {
            (Field::Value(mut a), Field::Value(b)) => {
                a.extend(b);
                Field::Value(a)
            }
            (a, _) => a,
        }
    }
    RawSnapshot {
        management_groups: both(first.management_groups, second.management_groups),
        subscriptions: both(first.subscriptions, second.subscriptions),
        resource_groups: both(first.resource_groups, second.resource_groups),
        vaults: both(first.vaults, second.vaults),
        role_definitions: both(first.role_definitions, second.role_definitions),
        role_assignments: both(first.role_assignments, second.role_assignments),
        role_eligibilities: both(first.role_eligibilities, second.role_eligibilities),
        deny_assignments: both(first.deny_assignments, second.deny_assignments),
        principals: both(first.principals, second.principals),
        group_memberships: both(first.group_memberships, second.group_memberships),
        vault_items: both(first.vault_items, second.vault_items),
        collection_errors: both(first.collection_errors, second.collection_errors),
        ..first
    }
}
