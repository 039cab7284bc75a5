//! Precomputed lookups over a snapshot: who is in which group (transitively, cycle-safe), which scopes
//! contain which (including the management-group hierarchy), and which assignments sit where.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::eval::membership::Memberships;
use crate::model::{Scope, ScopeKind, Snapshot};

mod ancestry;
mod by_assignment;
pub use ancestry::Ancestry;

/// A group the principal belongs to, and how it was first reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The membership graph's own id (shared, not copied: a bulk query builds one set per identity).
    pub group_id: Arc<str>,
    /// The position (in [`PrincipalSet::groups`]) of the group through which this one was first reached;
    /// `None` for a group the principal is directly in.
    pub via: Option<u32>,
}

/// How a principal reaches one id of its set: itself, or the chain of groups to it.
#[derive(Debug, Clone, Copy)]
pub struct Chain<'s> {
    set: &'s PrincipalSet,
    /// The group reached, as a position in the set's groups; `None` for the principal itself.
    at: Option<usize>,
}

impl Chain<'_> {
    /// The group ids from the directly joined group to the one reached inclusive; empty for the principal
    /// itself.
    pub fn ids(&self) -> Vec<String> {
        let mut ids = Vec::new();
        let mut at = self.at;
        while let Some(m) = at.and_then(|i| self.set.groups.get(i)) {
            ids.push(m.group_id.to_string());
            at = m.via.map(|v| v as usize);
        }
        ids.reverse();
        ids
    }
}

/// Up to this many groups a set looks ids up by going through its list; past it, by a map built on first
/// use. Most principals are in a few groups, and a bulk query builds a set for each of thousands.
const LISTED: usize = 24;

/// The principal and every group it is (transitively) in.
#[derive(Debug, Clone, Default)]
pub struct PrincipalSet {
    pub principal_id: String,
    pub groups: Vec<Membership>,
    by_id: std::sync::OnceLock<FxHashMap<Arc<str>, usize>>,
}

impl PrincipalSet {
    /// Whether `id` is the principal or one of its groups, and if so how it is reached.
    pub fn reach(&self, id: &str) -> Option<Chain<'_>> {
        if id == self.principal_id {
            return Some(Chain {
                set: self,
                at: None,
            });
        }
        let at = if self.groups.len() <= LISTED {
            self.groups.iter().position(|m| &*m.group_id == id)
        } else {
            self.by_id
                .get_or_init(|| {
                    let mut map = FxHashMap::default();
                    for (i, m) in self.groups.iter().enumerate() {
                        map.entry(m.group_id.clone()).or_insert(i);
                    }
                    map
                })
                .get(id)
                .copied()
        }?;
        Some(Chain {
            set: self,
            at: Some(at),
        })
    }

    /// The chain to the `i`-th group of [`PrincipalSet::groups`].
    pub fn chain_to(&self, i: usize) -> Chain<'_> {
        Chain {
            set: self,
            at: Some(i),
        }
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.principal_id.as_str()).chain(self.groups.iter().map(|g| &*g.group_id))
    }
}

/// Maps keyed by ids and scope keys. They hash with FxHash: the keys come from the snapshot being read, not from
/// someone who could choose them to collide, and SipHash over long scope keys was a good part of building a
/// large tenant's index.
#[derive(Debug, Default)]
pub struct Index {
    /// Shared with the index of the snapshot a what-if copy was made from when their principals are one
    /// list (see [`Index::build_beside`]); the same for `memberships`.
    pub principal: Arc<FxHashMap<String, usize>>,
    pub principal_by_app: FxHashMap<String, usize>,
    memberships: Arc<Memberships>,
    mg_parent: FxHashMap<String, Scope>,
    subscription_parent: FxHashMap<String, Scope>,
    tenant_root: Option<Scope>,
    pub role_definition: FxHashMap<String, usize>,
    /// [`Index::role_of`] and [`Index::holder_of`] each role assignment, by position.
    assignment_role: Vec<Option<u32>>,
    assignment_holder: Vec<u32>,
    pub assignments_at: FxHashMap<String, Vec<usize>>,
    pub assignments_of: FxHashMap<String, Vec<usize>>,
    pub eligibilities_at: FxHashMap<String, Vec<usize>>,
    pub denies_at: FxHashMap<String, Vec<usize>>,
    pub vault: FxHashMap<String, usize>,
    pub errors_at: FxHashMap<String, Vec<usize>>,
    pub items_of: FxHashMap<String, Vec<usize>>,
    /// Object ids named anywhere (assignments, policies, memberships) but absent from `principals`.
    pub referenced_ids: FxHashSet<String>,
    /// What each membership-graph node stands for, by node.
    node_kinds: Vec<NodeKind>,
}

