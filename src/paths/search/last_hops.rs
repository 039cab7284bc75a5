//! The last hop of `paths --to`: kvaccess's own answer at the target for every identity and every group
//! that holds the operation, the one-hop self-grants, and the vault-flag hops (VM certificates, disk
//! encryption).

use rustc_hash::FxHashSet;

use super::super::graph::Walk;
use super::super::{Hop, HopKind};
use crate::catalog::{Action, Plane};
use crate::display::in_words;
use crate::error::QueryError;
use crate::eval::index::NodeKind;
use crate::eval::{Decision, Engine, Request, UnknownBecause};
use crate::model::Scope;
use crate::query::who_can;

/// A last hop, and the group its grants name when they all name one the start is a member of (the start
/// then holds it as one of that group's members).
pub(super) struct LastHop {
    pub hop: Hop,
    pub holder: Option<String>,
}

/// The last hops: kvaccess's own answer for every identity and every group that holds the operation
/// (or might: `unknown`), and the one-hop self-grants.
pub(super) fn last_hops(
    engine: &Engine,
    scope: &Scope,
    action: &Action,
) -> Result<Vec<LastHop>, QueryError> {
    let answer = who_can(engine, scope, action)?;
    let mut hops = Vec::new();
    let mut groups: FxHashSet<String> = FxHashSet::default();
    for e in &answer.principals {
        for g in &e.grants {
            groups.extend(g.via_groups.iter().cloned());
            if g.principal_id != e.id {
                groups.insert(g.principal_id.clone());
            }
        }
        let holder = one_holder(e.grants.iter().map(|g| g.principal_id.as_str()), &e.id);
        hops.push(LastHop {
            holder,
            hop: Hop {
                kind: HopKind::Holds,
                from: e.id.clone(),
                to: scope.id().to_string(),
                decision: e.decision,
                eligible: false,
                evidence: e.grants.iter().map(grant_words).collect(),
                explanation: match &e.via_app {
                    // A compound-identity entry grants only through that application (named when the
                    // directory names it).
                    Some(app) => format!(
                        "{}, only when calling through application {}",
                        holds_words(e.decision, &answer.operation, &e.unknown_because),
                        match &e.via_app_name {
                            Some(name) => format!("{name} ({app})"),
                            None => app.clone(),
                        }
                    ),
                    None => holds_words(e.decision, &answer.operation, &e.unknown_because),
                },
            },
        });
    }
    groups.extend(named_groups(engine, scope, action));
    groups_below(engine, &mut groups);
    let target = engine.target(scope);
    let mut groups: Vec<String> = groups.into_iter().collect();
    groups.sort();
    for g in groups {
        let v = engine.check(&Request::new(&engine.subject(&g), &target, action))?;
        if v.decision == Decision::Denied {
            continue;
        }
        hops.push(LastHop {
            holder: None,
            hop: Hop {
                kind: HopKind::Holds,
                from: g,
                to: scope.id().to_string(),
                decision: v.decision,
                eligible: false,
                evidence: v.grants.iter().map(grant_words).collect(),
                explanation: format!(
                    "its members {}",
                    holds_words(v.decision, &answer.operation, &v.unknown_because)
                ),
            },
        });
    }
    for f in answer.can_grant_themselves {
        let holder = one_holder(f.holder.as_deref().into_iter(), &f.principal.id);
        hops.push(LastHop {
            holder,
            hop: Hop {
                kind: HopKind::GrantsItself,
                from: f.principal.id.clone(),
                to: scope.id().to_string(),
                decision: f.decision,
                eligible: false,
                evidence: vec![format!(
                    "{} ({})",
                    f.grant,
                    f.role_name.as_deref().unwrap_or("role")
                )],
                explanation: f.technique.describe().to_string(),
            },
        });
    }
    Ok(hops)
}

/// The one principal all of `named` are, when it is not `start` itself.
fn one_holder<'n>(mut named: impl Iterator<Item = &'n str>, start: &str) -> Option<String> {
    let first = named.next()?;
    (first != start && named.all(|n| n == first)).then(|| first.to_string())
}

/// The vault-flag last hops that give `action` at `scope` (the vault or an item in it).
pub(super) fn flag_hops(walk: &Walk, scope: &Scope, action: &Action) -> Vec<LastHop> {
    let engine = walk.engine;
    let Some(vault) = engine.vault_of(scope) else {
        return Vec::new();
    };
    walk.vault_hops_into(vault, &action.label)
        .into_iter()
        .map(|h| LastHop {
            holder: None,
            hop: Hop {
                to: scope.id().to_string(),
                ..h
            },
        })
        .collect()
}

