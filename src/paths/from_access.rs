//! What decides the vault data of the nodes `paths --from` reaches, grouped (issue 13's answer model): each
//! node points at the grants through which it holds vault data — the role assignments and access-policy
//! entries naming it or a group it is in — and at its self-grants and vault-flag hops, grouped by lever
//! grant and technique. A group is stated once, however many nodes it decides for; its vaults are counted
//! and listed only when expanded. Where a vault's answer is not simply the grants' (a deny, a gap, a
//! condition, the vault's properties), the group's vaults split by the verdict that differs.

mod beside;
mod listing;

use rustc_hash::FxHashMap;
use serde::Serialize;

pub(crate) use beside::{BesideGroups, EligibilitiesOf, beside};
pub use beside::{EligibleGroup, ItemGroup, ItemOperations};
pub use listing::FlatRow;

use crate::eval::decide::Row;
use crate::eval::{Decision, Engine, GrantKind};
use crate::query::Cell;

/// Grants that together decide a node's vault data at the vaults they cover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessGroup {
    /// The role assignments and access-policy entries naming the node, or a group it is in, there.
    pub decided_by: Vec<DecidingGrant>,
    /// How many vaults it covers.
    pub vaults: usize,
    /// The vaults by the access held there: one verdict where the grants answer alike everywhere.
    pub verdicts: Vec<VerdictVaults>,
}

/// One grant in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecidingGrant {
    pub kind: GrantKind,
    /// Role assignment id, or `<vault>/accessPolicies/<objectId>[/<applicationId>]`.
    pub id: String,
    /// The principal the grant names: the node itself or a group it is in.
    pub holder: String,
    /// The role (role assignments); `None` when its definition is missing from the snapshot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    pub scope: String,
}

/// Vaults of one group where the access is the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerdictVaults {
    /// Each operation group not plainly denied, with its summary (`all`, `some`, `cond`, `?`).
    pub access: Vec<GroupSummary>,
    pub vaults: usize,
    /// The vaults' names, once expanded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
    /// The vaults' positions in the snapshot.
    #[serde(skip)]
    pub at: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct GroupSummary {
    pub group: &'static str,
    pub summary: &'static str,
}

/// A way to grant itself vault data (or reach it through a vault's flags), at the vaults it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeverGroup {
    pub kind: LeverKind,
    /// The technique (self-grants) or the hop's explanation (vault flags).
    pub technique: String,
    pub decision: Decision,
    /// The role assignment that enables a self-grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant: Option<DecidingGrant>,
    /// What a vault-flag hop rests on (its evidence).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    pub vaults: usize,
    /// The vaults' ids, once expanded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
    /// (vault position, order among the node's levers of this kind at that vault).
    #[serde(skip)]
    pub at: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum LeverKind {
    /// A vault's `enabledForDeployment` / `enabledForDiskEncryption` hop.
    VaultFlag,
    /// A one-hop self-grant (access-policy writer, role-assignment writer, model switcher…).
    SelfGrant,
}

/// One lever of one node at one vault, before grouping.
#[derive(Clone)]
pub(crate) struct Lever {
    pub kind: LeverKind,
    pub at: usize,
    pub technique: String,
    pub decision: Decision,
    pub grant: Option<DecidingGrant>,
    pub evidence: Vec<String>,
}

/// A node's vault data at one vault where it holds some: what decides it and the access held.
pub(crate) struct HeldAt {
    /// The vault's position in the snapshot.
    pub at: usize,
    /// Role assignments naming the node or its groups at or above the vault (positions).
    pub assignments: Vec<usize>,
    /// The vault's access-policy entries that apply to the node (positions in its list).
    pub entries: Vec<usize>,
    /// Each operation group not plainly denied, with its summary.
    pub verdict: Vec<GroupSummary>,
}

impl HeldAt {
    /// The node's holding at the vault at `at` from its row there and the row's cells; `None` when every
    /// cell is "denied".
    pub fn of(at: usize, row: &Row, cells: &[Cell]) -> Option<Self> {
        let verdict: Vec<GroupSummary> = cells
            .iter()
            .filter(|c| c.any())
            .map(|c| GroupSummary {
                group: c.group,
                summary: c.summary(),
            })
            .collect();
        (!verdict.is_empty()).then(|| HeldAt {
            at,
            assignments: row.assignments().iter().map(|&(a, _)| a).collect(),
            entries: row.entries().to_vec(),
            verdict,
        })
    }
}

/// A node's vault data, vaults whose rows are alike sharing one holding (a class of
/// [`crate::query::each_named_vault_alike`]).
#[derive(Default)]
pub(crate) struct Held {
    /// Each class's holding, as at its first vault; `None` where every cell is "denied".
    pub classes: Vec<Option<HeldAt>>,
    /// (vault position, class) of each vault where the node holds something, in snapshot order.
    pub at: Vec<(usize, usize)>,
}

/// The grants naming a node at a vault: role assignments, and (vault, entry) access-policy entries.
type Grants = (Vec<usize>, Vec<(usize, usize)>);
/// Vault positions by the access held there.
type Verdicts = Vec<(Vec<GroupSummary>, Vec<usize>)>;
/// Kind, technique, decision, lever grant id and evidence: what a lever group is of.
type LeverKey = (LeverKind, String, Decision, String, Vec<String>);