/// What a membership-graph node stands for. Decided once when the index is built: bulk queries classify
/// tens of thousands of nodes per question, and each decision took three lookups of the id's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeKind {
    /// A group: it has members, or the directory lists it as one.
    Group,
    /// An id that grants or memberships name but the directory lacks.
    Absent,
    /// An identity, with its position in the principals when the directory holds it (for an id listed twice,
    /// the position [`Index::principal`] holds).
    Identity(Option<u32>),
}

fn node_kinds(
    s: &Snapshot,
    memberships: &Memberships,
    principal: &FxHashMap<String, usize>,
    referenced: &FxHashSet<String>,
) -> Vec<NodeKind> {
    (0u32..)
        .zip(memberships.ids())
        .map(|(n, id)| {
            let listed = principal.get(id).copied();
            let listed_group = listed
                .and_then(|i| s.principals.get(i))
                .is_some_and(|p| p.kind == crate::model::PrincipalKind::Group);
            if memberships.node_has_members(n) || listed_group {
                NodeKind::Group
            } else if listed.is_none() && referenced.contains(id) {
                NodeKind::Absent
            } else {
                NodeKind::Identity(listed.and_then(|i| u32::try_from(i).ok()))
            }
        })
        .collect()
}

fn push(map: &mut FxHashMap<String, Vec<usize>>, key: &str, i: usize) {
    // Most keys repeat (many assignments per scope): allocate the key only the first time.
    match map.get_mut(key) {
        Some(list) => list.push(i),
        None => {
            map.insert(key.to_string(), vec![i]);
        }
    }
}

/// `map[key]` gets the positions of `key` in `keys`, ascending. Scopes loaded from a file share their text, so
/// positions are first grouped by where the key is stored, without hashing or comparing the text; then each
/// distinct key is looked up once. Equal keys stored apart still end up in one entry.
fn push_all<'k>(keys: impl Iterator<Item = &'k str>) -> FxHashMap<String, Vec<usize>> {
    let mut map = FxHashMap::default();
    let mut groups: FxHashMap<(usize, usize), usize> = FxHashMap::default();
    let mut lists: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, key) in keys.enumerate() {
        let at = *groups
            .entry((key.as_ptr() as usize, key.len()))
            .or_insert_with(|| {
                lists.push((key, Vec::new()));
                lists.len() - 1
            });
        if let Some((_, list)) = lists.get_mut(at) {
            list.push(i);
        }
    }
    map.reserve(lists.len());
    for (key, list) in lists {
        match map.get_mut(key) {
            Some(existing) => {
                let existing: &mut Vec<usize> = existing;
                existing.extend(list);
                existing.sort_unstable();
            }
            None => {
                map.insert(key.to_string(), list);
            }
        }
    }
    map
}

/// The object ids the snapshot names (see [`Index::referenced_ids`]) that are not in `principal`, each once.
fn unknown<'a>(
    named: impl Iterator<Item = &'a str>,
    principal: &FxHashMap<String, usize>,
) -> FxHashSet<String> {
    let mut out = FxHashSet::default();
    for id in named {
        if !principal.contains_key(id) && !out.contains(id) {
            out.insert(id.to_string());
        }
    }
    out
}

/// The other maps (the directory but its principals, the hierarchy, vaults and their items): built on one
/// thread while [`Placement`] is built on another.
#[derive(Default)]
struct Directory {
    principal_by_app: FxHashMap<String, usize>,
    memberships: Arc<Memberships>,
    mg_parent: FxHashMap<String, Scope>,
    subscription_parent: FxHashMap<String, Scope>,
    role_definition: FxHashMap<String, usize>,
    vault: FxHashMap<String, usize>,
    errors_at: FxHashMap<String, Vec<usize>>,
    items_of: FxHashMap<String, Vec<usize>>,
    /// Ids named by memberships and access policies but not in `principals`.
    unknown: FxHashSet<String>,
}

