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
