//! Rows asked one after another, what decides kept from row to row, give each row's own findings.

use proptest::prelude::*;

use super::RowFindings;
use crate::query::escalation::findings_of_row;
use crate::query::{NamedVaults, each_named_vault};
use crate::synth::test_tenant::many_vaults as engine;

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn rows_asked_in_turn_find_what_each_row_finds_alone(
        seed in 0u64..1_000,
        errors in 0usize..2,
        denies in 0usize..3,
        absent in 3usize..12,
    ) {
        let engine = engine(seed, absent, errors, denies);
        let named = NamedVaults::new(&engine);
        // One for every principal and vault, as a `paths --from` worker keeps it.
        let mut kept = RowFindings::default();
        let (mut asked, mut found) = (0, 0);
        let ids = engine.snapshot.principals.iter().map(|p| p.id.as_str());
        for id in ids.chain(["not-in-the-directory"]) {
            each_named_vault(&engine, &named, id, |_, vault, subject, row, _| {
                let target = engine.target(&vault.scope);
                let want = format!("{:?}", findings_of_row(&engine, vault, &target, subject, row));
                // As `paths --from` asks: groups and rows without an assignment have no self-grant.
                let got = if engine.is_group(&subject.principal.id) || row.assignments().is_empty() {
                    Vec::new()
                } else {
                    let key = row.decision_key_by_entries(&engine.snapshot);
                    kept.findings(&engine, (vault, &target), subject, row, &key)
                };
                asked += usize::from(!row.assignments().is_empty());
                found += got.len();
                assert_eq!(format!("{got:?}"), want, "{id} at {}", vault.name);
            });
        }
        prop_assert!(found > 0, "no self-grant found: the tenant tests nothing");
        prop_assert!(kept.decided.len() < asked, "no two rows decided alike: nothing was kept");
    }
}
