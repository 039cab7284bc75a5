//! Which vaults lie below a scope, in either snapshot of a what-if (a scope may exist in one only).

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::eval::Engine;
use crate::model::{Scope, ScopeKind};

/// Vaults below scopes, in either snapshot.
pub(super) struct Coverage<'e> {
    engines: [&'e Engine; 2],
    below: Option<HashMap<String, Vec<String>>>,
    unplaced: Vec<String>,
    pub(super) vaults: HashSet<String>,
}

impl<'e> Coverage<'e> {
    pub(super) fn new(engines: [&'e Engine; 2]) -> Self {
        let vaults = engines
            .iter()
            .flat_map(|e| e.snapshot.vaults.iter().map(|v| v.scope.key().to_string()))
            .collect();
        Self {
            engines,
            below: None,
            unplaced: Vec::new(),
            vaults,
        }
    }

    pub(super) fn build_below(&mut self) -> &HashMap<String, Vec<String>> {
        let [eb, ea] = self.engines;
        let unplaced = &mut self.unplaced;
        self.below.get_or_insert_with(|| {
            // The ancestry of a scope depends only on the management-group hierarchy: when both snapshots
            // share it, one pass over the vaults serves both.
            let same = eb.snapshot.tenant_id == ea.snapshot.tenant_id
                && eb.snapshot.management_groups == ea.snapshot.management_groups;
            let hierarchies: &[&Engine] = if same { &[ea] } else { &[eb, ea] };
            let mut seen = HashSet::new();
            let vaults: Vec<&Scope> = ea
                .snapshot
                .vaults
                .iter()
                .chain(&eb.snapshot.vaults)
                .map(|v| &v.scope)
                .filter(|s| seen.insert(s.key()))
                .collect();
            let mut map: HashMap<String, Vec<String>> = HashMap::new();
            for e in hierarchies {
                for v in &vaults {
                    let ancestry = e.index.ancestry(v);
                    if ancestry.unplaced_subscription {
                        unplaced.push(v.key().to_string());
                    }
                    for s in ancestry.scopes.iter().skip(1) {
                        match map.get_mut(s.key()) {
                            Some(list) => list.push(v.key().to_string()),
                            None => {
                                map.insert(s.key().to_string(), vec![v.key().to_string()]);
                            }
                        }
                    }
                }
            }
            for list in map.values_mut() {
                list.sort();
                list.dedup();
            }
            unplaced.sort();
            unplaced.dedup();
            map
        })
    }

    /// Vault keys at or below `scope` (a management group also reaches vaults of unplaced subscriptions).
    pub(super) fn vaults_under(&mut self, scope: &Scope) -> Vec<String> {
        if let Some(v) = scope.vault() {
            return if self.vaults.contains(v.key()) {
                vec![v.key().to_string()]
            } else {
                Vec::new()
            };
        }
        if !matches!(
            scope.kind(),
            ScopeKind::Root
                | ScopeKind::ManagementGroup
                | ScopeKind::Subscription
                | ScopeKind::ResourceGroup
        ) {
            return Vec::new();
        }
        let mut out = self
            .build_below()
            .get(scope.key())
            .cloned()
            .unwrap_or_default();
        if scope.kind() == ScopeKind::ManagementGroup {
            out.extend(self.unplaced.iter().cloned());
        }
        out
    }

    /// For each of `ids`, the vault keys where it is named: by a role assignment, an access-policy entry
    /// or a deny assignment, in either snapshot. One pass over the policies and deny assignments serves
    /// every id.
    pub(super) fn vaults_naming(
        &mut self,
        ids: &HashSet<String>,
    ) -> HashMap<String, BTreeSet<String>> {
        let mut out: HashMap<String, BTreeSet<String>> = HashMap::new();
        let engines = self.engines;
        for e in engines {
            let mut named: Vec<(&str, Scope)> = Vec::new();
            for id in ids {
                for a in e
                    .index
                    .assignments_of
                    .get(id)
                    .into_iter()
                    .flatten()
                    .filter_map(|&i| e.snapshot.role_assignments.get(i))
                {
                    named.push((id, a.scope.clone()));
                }
            }
            for d in &e.snapshot.deny_assignments {
                for p in d.principals.iter().chain(&d.exclude_principals) {
                    if let Some(id) = ids.get(p) {
                        named.push((id, d.scope.clone()));
                    }
                }
            }
            for (id, scope) in named {
                let vaults = self.vaults_under(&scope);
                out.entry(id.to_string()).or_default().extend(vaults);
            }
            for v in &e.snapshot.vaults {
                for p in &v.access_policies {
                    if ids.contains(&p.object_id) {
                        out.entry(p.object_id.clone())
                            .or_default()
                            .insert(v.scope.key().to_string());
                    }
                }
            }
        }
        out
    }
}
