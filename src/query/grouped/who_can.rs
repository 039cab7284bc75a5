//! `who-can` grouped by what decides it: the holder (the principal a grant names, often a group), the
//! grant (role assignment, access-policy entry, PIM eligibility, or the role assignment a self-grant path
//! goes through) and its scope, with the decision and how many identities each group stands for. The
//! identities are listed on demand (`--expand`); the flat answer ([`crate::query::who_can`]) is the same set
//! of facts, one identity at a time.

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::Holder;
use crate::eval::{Decision, Engine, Grant, GrantKind, UnknownBecause};
use crate::model::PrincipalKind;
use crate::query::escalation::{Finding, Technique};
use crate::query::who_can::WhoCan;

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
    /// No grant shown: the decision is unknown for a reason the group states.
    Nothing,
}

/// Identities whose answer one grant decides.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoCanGroup {
    pub decides: Decides,
    /// The principal the grant names; `None` when no grant is shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<Holder>,
    /// The role assignment, access-policy entry or eligibility id (for `itemAssignment`: the item).
    pub grant: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    /// Where the grant is made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_scope: Option<String>,
    /// `allowed`, `conditional` or `unknown`; for eligibilities the decision as it stands (not allowed).
    pub decision: Decision,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_app: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub technique: Option<Technique>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_because: Vec<UnknownBecause>,
    /// Identities in the group.
    pub identities: usize,
    /// The identities, with `--expand`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<Member>>,
}

/// One identity of an expanded group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub id: String,
    pub display_name: String,
    #[serde(rename = "type")]
    pub kind: PrincipalKind,
    /// The groups between the identity and the holder, as the grant's path names them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via_groups: Vec<String>,
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
    /// Who can on some items only, by item.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub on_items: Vec<WhoCanGroup>,
    /// Who could after activating a PIM eligibility, by eligibility.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub eligible: Vec<WhoCanGroup>,
    /// Who can grant it to themselves, by lever grant and technique.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub can_grant_themselves: Vec<WhoCanGroup>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_because: Vec<UnknownBecause>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// [`WhoCan`] grouped by what decides each identity's answer; with `expand`, each group lists its identities.
pub fn group_who_can(engine: &Engine, w: &WhoCan, expand: bool) -> WhoCanGroups {
    let mut groups = Groups::new(engine, expand);
    for p in &w.principals {
        let who = || member(&p.id, &p.display_name, p.kind, &[]);
        if p.grants.is_empty() {
            let mut g = blank(Decides::Nothing, String::new(), p.decision);
            g.unknown_because = p.unknown_because.clone();
            groups.add(g, None, who());
        }
        for grant in &p.grants {
            let decides = match grant.kind {
                GrantKind::RoleAssignment => Decides::RoleAssignment,
                GrantKind::AccessPolicy => Decides::AccessPolicy,
            };
            let mut g = from_grant(decides, grant, p.decision);
            g.via_app = p.via_app.clone();
            g.unknown_because = p.unknown_because.clone();
            let via = between(&grant.via_groups, &grant.principal_id);
            groups.add(
                g,
                Some(&grant.principal_id),
                member(&p.id, &p.display_name, p.kind, &via),
            );
        }
    }
    let principals = groups.done();
    let mut items = Groups::new(engine, expand);
    for p in &w.on_items {
        for (scope, decision) in &p.items {
            let g = blank(Decides::ItemAssignment, scope.clone(), *decision);
            items.add(g, None, member(&p.id, &p.display_name, p.kind, &[]));
        }
    }
    let mut eligible = Groups::new(engine, expand);
    for p in &w.eligible {
        for grant in &p.eligible {
            let g = from_grant(Decides::Eligibility, grant, p.decision);
            let via = between(&grant.via_groups, &grant.principal_id);
            let m = member(&p.id, &p.display_name, p.kind, &via);
            eligible.add(g, Some(&grant.principal_id), m);
        }
    }
    let mut levers = Groups::new(engine, expand);
    for f in &w.can_grant_themselves {
        levers.add(
            self_grant(f),
            f.holder.as_deref(),
            member(
                &f.principal.id,
                &f.principal.display_name,
                f.principal.kind,
                &[],
            ),
        );
    }
    let mut ids: Vec<&str> = w.principals.iter().map(|p| p.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    WhoCanGroups {
        scope: w.scope.clone(),
        action: w.action.clone(),
        operation: w.operation.clone(),
        identities: ids.len(),
        groups: principals,
        on_items: items.done(),
        eligible: eligible.done(),
        can_grant_themselves: levers.done(),
        unknown_because: w.unknown_because.clone(),
        notes: w.notes.clone(),
    }
}

/// An identity of a group, with the groups between it and the holder (the grant's chain, minus both ends).
fn member(id: &str, name: &str, kind: PrincipalKind, via: &[String]) -> Member {
    Member {
        id: id.to_string(),
        display_name: name.to_string(),
        kind,
        via_groups: via.to_vec(),
    }
}

/// A grant's group chain without the holder itself.
fn between(chain: &[String], holder: &str) -> Vec<String> {
    chain.iter().filter(|g| *g != holder).cloned().collect()
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
        unknown_because: Vec::new(),
        identities: 0,
        members: None,
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
        unknown_because: f.unknown_because.clone(),
        ..blank(Decides::SelfGrant, f.grant.clone(), f.decision)
    }
}

