//! The levers of a self-escalation: the management operations that open a path, each row's decisions on
//! them, and the verdicts a finding cites, shared across the vaults of a walk.

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::cited::{BlockCondition, Chosen, ChosenKey, Cited, block_condition};
use super::lacking;
use crate::catalog;
use crate::eval::decide::{RbacKey, RowKey};
use crate::eval::{Decision, Engine, Gathered, Request, Subject, Target};

/// What decides a principal's findings: its lever decisions, what it lacks, and the lever verdicts,
/// built on first use.
pub(super) struct Levers {
    pub(super) decisions: Vec<Decision>,
    pub(super) lacks: Rc<[&'static str]>,
    /// `lacks` as bits ([`super::found::gain_mask`]), for every finding made from these levers.
    pub(super) lacks_mask: Option<u64>,
    verdicts: [std::cell::OnceCell<Option<Rc<Cited>>>; 4],
    /// The row's RBAC part, when its lever verdicts may be shared with other vaults.
    rbac: Option<RbacKey>,
}

/// Lever verdicts by lever and [`RbacKey`] (for the lever: without the assignments whose roles cannot grant
/// it): a walk over many vaults builds each once. Only the parts a finding cites are read from them
/// (decision, grants, reasons), which do not depend on the vault or on other roles.
#[derive(Default)]
pub(crate) struct LeverVerdicts {
    verdicts: RefCell<FxHashMap<(usize, RbacKey), SharedVerdict>>,
    /// The subjects asked, by id: a class's member is asked again at the other vaults that name its class.
    subjects: RefCell<FxHashMap<String, Rc<Subject>>>,
    /// Rows' levers whose verdicts do not depend on the vault ([`Levers::across_vaults`]), by key: rows
    /// with an equal key at the subscription's other vaults take them as they are.
    kept: RefCell<FxHashMap<RowKey, Rc<Levers>>>,
    /// What rows lack, by [`crate::eval::decide::Row::data_key`]: rows that differ only by grants of
    /// management roles (most of a vault's classes) lack the same.
    lacks: RefCell<FxHashMap<RowKey, Lacks>>,
    /// Whether each role definition can match a gainable data operation, by position.
    grants_data: std::cell::OnceCell<Vec<bool>>,
    /// Lever decisions, by [`crate::eval::decide::Row::management_key`]: rows that differ only by their
    /// data roles, access-policy entries, or the unconditional assignments giving them their lever roles
    /// decide the levers alike.
    levers_decided: RefCell<FxHashMap<RowKey, Vec<Decision>>>,
    /// Whether each role definition can match a lever, by position.
    grants_lever: std::cell::OnceCell<Vec<bool>>,
    /// [`block_condition`] by (role, lever, RBAC action): what a role's blocks say of an action does not
    /// depend on the vault, so it is kept for the whole walk, not cleared with a subscription.
    blocks: RefCell<FxHashMap<(usize, usize, usize), BlockCondition>>,
    /// Citations worked out from rows, by [`Chosen::key`]: rows of different [`RbacKey`]s (other grants
    /// beside the one cited), and the levers one grant gives outright, cite it through one `Rc`, so its
    /// strings are copied once and its findings are placed in their group by its number
    /// ([`Cited::serial`]). What the key tells names nothing of a vault, but it is cleared with the
    /// subscription, as the verdicts are: kept for a whole run, it held about 25 MB more on the large
    /// tenant, mostly citations no other row asked for.
    chosen: RefCell<FxHashMap<ChosenKey, Rc<Cited>>>,
}

/// What findings cite of a lever verdict (`None`: the check failed), shared by the rows that cite it.
type SharedVerdict = Option<Rc<Cited>>;

impl LeverVerdicts {
    pub(crate) fn clear(&self) {
        self.verdicts.borrow_mut().clear();
        self.subjects.borrow_mut().clear();
        self.lacks.borrow_mut().clear();
        self.kept.borrow_mut().clear();
        self.levers_decided.borrow_mut().clear();
        self.chosen.borrow_mut().clear();
    }

    /// The levers kept for rows with key `key`.
    pub(super) fn kept(&self, key: &RowKey) -> Option<Rc<Levers>> {
        self.kept.borrow().get(key).cloned()
    }

    /// Keeps `levers` for rows with key `key` at the subscription's other vaults, when they may be.
    pub(super) fn keep(&self, key: &RowKey, levers: &Rc<Levers>) {
        if levers.across_vaults() {
            self.kept.borrow_mut().insert(key.clone(), levers.clone());
        }
    }

