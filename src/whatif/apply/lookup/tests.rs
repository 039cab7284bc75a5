//! The indexed apply held to the obvious scanning edits of plain lists.

use proptest::prelude::*;

use crate::eval::{Engine, Request};
use crate::model::{PrincipalKind, Snapshot};
use crate::synth::{SynthSpec, generate};
use crate::whatif::Change;

/// One edit, by position in small pools of grants and memberships (some in the snapshot, some not).
#[derive(Debug, Clone)]
enum Edit {
    AddGrant(usize),
    RemoveGrant(usize),
    AddMember(usize),
    RemoveMember(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0..12usize).prop_map(Edit::AddGrant),
        (0..12usize).prop_map(Edit::RemoveGrant),
        (0..12usize).prop_map(Edit::AddMember),
        (0..12usize).prop_map(Edit::RemoveMember),
    ]
}

struct Pools {
    grants: Vec<(String, String, String)>,
    members: Vec<(String, String)>,
}

/// Half of each pool exists in the snapshot, half does not.
fn pools(s: &Snapshot) -> Pools {
    let users: Vec<&str> = s
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::User)
        .map(|p| p.id.as_str())
        .collect();
    let groups: Vec<&str> = s
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::Group)
        .map(|p| p.id.as_str())
        .collect();
    let role = |name: &str| {
        s.role_definitions
            .iter()
            .find(|d| d.role_name == name)
            .map(|d| d.guid.clone())
            .unwrap_or_default()
    };
    let mut grants: Vec<(String, String, String)> = s
        .role_assignments
        .iter()
        .take(6)
        .map(|a| {
            (
                a.principal_id.clone(),
                a.role_definition_guid.clone(),
                a.scope.id().to_string(),
            )
        })
        .collect();
    for (n, user) in users.iter().take(6).enumerate() {
        grants.push((
            user.to_string(),
            role("Key Vault Secrets User"),
            s.vaults[n % s.vaults.len()].scope.id().to_string(),
        ));
    }
    let mut members: Vec<(String, String)> = s
        .group_memberships
        .iter()
        .take(6)
        .map(|e| (e.group_id.clone(), e.member_id.clone()))
        .collect();
    for n in 0..6 {
        members.push((
            groups[n].to_string(),
            users[users.len() - 1 - n].to_string(),
        ));
    }
    Pools { grants, members }
}

fn change(p: &Pools, e: &Edit) -> Change {
    match *e {
        Edit::AddGrant(n) => Change::AddRoleAssignment {
            principal: p.grants[n].0.clone(),
            role: p.grants[n].1.clone(),
            scope: p.grants[n].2.clone(),
            condition: None,
            condition_version: None,
            id: None,
        },
        Edit::RemoveGrant(n) => Change::RemoveRoleAssignment {
            id: None,
            principal: Some(p.grants[n].0.clone()),
            role: Some(p.grants[n].1.clone()),
            scope: Some(p.grants[n].2.clone()),
        },
        Edit::AddMember(n) => Change::AddGroupMember {
            group: p.members[n].0.clone(),
            member: p.members[n].1.clone(),
        },
        Edit::RemoveMember(n) => Change::RemoveGroupMember {
            group: p.members[n].0.clone(),
            member: p.members[n].1.clone(),
        },
    }
}

/// The snapshot with every shared section copied: what applying to a snapshot that shares nothing gives.
fn deep(s: &Snapshot) -> Snapshot {
    let mut d = s.clone();
    d.vaults = s.vaults.to_vec().into();
    d.role_assignments = s.role_assignments.to_vec().into();
    d.principals = s.principals.to_vec().into();
    d.group_memberships = s.group_memberships.to_vec().into();
    d.vault_items = s.vault_items.to_vec().into();
    assert!(!d.vaults.same(&s.vaults));
    d
}

