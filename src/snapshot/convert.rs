//! Raw snapshot → model, collecting every problem with its JSON path.
//!
//! Two severities: *problems* make the file unusable (a wrong type, a missing id, an unsupported version)
//! and are all reported together; *warnings* are Azure's own quirks (an IP rule written with quotes, two
//! directory objects sharing an id) that are kept visible but do not stop the load.
//!
//! The raw snapshot is consumed: its strings move into the model instead of being copied, and JSON paths
//! are only rendered for the fields a problem or warning names (see [`At`]).

mod absent;
mod assignments;
mod directory;
mod hierarchy;
mod hops;
mod perimeter;
mod rbac;
mod seen;
mod vault;

use rustc_hash::{FxHashMap, FxHashSet};

use super::lenient::Field;
use super::path::At;
use super::raw::*;
use crate::error::Problem;
use crate::model::guid;
use crate::model::*;

use absent::absent_sections;
pub use vault::parse_ip_rule;

/// Sets each vault's perimeter association again after collection errors were added to a converted
/// snapshot (a live run marks sections still being read; a vault then waits on the perimeters too).
pub fn relink_perimeters(snapshot: &mut Snapshot) {
    perimeter::link(snapshot);
}

#[derive(Default)]
pub struct Ctx {
    pub problems: Vec<Problem>,
    pub warnings: Vec<Warning>,
    /// Scopes parsed so far, by their text as written: most assignments sit on a few thousand scopes, and
    /// one parsed scope is then shared by all of them.
    scopes: FxHashMap<String, Scope>,
}

impl Ctx {
    /// `later`'s problems and warnings after these.
    fn append(&mut self, mut later: Ctx) {
        self.problems.append(&mut later.problems);
        self.warnings.append(&mut later.warnings);
    }

    /// Messages quote the file: each is cleaned and cut ([`crate::sanitize::message`]) once, here.
    fn problem(&mut self, path: &At, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_string(),
            message: crate::sanitize::message(&message.into()),
        });
    }

    fn warn(&mut self, path: &At, message: impl Into<String>) {
        self.warnings.push(Warning {
            path: path.to_string(),
            message: crate::sanitize::message(&message.into()),
        });
    }

    /// An optional value; a wrong JSON type is a problem.
    fn opt<T>(&mut self, field: Field<T>, path: &At, expected: &str) -> Option<T> {
        match field {
            Field::Value(v) => Some(v),
            Field::Wrong(found) => {
                self.problem(path, format!("expected {expected}, found {found}"));
                None
            }
            Field::Null | Field::Absent => None,
        }
    }

    /// A value that must be there: absent or `null` is a problem (`missing`, or `missing: {why}`).
    fn required<T>(
        &mut self,
        field: Field<T>,
        path: &At,
        expected: &str,
        missing: &str,
    ) -> Option<T> {
        let wrong = field.wrong().is_some();
        let value = self.opt(field, path, expected);
        if value.is_none() && !wrong {
            self.problem(path, missing);
        }
        value
    }

    fn opt_text(&mut self, field: Text, path: &At) -> Option<String> {
        self.opt(field, path, "a string").and_then(trimmed)
    }

    fn req_text(&mut self, field: Text, path: &At) -> Option<String> {
        let wrong = field.wrong().is_some();
        let value = self.opt_text(field, path);
        if value.is_none() && !wrong {
            self.problem(path, "missing");
        }
        value
    }

    fn opt_bool(&mut self, field: Field<bool>, path: &At) -> Option<bool> {
        self.opt(field, path, "true or false")
    }

    /// The elements of an optional array with their indexes; non-object elements are problems, all reported
    /// before the elements are read. The elements are handed out one by one, so each raw element is dropped
    /// as soon as it has been converted.
    fn items<T>(&mut self, list: List<T>, path: &At, expected: &str) -> Elements<T> {
        let values = self.checked(list, path, expected);
        let bad = values
            .iter()
            .filter(|f| !matches!(f, Field::Value(_)))
            .count();
        Elements {
            left: values.len() - bad,
            inner: values.into_iter().enumerate(),
        }
    }

    /// The elements of an optional array, after reporting those that are not of the `expected` type.
    fn checked<T>(&mut self, list: List<T>, path: &At, expected: &str) -> Vec<Field<T>> {
        let values = self.opt(list, path, "an array").unwrap_or_default();
        for (i, field) in values.iter().enumerate() {
            let found = match field {
                Field::Value(_) => continue,
                Field::Wrong(found) => found,
                Field::Null | Field::Absent => "null",
            };
            self.problem(
                &path.index(i),
                format!("expected {expected}, found {found}"),
            );
        }
        values
    }

    fn strings(&mut self, list: List<String>, path: &At) -> Vec<String> {
        self.items(list, path, "a string")
            .map(|(_, s)| trimmed_or_empty(s))
            .collect()
    }

    /// A parsed scope of one of the `want` kinds (any kind when empty).
    fn scope(&mut self, text: &str, path: &At, want: &[ScopeKind]) -> Option<Scope> {
        let scope = match self.scopes.get(text) {
            Some(s) => s.clone(),
            None => match Scope::parse(text) {
                Ok(s) => {
                    self.scopes.insert(text.to_string(), s.clone());
                    s
                }
                Err(_) => {
                    self.problem(path, format!("'{text}' is not an Azure resource id"));
                    return None;
                }
            },
        };
        if want.is_empty() || want.contains(&scope.kind()) {
            Some(scope)
        } else {
            self.problem(
                path,
                format!(
                    "'{text}' is a {:?} scope, expected {}",
                    scope.kind(),
                    kinds(want)
                ),
            );
            None
        }
    }

    /// A GUID, lower-cased in place.
    fn guid(&mut self, text: String, path: &At) -> Option<String> {
        if guid::is_guid(&text) {
            Some(guid_id(text))
        } else {
            self.problem(path, format!("not a GUID: '{text}'"));
            None
        }
    }
}

