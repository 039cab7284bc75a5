//! Which (vault, principal) pairs can decide differently between two snapshots.
//!
//! A decision for principal P at a scope S in vault V (see `Engine::prepare`) is a function of:
//! 1. P's closure: P and its transitive groups (memberships), whether P is in the directory data, and
//!    whether group memberships are known at all (a tenant-wide fact);
//! 2. role assignments naming someone in that closure at S or above (and, for a subscription placed under
//!    no known management group, at any management group), with their role definitions;
//! 3. deny assignments at S or above that name someone in the closure, exclude them, or name everyone;
//! 4. V's own properties: permission model, access-policy entries naming someone in the closure, purge
//!    protection;
//! 5. the scopes above S (the management-group hierarchy) and collection errors on them.
//!
//! So the structural difference between the snapshots bounds the cells that can change:
//! - an assignment, deny assignment or policy entry that differs (added, removed, edited, or its role
//!   definition edited) can change decisions only for the identities inside the object it names, and only
//!   in the vaults below its scope;
//! - a membership edge (G, M) that differs changes the closure of M's identities; a closure that gains or
//!   loses the ids Δ can change decisions only in vaults where an id of Δ is named;
//! - a principal that appears, disappears or changes kind can change anywhere: it is evaluated in every
//!   vault;
//! - a vault whose model, purge protection, ancestry, collection errors or everyone-deny assignments differ
//!   is *wide*: every identity named there is evaluated, and the identities named nowhere in it
//!   ("bystanders") are evaluated through one representative per class (in the directory / not), since
//!   with nothing naming them their decisions depend only on that class;
//! - a difference in whether memberships are known at all is *global*: everything is re-evaluated.
//!
//! Everything else (eligibilities, item metadata, network rules, names) changes no decision evaluated
//! without a caller location; network differences are reported separately, and a vault whose template
//! deployment flag changes is re-examined for escalations only.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::Hash;

use crate::eval::Engine;
use crate::model::Topic;
use crate::model::{EVERYONE, RoleAssignment, Scope, Snapshot, Tailed, Vault};
use coverage::Coverage;

/// What to evaluate.
#[derive(Debug, Default)]
pub struct Work {
    /// Re-evaluate every vault with every identity.
    pub global: bool,
    /// Vault keys where every identity (and the bystander classes) must be evaluated.
    pub wide: BTreeSet<String>,
    /// Vault key → principal ids whose decisions there may differ.
    pub targeted: BTreeMap<String, BTreeSet<String>>,
    /// Identities to evaluate in every vault.
    pub everywhere: BTreeSet<String>,
    /// Vaults whose escalation findings must be recomputed even though no decision differs.
    pub escalation_only: BTreeSet<String>,
    /// Vaults whose network rules differ.
    pub network: BTreeSet<String>,
    /// How many objects differ (assignments, definitions, deny assignments, memberships, entries, vault
    /// settings, principals, eligibilities, items, collection errors).
    pub structural: usize,
}

/// How far ahead [`touched`] looks for a removed or inserted run before giving up on alignment.
const WINDOW: usize = 8;

/// The elements of `a` and `b` that have no equal element with the same key on the other side.
///
/// An applied change list leaves almost everything in place: elements are removed from the middle and
/// appended at the end. So the lists are first walked in step, skipping short runs present on one side
/// only; what cannot be aligned is then matched by key, so that reordered elements do not count.
/// [`touched`] for the role assignments: a copy that only appended to the list it shares (see
/// `model::Tailed`) differs in its own items alone, and only lists of another origin are compared whole.
fn touched_assignments<'x>(
    a: &'x Tailed<RoleAssignment>,
    b: &'x Tailed<RoleAssignment>,
) -> Vec<&'x RoleAssignment> {
    let ((a_base, a_tail), (b_base, b_tail)) = (a.parts(), b.parts());
    let id = |x: &'x RoleAssignment| x.id.as_str();
    if std::ptr::eq(a_base, b_base) {
        return touched(a_tail, b_tail, id);
    }
    if a_tail.is_empty() && b_tail.is_empty() {
        return touched(a_base, b_base, id);
    }
    let (a, b): (Vec<_>, Vec<_>) = (a.iter().collect(), b.iter().collect());
    touched(&a, &b, |x| x.id.as_str())
        .into_iter()
        .copied()
        .collect()
}

