//! Vaults of one class held to their own rows: the row key, the cells (decided once per decision key for
//! every principal asked) and the self-grants each vault's own row gives are its class's, on generated
//! tenants with deny assignments, unreadable role assignments, access-policy vaults and principals absent
//! from the directory.

use proptest::prelude::*;

use super::super::{NamedVaults, each_named_vault};
use super::{DecidedCells, each_named_vault_alike};
use crate::eval::Engine;
use crate::eval::decide::Row;
use crate::model::Vault;
use crate::query::escalation::findings_of_row;
use crate::synth::test_tenant::many_vaults as engine;

/// What a row gives at a vault, but for the vault's own id: its key, cells and self-grants.
fn answer(engine: &Engine, vault: &Vault, subject: &crate::eval::Subject, row: &Row) -> String {
    let target = engine.target(&vault.scope);
    let findings: Vec<String> = findings_of_row(engine, vault, &target, subject, row)
        .into_iter()
        .map(|mut f| {
            f.vault_id.clear();
            format!("{f:?}")
        })
        .collect();
    format!("{:?} {findings:?}", row.key())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn a_vaults_class_answers_as_its_own_row(
        seed in 0u64..1_000,
        errors in 0usize..2,
        denies in 0usize..3,
        absent in 3usize..12,
        every in 1usize..4,
    ) {
        let engine = engine(seed, absent, errors, denies);
        let named = NamedVaults::new(&engine);
        let (mut vaults, mut classes) = (0, 0);
        // Cells shared by every principal asked, by decision key.
        let mut decided = DecidedCells::default();
        let ids = engine.snapshot.principals.iter().step_by(every).map(|p| p.id.as_str());
        for id in ids.chain(["not-in-the-directory"]) {
            let mut want: Vec<(usize, String, String)> = Vec::new();
            each_named_vault(&engine, &named, id, |at, vault, subject, row, cells| {
                want.push((at, answer(&engine, vault, subject, row), format!("{cells:?}")));
            });
            let mut first: Vec<(String, String)> = Vec::new();
            let mut got: Vec<(usize, String, String)> = Vec::new();
            each_named_vault_alike(&engine, &named, id, &mut decided, |at, vault, class, row| {
                if let Some((subject, row, decision, cells)) = row {
                    assert_eq!(decision, &row.decision_key_by_entries(&engine.snapshot));
                    first.push((answer(&engine, vault, subject, row), format!("{cells:?}")));
                }
                let (key, cells) = first.get(class).cloned().unwrap_or_default();
                got.push((at, key, cells));
            });
            vaults += got.len();
            classes += first.len();
            prop_assert_eq!(got, want, "{}", id);
        }
        // A collection error may leave no vault quiet (then none shares a class).
        prop_assert!(classes < vaults || errors > 0, "no vault shared a class: the tenant tests nothing");
    }
}
