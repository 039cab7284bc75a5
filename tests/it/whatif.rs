//! What-if at the library level: each change kind on the demo tenant, combinations, validation messages,
//! and the diff compared with a brute-force evaluation of every cell.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::*;
use kvaccess::catalog::Plane;
use kvaccess::eval::Decision::{self, Allowed, Conditional, Denied, Unknown};
use kvaccess::eval::Engine;
use kvaccess::model::{AccessPolicy, Snapshot};
use kvaccess::whatif::{self, Change, Diff, Scenario, WhatIfError};

fn run(changes: &str) -> (Snapshot, Diff) {
    let base = demo();
    let scenario = Scenario::from_json(changes).unwrap();
    let evaluated = scenario.diff(&Engine::new(base.clone()), None).unwrap();
    let (after, diff) = ((*evaluated.after.snapshot).clone(), evaluated.diff);
    // The pruned diff must list exactly what evaluating everything finds.
    assert_eq!(
        cells(&diff),
        brute_force(&base, &after),
        "pruned diff differs from brute force for {changes}"
    );
    assert_eq!(diff_escalations(&diff), brute_escalations(&base, &after));
    (after, diff)
}

fn errors(base: &Snapshot, changes: &str) -> Vec<String> {
    let scenario = Scenario::from_json(changes).unwrap();
    match scenario.apply(base) {
        Err(WhatIfError::Invalid(e)) => e.iter().map(ToString::to_string).collect(),
        Err(other) => panic!("unexpected {other}"),
        Ok(_) => panic!("{changes} was accepted"),
    }
}

/// (before, after) of one cell, or None when it does not change.
fn change(d: &Diff, principal: &str, scope: &str, action: &str) -> Option<(Decision, Decision)> {
    d.gained
        .iter()
        .chain(&d.lost)
        .find(|c| {
            c.via_app.is_none()
                && c.principal.display_name == principal
                && c.scope.eq_ignore_ascii_case(scope)
                && c.action == action
        })
        .map(|c| (c.before, c.after))
}

#[test]
fn add_role_assignment_grants_the_role_at_that_vault_only() {
    let (_, d) = run(&format!(
        r#"[{{"kind":"addRoleAssignment","principal":"oscar@contoso.com","role":"Key Vault Secrets User","scope":"{KV_RBAC}"}}]"#
    ));
    assert_eq!(
        change(&d, "Oscar", KV_RBAC, "secrets/get"),
        Some((Denied, Allowed))
    );
    assert_eq!(
        change(&d, "Oscar", KV_RBAC, "secrets/list"),
        Some((Denied, Allowed))
    );
    assert_eq!(change(&d, "Oscar", KV_RBAC, "secrets/set"), None);
    assert!(d.lost.is_empty());
    assert!(d.gained.iter().all(|c| c.principal.display_name == "Oscar"));
    let cell = d
        .cell(
            "11111111-0000-0000-0000-000000000009",
            KV_RBAC,
            "secrets/get",
        )
        .unwrap();
    assert_eq!(
        cell.grants[0].role_name.as_deref(),
        Some("Key Vault Secrets User")
    );
    assert!(d.gains_data_access());
    // An item without assignments of its own follows its vault.
    let item = format!("{KV_RBAC}/secrets/app-db-password");
    assert_eq!(
        d.cell("11111111-0000-0000-0000-000000000009", &item, "secrets/get"),
        Some(cell)
    );
}

#[test]
fn add_role_assignment_to_a_group_reaches_nested_members() {
    let (_, d) = run(&format!(
        r#"[{{"kind":"addRoleAssignment","principal":"Security on-call","role":"Key Vault Crypto User","scope":"{KV_PRIVATE}"}}]"#
    ));
    // Bob is in the on-call group; Alice (Security team) already holds Key Vault Administrator there.
    assert_eq!(
        change(&d, "Bob", KV_PRIVATE, "keys/decrypt"),
        None,
        "Bob already has it through Security team"
    );
    let (_, d) = run(&format!(
        r#"[{{"kind":"addRoleAssignment","principal":"Security on-call","role":"Key Vault Crypto User","scope":"{KV_RBAC}/keys/app-data-key"}}]"#
    ));
    assert!(
        d.is_empty(),
        "Bob already holds every key operation on kv-app-rbac"
    );
}

