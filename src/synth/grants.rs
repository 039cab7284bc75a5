//! Role definitions, role assignments, eligibilities, access policies, deny assignments and collection errors.

use super::*;

impl Gen<'_> {
    /// The built-in roles (through the snapshot loader, so they are exactly what a real file gives) and
    /// the custom ones.
    pub(super) fn roles(&mut self) {
        let builtins = crate::eval::builtin_roles::definitions().to_vec();
        self.builtin = ROLE_NAMES
            .iter()
            .map(|n| builtins.iter().position(|d| d.role_name == *n).unwrap_or(0))
            .collect();
        self.snapshot.role_definitions = builtins;
        let root = self.mg_id(0);
        for i in 0..self.spec.custom_roles {
            let guid = guid(self.spec.seed, Tag::CustomRole, i);
            let (name, description, permission) = custom_role(i);
            let role_name = if i < CUSTOM_ROLE_COUNT {
                name.to_string()
            } else {
                format!("{name} {i}")
            };
            self.custom.push(self.snapshot.role_definitions.len());
            self.snapshot.role_definitions.push(RoleDefinition {
                id: format!("/providers/Microsoft.Authorization/roleDefinitions/{guid}"),
                guid,
                role_name,
                built_in: false,
                description: description.to_string(),
                assignable_scopes: vec![root.clone()],
                permissions: vec![permission],
            });
        }
    }

    pub(super) fn role_index(&self, rng: &mut Rng, pick: RolePick) -> usize {
        if pick == CUSTOM {
            if let Some(&c) = self.custom.get(rng.below(self.custom.len())) {
                return c;
            }
            return self.builtin.get(READER).copied().unwrap_or(0);
        }
        self.builtin.get(pick).copied().unwrap_or(0)
    }

    /// A scope at `level` and the role table for it; falls back upwards when the level has no objects.
    pub(super) fn place(
        &self,
        rng: &mut Rng,
        level: Level,
    ) -> (Scope, Option<usize>, &'static [(RolePick, u32)]) {
        let vaults = self.snapshot.vaults.len();
        if level == Level::Item && vaults > 0 {
            let v = rng.below(vaults);
            if let Some(items) = self.vault_items.get(v)
                && let Some(item) = items
                    .get(rng.below(items.len()))
                    .and_then(|&i| self.snapshot.vault_items.get(i))
            {
                let table = match item.kind {
                    ItemKind::Secrets => ROLES_SECRET,
                    ItemKind::Keys => ROLES_KEY,
                    ItemKind::Certificates => ROLES_CERT,
                };
                return (
                    item.scope.clone(),
                    self.rg_subscription
                        .get(self.vault_rg.get(v).copied().unwrap_or(0))
                        .copied(),
                    table,
                );
            }
        }
        if matches!(level, Level::Item | Level::Vault) {
            let v = rng.below(vaults);
            if let Some(vault) = self.snapshot.vaults.get(v) {
                let sub = self
                    .vault_rg
                    .get(v)
                    .and_then(|&rg| self.rg_subscription.get(rg))
                    .copied();
                return (vault.scope.clone(), sub, ROLES_VAULT);
            }
        }
        if matches!(level, Level::Item | Level::Vault | Level::ResourceGroup) {
            // Resource groups of random vaults, so the assignment covers something.
            let rg = match self.vault_rg.get(rng.below(vaults)) {
                Some(&rg) => Some(rg),
                None => Some(rng.below(self.snapshot.resource_groups.len())),
            };
            if let Some(rg) = rg
                && let Some(r) = self.snapshot.resource_groups.get(rg)
            {
                return (
                    r.scope.clone(),
                    self.rg_subscription.get(rg).copied(),
                    ROLES_RG,
                );
            }
        }
        if level != Level::ManagementGroup {
            let sub = rng.below(self.snapshot.subscriptions.len());
            if let Some(s) = self.snapshot.subscriptions.get(sub) {
                return (s.scope.clone(), Some(sub), ROLES_HIGH);
            }
        }
        let mgs = self.snapshot.management_groups.len();
        let mg = self
            .snapshot
            .management_groups
            .get(rng.below(mgs))
            .map_or_else(Scope::root, |m| m.scope.clone());
        (mg, None, ROLES_HIGH)
    }

    /// `count` unique (scope, role, principal) assignments.
    pub(super) fn make_assignments(
        &self,
        rng: &mut Rng,
        count: usize,
        levels: &[(Level, u32)],
        roles: Option<&[(RolePick, u32)]>,
        tag: Tag,
    ) -> Vec<RoleAssignment> {
        let mut out = Vec::with_capacity(count);
        let mut seen: HashSet<(String, usize, usize)> = HashSet::with_capacity(count);
        let mut attempts = 0usize;
        while out.len() < count && attempts < count.saturating_mul(4) + 16 {
            attempts += 1;
            let level = *rng.weighted(levels).unwrap_or(&Level::Vault);
            let (at, sub, table) = self.place(rng, level);
            let table = if level == Level::Item {
                table
            } else {
                roles.unwrap_or(table)
            };
            let pick = rng.weighted(table).copied().unwrap_or(READER);
            let high = matches!(level, Level::ManagementGroup | Level::Subscription);
            let Some((who, kind)) = self
                .dir
                .pick(rng, if high { HIGH_ASSIGNEES } else { ASSIGNEES })
            else {
                break;
            };
            let role = self.role_index(rng, pick);
            if !seen.insert((at.key().to_string(), role, who)) {
                continue;
            }
            let Some(def) = self.snapshot.role_definitions.get(role) else {
                continue;
            };
            let role_definition_id = match (
                def.built_in,
                sub.and_then(|s| self.snapshot.subscriptions.get(s)),
            ) {
                (true, Some(s)) => format!(
                    "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{}",
                    s.subscription_id, def.guid
                ),
                _ => def.id.clone(),
            };
            let condition = condition(rng, pick);
            let kind_path = if matches!(tag, Tag::Eligibility) {
                "roleEligibilityScheduleInstances"
            } else {
                "roleAssignments"
            };
            let id = guid(self.spec.seed, tag, out.len());
            let prefix = if at.kind() == ScopeKind::Root {
                ""
            } else {
                at.id()
            };
            out.push(RoleAssignment {
                id: format!("{prefix}/providers/Microsoft.Authorization/{kind_path}/{id}"),
                role_definition_guid: trailing_guid(&role_definition_id),
                role_definition_id,
                principal_id: self.principal_id(who).to_string(),
                principal_type: match kind {
                    Who::User => "User",
                    Who::Group => "Group",
                    Who::App => "ServicePrincipal",
                }
                .to_string(),
                condition_version: condition.as_ref().map(|_| "2.0".to_string()),
                condition,
                scope: at,
            });
        }
        out
    }

    pub(super) fn assignments(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Assignments);
        self.snapshot.role_assignments = self
            .make_assignments(
                &mut rng,
                self.spec.role_assignments,
                LEVELS,
                None,
                Tag::RoleAssignment,
            )
            .into();
    }

    pub(super) fn eligibilities(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Eligibility);
        self.snapshot.role_eligibilities = self.make_assignments(
            &mut rng,
            self.spec.role_eligibilities,
            ELIGIBLE_LEVELS,
            Some(ROLES_ELIGIBLE),
            Tag::Eligibility,
        );
    }

    /// Entries per access-policy vault follow a skewed law (a few crowded vaults, capped at 1024).
    pub(super) fn access_policies(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Policies);
        let ap_vaults: Vec<usize> = (0..self.snapshot.vaults.len())
            .filter(|&v| !self.snapshot.vaults[v].rbac_authorization)
            .collect();
        let cap = MAX_ACCESS_POLICIES_PER_VAULT.min(self.spec.principals);
        if ap_vaults.is_empty() || cap == 0 {
            return;
        }
        let total = self.spec.access_policy_entries.min(cap * ap_vaults.len());
        let weights: Vec<f64> = (0..ap_vaults.len())
            .map(|r| 1.0 / ((r + 1) as f64).powf(0.7) + 0.02)
            .collect();
        let sum: f64 = weights.iter().sum();
        let mut counts: Vec<usize> = weights
            .iter()
            .map(|w| ((total as f64 * w / sum) as usize).min(cap))
            .collect();
        let mut assigned: usize = counts.iter().sum();
        let mut at = rng.below(counts.len());
        while assigned < total {
            if let Some(c) = counts.get_mut(at)
                && *c < cap
            {
                *c += 1;
                assigned += 1;
            }
            at = (at + 1) % counts.len();
        }
        rng.shuffle(&mut counts);
        let tenant = self.tenant.clone();
        for (&v, count) in ap_vaults.iter().zip(counts) {
            let mut used: HashSet<usize> = HashSet::with_capacity(count);
            let mut entries = Vec::with_capacity(count);
            for _ in 0..count {
                let mut pick = self.dir.pick(&mut rng, POLICY_HOLDERS);
                for _ in 0..16 {
                    match pick {
                        Some((p, _)) if used.contains(&p) => {
                            pick = self.dir.pick(&mut rng, POLICY_HOLDERS)
                        }
                        _ => break,
                    }
                }
                let Some((mut p, kind)) = pick else { break };
                if used.contains(&p) {
                    let Some(free) = (0..self.spec.principals)
                        .map(|k| (p + k) % self.spec.principals)
                        .find(|q| !used.contains(q))
                    else {
                        break;
                    };
                    p = free;
                }
                used.insert(p);
                let template = rng
                    .weighted(POLICY_TEMPLATES)
                    .unwrap_or(&POLICY_TEMPLATES[0].0);
                let application_id = (kind == Who::User && self.dir.sps > 0 && rng.chance(2))
                    .then(|| {
                        self.snapshot
                            .principals
                            .get(self.dir.app(rng.below(self.dir.sps)))
                            .and_then(|a| a.app_id.clone())
                    })
                    .flatten();
                entries.push(AccessPolicy {
                    tenant_id: Some(tenant.clone()),
                    object_id: self.principal_id(p).to_string(),
                    application_id,
                    keys: strings(template.keys),
                    secrets: strings(template.secrets),
                    certificates: strings(template.certificates),
                    storage: strings(template.storage),
                });
            }
            if let Some(vault) = self.snapshot.vaults.get_mut(v) {
                vault.access_policies = entries;
            }
        }
    }

    /// Deployment-stack and managed-application style deny assignments, plus targeted ones.
    pub(super) fn denies(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Denies);
        for i in 0..self.spec.deny_assignments {
            let level = *rng
                .weighted(&[
                    (Level::ResourceGroup, 50),
                    (Level::Vault, 40),
                    (Level::Subscription, 10),
                ])
                .unwrap_or(&Level::Vault);
            let (at, _, _) = self.place(&mut rng, level);
            let guid = guid(self.spec.seed, Tag::DenyAssignment, i);
            let exclude = |g: &Self, rng: &mut Rng, who| {
                g.dir
                    .pick(rng, who)
                    .map(|(p, _)| g.principal_id(p).to_string())
            };
            let (name, permission, principals, exclude_principals, system) = match rng.below(3) {
                0 => (
                    format!("Deny writes and deletes by deployment stack 'stack-{i:03}'"),
                    Permission {
                        actions: patterns(&["*/write", "*/delete"]),
                        not_actions: patterns(&["*/read"]),
                        ..Permission::default()
                    },
                    vec![EVERYONE.to_string()],
                    exclude(self, &mut rng, &[(Who::App, 1)])
                        .into_iter()
                        .collect(),
                    true,
                ),
                1 => (
                    format!("Block purge of keys and secrets {i:03}"),
                    Permission {
                        data_actions: patterns(&[
                            "Microsoft.KeyVault/vaults/secrets/purge/action",
                            "Microsoft.KeyVault/vaults/keys/purge/action",
                        ]),
                        actions: patterns(&[
                            "Microsoft.KeyVault/locations/deletedVaults/purge/action",
                        ]),
                        ..Permission::default()
                    },
                    vec![EVERYONE.to_string()],
                    exclude(self, &mut rng, &[(Who::Group, 1)])
                        .into_iter()
                        .collect(),
                    true,
                ),
                _ => (
                    format!("Deny secret reads to contractors {i:03}"),
                    Permission {
                        data_actions: patterns(&[
                            "Microsoft.KeyVault/vaults/secrets/getSecret/action",
                        ]),
                        ..Permission::default()
                    },
                    exclude(self, &mut rng, &[(Who::Group, 1)])
                        .into_iter()
                        .collect(),
                    Vec::new(),
                    false,
                ),
            };
            let principals: Vec<String> = if principals.is_empty() {
                vec![EVERYONE.to_string()]
            } else {
                principals
            };
            self.snapshot.deny_assignments.push(DenyAssignment {
                id: format!(
                    "{}/providers/Microsoft.Authorization/denyAssignments/{guid}",
                    at.id()
                ),
                name,
                scope: at,
                do_not_apply_to_child_scopes: false,
                permissions: vec![permission],
                principals,
                exclude_principals,
                is_system_protected: system,
                audit_only: false,
            });
        }
    }

    pub(super) fn errors(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Errors);
        for _ in 0..self.spec.collection_errors {
            let Some(s) = self
                .snapshot
                .subscriptions
                .get(rng.below(self.snapshot.subscriptions.len()))
            else {
                break;
            };
            self.snapshot.collection_errors.push(CollectionError {
                scope: s.scope.clone(),
                about: Topic::ROLE_ASSIGNMENTS,
                cause: Cause::Failed {
                status: Some(403),
                message: "AuthorizationFailed: the client does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read'".to_string(),
                },
            });
        }
    }
}

