//! One principal's rows at many vaults are mostly alike: at a vault with no deny assignment, collection
//! error or unplaced subscription at or above it (its properties known), the row holds only the role
//! assignments naming the principal or its groups at the scopes above the vault, so vaults under the same
//! such scopes, with the same permission model and flags and no access-policy entry naming the principal,
//! get the same row, the same cells and the same self-grants. Only the first vault of each such class is
//! asked; the rest take its class.

use rustc_hash::FxHashMap;

use super::{COLUMNS, Cell, NamedVaults, row_cells};
use crate::eval::bulk::VaultRows;
use crate::eval::decide::{Row, RowKey};
use crate::eval::{Engine, Subject};
use crate::model::Vault;

/// Vault-wide cells by the row's [`Row::decision_key_by_entries`], shared by the principals asked in turn:
/// the many identities a search reaches each hold their own assignments, but few different roles, and
/// their own access-policy entries at many vaults, but few different permission sets.
#[derive(Default)]
pub struct DecidedCells(FxHashMap<RowKey, Vec<Cell>>);

/// What a vault of [`each_named_vault_alike`] brings: the subject, its row, the row's
/// [`Row::decision_key_by_entries`] and the row's cells, for the first vault of a class only.
pub type FirstOfClass<'r> = Option<(&'r Subject, &'r Row<'r>, &'r RowKey, &'r [Cell])>;

/// Marks a vault whose access-policy entries name the principal (its row holds them: no class shared).
const ENTRIES: u32 = u32::MAX;

/// The vaults [`super::each_named_vault`] asks about `principal_id`, in snapshot order, each handed to
/// `each` with its position, the vault and its class (numbered from 0 in order of first appearance);
/// the first vault of a class also gets the row ([`FirstOfClass`]), and every later vault of the class
/// has the same row key ([`Row::key_across_vaults`]) and the same vault flags read by self-grants. The
/// cells are decided once per decision key in `decided`, which may be shared across principals.
pub fn each_named_vault_alike<'a>(
    engine: &'a Engine,
    named: &NamedVaults,
    principal_id: &str,
    decided: &mut DecidedCells,
    mut each: impl FnMut(usize, &'a Vault, usize, FirstOfClass),
) {
    let subject = engine.subject(principal_id);
    let vaults = &engine.snapshot.vaults;
    // (vault, scope named above it) pairs: the scopes, numbered, make the vault's signature.
    let mut above: Vec<(usize, u32)> = Vec::new();
    let mut scope_number: FxHashMap<&str, u32> = FxHashMap::default();
    let positions = named.of_with(engine, &subject, |key, under| {
        let n = match key {
            Some(key) => {
                let next = u32::try_from(scope_number.len()).unwrap_or(ENTRIES - 1);
                *scope_number.entry(key).or_insert(next)
            }
            None => ENTRIES,
        };
        above.extend(under.iter().map(|&v| (v, n)));
    });
    // Without the vaults whose entries name the subject (its groups unknown), every vault's are read.
    let entries_known = positions.is_some();
    let at = positions.unwrap_or_else(|| (0..vaults.len()).collect());
    crate::positions::ascending_unique_pairs(&mut above, vaults.len());
    let shareable = subject.groups_known && subject.in_directory;
    let mut rows_at = VaultRows::new(engine, &subject, None);
    // Class by (signature, vault flags); `None`: its first row cannot be shared, every vault is its own.
    // Signatures are numbered once (`signatures`), so a vault's is looked up from a buffer kept across
    // vaults, not built anew at each of them.
    let mut signatures: FxHashMap<Vec<u32>, usize> = FxHashMap::default();
    let mut classes: FxHashMap<(usize, [bool; 3]), Option<usize>> = FxHashMap::default();
    let mut rows: FxHashMap<usize, Row> = FxHashMap::default();
    let mut signature: Vec<u32> = Vec::new();
    let mut count = 0;
    let mut pairs = above.iter().peekable();
    for (at, vault) in at.into_iter().filter_map(|at| Some((at, vaults.get(at)?))) {
        // `at` ascends, as the sorted pairs do: the vault's pairs are the next ones at it.
        while pairs.next_if(|&&(v, _)| v < at).is_some() {}
        signature.clear();
        while let Some(&(_, n)) = pairs.next_if(|&&(v, _)| v == at) {
            signature.push(n);
        }
        let signature_has_entries = signature.contains(&ENTRIES);
        let quiet =
            shareable && named.quiet.get(at).copied().unwrap_or(false) && !signature_has_entries;
        let key = quiet.then(|| {
            let flags = [
                vault.rbac_authorization,
                vault.purge_protection,
                vault.enabled_for_template_deployment,
            ];
            let next = signatures.len();
            let number = match signatures.get(signature.as_slice()) {
                Some(&number) => number,
                None => *signatures.entry(signature.clone()).or_insert(next),
            };
            (number, flags)
        });
        let known = key.as_ref().and_then(|k| classes.get(k)).copied();
        if let Some(Some(class)) = known {
            each(at, vault, class, None);
            continue;
        }
        let class = count;
        count += 1;
        // Quiet vaults under the same named scopes hold the same row but for the vault itself.
        let alike = key
            .as_ref()
            .and_then(|(signature, _)| rows.get(signature))
            .and_then(|row| row.at_alike_vault(vault));
        let row = match (alike, named.ancestry(at)) {
            (Some(row), _) => row,
            (None, Some(ancestry)) => {
                let entries_named = !entries_known || signature_has_entries;
                let quiet_at = named.quiet.get(at).copied().unwrap_or(false);
                rows_at.row_under(vault, ancestry, entries_named, quiet_at)
            }
            (None, None) => rows_at.row(vault),
        };
        // The key is handed on with the row: the self-grants are decided by it too.
        let decision = row.decision_key_by_entries(&engine.snapshot);
        let cells = match decided.0.get(&decision) {
            Some(cells) => cells,
            None => decided
                .0
                .entry(decision.clone())
                .or_insert_with(|| row_cells(engine, &row, &COLUMNS)),
        };
        each(at, vault, class, Some((&subject, &row, &decision, cells)));
        if let (Some(key), None) = (key, known) {
            let shared = row.key_across_vaults().is_some().then_some(class);
            classes.insert(key, shared);
            if shared.is_some() {
                rows.entry(key.0).or_insert(row);
            }
        }
    }
}

#[cfg(test)]
mod tests;