/// A vault's access policy changed: only the vaults are copied.
#[test]
fn a_policy_change_copies_the_vaults_only() {
    let s = generate(&SynthSpec::new(200, 6, 300, 3));
    let kept = deep(&s);
    let vault = s
        .vaults
        .iter()
        .find(|v| !v.rbac_authorization)
        .expect("a policy vault");
    let user = s
        .principals
        .iter()
        .find(|p| p.kind == PrincipalKind::User)
        .expect("a user");
    let json = serde_json::json!([{"kind": "addAccessPolicy", "vault": vault.scope.id(), "objectId": user.id,
        "permissions": {"secrets": ["get"]}}])
    .to_string();
    let changes: Vec<Change> = crate::whatif::parse_changes(&json)
        .expect("a change list")
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    let out = crate::whatif::apply::apply(&s, &changes).expect("applies");
    assert_eq!(s, kept);
    assert_eq!(
        out,
        crate::whatif::apply::apply(&kept, &changes).expect("applies")
    );
    assert!(!out.vaults.same(&s.vaults));
    assert!(out.role_assignments.same(&s.role_assignments));
    assert!(out.group_memberships.same(&s.group_memberships));
    assert!(out.principals.same(&s.principals));
    assert_ne!(out.vaults, s.vaults);
}

type Grant = (String, String, String);
type Member = (String, String);

