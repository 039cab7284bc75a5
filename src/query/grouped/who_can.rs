//! `who-can` grouped by what decides it: the holder (the principal a grant names, often a group), the
//! grant (role assignment, access-policy entry, PIM eligibility, deny assignment, or the role assignment a
//! self-grant path goes through) and its scope, with the decision and how many identities each group
//! reaches. It is built from the grants: the identities are sorted into classes by the grants that reach
//! them ([`classes`]), one member per class is asked, and the class stands for its members. The identities
//! are listed on demand ([`GroupedWhoCan::members`], `--expand`); the flat answer
//! ([`crate::query::who_can`]) is the same set of facts, one identity at a time.

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::Holder;
use crate::catalog::{Action, Plane};
use crate::error::QueryError;
use crate::eval::{
    Decision, Engine, Gathered, Grant, NetworkVerdict, Origin, UnknownBecause, Verdict, network,
};
use crate::model::{PrincipalKind, Scope};
use crate::query::escalation::{Finding, Technique};
use build::{Build, Groups};
use classes::{Ident, Idents};

mod build;
mod classes;
mod expand;
mod rows;
pub use expand::Member;
pub use rows::{Decided, Row};

/// What kind of grant decides a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Decides {
    RoleAssignment,
    AccessPolicy,
    /// A PIM eligibility: nothing until activated (docs/semantics.md D7).
    Eligibility,
    /// A role assignment made at an item of the vault (docs/semantics.md D5): "on N items".
    ItemAssignment,
    /// A role assignment through which the identities can grant it to themselves.
    SelfGrant,
    /// A deny assignment that removes identities a grant would otherwise let do it.
    Deny,
    /// No grant shown: the decision is unknown for a reason the group states.
    Nothing,
}

/// Identities whose answer one grant decides.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoCanGroup {
    pub decides: Decides,
    /// The principal the grant names; `None` when no grant is shown (or a deny names everyone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<Holder>,
    /// The role assignment, access-policy entry, eligibility or deny assignment id (for `itemAssignment`:
    /// the item).
    pub grant: String,
    /// The role's name; for a deny assignment, the deny assignment's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    /// Where the grant is made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_scope: Option<String>,
    /// `allowed`, `conditional` or `unknown`; for eligibilities the decision as it stands (not allowed); for
    /// a deny `denied`.
    pub decision: Decision,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_app: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub technique: Option<Technique>,
    /// The technique is one Microsoft's articles disagree on.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disputed: bool,
    /// Deny assignments that may block the group's identities (conditional ones): why a grant is only
    /// `conditional`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub denies: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_because: Vec<UnknownBecause>,
    /// Identities in the group.
    pub identities: usize,
    /// The identities, with `--expand`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<Member>>,
    /// The member lists (positions in [`GroupedWhoCan`]'s parts) the group's identities are in.
    #[serde(skip)]
    parts: Vec<u32>,
}

/// The grouped answer of `kvaccess who-can`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoCanGroups {
    pub scope: String,
    pub action: String,
    pub operation: String,
    /// Distinct identities whose decision is not "denied" (an identity with two grants is in two groups).
    pub identities: usize,
    /// Who can (allowed, conditional, unknown), by deciding grant.
    pub groups: Vec<WhoCanGroup>,
    /// Who a grant would let do it but a deny assignment stops, by deny assignment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub denied: Vec<WhoCanGroup>,
    /// Who can on some items only, by item.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub on_items: Vec<WhoCanGroup>,
    /// Who could after activating a PIM eligibility, by eligibility.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub eligible: Vec<WhoCanGroup>,
    /// Who can grant it to themselves, by lever grant and technique.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub can_grant_themselves: Vec<WhoCanGroup>,
    /// The vault's network rules for the caller location asked about, when they block calls or cannot be
    /// decided (then every grant above is `unknown` for that reason).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_because: Vec<UnknownBecause>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The grouped answer with what listing a group's identities needs: the member lists the groups point to.
#[derive(Debug, Clone)]
pub struct GroupedWhoCan {
    pub answer: WhoCanGroups,
    parts: Vec<Vec<Ident>>,
    idents: Idents,
    /// The flat answer's rows, a class at a time: (part, application, decision, deciding grants).
    rows: Vec<(u32, Option<String>, Decision, Vec<String>)>,
}

/// [`GroupedWhoCan`] for `action` at `scope`, asked from `origin` (data-plane answers then pass the vault's
/// network rules, as `check`'s do).
pub fn grouped_who_can(
    engine: &Engine,
    scope: &Scope,
    action: &Action,
    origin: Option<&Origin>,
) -> Result<GroupedWhoCan, QueryError> {
    let mut never = |_, _| Ok::<(), std::convert::Infallible>(());
    match build(engine, scope, action, origin, &mut never)? {
        Ok(answer) => Ok(answer),
        Err(never) => match never {},
    }
}

