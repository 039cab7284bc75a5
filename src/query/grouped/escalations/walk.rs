//! The walk under the grouped escalations: every vault's identities in classes, one member per class asked,
//! and each finding handed on with the number of identities it stands for.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use crate::eval::Engine;
use crate::model::Topic;
use crate::model::{Scope, Vault};
use crate::query::classes::{AtVault, Classes, Counted, Expansions};
use crate::query::escalation::{
    Found, LeverVerdicts, PARALLEL_FROM, findings_for_vault, findings_sharing, levers,
};

/// The vaults at or below `scope` (all when `None`), in scope order so that a subscription's and a
/// resource group's vaults come together.
pub(super) fn vaults_in<'a>(engine: &'a Engine, scope: Option<&Scope>) -> Vec<&'a Vault> {
    let s: &'a crate::model::Snapshot = &engine.snapshot;
    let mut vaults: Vec<&'a Vault> = s
        .vaults
        .iter()
        .filter(|v| scope.is_none_or(|sc| engine.index.ancestry(&v.scope).contains(sc.key())))
        .collect();
    vaults.sort_by(|a, b| a.scope.key().cmp(b.scope.key()));
    vaults
}

/// Whether a role definition (`None`: missing) can change a lever's or a data operation's decision.
fn role_matters(engine: &Engine, role: Option<usize>) -> bool {
    role.is_none_or(|r| {
        levers().iter().any(|a| engine.role_may_grant(r, a))
            || engine.role_grants_any(r, crate::catalog::Plane::Data)
    })
}

/// One finding as the walk reports it: the finding of one identity, or of a class's member standing for
/// `count` identities.
pub(crate) struct Seen<'f> {
    /// The vault's position in the walk's list (the finding may have been found at another vault of the
    /// same resource group or subscription, for the same class).
    pub at: u32,
    pub finding: &'f Found,
    pub count: u32,
    /// Where the walk keeps the finding for other vaults: (list, position). A list is kept unchanged and
    /// its number never reused for the rest of the walk, so the same place is the same finding.
    pub kept: Option<(u32, u32)>,
}

/// Ids that grants name but the directory lacks, each with the groups the memberships list it in: their
/// memberships are unknown, so they are asked on their own wherever a role assignment names them or one of
/// those groups (as the flat answer asks them).
fn dangling(engine: &Engine) -> Vec<(String, Vec<String>)> {
    let mut ids: Vec<(String, Vec<String>)> = engine
        .index
        .referenced_ids
        .iter()
        .filter(|id| !engine.is_group(id))
        .map(|id| {
            let set = engine.index.principal_set(id);
            (id.clone(), set.ids().map(String::from).collect())
        })
        .collect();
    ids.sort_unstable();
    ids
}

/// Whether a role assignment at or above the target names one of `ids`.
fn named_at(engine: &Engine, target: &crate::eval::Target, ids: &[String]) -> bool {
    ids.iter().any(|id| {
        engine
            .index
            .assignments_of
            .get(id.as_str())
            .into_iter()
            .flatten()
            .filter_map(|&i| engine.snapshot.role_assignments.get(i))
            .any(|a| target.ancestry.contains(a.scope.key()))
    })
}

/// A class and the vault flags its findings depend on besides its grants.
type CacheKey = (crate::query::classes::Class, [bool; 4]);

/// Findings kept for the other vaults of one resource group or subscription.
#[derive(Default)]
struct Cache {
    key: String,
    /// Whether the current vault may use it (no deny assignment or collection error in between).
    usable: bool,
    /// By class: the number of the kept list (see [`Seen::kept`]) and its findings.
    found: FxHashMap<CacheKey, (u32, Vec<Found>)>,
}

impl Cache {
    /// Moves to the vault's resource group or subscription (`key`); whether it is a new one.
    fn enter(&mut self, key: &str, usable: bool) -> bool {
        self.usable = usable;
        if self.key == key {
            return false;
        }
        self.found.clear();
        self.key = key.to_string();
        true
    }
}

