//! The fetcher reads the attack-path sections from the mock Azure: resources with identities and
//! user-assigned identities (ARM), Entra directory roles and eligibilities, Microsoft Graph app role
//! assignments, applications with federated credentials and owners (Graph). Each list is followed across
//! pages; a section with any failure is left out of the snapshot (missing, so paths are unknown), never
//! written short.

use std::path::Path;

use kvaccess::fetch::{
    Completeness, Credentials, FetchRequest, FetchUpdate, Fetcher, FixedTokenCredential, Section,
};
use kvaccess::model::Snapshot;
use serde_json::json;
use wiremock::ResponseTemplate;

use crate::fetcher::fetch;
use crate::support::*;

const VM_MI: &str = "7f000000-0000-4000-8000-0000000000b1";
const UAI_MI: &str = "7f000000-0000-4000-8000-0000000000b2";
const SP_CI: &str = "7f000000-0000-4000-8000-0000000000b3";
const APP_CI: &str = "7f000000-0000-4000-8000-0000000000b4";
const APPID_CI: &str = "7f000000-0000-4000-8000-0000000000b5";
const ADMIN: &str = "7f000000-0000-4000-8000-0000000000b6";
const OWNER_1: &str = "7f000000-0000-4000-8000-0000000000b7";
const OWNER_2: &str = "7f000000-0000-4000-8000-0000000000b8";
const HELPDESK: &str = "7f000000-0000-4000-8000-0000000000b9";
const AKS_MI: &str = "7f000000-0000-4000-8000-0000000000e1";
const KUBELET_MI: &str = "7f000000-0000-4000-8000-0000000000e2";
/// Entra role templates: Groups Administrator, Application Administrator.
const GROUPS_ADMIN: &str = "fdd7a751-b60b-444a-984c-02652fe8fa1c";
const APP_ADMIN: &str = "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3";
/// Microsoft Graph's `GroupMember.ReadWrite.All` application permission.
const GROUP_MEMBER_RW: &str = "dbaae8cf-10b5-4b86-a4a1-f871c94c6695";

fn uai_id() -> String {
    format!(
        "/subscriptions/{SUB_A}/resourceGroups/rg-app/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-web"
    )
}

fn aks_id(name: &str) -> String {
    format!(
        "/subscriptions/{SUB_A}/resourceGroups/rg-app/providers/Microsoft.ContainerService/managedClusters/{name}"
    )
}

fn kubelet_id() -> String {
    format!(
        "/subscriptions/{SUB_A}/resourceGroups/mc_rg-app_aks-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks-prod-agentpool"
    )
}

/// An AKS cluster as `managedClusters` lists it: its kubelet identity, and properties the hops do not need.
fn cluster(name: &str, kubelet: &str) -> serde_json::Value {
    json!({ "id": aks_id(name), "name": name, "type": "Microsoft.ContainerService/ManagedClusters", "location": "westeurope",
            "identity": { "type": "SystemAssigned", "principalId": AKS_MI },
            "properties": { "kubernetesVersion": "1.30.3", "dnsPrefix": name,
                "linuxProfile": { "adminUsername": "azureuser", "ssh": { "publicKeys": [{ "keyData": "ssh-rsa AAAA" }] } },
                "identityProfile": { "kubeletidentity": { "resourceId": kubelet_id(), "clientId": "7f000000-0000-4000-8000-0000000000e3", "objectId": kubelet } } } })
}