/// [`grouped_who_can`] for the explorer: `go_on(done, total)` is asked before each class of identities (and
/// before the item and self-grant sections); when it says no, the work stops and `None` comes back.
pub fn grouped_who_can_with(
    engine: &Engine,
    scope: &Scope,
    action: &Action,
    origin: Option<&Origin>,
    go_on: &mut dyn FnMut(usize, usize) -> bool,
) -> Result<Option<GroupedWhoCan>, QueryError> {
    let mut step = |done, total| if go_on(done, total) { Ok(()) } else { Err(()) };
    Ok(build(engine, scope, action, origin, &mut step)?.ok())
}

/// The answer, asking `step(done, total)` before each step: its error stops the work and comes back.
fn build<S>(
    engine: &Engine,
    scope: &Scope,
    action: &Action,
    origin: Option<&Origin>,
    step: &mut dyn FnMut(usize, usize) -> Result<(), S>,
) -> Result<Result<GroupedWhoCan, S>, QueryError> {
    let target = engine.target(scope);
    engine.validate(&target, action)?;
    let vault = match (action.plane, target.vault) {
        (Plane::Data, Some(vault)) => Some(vault),
        _ => None,
    };
    let net = origin
        .zip(vault)
        .map(|(o, v)| network::admits(&v.network, o))
        .filter(|n| n.allowed() != Some(true));
    let sorted = classes::sort(engine, &target, action);
    // The classes, those asked alone, and the item and self-grant sections: the steps of the progress.
    let steps = sorted.classes.len() + sorted.alone.len() + 1;
    if let Err(stop) = step(0, steps) {
        return Ok(Err(stop));
    }
    let behind: FxHashMap<String, usize> = sorted
        .behind
        .iter()
        .map(|(id, n)| ((*id).to_string(), *n))
        .collect();
    let mut b = Build {
        engine,
        target: &target,
        action,
        net: net.as_ref(),
        groups: Groups::new(engine, &behind),
        denied: Groups::new(engine, &behind),
        eligible: Groups::new(engine, &behind),
        parts: Vec::new(),
        rows: Vec::new(),
        listed: Vec::new(),
        allowed: Vec::new(),
    };
    // The self-grant walk needs nothing the classes decide: it runs beside them.
    let (levers, decided) = crate::parallel::both(
        || vault.map(|v| expand::levers(engine, v)),
        || decide(&mut b, &sorted, step, steps),
    );
    if let Err(stop) = decided? {
        return Ok(Err(stop));
    }
    let mut idents = sorted.idents;
    let mut on_items = Vec::new();
    let mut can_grant_themselves = Vec::new();
    if let Err(stop) = step(steps - 1, steps) {
        return Ok(Err(stop));
    }
    if let Some(v) = vault {
        let (listed, allowed) = (
            marks(&b.parts, &b.listed, &idents),
            marks(&b.parts, &b.allowed, &idents),
        );
        let within = |marks: &[bool], id: &str| {
            idents
                .find(engine, id)
                .and_then(|i| marks.get(i as usize))
                .is_some_and(|&m| m)
        };
        let items = expand::on_items(engine, v, scope, action, origin, &|id| within(&listed, id));
        let levers = expand::self_grants(engine, levers.unwrap_or_default(), &|id| {
            within(&allowed, id)
        });
        drop((listed, allowed));
        for (list, found) in [(&mut on_items, items), (&mut can_grant_themselves, levers)] {
            for (mut group, members) in found {
                group.parts = vec![b.parts.len() as u32];
                b.parts
                    .push(members.iter().map(|id| idents.of(engine, id)).collect());
                list.push(group);
            }
        }
    }
    let identities = b
        .listed
        .iter()
        .filter_map(|&p| b.parts.get(p as usize))
        .map(Vec::len)
        .sum();
    let answer = WhoCanGroups {
        scope: scope.id().to_string(),
        action: action.canonical.clone(),
        operation: action.label.clone(),
        identities,
        groups: b.groups.done(),
        denied: b.denied.done(),
        on_items,
        eligible: b.eligible.done(),
        can_grant_themselves,
        network: net.as_ref().map(|n| n.reason().to_string()),
        unknown_because: vault
            .filter(|v| v.properties_missing)
            .map(|v| {
                vec![UnknownBecause::VaultListIncomplete {
                    vault: v.name.clone(),
                }]
            })
            .unwrap_or_default(),
        notes: crate::query::item_not_in_snapshot(engine, scope)
            .iter()
            .map(ToString::to_string)
            .collect(),
    };
    Ok(Ok(GroupedWhoCan {
        answer,
        parts: b.parts,
        idents,
        rows: b.rows,
    }))
}

