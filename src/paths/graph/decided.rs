//! Answers that rest only on grants: where no deny assignment, collection error, unplaced subscription or
//! vault lies at or above a resource, whether a principal controls it depends only on the role assignments
//! and eligibilities naming it or its groups at or above, so it is the same at every resource whose nearest
//! scope naming them is the same. A walk decides it once per such scope (asking the evaluator at the first
//! resource) and reuses it beneath; elsewhere each resource is asked.

use std::cell::OnceCell;
use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::runs_as::Controller;
use super::walk::Walk;
use crate::catalog::{Action, Plane};
use crate::eval::index::NodeKind;
use crate::eval::{Decision, Target};
use crate::model::Scope;

impl<'e> Walk<'e> {
    /// Whether `id` is one of [`Walk::controllers`], without asking about anyone else. Where the answer
    /// rests only on the grants and eligibilities naming `id` (or its groups), it is the same at every
    /// resource whose nearest scope naming them is the same: asked once per such scope.
    pub(super) fn controller(
        &self,
        id: &str,
        scope: &Scope,
        actions: &[Action],
    ) -> Option<Controller> {
        self.controller_in(id, None, &self.deciding(scope), actions)
    }

    /// What [`Walk::controller`] reads of `scope` for every id it asks there.
    pub(super) fn deciding(&self, scope: &Scope) -> Deciding<'e> {
        let target = self.target(scope);
        let levels = self.levels_of(&target);
        self.deciding_at(scope, target, levels)
    }

    /// The scopes of `target`'s ancestry, numbered ([`Walk::scope_number`]).
    pub(super) fn levels_of(&self, target: &Target) -> Rc<[u32]> {
        let scopes = target.ancestry.scopes.iter();
        scopes.map(|s| self.scope_number(s.key())).collect()
    }

    /// [`Walk::deciding`] with the target at `scope` and its ancestry's numbers (`levels`) already looked up.
    pub(super) fn deciding_at(
        &self,
        scope: &Scope,
        target: Rc<Target<'e>>,
        levels: Rc<[u32]>,
    ) -> Deciding<'e> {
        let keys = target.ancestry.scopes.iter().map(|_| OnceCell::new());
        Deciding {
            decided: self.decided_above(&target),
            keys: keys.collect(),
            along: OnceCell::new(),
            actions: OnceCell::new(),
            target,
            levels,
            scope: scope.clone(),
        }
    }

    /// [`Walk::controller`] at the scope `at` describes; `n` is the number of `id` when the caller has it.
    pub(super) fn controller_in(
        &self,
        id: &str,
        n: Option<u32>,
        at: &Deciding<'e>,
        actions: &[Action],
    ) -> Option<Controller> {
        let scope = &at.scope;
        if !at.decided {
            return self.controller_asked(id, scope, actions);
        }
        match self.nearest_naming(id, n, at) {
            Naming::Unsure => self.controller_asked(id, scope, actions),
            Naming::Nowhere => None,
            Naming::At(level, set) => {
                let key = *at.keys[level].get_or_init(|| self.level(level, at, actions));
                // The principals named along the target are numbered by now (`nearest_naming`).
                let n = n.or_else(|| self.numbered(id));
                let known = match n {
                    Some(n) => self.cache.decided.borrow().get(&(key, n)).cloned(),
                    None => self
                        .cache
                        .decided_unnumbered
                        .borrow()
                        .get(&(key, id.to_string()))
                        .cloned(),
                };
                if let Some(known) = known {
                    return known.map(|a| a.of(id));
                }
                let found = match set {
                    Some(set) => self.class_controller(id, at, actions, key, (&set, level)),
                    None => self.controller_asked(id, scope, actions),
                };
                let answer = found.as_ref().map(Answer::from);
                match n {
                    Some(n) => self.cache.decided.borrow_mut().insert((key, n), answer),
                    None => self
                        .cache
                        .decided_unnumbered
                        .borrow_mut()
                        .insert((key, id.to_string()), answer),
                };
                found
            }
        }
    }

    /// The number of (the scope at position `level` of the ancestry `at` describes, `actions`) among the
    /// answers decided per scope, once per walk: the scope by its number, the actions by their text, made
    /// once per [`Deciding`] (every id asked there is asked the same actions).
    fn level(&self, level: usize, at: &Deciding<'e>, actions: &[Action]) -> u32 {
        let asks = *at.actions.get_or_init(|| {
            let text = actions_key(actions);
            let mut sets = self.cache.action_sets.borrow_mut();
            match sets.iter().position(|s| *s == text) {
                Some(k) => k as u32,
                None => {
                    sets.push(text);
                    (sets.len() - 1) as u32
                }
            }
        });
        let mut levels = self.cache.levels.borrow_mut();
        let next = levels.len() as u32;
        *levels.entry((at.levels[level], asks)).or_insert(next)
    }

    /// [`Walk::controller_asked`], shared by the identities of one class at `key`'s scope: those whose
    /// groups (and themselves) that any grant or eligibility at or above names are the same. Their rows
    /// there name the same assignments and eligibilities, so they get the same decision and evidence
    /// (`Row::key`); a group's own answer is asked alone.
    fn class_controller(
        &self,
        id: &str,
        at: &Deciding<'e>,
        actions: &[Action],
        key: u32,
        (set, level): (&[u32], usize),
    ) -> Option<Controller> {
        let scope = &at.scope;
        let members = self.class_of(set, level, at);
        let known = self
            .cache
            .classes
            .borrow()
            .get(&key)
            .and_then(|m| m.get(&members).cloned());
        match known {
            Some(known) => known.map(|a| a.of(id)),
            None => {
                let gathered = self.gathered(set, level, at);
                let found = self.controller_gathered(id, scope, actions, Some(&gathered));
                self.cache
                    .classes
                    .borrow_mut()
                    .entry(key)
                    .or_default()
                    .insert(members, found.as_ref().map(Answer::from));
                found
            }
        }
    }

    /// Whether everyone's answer at `target` rests only on the role assignments and eligibilities naming
    /// them there (and so is the same wherever the nearest of those is the same): no deny assignment and
    /// no collection error at or above it, its subscription placed, and no vault (whose own settings and
    /// item names decide too).
    pub(super) fn decided_above(&self, target: &Target) -> bool {
        let index = &self.engine.index;
        let none_at = |map: &FxHashMap<String, Vec<usize>>, s: &Scope| {
            map.get(s.key()).is_none_or(Vec::is_empty)
        };
        target.vault.is_none()
            && target.scope.vault().is_none()
            && !target.ancestry.unplaced_subscription
            && target
                .ancestry
                .scopes
                .iter()
                .all(|s| none_at(&index.denies_at, s) && none_at(&index.errors_at, s))
    }

    /// The nearest scope of the target's ancestry (`at` describes it) where a role assignment or
    /// eligibility names `id` or one of its groups (a group's answer, too, counts the grants of the groups
    /// it is in); `n` is the number of `id` when the caller has it.
    fn nearest_naming(&self, id: &str, n: Option<u32>, at: &Deciding<'e>) -> Naming {
        let engine = self.engine;
        let scopes = &at.target.ancestry.scopes;
        if self.directory_gaps() || !self.listed(id, n) {
            return self.nearest_naming_asked(id, scopes);
        }
        // Listed under this very id, its memberships known: itself and its groups, numbered.
        let along = at.along.get_or_init(|| self.named_along(at));
        let graph = engine.index.memberships();
        let base = graph.node_count() as u32;
        // Every principal named along `scopes` is numbered by now: one that is not is named nowhere.
        let Some(n) = n.or_else(|| self.numbered(id)) else {
            return Naming::Nowhere;
        };
        let (set, group): (Rc<[u32]>, bool) = if n < base {
            (self.set_of(n), engine.index.node_kind(n) == NodeKind::Group)
        } else {
            (Rc::from([n]), engine.is_group(id))
        };
        let Some(at) = along
            .iter()
            .position(|named| set.iter().any(|p| named.names(p)))
        else {
            return Naming::Nowhere;
        };
        Naming::At(at, (!group).then_some(set))
    }

    /// The class of the identity whose set (itself and its groups, numbered) is `set`, nearest named at
    /// `level` of the ancestry `at` describes: nothing below `level` names any of them, so those named at
    /// or above it are those named anywhere.
    fn class_of(&self, set: &[u32], level: usize, at: &Deciding<'e>) -> Vec<u32> {
        let along = at.along.get_or_init(|| self.named_along(at));
        let mut class: Vec<u32> = set
            .iter()
            .copied()
            .filter(|p| along[level..].iter().any(|named| named.names(p)))
            .collect();
        class.sort_unstable();
        class
    }

    /// The role assignments naming the identity whose set (itself and its groups, numbered) is `set` at or
    /// above the target `at` describes, nearest named at `level` (none below it does), with their roles: what
    /// the evaluator would otherwise find by scanning every assignment of the ancestry (a subscription's are
    /// thousands) for each class asked.
    fn gathered(
        &self,
        set: &[u32],
        level: usize,
        at: &Deciding<'e>,
    ) -> Vec<(usize, Option<usize>)> {
        let along = at.along.get_or_init(|| self.named_along(at));
        let mut found: Vec<(usize, Option<usize>)> = along[level..]
            .iter()
            .flat_map(|named| set.iter().flat_map(|p| named.assignments_of(p)))
            .copied()
            .collect();
        found.sort_unstable();
        found
    }

    /// Whether the directory lists `id` (numbered `n` when the caller has it): a membership-graph node's
    /// kind says so for all but a group, without looking the id up.
    fn listed(&self, id: &str, n: Option<u32>) -> bool {
        let index = &self.engine.index;
        let base = index.memberships().node_count() as u32;
        match n.filter(|&n| n < base).map(|n| index.node_kind(n)) {
            Some(NodeKind::Identity(at)) => at.is_some(),
            Some(NodeKind::Absent) => false,
            Some(NodeKind::Group) | None => index.principal.contains_key(id),
        }
    }

    /// [`Walk::nearest_naming`] from the evaluator's subject (its id made canonical, its groups maybe
    /// unknown); no class.
    fn nearest_naming_asked(&self, id: &str, scopes: &[Scope]) -> Naming {
        let subject = self.subject(id);
        if !subject.groups_known {
            return Naming::Unsure;
        }
        // Each id's own scopes, not their union per subject: the groups' are shared by all their members.
        let named: Vec<Rc<FxHashSet<String>>> =
            subject.set.ids().map(|id| self.named_by(id)).collect();
        scopes
            .iter()
            .position(|s| named.iter().any(|n| n.contains(s.key())))
            .map_or(Naming::Nowhere, |at| Naming::At(at, None))
    }

    /// Membership-graph node `n` and the groups above it, once per walk.
    fn set_of(&self, n: u32) -> Rc<[u32]> {
        if let Some(known) = self.cache.sets.borrow().get(&n) {
            return Rc::clone(known);
        }
        let graph = self.engine.index.memberships();
        let above = graph.groups_above(n).into_iter().map(|(g, _)| g);
        let set: Rc<[u32]> = std::iter::once(n).chain(above).collect();
        self.cache.sets.borrow_mut().insert(n, Rc::clone(&set));
        set
    }

    /// [`Engine::directory_gaps`](crate::eval::Engine), once per walk.
    fn directory_gaps(&self) -> bool {
        *self
            .cache
            .directory_gaps
            .get_or_init(|| self.engine.directory_gaps())
    }

    /// The principals a role assignment or eligibility at each scope of the ancestry `at` describes names,
    /// numbered: each scope's once per walk (a subscription's shared by every resource beneath).
    fn named_along(&self, at: &Deciding<'e>) -> Rc<Vec<Rc<NamedAt>>> {
        let scopes = at.target.ancestry.scopes.iter().zip(at.levels.iter());
        Rc::new(scopes.map(|(s, &k)| self.named_at(s, k)).collect())
    }

    /// The principals named at `level`, numbered `number` ([`Walk::scope_number`]), once per walk.
    fn named_at(&self, level: &Scope, number: u32) -> Rc<NamedAt> {
        if let Some(known) = self.cache.named_at.borrow().get(&number) {
            return Rc::clone(known);
        }
        let engine: &'e crate::eval::Engine = self.engine;
        let mut assigned: Vec<(u32, usize, Option<usize>)> = engine
            .assignments_at(level)
            .map(|(i, a)| {
                let role = engine.index.role_definition.get(&a.role_definition_guid);
                (self.number(&a.principal_id), i, role.copied())
            })
            .collect();
        assigned.sort_unstable();
        let mut named = NamedAt {
            at: FxHashMap::default(),
            assigned: assigned.iter().map(|&(_, i, role)| (i, role)).collect(),
        };
        for (k, &(p, _, _)) in assigned.iter().enumerate() {
            let k = k as u32;
            named
                .at
                .entry(p)
                .and_modify(|r| r.1 = k + 1)
                .or_insert((k, k + 1));
        }
        let eligible = engine.index.eligibilities_at.get(level.key());
        let eligible = eligible.into_iter().flatten();
        for e in eligible.filter_map(|&i| engine.snapshot.role_eligibilities.get(i)) {
            named
                .at
                .entry(self.number(&e.principal_id))
                .or_insert((0, 0));
        }
        let named = Rc::new(named);
        self.cache
            .named_at
            .borrow_mut()
            .insert(number, Rc::clone(&named));
        named
    }
}

