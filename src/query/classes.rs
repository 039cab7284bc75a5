//! Identities that the same holders reach at a vault get the same answer there, but for who they are: the
//! row the engine decides from is made of the grants and deny assignments naming the identity or one of its
//! groups. So a tenant-wide question need not ask every identity at every vault. Identities are sorted into
//! classes by the set of holders (principals named by a grant, a deny assignment or an access-policy entry)
//! that reach them, level by level down the scope tree: once for a subscription (with everything above it),
//! refined for each resource group and then each vault by the few identities that the holders at that level
//! reach. One member of each class is asked; its answer stands for the class, with the class's size.

use rustc_hash::FxHashMap;

use crate::eval::Engine;
use crate::eval::index::NodeKind;
use crate::model::{PrincipalKind, Scope, Vault};

mod at_vault;
mod by_ident;

use by_ident::ByIdent;

/// An identity: its position in the snapshot's principals.
pub(crate) type Ident = u32;

/// A class: the sorted holders (interned) that reach its members.
pub(crate) type Class = u32;

/// Which holders a level counts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Counted<R, L> {
    /// Whether an assignment of this role definition (`None`: definition missing) can change the answer.
    pub role_matters: R,
    /// Whether it can open the answer at all: classes that no such holder reaches are left out.
    pub role_opens: L,
}

/// The identities inside each group (transitively), listed when a walk first asks and kept for the rest of
/// it: a group named at many vaults (access-policy entries, vault-level assignments) is gone over once, by
/// whichever thread asks first, not once per vault.
/// `Expansions::default()` keeps none (a walk over a few vaults).
#[derive(Default)]
pub(crate) struct Expansions(Vec<std::sync::OnceLock<Box<[Ident]>>>);

impl Expansions {
    pub fn new(engine: &Engine) -> Self {
        let nodes = engine.index.memberships().ids().count();
        Self((0..nodes).map(|_| std::sync::OnceLock::new()).collect())
    }
}

/// One level's classes: the identities whose class was set at this level, and the size of every class.
#[derive(Debug, Default)]
struct Level {
    key: String,
    class_of: ByIdent,
    counts: FxHashMap<Class, u32>,
    /// Holders whose grants at this level open the answer.
    opening: Vec<u32>,
    /// Every holder named at this level, ascending.
    named: Vec<u32>,
}

/// The classes of identities at the vaults of one run, one subscription and resource group at a time.
pub(crate) struct Classes<'a, R, L> {
    engine: &'a Engine,
    expansions: &'a Expansions,
    counted: Counted<R, L>,
    /// What `counted` says of each role definition (by position), and last of a missing one: asked once
    /// per run, not once per assignment.
    role_counts: Vec<(bool, bool)>,
    /// The identity each membership-graph node stands for (`None` for groups and unknown ids).
    node_ident: Vec<Option<Ident>>,
    holder: FxHashMap<&'a str, u32>,
    /// What each holder is, by its number, once asked.
    kinds: Vec<Option<Is>>,
    sets: FxHashMap<Box<[u32]>, Class>,
    set_of: Vec<Box<[u32]>>,
    seen: Vec<u32>,
    stamp: u32,
    /// A class's holders while it is refined (one buffer for the run).
    scratch: Vec<u32>,
    subscription: Level,
    /// The subscription level's members by class.
    members: FxHashMap<Class, Vec<Ident>>,
    group: Level,
    /// The group level's classes, for its vaults.
    groups: at_vault::GroupClasses,
    vault: Level,
}

/// One class at a vault.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AtVault {
    pub class: Class,
    pub size: u32,
    /// One member.
    pub member: Ident,
    /// Whether holders at the vault itself reach it (else its members hold nothing at the vault itself).
    pub touched_here: bool,
    /// Whether holders at the vault's resource group reach it (else what its members hold comes from the
    /// subscription and above, or the vault itself).
    pub touched_in_group: bool,
}

