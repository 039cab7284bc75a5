//! The fetcher reads Network Security Perimeters (ARM `Microsoft.Network/networkSecurityPerimeters`, its
//! profiles, access rules and resource associations) from the mock Azure, and the answers follow them:
//! Enforced = the perimeter alone, Learning (Transition) = the perimeter or the vault's firewall, and a
//! perimeter list that could not be read = `unknown` for every vault no association read names.

use std::path::Path;

use kvaccess::eval::Origin;
use kvaccess::eval::network::admits;
use kvaccess::fetch::{Completeness, FetchRequest, Section};
use kvaccess::model::Snapshot;
use kvaccess::model::perimeter::PerimeterLink;
use serde_json::{Value, json};

use crate::fetcher::fetch;
use crate::support::*;

fn nsp_id(sub: &str, name: &str) -> String {
    format!(
        "/subscriptions/{sub}/resourceGroups/rg-nsp/providers/Microsoft.Network/networkSecurityPerimeters/{name}"
    )
}

/// A perimeter in the snapshot's shape (ARM's objects, children nested), associating `vaults` with
/// `mode` through one profile whose inbound rules admit `prefixes`.
fn perimeter(sub: &str, name: &str, mode: &str, vaults: &[&str], prefixes: &[&str]) -> Value {
    let id = nsp_id(sub, name);
    let profile = format!("{id}/profiles/default");
    let rules: Vec<Value> = prefixes
        .iter()
        .enumerate()
        .map(|(i, p)| {
            json!({ "id": format!("{profile}/accessRules/rule-{i}"), "name": format!("rule-{i}"),
                    "type": "Microsoft.Network/networkSecurityPerimeters/profiles/accessRules",
                    "properties": { "provisioningState": "Succeeded", "direction": "Inbound",
                                    "addressPrefixes": [p] } })
        })
        .collect();
    let associations: Vec<Value> = vaults
        .iter()
        .map(|v| {
            json!({ "id": format!("{id}/resourceAssociations/assoc-{v}"), "name": format!("assoc-{v}"),
                    "type": "Microsoft.Network/networkSecurityPerimeters/resourceAssociations",
                    "properties": { "provisioningState": "Succeeded", "accessMode": mode,
                                    "privateLinkResource": { "id": vault_id(sub, v) },
                                    "profile": { "id": profile } } })
        })
        .collect();
    json!({ "id": id, "name": name, "type": "Microsoft.Network/networkSecurityPerimeters",
            "location": "westeurope", "properties": { "provisioningState": "Succeeded", "perimeterGuid": "6a2f4e1c-0000-4000-8000-00000000000a" },
            "profiles": [ { "id": profile, "name": "default",
                            "type": "Microsoft.Network/networkSecurityPerimeters/profiles",
                            "properties": { "accessRulesVersion": 1 }, "accessRules": rules } ],
            "resourceAssociations": associations })
}

fn public(s: &Snapshot, vault: &str, ip: &str) -> Option<bool> {
    let v = s.vaults.iter().find(|v| v.name == vault).unwrap();
    admits(&v.network, &Origin::Ip(ip.parse().unwrap())).allowed()
}

fn with_perimeter(mode: &'static str) -> impl FnOnce(&str) -> Tenant {
    move |base| {
        let mut t = Tenant::realistic(base);
        t.subs.get_mut(SUB_A).unwrap().perimeters = vec![perimeter(
            SUB_A,
            "nsp-corp",
            mode,
            &["kv-firewall"],
            &["203.0.113.0/24", "2001:db8::/32"],
        )];
        t
    }
}

