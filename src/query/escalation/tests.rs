//! The two-thread split of one vault's findings gives the one-thread answer.
use super::cited::block_condition;
use super::*;
use crate::eval::Request;
use crate::eval::Verdict;
use crate::eval::decide::RbacKey;

/// The two-thread path must give exactly the one-thread findings, in the same order.
#[test]
fn halves_on_two_threads_give_the_one_thread_findings() {
    let snapshot = crate::synth::generate(&crate::synth::SynthSpec::new(300, 8, 600, 11));
    let engine = Engine::new(snapshot.clone());
    let mut compared = 0;
    for vault in &snapshot.vaults {
        let mut json = |parallel_from| {
            let found = findings_for_vault(&engine, vault, parallel_from);
            compared += found.len();
            serde_json::to_string(&found).expect("findings serialize")
        };
        let (one, two) = (json(usize::MAX), json(0));
        assert_eq!(one, two, "{}", vault.name);
    }
    assert!(compared > 100, "only {compared} findings compared");
}

/// The lever verdicts a finding cites start from the role assignments the bulk row gathered: on random
/// tenants they must be `check`'s own verdicts (decision, grants, denies, reasons, notes) for every lever
/// of every candidate at every vault.
#[test]
fn lever_verdicts_from_the_gathered_row_are_checks_verdicts() {
    let mut compared = 0;
    let mut granted = 0;
    for seed in [11, 12, 13] {
        let snapshot = crate::synth::generate(&crate::synth::SynthSpec::new(300, 8, 600, seed));
        let engine = Engine::new(snapshot.clone());
        for vault in &snapshot.vaults {
            let target = engine.target(&vault.scope);
            let rows_at = TargetRows::new(&engine, &target);
            for id in candidates(&engine, &target) {
                let subject = engine.subject(&id);
                let row = rows_at.row(&subject, None);
                let entries = rows_at.entries_naming(&subject);
                let gathered = Gathered {
                    entries: Some(&entries),
                    assignments: Some(row.assignments()),
                    without_ignored_mechanism: false,
                };
                for action in levers() {
                    let request = Request::new(&subject, &target, action);
                    let full = engine.check(&request).expect("the lever is checked");
                    let fast = engine
                        .check_gathered(&request, gathered)
                        .expect("the lever is checked");
                    let json = |v: &Verdict| serde_json::to_string(v).expect("verdict serializes");
                    assert_eq!(json(&full), json(&fast), "{id} at {}", vault.name);
                    compared += 1;
                    granted += usize::from(!full.grants.is_empty());
                }
            }
        }
    }
    assert!(
        compared > 1000 && granted > 100,
        "{compared} verdicts compared, {granted} with grants"
    );
}

/// Lever verdicts are shared by rows whose keys for the lever are equal (assignments of roles that cannot
/// grant it left out): on random tenants, every row with the same key at any vault of a subscription gets
/// the same parts of `check`'s verdict that a finding cites (decision, reasons, and of the grants their ids,
/// roles, holders, scopes and conditions; not the membership chain, which is the subject's own).
#[test]
fn rows_sharing_a_lever_key_get_the_same_cited_verdict() {
    type Cited = (Decision, Vec<String>, Vec<UnknownBecause>);
    let mut shared = 0;
    let mut keys = 0;
    for seed in [21, 22] {
        let snapshot = crate::synth::generate(&crate::synth::SynthSpec::new(300, 16, 900, seed));
        let engine = Engine::new(snapshot.clone());
        let mut seen: FxHashMap<(String, usize, RbacKey), Cited> = FxHashMap::default();
        for vault in &snapshot.vaults {
            let target = engine.target(&vault.scope);
            let subscription = target.ancestry.scopes.get(1).map(|s| s.key().to_string());
            let rows_at = TargetRows::new(&engine, &target);
            for id in candidates(&engine, &target) {
                let subject = engine.subject(&id);
                let row = rows_at.row(&subject, None);
                let Some(key) = row.rbac_key(&engine.snapshot) else {
                    continue;
                };
                for (lever, action) in levers().iter().enumerate() {
                    let v = engine
                        .check(&Request::new(&subject, &target, action))
                        .expect("the lever is checked");
                    let mut grants: Vec<String> = v
                        .grants
                        .iter()
                        .map(|g| {
                            let cited =
                                (&g.id, &g.role_name, &g.principal_id, &g.scope, &g.condition);
                            format!("{cited:?}")
                        })
                        .collect();
                    grants.sort();
                    let mut reasons = v.unknown_because.clone();
                    reasons.sort_unstable();
                    let cited = (v.decision, grants, reasons);
                    let k = key.for_action(|role| engine.role_may_grant(role, action));
                    let at = (subscription.clone().unwrap_or_default(), lever, k);
                    match seen.get(&at) {
                        Some(before) => {
                            assert_eq!(before, &cited, "{id} at {}", vault.name);
                            shared += 1;
                        }
                        None => {
                            keys += 1;
                            seen.insert(at, cited);
                        }
                    }
                }
            }
        }
    }
    assert!(shared > 1000 && keys > 50, "{shared} shared, {keys} keys");
}

