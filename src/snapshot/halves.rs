//! Parsing a snapshot text on two threads: every array section is cut in two halves of about the same size
//! (see [`split`](super::split)), one thread parses the first halves and another the second, and the halves
//! are joined in file order. The result is the same [`RawSnapshot`] a single-threaded parse gives.
//!
//! A file is not read whole first: it is cut up through a small buffer, and each thread reads its spans from
//! it again ([`Window`]), so that at the end of the parse the raw structs are in memory without the text.

use std::io::Read;
use std::path::Path;

use serde::de::{DeserializeOwned, IgnoredAny};

use super::lenient::{Expected, Field};
use super::raw::{List, RawSnapshot};
use super::split::{self, Member, Span};
use super::window::{Source, WINDOW, Window};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Half {
    First,
    Second,
}

/// The raw snapshot, or `None` when the text needs the single-threaded parse (which also reports errors).
pub fn read(text: &str) -> Option<RawSnapshot> {
    let sections = split::sections(text)?;
    both(&sections, || Some(text.as_bytes()))
}

/// The raw snapshot of a file, or `None` when it needs reading whole and the single-threaded parse (which
/// reports every error: not a regular file, too large, not UTF-8, malformed).
pub fn read_file(path: &Path) -> Option<RawSnapshot> {
    read_file_with(path, split::BUFFER, WINDOW)
}

/// [`read_file`], scanning `buffer` bytes at a time and reading spans again through windows of `window`.
fn read_file_with(path: &Path, buffer: usize, window: usize) -> Option<RawSnapshot> {
    // A FIFO would block on opening: only a regular file is opened here.
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > crate::files::MAX_INPUT {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    let opened = file.metadata().ok()?;
    if !opened.is_file() {
        return None;
    }
    // Windows tools start UTF-8 files with a byte-order mark; the text starts after it.
    let mut head = Vec::with_capacity(3);
    (&file).take(3).read_to_end(&mut head).ok()?;
    let start = if head == b"\xef\xbb\xbf" { 3 } else { 0 };
    let text = head
        .get(start..)?
        .chain((&file).take(crate::files::MAX_INPUT));
    let (sections, end) = split::read(text, start, buffer)?;
    if end as u64 > crate::files::MAX_INPUT {
        return None;
    }
    let raw = both(&sections, || {
        Some(Window::new(file.try_clone().ok()?, window))
    })?;
    // The spans were read twice: a file rewritten in place meanwhile is left to the whole read.
    let now = file.metadata().ok()?;
    (now.len() == opened.len() && now.modified().ok() == opened.modified().ok()).then_some(raw)
}

/// Both halves, each read from a source of its own, joined.
fn both<S: Source>(
    sections: &[Member],
    source: impl Fn() -> Option<S> + Sync,
) -> Option<RawSnapshot> {
    let (second, first) = crate::parallel::both(
        || part(sections, Half::Second, &mut source()?),
        || part(sections, Half::First, &mut source()?),
    );
    Some(join(first?, second?))
}

/// One half's share of the sections, read in file order.
fn part(sections: &[Member], half: Half, src: &mut impl Source) -> Option<RawSnapshot> {
    let mut raw = RawSnapshot::default();
    for s in sections {
        match s.key.as_str() {
            "kvaccessSnapshot" => raw.kvaccess_snapshot = whole(s, half, src)?,
            "cloud" => raw.cloud = whole(s, half, src)?,
            "tenantId" => raw.tenant_id = whole(s, half, src)?,
            "collectedAt" => raw.collected_at = whole(s, half, src)?,
            "managementGroups" => raw.management_groups = list(s, half, src)?,
            "subscriptions" => raw.subscriptions = list(s, half, src)?,
            "resourceGroups" => raw.resource_groups = list(s, half, src)?,
            "vaults" => raw.vaults = list(s, half, src)?,
            "roleDefinitions" => raw.role_definitions = list(s, half, src)?,
            "roleAssignments" => raw.role_assignments = list(s, half, src)?,
            "roleEligibilities" => raw.role_eligibilities = list(s, half, src)?,
            "denyAssignments" => raw.deny_assignments = list(s, half, src)?,
            "principals" => raw.principals = list(s, half, src)?,
            "groupMemberships" => raw.group_memberships = list(s, half, src)?,
            "vaultItems" => raw.vault_items = list(s, half, src)?,
            "collectionErrors" => raw.collection_errors = list(s, half, src)?,
            // The hop sections are small beside role assignments: the first half reads them whole.
            "networkSecurityPerimeters" => raw.network_security_perimeters = all(s, half, src)?,
            "identityResources" => raw.identity_resources = all(s, half, src)?,
            "directoryRoleAssignments" => raw.directory_role_assignments = all(s, half, src)?,
            "directoryRoleEligibilities" => raw.directory_role_eligibilities = all(s, half, src)?,
            "owners" => raw.owners = all(s, half, src)?,
            "appRoleAssignments" => raw.app_role_assignments = all(s, half, src)?,
            "applications" => raw.applications = all(s, half, src)?,
            "assumptions" => raw.assumptions = all(s, half, src)?,
            // Any other key is only checked to be well-formed JSON.
            _ if half == Half::First => {
                serde_json::from_slice::<IgnoredAny>(src.bytes(s.value)?).ok()?;
            }
            _ => {}
        }
    }
    Some(raw)
}

/// A section parsed whole, by the first half only.
fn whole<T: DeserializeOwned + Expected>(
    section: &Member,
    half: Half,
    src: &mut impl Source,
) -> Option<Field<T>> {
    match half {
        Half::First => serde_json::from_slice(src.bytes(section.value)?).ok(),
        Half::Second => Some(Field::Absent),
    }
}

/// This half's elements of an array section; a section that is not an array is parsed whole.
fn list<T: DeserializeOwned + Expected>(
    section: &Member,
    half: Half,
    src: &mut impl Source,
) -> Option<List<T>> {
    let Some(elements) = section.elements.as_deref() else {
        return whole(section, half, src);
    };
    let mid = middle(elements);
    let (mine, capacity) = match half {
        // Room for both halves, so that joining them does not move the first.
        Half::First => (elements.get(..mid)?, elements.len()),
        Half::Second => (elements.get(mid..)?, elements.len() - mid),
    };
    parse_each(mine, capacity, src)
}

/// Every element of an array section, by the first half only; a section that is not an array is parsed
/// whole.
fn all<T: DeserializeOwned + Expected>(
    section: &Member,
    half: Half,
    src: &mut impl Source,
) -> Option<List<T>> {
    match (&section.elements, half) {
        (Some(elements), Half::First) => parse_each(elements, elements.len(), src),
        _ => whole(section, half, src),
    }
}

fn parse_each<T: DeserializeOwned + Expected>(
    elements: &[Span],
    capacity: usize,
    src: &mut impl Source,
) -> Option<List<T>> {
    let mut out = Vec::with_capacity(capacity);
    for &span in elements {
        out.push(serde_json::from_slice(src.bytes(span)?).ok()?);
    }
    Some(Field::Value(out))
}

/// The index of the first element that starts in the second half of the bytes the elements span.
fn middle(elements: &[Span]) -> usize {
    let (Some(first), Some(last)) = (elements.first(), elements.last()) else {
        return 0;
    };
    let half_way = first.start + (last.end - first.start) / 2;
    elements.partition_point(|e| e.start < half_way)
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

#[cfg(test)]
mod tests;