fn grant_words(g: &crate::eval::Grant) -> String {
    let what = g.role_name.as_deref().unwrap_or(match g.kind {
        crate::eval::GrantKind::RoleAssignment => "role definition not in the snapshot",
        crate::eval::GrantKind::AccessPolicy => "access policy",
    });
    format!("{} ({what}, at {})", g.id, g.scope)
}

fn holds_words(decision: Decision, operation: &str, unknown_because: &[UnknownBecause]) -> String {
    match decision {
        Decision::Allowed => format!("can {operation} (kvaccess: allowed)"),
        Decision::Conditional => {
            format!("can {operation} if a condition holds (kvaccess: conditional)")
        }
        _ => format!(
            "might {operation} (kvaccess: unknown: {})",
            in_words(unknown_because).join("; ")
        ),
    }
}

/// Adds every group nested (at any depth) inside one of `groups`: its members hold what the outer group
/// holds, so joining it is as good as joining the outer one, whether or not it has members yet. Read from
/// the membership graph: a group nested below another is reached through groups with members, and a node
/// of that graph is a group exactly when its kind says so.
fn groups_below(engine: &Engine, groups: &mut FxHashSet<String>) {
    let graph = engine.index.memberships();
    let starts: Vec<u32> = groups.iter().filter_map(|g| graph.node(g)).collect();
    let mut seen = Vec::new();
    for n in graph.members_below(&starts, &mut seen, 1) {
        if engine.index.node_kind(n) == NodeKind::Group {
            groups.insert(graph.name(n).to_string());
        }
    }
}

/// Groups that grants at or above the target name, even when they have no members yet: joining an empty
/// group that holds a data role is an attack too.
fn named_groups(engine: &Engine, scope: &Scope, action: &Action) -> Vec<String> {
    let target = engine.target(scope);
    let mut out = Vec::new();
    if action.plane == Plane::Data
        && let Some(v) = target.vault
        && !v.rbac_authorization
    {
        out.extend(v.access_policies.iter().map(|e| e.object_id.clone()));
    }
    for s in &target.ancestry.scopes {
        out.extend(
            engine
                .assignments_at(s)
                .map(|(_, a)| a.principal_id.clone()),
        );
    }
    out.retain(|id| engine.is_group(id));
    out
}

#[cfg(test)]
mod tests {
    use rustc_hash::FxHashSet;

    use super::groups_below;
    use crate::eval::Engine;
    use crate::synth::{SynthSpec, generate};

    /// The definition `groups_below` answers: a fixpoint over every membership, adding a member that is a
    /// group whenever its group is in.
    fn by_fixpoint(engine: &Engine, groups: &mut FxHashSet<String>) {
        loop {
            let before = groups.len();
            for m in &engine.snapshot.group_memberships {
                if groups.contains(&m.group_id) && engine.is_group(&m.member_id) {
                    groups.insert(m.member_id.clone());
                }
            }
            if groups.len() == before {
                return;
            }
        }
    }

    /// Read from the membership graph, the nested groups are the fixpoint's, from each group alone and
    /// from sets mixing groups and identities (nested groups, cycles, and groups listed without members).
    #[test]
    fn nested_groups_are_the_fixpoint_over_the_memberships() {
        let mut grew = 0;
        for seed in 1..=3 {
            let engine = Engine::new(generate(&SynthSpec::new(1500, 4, 200, seed)));
            let groups: Vec<&String> = (engine.snapshot.principals.iter())
                .filter(|p| engine.is_group(&p.id))
                .map(|p| &p.id)
                .collect();
            let identities = engine.snapshot.principals.iter().map(|p| &p.id);
            let identities: Vec<&String> = identities.filter(|id| !engine.is_group(id)).collect();
            let mut starts: Vec<FxHashSet<String>> = groups
                .iter()
                .map(|&g| std::iter::once(g.clone()).collect())
                .collect();
            for (i, pair) in groups.chunks(3).enumerate() {
                let mut set: FxHashSet<String> = pair.iter().map(|&g| g.clone()).collect();
                set.extend(identities.get(i).map(|&id| id.clone()));
                starts.push(set);
            }
            for start in starts {
                let (mut graph, mut fixpoint) = (start.clone(), start.clone());
                groups_below(&engine, &mut graph);
                by_fixpoint(&engine, &mut fixpoint);
                grew += usize::from(graph.len() > start.len());
                assert_eq!(graph, fixpoint, "seed {seed}, from {start:?}");
            }
        }
        assert!(
            grew > 10,
            "{grew} sets with nested groups: the tenants test nothing"
        );
    }
}
