//! Identities that the same holders reach at a vault decide the same there, in both snapshots: a decision
//! is made from the grants, deny assignments and access-policy entries naming the identity or one of its
//! groups (see `affected`). So the identities compared at a vault are sorted into classes by the set of
//! named ids (holders) that reach them before and after, and one member per class is compared. An identity
//! whose groups are not known in either snapshot is a class of its own (its answer names it).

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::*;

/// The identities of one class at one vault, sorted; the first is the one compared.
pub(super) type Members = Arc<Vec<String>>;

impl<'a> Run<'_, 'a> {
    /// The ids (principals and groups, not expanded) named at the vault: by role and deny assignments at
    /// its scopes and items and above, and by its access-policy entries, in either snapshot.
    pub(super) fn named_at(&mut self, vault: &Scope, targets: &[TargetPair]) -> BTreeSet<String> {
        let (eb, ea) = (self.eb, self.ea);
        let mut ids: BTreeSet<String> = BTreeSet::new();
        let mut unplaced = false;
        for e in [eb, ea] {
            for t in targets {
                let ancestry = e.index.ancestry(&t.scope);
                unplaced |= ancestry.unplaced_subscription;
                for sc in &ancestry.scopes {
                    for &i in e.index.assignments_at.get(sc.key()).into_iter().flatten() {
                        if let Some(a) = e.snapshot.role_assignments.get(i) {
                            ids.insert(a.principal_id.clone());
                        }
                    }
                    for &i in e.index.denies_at.get(sc.key()).into_iter().flatten() {
                        if let Some(d) = e.snapshot.deny_assignments.get(i) {
                            ids.extend(d.principals.iter().chain(&d.exclude_principals).cloned());
                        }
                    }
                }
            }
            if let Some(v) = self.vault_in(e, vault.key()) {
                ids.extend(v.access_policies.iter().map(|p| p.object_id.clone()));
            }
        }
        if unplaced {
            let mg = self.mg_named.get_or_insert_with(|| {
                let mut out = BTreeSet::new();
                for e in [eb, ea] {
                    let s = &*e.snapshot;
                    out.extend(
                        s.role_assignments
                            .iter()
                            .filter(|a| a.scope.kind() == ScopeKind::ManagementGroup)
                            .map(|a| a.principal_id.clone()),
                    );
                    for d in s
                        .deny_assignments
                        .iter()
                        .filter(|d| d.scope.kind() == ScopeKind::ManagementGroup)
                    {
                        out.extend(d.principals.iter().chain(&d.exclude_principals).cloned());
                    }
                }
                out
            });
            ids.extend(mg.iter().cloned());
        }
        ids.remove(EVERYONE);
        ids
    }

    /// The plan's identities sorted into classes, each sorted, the classes in the order of their first
    /// member.
    pub(super) fn classes(&mut self, plan: &VaultPlan<'a>) -> Vec<Members> {
        let (eb, ea) = (self.eb, self.ea);
        let named = self.named_at(&plan.scope, &plan.targets);
        let gaps = directory_gaps(&eb.snapshot) || directory_gaps(&ea.snapshot);
        let mut reached: FxHashMap<&str, Vec<u32>> = plan
            .ids
            .iter()
            .map(|id| (id.as_str(), Vec::new()))
            .collect();
        for (n, id) in (0u32..).zip(&named) {
            for (side, e) in (0u32..).zip([eb, ea]) {
                let tag = n << 1 | side;
                if e.is_group(id) {
                    each_member(e, id, |m| {
                        if let Some(list) = reached.get_mut(m) {
                            list.push(tag);
                        }
                    });
                } else if let Some(list) = reached.get_mut(id.as_str()) {
                    list.push(tag);
                }
            }
        }
        let kind = |e: &Engine, id: &str| {
            e.index
                .principal
                .get(id)
                .and_then(|&i| e.snapshot.principals.get(i))
                .map(|p| p.kind)
        };
        let mut by_key: FxHashMap<(Vec<u32>, [Option<crate::model::PrincipalKind>; 2]), usize> =
            FxHashMap::default();
        let mut out: Vec<Vec<String>> = Vec::new();
        for id in &plan.ids {
            let kinds = [kind(eb, id), kind(ea, id)];
            // Without known groups, the answer names the identity (`unknown` because of its memberships).
            if gaps || kinds.iter().any(Option::is_none) {
                out.push(vec![id.clone()]);
                continue;
            }
            let mut key = reached.remove(id.as_str()).unwrap_or_default();
            key.sort_unstable();
            key.dedup();
            match by_key.get(&(key.clone(), kinds)) {
                Some(&at) => {
                    if let Some(c) = out.get_mut(at) {
                        c.push(id.clone());
                    }
                }
                None => {
                    by_key.insert((key, kinds), out.len());
                    out.push(vec![id.clone()]);
                }
            }
        }
        self.stats.classes += out.len();
        out.into_iter().map(Arc::new).collect()
    }
}

/// Every transitive member of group `id` (groups included), each once.
fn each_member(e: &Engine, id: &str, mut f: impl FnMut(&str)) {
    let graph = e.index.memberships();
    let mut seen: FxHashSet<&str> = FxHashSet::default();
    seen.insert(id);
    let mut stack = vec![id];
    while let Some(g) = stack.pop() {
        for m in graph.members_of(g) {
            if seen.insert(m) {
                f(m);
                if graph.has_members(m) {
                    stack.push(m);
                }
            }
        }
    }
}
