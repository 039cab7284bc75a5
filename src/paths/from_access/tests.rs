//! A node's self-grants grouped once per class (each class's levers placed in the groups its first vault's
//! fell in) give the groups of the same levers listed vault by vault, each compared afresh.

use proptest::prelude::*;

use super::{DecidingGrant, Groups, Lever, LeverKind, SelfGrants};
use crate::eval::{Decision, GrantKind};

fn lever(kind: LeverKind, at: usize, (technique, grant): (u8, u8)) -> Lever {
    Lever {
        kind,
        at,
        technique: format!("technique {technique}"),
        decision: if technique % 2 == 0 {
            Decision::Allowed
        } else {
            Decision::Conditional
        },
        grant: (grant > 0).then(|| DecidingGrant {
            kind: GrantKind::RoleAssignment,
            id: format!("assignment {grant}"),
            holder: "holder".to_string(),
            role_name: None,
            scope: "/".to_string(),
        }),
        evidence: Vec::new(),
    }
}

/// One node: its vault-flag levers, and its self-grants by class with the classes of its vaults.
type Node = (Vec<(usize, (u8, u8))>, Vec<Vec<(u8, u8)>>, Vec<usize>);

fn node() -> impl Strategy<Value = Node> {
    let pair = (0u8..3, 0u8..3);
    (
        prop::collection::vec((0usize..6, pair.clone()), 0..3),
        prop::collection::vec(prop::collection::vec(pair, 0..4), 1..4),
        prop::collection::vec(0usize..4, 0..8),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn class_self_grants_group_as_listed_vault_by_vault(nodes in prop::collection::vec(node(), 1..4)) {
        let (mut shared, mut listed) = (Groups::default(), Groups::default());
        for (flags, classes, vaults) in nodes {
            let flags: Vec<Lever> =
                flags.into_iter().map(|(at, l)| lever(LeverKind::VaultFlag, at, l)).collect();
            let mut grants = SelfGrants {
                classes: classes
                    .iter()
                    .map(|c| c.iter().map(|&l| lever(LeverKind::SelfGrant, 0, l)).collect())
                    .collect(),
                at: Vec::new(),
            };
            // Vault positions ascend, each vault of some class that has self-grants.
            for (at, class) in vaults.into_iter().enumerate() {
                let class = class % classes.len();
                if classes.get(class).is_some_and(|c| !c.is_empty()) {
                    grants.at.push((at, class));
                }
            }
            let mut every = flags.clone();
            for &(at, class) in &grants.at {
                for l in grants.classes.get(class).into_iter().flatten() {
                    every.push(Lever { at, ..l.clone() });
                }
            }
            let got = shared.add_levers(flags, &grants);
            let want = listed.add_levers(every, &SelfGrants::default());
            prop_assert_eq!(got, want);
        }
        prop_assert_eq!(shared.levers, listed.levers);
    }
}
