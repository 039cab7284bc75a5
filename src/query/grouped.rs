//! Bulk answers grouped by what decides them. Nobody reads 93 696 findings; people reason about grants: "the
//! group All-Engineers (48 213 identities) holds Contributor at subscription Prod, so every member can add an
//! access-policy entry for itself on these 21 vaults". A group names the holder (the principal the grant
//! names, often a group), the grant and its scope, how many identities it reaches and the vaults it covers;
//! the identities themselves are listed on demand.

pub mod escalations;
pub mod gains;
pub mod who_can;

use std::sync::Arc;

use serde::Serialize;

use crate::eval::Engine;
use crate::model::{PrincipalKind, Vault};

/// The principal a grant names, with the number of identities it stands for (itself, or the identities
/// inside the group, transitively).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Holder {
    pub id: String,
    pub display_name: String,
    #[serde(rename = "type")]
    pub kind: PrincipalKind,
    pub identities: usize,
}

impl Holder {
    pub(crate) fn new(engine: &Engine, id: &str, identities: usize) -> Self {
        let p = engine
            .index
            .principal
            .get(id)
            .and_then(|&i| engine.snapshot.principals.get(i));
        Self {
            id: id.to_string(),
            display_name: p.map_or_else(
                || "(not in directory data)".to_string(),
                |p| p.display_name.clone(),
            ),
            kind: p.map_or(PrincipalKind::Unknown, |p| p.kind),
            identities,
        }
    }
}

/// Vaults a group covers, written compactly: a resource group, a subscription or the whole range asked
/// about when the group covers every vault there, else one vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cover {
    /// A vault id, or the resource group, subscription or scope under which it covers every vault. Shared:
    /// a tenant-wide answer has millions of covers naming the same ten thousand vaults.
    #[serde(serialize_with = "shared_str")]
    pub scope: Arc<str>,
    pub vaults: usize,
}

fn shared_str<S: serde::Serializer>(v: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v)
}

/// Data operations by object kind, `"all"` standing for every operation of a kind an escalation can gain:
/// `{"secrets": "all", "keys": ["get", "decrypt"]}`. A tenant-wide answer has tens of thousands of groups,
/// most of which gain everything.
pub(crate) fn by_kind<S: serde::Serializer>(ops: &[&'static str], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let all = crate::query::escalation::gainable();
    let mut kinds: Vec<(&str, Vec<&str>)> = Vec::new();
    for op in ops {
        let (kind, name) = op.split_once('/').unwrap_or(("", op));
        match kinds.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, list)) => list.push(name),
            None => kinds.push((kind, vec![name])),
        }
    }
    let mut map = s.serialize_map(Some(kinds.len()))?;
    for (kind, names) in &kinds {
        let of_kind = all
            .iter()
            .filter(|(n, _)| n.split_once('/').is_some_and(|(k, _)| k == *kind))
            .count();
        if names.len() == of_kind {
            map.serialize_entry(kind, "all")?;
        } else {
            map.serialize_entry(kind, names)?;
        }
    }
    map.end()
}

/// Where each vault of a run sits, to write covers compactly.
pub(crate) struct Layout {
    /// For each vault of the run, by position: (resource group, subscription) positions.
    place: Vec<(u32, u32)>,
    /// Each vault's id, shared by the covers that name it.
    ids: Vec<Arc<str>>,
    groups: Vec<(Arc<str>, u32)>,
    subscriptions: Vec<(Arc<str>, u32)>,
    range: Arc<str>,
    all: u32,
}

impl Layout {
    /// The vaults of a run; `range` names the scope asked about (`/` for the whole tenant).
    pub fn new(vaults: &[&Vault], range: &str) -> Self {
        let mut groups: Vec<(Arc<str>, u32)> = Vec::new();
        let mut subscriptions: Vec<(Arc<str>, u32)> = Vec::new();
        let mut group_at = rustc_hash::FxHashMap::default();
        let mut sub_at = rustc_hash::FxHashMap::default();
        let mut place = Vec::with_capacity(vaults.len());
        let mut ids = Vec::with_capacity(vaults.len());
        for v in vaults {
            let group = v.scope.structural_parent();
            let sub = group.as_ref().and_then(|g| g.structural_parent());
            let (g_id, s_id) = match (&group, &sub) {
                (Some(g), Some(s)) => (g.id().to_string(), s.id().to_string()),
                _ => (v.scope.id().to_string(), v.scope.id().to_string()),
            };
            let slot = |list: &mut Vec<(Arc<str>, u32)>,
                        at: &mut rustc_hash::FxHashMap<String, u32>,
                        id: String| {
                let n = *at.entry(id.clone()).or_insert_with(|| {
                    list.push((id.into(), 0));
                    list.len() as u32 - 1
                });
                if let Some(e) = list.get_mut(n as usize) {
                    e.1 += 1;
                }
                n
            };
            let g = slot(&mut groups, &mut group_at, g_id);
            let s = slot(&mut subscriptions, &mut sub_at, s_id);
            place.push((g, s));
            ids.push(Arc::from(v.scope.id()));
        }
        Self {
            place,
            ids,
            groups,
            subscriptions,
            range: range.into(),
            all: vaults.len() as u32,
        }
    }

    /// The vaults of `entries` (vault position, identities) as covers.
    pub fn covers(&self, entries: &[(u32, u32)]) -> Vec<Cover> {
        let mut sorted: Vec<(u32, u32, u32, u32)> = entries
            .iter()
            .filter_map(|&(v, n)| self.place.get(v as usize).map(|&(g, s)| (s, g, v, n)))
            .collect();
        sorted.sort_unstable();
        let total = |list: &[(Arc<str>, u32)], i: u32| list.get(i as usize).map_or(0, |e| e.1);
        let name = |list: &[(Arc<str>, u32)], i: u32| {
            list.get(i as usize)
                .map_or_else(|| Arc::from(""), |e| e.0.clone())
        };
        if sorted.len() > 1 && sorted.len() as u32 == self.all {
            return vec![Cover {
                scope: self.range.clone(),
                vaults: sorted.len(),
            }];
        }
        let mut out = Vec::new();
        for sub in sorted.chunk_by(|a, b| a.0 == b.0) {
            let s = sub.first().map_or(0, |e| e.0);
            if sub.len() > 1 && sub.len() as u32 == total(&self.subscriptions, s) {
                out.push(Cover {
                    scope: name(&self.subscriptions, s),
                    vaults: sub.len(),
                });
                continue;
            }
            for group in sub.chunk_by(|a, b| a.1 == b.1) {
                let g = group.first().map_or(0, |e| e.1);
                if group.len() > 1 && group.len() as u32 == total(&self.groups, g) {
                    out.push(Cover {
                        scope: name(&self.groups, g),
                        vaults: group.len(),
                    });
                    continue;
                }
                for &(_, _, v, _) in group {
                    out.push(Cover {
                        scope: self
                            .ids
                            .get(v as usize)
                            .map_or_else(|| Arc::from(""), Arc::clone),
                        vaults: 1,
                    });
                }
            }
        }
        // Held by every group of an answer the explorer keeps on screen: no room to spare.
        out.shrink_to_fit();
        out
    }
}
