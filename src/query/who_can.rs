//! "Who can do X at S?": every identity whose decision is not a plain "denied", with the grant paths.

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::catalog::{Action, Plane};
use crate::error::QueryError;
use crate::eval::Request;
use crate::eval::bulk::TargetRows;
use crate::eval::decide::RowKey;
use crate::eval::reason::{Note, UnknownBecause};
use crate::eval::{
    Decision, Engine, Gathered, Grant, Origin, Subject, Target, Verdict, access_policy, network,
};
use crate::model::{AccessPolicy, PrincipalKind, Scope, Vault};
use crate::parallel::{both, in_halves};
use crate::query::escalation::{Finding, escalations_for_vault};
use crate::query::reach::{Grants, holders, reached};

mod besides;
use besides::besides;
pub(crate) use besides::item_verdicts;

/// One identity that can (or might) do it, with the paths that give it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoCanEntry {
    pub id: String,
    pub display_name: String,
    #[serde(rename = "type")]
    pub kind: PrincipalKind,
    pub decision: Decision,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_app: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_app_name: Option<String>,
    pub grants: Vec<Grant>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_because: Vec<UnknownBecause>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
}

impl From<Verdict> for WhoCanEntry {
    fn from(v: Verdict) -> Self {
        Self {
            id: v.principal.id,
            display_name: v.principal.display_name,
            kind: v.principal.kind,
            decision: v.decision,
            via_app: v.via_app,
            via_app_name: v.via_app_name,
            grants: v.grants,
            unknown_because: v.unknown_because,
            notes: v.notes,
        }
    }
}

/// What makes two identities' who-can entries the same but for who they are (see [`who_can`]).
type ShareKey = (RowKey, Option<String>, Vec<usize>, Vec<usize>);

