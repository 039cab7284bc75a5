//! One question's walk over the hop graph: a node's edges are listed when the search reaches it, and the
//! evaluator's answers a walk needs (who holds a control action on a resource, whether one principal does)
//! are kept for the rest of that walk only, so memory follows what the walk visits.

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::super::compute::{self, Host, Reach};
use super::super::{Hop, HopKind};
use super::identities::Foothold;
use super::runs_as::Held;
use super::{HopGraph, Why};
use crate::eval::{Decision, Engine, Subject, Target};
use crate::model::hops::IdentityResource;

/// An edge found by a walk: its ends, decision and what it rests on (put into words by [`Walk::render`]).
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub kind: HopKind,
    pub from: String,
    pub to: String,
    pub decision: Decision,
    pub eligible: bool,
    pub why: Why,
}

impl Step {
    /// A federated credential's edge: whoever controls the issuer's subject (`from`) signs in as the
    /// application's service principal or the user-assigned identity (`to`), with no grant to decide it.
    pub(super) fn federated(from: String, to: String, why: Why) -> Self {
        Self {
            kind: HopKind::FederatedCredential,
            from,
            to,
            decision: Decision::Allowed,
            eligible: false,
            why,
        }
    }
}

/// Whom a walk does not ask about the control of a resource.
#[derive(Clone, Copy)]
pub(crate) enum Skip<'s> {
    /// Nobody: every controller is listed.
    Nobody,
    /// The nodes a search has reached. A node once reached stays reached for the rest of the walk, so the
    /// walk stops looking at it for good (see `levels`).
    Reached(&'s dyn Fn(&str) -> bool),
    /// [`Skip::Reached`], the membership graph's nodes reached also marked by number: a walk's lists hold
    /// numbers ([`Walk::number`]), looked up there without hashing the id against every node reached.
    Marked(&'s dyn Fn(&str) -> bool, &'s [bool]),
}

impl Skip<'_> {
    pub(super) fn skips(&self, id: &str) -> bool {
        match self {
            Skip::Nobody => false,
            Skip::Reached(reached) | Skip::Marked(reached, _) => reached(id),
        }
    }

    /// [`Skip::skips`] of the id numbered `n`, which `id` gives when it must be looked up.
    pub(super) fn skips_numbered<'i>(&self, n: u32, id: impl FnOnce() -> &'i str) -> bool {
        if let Skip::Marked(_, nodes) = self
            && let Some(&marked) = nodes.get(n as usize)
        {
            return marked;
        }
        self.skips(id())
    }

    /// Whether a search is skipping what it has reached.
    pub(super) fn searching(&self) -> bool {
        !matches!(self, Skip::Nobody)
    }
}

/// Answers kept for the rest of a walk.
pub(super) type Memo<K, V> = RefCell<FxHashMap<K, V>>;

/// Principals with a foothold, sorted by id.
pub(super) type Footholds = Rc<Vec<(String, Rc<Foothold>)>>;

/// The graph, the engine, and what this walk has asked so far.
pub(crate) struct Walk<'e> {
    pub engine: &'e Engine,
    pub graph: &'e HopGraph,
    pub(super) cache: Asked<'e>,
    pub(super) footholds: Memo<(String, bool), Option<Rc<Foothold>>>,
    /// Every principal with a foothold on a virtual machine (enabledForDiskEncryption), once asked.
    pub(super) vm_footholds: RefCell<Option<Footholds>>,
    /// Each identity resource's host, by position, once asked.
    hosts: OnceCell<Vec<Option<&'static Host>>>,
    /// By resource position: whether a search found every identity it runs as reached already. Reached
    /// stays reached for a walk ([`Skip::Reached`]), so such a resource gives the search nothing more.
    spent: RefCell<Vec<bool>>,
}

impl<'e> Walk<'e> {
    pub fn new(engine: &'e Engine, graph: &'e HopGraph) -> Self {
        Self {
            engine,
            graph,
            cache: Asked::default(),
            footholds: RefCell::default(),
            vm_footholds: RefCell::default(),
            hosts: OnceCell::new(),
            spent: RefCell::default(),
        }
    }

