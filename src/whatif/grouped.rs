//! What-if and diff answers grouped by what decides them. A change such as "Key Vault Reader for a group of
//! 25 000 members on a subscription of 19 vaults" is one line: the transition, the operations, the grant
//! that decides it (its holder, with how many identities it stands for, its role and scope), the vaults it
//! covers and how many identities it reaches — not 25 000 × 19 × the operations. Identities are listed on
//! demand ([`GroupedDiff::expand`]) and the flat answer, one row per (identity, scope, operation), is
//! written from the groups as it is walked ([`GroupedDiff::each_cell`]), so its size never sits in memory.

use std::sync::Arc;

use rustc_hash::FxHashSet;
use serde::Serialize;

use crate::catalog::Plane;
use crate::eval::{Decision, Engine, GrantKind, PrincipalRef, UnknownBecause};
use crate::query::Technique;
use crate::query::grouped::{Cover, Holder};

use super::{DiffStats, NetworkChange};

/// A grant as a group cites it: what it is and whom it names, without anyone's group chain (the members
/// of a group reach it through different chains).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantRef {
    pub kind: GrantKind,
    /// Role assignment id, or `<vault>/accessPolicies/<objectId>[/<applicationId>]`.
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    pub scope: String,
    /// The principal the grant names, with the number of identities it stands for.
    pub holder: Holder,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// A deny assignment as a group cites it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DenyRef {
    pub id: String,
    pub name: String,
    pub scope: String,
}

/// One decision change that a set of identities share, grouped by what decides it: the transition, the
/// operations, the application called through, and the evidence (after; for a loss, also before).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeGroup {
    pub gained: bool,
    pub before: Decision,
    pub after: Decision,
    pub plane: Plane,
    /// Catalog names, in catalog order.
    pub operations: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_app: Option<String>,
    /// The grants that hold after the change (`check`'s evidence).
    pub grants: Vec<GrantRef>,
    /// For a loss: the grants that held before.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub grants_before: Vec<GrantRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub denies: Vec<DenyRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_because: Vec<UnknownBecause>,
    /// Vaults covered (an item counts for its vault).
    pub vaults: usize,
    pub covers: Vec<Cover>,
    /// Items (keys, secrets, certificates with assignments of their own) where the change differs from
    /// their vault's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
    /// Distinct identities.
    pub identities: usize,
    /// Rows of the flat answer this group stands for: (identity, scope, operation).
    pub cells: usize,
    /// The identities (`--expand`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expanded: Option<Vec<PrincipalRef>>,
    /// (scope id, the class of identities there).
    #[serde(skip)]
    pub(super) entries: Vec<(String, Arc<Vec<String>>)>,
}

/// Self-escalation paths that appear or disappear, grouped by the grant and technique that open them.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EscalationChange {
    pub added: bool,
    pub technique: Technique,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<Holder>,
    pub grant: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_scope: Option<String>,
    pub decision: Decision,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// What the identities stand to gain (what they lack), by catalog name.
    pub gains: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_because: Vec<UnknownBecause>,
    pub vaults: usize,
    pub covers: Vec<Cover>,
    pub identities: usize,
    /// (identity, vault) findings this group stands for.
    pub findings: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expanded: Option<Vec<PrincipalRef>>,
    /// (vault id, identities).
    #[serde(skip)]
    pub(super) entries: Vec<(String, Arc<Vec<String>>)>,
}

/// The grouped answer of `whatif` and `diff`.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupedDiff {
    /// The number of changes applied (what-if) or of objects that differ (`diff`).
    pub changes: usize,
    /// Rows of the flat answer: cells gained and lost.
    pub gained: usize,
    pub lost: usize,
    /// Distinct identities with a decision change.
    pub identities: usize,
    pub groups: Vec<ChangeGroup>,
    pub escalations_added: usize,
    pub escalations_removed: usize,
    pub escalations: Vec<EscalationChange>,
    pub network: Vec<NetworkChange>,
    #[serde(skip)]
    pub stats: DiffStats,
}

/// One row of the flat answer: an identity's decision change at one scope for one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlatCell<'g> {
    pub principal: PrincipalRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_app: Option<&'g str>,
    pub scope: &'g str,
    pub action: &'static str,
    pub plane: Plane,
    pub before: Decision,
    pub after: Decision,
    /// Ids of the grants that hold after.
    pub grants: Vec<&'g str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub denies: Vec<&'g str>,
    #[serde(skip_serializing_if = "<[UnknownBecause]>::is_empty")]
    pub unknown_because: &'g [UnknownBecause],
}

/// One row of the flat escalation answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlatEscalation<'g> {
    pub added: bool,
    pub principal: PrincipalRef,
    pub vault: &'g str,
    pub technique: Technique,
    pub grant: &'g str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<&'g str>,
    pub decision: Decision,
    pub lacks: &'g [&'static str],
}