#[test]
fn remove_role_assignment_at_an_item_is_listed_at_the_item() {
    let (_, d) =
        run(r#"[{"kind":"removeRoleAssignment","id":"44444444-0000-0000-0000-000000000010"}]"#);
    let item = format!("{KV_RBAC}/secrets/storage-account-key");
    assert_eq!(
        change(&d, "Erin", &item, "secrets/get"),
        Some((Allowed, Denied))
    );
    assert_eq!(change(&d, "Erin", KV_RBAC, "secrets/get"), None);
    assert!(d.gained.is_empty());
    assert!(!d.gains_data_access());
}

#[test]
fn remove_role_assignment_by_principal_role_and_scope() {
    let (_, d) = run(&format!(
        r#"[{{"kind":"removeRoleAssignment","principal":"app-web-mi","role":"Key Vault Secrets User","scope":"{KV_RBAC}"}}]"#
    ));
    assert_eq!(
        change(&d, "app-web-mi", KV_RBAC, "secrets/list"),
        None,
        "Certificate User still grants it"
    );
    assert_eq!(change(&d, "app-web-mi", KV_RBAC, "secrets/get"), None);
    let (_, d) = run(
        r#"[{"kind":"removeRoleAssignment","id":"44444444-0000-0000-0000-000000000007"},
            {"kind":"removeRoleAssignment","id":"44444444-0000-0000-0000-000000000008"}]"#,
    );
    assert_eq!(
        change(&d, "app-web-mi", KV_RBAC, "secrets/get"),
        Some((Allowed, Denied))
    );
}

#[test]
fn add_access_policy_grants_on_access_policy_vaults_and_is_inert_on_rbac_ones() {
    let (_, d) = run(
        r#"[{"kind":"addAccessPolicy","vault":"kv-app-prod","objectId":"Dana","permissions":{"secrets":["Get","list"]}}]"#,
    );
    assert_eq!(
        change(&d, "Dana", KV_PROD, "secrets/get"),
        Some((Denied, Allowed))
    );
    assert_eq!(
        change(&d, "Dana", KV_PROD, "secrets/list"),
        Some((Denied, Allowed))
    );
    assert_eq!(d.gained.len(), 2);
    let scenario = Scenario::from_json(
        r#"[{"kind":"addAccessPolicy","vault":"kv-app-rbac","objectId":"Oscar","permissions":{"secrets":["get"]}}]"#,
    )
    .unwrap();
    let e = scenario.diff(&Engine::new(demo()), None).unwrap();
    assert!(e.diff.gained.is_empty() && e.diff.lost.is_empty());
    assert!(e.applied[0].notes[0].contains("uses Azure RBAC"));
}

#[test]
fn compound_entries_are_reported_through_their_application() {
    let (_, d) = run(
        r#"[{"kind":"addAccessPolicy","vault":"kv-app-prod","objectId":"Dana","applicationId":"contoso-portal","permissions":{"keys":["get"]}}]"#,
    );
    assert_eq!(d.gained.len(), 1);
    let c = &d.gained[0];
    assert_eq!(
        c.via_app.as_deref(),
        Some("77777777-0000-0000-0000-000000000001")
    );
    assert_eq!(
        (c.action.as_str(), c.before, c.after),
        ("keys/get", Denied, Allowed)
    );
}

