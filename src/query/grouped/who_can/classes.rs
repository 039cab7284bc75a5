//! The identities a who-can question examines, sorted into classes by the grants that can decide it. Two
//! identities that the same holders reach (the principals named by a role assignment whose role can grant
//! the operation, an access-policy entry, a deny assignment or its exclusions, a PIM eligibility) get the
//! same verdict but for who they are and the group chains to each grant: the row the engine decides from is
//! made of those grants. So one member per class is asked. Identities whose answer may depend on more
//! (absent from the directory data, memberships unknown, grants that cannot be placed) are asked on their own.

use rustc_hash::FxHashMap;

use crate::catalog::{Action, Plane};
use crate::eval::index::NodeKind;
use crate::eval::{Engine, Target, access_policy};
use crate::model::Topic;

/// An identity: a node of the membership graph, or (past the graph's nodes) an id the graph lacks.
pub(crate) type Ident = u32;

/// The names of [`Ident`]s.
#[derive(Debug, Clone, Default)]
pub(crate) struct Idents {
    nodes: u32,
    extra: Vec<String>,
    extra_at: FxHashMap<String, Ident>,
}

impl Idents {
    fn new(engine: &Engine) -> Self {
        Self {
            nodes: engine.index.memberships().ids().count() as u32,
            ..Self::default()
        }
    }

    pub fn of(&mut self, engine: &Engine, id: &str) -> Ident {
        if let Some(n) = engine.index.memberships().node(id) {
            return n;
        }
        if let Some(&i) = self.extra_at.get(id) {
            return i;
        }
        let i = self.nodes + self.extra.len() as u32;
        self.extra.push(id.to_string());
        self.extra_at.insert(id.to_string(), i);
        i
    }

    /// The identity `id` is, if the graph or this list holds it (nothing added).
    pub fn find(&self, engine: &Engine, id: &str) -> Option<Ident> {
        engine
            .index
            .memberships()
            .node(id)
            .or_else(|| self.extra_at.get(id).copied())
    }

    /// How many identities there can be: the graph's nodes and the ids it lacks.
    pub fn len(&self) -> usize {
        self.nodes as usize + self.extra.len()
    }

    /// The membership-graph node `i` is, unless it is an id the graph lacks.
    pub fn node(&self, i: Ident) -> Option<u32> {
        (i < self.nodes).then_some(i)
    }

    pub fn name<'e>(&'e self, engine: &'e Engine, i: Ident) -> &'e str {
        match i.checked_sub(self.nodes) {
            Some(k) => self.extra.get(k as usize).map_or("", String::as_str),
            None => engine.index.memberships().name(i),
        }
    }
}

/// A principal that a grant at or above the target names, and what its grants are to the question.
#[derive(Debug, Clone, Default)]
pub(super) struct Named<'a> {
    pub id: &'a str,
    /// The applications of the grants that make it a candidate (`None`: no application), as the flat answer
    /// pairs identities with applications.
    pub apps: Vec<Option<&'a str>>,
    /// A grant that can decide the operation names it: the identities it reaches are examined.
    pub relevant: bool,
    /// A PIM eligibility that could grant the operation names it.
    pub eligible: bool,
    /// The vault's access-policy entries that name it (positions), when entries decide the operation.
    pub entries: Vec<usize>,
}

/// Identities that the same named principals reach.
#[derive(Debug, Clone)]
pub(super) struct Class {
    /// Positions in [`Sorted::named`], ascending.
    pub holders: Vec<u32>,
    /// Ascending.
    pub members: Vec<Ident>,
}

/// A target's identities by class.
pub(super) struct Sorted<'a> {
    pub named: Vec<Named<'a>>,
    pub classes: Vec<Class>,
    /// Identities asked on their own, each with the applications it is asked through (explicit, since an id
    /// absent from the directory data is paired as the flat answer pairs it).
    pub alone: Vec<(Ident, Vec<Option<&'a str>>, bool)>,
    pub idents: Idents,
    /// The identities inside each named group (all of them, not only those the target's grants reach).
    pub behind: FxHashMap<&'a str, usize>,
    /// Whether the vault's access-policy entries decide the operation (then every entry's principal is named).
    policies: bool,
}

