use super::*;

fn round_trip(s: &Snapshot) -> Snapshot {
    let text = serde_json::to_string(&snapshot::to_json(s)).unwrap();
    snapshot::parse(&text, Path::new("<synth>")).unwrap()
}

fn tiny(seed: u64) -> SynthSpec {
    SynthSpec::new(400, 30, 600, seed)
}

#[test]
fn same_seed_same_bytes() {
    let a = serde_json::to_string(&snapshot::to_json(&generate(&tiny(7)))).unwrap();
    let b = serde_json::to_string(&snapshot::to_json(&generate(&tiny(7)))).unwrap();
    assert_eq!(a, b);
    let c = serde_json::to_string(&snapshot::to_json(&generate(&tiny(8)))).unwrap();
    assert_ne!(a, c);
}

#[test]
fn saved_file_is_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    generate_to_file(&tiny(3), &a).unwrap();
    generate_to_file(&tiny(3), &b).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn small_preset_loads_back_equal_with_the_right_counts() {
    let spec = SynthSpec::small(1);
    let s = generate(&spec);
    let back = round_trip(&s);
    assert!(back.warnings.is_empty(), "{:?}", back.warnings.first());
    assert_eq!(back, s);
    assert_eq!(s.principals.len(), 1_000);
    assert_eq!(s.vaults.len(), 50);
    assert_eq!(s.role_assignments.len(), 2_000);
    assert_eq!(s.role_eligibilities.len(), 20);
    assert_eq!(
        s.vaults
            .iter()
            .map(|v| v.access_policies.len())
            .sum::<usize>(),
        1_000
    );
    assert_eq!(
        s.principals
            .iter()
            .filter(|p| p.kind == PrincipalKind::Group)
            .count(),
        50
    );
    assert_eq!(
        s.principals
            .iter()
            .filter(|p| p.kind == PrincipalKind::User)
            .count(),
        900
    );
    assert_eq!(s.role_definitions.len(), 30 + 4);
    assert_eq!(s.role_definitions.iter().filter(|d| d.built_in).count(), 30);
    assert_eq!(s.subscriptions.len(), spec.subscriptions);
    assert_eq!(s.management_groups.len(), spec.management_groups);
    assert_eq!(s.resource_groups.len(), spec.resource_groups);
    assert_eq!(s.deny_assignments.len(), spec.deny_assignments);
    assert_eq!(s.vault_items.len(), 200);
    assert!(s.collection_errors.is_empty());
}

#[test]
fn shape_is_realistic() {
    let s = generate(&SynthSpec::new(4_000, 400, 8_000, 11));
    let rbac = s.vaults.iter().filter(|v| v.rbac_authorization).count();
    assert!((150..=250).contains(&rbac), "{rbac} RBAC vaults of 400");
    assert!(s.vaults.iter().any(|v| {
        v.network
            .acls
            .as_ref()
            .is_some_and(|a| a.default_deny && !a.ip_rules.is_empty())
    }));
    assert!(
        s.vaults
            .iter()
            .any(|v| v.network.public_network_access == PublicNetworkAccess::Disabled)
    );
    assert!(
        s.vaults
            .iter()
            .all(|v| v.access_policies.len() <= MAX_ACCESS_POLICIES_PER_VAULT)
    );
    assert!(
        s.vaults
            .iter()
            .filter(|v| v.rbac_authorization)
            .all(|v| v.access_policies.is_empty())
    );
    let kinds = |k: ScopeKind| {
        s.role_assignments
            .iter()
            .filter(|a| a.scope.kind() == k)
            .count()
    };
    let (mg, sub, rg, vault) = (
        kinds(ScopeKind::ManagementGroup),
        kinds(ScopeKind::Subscription),
        kinds(ScopeKind::ResourceGroup),
        kinds(ScopeKind::Vault),
    );
    let item = s
        .role_assignments
        .iter()
        .filter(|a| matches!(a.scope.kind(), ScopeKind::VaultItem(_)))
        .count();
    assert!(
        vault > rg && rg > sub && sub > mg && mg > 0 && item > 0,
        "{mg} {sub} {rg} {vault} {item}"
    );
    // Every assignment names a known principal and role; ids are unique.
    let ids: HashSet<&str> = s.principals.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids.len(), s.principals.len());
    let roles: HashSet<&str> = s.role_definitions.iter().map(|d| d.guid.as_str()).collect();
    assert!(
        s.role_assignments
            .iter()
            .all(|a| ids.contains(a.principal_id.as_str())
                && roles.contains(a.role_definition_guid.as_str()))
    );
    let assignment_ids: HashSet<&str> = s.role_assignments.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(assignment_ids.len(), s.role_assignments.len());
    // Zipf: the biggest group is far above the average.
    let mut sizes = std::collections::HashMap::new();
    for m in &s.group_memberships {
        *sizes.entry(m.group_id.as_str()).or_insert(0usize) += 1;
    }
    let max = sizes.values().copied().max().unwrap_or(0);
    assert!(
        max > 10 * s.group_memberships.len() / sizes.len().max(1),
        "largest group {max}"
    );
    // Groups nest (some groups are members of groups), with at least one cycle.
    let groups: HashSet<&str> = s
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::Group)
        .map(|p| p.id.as_str())
        .collect();
    let nested = s
        .group_memberships
        .iter()
        .filter(|m| groups.contains(m.member_id.as_str()))
        .count();
    assert!(nested >= 200 * 2 / 5, "{nested} nesting edges");
    let back = round_trip(&s);
    assert!(back.warnings.is_empty());
    assert_eq!(back.role_assignments.len(), 8_000);
}

