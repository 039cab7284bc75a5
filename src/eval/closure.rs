//! Precomputed lookups over a snapshot: who is in which group (transitively, cycle-safe), which scopes
//! contain which (including the management-group hierarchy), and which assignments sit where.

use std::collections::{HashMap, HashSet, VecDeque};

use crate::model::{Scope, ScopeKind, Snapshot};

/// A group the principal belongs to, with the chain that reaches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub group_id: String,
    /// From the directly joined group to `group_id` inclusive.
    pub chain: Vec<String>,
}

/// The principal and every group it is (transitively) in.
#[derive(Debug, Clone, Default)]
pub struct PrincipalSet {
    pub principal_id: String,
    pub groups: Vec<Membership>,
    by_id: HashMap<String, usize>,
}

impl PrincipalSet {
    /// Whether `id` is the principal or one of its groups, and if so the group chain (empty for itself).
    pub fn reach(&self, id: &str) -> Option<&[String]> {
        if id == self.principal_id {
            return Some(&[]);
        }
        self.by_id
            .get(id)
            .and_then(|&i| self.groups.get(i))
            .map(|m| m.chain.as_slice())
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.principal_id.as_str())
            .chain(self.groups.iter().map(|g| g.group_id.as_str()))
    }
}

/// The scopes that contain a target, the target first, the root last.
#[derive(Debug, Clone)]
pub struct Ancestry {
    pub scopes: Vec<Scope>,
    /// The target's subscription is not placed in any management group the snapshot lists, so grants at
    /// management groups other than the tenant root cannot be attributed.
    pub unplaced_subscription: bool,
}

impl Ancestry {
    pub fn contains(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// How far above the target a scope is (0 = the target itself).
    pub fn position(&self, key: &str) -> Option<usize> {
        self.scopes.iter().position(|s| s.key() == key)
    }
}

#[derive(Debug, Default)]
pub struct Index {
    pub principal: HashMap<String, usize>,
    pub principal_by_app: HashMap<String, usize>,
    member_of: HashMap<String, Vec<String>>,
    members: HashMap<String, Vec<String>>,
    mg_parent: HashMap<String, Scope>,
    subscription_parent: HashMap<String, Scope>,
    tenant_root: Option<Scope>,
    pub role_definition: HashMap<String, usize>,
    pub assignments_at: HashMap<String, Vec<usize>>,
    pub assignments_of: HashMap<String, Vec<usize>>,
    pub eligibilities_at: HashMap<String, Vec<usize>>,
    pub denies_at: HashMap<String, Vec<usize>>,
    pub vault: HashMap<String, usize>,
    pub errors_at: HashMap<String, Vec<usize>>,
    pub items_of: HashMap<String, Vec<usize>>,
    /// Object ids named anywhere (assignments, policies, memberships) but absent from `principals`.
    pub referenced_ids: HashSet<String>,
}

fn edge(map: &mut HashMap<String, Vec<String>>, key: &str, to: &str) {
    match map.get_mut(key) {
        Some(list) => list.push(to.to_string()),
        None => {
            map.insert(key.to_string(), vec![to.to_string()]);
        }
    }
}

fn push(map: &mut HashMap<String, Vec<usize>>, key: &str, i: usize) {
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
fn push_all<'k>(map: &mut HashMap<String, Vec<usize>>, keys: impl Iterator<Item = &'k str>) {
    let mut groups: HashMap<(usize, usize), usize> = HashMap::new();
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
    for (key, list) in lists {
        match map.get_mut(key) {
            Some(existing) => {
                existing.extend(list);
                existing.sort_unstable();
            }
            None => {
                map.insert(key.to_string(), list);
            }
        }
    }
}

impl Index {
    pub fn build(s: &Snapshot) -> Self {
        let mut ix = Index::default();
        // Sized up front: rehashing maps of long string keys is a good part of building a large index.
        ix.principal.reserve(s.principals.len());
        ix.member_of.reserve(s.principals.len());
        ix.assignments_at.reserve(s.role_assignments.len() / 4);
        ix.assignments_of.reserve(s.role_assignments.len() / 2);
        for (i, p) in s.principals.iter().enumerate() {
            ix.principal.insert(p.id.clone(), i);
            if let Some(app) = &p.app_id {
                ix.principal_by_app.entry(app.clone()).or_insert(i);
            }
        }
        for m in &s.group_memberships {
            edge(&mut ix.member_of, &m.member_id, &m.group_id);
            edge(&mut ix.members, &m.group_id, &m.member_id);
        }
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
        ix.tenant_root = s.tenant_id.as_ref().and_then(|t| {
            Scope::parse(&format!(
                "/providers/Microsoft.Management/managementGroups/{t}"
            ))
            .ok()
        });
        for (i, d) in s.role_definitions.iter().enumerate() {
            ix.role_definition.entry(d.guid.clone()).or_insert(i);
        }
        push_all(
            &mut ix.assignments_at,
            s.role_assignments.iter().map(|a| a.scope.key()),
        );
        for (i, a) in s.role_assignments.iter().enumerate() {
            push(&mut ix.assignments_of, a.principal_id.as_str(), i);
        }
        push_all(
            &mut ix.eligibilities_at,
            s.role_eligibilities.iter().map(|a| a.scope.key()),
        );
        push_all(
            &mut ix.denies_at,
            s.deny_assignments.iter().map(|d| d.scope.key()),
        );
        for (i, v) in s.vaults.iter().enumerate() {
            ix.vault.insert(v.scope.key().to_string(), i);
        }
        for (i, e) in s.collection_errors.iter().enumerate() {
            push(&mut ix.errors_at, e.scope.key(), i);
        }
        push_all(
            &mut ix.items_of,
            s.vault_items.iter().map(|i| i.vault.key()),
        );
        // Each distinct id once: the assignment and membership maps above already hold them as keys.
        let named = ix
            .assignments_of
            .keys()
            .chain(ix.member_of.keys())
            .chain(ix.members.keys())
            .chain(
                s.vaults
                    .iter()
                    .flat_map(|v| v.access_policies.iter().map(|p| &p.object_id)),
            )
            .chain(s.role_eligibilities.iter().map(|a| &a.principal_id));
        let mut referenced = HashSet::new();
        for id in named {
            if !ix.principal.contains_key(id) && !referenced.contains(id) {
                referenced.insert(id.clone());
            }
        }
        ix.referenced_ids = referenced;
        ix
    }

