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
use super::HopGraph;
use super::identities::compute_footholds;
use super::runs_as::controllers;
use crate::catalog::{Action, Plane};
use crate::eval::{Decision, Engine};

/// Needed to name a vault's secrets in a deployment.
const DEPLOY: &str = "Microsoft.KeyVault/vaults/deploy/action";

/// A last hop that holds only for some operations on one vault.
#[derive(Debug, Clone)]
pub struct VaultHop {
    pub hop: Hop,
    /// The operations (`secrets/get`, …) it gives.
    pub operations: &'static [&'static str],
}

impl HopGraph {
    pub(super) fn vm_secrets(&mut self, engine: &Engine, asked: &super::runs_as::Asked) {
        let vaults: Vec<_> = engine
            .snapshot
            .vaults
            .iter()
            .filter(|v| v.enabled_for_deployment || v.enabled_for_disk_encryption)
            .collect();
        if vaults.is_empty() {
            return;
        }
        let footholds = compute_footholds(engine, asked, true);
        let deploy = [Action::arm(DEPLOY, Plane::Management)];
        for v in vaults {
            if v.enabled_for_deployment {
                for c in controllers(engine, asked, &v.scope, &deploy) {
                    let Some(f) = footholds.get(&c.id) else {
                        continue;
                    };
                    let mut evidence = c.evidence.clone();
                    evidence.extend(f.evidence.iter().cloned());
                    self.vault_hops.push(VaultHop {
                        hop: Hop {
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
                        },
                        operations: &["secrets/get"],
                    });
                }
            }
            if v.enabled_for_disk_encryption {
                let mut holders: Vec<_> = footholds.iter().collect();
                holders.sort_by(|a, b| a.0.cmp(b.0));
                for (id, f) in holders {
                    self.vault_hops.push(VaultHop {
                        hop: Hop {
                            kind: HopKind::GrantsItself,
                            from: id.clone(),
                            to: v.scope.id().to_string(),
                            decision: f.decision.and(Decision::Conditional),
                            eligible: false,
                            evidence: f.evidence.clone(),
                            explanation: format!(
                                "enabledForDiskEncryption: Azure Disk Encryption retrieves this vault's disk-encryption secrets and unwraps its keys for VMs whose disks reference them; controls {}; only such secrets and keys, which the snapshot does not mark",
                                f.what
                            ),
                        },
                        operations: &["secrets/get", "keys/unwrapKey"],
                    });
                }
            }
        }
    }
}
