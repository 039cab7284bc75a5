//! The identities a bulk query (who-can, vault matrix, self-escalation) examines: everyone the grants at or
//! above the target reach, groups expanded. Most of them hold only roles that cannot matter to the question,
//! and asking them is what made these queries slow on large tenants; so the expansion starts from the grants
//! that can matter and adds only the identities whose answer does not depend on what they hold.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::catalog::{Action, Plane};
use crate::eval::index::Ancestry;
use crate::eval::{Engine, Target};
use crate::model::AccessPolicy;
use crate::model::Topic;

/// Object ids that some grant at or above the target names, with the app a compound entry binds them to.
pub(crate) fn grant_holders(
    engine: &Engine,
    target: &Target,
    action: &Action,
) -> Vec<(String, Option<String>)> {
    let mut named: Vec<(String, Option<String>)> = Vec::new();
    let rbac_counts = match (action.plane, target.vault) {
        (Plane::Data, Some(v)) => {
            if !v.rbac_authorization {
                for e in &v.access_policies {
                    named.push((e.object_id.clone(), e.application_id.clone()));
                }
            }
            v.rbac_authorization || v.properties_missing
        }
        _ => true,
    };
    if rbac_counts {
        for scope in &target.ancestry.scopes {
            for (_, a) in engine.assignments_at(scope) {
                named.push((a.principal_id.clone(), None));
            }
        }
    }
    named.sort();
    named.dedup();
    named
}

/// The grants at or above a target, as the holders they name.
pub(crate) struct Holders {
    /// Every object id named, with the application a compound access-policy entry binds it to.
    all: Vec<(String, Option<String>)>,
    /// Object ids named by a grant that can matter: its role can grant what is asked, its role definition
    /// is missing (so it might), or its access-policy entry holds a permission asked for.
    relevant: Vec<String>,
    /// Decisions may be "unknown" whatever an identity holds (collection errors at or above the target,
    /// unknown memberships, grants at management groups the target may or may not be under): every
    /// identity reached must be examined.
    exhaustive: bool,
}

/// Which grants count, and which of them can matter.
pub(crate) struct Grants<R, E> {
    /// Role assignments at or above the target count.
    pub rbac: bool,
    /// The vault's access-policy entries count.
    pub policies: bool,
    /// Whether an assignment of this role definition can matter.
    pub role_matters: R,
    pub entry_matters: E,
}

pub(crate) fn holders<R, E>(engine: &Engine, target: &Target, grants: Grants<R, E>) -> Holders
where
    R: Fn(usize) -> bool,
    E: Fn(&AccessPolicy) -> bool,
{
    let mut all: Vec<(String, Option<String>)> = Vec::new();
    let mut relevant: Vec<String> = Vec::new();
    if grants.rbac {
        for scope in &target.ancestry.scopes {
            for (_, a) in engine.assignments_at(scope) {
                let role = engine.index.role_definition.get(&a.role_definition_guid);
                if role.is_none_or(|&r| (grants.role_matters)(r)) {
                    relevant.push(a.principal_id.clone());
                }
                all.push((a.principal_id.clone(), None));
            }
        }
    }
    if grants.policies
        && let Some(vault) = target.vault
    {
        for e in &vault.access_policies {
            if (grants.entry_matters)(e) {
                relevant.push(e.object_id.clone());
            }
            all.push((e.object_id.clone(), e.application_id.clone()));
        }
    }
    let ancestry = &target.ancestry;
    let exhaustive = engine.directory_gaps()
        || (grants.rbac && assignments_unsure(engine, ancestry))
        || (grants.policies && engine.has_gap(ancestry, &Topic::AccessPolicies));
    all.sort();
    all.dedup();
    relevant.sort();
    relevant.dedup();
    Holders {
        all,
        relevant,
        exhaustive,
    }
}

/// Role assignments at or above the target may be missing or unattributable (not read there, or the
/// subscription is in no known management group): anyone's answer may be "unknown" whatever they hold.
pub(crate) fn assignments_unsure(engine: &Engine, ancestry: &Ancestry) -> bool {
    ancestry.unplaced_subscription || engine.has_gap(ancestry, &Topic::ROLE_ASSIGNMENTS)
}