pub(super) const CUSTOM_ROLE_COUNT: usize = 4;

pub(super) fn custom_role(i: usize) -> (&'static str, &'static str, Permission) {
    match i % CUSTOM_ROLE_COUNT {
        0 => (
            "KV Secrets Reader (custom)",
            "Reads secret values and metadata; sees the vault in ARM.",
            Permission {
                actions: patterns(&["Microsoft.KeyVault/vaults/read"]),
                data_actions: patterns(&[
                    "Microsoft.KeyVault/vaults/secrets/getSecret/action",
                    "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
                ]),
                ..Permission::default()
            },
        ),
        1 => (
            "KV Operator (custom)",
            "Manages vaults and deployments, but cannot delete or purge vaults.",
            Permission {
                actions: patterns(&["Microsoft.KeyVault/*", "Microsoft.Resources/deployments/*"]),
                not_actions: patterns(&[
                    "Microsoft.KeyVault/vaults/delete",
                    "Microsoft.KeyVault/locations/deletedVaults/purge/action",
                ]),
                ..Permission::default()
            },
        ),
        2 => (
            "Crypto Operator no purge (custom)",
            "Every key operation except delete and purge.",
            Permission {
                data_actions: patterns(&["Microsoft.KeyVault/vaults/keys/*"]),
                not_data_actions: patterns(&[
                    "Microsoft.KeyVault/vaults/keys/purge/action",
                    "Microsoft.KeyVault/vaults/keys/delete",
                ]),
                ..Permission::default()
            },
        ),
        _ => (
            "App Config Reader (custom)",
            "Reads everything in ARM and manages secrets, without purge.",
            Permission {
                actions: patterns(&["*/read"]),
                data_actions: patterns(&["Microsoft.KeyVault/vaults/secrets/*"]),
                not_data_actions: patterns(&["Microsoft.KeyVault/vaults/secrets/purge/action"]),
                ..Permission::default()
            },
        ),
    }
}

