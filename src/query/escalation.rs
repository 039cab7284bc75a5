//! Self-escalation: principals who cannot use a vault's data now but can grant it to themselves through
//! the management plane (`docs/semantics.md` §7 and D1).

use serde::Serialize;

use crate::catalog::{self, Plane};
use crate::eval::reason::UnknownBecause;
use std::collections::{BTreeSet, HashSet};
use std::rc::Rc;

use rustc_hash::FxHashMap;
use std::collections::hash_map::Entry;

use crate::eval::bulk::{Granted, TargetRows};
use crate::eval::decide::RowKey;
use crate::eval::{Decision, Engine, Gathered, PrincipalRef, Subject, Target};
use crate::model::{AccessPolicy, Scope, Vault};
use crate::parallel::in_halves;
use crate::query::reach::grant_holders;
use crate::query::reach::{Grants, holders, reached};

mod cited;
mod found;
mod levers;
mod of_rows;
mod technique;
use cited::Cited;
pub(crate) use found::{Found, KeyParts};
use levers::Levers;
pub(crate) use levers::{LeverVerdicts, levers};
pub(crate) use of_rows::RowFindings;
pub use technique::Technique;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub principal: PrincipalRef,
    pub vault_id: String,
    pub technique: Technique,
    /// The role assignment that enables it.
    pub grant: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    /// The principal the role assignment names (the identity itself, or a group it is in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// Where the role assignment is made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_scope: Option<String>,
    /// `allowed`, or `conditional` (a delegation condition limits which roles it may assign), or `unknown`.
    pub decision: Decision,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// Data operations the principal cannot perform now (what it stands to gain), as the catalog names
    /// them.
    pub lacks: Vec<&'static str>,
    /// For an `unknown` finding: the data the snapshot lacks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_because: Vec<UnknownBecause>,
    /// The technique is one Microsoft's articles disagree on ([`Technique::disputed`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disputed: bool,
}

