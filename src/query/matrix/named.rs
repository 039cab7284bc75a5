//! The vaults where a principal may hold something: those under a scope where a role assignment names it or
//! one of its groups, those whose access-policy entries name them, and those where an answer may be
//! "unknown" whatever names it (docs/semantics.md §6). Everywhere else nothing grants, so every operation
//! is denied (a deny only takes away, §2): a principal's access across many vaults needs only these rows.

use rustc_hash::FxHashMap;

use super::{Cell, PrincipalCells};
use crate::eval::decide::Row;
use crate::eval::index::Ancestry;
use crate::eval::{Engine, Subject, Target};
use crate::model::{Scope, Topic, Vault};

/// Vaults by what can name a principal there, gathered once for many principals.
#[derive(Debug, Default)]
pub struct NamedVaults {
    /// Vault positions by the key of every scope at or above them.
    under: FxHashMap<String, Vec<usize>>,
    /// Vault positions by the object ids their access-policy entries name.
    entries_of: FxHashMap<String, Vec<usize>>,
    /// Vaults where the answer may be "unknown" with nothing naming the principal: role assignments or
    /// access policies not read at or above them, a subscription in no known management group (its
    /// management groups' grants may reach them), the vault's properties missing.
    always: Vec<usize>,
    /// Per vault: no deny assignment, collection error or unplaced subscription at or above it and its
    /// properties known, so a principal's row there rests only on the grants naming it (see [`super::alike`]).
    pub(super) quiet: Vec<bool>,
    /// Per vault: its ancestry, worked out here once for every principal asked (rows and targets there).
    ancestry: Vec<Ancestry>,
}

impl NamedVaults {
    pub fn new(engine: &Engine) -> Self {
        let mut named = Self::default();
        // The ancestry above each vault's parent (its resource group), worked out once for its vaults.
        let mut above: FxHashMap<String, Ancestry> = FxHashMap::default();
        for (at, vault) in engine.snapshot.vaults.iter().enumerate() {
            let ancestry = ancestry_below(engine, &vault.scope, &mut above);
            let none_at = |map: &FxHashMap<String, Vec<usize>>| {
                ancestry
                    .scopes
                    .iter()
                    .all(|s| map.get(s.key()).is_none_or(Vec::is_empty))
            };
            named.quiet.push(
                !vault.properties_missing
                    && !ancestry.unplaced_subscription
                    && none_at(&engine.index.denies_at)
                    && none_at(&engine.index.errors_at),
            );
            if vault.properties_missing
                || ancestry.unplaced_subscription
                || engine.has_gap(&ancestry, &Topic::ROLE_ASSIGNMENTS)
                || engine.has_gap(&ancestry, &Topic::AccessPolicies)
            {
                named.always.push(at);
            }
            for scope in &ancestry.scopes {
                match named.under.get_mut(scope.key()) {
                    Some(list) => list.push(at),
                    None => {
                        named.under.insert(scope.key().to_string(), vec![at]);
                    }
                }
            }
            // Looked up before inserting: a large tenant's vaults hold a hundred thousand entries, mostly
            // naming ids already seen, whose copies would be thrown away.
            for e in &vault.access_policies {
                match named.entries_of.get_mut(e.object_id.as_str()) {
                    Some(list) if list.last() == Some(&at) => {}
                    Some(list) => list.push(at),
                    None => {
                        named.entries_of.insert(e.object_id.clone(), vec![at]);
                    }
                }
            }
            named.ancestry.push(ancestry);
        }
        named
    }

    /// The ancestry of the vault at position `at` (`Index::ancestry` of its scope).
    pub fn ancestry(&self, at: usize) -> Option<&Ancestry> {
        self.ancestry.get(at)
    }

    /// `engine.target` of the vault at position `at`, whose scope is `scope`, from the ancestry kept here.
    pub fn target<'a>(&self, engine: &'a Engine, at: usize, scope: &Scope) -> Target<'a> {
        match self.ancestry(at) {
            Some(ancestry) => Target {
                scope: scope.clone(),
                ancestry: ancestry.clone(),
                vault: engine.vault_of(scope),
            },
            None => engine.target(scope),
        }
    }

    /// The positions, ascending, of the vaults where `subject` may hold something; `None` when that may be
    /// any vault (its groups are not known, so any grant may name it).
    pub fn of(&self, engine: &Engine, subject: &Subject) -> Option<Vec<usize>> {
        self.of_with(engine, subject, |_, _| {})
    }

    /// [`NamedVaults::of`], telling `named_at` the key of each scope where an assignment names the subject
    /// or its groups (once per such assignment) with the vaults under it, and (with `None`) the vaults whose
    /// access-policy entries name them.
    pub(super) fn of_with<'e>(
        &self,
        engine: &'e Engine,
        subject: &Subject,
        mut named_at: impl FnMut(Option<&'e str>, &[usize]),
    ) -> Option<Vec<usize>> {
        if !subject.groups_known {
            return None;
        }
        let s = &engine.snapshot;
        let mut out = self.always.clone();
        for id in subject.set.ids() {
            let assigned = engine.index.assignments_of.get(id).into_iter().flatten();
            for a in assigned.filter_map(|&i| s.role_assignments.get(i)) {
                let under = self.under.get(a.scope.key()).map_or(&[][..], Vec::as_slice);
                named_at(Some(a.scope.key()), under);
                out.extend(under);
            }
            let entries = self.entries_of.get(id).map_or(&[][..], Vec::as_slice);
            named_at(None, entries);
            out.extend(entries);
        }
        crate::positions::ascending_unique(&mut out, s.vaults.len());
        Some(out)
    }
}