/// What [`Walk::controller`] reads of a resource once for every id asked there: its target, whether
/// answers there rest on grants alone, and the memo key of each scope of its ancestry (made when needed).
pub(super) struct Deciding<'e> {
    scope: Scope,
    target: Rc<Target<'e>>,
    /// The scopes of the target's ancestry, numbered ([`Walk::scope_number`]).
    levels: Rc<[u32]>,
    decided: bool,
    keys: Vec<OnceCell<u32>>,
    /// The number of the actions asked here (see [`Walk::level`]).
    actions: OnceCell<u32>,
    /// The principals named at each scope of the ancestry, numbered (see [`Walk::nearest_naming`]).
    along: OnceCell<Rc<Vec<Rc<NamedAt>>>>,
}

/// An answer shared by the identities of a class (or kept for one): a controller less its id.
#[derive(Clone)]
pub(super) struct Answer {
    decision: Decision,
    evidence: Rc<[String]>,
    eligible: bool,
}

impl Answer {
    /// The answer as `id`'s.
    fn of(&self, id: &str) -> Controller {
        Controller {
            id: id.to_string(),
            decision: self.decision,
            evidence: Rc::clone(&self.evidence),
            eligible: self.eligible,
        }
    }
}

impl From<&Controller> for Answer {
    fn from(c: &Controller) -> Self {
        Self {
            decision: c.decision,
            evidence: Rc::clone(&c.evidence),
            eligible: c.eligible,
        }
    }
}

