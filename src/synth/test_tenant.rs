//! Generated tenants the property tests share: every hop section, PIM eligibilities, nested groups, deny
//! assignments, unreadable role assignments and principals absent from the directory.

use crate::eval::Engine;
use crate::synth::{SynthSpec, generate};

/// Every `absent`-th principal left out of the directory (its grants and memberships stay, so it is only
/// named), `errors` subscriptions whose role assignments could not be read, and `denies` deny assignments.
pub(crate) fn engine(seed: u64, absent: usize, errors: usize, denies: usize) -> Engine {
    let spec = SynthSpec {
        compute_resources: 40,
        applications: 10,
        role_eligibilities: 20,
        collection_errors: errors,
        deny_assignments: denies,
        ..SynthSpec::new(200, 10, 400, seed)
    };
    without_every(&spec, absent)
}

/// [`engine`] with more vaults and role assignments and fewer compute resources, no eligibilities: for the
/// per-vault answers (classes of alike vaults, self-grants row by row).
pub(crate) fn many_vaults(seed: u64, absent: usize, errors: usize, denies: usize) -> Engine {
    let spec = SynthSpec {
        compute_resources: 20,
        applications: 10,
        collection_errors: errors,
        deny_assignments: denies,
        ..SynthSpec::new(200, 30, 600, seed)
    };
    without_every(&spec, absent)
}

/// The tenant `spec` generates, every `absent`-th principal left out of the directory.
pub(crate) fn without_every(spec: &SynthSpec, absent: usize) -> Engine {
    let mut s = generate(spec);
    let mut i = 0;
    s.principals.retain(|_| {
        i += 1;
        i % absent != 0
    });
    Engine::new(s)
}