/// A node's self-grants, vaults of one class (see [`Held`]) sharing one list.
#[derive(Default)]
pub(crate) struct SelfGrants {
    /// Each class's self-grants, as at its first vault (`at` is that vault's).
    pub classes: Vec<Vec<Lever>>,
    /// (vault position, class) of each vault where the node has some, in snapshot order.
    pub at: Vec<(usize, usize)>,
}

/// Where a holding goes among a node's groups: the group of its grants (made if new) and its verdict's place
/// in it (made if new).
fn place(
    by_grants: &mut Vec<(Grants, Verdicts)>,
    position: &mut FxHashMap<Grants, usize>,
    a: &HeldAt,
) -> (usize, usize) {
    let grants = (
        a.assignments.clone(),
        a.entries.iter().map(|&e| (a.at, e)).collect::<Vec<_>>(),
    );
    let g = *position.entry(grants.clone()).or_insert_with(|| {
        by_grants.push((grants, Vec::new()));
        by_grants.len() - 1
    });
    let verdicts = &mut by_grants[g].1;
    let v = match verdicts.iter().position(|(v, _)| *v == a.verdict) {
        Some(v) => v,
        None => {
            verdicts.push((a.verdict.clone(), Vec::new()));
            verdicts.len() - 1
        }
    };
    (g, v)
}

/// The groups of every node, each stated once.
#[derive(Default)]
pub(crate) struct Groups {
    pub access: Vec<AccessGroup>,
    pub levers: Vec<LeverGroup>,
    /// The groups of each set of grants: one per way their vaults split by verdict.
    access_ids: FxHashMap<Grants, Vec<usize>>,
    /// The lever groups of each key: one per set of places.
    lever_ids: FxHashMap<LeverKey, Vec<usize>>,
}

impl Groups {
    /// One node's vault access, grouped by the grants that decide it: the indices of its groups. Groups
    /// and their verdicts come in the order of their first vault; each class is placed once.
    pub fn add_access(&mut self, engine: &Engine, held: &Held) -> Vec<usize> {
        let mut by_grants: Vec<(Grants, Verdicts)> = Vec::new();
        let mut position: FxHashMap<Grants, usize> = FxHashMap::default();
        // (group, verdict) of each class, once its first vault is placed.
        let mut placed: Vec<Option<(usize, usize)>> = vec![None; held.classes.len()];
        for &(at, class) in &held.at {
            let (Some(Some(a)), Some(slot)) = (held.classes.get(class), placed.get_mut(class))
            else {
                continue;
            };
            let (g, v) = *slot.get_or_insert_with(|| place(&mut by_grants, &mut position, a));
            by_grants[g].1[v].1.push(at);
        }
        // Grants and verdicts are compared, not hashed: the vault lists are long and mostly new.
        by_grants
            .into_iter()
            .map(|(grants, verdicts)| {
                let known = self.access_ids.get(&grants).into_iter().flatten();
                let same = |&&id: &&usize| {
                    self.access
                        .get(id)
                        .is_some_and(|g| same_verdicts(&g.verdicts, &verdicts))
                };
                if let Some(&id) = known.into_iter().find(same) {
                    return id;
                }
                let group = access_group(engine, &grants, verdicts);
                self.access.push(group);
                let id = self.access.len() - 1;
                self.access_ids.entry(grants).or_default().push(id);
                id
            })
            .collect()
    }

    /// One node's levers, grouped by kind, technique, decision and lever grant, in the order found: its
    /// vault-flag hops, then its self-grants vault by vault. A class's self-grants fall in the groups
    /// their first vault's fell in, so each is compared once per node, not once per vault.
    pub fn add_levers(&mut self, flags: Vec<Lever>, grants: &SelfGrants) -> Vec<usize> {
        let mut found = Found::default();
        for l in &flags {
            found.add(l, l.at, None);
        }
        for &(at, class) in &grants.at {
            for (j, l) in grants.classes.get(class).into_iter().flatten().enumerate() {
                found.add(l, at, Some((class, j)));
            }
        }
        found
            .groups
            .into_iter()
            .map(|(l, places)| {
                let key: LeverKey = (
                    l.kind,
                    l.technique.clone(),
                    l.decision,
                    grant_id(l).to_string(),
                    l.evidence.clone(),
                );
                let known = self.lever_ids.get(&key).into_iter().flatten();
                let same = |&&id: &&usize| self.levers.get(id).is_some_and(|g| g.at == places);
                if let Some(&id) = known.into_iter().find(same) {
                    return id;
                }
                self.levers.push(LeverGroup {
                    kind: l.kind,
                    technique: l.technique.clone(),
                    decision: l.decision,
                    grant: l.grant.clone(),
                    evidence: l.evidence.clone(),
                    vaults: places.len(),
                    names: None,
                    at: places,
                });
                let id = self.levers.len() - 1;
                self.lever_ids.entry(key).or_default().push(id);
                id
            })
            .collect()
    }
}