fn touched<'x, T: PartialEq, K: Eq + Hash>(
    a: &'x [T],
    b: &'x [T],
    key: impl Fn(&'x T) -> K,
) -> Vec<&'x T> {
    let (mut i, mut j) = (0, 0);
    let mut left: Vec<&T> = Vec::new();
    let mut right: Vec<&T> = Vec::new();
    if std::ptr::eq(a, b) {
        // A section the copy shares with the original (see `model::Shared`): nothing differs.
        return Vec::new();
    }
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        if x == y {
            i += 1;
            j += 1;
        } else if let Some(k) = (1..WINDOW).find(|&k| a.get(i + k) == Some(y)) {
            left.extend(a.get(i..i + k).unwrap_or_default());
            i += k;
        } else if let Some(k) = (1..WINDOW).find(|&k| b.get(j + k) == Some(x)) {
            right.extend(b.get(j..j + k).unwrap_or_default());
            j += k;
        } else {
            left.push(x);
            right.push(y);
            i += 1;
            j += 1;
        }
    }
    left.extend(a.get(i..).unwrap_or_default());
    right.extend(b.get(j..).unwrap_or_default());
    let mut pending: HashMap<K, Vec<&T>> = HashMap::new();
    for y in right {
        pending.entry(key(y)).or_default().push(y);
    }
    let mut out = Vec::new();
    for x in left {
        let matched = pending.get_mut(&key(x)).and_then(|ys| {
            let at = ys.iter().position(|y| *y == x)?;
            Some(ys.swap_remove(at))
        });
        if matched.is_none() {
            out.push(x);
        }
    }
    out.extend(pending.into_values().flatten());
    out
}

fn count_keys<'x, T, K: Eq + Hash>(items: &[&'x T], key: impl Fn(&'x T) -> K) -> usize {
    items.iter().map(|t| key(t)).collect::<HashSet<K>>().len()
}

/// Whether the snapshot lacks group memberships for everybody (then no principal's groups are known).
pub fn directory_gaps(s: &Snapshot) -> bool {
    s.collection_errors
        .iter()
        .any(|e| e.is_about(&Topic::GROUP_MEMBERSHIPS) || e.is_about(&Topic::PRINCIPALS))
}

/// The identities an id reaches: itself, or a group's transitive non-group members, in both snapshots.
pub fn identities_of(engines: [&Engine; 2], id: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in engines {
        if e.is_group(id) {
            out.extend(
                e.index
                    .transitive_members(id)
                    .into_iter()
                    .map(|(m, _)| m)
                    .filter(|m| !e.is_group(m)),
            );
        } else {
            out.insert(id.to_string());
        }
    }
    out.retain(|m| engines.iter().all(|e| !e.is_group(m)));
    out
}

fn vault_of<'s>(e: &'s Engine, key: &str) -> Option<&'s Vault> {
    e.index
        .vault
        .get(key)
        .and_then(|&i| e.snapshot.vaults.get(i))
}

struct Planner<'e> {
    engines: [&'e Engine; 2],
    cover: Coverage<'e>,
    work: Work,
    /// (named id, vault keys) pairs to expand into identities.
    named: Vec<(String, Vec<String>)>,
}

impl<'e> Planner<'e> {
    fn name(&mut self, id: &str, scope: &Scope) {
        let vaults = self.cover.vaults_under(scope);
        if !vaults.is_empty() {
            self.named.push((id.to_string(), vaults));
        }
    }

