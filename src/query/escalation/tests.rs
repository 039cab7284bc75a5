//! The two-thread split of one vault's findings gives the one-thread answer.
use super::*;

/// The two-thread path must give exactly the one-thread findings, in the same order.
#[test]
fn halves_on_two_threads_give_the_one_thread_findings() {
    let snapshot = crate::synth::generate(&crate::synth::SynthSpec::new(300, 8, 600, 11));
    let engine = Engine::new(snapshot.clone());
    let mut compared = 0;
    for vault in &snapshot.vaults {
        let mut json = |parallel_from| {
            let found = findings_for_vault(&engine, vault, parallel_from);
            compared += found.len();
            serde_json::to_string(&found).expect("findings serialize")
        };
        let (one, two) = (json(usize::MAX), json(0));
        assert_eq!(one, two, "{}", vault.name);
    }
    assert!(compared > 100, "only {compared} findings compared");
}

/// The lever verdicts a finding cites start from the role assignments the bulk row gathered: on random
/// tenants they must be `check`'s own verdicts (decision, grants, denies, reasons, notes) for every lever
/// of every candidate at every vault.
#[test]
fn lever_verdicts_from_the_gathered_row_are_checks_verdicts() {
    let mut compared = 0;
    let mut granted = 0;
    for seed in [11, 12, 13] {
        let snapshot = crate::synth::generate(&crate::synth::SynthSpec::new(300, 8, 600, seed));
        let engine = Engine::new(snapshot.clone());
        for vault in &snapshot.vaults {
            let target = engine.target(&vault.scope);
            let rows_at = TargetRows::new(&engine, &target);
            let grants = Grants {
                rbac: true,
                policies: true,
                role_matters: |_| true,
                entry_matters: |_: &AccessPolicy| true,
            };
            for (id, _) in reached(&engine, &holders(&engine, &target, grants)) {
                let subject = engine.subject(&id);
                let row = rows_at.row(&subject, None);
                let entries = rows_at.entries_naming(&subject);
                let gathered = Gathered {
                    entries: Some(&entries),
                    assignments: Some(row.assignments()),
                };
                for action in levers() {
                    let request = Request::new(&subject, &target, action);
                    let full = engine.check(&request).expect("the lever is checked");
                    let fast = engine
                        .check_gathered(&request, gathered)
                        .expect("the lever is checked");
                    let json = |v: &Verdict| serde_json::to_string(v).expect("verdict serializes");
                    assert_eq!(json(&full), json(&fast), "{id} at {}", vault.name);
                    compared += 1;
                    granted += usize::from(!full.grants.is_empty());
                }
            }
        }
    }
    assert!(
        compared > 1000 && granted > 100,
        "{compared} verdicts compared, {granted} with grants"
    );
}