#[test]
fn remove_access_policy_loses_the_entry() {
    let (_, d) =
        run(r#"[{"kind":"removeAccessPolicy","vault":"kv-app-prod","objectId":"Auditors"}]"#);
    let lost: Vec<&str> = d.lost.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(lost, vec!["keys/list", "secrets/list", "certificates/list"]);
    assert!(d.lost.iter().all(|c| c.principal.display_name == "Frank"));
}

#[test]
fn switching_to_rbac_activates_roles_and_silences_policies() {
    let (_, d) = run(&format!(
        r#"[{{"kind":"setPermissionModel","vault":"{KV_PROD}","enableRbacAuthorization":true}}]"#
    ));
    assert_eq!(
        change(&d, "app-web-mi", KV_PROD, "secrets/get"),
        Some((Allowed, Denied))
    );
    assert_eq!(
        change(&d, "Alice", KV_PROD, "secrets/get"),
        Some((Allowed, Denied))
    );
    assert_eq!(
        change(&d, "Frank", KV_PROD, "secrets/list"),
        Some((Allowed, Denied))
    );
    assert!(d.lost.iter().all(|c| c.plane == Plane::Data));
    // The policy writers' self-grant paths turn into model-switch paths.
    assert!(
        d.escalations_removed
            .iter()
            .any(|f| f.technique.as_str() == "accessPolicySelfGrant")
    );
    assert!(!d.escalations_added.is_empty());
}

#[test]
fn switch_model_and_add_assignments_together() {
    let (_, d) = run(&format!(
        r#"[{{"kind":"setPermissionModel","vault":"kv-app-prod","enableRbacAuthorization":true}},
            {{"kind":"addRoleAssignment","principal":"app-web-mi","role":"Key Vault Secrets User","scope":"{KV_PROD}"}}]"#
    ));
    assert_eq!(change(&d, "app-web-mi", KV_PROD, "secrets/get"), None);
    assert_eq!(change(&d, "app-web-mi", KV_PROD, "secrets/list"), None);
    assert_eq!(
        change(&d, "app-web-mi", KV_PROD, "certificates/get"),
        Some((Allowed, Denied))
    );
    // And back: the entries were kept, so switching back restores everything.
    let (_, d) = run(
        r#"[{"kind":"setPermissionModel","vault":"kv-app-prod","enableRbacAuthorization":true},
            {"kind":"setPermissionModel","vault":"kv-app-prod","enableRbacAuthorization":false}]"#,
    );
    assert!(d.is_empty());
}

#[test]
fn escalation_changes_are_listed_in_vault_order() {
    // kv-app-rbac's every identity is re-examined (its model switches), kv-app-prod's only for the new
    // assignment's holder; kv-app-prod comes first whichever analysis finishes first.
    let (_, d) = run(&format!(
        r#"[{{"kind":"setPermissionModel","vault":"{KV_RBAC}","enableRbacAuthorization":false}},
            {{"kind":"addRoleAssignment","principal":"Dana","role":"Key Vault Contributor","scope":"{KV_PROD}"}}]"#
    ));
    let mut vaults: Vec<String> = d
        .escalations_added
        .iter()
        .map(|f| f.vault_id.to_ascii_lowercase())
        .collect();
    vaults.dedup();
    assert_eq!(
        vaults,
        vec![KV_PROD.to_ascii_lowercase(), KV_RBAC.to_ascii_lowercase()]
    );
}