/// The tables as plain lists, edited the obvious way: a scan to find, `Vec::remove`, `push`. `None` when
/// an edit cannot apply (adding what exists, removing what does not).
fn naive(s: &Snapshot, p: &Pools, edits: &[Edit]) -> Option<(Vec<Grant>, Vec<Member>)> {
    let mut grants: Vec<(String, String, String)> = s
        .role_assignments
        .iter()
        .map(|a| {
            (
                a.principal_id.clone(),
                a.role_definition_guid.clone(),
                a.scope.id().to_string(),
            )
        })
        .collect();
    let mut members: Vec<(String, String)> = s
        .group_memberships
        .iter()
        .map(|e| (e.group_id.clone(), e.member_id.clone()))
        .collect();
    let mut ok = true;
    for e in edits {
        match *e {
            Edit::AddGrant(n) if !grants.contains(&p.grants[n]) => grants.push(p.grants[n].clone()),
            Edit::RemoveGrant(n) => match grants.iter().position(|g| *g == p.grants[n]) {
                Some(at) => drop(grants.remove(at)),
                None => ok = false,
            },
            Edit::AddMember(n) if !members.contains(&p.members[n]) => {
                members.push(p.members[n].clone())
            }
            Edit::RemoveMember(n) => match members.iter().position(|m| *m == p.members[n]) {
                Some(at) => drop(members.remove(at)),
                None => ok = false,
            },
            _ => ok = false,
        }
    }
    ok.then_some((grants, members))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn a_copy_shares_what_the_changes_leave_alone(edits in prop::collection::vec(edit(), 1..12)) {
        let s = generate(&SynthSpec::new(200, 6, 300, 3));
        let kept = deep(&s);
        let p = pools(&s);
        let changes: Vec<Change> = edits.iter().map(|e| change(&p, e)).collect();
        let shared = crate::whatif::apply::apply(&s, &changes);
        let unshared = crate::whatif::apply::apply(&deep(&s), &changes);
        // The original is untouched, and the copy is what a copy of every list gives.
        prop_assert_eq!(&s, &kept);
        prop_assert_eq!(shared.as_ref().ok(), unshared.as_ref().ok());
        if let Ok(out) = shared {
            prop_assert!(out.vaults.same(&s.vaults));
            prop_assert!(out.principals.same(&s.principals));
            prop_assert!(out.vault_items.same(&s.vault_items));
            let grants = edits.iter().any(|e| matches!(e, Edit::AddGrant(_) | Edit::RemoveGrant(_)));
            let members = edits.iter().any(|e| matches!(e, Edit::AddMember(_) | Edit::RemoveMember(_)));
            prop_assert_eq!(out.role_assignments.same(&s.role_assignments), !grants);
            prop_assert_eq!(out.group_memberships.same(&s.group_memberships), !members);
            // Added assignments go after the shared list (`model::Tailed`); only a removal copies it.
            let removes = edits.iter().any(|e| matches!(e, Edit::RemoveGrant(_)));
            prop_assert_eq!(out.role_assignments.shares_base(&s.role_assignments), !removes);
        }
    }

    #[test]
    fn an_engine_after_answers_as_a_fresh_one(edits in prop::collection::vec(edit(), 1..8)) {
        let s = generate(&SynthSpec::new(120, 4, 200, 5));
        let before = Engine::new(s);
        let p = pools(&before.snapshot);
        let changes: Vec<Change> = edits.iter().map(|e| change(&p, e)).collect();
        if let Ok(out) = crate::whatif::apply::apply(&before.snapshot, &changes) {
            let fresh = Engine::new(out.clone());
            let beside = Engine::after(&before, out);
            let members = edits.iter().any(|e| matches!(e, Edit::AddMember(_) | Edit::RemoveMember(_)));
            prop_assert_eq!(beside.index.principal.len(), fresh.index.principal.len());
            prop_assert!(std::sync::Arc::ptr_eq(&beside.index.principal, &before.index.principal));
            let ops: Vec<_> = crate::catalog::operations()
                .iter()
                .step_by(6)
                .filter_map(|o| crate::catalog::resolve(o.name).ok())
                .collect();
            prop_assert!(ops.len() >= 4);
            for principal in fresh.snapshot.principals.iter().step_by(3) {
                let (a, b) = (fresh.subject(&principal.id), beside.subject(&principal.id));
                prop_assert_eq!(&a.set.groups, &b.set.groups, "{} members changed: {}", principal.id, members);
                for v in fresh.snapshot.vaults.iter() {
                    let (ta, tb) = (fresh.target(&v.scope), beside.target(&v.scope));
                    for op in &ops {
                        let x = fresh.check(&Request::new(&a, &ta, op)).ok();
                        let y = beside.check(&Request::new(&b, &tb, op)).ok();
                        prop_assert_eq!(x, y);
                    }
                }
            }
        }
    }

    #[test]
    fn indexed_apply_matches_scanning_lists(edits in prop::collection::vec(edit(), 1..24)) {
        let s = generate(&SynthSpec::new(200, 6, 300, 3));
        let p = pools(&s);
        let changes: Vec<Change> = edits.iter().map(|e| change(&p, e)).collect();
        let applied = crate::whatif::apply::apply(&s, &changes);
        match (naive(&s, &p, &edits), applied) {
            (Some((grants, members)), Ok(out)) => {
                let got: Vec<(String, String, String)> = out
                    .role_assignments
                    .iter()
                    .map(|a| (a.principal_id.clone(), a.role_definition_guid.clone(), a.scope.id().to_string()))
                    .collect();
                let got_members: Vec<(String, String)> = out
                    .group_memberships
                    .iter()
                    .map(|e| (e.group_id.clone(), e.member_id.clone()))
                    .collect();
                prop_assert_eq!(got, grants);
                prop_assert_eq!(got_members, members);
            }
            (None, Err(_)) => {}
            (want, got) => prop_assert!(false, "naive {:?} but apply {:?}", want.is_some(), got.map(|_| ())),
        }
    }
}

/// A grant removed and added back in the first look-ups (answered by scanning, before any index) is not
/// found as a duplicate of itself.
#[test]
fn a_removed_assignment_is_gone_for_the_scanning_look_ups() {
    let s = generate(&SynthSpec::new(200, 6, 300, 3));
    let p = pools(&s);
    let changes = [Edit::RemoveGrant(0), Edit::AddGrant(0)].map(|e| change(&p, &e));
    let out = crate::whatif::apply::apply(&s, &changes);
    assert_eq!(
        out.map(|o| o.role_assignments.len()).ok(),
        Some(s.role_assignments.len())
    );
}