/// The realistic tenant plus one of everything a hop reads, with two of each list's items so that a page
/// size of one needs a second page.
fn with_hops(base: &str) -> Tenant {
    let mut t = Tenant::realistic(base);
    let a = t.subs.get_mut(SUB_A).unwrap();
    a.resources = vec![
        json!({ "id": format!("/subscriptions/{SUB_A}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-web-01"),
                "name": "vm-web-01", "type": "Microsoft.Compute/virtualMachines", "location": "westeurope",
                "identity": { "type": "SystemAssigned, UserAssigned", "principalId": VM_MI, "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
                              "userAssignedIdentities": { uai_id(): { "principalId": UAI_MI, "clientId": "7f000000-0000-4000-8000-0000000000c1" } } } }),
        // No identity: nothing to run as, not kept.
        json!({ "id": format!("/subscriptions/{SUB_A}/resourceGroups/rg-app/providers/Microsoft.Web/sites/plain"),
                "name": "plain", "type": "Microsoft.Web/sites", "location": "westeurope" }),
        // Not a host kind: not kept.
        json!({ "id": format!("/subscriptions/{SUB_A}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/st"),
                "name": "st", "type": "Microsoft.Storage/storageAccounts", "location": "westeurope",
                "identity": { "type": "SystemAssigned", "principalId": "7f000000-0000-4000-8000-0000000000c2" } }),
        json!({ "id": format!("/subscriptions/{SUB_A}/resourceGroups/rg-app/providers/Microsoft.Web/sites/func-ci"),
                "name": "func-ci", "type": "Microsoft.Web/sites", "kind": "functionapp", "location": "westeurope",
                "identity": { "type": "SystemAssigned", "principalId": "7f000000-0000-4000-8000-0000000000c3" } }),
        // The generic list has no properties: the kubelet identity comes from the cluster list.
        json!({ "id": aks_id("aks-prod"), "name": "aks-prod", "type": "Microsoft.ContainerService/managedClusters",
                "location": "westeurope", "identity": { "type": "SystemAssigned", "principalId": AKS_MI } }),
    ];
    a.clusters = vec![
        cluster("aks-prod", KUBELET_MI),
        cluster("aks-other", "7f000000-0000-4000-8000-0000000000e4"),
    ];
    let fic = |name: &str, subject: &str| {
        json!({ "id": format!("{}/federatedIdentityCredentials/{name}", uai_id()), "name": name,
                "type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
                "properties": { "issuer": "https://oidc.prod-aks.azure.com/tenant/cluster/", "subject": subject,
                                "audiences": ["api://AzureADTokenExchange"] } })
    };
    a.federated.insert(
        "id-web".into(),
        vec![
            fic("k8s-web", "system:serviceaccount:web:default"),
            fic("k8s-jobs", "system:serviceaccount:jobs:runner"),
        ],
    );
    a.identities = vec![json!({ "id": uai_id(), "name": "id-web",
        "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "location": "westeurope",
        "properties": { "principalId": UAI_MI, "clientId": "7f000000-0000-4000-8000-0000000000c1", "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47" } })];
    t.directory_roles = vec![
        json!({ "id": "role-1", "principalId": ADMIN, "roleDefinitionId": GROUPS_ADMIN, "directoryScopeId": "/" }),
        json!({ "id": "role-2", "principalId": HELPDESK, "roleDefinitionId": APP_ADMIN, "directoryScopeId": format!("/{APP_CI}") }),
    ];
    t.directory_eligibilities = vec![
        json!({ "id": "elig-1", "principalId": OWNER_1, "roleDefinitionId": APP_ADMIN, "directoryScopeId": "/", "memberType": "Direct" }),
        json!({ "id": "elig-2", "principalId": OWNER_2, "roleDefinitionId": GROUPS_ADMIN, "directoryScopeId": "/", "memberType": "Direct" }),
    ];
    t.graph_app_roles = vec![
        json!({ "id": "ara-1", "principalId": SP_CI, "principalType": "ServicePrincipal", "resourceId": GRAPH_SP,
                "resourceDisplayName": "Microsoft Graph", "appRoleId": GROUP_MEMBER_RW }),
        json!({ "id": "ara-2", "principalId": SP_CI, "principalType": "ServicePrincipal", "resourceId": GRAPH_SP,
                "resourceDisplayName": "Microsoft Graph", "appRoleId": "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9" }),
    ];
    t.applications = vec![
        json!({ "id": APP_CI, "appId": APPID_CI, "displayName": "ci-deployer",
                "federatedIdentityCredentials": [
                    { "name": "github-main", "issuer": "https://token.actions.githubusercontent.com",
                      "subject": "repo:contoso/infra:ref:refs/heads/main", "audiences": ["api://AzureADTokenExchange"] },
                    { "name": "github-prod", "issuer": "https://token.actions.githubusercontent.com",
                      "subject": "repo:contoso/infra:environment:prod", "audiences": ["api://AzureADTokenExchange"] } ] }),
        json!({ "id": "7f000000-0000-4000-8000-0000000000d1", "appId": "7f000000-0000-4000-8000-0000000000d2",
                "displayName": "unused", "federatedIdentityCredentials": [] }),
    ];
    // The service principal of ci-deployer: named by the app role assignments, found by getByIds.
    t.directory.push(
        json!({ "@odata.type": "#microsoft.graph.servicePrincipal", "id": SP_CI,
        "displayName": "ci-deployer", "appId": APPID_CI, "servicePrincipalType": "Application" }),
    );
    t.directory.push(user(ADMIN, "Admin"));
    t.directory.push(user(HELPDESK, "Helpdesk"));
    let owners = vec![user(OWNER_1, "Owner1"), user(OWNER_2, "Owner2")];
    t.owners.insert(SECOPS.into(), owners.clone());
    t.owners.insert(APP_CI.into(), owners.clone());
    t.owners.insert(SP_CI.into(), vec![user(OWNER_1, "Owner1")]);
    t
}

