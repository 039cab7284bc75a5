//! The indexed apply held to the obvious scanning edits of plain lists.

use proptest::prelude::*;

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
