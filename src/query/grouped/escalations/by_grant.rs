//! The grouped escalations as JSON writes them: one entry per grant (holder, role, scope), under its scope,
//! with every technique it opens. A large tenant has tens of thousands of grants that open a path; written one
//! object per (grant, technique) with every vault listed, its answer took 133 MB. Here each scope is written
//! once, each technique is a vault count (an object only where something differs from the usual), and the
//! vault and identity lists are left to `--expand`.

use rustc_hash::FxHashMap;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::{EscalationGroup, EscalationGroups};
use crate::eval::{Decision, Engine, UnknownBecause};
use crate::model::{PrincipalKind, Scope};
use crate::query::escalation::{Technique, gainable};
use crate::query::grouped::Holder;

/// The grouped answer by grant.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantGroups {
    /// The scope asked about (`/`: the whole tenant).
    pub scope: String,
    pub vaults_examined: usize,
    /// Findings of the flat answer, in total.
    pub findings: usize,
    /// Grants that open a path (entries under `scopes`).
    pub grants: usize,
    /// The conditions of conditional grants, each once: techniques name them by position.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    /// The techniques below that Microsoft's articles disagree on (`--hide-disputed` leaves them out).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disputed: Vec<crate::query::escalation::Technique>,
    /// Where the grants are made, most findings first.
    pub scopes: Vec<AtScope>,
}

/// The grants made at one scope.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AtScope {
    /// The scope of the role assignments (the scope asked about for findings without a known grant).
    pub scope: String,
    /// Vaults at or below it among those examined: a technique on as many vaults covers all of them.
    pub vaults: usize,
    pub findings: usize,
    pub grants: Vec<GrantEntry>,
}

/// One grant and the techniques it opens.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The principal the role assignment names (`None`: no grant known, for unknown findings).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "holder_compact"
    )]
    pub holder: Option<Holder>,
    pub findings: usize,
    #[serde(serialize_with = "techniques_by_name")]
    pub techniques: Vec<TechniqueEntry>,
    /// The role assignment's id (in `--expand` and the flat answer).
    #[serde(skip)]
    pub grant: String,
}

/// What one grant opens by one technique.
#[derive(Debug, Clone)]
pub struct TechniqueEntry {
    pub technique: Technique,
    /// The fewest and most identities at one vault, when not every identity of the holder.
    pub identities_per_vault: Option<(u32, u32)>,
    /// What they stand to gain, when less than everything the technique can give.
    pub gains: Option<Vec<&'static str>>,
    pub gains_vary: bool,
    /// The decision, when not "allowed".
    pub decision: Option<Decision>,
    /// Position in [`GrantGroups::conditions`].
    pub condition: Option<usize>,
    pub unknown_because: Vec<UnknownBecause>,
    /// The group of the answer it stands for (its position in [`EscalationGroups::groups`]).
    pub group: usize,
    pub vaults: usize,
}

impl TechniqueEntry {
    fn is_plain(&self) -> bool {
        self.identities_per_vault.is_none()
            && self.gains.is_none()
            && !self.gains_vary
            && self.decision.is_none()
            && self.condition.is_none()
            && self.unknown_because.is_empty()
    }
}

/// `{"id", "displayName", "type"}`, with `identities` for a group.
fn holder_compact<S: Serializer>(h: &Option<Holder>, s: S) -> Result<S::Ok, S::Error> {
    let Some(h) = h else {
        return s.serialize_none();
    };
    let group = h.kind == PrincipalKind::Group;
    let mut map = s.serialize_map(Some(if group { 4 } else { 3 }))?;
    map.serialize_entry("id", &h.id)?;
    map.serialize_entry("displayName", &h.display_name)?;
    map.serialize_entry("type", &h.kind)?;
    if group {
        map.serialize_entry("identities", &h.identities)?;
    }
    map.end()
}