/// One node's lever groups as found: each group's first lever and its (vault, order) places.
#[derive(Default)]
struct Found<'l> {
    groups: Vec<(&'l Lever, Vec<(usize, usize)>)>,
    /// Levers of each kind so far at each vault.
    seen: FxHashMap<(LeverKind, usize), usize>,
    /// The group of each (class, self-grant) already placed.
    group_of: FxHashMap<(usize, usize), usize>,
}

impl<'l> Found<'l> {
    /// Places the lever `l` at the vault at `at`; `shared` names it among its class's self-grants.
    fn add(&mut self, l: &'l Lever, at: usize, shared: Option<(usize, usize)>) {
        let n = self.seen.entry((l.kind, at)).or_default();
        let place = (at, *n);
        *n += 1;
        let known = shared.and_then(|c| self.group_of.get(&c).copied());
        let g = match known.or_else(|| self.groups.iter().position(|(m, _)| same_lever(l, m))) {
            Some(g) => g,
            None => {
                self.groups.push((l, Vec::new()));
                self.groups.len() - 1
            }
        };
        if let Some(c) = shared {
            self.group_of.insert(c, g);
        }
        if let Some((_, places)) = self.groups.get_mut(g) {
            places.push(place);
        }
    }
}

/// The lever grant's id; empty for a lever without one.
fn grant_id(l: &Lever) -> &str {
    l.grant.as_ref().map_or("", |g| g.id.as_str())
}

/// Whether two levers fall in one group: the same kind, technique, decision, lever grant and evidence.
fn same_lever(a: &Lever, b: &Lever) -> bool {
    (a.kind, &a.technique, a.decision, grant_id(a), &a.evidence)
        == (b.kind, &b.technique, b.decision, grant_id(b), &b.evidence)
}

/// Whether a group's verdicts are these: the same access at the same vaults, in the same order.
fn same_verdicts(group: &[VerdictVaults], verdicts: &Verdicts) -> bool {
    group.len() == verdicts.len()
        && group
            .iter()
            .zip(verdicts)
            .all(|(g, (access, at))| g.access == *access && g.at == *at)
}

fn access_group(engine: &Engine, grants: &Grants, verdicts: Verdicts) -> AccessGroup {
    let s = &engine.snapshot;
    let (assignments, entries) = grants;
    let mut decided_by: Vec<DecidingGrant> = assignments
        .iter()
        .filter_map(|&i| s.role_assignments.get(i))
        .map(|a| DecidingGrant {
            kind: GrantKind::RoleAssignment,
            id: a.id.clone(),
            holder: a.principal_id.clone(),
            role_name: engine
                .index
                .role_definition
                .get(&a.role_definition_guid)
                .and_then(|&d| s.role_definitions.get(d))
                .map(|d| d.role_name.clone()),
            scope: a.scope.id().to_string(),
        })
        .collect();
    decided_by.extend(entries.iter().filter_map(|&(v, e)| {
        let vault = s.vaults.get(v)?;
        let entry = vault.access_policies.get(e)?;
        // `<vault>/accessPolicies/<objectId>[/<applicationId>]`, put together without formatting: an
        // answer states thousands of entries.
        let (scope, app) = (vault.scope.id(), entry.application_id.as_deref());
        let mut id = String::with_capacity(
            scope.len() + 17 + entry.object_id.len() + app.map_or(0, str::len),
        );
        id.push_str(scope);
        id.push_str("/accessPolicies/");
        id.push_str(&entry.object_id);
        if let Some(app) = app {
            id.push('/');
            id.push_str(app);
        }
        Some(DecidingGrant {
            kind: GrantKind::AccessPolicy,
            id,
            holder: entry.object_id.clone(),
            role_name: None,
            scope: vault.scope.id().to_string(),
        })
    }));
    AccessGroup {
        decided_by,
        vaults: verdicts.iter().map(|(_, at)| at.len()).sum(),
        verdicts: verdicts
            .into_iter()
            .map(|(access, at)| VerdictVaults {
                access,
                vaults: at.len(),
                names: None,
                at,
            })
            .collect(),
    }
}

impl GroupSummary {
    /// `secrets (all)`, as the matrix writes a cell.
    pub fn words(&self) -> String {
        format!("{} ({})", self.group, self.summary)
    }
}

impl VerdictVaults {
    /// `secrets (all), keys (some)`.
    pub fn words(&self) -> String {
        let parts: Vec<String> = self.access.iter().map(GroupSummary::words).collect();
        parts.join(", ")
    }
}

impl DecidingGrant {
    /// `'Key Vault Secrets User' at rg-app-prod to All-Engineers`, the holder named (the ids are in JSON).
    pub fn words(&self, name: &dyn Fn(&str) -> String) -> String {
        let scope = crate::display::short_scope(&self.scope);
        match self.kind {
            GrantKind::RoleAssignment => format!(
                "'{}' at {scope} to {}",
                self.role_name.as_deref().unwrap_or("(definition missing)"),
                name(&self.holder)
            ),
            GrantKind::AccessPolicy => {
                format!("access-policy entry for {} at {scope}", name(&self.holder))
            }
        }
    }
}

#[cfg(test)]
mod tests;
