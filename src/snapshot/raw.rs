//! The snapshot file as written on disk: Azure's own shapes, every leaf a [`Field`] so that loading can
//! report all problems at once. Unknown keys are ignored, as the format requires.

use serde::Deserialize;

use super::lenient::{Field, expect_object};

mod hops;
pub use hops::*;

pub type Text = Field<String>;
pub type List<T> = Field<Vec<Field<T>>>;

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawSnapshot {
    pub kvaccess_snapshot: Field<i64>,
    pub cloud: Text,
    pub tenant_id: Text,
    pub collected_at: Text,
    pub management_groups: List<RawManagementGroup>,
    pub subscriptions: List<RawSubscription>,
    pub resource_groups: List<RawResourceGroup>,
    pub vaults: List<RawVault>,
    pub role_definitions: List<RawRoleDefinition>,
    pub role_assignments: List<RawRoleAssignment>,
    pub role_eligibilities: List<RawRoleAssignment>,
    pub deny_assignments: List<RawDenyAssignment>,
    pub principals: List<RawPrincipal>,
    pub group_memberships: List<RawGroupMembership>,
    pub vault_items: List<RawVaultItem>,
    pub collection_errors: List<RawCollectionError>,
    pub network_security_perimeters: List<RawPerimeter>,
    pub identity_resources: List<RawIdentityResource>,
    pub directory_role_assignments: List<RawDirectoryRole>,
    pub directory_role_eligibilities: List<RawDirectoryRole>,
    pub owners: List<RawOwner>,
    pub app_role_assignments: List<RawAppRoleAssignment>,
    pub applications: List<RawApplication>,
    /// What the source could not collect and kvaccess assumes (an AzureHound import's "deny assignments:
    /// not collected, assumed none"), stated once.
    pub assumptions: List<String>,
}