#[test]
fn cycles_exist_and_the_engine_survives_them() {
    let s = generate(&SynthSpec::new(2_000, 20, 500, 5));
    let spec = SynthSpec::new(2_000, 20, 500, 5);
    assert!(spec.group_cycles > 0);
    // Nesting edges point from a larger (lower-numbered) group to a smaller one; cycle edges the other way.
    let number: std::collections::HashMap<&str, usize> = s
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::Group)
        .filter_map(|g| {
            Some((
                g.id.as_str(),
                g.display_name.strip_prefix("group-")?.parse().ok()?,
            ))
        })
        .collect();
    let upward = s
        .group_memberships
        .iter()
        .filter(|m| {
            matches!((number.get(m.group_id.as_str()), number.get(m.member_id.as_str())), (Some(g), Some(c)) if g > c)
        })
        .count();
    assert_eq!(upward, spec.group_cycles);
    let engine = crate::eval::Engine::new(s.clone());
    // Some group reaches itself through its parents.
    let cyclic = s
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::Group)
        .any(|g| {
            let set = engine.index.principal_set(&g.id);
            engine
                .index
                .transitive_members(&g.id)
                .iter()
                .any(|(m, _)| set.groups.iter().any(|x| *x.group_id == **m))
        });
    assert!(cyclic);
}

#[test]
fn degenerate_specs_do_not_panic() {
    for spec in [
        SynthSpec::new(0, 0, 0, 1),
        SynthSpec::new(1, 1, 1, 1),
        SynthSpec::new(5, 0, 10, 1),
        SynthSpec::new(0, 5, 10, 1),
        SynthSpec {
            rbac_vault_percent: 100,
            ..SynthSpec::new(50, 5, 10, 1)
        },
        SynthSpec {
            management_groups: 0,
            subscriptions: 0,
            resource_groups: 0,
            ..SynthSpec::new(50, 5, 10, 1)
        },
    ] {
        let s = generate(&spec);
        let back = round_trip(&s);
        assert_eq!(back, s);
    }
}

#[test]
fn access_policies_respect_the_per_vault_limit() {
    let spec = SynthSpec {
        access_policy_entries: 5_000,
        ..SynthSpec::new(3_000, 6, 100, 2)
    };
    let s = generate(&spec);
    let ap = s.vaults.iter().filter(|v| !v.rbac_authorization).count();
    let total: usize = s.vaults.iter().map(|v| v.access_policies.len()).sum();
    assert_eq!(total, 5_000.min(ap * MAX_ACCESS_POLICIES_PER_VAULT));
    assert!(
        s.vaults
            .iter()
            .all(|v| v.access_policies.len() <= MAX_ACCESS_POLICIES_PER_VAULT)
    );
    for v in &s.vaults {
        let unique: HashSet<&str> = v
            .access_policies
            .iter()
            .map(|e| e.object_id.as_str())
            .collect();
        assert_eq!(unique.len(), v.access_policies.len());
    }
}

#[test]
fn hop_data_only_when_asked_and_it_round_trips() {
    let plain = generate(&SynthSpec::new(300, 10, 300, 5));
    assert!(plain.hops.is_empty());
    let spec = SynthSpec {
        compute_resources: 100,
        applications: 20,
        ..SynthSpec::new(300, 10, 300, 5)
    };
    let s = generate(&spec);
    let resources = s.hops.resources.as_ref().unwrap();
    assert_eq!(resources.len(), 100 + 100 / 20);
    assert!(
        resources
            .iter()
            .any(|r| r.kubelet.is_some() || r.kind.contains("virtualmachines"))
    );
    let sps = s
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::ServicePrincipal)
        .count();
    assert!(sps > 0);
    assert_eq!(s.hops.applications.as_ref().unwrap().len(), 20.min(sps));
    assert!(!s.hops.owners.as_ref().unwrap().is_empty());
    // The tenant without hop data is unchanged by asking for it (its own streams are untouched).
    assert_eq!(s.vaults, plain.vaults);
    assert_eq!(s.principals, plain.principals);
    assert_eq!(round_trip(&s), s);
    // Every compute resource has a control assignment that the hop graph turns into a `runs as` hop.
    let engine = crate::eval::Engine::new(s.clone());
    let graph = crate::paths::HopGraph::build(&engine);
    let identities = s.hops.resources.iter().flatten();
    assert!(
        identities
            .filter_map(|r| r.principal_id.as_deref())
            .any(|mi| graph
                .edges_into(&engine, mi)
                .iter()
                .any(|h| h.kind == crate::paths::HopKind::RunsAs))
    );
}
