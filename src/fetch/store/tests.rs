use std::path::Path;

use super::build::split_path;
use super::*;
use crate::snapshot;

fn section(section: Section, items: Vec<Value>) -> FetchUpdate {
    FetchUpdate::Section {
        section,
        scope: "/".into(),
        items: Arc::new(items),
    }
}

#[test]
fn deduplicates_and_counts_generations() {
    let mut s = StateStore::new(Cloud::AzureCloud);
    assert_eq!(s.generation(), 0);
    let ra = json!({ "id": "/subscriptions/A/providers/Microsoft.Authorization/roleAssignments/1",
        "properties": { "scope": "/subscriptions/A", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
        "principalId": "ce2ce14e-85d7-4629-bdbc-454d0519d987", "principalType": "User" } });
    assert!(s.apply(&section(Section::RoleAssignments, vec![ra.clone()])));
    assert_eq!(s.generation(), 1);
    let mut again = ra.clone();
    again["id"] = json!("/SUBSCRIPTIONS/a/providers/Microsoft.Authorization/roleAssignments/1");
    assert!(!s.apply(&section(Section::RoleAssignments, vec![again])));
    assert_eq!(s.generation(), 1);
    assert_eq!(s.count(Section::RoleAssignments), 1);
    let g = s.snapshot();
    assert_eq!(g.role_assignments.len(), 1);
    assert!(
        Arc::ptr_eq(&g, &s.snapshot()),
        "no rebuild without a change"
    );
    // The same built-in role read at two subscriptions is one definition.
    let d1 = json!({ "id": "/subscriptions/A/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7", "properties": { "roleName": "Reader" } });
    let d2 = json!({ "id": "/subscriptions/B/providers/Microsoft.Authorization/roleDefinitions/ACDD72A7-3385-48ef-bd42-f606fba81ae7", "properties": { "roleName": "Reader" } });
    s.apply(&section(Section::RoleDefinitions, vec![d1, d2]));
    assert_eq!(s.count(Section::RoleDefinitions), 1);
    s.apply(&FetchUpdate::Progress {
        done: 1,
        planned: 2,
        message: "x".into(),
    });
    assert_eq!(s.generation(), 2);
    assert_eq!(s.progress().planned, 2);
}

fn assignment(n: u32) -> Value {
    json!({ "id": format!("/subscriptions/A/providers/Microsoft.Authorization/roleAssignments/{n}"),
        "properties": { "scope": "/subscriptions/A", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
        "principalId": "ce2ce14e-85d7-4629-bdbc-454d0519d987", "principalType": "User" } })
}