/// What a finding cites of a lever verdict, worked out from the row without building the verdict (with what
/// each role's blocks say of a lever, and the citations by lever and chosen grant, kept for the whole walk,
/// as a walk keeps them), is what it cites of `check`'s own verdict, for every lever of every candidate at
/// every vault of random tenants; and rows citing the same grant share one citation.
#[test]
fn lever_citations_from_the_row_are_those_of_checks_verdicts() {
    let mut lean = 0;
    let mut serials = std::collections::HashSet::new();
    // Citations of a grant whose role gives two levers each under a condition of its own.
    let mut conditional = [0, 0];
    for seed in [31, 32, 33] {
        let mut snapshot =
            crate::synth::generate(&crate::synth::SynthSpec::new(300, 10, 900, seed));
        let ids = add_two_conditional_levers(&mut snapshot);
        let engine = Engine::new(snapshot.clone());
        let walk = LeverVerdicts::default();
        for vault in &snapshot.vaults {
            let target = engine.target(&vault.scope);
            let rows_at = TargetRows::new(&engine, &target);
            for id in candidates(&engine, &target) {
                let subject = engine.subject(&id);
                let row = rows_at.row(&subject, None);
                if row.rbac_key(&engine.snapshot).is_none() {
                    continue;
                }
                for (lever, action) in levers().iter().enumerate() {
                    let decision = engine.decide(&row, action);
                    let Some(cited) =
                        walk.cited_from_row(&engine, row.assignments(), lever, decision)
                    else {
                        continue;
                    };
                    let v = engine
                        .check(&Request::new(&subject, &target, action))
                        .expect("the lever is checked");
                    assert_eq!(*cited, Cited::of(&v), "{id} at {}", vault.name);
                    serials.insert(cited.serial());
                    if cited.condition().is_some() && ids.iter().any(|i| i == cited.grant_id()) {
                        let at = usize::from(lever == super::ASSIGN);
                        if let Some(n) = conditional.get_mut(at) {
                            *n += 1;
                        }
                    }
                    lean += 1;
                }
            }
        }
    }
    assert!(lean > 500, "only {lean} citations compared");
    assert!(
        serials.len() * 4 < lean,
        "{} citations made for {lean} rows",
        serials.len()
    );
    assert!(
        conditional.iter().all(|&n| n > 5),
        "{conditional:?} conditional citations of the two-lever role"
    );
}