    /// The principal and its transitive groups, breadth first so each chain is a shortest one.
    pub fn principal_set(&self, principal_id: &str) -> PrincipalSet {
        let mut set = PrincipalSet {
            principal_id: principal_id.to_string(),
            ..PrincipalSet::default()
        };
        let mut queue: VecDeque<(String, Vec<String>)> = VecDeque::new();
        queue.push_back((principal_id.to_string(), Vec::new()));
        while let Some((id, chain)) = queue.pop_front() {
            for group in self.member_of.get(&id).into_iter().flatten() {
                if group == principal_id || set.by_id.contains_key(group) {
                    continue; // cycles and diamonds: first (shortest) chain wins
                }
                let mut next = chain.clone();
                next.push(group.clone());
                set.by_id.insert(group.clone(), set.groups.len());
                set.groups.push(Membership {
                    group_id: group.clone(),
                    chain: next.clone(),
                });
                queue.push_back((group.clone(), next));
            }
        }
        set
    }

    /// Every object (transitively) inside a group, with the chain from the member up to `group_id`.
    pub fn transitive_members(&self, group_id: &str) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        let mut seen: HashSet<&str> = HashSet::from([group_id]);
        let mut queue: VecDeque<(&str, Vec<String>)> =
            VecDeque::from([(group_id, vec![group_id.to_string()])]);
        while let Some((group, chain)) = queue.pop_front() {
            for member in self.members.get(group).into_iter().flatten() {
                if !seen.insert(member.as_str()) {
                    continue;
                }
                out.push((member.clone(), chain.clone()));
                if self.members.contains_key(member) {
                    let mut next = vec![member.clone()];
                    next.extend(chain.iter().cloned());
                    queue.push_back((member.as_str(), next));
                }
            }
        }
        out
    }

    pub fn is_group_with_members(&self, id: &str) -> bool {
        self.members.contains_key(id)
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