/// The data operations (other than purge) an escalation can gain, resolved once.
pub(crate) fn gainable() -> &'static [(&'static str, catalog::Action)] {
    static OPS: std::sync::OnceLock<Vec<(&'static str, catalog::Action)>> =
        std::sync::OnceLock::new();
    OPS.get_or_init(|| {
        catalog::operations()
            .iter()
            .filter(|op| op.plane == Plane::Data && !op.is_purge())
            .filter_map(|op| catalog::resolve(op.name).ok().map(|a| (op.name, a)))
            .collect()
    })
}

/// What a technique can gain of what the subject lacks. A template deployment only resolves secret
/// references into the resources it deploys: the value of a secret (a certificate's private key included,
/// through its backing secret) is all it exposes, never key operations.
/// With the gains as bits (`mask`: those of `lacks`).
fn gain_through(
    technique: Technique,
    (lacks, mask): (&Rc<[&'static str]>, Option<u64>),
) -> (Rc<[&'static str]>, Option<u64>) {
    match technique {
        Technique::TemplateDeployment => {
            let gains: Rc<[&'static str]> = lacks
                .iter()
                .filter(|op| **op == "secrets/get")
                .copied()
                .collect();
            let mask = found::gain_mask(&gains);
            (gains, mask)
        }
        _ => (lacks.clone(), mask),
    }
}

/// Data operations (other than purge) the subject cannot perform on the vault now.
fn lacking(engine: &Engine, row: &crate::eval::decide::Row) -> Vec<&'static str> {
    gainable()
        .iter()
        .filter(|(_, a)| engine.decide(row, a) != Decision::Allowed)
        .map(|(name, _)| *name)
        .collect()
}

/// Positions in [`LEVERS`].
const VAULTS_WRITE: usize = 0;
const POLICIES_WRITE: usize = 1;
const ASSIGN: usize = 2;
const DEPLOY: usize = 3;

/// Findings for one vault, one principal at a time.
pub fn escalations_for_vault(engine: &Engine, vault: &Vault) -> Vec<Finding> {
    findings_for_vault(engine, vault, PARALLEL_FROM)
}

/// [`escalations_for_vault`], on two threads from `parallel_from` candidates on.
pub(crate) fn findings_for_vault(
    engine: &Engine,
    vault: &Vault,
    parallel_from: usize,
) -> Vec<Finding> {
    let target = engine.target(&vault.scope);
    // Only an identity one of whose roles can grant a lever (or might: a missing role definition) can
    // have a finding; the others' lever decisions are all "denied".
    let grants = Grants {
        rbac: true,
        policies: false,
        role_matters: |role| levers().iter().any(|a| engine.role_may_grant(role, a)),
        entry_matters: |_: &AccessPolicy| false,
    };
    let ids: Vec<String> = reached(engine, &holders(engine, &target, grants))
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    // A vault under a subscription with broad owners has thousands of candidates (each half shares
    // verdicts among its own rows).
    let target = &target;
    in_halves(
        &ids,
        parallel_from,
        |part| findings_among(engine, vault, target, part.iter().cloned()),
        |mut first, second| {
            first.extend(second);
            first
        },
    )
}

/// The number of candidates from which [`escalations_for_vault`] splits its work between two threads.
pub(crate) const PARALLEL_FROM: usize = 512;

/// [`escalations_for_vault`] restricted to `candidates` (what-if re-examines only the identities whose
/// decisions can have changed). A candidate counts when it is one of the vault's grant holders or inside
/// one of their groups, exactly as the holders' expansion would find it, without expanding every group.
pub fn escalations_for_vault_among(
    engine: &Engine,
    vault: &Vault,
    candidates: &BTreeSet<String>,
) -> Vec<Finding> {
    let Ok(write) = catalog::resolve("vaults/write") else {
        return Vec::new();
    };
    let target = engine.target(&vault.scope);
    let named: HashSet<String> = grant_holders(engine, &target, &write)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let ids = candidates
        .iter()
        .filter(|id| !engine.is_group(id))
        .filter(|id| {
            engine
                .index
                .principal_set(id)
                .ids()
                .any(|x| named.contains(x))
        })
        .cloned();
    findings_among(engine, vault, &target, ids)
}

pub(crate) fn findings_among<'a>(
    engine: &'a Engine,
    vault: &Vault,
    target: &Target<'a>,
    ids: impl Iterator<Item = String>,
) -> Vec<Finding> {
    let mut above = Default::default();
    let found = findings_sharing(
        engine,
        vault,
        target,
        ids,
        &LeverVerdicts::default(),
        &mut above,
    );
    found.iter().map(|f| f.finding(vault.scope.id())).collect()
}

/// [`findings_among`], with lever verdicts shared with other vaults through `verdicts`, and what the scopes
/// from the subscription up hold with the subscription's other vaults through `above`.
pub(crate) fn findings_sharing<'a>(
    engine: &'a Engine,
    vault: &Vault,
    target: &Target<'a>,
    ids: impl Iterator<Item = String>,
    verdicts: &LeverVerdicts,
    above: &mut std::sync::Arc<Granted<'a>>,
) -> Vec<Found> {
    let lever_actions = levers();
    let rows_at = TargetRows::sharing(engine, target, above);
    // Members of the same groups usually have the same row, and then the same findings but for who they
    // are: the lever verdicts are built once per row. Only when nothing in a verdict can depend on who
    // asks: memberships known, principal in the directory, every grant attributable to a scope.
    let mut shared: FxHashMap<RowKey, Rc<Levers>> =
        FxHashMap::with_capacity_and_hasher(ids.size_hint().0, Default::default());
    let mut out = Vec::new();
    for id in ids {
        let subject = verdicts.subject(engine, id);
        let row = rows_at.row(&subject, None);
        let l = if subject.groups_known
            && subject.in_directory
            && !target.ancestry.unplaced_subscription
        {
            let key = row.key();
            match verdicts.kept(&key) {
                Some(l) => l,
                None => match shared.entry(key) {
                    Entry::Occupied(e) => e.get().clone(),
                    Entry::Vacant(e) => {
                        let decided = verdicts.decided(engine, &row, lever_actions);
                        let l = Rc::new(Levers::of(engine, &row, decided));
                        verdicts.keep(e.key(), &l);
                        e.insert(l).clone()
                    }
                },
            }
        } else {
            Rc::new(Levers::decide(engine, &row, lever_actions))
        };
        if l.decisions.iter().all(|d| *d == Decision::Denied) {
            continue;
        }
        // The full verdicts start from what the row already gathered (the same verdicts as `check`).
        let entries = rows_at.entries_naming(&subject);
        let gathered = Gathered {
            entries: Some(&entries),
            assignments: Some(row.assignments()),
            without_ignored_mechanism: false,
        };
        let ask = Ask {
            gathered,
            shared: verdicts,
        };
        push_findings(vault, target, &subject, (engine, &l), ask, &mut out);
    }
    out
}

/// The findings of one identity at a vault from its row there ([`crate::eval::Engine::prepare`] without
/// an application): what [`escalations_for_vault_among`] gives for it alone, without gathering everyone's
/// grants at the vault (what-if asks one identity per class).
pub(crate) fn findings_of_row(
    engine: &Engine,
    vault: &Vault,
    target: &Target,
    subject: &Subject,
    row: &crate::eval::decide::Row,
) -> Vec<Finding> {
    // `escalations_for_vault_among` counts an identity only when a role assignment at or above the vault
    // names it or one of its groups: exactly when its row has one.
    if engine.is_group(&subject.principal.id) || row.assignments().is_empty() {
        return Vec::new();
    }
    let l = Levers::decide(engine, row, levers());
    findings_of_levers(
        (engine, vault, target),
        subject,
        row,
        &l,
        &LeverVerdicts::default(),
    )
}

/// [`findings_of_row`] from the row's levers, the verdicts a finding cites shared through `shared`.
fn findings_of_levers(
    (engine, vault, target): (&Engine, &Vault, &Target),
    subject: &Subject,
    row: &crate::eval::decide::Row,
    l: &Levers,
    shared: &LeverVerdicts,
) -> Vec<Finding> {
    if l.decisions.iter().all(|d| *d == Decision::Denied) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let entries: Vec<usize> = vault
        .access_policies
        .iter()
        .enumerate()
        .filter(|(_, e)| subject.set.reach(&e.object_id).is_some())
        .map(|(i, _)| i)
        .collect();
    let ask = Ask {
        gathered: Gathered {
            entries: Some(&entries),
            assignments: Some(row.assignments()),
            without_ignored_mechanism: false,
        },
        shared,
    };
    push_findings(vault, target, subject, (engine, l), ask, &mut out);
    out.iter().map(|f| f.finding(vault.scope.id())).collect()
}

/// How a subject's lever verdicts are built: from what its row gathered, or shared with other vaults.
#[derive(Clone, Copy)]
struct Ask<'g> {
    gathered: Gathered<'g>,
    shared: &'g LeverVerdicts,
}

/// The findings of one subject, from its lever decisions.
fn push_findings(
    vault: &Vault,
    target: &Target,
    subject: &Subject,
    (engine, l): (&Engine, &Levers),
    ask: Ask,
    out: &mut Vec<Found>,
) {
    let lacks = &l.lacks;
    if lacks.is_empty() {
        return;
    }
    let possible = |lever| l.possible(engine, subject, target, lever, ask.gathered, ask.shared);
    let unrestricted_assign = l.decision(ASSIGN) == Some(Decision::Allowed);
    // The subject's findings name it through one copy.
    let mut principal: Option<Rc<PrincipalRef>> = None;
    let mut push = |technique, cited: &Rc<Cited>| {
        let principal = principal
            .get_or_insert_with(|| Rc::new(subject.principal.clone()))
            .clone();
        let (lacks, lacks_mask) = gain_through(technique, (lacks, l.lacks_mask));
        out.push(Found {
            principal,
            technique,
            cited: cited.clone(),
            lacks,
            lacks_mask,
        });
    };
    if vault.rbac_authorization {
        if let Some(v) = possible(ASSIGN) {
            push(Technique::RoleAssignmentSelfGrant, v);
        }
        match (possible(VAULTS_WRITE), unrestricted_assign) {
            (Some(v), true) => push(Technique::SwitchPermissionModel, v),
            (Some(v), false) => push(Technique::SwitchPermissionModelPossible, v),
            _ => {}
        }
    } else {
        if let Some(v) = possible(POLICIES_WRITE).or_else(|| possible(VAULTS_WRITE)) {
            push(Technique::AccessPolicySelfGrant, v);
        } else if unrestricted_assign && let Some(v) = possible(ASSIGN) {
            push(Technique::RoleAssignmentThenAccessPolicy, v);
        }
        if let (Some(v), true) = (possible(VAULTS_WRITE), unrestricted_assign) {
            push(Technique::SwitchPermissionModel, v);
        }
    }
    if vault.enabled_for_template_deployment
        && lacks.contains(&"secrets/get")
        && let Some(v) = possible(DEPLOY)
    {
        push(Technique::TemplateDeployment, v);
    }
}

/// The self-grant paths that would give `principal_id` a data operation it lacks at `scope` (a vault or an
/// item in it): what `check` reports beside a decision that is not "allowed". Management actions and scopes
/// outside vaults have none.
pub fn self_grants(
    engine: &Engine,
    principal_id: &str,
    scope: &Scope,
    action: &catalog::Action,
) -> Vec<Finding> {
    if action.plane != Plane::Data {
        return Vec::new();
    }
    let Some(vault) = engine.vault_of(scope) else {
        return Vec::new();
    };
    let candidates = BTreeSet::from([principal_id.to_ascii_lowercase()]);
    escalations_for_vault_among(engine, vault, &candidates)
        .into_iter()
        .filter(|f| {
            f.lacks
                .iter()
                .any(|op| op.eq_ignore_ascii_case(&action.label))
        })
        .collect()
}

/// Findings for every vault at or below `scope` (all vaults when `None`).
pub fn escalations(engine: &Engine, scope: Option<&Scope>) -> Vec<Finding> {
    engine
        .snapshot
        .vaults
        .iter()
        .filter(|v| scope.is_none_or(|s| engine.index.ancestry(&v.scope).contains(s.key())))
        .flat_map(|v| escalations_for_vault(engine, v))
        .collect()
}

#[cfg(test)]
mod tests;