    /// [`Decided::of`] the row: its lever decisions once per management key, what it lacks once per data
    /// key. (Not kept by the row's own key: at a large tenant's vaults almost every row asked has a key of
    /// its own.)
    pub(super) fn decided(
        &self,
        engine: &Engine,
        row: &crate::eval::decide::Row,
        actions: &[catalog::Action],
    ) -> Decided {
        Decided::with(
            |row| self.lever_decisions(engine, row, actions),
            row,
            |row| self.lacking(engine, row),
        )
    }

    /// The decisions on `actions` (the levers, in every call), shared by rows with equal management keys.
    fn lever_decisions(
        &self,
        engine: &Engine,
        row: &crate::eval::decide::Row,
        actions: &[catalog::Action],
    ) -> Vec<Decision> {
        let grants_lever = self
            .grants_lever
            .get_or_init(|| matching_roles(engine, actions.iter()));
        let key = row.management_key(&engine.snapshot, |r| {
            grants_lever.get(r).copied().unwrap_or(true)
        });
        if let Some(d) = self.levers_decided.borrow().get(&key) {
            return d.clone();
        }
        let d: Vec<Decision> = actions.iter().map(|a| engine.decide(row, a)).collect();
        self.levers_decided.borrow_mut().insert(key, d.clone());
        d
    }

    /// [`lacking`], shared by rows with equal data keys.
    fn lacking(&self, engine: &Engine, row: &crate::eval::decide::Row) -> Lacks {
        let grants_data = self
            .grants_data
            .get_or_init(|| matching_roles(engine, super::gainable().iter().map(|(_, a)| a)));
        let key = row.data_key(|r| grants_data.get(r).copied().unwrap_or(true));
        if let Some(l) = self.lacks.borrow().get(&key) {
            return l.clone();
        }
        let l = Lacks::of(lacking(engine, row).into());
        self.lacks.borrow_mut().insert(key, l.clone());
        l
    }

    /// [`block_condition`] of `role` for lever `lever`'s `k`th RBAC action, worked out once per walk.
    pub(super) fn block(
        &self,
        engine: &Engine,
        role: usize,
        lever: usize,
        k: usize,
    ) -> BlockCondition {
        if let Some(b) = self.blocks.borrow().get(&(role, lever, k)) {
            return b.clone();
        }
        let b = levers()
            .get(lever)
            .and_then(|action| block_condition(engine, role, action, k));
        self.blocks.borrow_mut().insert((role, lever, k), b.clone());
        b
    }

    /// What a finding cites of lever `lever`'s verdict, worked out from the row ([`Chosen::from_row`]): one
    /// `Rc` per [`Chosen::key`] until [`LeverVerdicts::clear`].
    pub(super) fn cited_from_row(
        &self,
        engine: &Engine,
        assignments: &[(usize, Option<usize>)],
        lever: usize,
        decision: Decision,
    ) -> Option<Rc<Cited>> {
        let action = levers().get(lever)?;
        let block = |role, k| self.block(engine, role, lever, k);
        let chosen = Chosen::from_row(engine, assignments, action, decision, block)?;
        let key = chosen.key(lever);
        if let Some(c) = self.chosen.borrow().get(&key) {
            return Some(c.clone());
        }
        let cited = Rc::new(Cited::of_chosen(engine, chosen));
        self.chosen.borrow_mut().insert(key, cited.clone());
        Some(cited)
    }

    pub(super) fn subject(&self, engine: &Engine, id: String) -> Rc<Subject> {
        if let Some(s) = self.subjects.borrow().get(&id) {
            return s.clone();
        }
        let subject = Rc::new(engine.subject(&id));
        self.subjects.borrow_mut().insert(id, subject.clone());
        subject
    }
}

/// A row's lever decisions (the fast path's: the same as `check`'s) and, when one of them is not "denied",
/// what it lacks. `Engine::decide` reads nothing of a row but its [`RowKey`], at any vault: a walk decides
/// each key once per subscription.
#[derive(Clone)]
pub(super) struct Decided {
    decisions: Vec<Decision>,
    /// One list for every row lacking the same (rows of a subscription hold it).
    lacks: Lacks,
}

/// What a row lacks, and as bits ([`super::found::gain_mask`]): worked out once per list, for every finding
/// made from it (the walk places hundreds of thousands).
#[derive(Clone)]
pub(super) struct Lacks {
    ops: Rc<[&'static str]>,
    mask: Option<u64>,
}

impl Lacks {
    fn of(ops: Rc<[&'static str]>) -> Self {
        let mask = super::found::gain_mask(&ops);
        Self { ops, mask }
    }
}

impl Decided {
    pub(super) fn of(
        engine: &Engine,
        row: &crate::eval::decide::Row,
        actions: &[catalog::Action],
    ) -> Self {
        Self::with(
            |row| actions.iter().map(|a| engine.decide(row, a)).collect(),
            row,
            |row| Lacks::of(lacking(engine, row).into()),
        )
    }