impl Directory {
    fn build(
        s: &Snapshot,
        principal: &FxHashMap<String, usize>,
        memberships: Option<Arc<Memberships>>,
    ) -> Self {
        let mut ix = Directory::default();
        for (i, p) in s.principals.iter().enumerate() {
            if let Some(app) = &p.app_id {
                ix.principal_by_app.entry(app.clone()).or_insert(i);
            }
        }
        ix.memberships =
            memberships.unwrap_or_else(|| Arc::new(Memberships::build(&s.group_memberships)));
        for g in &s.management_groups {
            if let Some(parent) = &g.parent {
                ix.mg_parent
                    .insert(g.scope.key().to_string(), parent.clone());
            }
            for sub in &g.subscription_ids {
                ix.subscription_parent
                    .entry(sub.clone())
                    .or_insert_with(|| g.scope.clone());
            }
        }
        for (i, d) in s.role_definitions.iter().enumerate() {
            ix.role_definition.entry(d.guid.clone()).or_insert(i);
        }
        ix.vault.reserve(s.vaults.len());
        for (i, v) in s.vaults.iter().enumerate() {
            ix.vault.insert(v.scope.key().to_string(), i);
        }
        for (i, e) in s.collection_errors.iter().enumerate() {
            push(&mut ix.errors_at, e.scope.key(), i);
        }
        ix.items_of = push_all(s.vault_items.iter().map(|i| i.vault.key()));
        let named = ix.memberships.ids().chain(
            s.vaults
                .iter()
                .flat_map(|v| v.access_policies.iter().map(|p| p.object_id.as_str())),
        );
        ix.unknown = unknown(named, principal);
        ix
    }
}

/// Where assignments and deny assignments sit, and whom assignments name.
struct Placement {
    assignments_at: FxHashMap<String, Vec<usize>>,
    assignments_of: FxHashMap<String, Vec<usize>>,
    eligibilities_at: FxHashMap<String, Vec<usize>>,
    denies_at: FxHashMap<String, Vec<usize>>,
    assignment_role: Vec<Option<u32>>,
    /// Ids named by assignments and eligibilities but not in `principals`.
    unknown: FxHashSet<String>,
}

impl Placement {
    fn build(s: &Snapshot, principal: &FxHashMap<String, usize>) -> Self {
        let mut assignments_of = FxHashMap::default();
        assignments_of.reserve(s.role_assignments.len() / 2);
        for (i, a) in s.role_assignments.iter().enumerate() {
            push(&mut assignments_of, a.principal_id.as_str(), i);
        }
        // Each distinct id once: the assignment map already holds them as keys.
        let named = assignments_of
            .keys()
            .map(String::as_str)
            .chain(s.role_eligibilities.iter().map(|a| a.principal_id.as_str()));
        let unknown = unknown(named, principal);
        Placement {
            assignments_at: push_all(s.role_assignments.iter().map(|a| a.scope.key())),
            assignments_of,
            eligibilities_at: push_all(s.role_eligibilities.iter().map(|a| a.scope.key())),
            denies_at: push_all(s.deny_assignments.iter().map(|d| d.scope.key())),
            assignment_role: by_assignment::roles(s),
            unknown,
        }
    }
}

impl Index {
    /// Builds the maps on two threads: apart from the principals, which both use, they are independent of
    /// each other, and loading a large tenant is something users wait for.
    pub fn build(s: &Snapshot) -> Self {
        Self::build_beside(s, None)
    }

    /// [`Index::build`] for `s`, taking from `beside` (another snapshot and its index, the one a what-if
    /// copy was made from) the lookups over the sections both hold as one list: the principals' and the
    /// membership graph. The index is the one [`Index::build`] gives.
    pub fn build_beside(s: &Snapshot, beside: Option<(&Snapshot, &Index)>) -> Self {
        let principal = match beside {
            Some((b, ix)) if b.principals.same(&s.principals) => ix.principal.clone(),
            _ => {
                let mut principal = FxHashMap::default();
                principal.reserve(s.principals.len());
                for (i, p) in s.principals.iter().enumerate() {
                    principal.insert(p.id.clone(), i);
                }
                Arc::new(principal)
            }
        };
        let memberships = beside
            .filter(|(b, _)| b.group_memberships.same(&s.group_memberships))
            .map(|(_, ix)| ix.memberships.clone());
        let (placement, directory) = crate::parallel::both(
            || Placement::build(s, &principal),
            || Directory::build(s, &principal, memberships),
        );
        let (mut referenced, more) = if directory.unknown.len() >= placement.unknown.len() {
            (directory.unknown, placement.unknown)
        } else {
            (placement.unknown, directory.unknown)
        };
        referenced.extend(more);
        let node_kinds = node_kinds(s, &directory.memberships, &principal, &referenced);
        Index {
            principal,
            principal_by_app: directory.principal_by_app,
            memberships: directory.memberships,
            mg_parent: directory.mg_parent,
            subscription_parent: directory.subscription_parent,
            tenant_root: s.tenant_id.as_ref().and_then(|t| {
                Scope::parse(&format!(
                    "/providers/Microsoft.Management/managementGroups/{t}"
                ))
                .ok()
            }),
            role_definition: directory.role_definition,
            assignment_role: placement.assignment_role,
            assignment_holder: by_assignment::holders(&placement.assignments_of, s),
            assignments_at: placement.assignments_at,
            assignments_of: placement.assignments_of,
            eligibilities_at: placement.eligibilities_at,
            denies_at: placement.denies_at,
            vault: directory.vault,
            errors_at: directory.errors_at,
            items_of: directory.items_of,
            referenced_ids: referenced,
            node_kinds,
        }
    }