    fn widen(&mut self, scope: &Scope) {
        let vaults = self.cover.vaults_under(scope);
        self.work.wide.extend(vaults);
    }

    fn assignments(&mut self) {
        let [b, a] = self.engines.map(|e| &*e.snapshot);
        let defs = touched(&b.role_definitions, &a.role_definitions, |d| {
            d.guid.as_str()
        });
        self.work.structural += count_keys(&defs, |d| d.guid.as_str());
        let changed_roles: HashSet<&str> = defs.iter().map(|d| d.guid.as_str()).collect();
        let mut list = touched_assignments(&b.role_assignments, &a.role_assignments);
        self.work.structural += count_keys(&list, |x| x.id.to_ascii_lowercase());
        if !changed_roles.is_empty() {
            list.extend(
                b.role_assignments
                    .iter()
                    .chain(&a.role_assignments)
                    .filter(|x| changed_roles.contains(x.role_definition_guid.as_str())),
            );
        }
        for x in list {
            self.name(&x.principal_id, &x.scope);
        }
        let eligibilities = touched(&b.role_eligibilities, &a.role_eligibilities, |x| {
            x.id.as_str()
        });
        self.work.structural += count_keys(&eligibilities, |x| x.id.to_ascii_lowercase());
    }

    fn denies(&mut self) {
        let [b, a] = self.engines.map(|e| &*e.snapshot);
        let list = touched(&b.deny_assignments, &a.deny_assignments, |d| d.id.as_str());
        self.work.structural += count_keys(&list, |d| d.id.to_ascii_lowercase());
        for d in list {
            if d.principals.iter().any(|p| p == EVERYONE) {
                self.widen(&d.scope);
            }
            for p in d.principals.iter().chain(&d.exclude_principals) {
                if p != EVERYONE {
                    self.name(p, &d.scope);
                }
            }
        }
    }

    fn vaults(&mut self) {
        let [eb, ea] = self.engines;
        let list = touched(&eb.snapshot.vaults, &ea.snapshot.vaults, |v| v.scope.key());
        let keys: BTreeSet<String> = list.iter().map(|v| v.scope.key().to_string()).collect();
        for key in keys {
            let (vb, va) = (vault_of(eb, &key), vault_of(ea, &key));
            let (Some(vb), Some(va)) = (vb, va) else {
                self.work.structural += 1;
                self.work.wide.insert(key);
                continue;
            };
            if vb.rbac_authorization != va.rbac_authorization
                || vb.purge_protection != va.purge_protection
            {
                self.work.structural += 1;
                self.work.wide.insert(key.clone());
            }
            if vb.enabled_for_template_deployment != va.enabled_for_template_deployment {
                self.work.structural += 1;
                self.work.escalation_only.insert(key.clone());
            }
            if vb.network != va.network {
                self.work.structural += 1;
                self.work.network.insert(key.clone());
            }
            let entries = touched(&vb.access_policies, &va.access_policies, |e| {
                (e.object_id.as_str(), e.application_id.as_deref())
            });
            self.work.structural += count_keys(&entries, |e| {
                (e.object_id.clone(), e.application_id.clone())
            });
            for e in entries {
                self.named.push((e.object_id.clone(), vec![key.clone()]));
            }
        }
        let items = touched(&eb.snapshot.vault_items, &ea.snapshot.vault_items, |i| {
            i.scope.key()
        });
        self.work.structural += count_keys(&items, |i| i.scope.key());
    }

