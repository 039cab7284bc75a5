//! Rows gathered with what a subscription's targets share are the rows gathered alone.
use super::*;
use crate::model::Vault;

/// Every principal's row at every vault, gathered sharing the part from the subscription up with the
/// vaults asked before it, is the row gathered alone: vaults in scope order (the part is reused) and in the
/// snapshot's order (it is replaced at every other subscription), on random tenants with deny assignments.
#[test]
fn rows_sharing_what_a_subscription_holds_are_the_rows_gathered_alone() {
    let mut compared = 0;
    for seed in [5, 6] {
        let mut spec = crate::synth::SynthSpec::new(150, 30, 900, seed);
        spec.deny_assignments = 12;
        let snapshot = crate::synth::generate(&spec);
        let engine = Engine::new(snapshot.clone());
        let subjects: Vec<Subject> = snapshot
            .principals
            .iter()
            .map(|p| engine.subject(&p.id))
            .collect();
        let mut in_order: Vec<&Vault> = snapshot.vaults.iter().collect();
        in_order.sort_by(|a, b| a.scope.key().cmp(b.scope.key()));
        for vaults in [in_order, snapshot.vaults.iter().collect()] {
            let mut above = std::sync::Arc::default();
            for vault in vaults {
                let target = engine.target(&vault.scope);
                let alone = TargetRows::new(&engine, &target);
                let shared = TargetRows::sharing(&engine, &target, &mut above);
                for s in &subjects {
                    let row = alone.row(s, None);
                    let with = shared.row(s, None);
                    assert_eq!(format!("{row:?}"), format!("{with:?}"), "{}", vault.name);
                    compared += usize::from(!row.assignments().is_empty());
                }
            }
        }
    }
    assert!(
        compared > 2000,
        "only {compared} rows with assignments compared"
    );
}