    /// The host of the identity resource at position `i` ([`compute::host`]), looked up once per walk.
    pub(super) fn host_at(&self, i: usize) -> Option<&'static Host> {
        let hosts = self.hosts.get_or_init(|| {
            let resources = self.engine.snapshot.hops.resources.iter().flatten();
            resources.map(|r| compute::host(&r.kind)).collect()
        });
        hosts.get(i).copied().flatten()
    }

    /// The identities the resource `r` at position `i` runs as (`reach`) but those `skip` skips. A search
    /// that once finds none left passes the resource over for the rest of the walk, without looking again.
    pub(super) fn unreached<'r>(
        &self,
        i: usize,
        r: &'r IdentityResource,
        reach: Reach,
        skip: Skip,
    ) -> Vec<&'r str> {
        let searching = skip.searching();
        if searching && self.spent.borrow().get(i).copied().unwrap_or(false) {
            return Vec::new();
        }
        let mut left = super::runs_as::reachable(r, reach);
        left.retain(|id| !skip.skips(id));
        if searching && left.is_empty() {
            let mut spent = self.spent.borrow_mut();
            if spent.len() <= i {
                spent.resize(i + 1, false);
            }
            spent[i] = true;
        }
        left
    }

    /// Every edge that ends at `node`, in the graph's order, but those from a node `skip` says the walk
    /// has already reached (asking who controls a resource is the costly part).
    pub fn edges_into(&self, node: &str, skip: Skip) -> Vec<Step> {
        let mut out = Vec::new();
        self.graph.directory_into(self.engine, node, &mut out);
        self.runs_as_into(node, skip, &mut out);
        self.identity_into(node, skip, &mut out);
        out
    }

    /// Every edge that starts at `node`, in the graph's order.
    pub fn edges_out_of(&self, node: &str) -> Vec<Step> {
        self.edges_out_of_but(node, Skip::Nobody)
    }

    /// [`Walk::edges_out_of`], but the runs-as and identity edges into nodes `skip` says the walk has already
    /// reached (the search would drop them; asking who controls a resource is the costly part).
    pub fn edges_out_of_but(&self, node: &str, skip: Skip) -> Vec<Step> {
        let mut out = Vec::new();
        self.graph.directory_out(self.engine, node, &mut out);
        self.runs_as_out(node, skip, &mut out);
        self.identity_out(node, skip, &mut out);
        out
    }

    pub(super) fn subject(&self, id: &str) -> Rc<Subject> {
        if let Some(s) = self.cache.subjects.borrow().get(id) {
            return Rc::clone(s);
        }
        let s = Rc::new(self.engine.subject(id));
        self.cache
            .subjects
            .borrow_mut()
            .insert(id.to_string(), Rc::clone(&s));
        s
    }

    /// The edge in words: evidence and explanation as `paths` prints them.
    pub fn render(&self, step: &Step) -> Hop {
        let (evidence, explanation) = super::render::words(self, step);
        Hop {
            kind: step.kind,
            from: step.from.clone(),
            to: step.to.clone(),
            decision: step.decision,
            eligible: step.eligible,
            evidence,
            explanation,
        }
    }
}

/// What a walk has asked: `who-can` answers, groups' and principals' answers, subjects and targets.
#[derive(Default)]
pub(crate) struct Asked<'e> {
    pub(super) by_scope: super::candidates::ByScope<'e>,
    /// (The nearest scope naming them, the actions) numbered as met, by (the scope's number, the actions'
    /// number in `action_sets`) (see [`Walk::controller`]).
    pub(super) levels: Memo<(u32, u32), u32>,
    /// The actions asked by the answers decided per scope, as text, numbered by position.
    pub(super) action_sets: RefCell<Vec<String>>,
    /// Answers by (the nearest scope naming them and the actions, numbered) and id (numbered when the
    /// walk numbers it, see [`Walk::number`]; the others by id).
    pub(super) decided: Memo<(u32, u32), Option<super::decided::Answer>>,
    pub(super) decided_unnumbered: Memo<(u32, String), Option<super::decided::Answer>>,
    /// Answers by (the nearest scope naming them and the actions, numbered), then class (see
    /// [`Walk::controller`]).
    pub(super) classes: Memo<u32, FxHashMap<Vec<u32>, Option<super::decided::Answer>>>,
    /// The principals named at one scope, numbered, by the scope's number.
    pub(super) named_at: Memo<u32, Rc<super::decided::NamedAt>>,
    /// A membership-graph node and the groups above it, by node.
    pub(super) sets: Memo<u32, Rc<[u32]>>,
    pub(super) directory_gaps: std::cell::OnceCell<bool>,
    pub(super) groups: Memo<(String, String, String), Option<Held>>,
    /// By principal: the scopes naming it or its groups, and those naming only itself.
    pub(super) named: Memo<String, Rc<FxHashSet<String>>>,
    pub(super) named_by: Memo<String, Rc<FxHashSet<String>>>,
    pub(super) eligibilities_of: std::cell::OnceCell<FxHashMap<String, Vec<usize>>>,
    pub(super) subjects: Memo<String, Rc<Subject>>,
    pub(super) targets: Memo<String, Rc<Target<'e>>>,
    /// Each compute way's actions, by the way's address (`runs_as.rs`).
    pub(super) way_actions: Memo<usize, Rc<[crate::catalog::Action]>>,
    /// By target scope: whether answers there rest only on grants ([`Walk::decided_above`]).
    pub(super) quiet: Memo<String, bool>,
    /// What a forward check reads of each place it is asked at, and scopes numbered (`forward.rs`).
    pub(super) places: Memo<super::forward::Place, Rc<super::forward::AtPlace<'e>>>,
    pub(super) scope_numbers: Memo<String, u32>,
    /// The vaults with a flag that hands secrets to virtual machines, in order (`vm_secrets.rs`).
    pub(super) flagged_vaults: OnceCell<Vec<&'e crate::model::Vault>>,
}
