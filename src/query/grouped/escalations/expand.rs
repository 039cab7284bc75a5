//! A group's identities listed on demand (`--expand`, Enter in the explorer): the walk is run again over
//! the group's vaults only, keeping the members of the classes whose findings are the group's.

use rustc_hash::FxHashMap;

use super::walk::{vaults_in, walk_until};
use super::{EscalationGroup, EscalationGroups, Key, principal_ref};
use crate::eval::{Engine, PrincipalRef};
use crate::model::Scope;

/// The vaults a group covers (their ids, in the answer's vault order): the covers expanded.
pub fn group_vaults(
    engine: &Engine,
    answer: &EscalationGroups,
    group: &EscalationGroup,
) -> Vec<String> {
    let scope = (answer.scope != "/")
        .then(|| Scope::parse(&answer.scope).ok())
        .flatten();
    let vaults = vaults_in(engine, scope.as_ref());
    group
        .at
        .iter()
        .filter_map(|&i| vaults.get(i as usize))
        .map(|v| v.scope.id().to_string())
        .collect()
}

/// The identities of one group, each with the number of its vaults, ascending by id: the group expanded.
pub fn expand_group(
    engine: &Engine,
    answer: &EscalationGroups,
    group: &EscalationGroup,
) -> Vec<(PrincipalRef, usize)> {
    expand_groups(engine, answer, &[group])
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// [`expand_group`] for several groups of one answer, in one pass over their vaults.
pub fn expand_groups(
    engine: &Engine,
    answer: &EscalationGroups,
    groups: &[&EscalationGroup],
) -> Vec<Vec<(PrincipalRef, usize)>> {
    let (seen, _) = expanded(engine, &answer.scope, groups, &mut |_, _| true);
    seen.into_iter()
        .map(|m| {
            m.into_iter()
                .map(|(id, (n, _))| (principal_ref(engine, &id), n))
                .collect()
        })
        .collect()
}

/// One identity of an expanded group.
#[derive(Debug, Clone)]
pub struct GroupMember {
    pub principal: PrincipalRef,
    /// At how many of the group's vaults it has the finding.
    pub vaults: usize,
    /// The first of those vaults, in the answer's vault order.
    pub first_vault: String,
}

/// [`expand_group`] for the explorer, with the first vault of each identity: `go_on(done, total)` is asked
/// before each of the group's vaults; `None` when it says no. `scope` is the answer's.
pub fn group_members_with(
    engine: &Engine,
    scope: &str,
    group: &EscalationGroup,
    go_on: &mut dyn FnMut(usize, usize) -> bool,
) -> Option<Vec<GroupMember>> {
    let vaults = answer_vaults(engine, scope);
    let (seen, complete) = expanded(engine, scope, &[group], go_on);
    if !complete {
        return None;
    }
    let members = seen.into_iter().next().unwrap_or_default();
    Some(
        members
            .into_iter()
            .map(|(id, (n, first))| GroupMember {
                principal: principal_ref(engine, &id),
                vaults: n,
                first_vault: vaults
                    .get(first as usize)
                    .map(|v| v.scope.id().to_string())
                    .unwrap_or_default(),
            })
            .collect(),
    )
}

/// The vaults of an answer asked about `scope` (`/`: all), in the answer's order.
fn answer_vaults<'e>(engine: &'e Engine, scope: &str) -> Vec<&'e crate::model::Vault> {
    let scope = (scope != "/").then(|| Scope::parse(scope).ok()).flatten();
    vaults_in(engine, scope.as_ref())
}

/// Each group's identities by id, with the number of the group's vaults it has the finding at and the
/// first of them (a position in the answer's vaults); and whether `go_on` let the walk finish.
type Listed = std::collections::BTreeMap<String, (usize, u32)>;

fn expanded(
    engine: &Engine,
    scope: &str,
    groups: &[&EscalationGroup],
    go_on: &mut dyn FnMut(usize, usize) -> bool,
) -> (Vec<Listed>, bool) {
    let vaults = answer_vaults(engine, scope);
    let mut at: Vec<u32> = groups.iter().flat_map(|g| g.at.iter().copied()).collect();
    at.sort_unstable();
    at.dedup();
    let wanted: FxHashMap<&Key, usize> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (&g.key, i))
        .collect();
    let mut seen: Vec<Listed> = vec![Default::default(); groups.len()];
    let (mut done, mut complete) = (0, true);
    let mut step = || {
        complete &= go_on(done, at.len());
        done += 1;
        complete
    };
    walk_until(
        engine,
        &vaults,
        0..vaults.len(),
        Some(&at),
        &Default::default(),
        &mut step,
        |s, members| {
            let Some(&i) = wanted.get(&Key::of_found(s.finding)) else {
                return;
            };
            if groups
                .get(i)
                .is_some_and(|g| g.at.binary_search(&s.at).is_ok())
                && let Some(seen) = seen.get_mut(i)
            {
                for id in members() {
                    seen.entry(id).or_insert((0, s.at)).0 += 1;
                }
            }
        },
    );
    (seen, complete)
}