fn owned_by(s: &Snapshot, object: &str) -> Vec<String> {
    let mut out: Vec<String> = s
        .hops
        .owners
        .iter()
        .flatten()
        .filter(|o| o.object_id == object)
        .map(|o| o.owner_id.clone())
        .collect();
    out.sort();
    out
}

fn assert_all_hops(s: &Snapshot) {
    let h = &s.hops;
    let resources = h.resources.as_ref().expect("identityResources collected");
    let mut names: Vec<&str> = resources.iter().map(|r| r.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["aks-prod", "func-ci", "id-web", "vm-web-01"]);
    let vm = resources.iter().find(|r| r.name == "vm-web-01").unwrap();
    assert_eq!(vm.principal_id.as_deref(), Some(VM_MI));
    assert_eq!(vm.user_assigned[0].principal_id.as_deref(), Some(UAI_MI));
    let uai = resources.iter().find(|r| r.name == "id-web").unwrap();
    assert_eq!(uai.principal_id.as_deref(), Some(UAI_MI));
    let subjects: Vec<&str> = uai
        .federated_credentials
        .iter()
        .map(|f| f.subject.as_str())
        .collect();
    assert_eq!(
        subjects,
        [
            "system:serviceaccount:web:default",
            "system:serviceaccount:jobs:runner"
        ]
    );
    // The cluster's kubelet identity, from the cluster list (the generic list has no properties).
    let aks = resources.iter().find(|r| r.name == "aks-prod").unwrap();
    let kubelet = aks.kubelet.as_ref().expect("kubelet identity");
    assert_eq!(kubelet.principal_id.as_deref(), Some(KUBELET_MI));
    assert_eq!(kubelet.resource_id, kubelet_id());
    assert_eq!(h.directory_roles.as_ref().unwrap().len(), 2);
    assert_eq!(h.directory_eligibilities.as_ref().unwrap().len(), 2);
    let grants = h.app_role_assignments.as_ref().unwrap();
    assert_eq!(grants.len(), 2);
    assert!(grants.iter().all(|g| g.principal_id == SP_CI));
    let apps = h.applications.as_ref().unwrap();
    assert_eq!(apps.len(), 2);
    let ci = apps.iter().find(|a| a.id == APP_CI).unwrap();
    assert_eq!(ci.federated_credentials.len(), 2);
    assert_eq!(
        ci.federated_credentials[0].subject,
        "repo:contoso/infra:ref:refs/heads/main"
    );
    // Owners of a group the access data names, of the service principal the app roles name, and of the
    // application behind it.
    assert_eq!(owned_by(s, SECOPS), [OWNER_1, OWNER_2]);
    assert_eq!(owned_by(s, APP_CI), [OWNER_1, OWNER_2]);
    assert_eq!(owned_by(s, SP_CI), [OWNER_1]);
    // Principals the role lists and owner lists name are in the directory data, so paths name them.
    for id in [ADMIN, HELPDESK, SP_CI, OWNER_1, OWNER_2] {
        assert!(
            s.principals.iter().any(|p| p.id == id),
            "{id} not in principals"
        );
    }
}