/// Runs of whole subscriptions of `vaults`, about `n` of similar vault counts, in order: two threads share a
/// walk by taking them in turn, so that a thread whose runs cost less than their vault counts say goes on
/// with the next instead of waiting for the other.
pub(super) fn pieces(vaults: &[&Vault], n: usize) -> Vec<std::ops::Range<usize>> {
    let subscription = |v: &Vault| {
        v.scope
            .structural_parent()
            .and_then(|g| g.structural_parent())
            .map(|s| s.key().to_string())
    };
    let size = vaults.len().div_ceil(n.max(1)).max(1);
    let at = |i: usize| vaults.get(i).copied().and_then(subscription);
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..vaults.len() {
        if i - start >= size && at(i).is_some() && at(i) != at(i - 1) {
            out.push(start..i);
            start = i;
        }
    }
    if start < vaults.len() {
        out.push(start..vaults.len());
    }
    out
}

/// Visits the findings at the vaults of `vaults` in `range` (or only at positions in `only`, ascending),
/// class by class. `visit` gets the finding, and a function listing the identities it stands for.
pub(in crate::query::grouped) fn walk<'a>(
    engine: &'a Engine,
    vaults: &[&'a Vault],
    range: std::ops::Range<usize>,
    only: Option<&[u32]>,
    visit: impl FnMut(Seen, &mut dyn FnMut() -> Vec<String>),
) {
    let expansions = Expansions::default();
    walk_until(
        engine,
        vaults,
        range,
        only,
        &expansions,
        &mut || true,
        visit,
    );
}

