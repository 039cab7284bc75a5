//! The optional hop sections as written: ARM resources and Microsoft Graph objects in Azure's own shapes.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::super::lenient::{Expected, Field, Kind, expect_object};
use super::{List, Text};

impl<V> Expected for BTreeMap<String, V> {
    const KIND: Kind = Kind::Object;
}

/// An ARM resource with `identity` (VM, scale set, web app, …), or a
/// `Microsoft.ManagedIdentity/userAssignedIdentities` resource (`properties.principalId`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawIdentityResource {
    pub id: Text,
    pub name: Text,
    #[serde(rename = "type")]
    pub kind: Text,
    pub identity: Field<RawIdentity>,
    pub properties: Field<RawIdentityProperties>,
    /// A user-assigned identity's `…/federatedIdentityCredentials` (ARM shape: issuer and subject under
    /// `properties`, or flat as for applications).
    pub federated_identity_credentials: List<RawArmFederatedCredential>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawArmFederatedCredential {
    pub name: Text,
    pub issuer: Text,
    pub subject: Text,
    pub properties: Field<RawFederatedCredential>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawIdentity {
    #[serde(rename = "type")]
    pub kind: Text,
    pub principal_id: Text,
    pub user_assigned_identities: Field<BTreeMap<String, Field<RawUserAssigned>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawUserAssigned {
    pub principal_id: Text,
    pub client_id: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawIdentityProperties {
    pub principal_id: Text,
    pub identity_profile: Field<RawIdentityProfile>,
}

/// A managed cluster's `identityProfile`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawIdentityProfile {
    pub kubeletidentity: Field<RawKubeletIdentity>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawKubeletIdentity {
    pub resource_id: Text,
    pub object_id: Text,
}

/// Graph `unifiedRoleAssignment` / `unifiedRoleEligibilitySchedule`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawDirectoryRole {
    pub id: Text,
    pub principal_id: Text,
    pub role_definition_id: Text,
    pub directory_scope_id: Text,
}

/// `{"objectId": …, "ownerId": …}`, or `{"objectId": …, "value": [directoryObject…]}` (the Graph
/// `…/owners` response pasted with the object it was asked for).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawOwner {
    pub object_id: Text,
    pub owner_id: Text,
    pub value: List<RawDirectoryObject>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawDirectoryObject {
    pub id: Text,
}

/// Graph `appRoleAssignment`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawAppRoleAssignment {
    pub id: Text,
    pub principal_id: Text,
    pub resource_id: Text,
    pub resource_display_name: Text,
    pub app_role_id: Text,
}

/// Graph `application`, with its `federatedIdentityCredentials` (the `…/federatedIdentityCredentials`
/// response's `value`) under that key.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawApplication {
    pub id: Text,
    pub app_id: Text,
    pub display_name: Text,
    pub federated_identity_credentials: List<RawFederatedCredential>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RawFederatedCredential {
    pub name: Text,
    pub issuer: Text,
    pub subject: Text,
}

expect_object!(
    RawIdentityResource,
    RawIdentity,
    RawUserAssigned,
    RawIdentityProperties,
    RawIdentityProfile,
    RawKubeletIdentity,
    RawArmFederatedCredential,
    RawDirectoryRole,
    RawOwner,
    RawDirectoryObject,
    RawAppRoleAssignment,
    RawApplication,
    RawFederatedCredential,
);
