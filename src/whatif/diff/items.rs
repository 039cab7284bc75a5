//! The vault items whose decisions can differ from their vault's.

use super::*;

/// Item scopes with role or deny assignments (or collection errors) of their own, per vault key: the items
/// whose decisions can differ from their vault's. Every item of a vault with a deny assignment that does
/// not reach children is one too, and every secret below an assignment whose condition tests the secret's
/// name.
pub(super) fn special_items(eb: &Engine, ea: &Engine) -> HashMap<String, BTreeMap<String, Scope>> {
    let mut map: HashMap<String, BTreeMap<String, Scope>> = HashMap::new();
    for e in [eb, ea] {
        let s = &*e.snapshot;
        // One scope per distinct assignment scope (the index groups them), not per assignment.
        let scopes = e
            .index
            .assignments_at
            .values()
            .filter_map(|list| list.first())
            .filter_map(|&i| s.role_assignments.get(i))
            .map(|a| &a.scope)
            .chain(s.deny_assignments.iter().map(|d| &d.scope))
            .chain(s.collection_errors.iter().map(|c| &c.scope));
        for sc in scopes {
            if let (ScopeKind::VaultItem(_), Some(v)) = (sc.kind(), sc.vault()) {
                map.entry(v.key().to_string())
                    .or_default()
                    .insert(sc.key().to_string(), sc.clone());
            }
        }
        // A condition on the secret's name decides each secret apart (docs/semantics.md D10): every listed
        // secret below such an assignment can differ from its vault.
        for a in s.role_assignments.iter().filter(|a| {
            a.condition
                .as_deref()
                .is_some_and(crate::eval::condition::names_the_secret)
        }) {
            for v in s
                .vaults
                .iter()
                .filter(|v| e.index.ancestry(&v.scope).contains(a.scope.key()))
            {
                let items = e.index.items_of.get(v.scope.key()).into_iter().flatten();
                let entry = map.entry(v.scope.key().to_string()).or_default();
                for item in items.filter_map(|&i| s.vault_items.get(i)) {
                    if item.scope.kind() == ScopeKind::VaultItem(crate::model::ItemKind::Secrets) {
                        entry.insert(item.scope.key().to_string(), item.scope.clone());
                    }
                }
            }
        }
        for d in s
            .deny_assignments
            .iter()
            .filter(|d| d.do_not_apply_to_child_scopes && d.scope.kind() == ScopeKind::Vault)
        {
            let items = e.index.items_of.get(d.scope.key()).into_iter().flatten();
            let entry = map.entry(d.scope.key().to_string()).or_default();
            for item in items.filter_map(|&i| s.vault_items.get(i)) {
                entry.insert(item.scope.key().to_string(), item.scope.clone());
            }
        }
    }
    map
}
