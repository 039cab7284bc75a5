//! The ways a principal can grant itself data access on a vault: named for JSON and put in words.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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

    /// The management action(s) the technique rests on: what the grant it cites must allow.
    pub fn lever(self) -> &'static str {
        match self {
            Self::AccessPolicySelfGrant => {
                "Microsoft.KeyVault/vaults/accessPolicies/write (or vaults/write)"
            }
            Self::RoleAssignmentSelfGrant => "Microsoft.Authorization/roleAssignments/write",
            Self::RoleAssignmentThenAccessPolicy => {
                "Microsoft.Authorization/roleAssignments/write, unrestricted"
            }
            Self::SwitchPermissionModel => {
                "Microsoft.KeyVault/vaults/write with unrestricted roleAssignments/write"
            }
            Self::SwitchPermissionModelPossible => "Microsoft.KeyVault/vaults/write",
            Self::TemplateDeployment => "Microsoft.KeyVault/vaults/deploy/action",
        }
    }

    /// The technique in a few words, for a table column too narrow for [`Technique::describe`].
    pub fn short(self) -> &'static str {
        match self {
            Self::AccessPolicySelfGrant => "adds access policy",
            Self::RoleAssignmentSelfGrant => "assigns data role",
            Self::RoleAssignmentThenAccessPolicy => "role, then policy",
            Self::SwitchPermissionModel => "switches model",
            Self::SwitchPermissionModelPossible => "disputed: switch",
            Self::TemplateDeployment => "template deploy",
        }
    }

    /// The technique as a column `width` cells wide shows it: in full when it fits, else in a few words
    /// (the explanation has it in full), never cut.
    pub fn in_column(self, width: usize) -> &'static str {
        if self.describe().chars().count() <= width {
            self.describe()
        } else {
            self.short()
        }
    }

    /// Microsoft's own articles disagree on whether this path exists (docs/semantics.md): every output marks
    /// it, and `--hide-disputed` (a key in the explorer) leaves it out.
    pub fn disputed(self) -> bool {
        self == Self::SwitchPermissionModelPossible
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
                "disputed: may be able to switch the vault back to access policies (vaults/write only; Microsoft's articles disagree)"
            }
            Self::TemplateDeployment => {
                "can have ARM template deployments read the vault's secrets"
            }
        }
    }
}