/// Adds a role whose two blocks give `vaults/write` and `roleAssignments/write` each under a condition of
/// its own, assigned (at their scopes, under ids sorting before the others, so that citations name them) to
/// the principals of the first 60 assignments. Returns the assignments' ids.
fn add_two_conditional_levers(s: &mut crate::model::Snapshot) -> Vec<String> {
    use crate::model::pattern::ActionPattern;
    use crate::model::{Permission, RoleAssignment, RoleDefinition};
    let guid = "00000000-0000-0000-0000-00000000c0de";
    let block = |action: &str, guarded: &str| Permission {
        actions: vec![ActionPattern::new(action)],
        not_actions: Vec::new(),
        data_actions: Vec::new(),
        not_data_actions: Vec::new(),
        condition: Some(format!(
            "((!(ActionMatches{{'{guarded}'}})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{00482a5a-887f-4fb3-b363-3b7fe8e74483}}))"
        )),
    };
    s.role_definitions.push(RoleDefinition {
        id: format!("/providers/Microsoft.Authorization/roleDefinitions/{guid}"),
        guid: guid.to_string(),
        role_name: "Conditional vault and role writer".to_string(),
        built_in: false,
        description: String::new(),
        assignable_scopes: vec!["/".to_string()],
        permissions: vec![
            block(
                "Microsoft.KeyVault/vaults/write",
                "Microsoft.KeyVault/vaults/write",
            ),
            block(
                "Microsoft.Authorization/roleAssignments/write",
                "Microsoft.Authorization/roleAssignments/write",
            ),
        ],
    });
    let added: Vec<RoleAssignment> = (0..)
        .zip(s.role_assignments.iter().take(60))
        .map(|(n, a)| RoleAssignment {
            id: format!("/providers/Microsoft.Authorization/roleAssignments/0-lever-{n:03}"),
            role_definition_id: format!(
                "/providers/Microsoft.Authorization/roleDefinitions/{guid}"
            ),
            role_definition_guid: guid.to_string(),
            condition: None,
            condition_version: None,
            ..a.clone()
        })
        .collect();
    let ids = added.iter().map(|a| a.id.clone()).collect();
    for a in added {
        s.role_assignments.push(a);
    }
    ids
}

/// What a walk shares between the vaults of a subscription (lever citations, subjects, rows decided) changes
/// no finding: each vault's findings with everything shared since the subscription began are its findings
/// asked alone, in the same order, on random tenants.
#[test]
fn sharing_across_a_subscriptions_vaults_changes_no_finding() {
    let mut compared = 0;
    let mut narrowed = 0;
    for seed in [41, 42] {
        let snapshot = crate::synth::generate(&crate::synth::SynthSpec::new(300, 24, 900, seed));
        let engine = Engine::new(snapshot.clone());
        let mut vaults: Vec<&Vault> = snapshot.vaults.iter().collect();
        vaults.sort_by(|a, b| a.scope.key().cmp(b.scope.key()));
        let shared = LeverVerdicts::default();
        // What the subscription and above hold, shared across vaults as a walk shares it.
        let mut above = Default::default();
        let mut subscription = None;
        for vault in vaults {
            let target = engine.target(&vault.scope);
            let here = target.ancestry.scopes.get(1).map(|s| s.key().to_string());
            if here != subscription {
                shared.clear();
                subscription = here;
            }
            let ids = candidates(&engine, &target);
            let json = |f: &[Finding]| serde_json::to_string(f).expect("findings serialize");
            let alone = findings_among(&engine, vault, &target, ids.iter().cloned());
            let with = findings_sharing(
                &engine,
                vault,
                &target,
                ids.into_iter(),
                &shared,
                &mut above,
            );
            for f in &with {
                // The bits kept with the levers are those of each finding's own gains.
                assert_eq!(f.lacks_mask, found::gain_mask(&f.lacks), "{}", vault.name);
                narrowed += usize::from(f.lacks.len() == 1 && f.lacks[0] == "secrets/get");
            }
            let with: Vec<Finding> = with.iter().map(|f| f.finding(vault.scope.id())).collect();
            assert_eq!(json(&alone), json(&with), "{}", vault.name);
            compared += alone.len();
        }
    }
    assert!(compared > 300, "only {compared} findings compared");
    assert!(narrowed > 0, "no finding gains secrets/get alone");
}

/// What a walk shares of what rows lack, by data key, is what each row lacks alone: on random tenants, every
/// candidate's row at every vault lacks what the first row with its data key lacked (rows that differ only
/// by grants of roles without data operations, or at a vault using access policies only by their grants).
#[test]
fn rows_with_equal_data_keys_lack_the_same() {
    rows_with_equal_keys_agree([51, 52], |engine, row| {
        let grants_data = |r| gainable().iter().any(|(_, a)| engine.role_may_grant(r, a));
        (row.data_key(grants_data), lacking(engine, row))
    });
}