impl GroupedDiff {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.escalations.is_empty() && self.network.is_empty()
    }

    /// Whether anyone gains data-plane access (`--fail-on-gain`).
    pub fn gains_data_access(&self) -> bool {
        self.groups.iter().any(ChangeGroup::gains_data_access)
    }

    /// Distinct identities in the groups that `keep` keeps.
    pub fn identities_in(&self, keep: impl Fn(&ChangeGroup) -> bool) -> usize {
        let mut seen = FxHashSet::default();
        for g in self.groups.iter().filter(|g| keep(g)) {
            seen.extend(distinct(&g.entries));
        }
        seen.len()
    }

    /// One sentence per group, in the groups' order (most cells first): who, what, where, through what.
    pub fn summary_lines(&self) -> Vec<String> {
        let last = |s: &str| {
            s.rsplit('/')
                .find(|p| !p.is_empty())
                .unwrap_or("/")
                .to_string()
        };
        self.groups
            .iter()
            .map(|g| {
                let ops = if g.operations.len() > 3 {
                    format!("{} operations", g.operations.len())
                } else {
                    g.operations.join(", ")
                };
                let place = match g.covers.as_slice() {
                    [one] if one.vaults == 1 => last(&one.scope),
                    _ => format!("{} vaults", g.vaults),
                };
                let by = g
                    .grants
                    .iter()
                    .chain(&g.grants_before)
                    .next()
                    .map(|x| {
                        let what = x.role_name.as_deref().unwrap_or("an access-policy entry");
                        format!(" ({what}, held by {})", x.holder.display_name)
                    })
                    .unwrap_or_default();
                let text = format!(
                    "{}{} identit{}: {} → {} {ops} on {place}{by}",
                    if g.gained { "+" } else { "-" },
                    g.identities,
                    if g.identities == 1 { "y" } else { "ies" },
                    g.before.as_str(),
                    g.after.as_str(),
                );
                crate::sanitize::clean(&text).into_owned()
            })
            .collect()
    }

    /// Lists every group's identities.
    pub fn expand(&mut self, eb: &Engine, ea: &Engine) {
        for g in &mut self.groups {
            g.expanded = Some(refs(eb, ea, &g.entries));
        }
        for g in &mut self.escalations {
            g.expanded = Some(refs(eb, ea, &g.entries));
        }
    }

    /// Every row of the flat answer, group by group. `f` returning an error stops the walk.
    pub fn each_cell<E>(
        &self,
        eb: &Engine,
        ea: &Engine,
        mut f: impl FnMut(FlatCell<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        for g in &self.groups {
            let grants: Vec<&str> = g.grants.iter().map(|x| x.id.as_str()).collect();
            let denies: Vec<&str> = g.denies.iter().map(|x| x.id.as_str()).collect();
            for (scope, members) in &g.entries {
                for id in members.iter() {
                    let principal = principal_ref(eb, ea, id);
                    for &action in &g.operations {
                        f(FlatCell {
                            principal: principal.clone(),
                            via_app: g.via_app.as_deref(),
                            scope,
                            action,
                            plane: g.plane,
                            before: g.before,
                            after: g.after,
                            grants: grants.clone(),
                            denies: denies.clone(),
                            unknown_because: &g.unknown_because,
                        })?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Every escalation path added or removed, one (identity, vault) at a time.
    pub fn each_escalation<E>(
        &self,
        eb: &Engine,
        ea: &Engine,
        mut f: impl FnMut(FlatEscalation<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        for g in &self.escalations {
            for (vault, members) in &g.entries {
                for id in members.iter() {
                    f(FlatEscalation {
                        added: g.added,
                        principal: principal_ref(eb, ea, id),
                        vault,
                        technique: g.technique,
                        grant: &g.grant,
                        holder: g.holder.as_ref().map(|h| h.id.as_str()),
                        decision: g.decision,
                        lacks: &g.gains,
                    })?;
                }
            }
        }
        Ok(())
    }
}

impl ChangeGroup {
    /// Whether this is someone gaining (possibly conditional) data-plane access.
    pub fn gains_data_access(&self) -> bool {
        self.plane == Plane::Data && self.gained && self.after.grants_something()
    }

    /// (scope id, identity ids) the group stands for.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.entries.iter().map(|(s, m)| (s.as_str(), m.as_slice()))
    }
}

/// The distinct identities of some entries, by id.
fn refs(eb: &Engine, ea: &Engine, entries: &[(String, Arc<Vec<String>>)]) -> Vec<PrincipalRef> {
    let mut ids: Vec<&str> = distinct(entries).into_iter().collect();
    ids.sort_unstable();
    ids.into_iter()
        .map(|id| principal_ref(eb, ea, id))
        .collect()
}

pub(super) fn distinct(entries: &[(String, Arc<Vec<String>>)]) -> FxHashSet<&str> {
    let mut seen = FxHashSet::default();
    if let [(_, only)] = entries {
        seen.extend(only.iter().map(String::as_str));
        return seen;
    }
    let mut done: FxHashSet<*const Vec<String>> = FxHashSet::default();
    for (_, m) in entries {
        if done.insert(Arc::as_ptr(m)) {
            seen.extend(m.iter().map(String::as_str));
        }
    }
    seen
}

/// The principal as the snapshot after names it (else before).
pub fn principal_ref(eb: &Engine, ea: &Engine, id: &str) -> PrincipalRef {
    let known = |e: &Engine| {
        e.index
            .principal
            .get(id)
            .and_then(|&i| e.snapshot.principals.get(i))
            .map(|p| PrincipalRef {
                id: p.id.clone(),
                display_name: p.display_name.clone(),
                kind: p.kind,
            })
    };
    known(ea)
        .or_else(|| known(eb))
        .unwrap_or_else(|| ea.subject(id).principal)
}