/// Groups being gathered: equal groups (all but the count and members) are one.
struct Groups<'e> {
    engine: &'e Engine,
    expand: bool,
    list: Vec<(WhoCanGroup, Vec<Member>)>,
    at: FxHashMap<String, usize>,
    /// Identities behind each holder, counted once per holder.
    behind: FxHashMap<String, usize>,
}

impl<'e> Groups<'e> {
    fn new(engine: &'e Engine, expand: bool) -> Self {
        Self {
            engine,
            expand,
            list: Vec::new(),
            at: FxHashMap::default(),
            behind: FxHashMap::default(),
        }
    }

    fn add(&mut self, group: WhoCanGroup, holder: Option<&str>, m: Member) {
        let key = format!(
            "{:?}\u{1}{}\u{1}{:?}\u{1}{:?}\u{1}{:?}\u{1}{:?}\u{1}{:?}\u{1}{:?}",
            group.decides,
            group.grant,
            holder,
            group.decision,
            group.condition,
            group.via_app,
            group.technique.map(Technique::as_str),
            group.unknown_because
        );
        let i = match self.at.get(&key) {
            Some(&i) => i,
            None => {
                let mut group = group;
                if let Some(h) = holder {
                    let engine = self.engine;
                    let n = *self
                        .behind
                        .entry(h.to_string())
                        .or_insert_with(|| super::escalations::identities_behind(engine, h));
                    group.holder = Some(Holder::new(engine, h, n));
                }
                self.list.push((group, Vec::new()));
                self.at.insert(key, self.list.len() - 1);
                self.list.len() - 1
            }
        };
        if let Some((g, members)) = self.list.get_mut(i) {
            g.identities += 1;
            if self.expand {
                members.push(m);
            }
        }
    }

    /// The groups, most identities first, then by holder and grant.
    fn done(self) -> Vec<WhoCanGroup> {
        let expand = self.expand;
        let mut out: Vec<WhoCanGroup> = self
            .list
            .into_iter()
            .map(|(mut g, mut members)| {
                if expand {
                    members.sort_by_cached_key(|m| (m.display_name.to_lowercase(), m.id.clone()));
                    g.members = Some(members);
                }
                g
            })
            .collect();
        out.sort_by_cached_key(|g| {
            (
                std::cmp::Reverse(g.identities),
                g.holder
                    .as_ref()
                    .map(|h| h.display_name.to_lowercase())
                    .unwrap_or_default(),
                g.grant.clone(),
                g.decision.as_str(),
            )
        });
        out
    }
}
