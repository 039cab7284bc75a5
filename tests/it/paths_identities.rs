//! Attack-path hops onto managed identities on hand-made tenants whose role assignments name Microsoft's
//! built-in roles by GUID only (the snapshot lacks their definitions, so kvaccess's embedded copies
//! answer): VM sign-in, AKS kubelet identities, attaching a user-assigned identity, federated credentials
//! on user-assigned identities, Azure RBAC PIM eligibilities, and no credential hop onto a managed identity.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use kvaccess::eval::Decision;
use kvaccess::paths::HopKind;
use serde_json::{Value, json};

use super::paths::{
    SUB, all_sections_empty, id, load, policy, rg, sp, starts, tenant, to, user, vm, vm_id, with,
};

const VM_CONTRIBUTOR: &str = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c";
const VM_ADMIN_LOGIN: &str = "1c0163c0-47e6-4577-8991-ea5c82e286e4";
const AKS_CLUSTER_ADMIN: &str = "0ab0b1a8-8aac-4efd-b8c2-3ee1fb270be8";
const AKS_CONTRIBUTOR: &str = "ed7f3fbd-7b88-4dd4-9017-9adb7ce333f8";
const MI_OPERATOR: &str = "f1a07417-d97a-45cb-824c-7a7467783830";
const MI_CONTRIBUTOR: &str = "e40ec5ca-96e0-45a2-b4ff-59039f2c2b59";
const APP_ADMIN: &str = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";

/// A role assignment naming a built-in role by its subscription-qualified id, as ARM lists it.
fn builtin_at(principal: u32, scope: &str, role: &str, n: u32) -> Value {
    json!({
        "id": format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{}", id(8000 + n)),
        "properties": {
            "scope": scope, "principalId": id(principal),
            "roleDefinitionId": format!("{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role}"),
        }
    })
}

fn uai_id(p: u32) -> String {
    format!(
        "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uai{p}",
        rg()
    )
}

fn uai(p: u32, federated: Value) -> Value {
    json!({
        "id": uai_id(p), "name": format!("uai{p}"), "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
        "properties": {"principalId": id(p)}, "federatedIdentityCredentials": federated,
    })
}

fn aks(name: &str, system: u32, kubelet: u32) -> Value {
    json!({
        "id": format!("{}/providers/Microsoft.ContainerService/managedClusters/{name}", rg()),
        "name": name, "type": "Microsoft.ContainerService/managedClusters",
        "identity": {"type": "SystemAssigned", "principalId": id(system)},
        "properties": {"identityProfile": {"kubeletidentity": {"resourceId": uai_id(kubelet), "objectId": id(kubelet)}}},
    })
}

fn doc(
    policies: Vec<Value>,
    principals: Vec<Value>,
    resources: Value,
    assignments: Value,
) -> Value {
    let mut d = tenant(
        policies,
        principals,
        with(
            all_sections_empty(),
            json!({ "identityResources": resources }),
        ),
    );
    d["roleAssignments"] = assignments;
    d
}

#[test]
fn built_in_vm_contributor_by_guid_alone_runs_code_as_the_vm_identity() {
    let d = doc(
        vec![policy(30)],
        vec![user(10), sp(30, true)],
        json!([vm("vm-a", Some(30), None)]),
        json!([builtin_at(10, &vm_id("vm-a"), VM_CONTRIBUTOR, 1)]),
    );
    let snapshot = load(&d);
    let p = to(&snapshot, 4);
    let s = starts(&p);
    assert_eq!(
        s[&id(10)],
        (vec![HopKind::RunsAs, HopKind::Holds], Decision::Allowed)
    );
    let engine = kvaccess::eval::Engine::new(snapshot);
    assert!(
        engine
            .snapshot
            .warnings
            .iter()
            .any(|w| w.message.contains("Virtual Machine Contributor")
                && w.message.contains("embedded copy")),
        "{:?}",
        engine.snapshot.warnings
    );
}

#[test]
fn vm_administrator_login_is_a_conditional_runs_as_hop() {
    let d = doc(
        vec![policy(30)],
        vec![user(10), sp(30, true)],
        json!([vm("vm-a", Some(30), None)]),
        json!([builtin_at(10, &vm_id("vm-a"), VM_ADMIN_LOGIN, 1)]),
    );
    let p = to(&load(&d), 4);
    let s = starts(&p);
    assert_eq!(
        s[&id(10)],
        (vec![HopKind::RunsAs, HopKind::Holds], Decision::Conditional)
    );
    let hop = &p
        .groups
        .iter()
        .flat_map(|g| &g.paths)
        .find(|x| x.start.id == id(10))
        .unwrap()
        .hops[0];
    assert!(
        hop.explanation.contains("login/action"),
        "{}",
        hop.explanation
    );
    assert!(
        hop.explanation.contains("login extension"),
        "{}",
        hop.explanation
    );
}

