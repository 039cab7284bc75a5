//! What the attack-path hops need beyond access itself: resources that run code as managed identities,
//! Entra directory roles, owners, Microsoft Graph app roles and applications with federated credentials.
//!
//! Every section is `None` when the snapshot does not have it: an absent section is missing data, so a
//! path that would need it is `unknown`, never "no path".

use crate::model::scope::Scope;

/// The optional hop sections of a snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hops {
    /// ARM resources with identities (`identityResources`).
    pub resources: Option<Vec<IdentityResource>>,
    /// Entra directory role assignments (`directoryRoleAssignments`).
    pub directory_roles: Option<Vec<DirectoryRoleAssignment>>,
    /// Entra PIM eligibilities (`directoryRoleEligibilities`).
    pub directory_eligibilities: Option<Vec<DirectoryRoleAssignment>>,
    /// Owners of groups, applications and service principals (`owners`).
    pub owners: Option<Vec<Owner>>,
    /// App role assignments granted to service principals (`appRoleAssignments`).
    pub app_role_assignments: Option<Vec<AppRoleAssignment>>,
    /// Application objects with their federated identity credentials (`applications`).
    pub applications: Option<Vec<Application>>,
}

impl Hops {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// An ARM resource that runs code as the identities it holds, or a user-assigned identity itself.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityResource {
    pub scope: Scope,
    /// The ARM `type`, lower-cased: `microsoft.compute/virtualmachines`.
    pub kind: String,
    pub name: String,
    /// Lower-cased object id of the system-assigned identity (or, for a user-assigned identity resource,
    /// of that identity).
    pub principal_id: Option<String>,
    /// The user-assigned identities attached to it.
    pub user_assigned: Vec<UserAssigned>,
    /// An AKS cluster's kubelet identity (`properties.identityProfile.kubeletidentity`): the user-assigned
    /// identity its nodes run as.
    pub kubelet: Option<UserAssigned>,
    /// A user-assigned identity's federated identity credentials: external subjects that sign in as it.
    pub federated_credentials: Vec<FederatedCredential>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserAssigned {
    /// The identity's resource id as written.
    pub resource_id: String,
    /// Lower-cased object id, when given.
    pub principal_id: Option<String>,
}

/// A Graph `unifiedRoleAssignment` or `unifiedRoleEligibilitySchedule(Instance)`.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryRoleAssignment {
    pub id: String,
    /// Lower-cased.
    pub principal_id: String,
    /// Lower-cased role definition (template) id.
    pub role_definition_id: String,
    /// `/` for the whole tenant, `/<objectId>` for one object, `/administrativeUnits/<id>` for a unit.
    pub directory_scope_id: String,
}

/// `owner_id` owns directory object `object_id` (a group, an application or a service principal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub object_id: String,
    pub owner_id: String,
}

/// A Graph `appRoleAssignment`: `principal_id` holds app role `app_role_id` of resource SP `resource_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct AppRoleAssignment {
    pub id: String,
    pub principal_id: String,
    pub resource_id: String,
    pub resource_display_name: Option<String>,
    pub app_role_id: String,
}

/// A Graph `application` object (not its service principal).
#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    /// Lower-cased object id of the application object.
    pub id: String,
    /// Lower-cased appId, shared with its service principal.
    pub app_id: String,
    pub display_name: String,
    pub federated_credentials: Vec<FederatedCredential>,
}

/// A Graph `federatedIdentityCredential`: tokens from `issuer` for `subject` sign in as the application.
#[derive(Debug, Clone, PartialEq)]
pub struct FederatedCredential {
    pub name: String,
    pub issuer: String,
    pub subject: String,
}