/// The well-typed elements of an array, with their indexes in it.
struct Elements<T> {
    inner: std::iter::Enumerate<std::vec::IntoIter<Field<T>>>,
    left: usize,
}

impl<T> Iterator for Elements<T> {
    type Item = (usize, T);

    fn next(&mut self) -> Option<(usize, T)> {
        for (i, field) in self.inner.by_ref() {
            if let Field::Value(v) = field {
                self.left -= 1;
                return Some((i, v));
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<T> ExactSizeIterator for Elements<T> {}

/// The text without surrounding white space; `None` when nothing is left. Moves the string when there was
/// nothing to trim, which is nearly always.
fn trimmed(s: String) -> Option<String> {
    // `char::is_whitespace` for ASCII bytes; a text that starts and ends with other ASCII needs no trim.
    let blank = |b: &u8| matches!(b, b' ' | b'\t'..=b'\r') || !b.is_ascii();
    let bytes = s.as_bytes();
    if bytes.first().is_some_and(|b| !blank(b)) && bytes.last().is_some_and(|b| !blank(b)) {
        return Some(s);
    }
    let t = s.trim();
    if t.is_empty() {
        None
    } else if t.len() == s.len() {
        Some(s)
    } else {
        Some(t.to_string())
    }
}

fn trimmed_or_empty(s: String) -> String {
    trimmed(s).unwrap_or_default()
}

/// A GUID-valued id field in its one spelling ([`guid::canonical_owned`]): no answer may depend on how
/// Azure spelled it.
fn guid_id(s: String) -> String {
    guid::canonical_owned(s)
}

/// Ids are compared case-insensitively: lower-cased in place, without a copy.
fn lower(mut s: String) -> String {
    s.make_ascii_lowercase();
    s
}

fn kinds(want: &[ScopeKind]) -> String {
    want.iter()
        .map(|k| format!("{k:?}"))
        .collect::<Vec<_>>()
        .join(" or ")
}

pub fn convert(mut raw: RawSnapshot, ctx: &mut Ctx) -> Snapshot {
    let version = At::Top("kvaccessSnapshot");
    match &raw.kvaccess_snapshot {
        Field::Value(1) => {}
        Field::Value(v) => ctx.problem(
            &version,
            format!("unsupported version {v} (this kvaccess reads version 1)"),
        ),
        Field::Wrong(found) => ctx.problem(
            &version,
            match *found {
                "a fraction" => "expected the whole number 1, found a fraction".to_string(),
                other => format!("expected the number 1, found {other}"),
            },
        ),
        Field::Absent | Field::Null => ctx.problem(
            &version,
            "missing: a kvaccess snapshot starts with \"kvaccessSnapshot\": 1",
        ),
    }
    let absent = absent_sections(&raw, ctx);
    let cloud_at = At::Top("cloud");
    let cloud = match ctx.opt_text(raw.cloud, &cloud_at) {
        None => Cloud::AzureCloud,
        Some(c) => Cloud::parse(&c).unwrap_or_else(|| {
            ctx.problem(
                &cloud_at,
                format!("unknown cloud '{c}' (AzureCloud, AzureChinaCloud or AzureUSGovernment)"),
            );
            Cloud::AzureCloud
        }),
    };
    let mut snapshot = Snapshot {
        cloud,
        tenant_id: ctx
            .opt_text(raw.tenant_id, &At::Top("tenantId"))
            .map(guid_id),
        collected_at: ctx.opt_text(raw.collected_at, &At::Top("collectedAt")),
        ..Snapshot::default()
    };
    let top = At::Top("assumptions");
    snapshot.assumptions = ctx
        .items(std::mem::take(&mut raw.assumptions), &top, "a string")
        .map(|(_, a)| a)
        .collect();
    let RawSnapshot {
        management_groups: raw_management_groups,
        subscriptions: raw_subscriptions,
        resource_groups: raw_resource_groups,
        vaults: raw_vaults,
        role_definitions: raw_role_definitions,
        role_assignments: raw_role_assignments,
        role_eligibilities: raw_role_eligibilities,
        deny_assignments: raw_deny_assignments,
        principals: raw_principals,
        group_memberships: raw_group_memberships,
        vault_items: raw_vault_items,
        collection_errors: raw_collection_errors,
        network_security_perimeters: raw_perimeters,
        identity_resources,
        directory_role_assignments,
        directory_role_eligibilities,
        owners,
        app_role_assignments,
        applications,
        ..
    } = raw;
    let raw_hops = hops::RawHops {
        resources: identity_resources,
        directory_roles: directory_role_assignments,
        directory_eligibilities: directory_role_eligibilities,
        owners,
        app_role_assignments,
        applications,
    };
    // Role assignments are most of a large tenant: each of two threads converts half of them and half of the
    // other sections. Every part keeps its own problems; they are joined afterwards in file-format order.
    let top = At::Top(Section::RoleAssignments.key());
    let mut assignments_ctx = Ctx::default();
    let mut raw_assignments = assignments_ctx.checked(raw_role_assignments, &top, "an object");
    let total = raw_assignments.len();
    let mid = total / 2;
    let (first_raw, second_raw) = raw_assignments.split_at_mut(mid);
    // The other sections by the thread that has less to do, each run of them with problems of its own.
    let (mut after, mut items_ctx, mut last) = (Ctx::default(), Ctx::default(), Ctx::default());
    let (second, first) = crate::parallel::both(
        || {
            let half = assignments::half(second_raw, mid, 0, &top);
            let ctx = &mut after;
            snapshot.role_eligibilities = assignments::role_assignments(
                raw_role_eligibilities,
                &At::Top(Section::RoleEligibilities.key()),
                ctx,
            );
            snapshot.deny_assignments = rbac::deny_assignments(raw_deny_assignments, ctx);
            snapshot.principals = directory::principals(raw_principals, ctx).into();
            snapshot.group_memberships =
                directory::group_memberships(raw_group_memberships, ctx).into();
            snapshot.collection_errors = collection_errors(raw_collection_errors, &mut last);
            half
        },
        || {
            let first = assignments::half(first_raw, 0, total, &top);
            snapshot.management_groups = hierarchy::management_groups(raw_management_groups, ctx);
            snapshot.subscriptions = subscriptions(raw_subscriptions, ctx);
            snapshot.resource_groups = resource_groups(raw_resource_groups, ctx);
            snapshot.vaults = vault::vaults(raw_vaults, ctx).into();
            snapshot.role_definitions = rbac::role_definitions(raw_role_definitions, ctx);
            snapshot.vault_items = vault::vault_items(raw_vault_items, &mut items_ctx).into();
            snapshot.hops = hops::hops(raw_hops, &mut items_ctx);
            first
        },
    );
    let halves = vec![first, second];
    drop(raw_assignments);
    snapshot.role_assignments = assignments::join(halves, &mut assignments_ctx).into();
    ctx.append(assignments_ctx);
    ctx.append(after);
    ctx.append(items_ctx);
    ctx.append(last);
    snapshot.collection_errors.extend(absent);
    snapshot.perimeters = perimeter::perimeters(raw_perimeters, ctx);
    perimeter::link(&mut snapshot);
    snapshot
}

fn subscriptions(list: List<RawSubscription>, ctx: &mut Ctx) -> Vec<Subscription> {
    let mut out = Vec::new();
    let top = At::Top(Section::Subscriptions.key());
    for (i, s) in ctx.items(list, &top, "an object") {
        let path = top.index(i);
        let id = ctx.opt_text(s.id, &path.key("id"));
        let sub_id = ctx.opt_text(s.subscription_id, &path.key("subscriptionId"));
        let Some(id) = id.or_else(|| sub_id.as_ref().map(|s| format!("/subscriptions/{s}"))) else {
            ctx.problem(
                &path.key("id"),
                "missing (neither id nor subscriptionId given)",
            );
            continue;
        };
        let Some(scope) = ctx.scope(&id, &path.key("id"), &[ScopeKind::Subscription]) else {
            continue;
        };
        out.push(Subscription {
            subscription_id: scope.subscription().unwrap_or_default().to_string(),
            display_name: ctx
                .opt_text(s.display_name, &path.key("displayName"))
                .unwrap_or_else(|| scope.name().to_string()),
            tenant_id: ctx
                .opt_text(s.tenant_id, &path.key("tenantId"))
                .map(guid_id),
            state: ctx.opt_text(s.state, &path.key("state")),
            scope,
        });
    }
    out
}

fn resource_groups(list: List<RawResourceGroup>, ctx: &mut Ctx) -> Vec<ResourceGroup> {
    let mut out = Vec::new();
    let mut seen = FxHashSet::default();
    let top = At::Top(Section::ResourceGroups.key());
    for (i, rg) in ctx.items(list, &top, "an object") {
        let path = top.index(i);
        let Some(id) = ctx.req_text(rg.id, &path.key("id")) else {
            continue;
        };
        let Some(scope) = ctx.scope(&id, &path.key("id"), &[ScopeKind::ResourceGroup]) else {
            continue;
        };
        if !seen.insert(scope.clone()) {
            continue; // the same group from a get and a list response
        }
        out.push(ResourceGroup {
            name: ctx
                .opt_text(rg.name, &path.key("name"))
                .unwrap_or_else(|| scope.name().to_string()),
            location: ctx
                .opt_text(rg.location, &path.key("location"))
                .unwrap_or_default(),
            scope,
        });
    }
    out
}

fn collection_errors(list: List<RawCollectionError>, ctx: &mut Ctx) -> Vec<CollectionError> {
    let mut out = Vec::new();
    let top = At::Top("collectionErrors");
    for (i, e) in ctx.items(list, &top, "an object") {
        let path = top.index(i);
        let scope = ctx.req_text(e.scope, &path.key("scope"));
        let what = ctx.req_text(e.what, &path.key("what"));
        let status = ctx.opt(e.status, &path.key("status"), "a whole number");
        let message = ctx
            .opt_text(e.message, &path.key("message"))
            .unwrap_or_default();
        let (Some(scope), Some(what)) = (scope, what) else {
            continue;
        };
        let Some(scope) = ctx.scope(&scope, &path.key("scope"), &[]) else {
            continue;
        };
        out.push(CollectionError::read(
            scope,
            Topic::parse(&what),
            status,
            message,
        ));
    }
    out
}