fn assignment_ids(doc: &Value) -> Vec<String> {
    let list = doc["roleAssignments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    list.iter()
        .map(|a| a["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn pages_are_shared_not_copied_and_taken_data_stays_put() {
    let mut s = StateStore::new(Cloud::AzureCloud);
    let page = Arc::new(vec![assignment(1), assignment(2)]);
    let update = FetchUpdate::Section {
        section: Section::RoleAssignments,
        scope: "/".into(),
        items: Arc::clone(&page),
    };
    assert!(s.apply(&update));
    let taken = s.collected();
    assert_eq!(
        Arc::strong_count(&page),
        4,
        "the page is shared by the update, the store and what was taken, never copied"
    );
    // A page that repeats an item held already is stored without it.
    let mixed = Arc::new(vec![assignment(2), assignment(3)]);
    assert!(s.apply(&section(Section::RoleAssignments, mixed.to_vec())));
    assert_eq!(s.count(Section::RoleAssignments), 3);
    // What was taken is the data of its own generation.
    let ids = |v: &[u32]| -> Vec<String> {
        v.iter()
            .map(|n| {
                format!("/subscriptions/A/providers/Microsoft.Authorization/roleAssignments/{n}")
            })
            .collect()
    };
    assert_eq!(assignment_ids(&taken.to_json()), ids(&[1, 2]));
    assert_eq!(assignment_ids(&s.raw_json()), ids(&[1, 2, 3]));
    // The end of a run moves what it can and copies what a taken `Collected` still shares.
    let (doc, snapshot, _) = s.into_parts();
    assert_eq!(assignment_ids(&doc), ids(&[1, 2, 3]));
    assert_eq!(snapshot.role_assignments.len(), 3);
    assert_eq!(assignment_ids(&taken.to_json()), ids(&[1, 2]));
}

#[test]
fn tenant_from_subscriptions() {
    let mut s = StateStore::new(Cloud::AzureCloud);
    s.apply(&section(
        Section::Subscriptions,
        vec![
            json!({ "id": "/subscriptions/1", "subscriptionId": "1", "tenantId": "T1" }),
            json!({ "id": "/subscriptions/2", "subscriptionId": "2", "tenantId": "t2" }),
            json!({ "id": "/subscriptions/3", "subscriptionId": "3", "tenantId": "t2" }),
        ],
    ));
    assert_eq!(s.tenant_id(), Some("t2"));
    assert_eq!(s.snapshot().tenant_id.as_deref(), Some("t2"));
}

#[test]
fn unreadable_items_are_dropped_and_recorded() {
    let mut s = StateStore::new(Cloud::AzureCloud);
    s.apply(&section(
        Section::RoleAssignments,
        vec![
            json!({ "id": "/subscriptions/s1/providers/Microsoft.Authorization/roleAssignments/bad",
                    "properties": { "scope": "/subscriptions/s1", "roleDefinitionId": "x", "principalId": "not-a-guid" } }),
            json!({ "id": "/subscriptions/s1/providers/Microsoft.Authorization/roleAssignments/good",
                    "properties": { "scope": "/subscriptions/s1", "roleDefinitionId": "x", "principalId": "ce2ce14e-85d7-4629-bdbc-454d0519d987" } }),
        ],
    ));
    let snap = s.snapshot();
    assert_eq!(snap.role_assignments.len(), 1);
    assert_eq!(snap.collection_errors.len(), 1);
    assert_eq!(snap.collection_errors[0].scope.id(), "/subscriptions/s1");
    assert_eq!(
        snap.collection_errors[0].about,
        crate::model::Topic::ROLE_ASSIGNMENTS
    );
    assert!(s.warnings().iter().any(|w| w.contains("not a GUID")));
    let doc = s.to_json();
    assert!(snapshot::parse(&doc.to_string(), Path::new("x")).is_ok());
    let (json, snap, warnings) = s.into_parts();
    assert_eq!(json, doc);
    assert_eq!(snap.role_assignments.len(), 1);
    assert!(!warnings.is_empty());
}

#[test]
fn paths_split() {
    assert_eq!(
        split_path("roleAssignments[12].properties.principalId"),
        Some(("roleAssignments".into(), 12))
    );
    assert_eq!(split_path("vaults[0]"), Some(("vaults".into(), 0)));
    assert_eq!(split_path("kvaccessSnapshot"), None);
}

#[test]
fn optional_sections_are_written_once_read_and_attack_path_ones_only_when_whole() {
    let mut s = StateStore::new(Cloud::AzureCloud);
    let doc = s.raw_json();
    assert!(doc.get("roleAssignments").is_some(), "core sections always");
    assert!(doc.get("owners").is_none() && doc.get("networkSecurityPerimeters").is_none());
    // Read, nothing there: written empty ("none"), and that is a change.
    let g = s.generation();
    assert!(s.apply(&section(Section::Owners, Vec::new())));
    assert!(s.generation() > g);
    assert!(s.apply(&section(Section::NetworkSecurityPerimeters, Vec::new())));
    assert_eq!(s.raw_json()["owners"], json!([]));
    assert_eq!(s.raw_json()["networkSecurityPerimeters"], json!([]));
    // A failure: the attack-path section goes (missing), the perimeters stay with their error.
    for section in [Section::Owners, Section::NetworkSecurityPerimeters] {
        s.apply(&FetchUpdate::Error(CollectionErrorRecord {
            scope: "/".into(),
            section,
            status: Some(403),
            message: "denied".into(),
        }));
    }
    let doc = s.raw_json();
    assert!(doc.get("owners").is_none());
    assert_eq!(doc["networkSecurityPerimeters"], json!([]));
    let (doc, snapshot, _) = s.into_parts();
    assert!(doc.get("owners").is_none());
    assert!(snapshot.hops.owners.is_none());
    assert_eq!(snapshot.perimeters, Some(Vec::new()));
}
