//! Listing a grouped who-can answer's identities, on demand: a group's members (paged, with the groups
//! between each identity and the holder) and the whole answer expanded (the flat rows: [`super::rows`]). Also the sections built identity by identity from their few holders: who can on items only,
//! and who can grant it to themselves (from the grouped escalations' walk, a class at a time).

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::{Decides, GroupedWhoCan, Holder, WhoCanGroup, WhoCanGroups, blank, principal_of};
use crate::catalog::Action;
use crate::eval::{Decision, Engine, Origin};
use crate::model::{PrincipalKind, Scope, ScopeKind, Vault};
use crate::query::escalation::Finding;
use crate::query::grouped::escalations::{identities_behind, walk};

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

impl GroupedWhoCan {
    /// Leaves out the self-grant groups of techniques Microsoft's articles disagree on.
    pub fn hide_disputed(&mut self) {
        self.answer.can_grant_themselves.retain(|g| !g.disputed);
    }

    /// The identities of `group` (one of this answer's), by name, those in `range` of that order, each with
    /// the groups between it and the holder.
    pub fn members(
        &self,
        engine: &Engine,
        group: &WhoCanGroup,
        range: std::ops::Range<usize>,
    ) -> Vec<Member> {
        let mut ids: Vec<(String, &str)> = group
            .parts
            .iter()
            .filter_map(|&p| self.parts.get(p as usize))
            .flatten()
            .map(|&i| {
                let id = self.idents.name(engine, i);
                (principal_of(engine, id).0.to_lowercase(), id)
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let end = range.end.min(ids.len());
        let holder = match group.decides {
            Decides::SelfGrant | Decides::Nothing => None,
            _ => group.holder.as_ref().map(|h| h.id.as_str()),
        };
        ids.get(range.start.min(end)..end)
            .unwrap_or_default()
            .iter()
            .map(|&(_, id)| {
                let (display_name, kind) = principal_of(engine, id);
                let via_groups = holder
                    .map(|h| {
                        let set = engine.index.principal_set(id);
                        let chain = set.reach(h).map(|c| c.ids()).unwrap_or_default();
                        chain.into_iter().filter(|g| g != h).collect()
                    })
                    .unwrap_or_default();
                Member {
                    id: id.to_string(),
                    display_name,
                    kind,
                    via_groups,
                }
            })
            .collect()
    }

    /// The answer with every group's identities listed.
    pub fn expanded(&self, engine: &Engine) -> WhoCanGroups {
        let mut out = self.answer.clone();
        for list in [
            &mut out.groups,
            &mut out.denied,
            &mut out.on_items,
            &mut out.eligible,
            &mut out.can_grant_themselves,
        ] {
            for g in list.iter_mut() {
                g.members = Some(self.members(engine, g, 0..usize::MAX));
            }
        }
        out
    }
}

/// Who can on some items of `vault` only, by the role assignment made at an item that decides it (an identity
/// with two such grants is in two groups); an item where no grant decides (an unknown) is its own group.
pub(super) fn on_items(
    engine: &Engine,
    vault: &Vault,
    scope: &Scope,
    action: &Action,
    origin: Option<&Origin>,
    listed: &dyn Fn(&str) -> bool,
) -> Vec<(WhoCanGroup, Vec<String>)> {
    if scope.kind() != ScopeKind::Vault {
        return Vec::new();
    }
    let verdicts = crate::query::who_can::item_verdicts(engine, vault, action, listed, origin);
    let mut out: Vec<(WhoCanGroup, Vec<String>)> = Vec::new();
    let mut at: FxHashMap<(String, Decision), usize> = FxHashMap::default();
    let mut behind: FxHashMap<String, usize> = FxHashMap::default();
    for (principal, items) in verdicts {
        for (item, v) in items {
            let mut decided = |group: WhoCanGroup| {
                let i = *at
                    .entry((group.grant.clone(), v.decision))
                    .or_insert_with(|| {
                        out.push((group, Vec::new()));
                        out.len() - 1
                    });
                if let Some((g, members)) = out.get_mut(i) {
                    g.identities += 1;
                    members.push(principal.id.clone());
                }
            };
            if v.grants.is_empty() {
                let mut g = blank(Decides::ItemAssignment, item, v.decision);
                g.grant_scope = Some(g.grant.clone());
                g.unknown_because = v.unknown_because.clone();
                decided(g);
                continue;
            }
            for grant in &v.grants {
                let mut g = super::from_grant(Decides::ItemAssignment, grant, v.decision);
                let n = *behind
                    .entry(grant.principal_id.clone())
                    .or_insert_with(|| identities_behind(engine, &grant.principal_id));
                g.holder = Some(Holder::new(engine, &grant.principal_id, n));
                decided(g);
            }
        }
    }
    sorted(out)
}

/// The self-grant findings at `vault`, each with the identities it stands for: the walk [`self_grants`]
/// sorts, apart so that it can run beside the classes (it needs nothing they decide).
pub(super) fn levers(engine: &Engine, vault: &Vault) -> Vec<(Finding, Vec<String>)> {
    let mut out = Vec::new();
    walk(engine, &[vault], 0..1, None, |seen, members| {
        out.push((seen.finding.finding(vault.scope.id()), members()));
    });
    out
}

/// Who can grant it to themselves, from the `levers` found at the vault (those not `allowed` already), by
/// lever grant and technique.
pub(super) fn self_grants(
    engine: &Engine,
    levers: Vec<(Finding, Vec<String>)>,
    allowed: &dyn Fn(&str) -> bool,
) -> Vec<(WhoCanGroup, Vec<String>)> {
    let mut out: Vec<(WhoCanGroup, Vec<String>)> = Vec::new();
    let mut at: FxHashMap<String, usize> = FxHashMap::default();
    let mut behind: FxHashMap<String, usize> = FxHashMap::default();
    for (f, members) in levers {
        let ids: Vec<String> = members.into_iter().filter(|id| !allowed(id)).collect();
        if ids.is_empty() {
            continue;
        }
        let key = format!(
            "{}\u{1}{}\u{1}{:?}\u{1}{:?}\u{1}{:?}\u{1}{:?}",
            f.technique.as_str(),
            f.grant,
            f.holder,
            f.decision,
            f.condition,
            f.unknown_because
        );
        let i = *at.entry(key).or_insert_with(|| {
            let mut g = super::self_grant(&f);
            g.holder = f.holder.as_deref().map(|h| {
                let n = *behind
                    .entry(h.to_string())
                    .or_insert_with(|| identities_behind(engine, h));
                Holder::new(engine, h, n)
            });
            out.push((g, Vec::new()));
            out.len() - 1
        });
        if let Some((g, members)) = out.get_mut(i) {
            g.identities += ids.len();
            members.extend(ids);
        }
    }
    sorted(out)
}

/// Groups in the answer's order: most identities first, then by holder, grant and technique.
fn sorted(mut list: Vec<(WhoCanGroup, Vec<String>)>) -> Vec<(WhoCanGroup, Vec<String>)> {
    list.sort_by_cached_key(|(g, _)| super::order(g));
    list
}
