//! The grouped diff shares one class's answer between vaults where the class's rows are equal. Vaults that
//! look alike but differ in one thing that decides — an item with a grant of its own, a vault-level grant,
//! an access-policy entry (plain or through an application), the permission model, purge protection,
//! template deployment, a deny assignment, a collection error — must not share; a firewall rule decides
//! nothing without a caller location. Each case gives one subscription's vaults such differences, one per
//! kind on a random vault, and then a grant to a group at the subscription: the grouped answer, expanded,
//! must be the flat one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common::*;
use kvaccess::model::{
    Cause, CollectionError, ItemKind, PrincipalKind, Scope, Snapshot, Topic, VaultItem,
};
use kvaccess::synth::{SynthSpec, generate};
use kvaccess::whatif;
use proptest::prelude::*;
use serde_json::json;

/// The roles granted to the group: data access, management levers (escalations), both.
const ROLES: [&str; 3] = [
    "Key Vault Secrets Officer",
    "Contributor",
    "Key Vault Administrator",
];

/// The group with the most direct members, and those members.
fn group(s: &Snapshot) -> (String, Vec<String>) {
    let is_group = |id: &str| {
        s.principals
            .iter()
            .any(|p| p.id == id && p.kind == PrincipalKind::Group)
    };
    let mut best: (String, Vec<String>) = (String::new(), Vec::new());
    for p in s
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::Group)
    {
        let members: Vec<String> = s
            .group_memberships
            .iter()
            .filter(|m| m.group_id == p.id && !is_group(&m.member_id))
            .map(|m| m.member_id.clone())
            .collect();
        if members.len() > best.1.len() {
            best = (p.id.clone(), members);
        }
    }
    best
}

/// `base` with one difference of each kind, each on the vault `picks` chooses among `vaults`, naming the
/// member `picks` chooses.
fn differences(base: &Snapshot, vaults: &[Scope], members: &[String], picks: &[usize]) -> Snapshot {
    let pick = |k: usize| picks.get(k).copied().unwrap_or(0);
    let vault = |k: usize| &vaults[pick(k) % vaults.len()];
    let member = |k: usize| members[pick(k) / 7 % members.len()].clone();
    let mut s = base.clone();
    // First the subscription's vaults are made alike: the same settings, no grants below the subscription,
    // no access-policy entries; then each gets its difference.
    let sub = format!("/subscriptions/{}/", vaults[0].subscription().unwrap());
    s.role_assignments
        .retain(|a| !a.scope.key().starts_with(&sub));
    s.deny_assignments
        .retain(|d| !d.scope.key().starts_with(&sub));
    let like = s
        .vaults
        .iter()
        .find(|v| v.scope == vaults[0])
        .unwrap()
        .clone();
    for v in s.vaults.iter_mut().filter(|v| vaults.contains(&v.scope)) {
        v.access_policies.clear();
        v.rbac_authorization = like.rbac_authorization;
        v.purge_protection = like.purge_protection;
        v.enabled_for_template_deployment = like.enabled_for_template_deployment;
        v.network = like.network.clone();
    }
    let item = Scope::parse(&format!("{}/secrets/shared-test", vault(0).id())).unwrap();
    s.vault_items.push(VaultItem {
        scope: item.clone(),
        vault: vault(0).clone(),
        kind: ItemKind::Secrets,
        name: "shared-test".into(),
        enabled: Some(true),
        expires: None,
    });
    let model = |k: usize| {
        let v = s.vaults.iter().find(|v| v.scope == *vault(k)).unwrap();
        json!({"kind": "setPermissionModel", "vault": v.scope.id(),
               "enableRbacAuthorization": !v.rbac_authorization})
    };
    let entry = |k: usize, app: Option<&str>| {
        json!({"kind": "addAccessPolicy", "vault": vault(k).id(), "objectId": member(k),
               "applicationId": app, "permissions": {"secrets": ["get", "list"], "keys": ["get"]}})
    };
    let changes = vec![
        json!({"kind": "addRoleAssignment", "principal": member(0), "role": "Key Vault Secrets User",
               "scope": item.id()}),
        json!({"kind": "addRoleAssignment", "principal": member(1), "role": "Key Vault Reader",
               "scope": vault(1).id()}),
        entry(2, None),
        entry(3, Some("11111111-2222-3333-4444-555555555555")),
        model(4),
        json!({"kind": "addDenyAssignment", "scope": vault(5).id(), "principals": [member(5)],
               "permissions": [{"actions": ["*/write"], "notActions": [],
                                "dataActions": ["Microsoft.KeyVault/vaults/secrets/*"],
                                "notDataActions": []}]}),
        json!({"kind": "setNetworkAcls", "vault": vault(6).id(),
               "networkAcls": {"defaultAction": "Deny", "bypass": "None",
                               "ipRules": [{"value": "203.0.113.7"}], "virtualNetworkRules": []}}),
    ];
    // One at a time: a difference the tenant already has (an entry for that member) is left out.
    let mut s = changes.into_iter().fold(s, |s, c| {
        let (c, _) = whatif::parse_change(0, &c).unwrap();
        whatif::apply(&s, &[c]).unwrap_or(s)
    });
    for v in &mut s.vaults {
        if v.scope == *vault(7) {
            v.purge_protection = !v.purge_protection;
        }
        if v.scope == *vault(8) {
            v.enabled_for_template_deployment = !v.enabled_for_template_deployment;
        }
        if v.scope == *vault(9) {
            v.properties_missing = true;
        }
    }
    s.collection_errors.push(CollectionError {
        scope: vault(10).clone(),
        about: Topic::ROLE_ASSIGNMENTS,
        cause: Cause::Failed {
            status: Some(403),
            message: "forbidden".into(),
        },
    });
    s
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(12),
        ..ProptestConfig::default()
    })]

    #[test]
    fn alike_vaults_share_only_what_decides_alike(
        seed in 1u64..1_000,
        picks in prop::collection::vec(0usize..1_000, 11),
        role in 0usize..ROLES.len(),
        at_group in any::<bool>(),
    ) {
        let base = generate(&SynthSpec::new(150, 12, 300, seed));
        let (group, members) = group(&base);
        prop_assume!(!members.is_empty());
        let sub = base.vaults[0].scope.subscription().unwrap().to_string();
        let vaults: Vec<Scope> = base
            .vaults
            .iter()
            .filter(|v| v.scope.subscription() == Some(sub.as_str()))
            .map(|v| v.scope.clone())
            .collect();
        let before = differences(&base, &vaults, &members, &picks);
        // Granted to the group at the subscription, or to one member (its classes at every vault).
        let principal = if at_group { group } else { members[0].clone() };
        let grant = |kind: &str| {
            let change = json!({"kind": kind, "principal": principal, "role": ROLES[role],
                                "scope": format!("/subscriptions/{sub}")});
            whatif::apply(&before, &[whatif::parse_change(0, &change).unwrap().0])
        };
        // Where the grant is there already, it is taken away instead.
        let after = grant("addRoleAssignment")
            .or_else(|_| grant("removeRoleAssignment"))
            .unwrap();
        assert_grouped_matches_flat(&before, &after, None);
    }
}