#[tokio::test]
async fn an_enforced_perimeter_decides_public_access_alone() {
    let mock = MockAzureServer::start(with_perimeter("Enforced")).await;
    let out = fetch(&mock, FetchRequest::default()).await;
    assert_eq!(
        out.completeness(),
        Completeness::Complete,
        "{:?}",
        out.errors
    );
    let s = &out.snapshot;
    let nsps = s.perimeters.as_ref().expect("the section was collected");
    assert_eq!(nsps.len(), 1);
    assert_eq!(nsps[0].profiles[0].inbound.len(), 2);
    // The vault's own firewall denies every public address; the perimeter admits its prefix only.
    assert_eq!(public(s, "kv-firewall", "203.0.113.9"), Some(true));
    assert_eq!(public(s, "kv-firewall", "198.51.100.7"), Some(false));
    // A vault no association names keeps its own rules.
    assert!(matches!(
        s.vaults
            .iter()
            .find(|v| v.name == "kv-rbac")
            .unwrap()
            .network
            .perimeter,
        PerimeterLink::None
    ));
    // The saved document holds the section in the shape it is read back from.
    let doc = &out.json["networkSecurityPerimeters"];
    assert_eq!(
        doc[0]["profiles"][0]["accessRules"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let reloaded = kvaccess::snapshot::parse(&out.json.to_string(), Path::new("fetched")).unwrap();
    assert_eq!(public(&reloaded, "kv-firewall", "203.0.113.9"), Some(true));
}

#[tokio::test]
async fn a_learning_perimeter_adds_to_the_vault_firewall() {
    let mock = MockAzureServer::start(with_perimeter("Learning")).await;
    let out = fetch(&mock, FetchRequest::default()).await;
    let s = &out.snapshot;
    let v = s.vaults.iter().find(|v| v.name == "kv-firewall").unwrap();
    let verdict = admits(&v.network, &Origin::Ip("203.0.113.9".parse().unwrap()));
    assert_eq!(verdict.allowed(), Some(true), "{}", verdict.reason());
    assert!(
        verdict.reason().contains("Learning"),
        "{}",
        verdict.reason()
    );
    assert_eq!(public(s, "kv-firewall", "198.51.100.7"), Some(false));
}

#[tokio::test]
async fn every_perimeter_list_is_followed_across_pages() {
    let mock = MockAzureServer::start(|base| {
        let mut t = Tenant::realistic(base);
        t.subs.get_mut(SUB_A).unwrap().perimeters = vec![
            perimeter(
                SUB_A,
                "nsp-a",
                "Enforced",
                &["kv-firewall", "kv-rbac"],
                &["203.0.113.0/24", "192.0.2.0/24"],
            ),
            perimeter(SUB_A, "nsp-b", "Enforced", &[], &[]),
        ];
        t
    })
    .await;
    mock.set_page_size(Some(1));
    let out = fetch(&mock, FetchRequest::default()).await;
    assert_eq!(
        out.completeness(),
        Completeness::Complete,
        "{:?}",
        out.errors
    );
    let s = &out.snapshot;
    assert_eq!(s.perimeters.as_ref().unwrap().len(), 2);
    // The second page of rules and of associations were read.
    assert_eq!(public(s, "kv-firewall", "192.0.2.1"), Some(true));
    assert_eq!(public(s, "kv-rbac", "192.0.2.1"), Some(true));
    let pages = mock
        .requests()
        .await
        .iter()
        .filter(|r| r.url.path().to_ascii_lowercase().ends_with("/accessrules"))
        .filter(|r| r.url.query().unwrap_or("").contains("skiptoken"))
        .count();
    assert!(pages >= 1, "the rules' nextLink was followed");
}

#[tokio::test]
async fn an_unreadable_perimeter_list_makes_unassociated_vaults_unknown() {
    let mock = MockAzureServer::start(with_perimeter("Enforced")).await;
    mock.fault(
        Some("GET"),
        &format!("/subscriptions/{SUB_B}/providers/Microsoft.Network/networkSecurityPerimeters"),
        usize::MAX,
        |_| arm_error(403, "AuthorizationFailed", "The client does not have authorization to perform action 'Microsoft.Network/networkSecurityPerimeters/read'."),
    );
    let out = fetch(&mock, FetchRequest::default()).await;
    assert_eq!(out.completeness(), Completeness::WithCollectionErrors);
    let e = out
        .errors
        .iter()
        .find(|e| e.section == Section::NetworkSecurityPerimeters)
        .expect("the 403 is a collection error");
    assert_eq!(e.status, Some(403));
    let s = &out.snapshot;
    // The association that was read still decides for its vault.
    assert_eq!(public(s, "kv-firewall", "203.0.113.9"), Some(true));
    // A perimeter in the unreadable subscription may cover any other vault: unknown, saying why.
    let v = s.vaults.iter().find(|v| v.name == "kv-rbac").unwrap();
    let verdict = admits(&v.network, &Origin::Ip("198.51.100.7".parse().unwrap()));
    assert_eq!(verdict.allowed(), None, "{}", verdict.reason());
    assert!(
        verdict.reason().contains("HTTP 403"),
        "{}",
        verdict.reason()
    );
    // Private endpoints are never decided by a perimeter.
    assert_ne!(
        admits(&v.network, &Origin::PrivateEndpoint(None)).reason(),
        verdict.reason()
    );
    // And so after a reload of the saved file.
    let reloaded = kvaccess::snapshot::parse(&out.json.to_string(), Path::new("fetched")).unwrap();
    assert_eq!(public(&reloaded, "kv-rbac", "198.51.100.7"), None);
}

#[tokio::test]
async fn a_profile_whose_rules_cannot_be_read_is_left_out_so_its_vaults_are_unknown() {
    let mock = MockAzureServer::start(with_perimeter("Enforced")).await;
    mock.fault(
        Some("GET"),
        "/profiles/default/accessRules",
        usize::MAX,
        |_| arm_error(403, "AuthorizationFailed", "no access to the rules"),
    );
    let out = fetch(&mock, FetchRequest::default()).await;
    assert_eq!(out.completeness(), Completeness::WithCollectionErrors);
    let s = &out.snapshot;
    // Not "no rule admits" (a false denied): the rules are not known.
    assert_eq!(public(s, "kv-firewall", "198.51.100.7"), None);
    assert_eq!(public(s, "kv-firewall", "203.0.113.9"), None);
}