impl WhoCanEntry {
    /// This entry as `subject` would get it from an equal row: its own identity, and the group chains
    /// that reach it to each grant. `None` when a grant names no one in the subject's set.
    fn for_subject(&self, subject: &Subject) -> Option<Self> {
        let grants = self
            .grants
            .iter()
            .map(|g| {
                let via = subject.set.reach(&g.principal_id)?;
                Some(Grant {
                    kind: g.kind,
                    id: g.id.clone(),
                    role_name: g.role_name.clone(),
                    role_definition_id: g.role_definition_id.clone(),
                    scope: g.scope.clone(),
                    principal_id: g.principal_id.clone(),
                    via_groups: via.ids(),
                    condition: g.condition.clone(),
                    matched: g.matched.clone(),
                })
            })
            .collect::<Option<Vec<Grant>>>()?;
        Some(Self {
            id: subject.principal.id.clone(),
            display_name: subject.principal.display_name.clone(),
            kind: subject.principal.kind,
            decision: self.decision,
            via_app: self.via_app.clone(),
            via_app_name: self.via_app_name.clone(),
            grants,
            unknown_because: self.unknown_because.clone(),
            notes: self.notes.clone(),
        })
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoCan {
    pub scope: String,
    pub action: String,
    pub operation: String,
    /// Identities (users, service principals, managed identities) whose decision is not "denied", each
    /// with its full verdict; groups appear inside the grant paths.
    pub principals: Vec<WhoCanEntry>,
    /// Identities that cannot do it now but can grant it to themselves.
    pub can_grant_themselves: Vec<Finding>,
    /// What the list cannot show: a vault whose properties the snapshot lacks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_because: Vec<UnknownBecause>,
    /// Identities that cannot do it now but hold a PIM eligibility that would grant it once activated
    /// (decision as it stands, with the eligibilities in `eligible`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub eligible: Vec<EligibleEntry>,
    /// At a vault: identities not listed above that can do it on some of its items, through grants made at
    /// the items themselves ("on N items").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub on_items: Vec<ItemsEntry>,
    /// What the reader should know about the question itself: an item the snapshot does not list.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// An identity that can do it on some items of the vault only.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemsEntry {
    pub id: String,
    pub display_name: String,
    #[serde(rename = "type")]
    pub kind: PrincipalKind,
    /// The items, with the decision on each.
    pub items: Vec<(String, Decision)>,
}

/// An identity that could do it after activating a PIM eligibility.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EligibleEntry {
    pub id: String,
    pub display_name: String,
    #[serde(rename = "type")]
    pub kind: PrincipalKind,
    pub decision: Decision,
    pub eligible: Vec<Grant>,
}

pub fn who_can(engine: &Engine, scope: &Scope, action: &Action) -> Result<WhoCan, QueryError> {
    who_can_from(engine, scope, action, None)
}

/// [`who_can`] for calls from `origin`: data-plane answers pass the vault's network rules, as `check`'s do.
pub fn who_can_from(
    engine: &Engine,
    scope: &Scope,
    action: &Action,
    origin: Option<&Origin>,
) -> Result<WhoCan, QueryError> {
    let target = engine.target(scope);
    engine.validate(&target, action)?;
    let vault = match (action.plane, target.vault) {
        (Plane::Data, Some(vault)) => Some(vault),
        _ => None,
    };
    // The self-escalation analysis does not depend on who can already: it runs beside the main loop.
    let (findings, principals) = match vault {
        Some(v) => both(
            || escalations_for_vault(engine, v),
            || entries(engine, &target, action, PARALLEL_FROM),
        ),
        None => (Vec::new(), entries(engine, &target, action, PARALLEL_FROM)),
    };
    let mut principals = principals?;
    if let (Some(origin), Some(vault)) = (origin, vault) {
        through_network(&mut principals, vault, origin);
    }
    let listed: FxHashSet<&str> = principals.iter().map(|p| p.id.as_str()).collect();
    let allowed: FxHashSet<&str> = principals
        .iter()
        .filter(|p| p.decision == Decision::Allowed)
        .map(|p| p.id.as_str())
        .collect();
    let besides = besides(engine, scope, action, origin, &listed, &allowed, findings);
    Ok(WhoCan {
        scope: scope.id().to_string(),
        action: action.canonical.clone(),
        operation: action.label.clone(),
        can_grant_themselves: besides.can_grant_themselves,
        unknown_because: vault
            .filter(|v| v.properties_missing)
            .map(|v| {
                vec![UnknownBecause::VaultListIncomplete {
                    vault: v.name.clone(),
                }]
            })
            .unwrap_or_default(),
        eligible: besides.eligible,
        on_items: besides.on_items,
        principals,
        notes: super::item_not_in_snapshot(engine, scope)
            .iter()
            .map(ToString::to_string)
            .collect(),
    })
}

/// The vault's network rules applied to every entry, as `check` applies them to one verdict: a blocked call
/// is denied (and leaves the list), an undecidable one makes a grant "unknown".
fn through_network(principals: &mut Vec<WhoCanEntry>, vault: &Vault, origin: &Origin) {
    let net = network::admits(&vault.network, origin);
    match net.allowed() {
        Some(false) => principals.clear(),
        None => {
            for p in principals.iter_mut() {
                if p.decision.grants_something() {
                    p.unknown_because
                        .push(UnknownBecause::Network(net.reason().to_string()));
                    p.decision = Decision::Unknown;
                }
            }
        }
        Some(true) => {}
    }
}

/// Every identity whose decision is not "denied", with its verdict, sorted by name. From `parallel_from`
/// identities on, two threads share the work.
fn entries(
    engine: &Engine,
    target: &Target,
    action: &Action,
    parallel_from: usize,
) -> Result<Vec<WhoCanEntry>, QueryError> {
    let ids = candidates(engine, target, action);
    let each = Each::new(engine, target, action);
    // A vault that thousands of identities can use: both cores (the entries are sorted afterwards).
    let mut principals = in_halves(
        &ids,
        parallel_from,
        |part| each.decide(part),
        |first, second| {
            let mut first = first?;
            first.extend(second?);
            Ok::<_, QueryError>(first)
        },
    )?;
    principals.sort_by_cached_key(|p| {
        (
            p.display_name.to_lowercase(),
            p.id.clone(),
            p.via_app.clone(),
        )
    });
    Ok(principals)
}

/// The identities the grants at or above the target that can matter to `action` reach.
fn candidates(engine: &Engine, target: &Target, action: &Action) -> Vec<(String, Option<String>)> {
    let (rbac, policies) = match (action.plane, target.vault) {
        // Unknown permission model: the role holders are candidates (each answers unknown).
        (Plane::Data, Some(v)) if v.properties_missing => (true, false),
        (Plane::Data, Some(v)) => (v.rbac_authorization, !v.rbac_authorization),
        _ => (true, false),
    };
    let grants = Grants {
        rbac,
        policies,
        role_matters: |role| engine.role_may_grant(role, action),
        entry_matters: |e: &AccessPolicy| {
            action
                .policy
                .iter()
                .any(|(k, p)| access_policy::holds(e, *k, p).is_some())
        },
    };
    reached(engine, &holders(engine, target, grants))
}

/// The number of identities from which [`entries`] splits its work between two threads.
const PARALLEL_FROM: usize = 1024;

/// What deciding each identity at one target needs, gathered once.
struct Each<'e, 'a> {
    engine: &'a Engine,
    target: &'e Target<'a>,
    action: &'e Action,
    rows_at: TargetRows<'e, 'a>,
    /// Identities can share a verdict here (see [`Each::decide`]).
    may_share: bool,
    /// PIM eligibilities at or above the target: (position, object id named).
    eligibilities: Vec<(usize, &'a str)>,
}

impl<'e, 'a> Each<'e, 'a> {
    fn new(engine: &'a Engine, target: &'e Target<'a>, action: &'e Action) -> Self {
        let eligibilities = target
            .ancestry
            .scopes
            .iter()
            .filter_map(|s| engine.index.eligibilities_at.get(s.key()))
            .flatten()
            .filter_map(|&i| {
                let e = engine.snapshot.role_eligibilities.get(i)?;
                Some((i, e.principal_id.as_str()))
            })
            .collect();
        Self {
            engine,
            target,
            action,
            rows_at: TargetRows::new(engine, target),
            may_share: !target.ancestry.unplaced_subscription,
            eligibilities,
        }
    }