    /// [`Decided::of`], with the lever decisions from `decide` and what the row lacks from `lacks`.
    fn with(
        decide: impl FnOnce(&crate::eval::decide::Row) -> Vec<Decision>,
        row: &crate::eval::decide::Row,
        lacks: impl FnOnce(&crate::eval::decide::Row) -> Lacks,
    ) -> Self {
        let decisions = decide(row);
        let lacks = if decisions.iter().all(|d| *d == Decision::Denied) {
            Lacks::of(Rc::from([]))
        } else {
            lacks(row)
        };
        Self { decisions, lacks }
    }
}

impl Levers {
    /// Decides the levers with the fast path; full verdicts are built later, only for the levers a finding
    /// cites.
    pub(super) fn decide(
        engine: &Engine,
        row: &crate::eval::decide::Row,
        actions: &[catalog::Action],
    ) -> Self {
        Self::of(engine, row, Decided::of(engine, row, actions))
    }

    pub(super) fn of(engine: &Engine, row: &crate::eval::decide::Row, decided: Decided) -> Self {
        let denied = decided.decisions.iter().all(|d| *d == Decision::Denied);
        Self {
            decisions: decided.decisions,
            lacks_mask: decided.lacks.mask,
            lacks: decided.lacks.ops,
            verdicts: Default::default(),
            rbac: (!denied).then(|| row.rbac_key(&engine.snapshot)).flatten(),
        }
    }

    /// Whether no verdict of these levers depends on the vault or the subject: every lever denied (none
    /// is built), or the row's RBAC part keys them ([`LeverVerdicts`] shares them by it).
    fn across_vaults(&self) -> bool {
        self.rbac.is_some() || self.decisions.iter().all(|d| *d == Decision::Denied)
    }

    pub(super) fn decision(&self, lever: usize) -> Option<Decision> {
        self.decisions.get(lever).copied()
    }

    /// The lever's verdict for `subject` when its decision is not "denied".
    pub(super) fn possible(
        &self,
        engine: &Engine,
        subject: &Subject,
        target: &Target,
        lever: usize,
        gathered: Gathered,
        shared: &LeverVerdicts,
    ) -> Option<&Rc<Cited>> {
        let decision = self.decision(lever)?;
        if decision == Decision::Denied {
            return None;
        }
        let action = levers().get(lever)?;
        self.verdicts
            .get(lever)?
            .get_or_init(|| {
                let key = self.rbac.as_ref().map(|k| {
                    (
                        lever,
                        k.for_action(|role| engine.role_may_grant(role, action)),
                    )
                });
                if let Some(found) = key
                    .as_ref()
                    .and_then(|k| shared.verdicts.borrow().get(k).cloned())
                {
                    return found;
                }
                let lean = match (&key, gathered.assignments) {
                    (Some(_), Some(assignments)) if !target.ancestry.unplaced_subscription => {
                        shared.cited_from_row(engine, assignments, lever, decision)
                    }
                    _ => None,
                };
                let cited = match lean {
                    Some(cited) => Some(cited),
                    None => engine
                        .check_gathered(&Request::new(subject, target, action), gathered)
                        .ok()
                        .map(|v| Rc::new(Cited::of(&v))),
                };
                if let Some(key) = key {
                    shared.verdicts.borrow_mut().insert(key, cited.clone());
                }
                cited
            })
            .as_ref()
    }
}

/// Whether each role definition of the snapshot can match one of `actions`, by position.
fn matching_roles<'c>(
    engine: &Engine,
    actions: impl Iterator<Item = &'c catalog::Action> + Clone,
) -> Vec<bool> {
    (0..engine.snapshot.role_definitions.len())
        .map(|r| actions.clone().any(|a| engine.role_may_grant(r, a)))
        .collect()
}

/// The management operations that open a self-escalation path.
const LEVERS: [&str; 4] = [
    "vaults/write",
    "vaults/accessPolicies/write",
    "roleAssignments/write",
    "vaults/deploy/action",
];

/// [`LEVERS`], resolved once.
pub(crate) fn levers() -> &'static [catalog::Action] {
    static RESOLVED: std::sync::OnceLock<Vec<catalog::Action>> = std::sync::OnceLock::new();
    RESOLVED.get_or_init(|| {
        LEVERS
            .iter()
            .filter_map(|a| catalog::resolve(a).ok())
            .collect()
    })
}