/// Technique name to its vault count, or to an object when more is to be said.
fn techniques_by_name<S: Serializer>(list: &[TechniqueEntry], s: S) -> Result<S::Ok, S::Error> {
    struct Gains<'a>(&'a [&'static str]);
    impl Serialize for Gains<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            crate::query::grouped::by_kind(self.0, s)
        }
    }
    struct Detail<'a>(&'a TechniqueEntry);
    impl Serialize for Detail<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let t = self.0;
            let mut map = s.serialize_map(None)?;
            map.serialize_entry("vaults", &t.vaults)?;
            if let Some(n) = &t.identities_per_vault {
                map.serialize_entry("identitiesPerVault", n)?;
            }
            if let Some(d) = &t.decision {
                map.serialize_entry("decision", d)?;
            }
            if let Some(c) = &t.condition {
                map.serialize_entry("condition", c)?;
            }
            if let Some(g) = &t.gains {
                map.serialize_entry("gains", &Gains(g))?;
            }
            if t.gains_vary {
                map.serialize_entry("gainsVary", &true)?;
            }
            if !t.unknown_because.is_empty() {
                map.serialize_entry("unknownBecause", &t.unknown_because)?;
            }
            map.end()
        }
    }
    let mut map = s.serialize_map(Some(list.len()))?;
    for t in list {
        if t.is_plain() {
            map.serialize_entry(&t.technique, &t.vaults)?;
        } else {
            map.serialize_entry(&t.technique, &Detail(t))?;
        }
    }
    map.end()
}

