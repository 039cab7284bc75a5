//! Vault flags that hand secrets to virtual machines, as last hops from whoever controls such a VM:
//!
//! * `enabledForDeployment`: "Azure Virtual Machines are permitted to retrieve certificates stored as
//!   secrets from the key vault" — a VM's `osProfile.secrets` names them and the platform installs them on
//!   the VM. Naming a vault there needs `Microsoft.KeyVault/vaults/deploy/action` on it, as template
//!   deployment does; code run on the VM then reads them.
//! * `enabledForDiskEncryption`: "Azure Disk Encryption may retrieve secrets from the vault and unwrap
//!   keys" for the VMs whose disks reference them; code run on such a VM sees them.
//!
//! Both reach only some items (certificates stored as secrets; disk-encryption secrets and keys), which the
//! snapshot does not mark: the hops are `conditional`.

use super::super::{Hop, HopKind};
use super::identities::Foothold;
use super::runs_as::Controller;
use super::walk::{Skip, Walk};
use crate::catalog::{Action, Plane};
use crate::eval::Decision;
use crate::model::Vault;

/// Needed to name a vault's secrets in a deployment.
const DEPLOY: &str = "Microsoft.KeyVault/vaults/deploy/action";

const DEPLOYMENT_OPERATIONS: &[&str] = &["secrets/get"];
const DISK_OPERATIONS: &[&str] = &["secrets/get", "keys/unwrapKey"];

impl Walk<'_> {
    /// The flag hops into `vault` that give `operation`: deployment first, then disk encryption.
    pub(crate) fn vault_hops_into(&self, vault: &Vault, operation: &str) -> Vec<Hop> {
        let gives = |ops: &[&str]| ops.iter().any(|o| o.eq_ignore_ascii_case(operation));
        let mut out = Vec::new();
        if vault.enabled_for_deployment && gives(DEPLOYMENT_OPERATIONS) {
            for c in self.controllers(&vault.scope, &deploy(), Skip::Nobody) {
                if let Some(f) = self.foothold(&c.id, true) {
                    out.push(deployment_hop(vault, &c, &f));
                }
            }
        }
        if vault.enabled_for_disk_encryption && gives(DISK_OPERATIONS) {
            for (id, f) in self.vm_footholds().iter() {
                out.push(disk_hop(vault, id, f));
            }
        }
        out
    }

    /// The flag hops `id` has onto any vault, in vault order, from the flagged vaults listed once per walk
    /// (going through every vault for each node reached cost two thirds as much as the walk). Both need a
    /// foothold on a virtual machine: without one, no vault's deploy action is asked.
    pub(crate) fn vault_hops_from(&self, id: &str) -> Vec<Hop> {
        let vaults = self.cache.flagged_vaults.get_or_init(|| {
            let all = self.engine.snapshot.vaults.iter();
            all.filter(|v| v.enabled_for_deployment || v.enabled_for_disk_encryption)
                .collect()
        });
        let Some(f) = vaults.first().and_then(|_| self.foothold(id, true)) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for v in vaults {
            if v.enabled_for_deployment
                && let Some(c) = self.controller(id, &v.scope, &deploy())
            {
                out.push(deployment_hop(v, &c, &f));
            }
            if v.enabled_for_disk_encryption {
                out.push(disk_hop(v, id, &f));
            }
        }
        out
    }
}

fn deploy() -> [Action; 1] {
    [Action::arm(DEPLOY, Plane::Management)]
}

fn deployment_hop(v: &Vault, c: &Controller, f: &Foothold) -> Hop {
    let mut evidence = c.evidence.to_vec();
    evidence.extend(f.evidence.iter().cloned());
    Hop {
        kind: HopKind::GrantsItself,
        from: c.id.clone(),
        to: v.scope.id().to_string(),
        decision: c.decision.and(f.decision).and(Decision::Conditional),
        eligible: c.eligible,
        evidence,
        explanation: format!(
            "enabledForDeployment: can name this vault's certificates in the osProfile.secrets of {} ({DEPLOY} held), where the platform installs them; only secrets that hold certificates",
            f.what
        ),
    }
}

fn disk_hop(v: &Vault, id: &str, f: &Foothold) -> Hop {
    Hop {
        kind: HopKind::GrantsItself,
        from: id.to_string(),
        to: v.scope.id().to_string(),
        decision: f.decision.and(Decision::Conditional),
        eligible: false,
        evidence: f.evidence.clone(),
        explanation: format!(
            "enabledForDiskEncryption: Azure Disk Encryption retrieves this vault's disk-encryption secrets and unwraps its keys for VMs whose disks reference them; controls {}; only such secrets and keys, which the snapshot does not mark",
            f.what
        ),
    }
}