/// [`walk`], asking `go_on()` before each vault it visits: when it says no, the walk stops there. Groups are
/// expanded through `expansions` (kept there for other walks when it keeps them).
pub(in crate::query::grouped) fn walk_until<'a>(
    engine: &'a Engine,
    vaults: &[&'a Vault],
    range: std::ops::Range<usize>,
    only: Option<&[u32]>,
    expansions: &'a Expansions,
    go_on: &mut dyn FnMut() -> bool,
    mut visit: impl FnMut(Seen, &mut dyn FnMut() -> Vec<String>),
) {
    let counted = Counted {
        role_matters: |role| role_matters(engine, role),
        role_opens: |role: Option<usize>| {
            role.is_none_or(|r| levers().iter().any(|a| engine.role_may_grant(r, a)))
        },
    };
    let mut classes = Classes::new(engine, counted, expansions);
    let dangling = dangling(engine);
    let directory_gaps = engine.directory_gaps();
    // Findings of classes untouched at their vault, by (class, vault flags): the same at every vault of a
    // resource group but for the vault; and of classes untouched at their vault and resource group: the same
    // at every vault of a subscription.
    let mut cache = Cache::default();
    let verdicts = LeverVerdicts::default();
    let mut above = Default::default();
    let mut sub_cache = Cache::default();
    // The lists kept so far (their numbers).
    let mut lists = 0u32;
    let start = range.start;
    let within = vaults.get(range).unwrap_or_default();
    for (at, vault) in (start as u32..).zip(within.iter().copied()) {
        if only.is_some_and(|o| o.binary_search(&at).is_err()) {
            continue;
        }
        if !go_on() {
            return;
        }
        let target = engine.target(&vault.scope);
        // Where answers may be unknown whatever an identity holds, every identity is asked on its own.
        let each_alone = directory_gaps
            || target.ancestry.unplaced_subscription
            || engine.has_gap(&target.ancestry, &Topic::ROLE_ASSIGNMENTS);
        let by_class = if each_alone { None } else { classes.at(vault) };
        let Some(by_class) = by_class else {
            for f in findings_for_vault(engine, vault, PARALLEL_FROM) {
                let id = f.principal.id.clone();
                let f = Found::of(&f);
                let seen = Seen {
                    at,
                    finding: &f,
                    count: 1,
                    kept: None,
                };
                visit(seen, &mut || vec![id.clone()]);
            }
            continue;
        };
        let quiet = |scope: &crate::model::Scope| {
            engine.denies_at(scope).next().is_none()
                && !engine.index.errors_at.contains_key(scope.key())
        };
        let group = vault.scope.structural_parent();
        cache.enter(classes.group_key(), quiet(&vault.scope));
        let sub_key = group.as_ref().and_then(|g| g.structural_parent());
        let new_subscription = sub_cache.enter(
            sub_key.as_ref().map_or("", |s| s.key()),
            quiet(&vault.scope) && group.as_ref().is_some_and(quiet),
        );
        if new_subscription {
            // Memory holds one subscription's verdicts, as it holds one subscription's classes.
            verdicts.clear();
        }
        let flags = [
            vault.rbac_authorization,
            vault.enabled_for_template_deployment,
            vault.purge_protection,
            vault.properties_missing,
        ];
        // Where a class's findings may be reused from (or kept for) another vault.
        let level = |c: &AtVault| match (c.touched_here, c.touched_in_group) {
            (false, false) if sub_cache.usable => Some(&sub_cache),
            (false, _) if cache.usable => Some(&cache),
            _ => None,
        };
        let mut asked: Vec<String> = Vec::new();
        for c in &by_class {
            if level(c).is_none_or(|l| !l.found.contains_key(&(c.class, flags))) {
                asked.push(classes.id(c.member).to_string());
            }
        }
        asked.extend(
            dangling
                .iter()
                .filter(|(_, ids)| named_at(engine, &target, ids))
                .map(|(id, _)| id.clone()),
        );
        let mut found: FxHashMap<String, Vec<Found>> =
            FxHashMap::with_capacity_and_hasher(asked.len(), Default::default());
        for f in findings_sharing(
            engine,
            vault,
            &target,
            asked.into_iter(),
            &verdicts,
            &mut above,
        ) {
            // A class's member has several findings: its id is copied once.
            match found.get_mut(f.principal.id.as_str()) {
                Some(list) => list.push(f),
                None => {
                    found.insert(f.principal.id.clone(), vec![f]);
                }
            }
        }
        let mut keep: Vec<(bool, CacheKey, (u32, Vec<Found>))> = Vec::new();
        // Listing one class's members goes over the vault's identities: listed once for all classes, when
        // first asked.
        let mut members_of: Option<FxHashMap<crate::query::classes::Class, Vec<u32>>> = None;
        for c in &by_class {
            let id = classes.id(c.member);
            let key = (c.class, flags);
            // Findings kept from another vault are handed on as they are (`Seen::at` says where).
            let (list, kept): (Cow<[Found]>, Option<u32>) = match found.remove(id) {
                Some(list) => (Cow::Owned(list), None),
                None => match level(c).and_then(|l| l.found.get(&key)) {
                    Some((n, list)) => (Cow::Borrowed(list.as_slice()), Some(*n)),
                    None => (Cow::Owned(Vec::new()), None),
                },
            };
            let keep_in = level(c).filter(|l| !l.found.contains_key(&key));
            let kept = kept.or_else(|| {
                keep_in.map(|_| {
                    lists += 1;
                    lists
                })
            });
            for (f, i) in list.iter().zip(0u32..) {
                let seen = Seen {
                    at,
                    finding: f,
                    count: c.size,
                    kept: kept.map(|n| (n, i)),
                };
                visit(seen, &mut || {
                    members_of
                        .get_or_insert_with(|| classes.members_by_class())
                        .get(&c.class)
                        .into_iter()
                        .flatten()
                        .map(|&i| classes.id(i).to_string())
                        .collect()
                });
            }
            if let (Some(l), Some(n)) = (keep_in, kept) {
                keep.push((std::ptr::eq(l, &sub_cache), key, (n, list.into_owned())));
            }
        }
        for (in_subscription, key, list) in keep {
            let cache = if in_subscription {
                &mut sub_cache
            } else {
                &mut cache
            };
            cache.found.insert(key, list);
        }
        for list in found.values() {
            for f in list {
                let id = f.principal.id.clone();
                let seen = Seen {
                    at,
                    finding: f,
                    count: 1,
                    kept: None,
                };
                visit(seen, &mut || vec![id.clone()]);
            }
        }
    }
}