#[tokio::test]
async fn every_hop_section_is_collected() {
    let mock = MockAzureServer::start(with_hops).await;
    let out = fetch(&mock, FetchRequest::default()).await;
    assert_eq!(
        out.completeness(),
        Completeness::Complete,
        "{:?}",
        out.errors
    );
    assert_all_hops(&out.snapshot);
    // The saved document reads back the same.
    let reloaded = kvaccess::snapshot::parse(&out.json.to_string(), Path::new("fetched")).unwrap();
    assert_eq!(reloaded.hops, out.snapshot.hops);
    // Never a secret: applications are read with $select (no passwordCredentials), no credential is listed
    // or added, and no request was made twice.
    let requests = mock.requests().await;
    for r in &requests {
        let url = r.url.to_string().to_ascii_lowercase();
        assert!(
            !url.contains("password") && !url.contains("addkey") && !url.contains("keycredentials"),
            "{url}"
        );
    }
    assert!(requests.iter().any(|r| {
        r.url.path().ends_with("/v1.0/applications")
            && r.url
                .query()
                .unwrap_or("")
                .contains("$select=id,appId,displayName")
    }));
    assert!(
        mock.duplicates().await.is_empty(),
        "{:?}",
        mock.duplicates().await
    );
    assert!(
        !out.json["applications"][0]
            .as_object()
            .unwrap()
            .contains_key("passwordCredentials")
    );
    // Of the cluster's properties only the kubelet identity is kept.
    let aks = out.json["identityResources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "aks-prod")
        .unwrap();
    let props = aks["properties"].as_object().unwrap();
    assert_eq!(props.keys().collect::<Vec<_>>(), ["identityProfile"]);
    // The federated credentials make the identity reachable from the Kubernetes service account.
    let engine = kvaccess::eval::Engine::new(out.snapshot.clone());
    let graph = kvaccess::paths::HopGraph::build(&engine);
    let into = graph.edges_into(&engine, UAI_MI);
    assert!(
        into.iter()
            .any(|h| h.from.ends_with("#system:serviceaccount:web:default")),
        "{into:?}"
    );
}

#[tokio::test]
async fn each_optional_section_reaches_a_live_explorer_once_whole() {
    // A section shown in part would read as "no such hop" for what is still being collected.
    let mock = MockAzureServer::start(with_hops).await;
    let (out, updates) = crate::fetcher::fetch_with(
        &mock,
        FetchRequest::default(),
        crate::fetcher::options(),
        Credentials::fixed("t"),
    )
    .await;
    assert_eq!(out.unwrap().completeness(), Completeness::Complete);
    for section in [
        Section::NetworkSecurityPerimeters,
        Section::IdentityResources,
        Section::DirectoryRoleAssignments,
        Section::DirectoryRoleEligibilities,
        Section::AppRoleAssignments,
        Section::Applications,
        Section::Owners,
    ] {
        let chunks = updates
            .iter()
            .filter(|u| matches!(u, FetchUpdate::Section { section: s, .. } if *s == section))
            .count();
        assert_eq!(chunks, 1, "{section:?} arrived in {chunks} pieces");
    }
}

#[tokio::test]
async fn every_hop_list_is_followed_across_pages() {
    let mock = MockAzureServer::start(with_hops).await;
    mock.set_page_size(Some(1));
    let out = fetch(&mock, FetchRequest::default()).await;
    assert_eq!(
        out.completeness(),
        Completeness::Complete,
        "{:?}",
        out.errors
    );
    assert_all_hops(&out.snapshot);
    // Each of these lists had a second page, asked for with the nextLink.
    let requests = mock.requests().await;
    for tail in [
        "/resources",
        "/roleassignments",
        "/roleeligibilityschedules",
        "/approleassignedto",
        "/v1.0/applications",
        "/federatedidentitycredentials",
        "/userassignedidentities/id-web/federatedidentitycredentials",
        "/managedclusters",
        "/owners",
    ] {
        assert!(
            requests
                .iter()
                .any(|r| r.url.path().to_ascii_lowercase().ends_with(tail)
                    && r.url.query().unwrap_or("").contains("skiptoken")),
            "no second page of {tail}"
        );
    }
}

/// One request pattern answered 403; the section it feeds is then missing, every other one collected.
async fn forbidden(pattern: &str, section: Section) -> Snapshot {
    let mock = MockAzureServer::start(with_hops).await;
    mock.fault(Some("GET"), pattern, usize::MAX, |_| {
        ResponseTemplate::new(403).set_body_json(json!({ "error": {
            "code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation." } }))
    });
    let out = fetch(&mock, FetchRequest::default()).await;
    assert_eq!(out.completeness(), Completeness::WithCollectionErrors);
    let e = out
        .errors
        .iter()
        .find(|e| e.section == section)
        .unwrap_or_else(|| panic!("{:?}", out.errors));
    assert_eq!(e.status, Some(403), "{e:?}");
    // Missing, not empty: the key is not in the saved document, and reads back as missing.
    assert!(
        out.json.get(section.key()).is_none(),
        "{} written",
        section.key()
    );
    let reloaded = kvaccess::snapshot::parse(&out.json.to_string(), Path::new("fetched")).unwrap();
    assert_eq!(reloaded.hops, out.snapshot.hops);
    out.snapshot
}

#[tokio::test]
async fn a_forbidden_directory_role_list_leaves_that_section_missing() {
    let s = forbidden(
        "/roleManagement/directory/roleAssignments",
        Section::DirectoryRoleAssignments,
    )
    .await;
    assert!(s.hops.directory_roles.is_none());
    assert!(s.hops.directory_eligibilities.is_some());
    assert!(s.hops.owners.is_some());
    assert!(s.hops.resources.is_some());
}

#[tokio::test]
async fn a_forbidden_eligibility_or_app_role_list_leaves_that_section_missing() {
    let s = forbidden(
        "/roleEligibilitySchedules",
        Section::DirectoryRoleEligibilities,
    )
    .await;
    assert!(s.hops.directory_eligibilities.is_none());
    assert!(s.hops.directory_roles.is_some());
    let s = forbidden("/appRoleAssignedTo", Section::AppRoleAssignments).await;
    assert!(s.hops.app_role_assignments.is_none());
    assert!(s.hops.applications.is_some());
}

#[tokio::test]
async fn one_forbidden_owner_list_leaves_all_owners_missing() {
    let s = forbidden(&format!("/groups/{SECOPS}/owners"), Section::Owners).await;
    assert!(
        s.hops.owners.is_none(),
        "a short owners section would read as 'no owner'"
    );
    assert!(s.hops.applications.is_some());
}

#[tokio::test]
async fn a_forbidden_federated_credential_list_leaves_applications_missing() {
    let s = forbidden("/federatedIdentityCredentials", Section::Applications).await;
    assert!(s.hops.applications.is_none());
    assert!(s.hops.owners.is_some());
}

#[tokio::test]
async fn a_forbidden_resource_list_in_one_subscription_leaves_identity_resources_missing() {
    let s = forbidden(
        &format!("/subscriptions/{SUB_B}/resources?"),
        Section::IdentityResources,
    )
    .await;
    assert!(s.hops.resources.is_none());
    let s = forbidden("/userAssignedIdentities", Section::IdentityResources).await;
    assert!(s.hops.resources.is_none());
}

#[tokio::test]
async fn a_forbidden_cluster_or_identity_credential_list_leaves_identity_resources_missing() {
    // Without the kubelet identity or the federated credentials, a path through them cannot be seen:
    // the section is missing (unknown), not written without them.
    let s = forbidden("/managedClusters", Section::IdentityResources).await;
    assert!(s.hops.resources.is_none());
    assert!(s.hops.applications.is_some());
    let s = forbidden(
        "/userAssignedIdentities/id-web/federatedIdentityCredentials",
        Section::IdentityResources,
    )
    .await;
    assert!(s.hops.resources.is_none());
    assert!(
        s.hops.applications.is_some(),
        "the applications' own list is read"
    );
}

#[tokio::test]
async fn without_a_graph_token_the_entra_sections_are_missing() {
    let mock = MockAzureServer::start(with_hops).await;
    let creds =
        Credentials::per_plane(Some(FixedTokenCredential::new("t")), None, None, "arm only");
    let fetcher = Fetcher::new(mock.cloud(), creds, crate::fetcher::options()).unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let out = fetcher.run(&FetchRequest::default(), tx).await.unwrap();
    let h = &out.snapshot.hops;
    assert!(h.resources.is_some(), "ARM still read");
    assert!(h.directory_roles.is_none() && h.owners.is_none() && h.applications.is_none());
    assert!(out.errors.iter().any(|e| e.section == Section::Owners));
    assert!(
        !mock
            .requests()
            .await
            .iter()
            .any(|r| r.url.path().starts_with("/graph/"))
    );
    assert!(
        out.errors
            .iter()
            .any(|e| e.section == Section::Owners && e.message.contains("Graph"))
    );
}
