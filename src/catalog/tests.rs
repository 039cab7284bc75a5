use super::*;

#[test]
fn every_data_operation_has_actions_and_a_unique_name() {
    let ops = operations();
    let mut names: Vec<&str> = ops.iter().map(|o| o.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), ops.len());
    assert_eq!(
        ops.iter().filter(|o| o.plane == Plane::Data).count(),
        20 + 8 + 16 + 14
    );
    assert!(ops.iter().all(|o| !o.actions.is_empty()));
}

#[test]
fn access_policy_words_resolve_case_insensitively() {
    let a = resolve("Secrets/Get").unwrap();
    assert_eq!(
        a.canonical,
        "Microsoft.KeyVault/vaults/secrets/getSecret/action"
    );
    assert_eq!(a.policy, vec![(PolicyKind::Secrets, "get".to_string())]);
    let w = resolve("keys/wrapkey").unwrap();
    assert_eq!(
        w.rbac_actions,
        vec!["Microsoft.KeyVault/vaults/keys/wrap/action"]
    );
}

#[test]
fn secrets_set_needs_two_data_actions() {
    let a = resolve("secrets/set").unwrap();
    assert_eq!(a.rbac_actions.len(), 2);
    assert!(
        a.rbac_actions
            .iter()
            .any(|x| x.ends_with("setSecret/action"))
    );
    assert!(
        a.rbac_actions
            .iter()
            .any(|x| x.ends_with("secrets/update/action"))
    );
}

#[test]
fn full_data_action_requires_every_policy_permission_mapped_to_it() {
    let a = resolve("Microsoft.KeyVault/vaults/keys/read").unwrap();
    assert_eq!(a.plane, Plane::Data);
    let perms: Vec<&str> = a.policy.iter().map(|(_, p)| p.as_str()).collect();
    assert_eq!(perms, vec!["get", "list"]);
    assert_eq!(resolve("keys/read").unwrap(), a);
}

#[test]
fn management_actions() {
    let a = resolve("vaults/write").unwrap();
    assert_eq!(a.canonical, "Microsoft.KeyVault/vaults/write");
    assert_eq!(a.plane, Plane::Management);
    let r = resolve("Microsoft.Resources/subscriptions/resourceGroups/write").unwrap();
    assert_eq!(r.plane, Plane::Management);
    assert!(
        resolve("locations/deletedVaults/purge/action")
            .unwrap()
            .purge
    );
    assert!(resolve("secrets/purge").unwrap().purge);
}

#[test]
fn nonsense_is_rejected() {
    assert!(resolve("secrets/steal").is_err());
    assert!(resolve("").is_err());
    assert!(resolve("Microsoft.KeyVault/*").is_err());
    assert!(resolve("hello world").is_err());
    assert!(resolve("Microsoft.KeyVault/vaults/secrets/nonsense/action").is_err());
    assert!(
        resolve("Microsoft.KeyVault/vaults/secrets/write").is_ok(),
        "ARM's own secret write"
    );
}