    /// What membership-graph node `node` stands for.
    pub(crate) fn node_kind(&self, node: u32) -> NodeKind {
        self.node_kinds
            .get(node as usize)
            .copied()
            .unwrap_or(NodeKind::Identity(None))
    }

    /// The principal and its transitive groups, breadth first so each chain is a shortest one.
    pub fn principal_set(&self, principal_id: &str) -> PrincipalSet {
        let mut set = PrincipalSet {
            principal_id: principal_id.to_string(),
            ..PrincipalSet::default()
        };
        let Some(start) = self.memberships.node(principal_id) else {
            return set;
        };
        set.groups = self
            .memberships
            .groups_above(start)
            .into_iter()
            .map(|(group, via)| Membership {
                group_id: self.memberships.shared_name(group),
                via,
            })
            .collect();
        set
    }

    /// Every object (transitively) inside a group, with the chain from the member up to `group_id`.
    pub fn transitive_members(&self, group_id: &str) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        let mut seen: HashSet<&str> = HashSet::from([group_id]);
        let mut queue: VecDeque<(&str, Vec<String>)> =
            VecDeque::from([(group_id, vec![group_id.to_string()])]);
        while let Some((group, chain)) = queue.pop_front() {
            for member in self.memberships.members_of(group) {
                if !seen.insert(member) {
                    continue;
                }
                out.push((member.to_string(), chain.clone()));
                if self.memberships.has_members(member) {
                    let mut next = vec![member.to_string()];
                    next.extend(chain.iter().cloned());
                    queue.push_back((member, next));
                }
            }
        }
        out
    }

    pub fn is_group_with_members(&self, id: &str) -> bool {
        self.memberships.has_members(id)
    }

    /// The membership graph, for the bulk queries' walks over interned ids.
    pub(crate) fn memberships(&self) -> &Memberships {
        &self.memberships
    }

    /// The target and every scope above it, up to the root.
    pub fn ancestry(&self, target: &Scope) -> Ancestry {
        let mut scopes = Vec::new();
        let mut unplaced_subscription = false;
        let mut current = Some(target.clone());
        let mut seen = HashSet::new();
        while let Some(scope) = current.take() {
            if !seen.insert(scope.key().to_string()) {
                break; // a cycle in the management-group parents
            }
            current = match scope.kind() {
                ScopeKind::Root => None,
                ScopeKind::ManagementGroup => self
                    .mg_parent
                    .get(scope.key())
                    .cloned()
                    .or_else(|| self.tenant_root_above(&scope)),
                ScopeKind::Subscription => {
                    let parent = scope
                        .subscription()
                        .and_then(|s| self.subscription_parent.get(s))
                        .cloned();
                    unplaced_subscription = parent.is_none();
                    parent
                        .or_else(|| self.tenant_root.clone())
                        .or_else(|| Some(Scope::root()))
                }
                _ => scope.structural_parent(),
            };
            scopes.push(scope);
        }
        if scopes.last().is_some_and(|s| s.kind() != ScopeKind::Root) {
            scopes.push(Scope::root());
        }
        Ancestry {
            scopes,
            unplaced_subscription,
        }
    }

    /// Above a management group with no recorded parent: the tenant root group (unless this is it), then `/`.
    fn tenant_root_above(&self, scope: &Scope) -> Option<Scope> {
        match &self.tenant_root {
            Some(root) if root != scope => Some(root.clone()),
            _ => Some(Scope::root()),
        }
    }
}
