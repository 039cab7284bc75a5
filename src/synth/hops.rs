//! The attack-path hop sections: compute resources running as managed identities (with a control role
//! assignment each), user-assigned identities (some with federated credentials, some assignable by a
//! Managed Identity Operator), applications with owners and federated credentials, group owners, a few
//! Entra admin roles and Graph permissions. Only when the spec asks for compute resources or applications:
//! otherwise the sections stay absent and the snapshot is what it was.

use super::*;
use crate::model::hops::*;

/// Compute resource types, their weights, the control role given on each and the name prefix.
const COMPUTE_KINDS: &[((&str, &str, &str), u32)] = &[
    (
        (
            "Microsoft.Compute/virtualMachines",
            "Virtual Machine Contributor",
            "vm",
        ),
        40,
    ),
    (
        (
            "Microsoft.Compute/virtualMachines",
            "Virtual Machine Administrator Login",
            "vm",
        ),
        10,
    ),
    (("Microsoft.Web/sites", "Website Contributor", "app"), 25),
    (
        (
            "Microsoft.Compute/virtualMachineScaleSets",
            "Virtual Machine Contributor",
            "vmss",
        ),
        5,
    ),
    (
        (
            "Microsoft.Automation/automationAccounts",
            "Automation Contributor",
            "aa",
        ),
        7,
    ),
    (
        (
            "Microsoft.Logic/workflows",
            "Logic App Contributor",
            "logic",
        ),
        8,
    ),
    (
        (
            "Microsoft.ContainerService/managedClusters",
            "Azure Kubernetes Service Cluster Admin Role",
            "aks",
        ),
        3,
    ),
    (
        (
            "Microsoft.ContainerRegistry/registries",
            "Contributor",
            "acr",
        ),
        2,
    ),
];

const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
const PRIVILEGED_ROLE_ADMIN: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
const APPLICATION_ADMIN: &str = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";
const GROUPS_ADMIN: &str = "fdd7a751-b60b-444a-984c-02652fe8fa1c";
const GRAPH_GROUP_MEMBER_RW: &str = "dbaae8cf-10b5-4b86-a4a1-f871c94c6695";