    /// The entries of the identities in `ids` whose decision is not "denied", in `ids`' order.
    ///
    /// Identities with equal rows, calling through the same application, named by the same access-policy
    /// entries whatever their application and reached by the same PIM eligibilities (notes name both), get
    /// the same verdict but for who they are and the group chains in their grant paths: it is built once,
    /// then given to each. Only where nothing else in it can depend on who asks: memberships known,
    /// principal in the directory, every grant attributable to a scope.
    fn decide(&self, ids: &[(String, Option<String>)]) -> Result<Vec<WhoCanEntry>, QueryError> {
        let (engine, target, action) = (self.engine, self.target, self.action);
        let mut shared: FxHashMap<ShareKey, WhoCanEntry> = FxHashMap::default();
        let mut principals = Vec::new();
        for (id, app) in ids {
            let subject = engine.subject(id);
            // Screen with the fast path; build the full verdict (with its grant paths) only for those who
            // can, from what the screen gathered.
            let row = self.rows_at.row(&subject, app.as_deref());
            if engine.decide(&row, action) == Decision::Denied {
                continue;
            }
            let entries = self.rows_at.entries_naming(&subject);
            let key = (self.may_share && subject.groups_known && subject.in_directory).then(|| {
                let eligible = self
                    .eligibilities
                    .iter()
                    .filter(|(_, p)| subject.set.reach(p).is_some())
                    .map(|&(i, _)| i)
                    .collect();
                (row.key(), app.clone(), eligible, entries.clone())
            });
            if let Some(entry) = key
                .as_ref()
                .and_then(|k| shared.get(k))
                .and_then(|template| template.for_subject(&subject))
            {
                principals.push(entry);
                continue;
            }
            let gathered = Gathered {
                entries: Some(&entries),
                assignments: Some(row.assignments()),
                without_ignored_mechanism: false,
            };
            let verdict = engine.check_gathered(
                &Request::new(&subject, target, action).via_app(app.as_deref()),
                gathered,
            )?;
            let entry = WhoCanEntry::from(verdict);
            if let Some(key) = key {
                shared.insert(key, entry.clone());
            }
            principals.push(entry);
        }
        Ok(principals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two-thread path must give exactly the one-thread answer: same entries, same order.
    #[test]
    fn halves_on_two_threads_give_the_one_thread_answer() {
        let snapshot = crate::synth::generate(&crate::synth::SynthSpec::new(300, 8, 600, 3));
        let engine = Engine::new(snapshot.clone());
        let mut compared = 0;
        for op in ["secrets/get", "keys/sign", "vaults/write"] {
            let action = crate::catalog::resolve(op).expect("catalog operation");
            for vault in &snapshot.vaults {
                let target = engine.target(&vault.scope);
                let mut json = |parallel_from| {
                    let list = entries(&engine, &target, &action, parallel_from).expect("who-can");
                    compared += list.len();
                    serde_json::to_string(&list).expect("entries serialize")
                };
                let (one, two) = (json(usize::MAX), json(0));
                assert_eq!(one, two, "{op} at {}", vault.name);
            }
        }
        assert!(compared > 100, "only {compared} entries compared");
    }
}