    fn memberships(&mut self) {
        let [eb, ea] = self.engines;
        let edges = touched(
            &eb.snapshot.group_memberships,
            &ea.snapshot.group_memberships,
            |m| (m.group_id.as_str(), m.member_id.as_str()),
        );
        self.work.structural += edges.len();
        let mut affected = BTreeSet::new();
        for edge in edges {
            affected.extend(identities_of(self.engines, &edge.member_id));
        }
        let mut deltas: Vec<(String, Vec<String>)> = Vec::new();
        let mut wanted: HashSet<String> = HashSet::new();
        for p in affected {
            let before: HashSet<String> = eb
                .index
                .principal_set(&p)
                .ids()
                .map(str::to_string)
                .collect();
            let after: HashSet<String> = ea
                .index
                .principal_set(&p)
                .ids()
                .map(str::to_string)
                .collect();
            let delta: Vec<String> = before.symmetric_difference(&after).cloned().collect();
            if !delta.is_empty() {
                wanted.extend(delta.iter().cloned());
                deltas.push((p, delta));
            }
        }
        if wanted.is_empty() {
            return;
        }
        let naming = self.cover.vaults_naming(&wanted);
        for (p, delta) in deltas {
            for id in delta {
                for v in naming.get(&id).into_iter().flatten() {
                    self.work
                        .targeted
                        .entry(v.clone())
                        .or_default()
                        .insert(p.clone());
                }
            }
        }
    }

    fn principals(&mut self) {
        let [eb, ea] = self.engines;
        let list = touched(&eb.snapshot.principals, &ea.snapshot.principals, |p| {
            p.id.clone()
        });
        let ids: BTreeSet<&str> = list.iter().map(|p| p.id.as_str()).collect();
        self.work.structural += ids.len();
        for id in ids {
            let kind = |e: &Engine| {
                e.index
                    .principal
                    .get(id)
                    .and_then(|&i| e.snapshot.principals.get(i))
                    .map(|p| p.kind)
            };
            if kind(eb) != kind(ea) && !eb.is_group(id) && !ea.is_group(id) {
                self.work.everywhere.insert(id.to_string());
            }
        }
    }

    /// Hierarchy and collection errors: vaults whose ancestry or gaps differ are wide.
    fn hierarchy(&mut self) {
        let [eb, ea] = self.engines;
        let (b, a) = (&*eb.snapshot, &*ea.snapshot);
        if directory_gaps(b) != directory_gaps(a) {
            self.work.global = true;
        }
        let errors = touched(&b.collection_errors, &a.collection_errors, |e| {
            (e.scope.key(), &e.about)
        });
        self.work.structural += errors.len();
        for e in errors {
            self.widen(&e.scope);
        }
        if b.tenant_id != a.tenant_id || b.management_groups != a.management_groups {
            self.work.structural += 1;
            let keys: BTreeSet<String> = self.cover.vaults.iter().cloned().collect();
            for key in keys {
                let ancestry = |e: &Engine| {
                    vault_of(e, &key).map(|v| {
                        let a = e.index.ancestry(&v.scope);
                        (
                            a.scopes
                                .iter()
                                .map(|s| s.key().to_string())
                                .collect::<Vec<_>>(),
                            a.unplaced_subscription,
                        )
                    })
                };
                if ancestry(eb) != ancestry(ea) {
                    self.work.wide.insert(key);
                }
            }
        }
    }
}

/// The work that the difference between two snapshots calls for.
pub fn plan(eb: &Engine, ea: &Engine) -> Work {
    let engines = [eb, ea];
    let mut p = Planner {
        engines,
        cover: Coverage::new(engines),
        work: Work::default(),
        named: Vec::new(),
    };
    p.hierarchy();
    p.assignments();
    p.denies();
    p.vaults();
    p.memberships();
    p.principals();
    let named = std::mem::take(&mut p.named);
    let mut expanded: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (id, vaults) in named {
        let who = expanded
            .entry(id.clone())
            .or_insert_with(|| identities_of(engines, &id));
        if who.is_empty() {
            continue;
        }
        for v in vaults {
            p.work
                .targeted
                .entry(v)
                .or_default()
                .extend(who.iter().cloned());
        }
    }
    p.work
}

mod coverage;

#[cfg(test)]
mod tests;