#[test]
fn group_membership_changes_follow_the_nesting() {
    let (_, d) = run(r#"[{"kind":"addGroupMember","group":"Security on-call","member":"Hank"}]"#);
    assert_eq!(
        change(&d, "Hank", KV_PROD, "secrets/get"),
        Some((Denied, Allowed))
    );
    let cell = d
        .cell(
            "11111111-0000-0000-0000-000000000011",
            KV_PROD,
            "secrets/get",
        )
        .unwrap();
    assert_eq!(
        cell.grants[0].via_groups,
        vec![
            "22222222-0000-0000-0000-000000000002",
            "22222222-0000-0000-0000-000000000001"
        ]
    );
    // Joining the Security team also exempts Hank from the deployment stack's deny on secrets/delete.
    assert_eq!(
        change(&d, "Hank", KV_RBAC, "secrets/delete"),
        Some((Denied, Allowed))
    );
    let (_, d) = run(r#"[{"kind":"removeGroupMember","group":"Security on-call","member":"Bob"}]"#);
    assert_eq!(
        change(&d, "Bob", KV_PROD, "secrets/get"),
        Some((Allowed, Denied))
    );
    assert!(d.gained.is_empty());
}

#[test]
fn network_changes_are_listed_apart_from_decisions() {
    let (_, d) = run(
        r#"[{"kind":"setNetworkAcls","vault":"kv-app-rbac","networkAcls":{"defaultAction":"Deny","ipRules":["203.0.113.9"]}},
            {"kind":"setPublicNetworkAccess","vault":"kv-app-dev","value":"disabled"}]"#,
    );
    assert!(d.gained.is_empty() && d.lost.is_empty());
    assert_eq!(d.network.len(), 2);
    assert!(
        d.network
            .iter()
            .all(|n| n.any_network_before && !n.any_network_after)
    );
    assert!(
        d.network[0].after.contains("203.0.113.9"),
        "{}",
        d.network[0].after
    );
}

#[test]
fn deny_assignments_block_and_their_removal_unblocks() {
    let (_, d) = run(&format!(
        r#"[{{"kind":"addDenyAssignment","scope":"{KV_RBAC}","permissions":[{{"dataActions":["Microsoft.KeyVault/vaults/secrets/getSecret/action"]}}],"principals":["Everyone"],"excludePrincipals":[{{"id":"Auditors"}}]}}]"#
    ));
    assert_eq!(
        change(&d, "app-web-mi", KV_RBAC, "secrets/get"),
        Some((Allowed, Denied))
    );
    assert_eq!(
        change(&d, "Gina", KV_RBAC, "secrets/get"),
        Some((Conditional, Denied))
    );
    let cell = d
        .cell(
            "33333333-0000-0000-0000-000000000002",
            KV_RBAC,
            "secrets/get",
        )
        .unwrap();
    assert!(cell.denies[0].everyone);
    assert!(d.gained.is_empty());
    let (_, d) =
        run(r#"[{"kind":"removeDenyAssignment","id":"55555555-0000-0000-0000-000000000001"}]"#);
    assert_eq!(
        change(&d, "Hank", KV_RBAC, "secrets/delete"),
        Some((Denied, Allowed))
    );
    assert!(d.lost.is_empty());
}

#[test]
fn an_everyone_deny_over_unknown_answers_reaches_bystanders() {
    // kv-app-dev's role assignments could not be read, so everyone's answer there is "unknown"; a deny for
    // everyone makes it "denied" for identities nothing names (inferred from the bystander representative).
    let (_, d) = run(&format!(
        r#"[{{"kind":"addDenyAssignment","scope":"{KV_DEV}","permissions":[{{"actions":["Microsoft.KeyVault/vaults/write"]}}],"principals":["00000000-0000-0000-0000-000000000000"]}}]"#
    ));
    assert_eq!(
        change(&d, "Pat", KV_DEV, "vaults/write"),
        Some((Unknown, Denied))
    );
    assert_eq!(
        change(&d, "Frank", KV_DEV, "vaults/write"),
        Some((Unknown, Denied))
    );
    assert!(d.stats.bystanders > 0);
}

#[test]
fn activating_an_eligibility_grants_its_role() {
    let (_, d) =
        run(r#"[{"kind":"activateEligibility","id":"66666666-0000-0000-0000-000000000001"}]"#);
    assert_eq!(
        change(&d, "Pat", KV_RBAC, "secrets/get"),
        Some((Denied, Allowed))
    );
    assert_eq!(
        change(&d, "Pat", KV_RBAC, "keys/purge"),
        None,
        "purge protection"
    );
    let e = errors(
        &demo(),
        r#"[{"kind":"activateEligibility","id":"66666666-0000-0000-0000-000000000001"},
            {"kind":"activateEligibility","id":"66666666-0000-0000-0000-000000000001"}]"#,
    );
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("changes[1]: eligibility"), "{e:?}");
}

#[test]
fn a_custom_role_can_be_created_then_assigned() {
    let (_, d) = run(&format!(
        r#"[{{"kind":"addRoleDefinition","roleName":"Secret readers","assignableScopes":["{RG_PROD}"],"permissions":[{{"dataActions":["Microsoft.KeyVault/vaults/secrets/getSecret/action"]}}]}},
            {{"kind":"addRoleAssignment","principal":"Dana","role":"Secret readers","scope":"{KV_RBAC}"}}]"#
    ));
    let cell = d
        .cell(
            "11111111-0000-0000-0000-000000000004",
            KV_RBAC,
            "secrets/get",
        )
        .unwrap();
    assert_eq!(cell.after, Allowed);
    assert_eq!(cell.grants[0].role_name.as_deref(), Some("Secret readers"));
}