impl Sorted<'_> {
    /// The applications a class's members are asked through, and whether an eligibility reaches them.
    pub fn pairs(&self, holders: &[u32]) -> (Vec<Option<&str>>, bool) {
        pairs_of(&self.named, holders)
    }

    /// The access-policy entries that name a class's holders, ascending: every entry that can name one of its
    /// members, since every entry's principal is named. `None` when entries do not decide the operation.
    pub fn entries(&self, holders: &[u32]) -> Option<Vec<usize>> {
        if !self.policies {
            return None;
        }
        let mut entries: Vec<usize> = holders
            .iter()
            .filter_map(|&h| self.named.get(h as usize))
            .flat_map(|n| n.entries.iter().copied())
            .collect();
        entries.sort_unstable();
        entries.dedup();
        Some(entries)
    }
}

/// Sorts the identities that the grants at or above `target` reach into classes.
pub(super) fn sort<'a>(engine: &'a Engine, target: &Target<'a>, action: &Action) -> Sorted<'a> {
    let (rbac, policies) = match (action.plane, target.vault) {
        // Unknown permission model: the role holders are candidates (each answers unknown).
        (Plane::Data, Some(v)) if v.properties_missing => (true, false),
        (Plane::Data, Some(v)) => (v.rbac_authorization, !v.rbac_authorization),
        _ => (true, false),
    };
    let ancestry = &target.ancestry;
    // As the flat answer's candidates: where answers may be unknown whatever an identity holds, every
    // identity a grant reaches is examined.
    let exhaustive = engine.directory_gaps()
        || (rbac
            && (ancestry.unplaced_subscription
                || engine.has_gap(ancestry, &Topic::ROLE_ASSIGNMENTS)))
        || (policies && engine.has_gap(ancestry, &Topic::AccessPolicies));
    let each_alone = engine.directory_gaps() || ancestry.unplaced_subscription;
    let mut named: Vec<Named<'a>> = Vec::new();
    let mut at: FxHashMap<&'a str, u32> = FxHashMap::default();
    // Every grant the flat answer's candidates come from, to pair identities with applications; the
    // identities themselves only from those that can matter (all of them when exhaustive).
    let mut all: Vec<(&'a str, Option<&'a str>)> = Vec::new();
    if rbac {
        for scope in &ancestry.scopes {
            for (_, a) in engine.assignments_at(scope) {
                let role = engine.index.role_definition.get(&a.role_definition_guid);
                let relevant = role.is_none_or(|&r| engine.role_may_grant(r, action));
                all.push((&a.principal_id, None));
                if relevant || exhaustive {
                    let n = slot(&mut named, &mut at, &a.principal_id);
                    if let Some(x) = named.get_mut(n) {
                        x.relevant = true;
                        x.apps.push(None);
                    }
                }
            }
        }
    }
    // Deny assignments and eligibilities refine the classes whatever the permission model: a class must
    // never mix identities they treat differently.
    for scope in &ancestry.scopes {
        for (_, d) in engine.denies_at(scope) {
            for p in d.principals.iter().chain(&d.exclude_principals) {
                if p != crate::model::EVERYONE {
                    slot(&mut named, &mut at, p);
                }
            }
        }
        for &i in engine
            .index
            .eligibilities_at
            .get(scope.key())
            .into_iter()
            .flatten()
        {
            let Some(e) = engine.snapshot.role_eligibilities.get(i) else {
                continue;
            };
            let role = engine.index.role_definition.get(&e.role_definition_guid);
            if role.is_none_or(|&r| engine.role_may_grant(r, action)) {
                let n = slot(&mut named, &mut at, &e.principal_id);
                if let Some(x) = named.get_mut(n) {
                    x.eligible = true;
                }
            }
        }
    }
    if policies && let Some(vault) = target.vault {
        for (i, e) in vault.access_policies.iter().enumerate() {
            let relevant = action
                .policy
                .iter()
                .any(|(k, p)| access_policy::holds(e, *k, p).is_some());
            all.push((&e.object_id, e.application_id.as_deref()));
            // Every entry pairs the identities it reaches with its application.
            let n = slot(&mut named, &mut at, &e.object_id);
            if let Some(x) = named.get_mut(n) {
                x.relevant |= relevant || exhaustive;
                x.apps.push(e.application_id.as_deref());
                x.entries.push(i);
            }
        }
    }
    let mut idents = Idents::new(engine);
    let graph = engine.index.memberships();
    let referenced = |id: &str| engine.index.referenced_ids.contains(id);
    // (identity, named position) for every identity each named principal reaches, absent ids apart.
    let mut reached: Vec<(Ident, u32)> = Vec::new();
    let mut seen = Vec::new();
    let mut behind: FxHashMap<&'a str, usize> = FxHashMap::default();
    for (n, x) in (0u32..).zip(&named) {
        if !engine.is_group(x.id) {
            if !referenced(x.id) {
                reached.push((idents.of(engine, x.id), n));
            }
            continue;
        }
        let Some(node) = graph.node(x.id) else {
            continue;
        };
        let mut count = 0;
        for m in graph.members_below(&[node], &mut seen, n + 1) {
            match engine.index.node_kind(m) {
                NodeKind::Group => {}
                NodeKind::Absent => count += 1,
                NodeKind::Identity(_) => {
                    count += 1;
                    reached.push((m, n));
                }
            }
        }
        behind.insert(x.id, count);
    }
    reached.sort_unstable();
    reached.dedup();
    let mut by_key: FxHashMap<Vec<u32>, usize> = FxHashMap::default();
    let mut classes: Vec<Class> = Vec::new();
    let mut alone = Vec::new();
    for run in reached.chunk_by(|a, b| a.0 == b.0) {
        let Some(&(ident, _)) = run.first() else {
            continue;
        };
        let holders: Vec<u32> = run.iter().map(|&(_, n)| n).collect();
        if each_alone {
            let (apps, eligible) = pairs_of(&named, &holders);
            if !apps.is_empty() || eligible {
                alone.push((ident, apps, eligible));
            }
            continue;
        }
        let c = *by_key.entry(holders).or_insert_with_key(|holders| {
            classes.push(Class {
                holders: holders.clone(),
                members: Vec::new(),
            });
            classes.len() - 1
        });
        if let Some(class) = classes.get_mut(c) {
            class.members.push(ident);
        }
    }
    // Ids that grants name but the directory lacks: their memberships are unknown, so each is asked on its
    // own, through the applications of every grant that names it or a group the memberships list it in.
    let mut absent: Vec<&String> = engine
        .index
        .referenced_ids
        .iter()
        .filter(|id| !engine.is_group(id))
        .collect();
    absent.sort_unstable();
    for id in absent {
        let set = engine.index.principal_set(id);
        let mut apps: Vec<Option<&'a str>> = all
            .iter()
            .filter(|(holder, _)| set.reach(holder).is_some())
            .map(|&(_, app)| app)
            .collect();
        apps.sort_unstable();
        apps.dedup();
        let eligible = named
            .iter()
            .any(|x| x.eligible && set.reach(x.id).is_some());
        if !apps.is_empty() || eligible {
            alone.push((idents.of(engine, id), apps, eligible));
        }
    }
    Sorted {
        named,
        classes,
        alone,
        idents,
        behind,
        policies: policies && target.vault.is_some(),
    }
}

/// The position of `id` in `named`, added when new.
fn slot<'a>(named: &mut Vec<Named<'a>>, at: &mut FxHashMap<&'a str, u32>, id: &'a str) -> usize {
    *at.entry(id).or_insert_with(|| {
        named.push(Named {
            id,
            ..Named::default()
        });
        named.len() as u32 - 1
    }) as usize
}

/// [`Sorted::pairs`] before the classes are made.
fn pairs_of<'a>(named: &[Named<'a>], holders: &[u32]) -> (Vec<Option<&'a str>>, bool) {
    let mut apps: Vec<Option<&'a str>> = Vec::new();
    let (mut examined, mut eligible) = (false, false);
    for n in holders.iter().filter_map(|&h| named.get(h as usize)) {
        examined |= n.relevant;
        eligible |= n.eligible;
        apps.extend(n.apps.iter().copied());
    }
    if !examined {
        apps.clear();
    }
    apps.sort_unstable();
    apps.dedup();
    (apps, eligible)
}