/// `Index::ancestry` of `scope`: below a subscription, built on its structural parent's
/// ([`Ancestry::under`]), kept in `above` for the vaults beside it; from a subscription up, the index's own.
fn ancestry_below(
    engine: &Engine,
    scope: &Scope,
    above: &mut FxHashMap<String, Ancestry>,
) -> Ancestry {
    // A vault's parent is found by its key, built as a scope only for the first vault of each resource
    // group.
    if let Some(up) = scope.structural_parent_key().and_then(|key| above.get(key)) {
        return Ancestry::under(scope, up);
    }
    let Some(parent) = scope.structural_parent() else {
        return engine.index.ancestry(scope);
    };
    let up = above
        .entry(parent.key().to_string())
        .or_insert_with(|| engine.index.ancestry(&parent));
    Ancestry::under(scope, up)
}

/// The vaults, in snapshot order, where `principal_id` (on its own, through no application) may use some
/// operation, with its vault-wide cells there: the rows of [`super::matrix_for_principal`] with a cell that
/// is not "denied", without their grants at items. Only the vaults `named` gives are asked.
pub fn vault_wide_access<'a>(
    engine: &'a Engine,
    named: &NamedVaults,
    principal_id: &str,
) -> Vec<(&'a Vault, Vec<Cell>)> {
    vault_access_decided(engine, named, principal_id)
        .into_iter()
        .map(|a| (a.vault, a.cells))
        .collect()
}

/// One vault of [`vault_access_decided`]: the cells and the grants naming the principal there.
#[derive(Debug, Clone)]
pub struct VaultAccess<'a> {
    /// The vault's position in the snapshot.
    pub at: usize,
    pub vault: &'a Vault,
    pub cells: Vec<Cell>,
    /// Role assignments naming the principal or its groups at or above the vault (positions).
    pub assignments: Vec<usize>,
    /// The vault's access-policy entries that apply to the principal (positions in its list).
    pub entries: Vec<usize>,
}

/// [`vault_wide_access`] with what decides each vault: the role assignments and access-policy entries
/// naming the principal there (the rest of the answer — denies, gaps, conditions, the vault's properties —
/// shows in the cells).
pub fn vault_access_decided<'a>(
    engine: &'a Engine,
    named: &NamedVaults,
    principal_id: &str,
) -> Vec<VaultAccess<'a>> {
    let mut out = Vec::new();
    each_named_vault(engine, named, principal_id, |at, vault, _, row, cells| {
        if cells.iter().any(Cell::any) {
            out.push(VaultAccess {
                at,
                vault,
                cells: cells.to_vec(),
                assignments: row.assignments().iter().map(|&(a, _)| a).collect(),
                entries: row.entries().to_vec(),
            });
        }
    });
    out
}

/// Every vault [`vault_access_decided`] asks about `principal_id` (on its own, through no application), in
/// snapshot order, handed to `each` with the subject, its row there and the row's cells (denied ones too),
/// for answers read from the same rows (`paths --from`'s vault data and self-grants).
pub fn each_named_vault<'a>(
    engine: &'a Engine,
    named: &NamedVaults,
    principal_id: &str,
    mut each: impl FnMut(usize, &'a Vault, &Subject, &Row, &[Cell]),
) {
    let subject = engine.subject(principal_id);
    let vaults = &engine.snapshot.vaults;
    let at: Vec<usize> = match named.of(engine, &subject) {
        Some(positions) => positions,
        None => (0..vaults.len()).collect(),
    };
    let mut cells_at = PrincipalCells::new(engine, &subject, None);
    for (at, vault) in at.into_iter().filter_map(|at| Some((at, vaults.get(at)?))) {
        let (row, cells) = cells_at.row_at(vault);
        each(at, vault, &subject, &row, cells);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::NamedVaults;
    use crate::eval::index::Ancestry;
    use crate::model::Scope;
    use crate::synth::test_tenant::engine;

    fn words(a: &Ancestry) -> String {
        let scopes: Vec<&str> = a.scopes.iter().map(Scope::id).collect();
        format!("{scopes:?} {}", a.unplaced_subscription)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

        /// Each vault's ancestry, built on its resource group's kept for the vaults beside it, is the
        /// index's own.
        #[test]
        fn a_vaults_ancestry_is_the_indexs(seed in 0u64..1_000, errors in 0usize..2) {
            let engine = engine(seed, 4, errors, 1);
            let named = NamedVaults::new(&engine);
            let mut parents = rustc_hash::FxHashSet::default();
            for (at, vault) in engine.snapshot.vaults.iter().enumerate() {
                let got = named.ancestry(at).map(words);
                prop_assert_eq!(got, Some(words(&engine.index.ancestry(&vault.scope))));
                parents.extend(vault.scope.structural_parent().map(|p| p.key().to_string()));
            }
            let vaults = engine.snapshot.vaults.len();
            prop_assert!(parents.len() < vaults, "no two vaults share a parent: the tenant tests nothing");
        }
    }
}
