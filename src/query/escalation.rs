//! Self-escalation: principals who cannot use a vault's data now but can grant it to themselves through
//! the management plane (reference §b.4, §b.5 and decision 1).

use serde::Serialize;

use crate::catalog::{self, Plane};
use crate::eval::{Decision, Engine, PrincipalRef, Subject, Target, Verdict};
use crate::model::{Scope, Vault};
use crate::query::who_can::{grant_holders, identities};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Technique {
    /// Access-policy vault: `vaults/write` or `vaults/accessPolicies/write` lets one add an entry for oneself.
    AccessPolicySelfGrant,
    /// RBAC vault: `roleAssignments/write` lets one assign oneself a data role.
    RoleAssignmentSelfGrant,
    /// Access-policy vault: unrestricted `roleAssignments/write` lets one first assign oneself a role with
    /// `vaults/write`, then add an access policy.
    RoleAssignmentThenAccessPolicy,
    /// Unrestricted `roleAssignments/write` plus `vaults/write`: the permission model itself can be switched.
    SwitchPermissionModel,
    /// `vaults/write` alone on an RBAC vault: per Microsoft's 2026-04 default-access article the model switch
    /// (back to access policies) may need only this; other articles require `roleAssignments/write` too.
    SwitchPermissionModelPossible,
    /// `vaults/deploy/action` on a vault enabled for template deployment: ARM deployments can resolve its
    /// secrets into deployed resources.
    TemplateDeployment,
}

impl Technique {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessPolicySelfGrant => "accessPolicySelfGrant",
            Self::RoleAssignmentSelfGrant => "roleAssignmentSelfGrant",
            Self::RoleAssignmentThenAccessPolicy => "roleAssignmentThenAccessPolicy",
            Self::SwitchPermissionModel => "switchPermissionModel",
            Self::SwitchPermissionModelPossible => "switchPermissionModelPossible",
            Self::TemplateDeployment => "templateDeployment",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::AccessPolicySelfGrant => "can add an access-policy entry for itself",
            Self::RoleAssignmentSelfGrant => "can assign itself a Key Vault data role",
            Self::RoleAssignmentThenAccessPolicy => {
                "can assign itself a role with vaults/write, then add an access policy"
            }
            Self::SwitchPermissionModel => "can switch the vault's permission model",
            Self::SwitchPermissionModelPossible => {
                "may be able to switch the vault back to access policies (vaults/write only; Microsoft's articles disagree)"
            }
            Self::TemplateDeployment => {
                "can have ARM template deployments read the vault's secrets"
            }
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub principal: PrincipalRef,
    pub vault_id: String,
    pub technique: Technique,
    /// The role assignment that enables it.
    pub grant: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    /// `allowed`, or `conditional` (a delegation condition limits which roles it may assign), or `unknown`.
    pub decision: Decision,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Data operations the principal cannot perform now (what it stands to gain).
    pub lacks: Vec<String>,
    /// For an `unknown` finding: the data the snapshot lacks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_because: Vec<String>,
}

struct Probe<'e, 'a> {
    engine: &'e Engine<'a>,
    subject: Subject,
    target: Target<'a>,
}

impl Probe<'_, '_> {
    fn check(&self, action: &str) -> Option<Verdict> {
        let action = catalog::resolve(action).ok()?;
        self.engine
            .check(&self.subject, &self.target, &action, None, None)
            .ok()
    }
}

fn finding(
    probe: &Probe,
    vault: &Vault,
    technique: Technique,
    via: &Verdict,
    lacks: &[String],
) -> Finding {
    let grant = via
        .grants
        .iter()
        .find(|g| g.condition.is_none())
        .or_else(|| via.grants.first());
    Finding {
        principal: probe.subject.principal.clone(),
        vault_id: vault.scope.id().to_string(),
        technique,
        grant: grant.map(|g| g.id.clone()).unwrap_or_default(),
        role_name: grant.and_then(|g| g.role_name.clone()),
        decision: via.decision,
        condition: grant.and_then(|g| g.condition.clone()),
        lacks: lacks.to_vec(),
        unknown_because: if via.decision == Decision::Unknown {
            via.unknown_because.clone()
        } else {
            Vec::new()
        },
    }
}

/// Data operations (other than purge) the subject cannot perform on the vault now.
fn lacking(probe: &Probe) -> Vec<String> {
    let row = probe.engine.prepare(&probe.subject, &probe.target, None);
    catalog::operations()
        .iter()
        .filter(|op| op.plane == Plane::Data && !op.is_purge())
        .filter(|op| {
            catalog::resolve(op.name)
                .is_ok_and(|a| probe.engine.decide(&row, &a) != Decision::Allowed)
        })
        .map(|op| op.name.to_string())
        .collect()
}