impl Gen<'_> {
    pub(super) fn hops(&mut self) {
        if self.spec.compute_resources == 0 && self.spec.applications == 0 {
            return;
        }
        let mut rng = stream(self.spec.seed, Tag::Hops);
        let mut resources = self.user_assigned_pool(&mut rng);
        let pool: Vec<(String, String)> = resources
            .iter()
            .filter_map(|r| Some((r.scope.id().to_string(), r.principal_id.clone()?)))
            .collect();
        for i in 0..self.spec.compute_resources {
            if let Some(r) = self.compute(&mut rng, i, &pool) {
                resources.push(r);
            }
        }
        self.snapshot.hops.resources = Some(resources);
        self.applications(&mut rng);
        self.directory_admins(&mut rng);
    }

    fn rg_scope(&self, rng: &mut Rng) -> Option<String> {
        let n = self.snapshot.resource_groups.len();
        (n > 0).then(|| {
            self.snapshot.resource_groups[rng.below(n)]
                .scope
                .id()
                .to_string()
        })
    }

    /// A managed identity's object id (the last principals are managed identities).
    fn managed_identity(&self, i: usize) -> Option<String> {
        let d = &self.dir;
        (d.mis > 0).then(|| self.principal_id(d.app(d.sps + i % d.mis)).to_string())
    }

    /// One user-assigned identity per 20 compute resources: every 10th assignable by a Managed Identity
    /// Operator, every 20th writable by a Managed Identity Contributor, every 5th with a federated
    /// credential.
    fn user_assigned_pool(&mut self, rng: &mut Rng) -> Vec<IdentityResource> {
        let mut out = Vec::new();
        for i in 0..self.spec.compute_resources / 20 {
            let Some(rg) = self.rg_scope(rng) else {
                break;
            };
            let name = format!("uai-{i:05}");
            let id =
                format!("{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}");
            let federated = if i % 5 == 0 {
                vec![FederatedCredential {
                    name: "github-main".into(),
                    issuer: "https://token.actions.githubusercontent.com".into(),
                    subject: format!("repo:contoso/svc-{i}:ref:refs/heads/main"),
                }]
            } else {
                Vec::new()
            };
            if i % 10 == 0 {
                self.hop_assignment(rng, &id, "Managed Identity Operator");
            }
            if i % 20 == 0 {
                self.hop_assignment(rng, &id, "Managed Identity Contributor");
            }
            out.push(IdentityResource {
                scope: scope(&id),
                kind: crate::paths::USER_ASSIGNED_KIND.to_string(),
                name,
                principal_id: self.managed_identity(7 * i + 3),
                user_assigned: Vec::new(),
                kubelet: None,
                federated_credentials: federated,
            });
        }
        out
    }

    fn compute(
        &mut self,
        rng: &mut Rng,
        i: usize,
        pool: &[(String, String)],
    ) -> Option<IdentityResource> {
        let &(kind, role, prefix) = rng.weighted(COMPUTE_KINDS)?;
        let rg = self.rg_scope(rng)?;
        let name = format!("{prefix}-{i:05}");
        let id = format!("{rg}/providers/{kind}/{name}");
        self.hop_assignment(rng, &id, role);
        let attached = |rng: &mut Rng| {
            (!pool.is_empty()).then(|| {
                let (resource_id, principal) = &pool[rng.below(pool.len())];
                UserAssigned {
                    resource_id: resource_id.clone(),
                    principal_id: Some(principal.clone()),
                }
            })
        };
        let aks = prefix == "aks";
        let user_assigned = if !aks && rng.chance(10) {
            attached(rng).into_iter().collect()
        } else {
            Vec::new()
        };
        Some(IdentityResource {
            scope: scope(&id),
            kind: kind.to_ascii_lowercase(),
            name,
            principal_id: self.managed_identity(i),
            user_assigned,
            kubelet: if aks { attached(rng) } else { None },
            federated_credentials: Vec::new(),
        })
    }

    /// `role` (by name) on `at` for a random user (70%) or group.
    fn hop_assignment(&mut self, rng: &mut Rng, at: &str, role: &str) {
        let Some(def) = self
            .snapshot
            .role_definitions
            .iter()
            .find(|d| d.role_name == role)
        else {
            return;
        };
        let Some((who, kind)) = self.dir.pick(rng, &[(Who::User, 70), (Who::Group, 30)]) else {
            return;
        };
        let n = self.snapshot.role_assignments.len();
        let id = guid(self.spec.seed, Tag::HopAssignment, n);
        let assignment = RoleAssignment {
            id: format!("{at}/providers/Microsoft.Authorization/roleAssignments/{id}"),
            scope: scope(at),
            role_definition_id: def.id.clone(),
            role_definition_guid: def.guid.clone(),
            principal_id: self.principal_id(who).to_string(),
            principal_type: if kind == Who::Group { "Group" } else { "User" }.to_string(),
            condition: None,
            condition_version: None,
        };
        self.snapshot.role_assignments.push(assignment);
    }

    /// Applications for the first service principals, each owned by a user (a fifth by two), every 10th
    /// with a federated credential; a tenth of the groups owned by a user.
    fn applications(&mut self, rng: &mut Rng) {
        let d = &self.dir;
        let mut apps = Vec::new();
        let mut owners = Vec::new();
        for i in 0..self.spec.applications.min(d.sps) {
            let sp = &self.snapshot.principals[d.app(i)];
            let id = guid(self.spec.seed, Tag::Application, i);
            let federated_credentials = if i % 10 == 0 {
                vec![FederatedCredential {
                    name: "deploy".into(),
                    issuer: "https://token.actions.githubusercontent.com".into(),
                    subject: format!("repo:contoso/app-{i}:environment:prod"),
                }]
            } else {
                Vec::new()
            };
            for _ in 0..if rng.chance(20) { 2 } else { 1 } {
                if d.users > 0 {
                    owners.push(Owner {
                        object_id: id.clone(),
                        owner_id: self.principal_id(rng.below(d.users)).to_string(),
                    });
                }
            }
            apps.push(Application {
                id,
                app_id: sp.app_id.clone().unwrap_or_default(),
                display_name: format!("app-{i:05}"),
                federated_credentials,
            });
        }
        for g in (0..d.groups).step_by(10) {
            if d.users > 0 {
                owners.push(Owner {
                    object_id: self.principal_id(d.group(g)).to_string(),
                    owner_id: self.principal_id(rng.below(d.users)).to_string(),
                });
            }
        }
        self.snapshot.hops.applications = Some(apps);
        self.snapshot.hops.owners = Some(owners);
    }

    /// Two Global Administrators, an eligible Privileged Role Administrator, three Application
    /// Administrators, two Groups Administrators; one service principal with GroupMember.ReadWrite.All.
    fn directory_admins(&mut self, rng: &mut Rng) {
        let d = &self.dir;
        let mut active = Vec::new();
        let mut eligible = Vec::new();
        let roles = [
            (GLOBAL_ADMIN, 2, false),
            (PRIVILEGED_ROLE_ADMIN, 1, true),
            (APPLICATION_ADMIN, 3, false),
            (GROUPS_ADMIN, 2, false),
        ];
        for (role, count, is_eligible) in roles {
            for _ in 0..count {
                if d.users == 0 {
                    break;
                }
                let a = DirectoryRoleAssignment {
                    id: format!("dra-{}", active.len() + eligible.len()),
                    principal_id: self.principal_id(rng.below(d.users)).to_string(),
                    role_definition_id: role.to_string(),
                    directory_scope_id: "/".into(),
                };
                if is_eligible {
                    eligible.push(a);
                } else {
                    active.push(a);
                }
            }
        }
        let mut app_roles = Vec::new();
        if d.sps > 0 {
            app_roles.push(AppRoleAssignment {
                id: "ara-0".into(),
                principal_id: self.principal_id(d.app(rng.below(d.sps))).to_string(),
                resource_id: guid(self.spec.seed, Tag::Application, usize::MAX),
                resource_display_name: Some("Microsoft Graph".into()),
                app_role_id: GRAPH_GROUP_MEMBER_RW.into(),
            });
        }
        self.snapshot.hops.directory_roles = Some(active);
        self.snapshot.hops.directory_eligibilities = Some(eligible);
        self.snapshot.hops.app_role_assignments = Some(app_roles);
    }
}