/// Realistic ABAC conditions: role-assignment delegation constrained to Key Vault data roles (half of the
/// User Access / RBAC Administrator assignments), and a tag condition on a few Secrets User assignments.
pub(super) fn condition(rng: &mut Rng, role: RolePick) -> Option<String> {
    const DELEGABLE: &str = "4633458b-17de-408a-b874-0445c86b69e6, 12338af0-0e69-4776-bea7-57ae8d297424, db79e9a7-68ee-4b58-9aeb-b90e7c24fcba, 21090545-7ca7-4776-b22c-e363652d74d2";
    match role {
        UAA | RBAC_ADMIN if rng.chance(50) => Some(format!(
            "((!(ActionMatches{{'Microsoft.Authorization/roleAssignments/write'}})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{DELEGABLE}}})) AND ((!(ActionMatches{{'Microsoft.Authorization/roleAssignments/delete'}})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{DELEGABLE}}}))"
        )),
        SECRETS_USER if rng.chance(5) => Some(format!(
            "((!(ActionMatches{{'Microsoft.KeyVault/vaults/secrets/getSecret/action'}})) OR (@Resource[Microsoft.KeyVault/vaults/secrets:tags:team<$key_case_sensitive$>] StringEquals 'team-{:03}'))",
            rng.below(200)
        )),
        _ => None,
    }
}