#[test]
fn changes_never_touch_the_input_snapshot() {
    let base = demo();
    let copy = base.clone();
    let list: Vec<Change> = Scenario::from_json(&format!(
        r#"[{{"kind":"setPermissionModel","vault":"kv-app-prod","enableRbacAuthorization":true}},
            {{"kind":"addGroupMember","group":"Auditors","member":"Oscar"}},
            {{"kind":"removeRoleAssignment","id":"44444444-0000-0000-0000-000000000005"}},
            {{"kind":"addRoleAssignment","principal":"Dana","role":"Owner","scope":"{RG_PROD}"}}]"#
    ))
    .unwrap()
    .entries
    .into_iter()
    .map(|e| e.change)
    .collect();
    let after = whatif::apply(&base, &list).unwrap();
    assert_eq!(base, copy);
    assert_ne!(after, base);
}

#[test]
fn invalid_changes_are_named_by_index_and_field() {
    let base = demo();
    let e = errors(
        &base,
        &format!(
            r#"[{{"kind":"setPermissionModel","vault":"kv-app-prod","enableRbacAuthorization":true}},
                {{"kind":"addRoleAssignment","principal":"Dana","role":"Key Vault Secret User","scope":"{KV_RBAC}"}},
                {{"kind":"addRoleAssignment","principal":"Nobody","role":"Reader","scope":"{KV_RBAC}"}},
                {{"kind":"addRoleAssignment","principal":"Dana","role":"Key Vault Deployer","scope":"/subscriptions/bbbbbbbb-0000-0000-0000-000000000002"}},
                {{"kind":"addRoleAssignment","principal":"Carol","role":"Contributor","scope":"{RG_PROD}"}},
                {{"kind":"addAccessPolicy","vault":"kv-nowhere","objectId":"Dana","permissions":{{"secrets":["get"]}}}},
                {{"kind":"addAccessPolicy","vault":"kv-app-prod","objectId":"Dana","permissions":{{"secrets":["gett"]}}}},
                {{"kind":"removeAccessPolicy","vault":"kv-app-prod","objectId":"Dana"}},
                {{"kind":"addGroupMember","group":"Alice","member":"Bob"}},
                {{"kind":"removeDenyAssignment","id":"nope"}},
                {{"kind":"addRoleAssignment","principal":"Dana","role":"Reader","scope":"/subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-missing"}}]"#
        ),
    );
    assert_eq!(
        e,
        vec![
            "changes[1].role: no role definition named 'Key Vault Secret User' (did you mean 'Key Vault Secrets User'?)",
            "changes[2].principal: no principal 'Nobody' in the snapshot (give an object id, a UPN, an appId or a display name)",
            "changes[3].scope: role 'Key Vault Deployer' is assignable only at /subscriptions/bbbbbbbb-0000-0000-0000-000000000001; '/subscriptions/bbbbbbbb-0000-0000-0000-000000000002' is not at or below any of them",
            "changes[4]: Carol already has role 'Contributor' at /subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod (assignment /subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod/providers/Microsoft.Authorization/roleAssignments/44444444-0000-0000-0000-000000000003)",
            "changes[5].vault: no vault named 'kv-nowhere' in the snapshot",
            "changes[6].permissions.secrets[0]: 'gett' is not a secrets permission (did you mean 'get'?)",
            "changes[7]: vault kv-app-prod has no access-policy entry for Dana (11111111-0000-0000-0000-000000000004)",
            "changes[8].group: 'Alice' is a user, not a group",
            "changes[9].id: no deny assignment 'nope' in the snapshot",
            "changes[10].scope: no resource group '/subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-missing' in the snapshot",
        ]
    );
}

/// A compound entry is named by its application's name (and appId) in errors, as everywhere else.
#[test]
fn errors_about_compound_entries_name_the_application() {
    let e = errors(
        &demo(),
        r#"[{"kind":"removeAccessPolicy","vault":"kv-app-prod","objectId":"Dana","applicationId":"contoso-portal"}]"#,
    );
    assert_eq!(
        e,
        vec![
            "changes[0]: vault kv-app-prod has no access-policy entry for Dana (11111111-0000-0000-0000-000000000004) through application contoso-portal (appId 77777777-0000-0000-0000-000000000001)"
        ]
    );
}