#[test]
fn aks_cluster_admin_reaches_the_kubelet_identity_not_the_control_plane_identity() {
    // 31 is the cluster's own identity, 32 its kubelet identity; both could read the secret.
    // user10: Cluster Admin Role (runCommand); user11: AKS Contributor Role (no runCommand, docs).
    let cluster = format!(
        "{}/providers/Microsoft.ContainerService/managedClusters/aks",
        rg()
    );
    let d = doc(
        vec![policy(31), policy(32)],
        vec![user(10), user(11), sp(31, true), sp(32, true)],
        json!([aks("aks", 31, 32)]),
        json!([
            builtin_at(10, &cluster, AKS_CLUSTER_ADMIN, 1),
            builtin_at(11, &cluster, AKS_CONTRIBUTOR, 2),
        ]),
    );
    let p = to(&load(&d), 4);
    let s = starts(&p);
    assert_eq!(
        s[&id(10)],
        (vec![HopKind::RunsAs, HopKind::Holds], Decision::Allowed)
    );
    let path = p
        .groups
        .iter()
        .flat_map(|g| &g.paths)
        .find(|x| x.start.id == id(10))
        .unwrap();
    assert_eq!(path.hops[0].to, id(32), "{:?}", path.hops[0]);
    assert!(!s.contains_key(&id(11)), "{s:?}");
    let graph_has_control_plane = p
        .groups
        .iter()
        .flat_map(|g| &g.paths)
        .flat_map(|x| &x.hops)
        .any(|h| h.kind == HopKind::RunsAs && h.to == id(31));
    assert!(!graph_has_control_plane);
}

#[test]
fn managed_identity_operator_plus_a_vm_it_controls_attaches_a_user_assigned_identity() {
    // uai33 reads the secret and is attached to nothing. user10 may assign it and controls vm-b;
    // user11 may assign it but controls no compute; user12 controls vm-b but may not assign it.
    let d = doc(
        vec![policy(33)],
        vec![user(10), user(11), user(12), sp(33, true)],
        json!([uai(33, json!([])), vm("vm-b", None, None)]),
        json!([
            builtin_at(10, &uai_id(33), MI_OPERATOR, 1),
            builtin_at(10, &vm_id("vm-b"), VM_CONTRIBUTOR, 2),
            builtin_at(11, &uai_id(33), MI_OPERATOR, 3),
            builtin_at(12, &vm_id("vm-b"), VM_CONTRIBUTOR, 4),
        ]),
    );
    let p = to(&load(&d), 4);
    let s = starts(&p);
    assert_eq!(
        s[&id(10)],
        (vec![HopKind::RunsAs, HopKind::Holds], Decision::Allowed)
    );
    assert!(!s.contains_key(&id(11)), "{s:?}");
    assert!(!s.contains_key(&id(12)), "{s:?}");
    let hop = &p
        .groups
        .iter()
        .flat_map(|g| &g.paths)
        .find(|x| x.start.id == id(10))
        .unwrap()
        .hops[0];
    assert!(
        hop.explanation.contains("assign/action"),
        "{}",
        hop.explanation
    );
    assert!(hop.explanation.contains("vm-b"), "{}", hop.explanation);
    assert!(
        hop.evidence.iter().any(|e| e.contains(&id(8001))),
        "{:?}",
        hop.evidence
    );
    assert!(
        hop.evidence.iter().any(|e| e.contains(&id(8002))),
        "{:?}",
        hop.evidence
    );
}

#[test]
fn federated_credentials_of_a_user_assigned_identity_existing_and_writable() {
    let fic = json!([{"name": "gh", "properties": {"issuer": "https://token.actions.githubusercontent.com", "subject": "repo:org/app:ref:refs/heads/main"}}]);
    let d = doc(
        vec![policy(33)],
        vec![user(10), sp(33, true)],
        json!([uai(33, fic)]),
        json!([builtin_at(10, &uai_id(33), MI_CONTRIBUTOR, 1)]),
    );
    let p = to(&load(&d), 4);
    let s = starts(&p);
    assert_eq!(
        s[&id(10)],
        (
            vec![HopKind::AddsCredential, HopKind::Holds],
            Decision::Allowed
        )
    );
    let external = s
        .iter()
        .find(|(k, _)| k.starts_with("external:") && k.contains("repo:org/app"))
        .expect("the federated subject is a start");
    assert_eq!(
        external.1,
        &(
            vec![HopKind::FederatedCredential, HopKind::Holds],
            Decision::Allowed
        )
    );
}