/// Whether `gains` is everything `technique` can gain (what a group gaining it all need not list).
fn gains_all(technique: Technique, gains: &[&'static str]) -> bool {
    match technique {
        Technique::TemplateDeployment => gains == ["secrets/get"],
        _ => gains
            .iter()
            .copied()
            .eq(gainable().iter().map(|(name, _)| *name)),
    }
}

/// From this many groups on, [`GrantGroups::of`] shares its work between threads (below, starting them
/// would cost about what they save).
const PARALLEL_FROM_GROUPS: usize = 256;

impl GrantGroups {
    /// `answer` by grant.
    pub fn of(engine: &Engine, answer: &EscalationGroups) -> Self {
        Self::of_in(engine, answer, answer.groups.len() >= PARALLEL_FROM_GROUPS)
    }

    /// [`GrantGroups::of`], its parts on three threads when `parallel`. The walk is over and both cores
    /// are free: the grants are gathered in two shares of the scopes, each scope whole in one share (so that
    /// its grants and techniques come in the groups' order, as on one thread), beside the conditions and
    /// the vault counts under each scope.
    pub(super) fn of_in(engine: &Engine, answer: &EscalationGroups, parallel: bool) -> Self {
        let numbered = || (vaults_under(engine, answer), conditions(answer));
        let ((under, (conditions, condition_of)), (mut scopes, keys)) = if parallel {
            crate::parallel::both(numbered, || {
                let (mut first, second) = crate::parallel::both(
                    || by_scope(answer, Some(1)),
                    || by_scope(answer, Some(0)),
                );
                first.0.extend(second.0);
                first.1.extend(second.1);
                first
            })
        } else {
            (numbered(), by_scope(answer, None))
        };
        for (s, key) in scopes.iter_mut().zip(keys) {
            s.vaults = key
                .and_then(|k| under.get(&k).copied())
                .unwrap_or(answer.vaults_examined);
            for t in s.grants.iter_mut().flat_map(|g| &mut g.techniques) {
                t.condition = condition_of.get(t.group).copied().flatten();
            }
            s.grants.sort_by(|a, b| {
                b.findings
                    .cmp(&a.findings)
                    .then_with(|| a.grant.cmp(&b.grant))
            });
        }
        // Scopes are distinct: the order does not depend on which share found each.
        scopes.sort_by(|a, b| {
            b.findings
                .cmp(&a.findings)
                .then_with(|| a.scope.cmp(&b.scope))
        });
        Self {
            scope: answer.scope.clone(),
            vaults_examined: answer.vaults_examined,
            findings: answer.findings,
            grants: scopes.iter().map(|s| s.grants.len()).sum(),
            conditions,
            disputed: answer.groups.iter().filter(|g| g.disputed).fold(
                Vec::new(),
                |mut list, g| {
                    if !list.contains(&g.technique) {
                        list.push(g.technique);
                    }
                    list
                },
            ),
            scopes,
        }
    }
}

/// The conditions the groups name, each once in the order they first come, and each group's position in
/// that list.
fn conditions(answer: &EscalationGroups) -> (Vec<String>, Vec<Option<usize>>) {
    let mut conditions: Vec<String> = Vec::new();
    let of = answer
        .groups
        .iter()
        .map(|g| {
            g.condition.as_ref().map(|c| {
                conditions.iter().position(|x| x == c).unwrap_or_else(|| {
                    conditions.push(c.clone());
                    conditions.len() - 1
                })
            })
        })
        .collect();
    (conditions, of)
}

/// The scope a group's grant is made at (the scope asked about when none is known).
fn scope_of<'a>(answer: &'a EscalationGroups, g: &'a EscalationGroup) -> &'a str {
    g.grant_scope.as_deref().unwrap_or(answer.scope.as_str())
}

/// The groups of `answer` by scope and grant, with each scope's key (`None` for a scope that does not
/// parse: it counts every vault examined), vault counts and conditions left for the caller. With `share`,
/// only the scopes of that share (of two, by a hash of the scope: a scope is in one share whole).
fn by_scope(answer: &EscalationGroups, share: Option<u64>) -> (Vec<AtScope>, Vec<Option<String>>) {
    use std::hash::BuildHasher;
    let hasher = rustc_hash::FxBuildHasher;
    // Keyed by the answer's own strings: tens of thousands of groups.
    let mut at: FxHashMap<(&str, &str, Option<&str>), usize> =
        FxHashMap::with_capacity_and_hasher(answer.groups.len(), Default::default());
    let mut scopes: Vec<AtScope> = Vec::new();
    let mut where_scope: FxHashMap<&str, usize> = FxHashMap::default();
    let mut keys: Vec<Option<String>> = Vec::new();
    for (i, g) in answer.groups.iter().enumerate() {
        let scope = scope_of(answer, g);
        if share.is_some_and(|n| hasher.hash_one(scope) % 2 != n) {
            continue;
        }
        let s = *where_scope.entry(scope).or_insert_with(|| {
            keys.push(Scope::parse(scope).ok().map(|s| s.key().to_string()));
            scopes.push(AtScope {
                vaults: 0,
                scope: scope.to_string(),
                findings: 0,
                grants: Vec::new(),
            });
            scopes.len() - 1
        });
        let Some(here) = scopes.get_mut(s) else {
            continue;
        };
        let holder_id = g.holder.as_ref().map(|h| h.id.as_str());
        let e = *at
            .entry((scope, g.grant.as_str(), holder_id))
            .or_insert_with(|| {
                here.grants.push(GrantEntry {
                    role: g.role_name.clone(),
                    holder: g.holder.clone(),
                    findings: 0,
                    techniques: Vec::new(),
                    grant: g.grant.clone(),
                });
                here.grants.len() - 1
            });
        here.findings += g.findings;
        if let Some(entry) = here.grants.get_mut(e) {
            entry.findings += g.findings;
            entry.techniques.push(technique_entry(i, g));
        }
    }
    (scopes, keys)
}

/// The group's entry under its grant, its condition left for the caller.
fn technique_entry(i: usize, g: &EscalationGroup) -> TechniqueEntry {
    let every = g.holder.as_ref().map(|h| h.identities as u32);
    let (min, max) = g.identities_per_vault;
    TechniqueEntry {
        technique: g.technique,
        identities_per_vault: (every != Some(min) || every != Some(max))
            .then_some(g.identities_per_vault),
        gains: (!gains_all(g.technique, &g.gains)).then(|| g.gains.to_vec()),
        gains_vary: g.gains_vary,
        decision: (g.decision != Decision::Allowed).then_some(g.decision),
        condition: None,
        unknown_because: g.unknown_because.clone(),
        group: i,
        vaults: g.vaults,
    }
}

/// How many of the vaults examined lie at or below each scope above one of them, by scope key.
fn vaults_under(engine: &Engine, answer: &EscalationGroups) -> FxHashMap<String, usize> {
    let scope = (answer.scope != "/")
        .then(|| Scope::parse(&answer.scope).ok())
        .flatten();
    let mut under: FxHashMap<String, usize> = FxHashMap::default();
    for v in super::walk::vaults_in(engine, scope.as_ref()) {
        for s in &engine.index.ancestry(&v.scope).scopes {
            *under.entry(s.key().to_string()).or_default() += 1;
        }
    }
    under
}