/// Asks one member of each class, then each identity asked alone, asking `step` before each. The grouped
/// answer reads no verdict's notes, so none looks up the mechanism the vault ignores.
fn decide<S>(
    b: &mut Build,
    sorted: &classes::Sorted,
    step: &mut dyn FnMut(usize, usize) -> Result<(), S>,
    steps: usize,
) -> Result<Result<(), S>, QueryError> {
    let engine = b.engine;
    for (done, class) in sorted.classes.iter().enumerate() {
        if let Err(stop) = step(done, steps) {
            return Ok(Err(stop));
        }
        let (apps, eligible) = sorted.pairs(&class.holders);
        let Some(&rep) = class.members.first() else {
            continue;
        };
        let subject = engine.subject(sorted.idents.name(engine, rep));
        let entries = sorted.entries(&class.holders);
        let gathered = Gathered {
            entries: entries.as_deref(),
            assignments: None,
            without_ignored_mechanism: true,
        };
        b.class(&subject, class.members.clone(), (&apps, eligible), gathered)?;
    }
    for (done, (ident, apps, eligible)) in sorted.alone.iter().enumerate() {
        if let Err(stop) = step(sorted.classes.len() + done, steps) {
            return Ok(Err(stop));
        }
        let subject = engine.subject(sorted.idents.name(engine, *ident));
        let gathered = Gathered {
            without_ignored_mechanism: true,
            ..Gathered::default()
        };
        b.class(&subject, vec![*ident], (apps, *eligible), gathered)?;
    }
    Ok(Ok(()))
}

/// Which identities the parts at `list` hold, by [`Ident`]: whom a section leaves out, without hashing names.
fn marks(parts: &[Vec<Ident>], list: &[u32], idents: &Idents) -> Vec<bool> {
    let mut marks = vec![false; idents.len()];
    for &i in list.iter().filter_map(|&p| parts.get(p as usize)).flatten() {
        if let Some(m) = marks.get_mut(i as usize) {
            *m = true;
        }
    }
    marks
}

/// The vault's network rules applied to a verdict asked without a caller location, as `check` applies them:
/// a blocked call is denied, an undecidable one makes a grant "unknown".
fn through_network(v: &Verdict, net: Option<&NetworkVerdict>) -> (Decision, Vec<UnknownBecause>) {
    match net.map(NetworkVerdict::allowed) {
        Some(Some(false)) => (Decision::Denied, v.unknown_because.clone()),
        Some(None) if v.decision.grants_something() => {
            let mut because = v.unknown_because.clone();
            if let Some(n) = net {
                because.push(UnknownBecause::Network(n.reason().to_string()));
            }
            (Decision::Unknown, because)
        }
        _ => (v.decision, v.unknown_because.clone()),
    }
}

fn blank(decides: Decides, grant: String, decision: Decision) -> WhoCanGroup {
    WhoCanGroup {
        decides,
        holder: None,
        grant,
        role_name: None,
        grant_scope: None,
        decision,
        condition: None,
        via_app: None,
        technique: None,
        disputed: false,
        denies: Vec::new(),
        unknown_because: Vec::new(),
        identities: 0,
        members: None,
        parts: Vec::new(),
    }
}

fn from_grant(decides: Decides, grant: &Grant, decision: Decision) -> WhoCanGroup {
    WhoCanGroup {
        role_name: grant.role_name.clone(),
        grant_scope: Some(grant.scope.clone()),
        condition: grant.condition.clone(),
        ..blank(decides, grant.id.clone(), decision)
    }
}

fn self_grant(f: &Finding) -> WhoCanGroup {
    WhoCanGroup {
        role_name: f.role_name.clone(),
        grant_scope: f.grant_scope.clone(),
        condition: f.condition.clone(),
        technique: Some(f.technique),
        disputed: f.technique.disputed(),
        unknown_because: f.unknown_because.clone(),
        ..blank(Decides::SelfGrant, f.grant.clone(), f.decision)
    }
}

/// The order of groups in an answer: most identities first, then by holder, grant, decision and technique.
fn order(g: &WhoCanGroup) -> impl Ord + use<> {
    (
        std::cmp::Reverse(g.identities),
        g.holder
            .as_ref()
            .map(|h| h.display_name.to_lowercase())
            .unwrap_or_default(),
        g.grant.clone(),
        g.decision.as_str(),
        g.technique.map(Technique::as_str),
        g.via_app.clone(),
    )
}

/// The principal as the answer names it (what [`Engine::subject`] would say, without its groups).
fn principal_of(engine: &Engine, id: &str) -> (String, PrincipalKind) {
    match engine
        .index
        .principal
        .get(id)
        .and_then(|&i| engine.snapshot.principals.get(i))
    {
        Some(p) => (p.display_name.clone(), p.kind),
        None => (
            crate::model::principal::not_in_directory(id),
            PrincipalKind::Unknown,
        ),
    }
}