impl<'a, R, L> Classes<'a, R, L>
where
    R: Fn(Option<usize>) -> bool,
    L: Fn(Option<usize>) -> bool,
{
    pub fn new(engine: &'a Engine, counted: Counted<R, L>, expansions: &'a Expansions) -> Self {
        let graph = engine.index.memberships();
        let node_ident: Vec<Option<Ident>> = (0..graph.ids().count() as u32)
            .map(|n| match engine.index.node_kind(n) {
                NodeKind::Identity(i) => i,
                NodeKind::Group | NodeKind::Absent => None,
            })
            .collect();
        let role_counts = (0..engine.snapshot.role_definitions.len())
            .map(Some)
            .chain([None])
            .map(|r| ((counted.role_matters)(r), (counted.role_opens)(r)))
            .collect();
        Self {
            engine,
            expansions,
            counted,
            role_counts,
            node_ident,
            holder: FxHashMap::default(),
            kinds: Vec::new(),
            sets: FxHashMap::default(),
            set_of: Vec::new(),
            seen: Vec::new(),
            stamp: 0,
            scratch: Vec::new(),
            subscription: Level::default(),
            members: FxHashMap::default(),
            group: Level::default(),
            groups: Default::default(),
            vault: Level::default(),
        }
    }

    /// The principal id of an identity.
    pub fn id(&self, ident: Ident) -> &'a str {
        let s: &'a crate::model::Snapshot = &self.engine.snapshot;
        s.principals
            .get(ident as usize)
            .map_or("", |p| p.id.as_str())
    }

    /// The number of a holder named by its id. Numbers run after those of the principals role assignments
    /// name ([`crate::eval::index::Index::holder_of`]): a principal named by both an assignment and a deny
    /// or access-policy entry has two numbers, which reach the same identities and so sort them into the
    /// same classes as one would.
    fn intern_holder(&mut self, id: &'a str) -> u32 {
        let next = (self.engine.index.assignments_of.len() + self.holder.len()) as u32;
        *self.holder.entry(id).or_insert(next)
    }

    fn intern_set(&mut self, set: &[u32]) -> Class {
        if let Some(&c) = self.sets.get(set) {
            return c;
        }
        let c = self.set_of.len() as Class;
        let set: Box<[u32]> = set.into();
        self.set_of.push(set.clone());
        self.sets.insert(set, c);
        c
    }

    /// What a holder is: an identity, a group (its membership-graph node), or nothing the walk counts.
    fn is(&self, id: &str) -> Is {
        let engine = self.engine;
        // An id with a node: what it is was settled at `Index::build` (one lookup of its text, not three).
        match engine.index.memberships().node(id) {
            Some(n) => match engine.index.node_kind(n) {
                NodeKind::Group => Is::Group(n),
                NodeKind::Identity(Some(i)) => Is::One(i),
                NodeKind::Identity(None) | NodeKind::Absent => Is::Nothing,
            },
            // Without a node it has no members: `is_group` comes down to its kind, read from the one
            // lookup of its position (most holders an access policy names are in no group).
            None => match engine
                .index
                .principal
                .get(id)
                .map(|&i| (i, u32::try_from(i)))
            {
                Some((i, Ok(n)))
                    if engine
                        .snapshot
                        .principals
                        .get(i)
                        .is_none_or(|p| p.kind != PrincipalKind::Group) =>
                {
                    Is::One(n)
                }
                _ => Is::Nothing,
            },
        }
    }

    /// The identities holder `h` (`id`) stands for: itself, or everything inside the group (transitively).
    fn identities_of(&mut self, h: u32, id: &str, out: &mut Vec<Ident>) {
        let known = self.kinds.get(h as usize).copied().flatten();
        let is = known.unwrap_or_else(|| self.is(id));
        if known.is_none() {
            if self.kinds.len() <= h as usize {
                self.kinds.resize(h as usize + 1, None);
            }
            if let Some(k) = self.kinds.get_mut(h as usize) {
                *k = Some(is);
            }
        }
        let node = match is {
            Is::Group(n) => n,
            Is::One(i) => return out.push(i),
            Is::Nothing => return,
        };
        let graph = self.engine.index.memberships();
        let expansions = self.expansions;
        // Ascending: a level's pairs are then runs that [`Classes::touched`] merges.
        let mut list = || -> Box<[Ident]> {
            self.stamp += 1;
            let mut idents: Box<[Ident]> = graph
                .members_below(&[node], &mut self.seen, self.stamp)
                .into_iter()
                .filter_map(|m| self.node_ident.get(m as usize).copied().flatten())
                .collect();
            idents.sort_unstable();
            idents
        };
        match expansions.0.get(node as usize) {
            Some(once) => out.extend_from_slice(once.get_or_init(list)),
            None => out.extend_from_slice(&list()),
        }
    }

    /// Whether an assignment of `role` counts: (it can change the answer, it can open it).
    fn role_counts(&self, role: Option<usize>) -> (bool, bool) {
        let at = role.unwrap_or(self.role_counts.len().saturating_sub(1));
        match self.role_counts.get(at) {
            Some(&counts) => counts,
            None => (
                (self.counted.role_matters)(role),
                (self.counted.role_opens)(role),
            ),
        }
    }

    /// The holders named at `scope` (role assignments that count, deny assignments; the vault's access-policy
    /// entries when it is one), interned, by their number.
    fn holders_at(
        &mut self,
        scope: &Scope,
        vault: Option<&'a Vault>,
        opening: &mut Vec<u32>,
    ) -> Vec<(u32, &'a str)> {
        let engine = self.engine;
        let mut named: Vec<(u32, &'a str)> = Vec::new();
        for (i, a) in engine.assignments_at(scope) {
            let role = engine.index.role_of(i, a);
            let (matters, opens) = self.role_counts(role);
            if matters || opens {
                let h = match engine.index.holder_of(i) {
                    Some(h) => h,
                    None => self.intern_holder(&a.principal_id),
                };
                if matters {
                    named.push((h, &a.principal_id));
                }
                if opens {
                    opening.push(h);
                }
            }
        }
        let denied = engine
            .denies_at(scope)
            .flat_map(|(_, d)| d.principals.iter().chain(&d.exclude_principals));
        let entries = vault
            .into_iter()
            .flat_map(|v| &v.access_policies)
            .map(|e| &e.object_id);
        for id in denied.chain(entries) {
            named.push((self.intern_holder(id), id));
        }
        named.sort_unstable_by_key(|&(h, _)| h);
        named.dedup_by_key(|&mut (h, _)| h);
        named
    }

    /// Which of `holders` reach each identity they reach: (identity, holder) pairs, ascending (one list,
    /// not a list per identity: a level touches thousands of identities).
    fn touched(&mut self, holders: &[(u32, &'a str)]) -> Vec<(Ident, u32)> {
        let mut touched = Vec::new();
        let mut below = Vec::new();
        for &(h, id) in holders {
            below.clear();
            self.identities_of(h, id, &mut below);
            touched.extend(below.iter().map(|&i| (i, h)));
        }
        // Compared as one number: a level's pairs run to thousands, sorted at every vault. Each holder's
        // identities are ascending (`identities_of`), so the list is a few sorted runs, which the stable sort
        // merges rather than sorting afresh.
        touched.sort_by_key(|&(i, h)| (u64::from(i) << 32) | u64::from(h));
        touched
    }

    /// The class of an identity once the holders `added` reach it too, from its class `before`.
    fn refine(&mut self, before: Option<Class>, added: &[(Ident, u32)]) -> Class {
        let mut set = std::mem::take(&mut self.scratch);
        set.clear();
        set.extend(added.iter().map(|&(_, h)| h));
        if let Some(b) = before.and_then(|b| self.set_of.get(b as usize)) {
            set.extend_from_slice(b);
        }
        set.sort_unstable();
        set.dedup();
        let c = self.intern_set(&set);
        self.scratch = set;
        c
    }

    /// Builds the subscription level (the subscription and everything above it).
    fn enter_subscription(&mut self, sub: &Scope) {
        // Classes are asked about within one subscription (the walk's caches are too): the sets of the
        // last one go, so that memory holds one subscription's.
        self.sets.clear();
        self.set_of.clear();
        let ancestry = self.engine.index.ancestry(sub);
        let mut holders = Vec::new();
        let mut opening = Vec::new();
        for scope in &ancestry.scopes {
            holders.extend(self.holders_at(scope, None, &mut opening));
        }
        let touched = self.touched(&holders);
        let mut class_of = std::mem::take(&mut self.subscription.class_of);
        class_of.clear();
        let mut level = Level {
            key: sub.key().to_string(),
            opening,
            class_of,
            ..Level::default()
        };
        let mut members: FxHashMap<Class, Vec<Ident>> = FxHashMap::default();
        // Sized once: a subscription's holders reach thousands of identities.
        level
            .class_of
            .reserve(touched.chunk_by(|a, b| a.0 == b.0).count());
        for hs in touched.chunk_by(|a, b| a.0 == b.0) {
            let Some(&(i, _)) = hs.first() else { continue };
            let c = self.refine(None, hs);
            level.class_of.push(i, c);
            *level.counts.entry(c).or_default() += 1;
            members.entry(c).or_default().push(i);
        }
        self.subscription = level;
        self.members = members;
        let mut class_of = std::mem::take(&mut self.group.class_of);
        class_of.clear();
        self.group = Level {
            class_of,
            ..Level::default()
        };
    }

    /// A level below `parent`, refined by the holders at `scope`, its classes set in `class_of` (the slots
    /// of the last level of its kind, emptied here).
    fn below(
        &mut self,
        scope: &Scope,
        vault: Option<&'a Vault>,
        parent: Parent,
        mut class_of: ByIdent,
    ) -> Level {
        class_of.clear();
        let mut opening = Vec::new();
        let holders = self.holders_at(scope, vault, &mut opening);
        let touched = self.touched(&holders);
        let mut named: Vec<u32> = holders.iter().map(|&(h, _)| h).collect();
        named.sort_unstable();
        let mut level = Level {
            key: scope.key().to_string(),
            opening,
            named,
            class_of,
            // A vault's sizes are worked out from its resource group's ([`Classes::at`]).
            counts: match parent {
                Parent::Subscription => self.subscription.counts.clone(),
                Parent::Group => FxHashMap::default(),
            },
        };
        let counted = matches!(parent, Parent::Subscription);
        level
            .class_of
            .reserve(touched.chunk_by(|a, b| a.0 == b.0).count());
        for hs in touched.chunk_by(|a, b| a.0 == b.0) {
            let Some(&(i, _)) = hs.first() else { continue };
            let before = self.class_at(i, parent);
            let c = self.refine(before, hs);
            if counted {
                if let Some(b) = before
                    && let Some(n) = level.counts.get_mut(&b)
                {
                    *n -= 1;
                }
                *level.counts.entry(c).or_default() += 1;
            }
            level.class_of.push(i, c);
        }
        level.counts.retain(|_, n| *n > 0);
        level
    }

    fn class_at(&self, i: Ident, parent: Parent) -> Option<Class> {
        let group = match parent {
            Parent::Group => self.group.class_of.get(i),
            Parent::Subscription => None,
        };
        group.or_else(|| self.subscription.class_of.get(i))
    }

    /// The resource group the current vault is in (its key): classes untouched at their vault mean the same
    /// at every vault of it.
    pub fn group_key(&self) -> &str {
        &self.group.key
    }

    /// The class of `i` at the current vault.
    fn class_here(&self, i: Ident) -> Option<Class> {
        self.vault
            .class_of
            .get(i)
            .or_else(|| self.group.class_of.get(i))
            .or_else(|| self.subscription.class_of.get(i))
    }

    /// The members of every class at the current vault (the one [`Classes::at`] last answered), each list
    /// ascending, in one pass over the identities.
    pub fn members_by_class(&self) -> FxHashMap<Class, Vec<Ident>> {
        let mut out: FxHashMap<Class, Vec<Ident>> = FxHashMap::default();
        let idents = self
            .members
            .values()
            .flatten()
            .copied()
            .chain(self.group.class_of.idents())
            .chain(self.vault.class_of.idents());
        for i in idents {
            if let Some(c) = self.class_here(i) {
                out.entry(c).or_default().push(i);
            }
        }
        for list in out.values_mut() {
            list.sort_unstable();
            list.dedup();
        }
        out
    }
}

/// What a holder is (see [`Classes::is`]).
#[derive(Debug, Clone, Copy)]
enum Is {
    Nothing,
    One(Ident),
    Group(u32),
}

#[derive(Debug, Clone, Copy)]
enum Parent {
    Subscription,
    Group,
}