/// kvaccess's own small shape, or the ARM `Microsoft.Management/managementGroups` object
/// (`properties.displayName`, `properties.details.parent`, `properties.children`) pasted unchanged.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawManagementGroup {
    pub id: Text,
    pub name: Text,
    pub display_name: Text,
    pub parent_id: Text,
    pub subscription_ids: List<String>,
    pub properties: Field<RawManagementGroupProperties>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawManagementGroupProperties {
    pub display_name: Text,
    pub details: Field<RawManagementGroupDetails>,
    pub children: List<RawManagementGroupChild>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawManagementGroupDetails {
    pub parent: Field<RawIdRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawManagementGroupChild {
    pub id: Text,
    #[serde(rename = "type")]
    pub kind: Text,
    pub name: Text,
    pub display_name: Text,
    /// With `$recurse=true`, each child group lists its own children, to any depth.
    pub children: List<RawManagementGroupChild>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawIdRef {
    pub id: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawSubscription {
    pub id: Text,
    pub subscription_id: Text,
    pub display_name: Text,
    pub tenant_id: Text,
    pub state: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawResourceGroup {
    pub id: Text,
    pub name: Text,
    pub location: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawVault {
    pub id: Text,
    pub name: Text,
    pub location: Text,
    pub properties: Field<RawVaultProperties>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawVaultProperties {
    pub tenant_id: Text,
    pub vault_uri: Text,
    pub enable_rbac_authorization: Field<bool>,
    pub access_policies: List<RawAccessPolicy>,
    pub network_acls: Field<RawNetworkAcls>,
    pub public_network_access: Text,
    pub private_endpoint_connections: List<RawPrivateEndpointConnection>,
    pub enable_soft_delete: Field<bool>,
    pub soft_delete_retention_in_days: Field<i64>,
    pub enable_purge_protection: Field<bool>,
    pub enabled_for_template_deployment: Field<bool>,
    pub enabled_for_deployment: Field<bool>,
    pub enabled_for_disk_encryption: Field<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawAccessPolicy {
    pub tenant_id: Text,
    pub object_id: Text,
    pub application_id: Text,
    pub permissions: Field<RawApPermissions>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawApPermissions {
    pub keys: List<String>,
    pub secrets: List<String>,
    pub certificates: List<String>,
    pub storage: List<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawNetworkAcls {
    pub default_action: Text,
    pub bypass: Text,
    pub ip_rules: List<RawIpRule>,
    pub virtual_network_rules: List<RawIdRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawIpRule {
    pub value: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
/// The REST shape (`properties.privateEndpoint`, …) or the one `az keyvault show` prints, with the
/// properties flattened onto the item.
pub struct RawPrivateEndpointConnection {
    pub id: Text,
    pub properties: Field<RawPrivateEndpointConnectionProperties>,
    pub private_endpoint: Field<RawIdRef>,
    pub private_link_service_connection_state: Field<RawConnectionState>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawPrivateEndpointConnectionProperties {
    pub private_endpoint: Field<RawIdRef>,
    pub private_link_service_connection_state: Field<RawConnectionState>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawConnectionState {
    pub status: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawRoleDefinition {
    pub id: Text,
    pub name: Text,
    pub properties: Field<RawRoleDefinitionProperties>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawRoleDefinitionProperties {
    pub role_name: Text,
    #[serde(rename = "type")]
    pub role_type: Text,
    pub description: Text,
    pub assignable_scopes: List<String>,
    pub permissions: List<RawPermission>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawPermission {
    pub actions: List<String>,
    pub not_actions: List<String>,
    pub data_actions: List<String>,
    pub not_data_actions: List<String>,
    pub condition: Text,
    pub condition_version: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawRoleAssignment {
    pub id: Text,
    pub name: Text,
    pub properties: Field<RawRoleAssignmentProperties>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawRoleAssignmentProperties {
    pub scope: Text,
    pub role_definition_id: Text,
    pub principal_id: Text,
    pub principal_type: Text,
    pub condition: Text,
    pub condition_version: Text,
    pub description: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawDenyAssignment {
    pub id: Text,
    pub name: Text,
    pub properties: Field<RawDenyAssignmentProperties>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawDenyAssignmentProperties {
    pub deny_assignment_name: Text,
    pub description: Text,
    pub scope: Text,
    pub do_not_apply_to_child_scopes: Field<bool>,
    pub permissions: List<RawPermission>,
    pub principals: List<RawDenyPrincipal>,
    pub exclude_principals: List<RawDenyPrincipal>,
    pub is_system_protected: Field<bool>,
    pub deny_assignment_effect: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawDenyPrincipal {
    pub id: Text,
    #[serde(rename = "type")]
    pub kind: Text,
}

/// A Microsoft Graph directory object. `@odata.type` is absent from some Graph responses (`GET /users/{id}`,
/// group member lists), so the kind is also inferred from the fields present.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawPrincipal {
    #[serde(rename = "@odata.type")]
    pub odata_type: Text,
    pub id: Text,
    pub display_name: Text,
    pub user_principal_name: Text,
    pub mail: Text,
    pub app_id: Text,
    pub service_principal_type: Text,
    pub security_enabled: Field<bool>,
    pub group_types: List<String>,
    pub mail_enabled: Field<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawGroupMembership {
    pub group_id: Text,
    pub member_id: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawVaultItem {
    pub vault_id: Text,
    pub kind: Text,
    pub name: Text,
    pub enabled: Field<bool>,
    pub expires: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawCollectionError {
    pub scope: Text,
    pub what: Text,
    pub status: Field<i64>,
    pub message: Text,
}

/// A Network Security Perimeter (ARM `Microsoft.Network/networkSecurityPerimeters`) with its profiles
/// (each with its access rules, as `…/profiles/{p}/accessRules` lists them) and its resource associations
/// (as `…/resourceAssociations` lists them).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawPerimeter {
    pub id: Text,
    pub name: Text,
    pub profiles: List<RawPerimeterProfile>,
    pub resource_associations: List<RawPerimeterAssociation>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawPerimeterProfile {
    pub id: Text,
    pub name: Text,
    pub access_rules: List<RawAccessRule>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawAccessRule {
    pub name: Text,
    pub properties: Field<RawAccessRuleProperties>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawAccessRuleProperties {
    pub direction: Text,
    pub address_prefixes: List<String>,
    pub subscriptions: List<RawIdRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawPerimeterAssociation {
    pub name: Text,
    pub properties: Field<RawPerimeterAssociationProperties>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawPerimeterAssociationProperties {
    pub private_link_resource: Field<RawIdRef>,
    pub profile: Field<RawIdRef>,
    pub access_mode: Text,
}

expect_object!(
    RawPerimeter,
    RawPerimeterProfile,
    RawAccessRule,
    RawAccessRuleProperties,
    RawPerimeterAssociation,
    RawPerimeterAssociationProperties,
);

expect_object!(
    RawSnapshot,
    RawManagementGroup,
    RawManagementGroupProperties,
    RawManagementGroupDetails,
    RawManagementGroupChild,
    RawIdRef,
    RawSubscription,
    RawResourceGroup,
    RawVault,
    RawVaultProperties,
    RawAccessPolicy,
    RawApPermissions,
    RawNetworkAcls,
    RawIpRule,
    RawPrivateEndpointConnection,
    RawPrivateEndpointConnectionProperties,
    RawConnectionState,
    RawRoleDefinition,
    RawRoleDefinitionProperties,
    RawPermission,
    RawRoleAssignment,
    RawRoleAssignmentProperties,
    RawDenyAssignment,
    RawDenyAssignmentProperties,
    RawDenyPrincipal,
    RawPrincipal,
    RawGroupMembership,
    RawVaultItem,
    RawCollectionError,
);