/// The (identity, application) pairs the full expansion of every holder would list, in the same order,
/// less those whose decisions cannot be anything but "denied": identities that no relevant holder reaches
/// and that are in the directory (with their memberships known) get nothing from what they hold.
pub(crate) fn reached(engine: &Engine, holders: &Holders) -> Vec<(String, Option<String>)> {
    if holders.exhaustive {
        return identities(engine, &holders.all);
    }
    let direct: Vec<(String, Option<String>)> = holders
        .relevant
        .iter()
        .map(|id| (id.clone(), None))
        .collect();
    let mut ids: Vec<String> = identities(engine, &direct)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    // Identities absent from the directory data have unknown memberships: "unknown" whatever they hold.
    ids.extend(
        engine
            .index
            .referenced_ids
            .iter()
            .filter(|id| !engine.is_group(id))
            .cloned(),
    );
    ids.sort_unstable();
    ids.dedup();
    let compound = holders.all.iter().any(|(_, app)| app.is_some());
    let mut apps_of: FxHashMap<&str, Vec<Option<&str>>> = FxHashMap::default();
    for (id, app) in &holders.all {
        apps_of.entry(id).or_default().push(app.as_deref());
    }
    let graph = engine.index.memberships();
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    let mut apps: Vec<Option<&str>> = Vec::new();
    for id in ids {
        if !compound && !engine.index.referenced_ids.contains(&id) {
            out.push((id, None));
            continue;
        }
        // The applications of every holder that reaches the identity, itself or through its groups.
        apps.clear();
        let above = graph
            .node(&id)
            .map(|n| graph.groups_above(n))
            .unwrap_or_default();
        for holder in std::iter::once(id.as_str()).chain(above.iter().map(|&(g, _)| graph.name(g)))
        {
            apps.extend(apps_of.get(holder).into_iter().flatten().copied());
        }
        apps.sort_unstable();
        apps.dedup();
        for app in &apps {
            out.push((id.clone(), app.map(str::to_string)));
        }
    }
    out
}

/// Expands group ids to the identities inside them (transitively); identities stay as they are. Sorted by
/// (id, application), once each.
pub(crate) fn identities(
    engine: &Engine,
    holders: &[(String, Option<String>)],
) -> Vec<(String, Option<String>)> {
    identities_marking(engine, holders, &mut Marks::default())
}

/// Marks of the membership nodes an expansion has listed, kept between expansions: a fresh mark per
/// expansion instead of a fresh buffer as large as the membership graph (walks expand thousands of small
/// grants).
#[derive(Debug, Default)]
pub(crate) struct Marks {
    pub(crate) seen: Vec<u32>,
    stamp: u32,
}

impl Marks {
    pub(crate) fn next(&mut self) -> u32 {
        if self.stamp == u32::MAX {
            self.seen.fill(0);
            self.stamp = 0;
        }
        self.stamp += 1;
        self.stamp
    }
}

/// [`identities`], with marks kept by the caller.
pub(crate) fn identities_marking(
    engine: &Engine,
    holders: &[(String, Option<String>)],
    marks: &mut Marks,
) -> Vec<(String, Option<String>)> {
    let graph = engine.index.memberships();
    let mut out: Vec<(&str, Option<&str>)> = Vec::new();
    let mut groups_by_app: BTreeMap<Option<&str>, Vec<u32>> = BTreeMap::new();
    for (id, app) in holders {
        if engine.is_group(id) {
            if let Some(node) = graph.node(id) {
                groups_by_app.entry(app.as_deref()).or_default().push(node);
            }
        } else {
            out.push((id, app.as_deref()));
        }
    }
    for (app, groups) in groups_by_app {
        let stamp = marks.next();
        for member in graph.members_below(&groups, &mut marks.seen, stamp) {
            let id = graph.name(member);
            if !graph.node_has_members(member) && !engine.is_group(id) {
                out.push((id, app));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out.into_iter()
        .map(|(id, app)| (id.to_string(), app.map(str::to_string)))
        .collect()
}
