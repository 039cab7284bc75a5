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

pub(crate) use beside::{BesideGroups, beside};
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
type AccessKey = (Vec<usize>, Vec<(usize, usize)>, Verdicts);
/// Kind, technique, decision, lever grant id, evidence, and the (vault, order) places.
type LeverKey = (
    LeverKind,
    String,
    Decision,
    String,
    Vec<String>,
    Vec<(usize, usize)>,
);

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
    access_ids: FxHashMap<AccessKey, usize>,
    lever_ids: FxHashMap<LeverKey, usize>,
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
        by_grants
            .into_iter()
            .map(|((assignments, entries), verdicts)| {
                let key = (assignments, entries, verdicts);
                if let Some(&id) = self.access_ids.get(&key) {
                    return id;
                }
                let group = access_group(engine, &key);
                self.access.push(group);
                self.access_ids.insert(key, self.access.len() - 1);
                self.access.len() - 1
            })
            .collect()
    }

    /// One node's levers (in the order found), grouped by kind, technique, decision and lever grant.
    pub fn add_levers(&mut self, levers: Vec<Lever>) -> Vec<usize> {
        let mut found: Vec<(LeverKey, Option<DecidingGrant>)> = Vec::new();
        let mut seen: FxHashMap<(LeverKind, usize), usize> = FxHashMap::default();
        for l in levers {
            let n = seen.entry((l.kind, l.at)).or_default();
            let place = (l.at, *n);
            *n += 1;
            let grant_id = l.grant.as_ref().map(|g| g.id.clone()).unwrap_or_default();
            let same = |k: &LeverKey| {
                (k.0, &k.1, k.2, &k.3, &k.4)
                    == (l.kind, &l.technique, l.decision, &grant_id, &l.evidence)
            };
            match found.iter_mut().find(|(k, _)| same(k)) {
                Some((k, _)) => k.5.push(place),
                None => found.push((
                    (
                        l.kind,
                        l.technique,
                        l.decision,
                        grant_id,
                        l.evidence,
                        vec![place],
                    ),
                    l.grant,
                )),
            }
        }
        found
            .into_iter()
            .map(|(key, grant)| {
                if let Some(&id) = self.lever_ids.get(&key) {
                    return id;
                }
                self.levers.push(LeverGroup {
                    kind: key.0,
                    technique: key.1.clone(),
                    decision: key.2,
                    grant,
                    evidence: key.4.clone(),
                    vaults: key.5.len(),
                    names: None,
                    at: key.5.clone(),
                });
                self.lever_ids.insert(key, self.levers.len() - 1);
                self.levers.len() - 1
            })
            .collect()
    }
}

fn access_group(engine: &Engine, key: &AccessKey) -> AccessGroup {
    let s = &engine.snapshot;
    let (assignments, entries, verdicts) = key;
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
        let mut id = format!("{}/accessPolicies/{}", vault.scope.id(), entry.object_id);
        if let Some(app) = &entry.application_id {
            id = format!("{id}/{app}");
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
            .iter()
            .map(|(access, at)| VerdictVaults {
                access: access.clone(),
                vaults: at.len(),
                names: None,
                at: at.clone(),
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