/// Lever decisions shared by management key are each row's own: on random tenants, every candidate's row at
/// every vault decides the levers as the first row with its management key did (rows that differ only by
/// data roles, access-policy entries, or which unconditional assignments grant them their lever roles).
#[test]
fn rows_with_equal_management_keys_decide_the_levers_alike() {
    rows_with_equal_keys_agree([53, 54], |engine, row| {
        let grants_lever = |r| levers().iter().any(|a| engine.role_may_grant(r, a));
        let decided: Vec<Decision> = levers().iter().map(|a| engine.decide(row, a)).collect();
        (row.management_key(&engine.snapshot, grants_lever), decided)
    });
}

/// Asserts that every candidate's row at every vault of random tenants (one per seed) has the value that the
/// first row with its key had, given (key, value) by `of`, and that keys are shared.
fn rows_with_equal_keys_agree<T: PartialEq + std::fmt::Debug>(
    seeds: [u64; 2],
    of: impl Fn(&Engine, &crate::eval::decide::Row) -> (RowKey, T),
) {
    let mut shared = 0;
    let mut keys = 0;
    for seed in seeds {
        let snapshot = crate::synth::generate(&crate::synth::SynthSpec::new(300, 16, 900, seed));
        let engine = Engine::new(snapshot.clone());
        let mut seen: FxHashMap<RowKey, (String, T)> = FxHashMap::default();
        for vault in &snapshot.vaults {
            let target = engine.target(&vault.scope);
            let rows_at = TargetRows::new(&engine, &target);
            for id in candidates(&engine, &target) {
                let row = rows_at.row(&engine.subject(&id), None);
                let (key, value) = of(&engine, &row);
                match seen.entry(key) {
                    Entry::Occupied(e) => {
                        let (first, before) = e.get();
                        assert_eq!(before, &value, "{id} at {} against {first}", vault.name);
                        shared += 1;
                    }
                    Entry::Vacant(e) => {
                        keys += 1;
                        e.insert((format!("{id} at {}", vault.name), value));
                    }
                }
            }
        }
    }
    assert!(shared > 1000 && keys > 50, "{shared} shared, {keys} keys");
}

/// Every identity a role assignment or access-policy entry at or above `target` can name: the candidates a
/// walk asks at the vault.
fn candidates(engine: &Engine, target: &Target) -> Vec<String> {
    let grants = Grants {
        rbac: true,
        policies: true,
        role_matters: |_| true,
        entry_matters: |_: &AccessPolicy| true,
    };
    reached(engine, &holders(engine, target, grants))
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// What a walk keeps of a role's blocks is, for every role, lever and RBAC action, what the blocks say of
/// that lever's action, whichever was asked first: roles that grant one lever and not another (Key Vault
/// Contributor writes access policies, not role assignments) keep both answers apart.
#[test]
fn kept_block_conditions_are_each_levers_own() {
    let snapshot = crate::synth::generate(&crate::synth::SynthSpec::new(300, 10, 900, 31));
    let engine = Engine::new(snapshot);
    let walk = LeverVerdicts::default();
    let roles = 0..engine.snapshot.role_definitions.len();
    let asks: Vec<(usize, usize, usize)> = roles
        .flat_map(|role| {
            levers()
                .iter()
                .enumerate()
                .flat_map(move |(lever, action)| {
                    (0..action.rbac_actions.len()).map(move |k| (role, lever, k))
                })
        })
        .collect();
    let mut differing = 0;
    for &(role, lever, k) in asks.iter().chain(asks.iter().rev()) {
        let expected = block_condition(&engine, role, &levers()[lever], k);
        if expected != block_condition(&engine, role, &levers()[0], 0) {
            differing += 1;
        }
        assert_eq!(
            walk.block(&engine, role, lever, k),
            expected,
            "role {role}, lever {lever}, action {k}"
        );
    }
    assert!(differing > 0, "every role says the same of every lever");
}
