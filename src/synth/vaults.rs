//! Vaults, their items and their network rules.

use super::*;

impl Gen<'_> {
    pub(super) fn vaults(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Vaults);
        let rgs = self.snapshot.resource_groups.len();
        for i in 0..self.spec.vaults {
            let rg_index = if i < rgs { i } else { rng.below(rgs) };
            let Some(rg) = self.snapshot.resource_groups.get(rg_index) else {
                break;
            };
            let sub = self.rg_subscription.get(rg_index).copied().unwrap_or(0);
            let sub_id = self.subscription_id(sub);
            let name = format!("kv-{i:05}");
            let network = network(&mut rng, &sub_id, sub, &name);
            let vault = Vault {
                scope: scope(&format!(
                    "{}/providers/Microsoft.KeyVault/vaults/{name}",
                    rg.scope.id()
                )),
                location: if rng.chance(90) {
                    rg.location.clone()
                } else {
                    LOCATIONS[rng.below(LOCATIONS.len())].to_string()
                },
                tenant_id: Some(self.tenant.clone()),
                vault_uri: Some(format!("https://{name}.vault.azure.net/")),
                rbac_authorization: rng.chance(u32::from(self.spec.rbac_vault_percent)),
                access_policies: Vec::new(),
                network,
                soft_delete: true,
                purge_protection: rng.chance(60),
                enabled_for_template_deployment: rng.chance(10),
                enabled_for_deployment: false,
                enabled_for_disk_encryption: false,
                properties_missing: false,
                name,
            };
            self.snapshot.vaults.push(vault);
            self.vault_rg.push(rg_index);
        }
    }

    /// A few secrets, keys and certificates per vault (names unique within a vault).
    pub(super) fn items(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Items);
        let vaults = self.snapshot.vaults.len();
        self.vault_items = vec![Vec::new(); vaults];
        if vaults == 0 {
            return;
        }
        let mut counts = vec![self.spec.vault_items / vaults; vaults];
        for _ in 0..self.spec.vault_items % vaults {
            let v = rng.below(vaults);
            counts[v] += 1;
        }
        for (v, count) in counts.into_iter().enumerate() {
            let Some(vault) = self.snapshot.vaults.get(v) else {
                continue;
            };
            for j in 0..count {
                let (kind, names) = match rng.below(100) {
                    0..60 => (ItemKind::Secrets, SECRET_NAMES),
                    60..85 => (ItemKind::Keys, KEY_NAMES),
                    _ => (ItemKind::Certificates, CERT_NAMES),
                };
                let name = format!("{}-{j:02}", names[rng.below(names.len())]);
                let expires = (kind != ItemKind::Keys && rng.chance(50)).then(|| {
                    format!(
                        "2027-{:02}-{:02}T00:00:00Z",
                        1 + rng.below(12),
                        1 + rng.below(28)
                    )
                });
                self.vault_items[v].push(self.snapshot.vault_items.len());
                self.snapshot.vault_items.push(VaultItem {
                    scope: scope(&format!("{}/{}/{name}", vault.scope.id(), kind.as_str())),
                    vault: vault.scope.clone(),
                    kind,
                    name,
                    enabled: Some(rng.chance(95)),
                    expires,
                });
            }
        }
    }
}

/// Public, firewalled (IP rules, subnets, trusted services), or private-only network rules.
pub(super) fn network(rng: &mut Rng, sub_id: &str, sub: usize, vault: &str) -> NetworkRules {
    let endpoint = |n: usize, status: &str| PrivateEndpoint {
        id: format!(
            "/subscriptions/{sub_id}/resourceGroups/rg-network-{sub:04}/providers/Microsoft.Network/privateEndpoints/pe-{vault}-{n}"
        ),
        status: status.to_string(),
    };
    match rng.below(100) {
        0..50 => NetworkRules {
            perimeter: crate::model::perimeter::PerimeterLink::NotCollected,
            public_network_access: PublicNetworkAccess::Enabled,
            acls: rng.chance(50).then(|| NetworkAcls {
                default_deny: false,
                bypass_azure_services: true,
                ip_rules: Vec::new(),
                subnets: Vec::new(),
            }),
            private_endpoints: Vec::new(),
        },
        50..80 => {
            let ip_rules = (0..rng.below(5))
                .map(|_| {
                    let text = if rng.chance(60) {
                        format!(
                            "{}.{}.{}.0/24",
                            20 + rng.below(40),
                            rng.below(256),
                            rng.below(256)
                        )
                    } else {
                        format!(
                            "{}.{}.{}.{}",
                            40 + rng.below(60),
                            rng.below(256),
                            rng.below(256),
                            1 + rng.below(254)
                        )
                    };
                    IpRule {
                        net: snapshot::parse_ip_rule(&text),
                        text,
                    }
                })
                .collect::<Vec<_>>();
            let mut subnets: Vec<String> = (0..rng.below(4))
                .map(|k| format!("/subscriptions/{sub_id}/resourcegroups/rg-network-{sub:04}/providers/microsoft.network/virtualnetworks/vnet-{sub:04}/subnets/snet-{k}"))
                .collect();
            if ip_rules.is_empty() && subnets.is_empty() {
                subnets.push(format!("/subscriptions/{sub_id}/resourcegroups/rg-network-{sub:04}/providers/microsoft.network/virtualnetworks/vnet-{sub:04}/subnets/snet-app"));
            }
            NetworkRules {
                perimeter: crate::model::perimeter::PerimeterLink::NotCollected,
                public_network_access: PublicNetworkAccess::Enabled,
                acls: Some(NetworkAcls {
                    default_deny: true,
                    bypass_azure_services: rng.chance(75),
                    ip_rules,
                    subnets,
                }),
                private_endpoints: if rng.chance(40) {
                    vec![endpoint(0, "Approved")]
                } else {
                    Vec::new()
                },
            }
        }
        80..92 => {
            let mut private_endpoints = vec![endpoint(0, "Approved")];
            if rng.chance(15) {
                private_endpoints.push(endpoint(1, "Pending"));
            }
            NetworkRules {
                perimeter: crate::model::perimeter::PerimeterLink::NotCollected,
                public_network_access: PublicNetworkAccess::Disabled,
                acls: rng.chance(50).then(|| NetworkAcls {
                    default_deny: true,
                    bypass_azure_services: true,
                    ip_rules: Vec::new(),
                    subnets: Vec::new(),
                }),
                private_endpoints,
            }
        }
        _ => NetworkRules {
            perimeter: crate::model::perimeter::PerimeterLink::NotCollected,
            public_network_access: PublicNetworkAccess::Enabled,
            acls: Some(NetworkAcls {
                default_deny: true,
                bypass_azure_services: true,
                ip_rules: Vec::new(),
                subnets: Vec::new(),
            }),
            private_endpoints: if rng.chance(50) {
                vec![endpoint(0, "Approved")]
            } else {
                Vec::new()
            },
        },
    }
}
