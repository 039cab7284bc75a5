//! The eligibilities indexed by the principal they name give each subject what going through all of them
//! gives.

use super::EligibilitiesOf;
use crate::eval::Engine;
use crate::synth::SynthSpec;

/// Every principal's eligibilities from the index are those whose principal is it or one of its groups,
/// in the snapshot's order, on generated tenants where eligibilities name users and groups.
#[test]
fn eligibilities_by_principal_are_those_naming_the_subject() {
    let mut through_groups = 0;
    for seed in [1, 2] {
        let spec = SynthSpec {
            role_eligibilities: 300,
            ..SynthSpec::new(200, 30, 600, seed)
        };
        let engine = Engine::new(crate::synth::generate(&spec));
        let eligibilities = EligibilitiesOf::new(&engine);
        let ids = engine.snapshot.principals.iter().map(|p| p.id.as_str());
        for id in ids.chain(["not-in-the-directory"]) {
            let subject = engine.subject(id);
            let want: Vec<usize> = engine
                .snapshot
                .role_eligibilities
                .iter()
                .enumerate()
                .filter(|(_, e)| subject.set.reach(&e.principal_id).is_some())
                .map(|(i, _)| i)
                .collect();
            through_groups += want
                .iter()
                .filter_map(|&i| engine.snapshot.role_eligibilities.get(i))
                .filter(|e| e.principal_id != subject.principal.id)
                .count();
            assert_eq!(eligibilities.naming(&subject), want, "{id}");
        }
    }
    assert!(
        through_groups > 50,
        "only {through_groups} eligibilities held through groups"
    );
}
