//! Deterministic synthetic tenants (being written on the `synth` branch; this stub keeps the API stable).

use crate::model::Snapshot;

#[derive(Debug, Clone)]
pub struct SynthSpec {
    pub principals: usize,
    pub vaults: usize,
    pub role_assignments: usize,
    pub seed: u64,
}

impl SynthSpec {
    pub fn new(principals: usize, vaults: usize, role_assignments: usize, seed: u64) -> Self {
        Self {
            principals,
            vaults,
            role_assignments,
            seed,
        }
    }
}

pub fn generate(_spec: &SynthSpec) -> Snapshot {
    Snapshot::default()
}
