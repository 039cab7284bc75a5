use super::*;
use Decision::{Allowed, Conditional, Denied};

fn found(bits: u8) -> Found {
    let bit = |i: u8| bits & (1 << i) != 0;
    Found {
        denied: bit(0),
        denied_if: bit(1),
        denies_unknown: bit(2),
        granted: bit(3),
        granted_if: bit(4),
        grants_unknown: bit(5),
    }
}

/// Rows of the rule as the Azure documentation and the semantics state them (every field not named is
/// false).
#[test]
fn truth_table() {
    let f = Found::default;
    let rows = [
        (f(), Rbac::Decided(Denied)),
        (
            Found {
                granted: true,
                ..f()
            },
            Rbac::Decided(Allowed),
        ),
        (
            Found {
                granted_if: true,
                ..f()
            },
            Rbac::Decided(Conditional),
        ),
        (
            Found {
                granted: true,
                granted_if: true,
                ..f()
            },
            Rbac::Decided(Allowed),
        ),
        (
            Found {
                granted: true,
                denied: true,
                ..f()
            },
            Rbac::Decided(Denied),
        ),
        (
            Found {
                granted: true,
                denied_if: true,
                ..f()
            },
            Rbac::Decided(Conditional),
        ),
        (
            Found {
                granted: true,
                denies_unknown: true,
                ..f()
            },
            Rbac::UnknownDenies,
        ),
        (
            Found {
                granted_if: true,
                denies_unknown: true,
                ..f()
            },
            Rbac::UnknownDenies,
        ),
        (
            Found {
                granted: true,
                denies_unknown: true,
                denied_if: true,
                ..f()
            },
            Rbac::UnknownDenies,
        ),
        (
            Found {
                grants_unknown: true,
                ..f()
            },
            Rbac::UnknownGrants,
        ),
        (
            Found {
                grants_unknown: true,
                granted: true,
                ..f()
            },
            Rbac::Decided(Allowed),
        ),
        (
            Found {
                grants_unknown: true,
                denies_unknown: true,
                ..f()
            },
            Rbac::UnknownGrants,
        ),
        (
            Found {
                denies_unknown: true,
                ..f()
            },
            Rbac::Decided(Denied),
        ),
        (
            Found {
                denied_if: true,
                ..f()
            },
            Rbac::Decided(Denied),
        ),
        (
            Found {
                denied: true,
                grants_unknown: true,
                denies_unknown: true,
                ..f()
            },
            Rbac::Decided(Denied),
        ),
    ];
    for (input, want) in rows {
        assert_eq!(combine(input), want, "{input:?}");
    }
}

/// Properties over all 64 inputs.
#[test]
fn every_input() {
    for bits in 0..64u8 {
        let f = found(bits);
        let got = combine(f);
        // An unconditional deny decides, whatever else is known.
        if f.denied {
            assert_eq!(got, Rbac::Decided(Denied), "{f:?}");
        }
        // "Allowed" needs an unconditional grant and nothing known or unknown that may block it.
        if got == Rbac::Decided(Allowed) {
            assert!(
                f.granted && !f.denied && !f.denied_if && !f.denies_unknown,
                "{f:?}"
            );
        }
        // Without any grant the answer is never a grant.
        if !f.granted && !f.granted_if {
            assert!(!got.decision().grants_something(), "{f:?}");
        }
        // Missing data never yields "denied" where a complete snapshot could have granted.
        if got == Rbac::Decided(Denied) {
            assert!(
                f.denied || (!f.granted && !f.granted_if && !f.grants_unknown),
                "{f:?}"
            );
        }
        // More grant evidence never takes access away; more deny evidence never adds it.
        let more_grant = combine(Found { granted: true, ..f });
        assert!(rank(more_grant) >= rank(got) || f.denied, "{f:?}");
        let more_deny = combine(Found { denied: true, ..f });
        assert!(rank(more_deny) <= rank(got), "{f:?}");
    }
}

/// Denied < Unknown/Conditional < Allowed, for the monotonicity checks.
fn rank(r: Rbac) -> u8 {
    match r.decision() {
        Denied => 0,
        Allowed => 2,
        _ => 1,
    }
}