#[test]
fn the_1025th_access_policy_entry_is_rejected() {
    let mut base = demo();
    let vault = base
        .vaults
        .iter_mut()
        .find(|v| v.name == "kv-app-prod")
        .unwrap();
    while vault.access_policies.len() < 1024 {
        let n = vault.access_policies.len();
        vault.access_policies.push(AccessPolicy {
            object_id: format!("99999999-0000-0000-0000-{n:012}"),
            secrets: vec!["list".into()],
            ..AccessPolicy::default()
        });
    }
    let e = errors(
        &base,
        r#"[{"kind":"addAccessPolicy","vault":"kv-app-prod","objectId":"Dana","permissions":{"secrets":["get"]}}]"#,
    );
    assert_eq!(
        e,
        vec![
            "changes[0]: vault kv-app-prod already has 1024 access-policy entries, the most Key Vault allows (1024)"
        ]
    );
    // Making room first is fine.
    let ok = Scenario::from_json(
        r#"[{"kind":"removeAccessPolicy","vault":"kv-app-prod","objectId":"Auditors"},
            {"kind":"addAccessPolicy","vault":"kv-app-prod","objectId":"Dana","permissions":{"secrets":["get"]}}]"#,
    )
    .unwrap();
    assert!(ok.apply(&base).is_ok());
}

#[test]
fn duplicates_within_the_list_are_caught() {
    let e = errors(
        &demo(),
        &format!(
            r#"[{{"kind":"addRoleAssignment","principal":"Dana","role":"Reader","scope":"{KV_RBAC}"}},
                {{"kind":"addRoleAssignment","principal":"Dana","role":"reader","scope":"{KV_RBAC}"}},
                {{"kind":"addGroupMember","group":"Auditors","member":"Dana"}},
                {{"kind":"addGroupMember","group":"Auditors","member":"Dana"}}]"#
        ),
    );
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].starts_with("changes[1]: Dana already has role 'Reader'"));
    assert_eq!(
        e[1],
        "changes[3]: Dana (11111111-0000-0000-0000-000000000004) is already a direct member of group Auditors (22222222-0000-0000-0000-000000000004)"
    );
}

#[test]
fn every_undo_restores_the_original_decisions() {
    let base = demo();
    let list: Vec<Change> = Scenario::from_json(&format!(
        r#"[{{"kind":"setPermissionModel","vault":"kv-app-prod","enableRbacAuthorization":true}},
            {{"kind":"addRoleAssignment","principal":"app-web-mi","role":"Key Vault Secrets User","scope":"{KV_PROD}"}},
            {{"kind":"removeAccessPolicy","vault":"kv-app-prod","objectId":"Ivan","applicationId":"77777777-0000-0000-0000-000000000001"}},
            {{"kind":"removeGroupMember","group":"Security team","member":"Security on-call"}},
            {{"kind":"removeDenyAssignment","id":"55555555-0000-0000-0000-000000000001"}},
            {{"kind":"activateEligibility","id":"66666666-0000-0000-0000-000000000001"}},
            {{"kind":"setNetworkAcls","vault":"kv-app-prod","networkAcls":null}},
            {{"kind":"setPublicNetworkAccess","vault":"kv-private-prod","value":"Enabled"}}]"#
    ))
    .unwrap()
    .entries
    .into_iter()
    .map(|e| e.change)
    .collect();
    let outcome = whatif::apply_detailed(&base, &list).unwrap();
    let undo: Vec<Change> = outcome
        .applied
        .iter()
        .rev()
        .map(|a| a.undo.clone().unwrap())
        .collect();
    let back = whatif::apply(&outcome.snapshot, &undo).unwrap();
    assert!(brute_force(&base, &back).is_empty());
    let d = whatif::diff(base.clone(), back.clone(), None);
    assert!(d.is_empty(), "{:?}", whatif::summary_lines(&d));
}