/// The principals a role assignment or eligibility at one scope names, numbered, each with the role
/// assignments there naming it (position and role; none for one named only by eligibilities).
#[derive(Default)]
pub(super) struct NamedAt {
    /// By principal: its assignments' range in `assigned`.
    at: FxHashMap<u32, (u32, u32)>,
    /// The scope's role assignments (position, role), by principal.
    assigned: Vec<(usize, Option<usize>)>,
}

impl NamedAt {
    fn names(&self, p: &u32) -> bool {
        self.at.contains_key(p)
    }

    /// The role assignments here naming `p`.
    fn assignments_of(&self, p: &u32) -> &[(usize, Option<usize>)] {
        let (from, to) = self.at.get(p).copied().unwrap_or_default();
        &self.assigned[from as usize..to as usize]
    }
}

/// Where the grants that can decide for a principal at a target are.
pub(super) enum Naming {
    /// Its groups are not known: any grant might name it.
    Unsure,
    /// No role assignment or eligibility at or above the target names it (or its groups).
    Nowhere,
    /// The nearest scope where one does (its position in the ancestry), and (for an identity whose groups
    /// the walk has numbered) itself and its groups, numbered, whose class ([`Walk::class_of`]) shares the
    /// answer.
    At(usize, Option<Rc<[u32]>>),
}

/// The actions' part of the memo key of the controllers decided at a scope.
fn actions_key(actions: &[Action]) -> String {
    let mut key = String::new();
    for a in actions {
        key.push('\n');
        key.push_str(if a.plane == Plane::Data {
            "data "
        } else {
            "arm "
        });
        key.push_str(&a.rbac_actions.join(" ").to_ascii_lowercase());
    }
    key
}