fn possible(v: &Option<Verdict>) -> Option<&Verdict> {
    v.as_ref().filter(|v| v.decision != Decision::Denied)
}

/// The management operations that open a self-escalation path.
const LEVERS: [&str; 4] = [
    "vaults/write",
    "vaults/accessPolicies/write",
    "roleAssignments/write",
    "vaults/deploy/action",
];

/// Findings for one vault, one principal at a time.
pub fn escalations_for_vault(engine: &Engine, vault: &Vault) -> Vec<Finding> {
    escalations_for_vault_among(engine, vault, &|_| true)
}

/// [`escalations_for_vault`] for the identities `keep` accepts (what-if re-examines only those whose
/// decisions can have changed).
pub fn escalations_for_vault_among(
    engine: &Engine,
    vault: &Vault,
    keep: &dyn Fn(&str) -> bool,
) -> Vec<Finding> {
    let Ok(write) = catalog::resolve("vaults/write") else {
        return Vec::new();
    };
    let levers: Vec<_> = LEVERS
        .iter()
        .filter_map(|a| catalog::resolve(a).ok())
        .collect();
    let target = engine.target(&vault.scope);
    let mut out = Vec::new();
    for (id, _) in identities(engine, &grant_holders(engine, &target, &write)) {
        if !keep(&id) {
            continue;
        }
        let subject = engine.subject(&id);
        // Screen with the fast path (same decisions as `check`): most holders hold none of the levers.
        let row = engine.prepare(&subject, &target, None);
        if levers
            .iter()
            .all(|a| engine.decide(&row, a) == Decision::Denied)
        {
            continue;
        }
        let probe = Probe {
            engine,
            subject,
            target: target.clone(),
        };
        let vaults_write = probe.check("vaults/write");
        let policies_write = probe.check("vaults/accessPolicies/write");
        let assign = probe.check("roleAssignments/write");
        let deploy = probe.check("vaults/deploy/action");
        let interesting = [&vaults_write, &policies_write, &assign, &deploy]
            .iter()
            .any(|v| possible(v).is_some());
        if !interesting {
            continue;
        }
        let lacks = lacking(&probe);
        if lacks.is_empty() {
            continue;
        }
        let unrestricted_assign = assign
            .as_ref()
            .is_some_and(|v| v.decision == Decision::Allowed);
        if vault.rbac_authorization {
            if let Some(v) = possible(&assign) {
                out.push(finding(
                    &probe,
                    vault,
                    Technique::RoleAssignmentSelfGrant,
                    v,
                    &lacks,
                ));
            }
            match (possible(&vaults_write), unrestricted_assign) {
                (Some(v), true) => out.push(finding(
                    &probe,
                    vault,
                    Technique::SwitchPermissionModel,
                    v,
                    &lacks,
                )),
                (Some(v), false) => out.push(finding(
                    &probe,
                    vault,
                    Technique::SwitchPermissionModelPossible,
                    v,
                    &lacks,
                )),
                _ => {}
            }
        } else {
            if let Some(v) = possible(&policies_write).or(possible(&vaults_write)) {
                out.push(finding(
                    &probe,
                    vault,
                    Technique::AccessPolicySelfGrant,
                    v,
                    &lacks,
                ));
            } else if unrestricted_assign && let Some(v) = &assign {
                out.push(finding(
                    &probe,
                    vault,
                    Technique::RoleAssignmentThenAccessPolicy,
                    v,
                    &lacks,
                ));
            }
            if let (Some(v), true) = (possible(&vaults_write), unrestricted_assign) {
                out.push(finding(
                    &probe,
                    vault,
                    Technique::SwitchPermissionModel,
                    v,
                    &lacks,
                ));
            }
        }
        if vault.enabled_for_template_deployment
            && lacks.iter().any(|l| l == "secrets/get")
            && let Some(v) = possible(&deploy)
        {
            out.push(finding(
                &probe,
                vault,
                Technique::TemplateDeployment,
                v,
                &lacks,
            ));
        }
    }
    out
}

/// Findings for every vault at or below `scope` (all vaults when `None`).
pub fn escalations(engine: &Engine, scope: Option<&Scope>) -> Vec<Finding> {
    engine
        .snapshot
        .vaults
        .iter()
        .filter(|v| scope.is_none_or(|s| engine.index.ancestry(&v.scope).contains(s.key())))
        .flat_map(|v| escalations_for_vault(engine, v))
        .collect()
}