#[test]
fn scenario_toggles_keep_indices_and_summaries_read_well() {
    let mut s = Scenario::from_json(
        r#"[{"kind":"addAccessPolicy","vault":"kv-app-prod","objectId":"Dana","permissions":{"secrets":["get"]}},
            {"kind":"addRoleAssignment","principal":"Nobody","role":"Reader","scope":"/"},
            {"kind":"addAccessPolicy","vault":"kv-app-prod","objectId":"Oscar","permissions":{"secrets":["get"]}}]"#,
    )
    .unwrap();
    let e = s.apply(&demo()).unwrap_err();
    assert_eq!(e.problems()[0].index, 1);
    assert_eq!(s.toggle(1), Some(false));
    let d = s.diff(&Engine::new(demo()), None).unwrap().diff;
    assert_eq!(d.changes, 2);
    assert!(
        whatif::summary(&d).starts_with("+2 principals can read secrets in kv-app-prod; "),
        "{}",
        whatif::summary(&d)
    );
    let saved = s.to_json().to_string();
    assert!(saved.contains(r#""enabled":false"#));
    assert_eq!(Scenario::from_json(&saved).unwrap(), s);
    assert_eq!(
        s.remove(1).map(|c| c.kind()),
        Some(kvaccess::whatif::ChangeKind::AddRoleAssignment)
    );
    assert_eq!(s.active_count(), 2);
    assert_eq!(whatif::summary(&Diff::default()), "no change in access");
}

#[test]
fn scope_filter_keeps_the_vaults_below_it() {
    let base = demo();
    let s = Scenario::from_json(
        r#"[{"kind":"addRoleAssignment","principal":"Dana","role":"Key Vault Administrator","scope":"/subscriptions/bbbbbbbb-0000-0000-0000-000000000001"}]"#,
    )
    .unwrap();
    let before = Engine::new(base);
    let all = s.diff(&before, None).unwrap().diff;
    let vaults: std::collections::BTreeSet<String> = all
        .gained
        .iter()
        .filter_map(|c| c.vault())
        .map(|v| v.name().to_string())
        .collect();
    assert_eq!(vaults.len(), 3, "{vaults:?}");
    let scope = kvaccess::model::Scope::parse(KV_RBAC).unwrap();
    let one = s.diff(&before, Some(&scope)).unwrap().diff;
    assert!(!one.gained.is_empty());
    assert!(
        one.gained
            .iter()
            .all(|c| c.vault().is_some_and(|v| v == scope))
    );
}

#[test]
fn calls_through_an_application_are_not_repeated_at_items() {
    // Found by the property test: a compound entry on an RBAC vault for someone else, and an item-level
    // grant to the application's own service principal. Through the application the item changes exactly
    // as it does directly, so only the direct item cell is listed.
    let (_, d) = run(&format!(
        r#"[{{"kind":"addAccessPolicy","vault":"{KV_RBAC}","objectId":"Pat","applicationId":"contoso-portal","permissions":{{}}}},
            {{"kind":"addRoleAssignment","principal":"contoso-portal","role":"Key Vault Certificate User","scope":"{KV_RBAC}/secrets/storage-account-key"}}]"#
    ));
    assert!(
        d.gained.iter().all(|c| c.via_app.is_none()),
        "{:?}",
        d.gained
    );
    let item = format!("{KV_RBAC}/secrets/storage-account-key");
    assert_eq!(
        change(&d, "contoso-portal", &item, "secrets/get"),
        Some((Denied, Allowed))
    );
}

#[test]
fn scopes_may_be_named_as_on_the_command_line() {
    let by_id = run(&format!(
        r#"[{{"kind":"addRoleAssignment","principal":"Oscar","role":"Key Vault Secrets User","scope":"{KV_RBAC}/secrets/db-password"}}]"#
    ))
    .1;
    let by_url = run(
        r#"[{"kind":"addRoleAssignment","principal":"Oscar","role":"Key Vault Secrets User","scope":"https://kv-app-rbac.vault.azure.net/secrets/db-password"}]"#,
    )
    .1;
    assert!(!by_id.gained.is_empty());
    assert_eq!(
        serde_json::to_value(&by_id.gained).unwrap(),
        serde_json::to_value(&by_url.gained).unwrap()
    );
    let problems = errors(
        &demo(),
        r#"[{"kind":"addRoleAssignment","principal":"Oscar","role":"Key Vault Secrets User","scope":"kv-nowhere"}]"#,
    );
    assert!(
        problems
            .iter()
            .any(|p| p
                .starts_with("changes[0].scope: no vault in the snapshot is named 'kv-nowhere'")),
        "{problems:?}"
    );
}