#[test]
fn rbac_pim_eligibility_gives_an_eligible_hop() {
    let mut d = doc(
        vec![policy(30)],
        vec![user(10), sp(30, true)],
        json!([vm("vm-a", Some(30), None)]),
        json!([]),
    );
    d["roleEligibilities"] = json!([builtin_at(10, &vm_id("vm-a"), VM_CONTRIBUTOR, 1)]);
    let p = to(&load(&d), 4);
    let path = p
        .groups
        .iter()
        .flat_map(|g| &g.paths)
        .find(|x| x.start.id == id(10))
        .unwrap();
    assert!(path.needs_activation);
    assert!(path.hops[0].eligible);
    assert!(
        path.hops[0]
            .explanation
            .contains("activation may need approval"),
        "{}",
        path.hops[0].explanation
    );
}

#[test]
fn an_application_administrator_gets_no_credential_hop_onto_a_managed_identity() {
    // 30 is a managed identity with the secret: Application Administrator cannot add credentials to it
    // (BloodHound issue 943); 40 is an ordinary service principal with the secret: it can.
    let mut d = doc(
        vec![policy(30), policy(40)],
        vec![user(10), sp(30, true), sp(40, false)],
        json!([]),
        json!([]),
    );
    d["directoryRoleAssignments"] = json!([{"id": "dra1", "principalId": id(10), "roleDefinitionId": APP_ADMIN, "directoryScopeId": "/"}]);
    let p = to(&load(&d), 4);
    let hops: Vec<_> = p
        .groups
        .iter()
        .flat_map(|g| &g.paths)
        .filter(|x| x.start.id == id(10))
        .flat_map(|x| &x.hops)
        .collect();
    assert!(
        hops.iter()
            .any(|h| h.kind == HopKind::AddsCredential && h.to == id(40)),
        "{hops:?}"
    );
    assert!(
        !hops
            .iter()
            .any(|h| h.kind == HopKind::AddsCredential && h.to == id(30)),
        "{hops:?}"
    );
}

/// A custom role holding only `Microsoft.KeyVault/vaults/deploy/action`, assigned at the vault.
fn deployer(d: &mut Value, principal: u32) {
    let role = "77777777-0000-0000-0000-000000000001";
    d["roleDefinitions"].as_array_mut().unwrap().push(json!({
        "id": format!("{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role}"),
        "properties": {
            "roleName": "Deployer", "type": "CustomRole", "assignableScopes": [SUB],
            "permissions": [{"actions": ["Microsoft.KeyVault/vaults/deploy/action"], "notActions": [], "dataActions": [], "notDataActions": []}],
        }
    }));
    let scope = super::paths::vault_id();
    d["roleAssignments"]
        .as_array_mut()
        .unwrap()
        .push(builtin_at(principal, &scope, role, 50));
}

#[test]
fn enabled_for_deployment_is_a_conditional_last_hop_from_a_vm_controller_with_deploy() {
    // user10: deploy/action on the vault + VM Contributor on vm-b; user11: VM Contributor only;
    // user12: deploy/action only.
    let mut d = doc(
        vec![],
        vec![user(10), user(11), user(12)],
        json!([vm("vm-b", None, None)]),
        json!([
            builtin_at(10, &vm_id("vm-b"), VM_CONTRIBUTOR, 1),
            builtin_at(11, &vm_id("vm-b"), VM_CONTRIBUTOR, 2),
        ]),
    );
    deployer(&mut d, 10);
    deployer(&mut d, 12);
    d["vaults"][0]["properties"]["enabledForDeployment"] = json!(true);
    let p = to(&load(&d), 4);
    let s = starts(&p);
    assert_eq!(
        s[&id(10)],
        (vec![HopKind::GrantsItself], Decision::Conditional)
    );
    assert!(!s.contains_key(&id(11)), "{s:?}");
    assert!(!s.contains_key(&id(12)), "{s:?}");
    // Without the flag, no such hop.
    d["vaults"][0]["properties"]["enabledForDeployment"] = json!(false);
    assert!(!starts(&to(&load(&d), 4)).contains_key(&id(10)));
}

#[test]
fn enabled_for_disk_encryption_is_a_conditional_last_hop_from_any_vm_controller() {
    let mut d = doc(
        vec![],
        vec![user(11)],
        json!([vm("vm-b", None, None)]),
        json!([builtin_at(11, &vm_id("vm-b"), VM_CONTRIBUTOR, 2)]),
    );
    d["vaults"][0]["properties"]["enabledForDiskEncryption"] = json!(true);
    let p = to(&load(&d), 4);
    assert_eq!(
        starts(&p)[&id(11)],
        (vec![HopKind::GrantsItself], Decision::Conditional)
    );
}
