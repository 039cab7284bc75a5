//! A grouped `paths --from` answer listed: a node's vault lines, every group's vaults named (`--expand`),
//! and the flat rows (`-o jsonl`), walked from the groups without gathering them.

use serde::Serialize;

use super::{AccessGroup, LeverGroup, LeverKind, VerdictVaults};
use crate::eval::{Decision, Engine};

/// One row of the flat (`-o jsonl`) form of `paths --from`: a node's operation group at one vault, or one
/// of its self-grants or vault-flag hops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", untagged)]
pub enum FlatRow<'p> {
    #[serde(rename_all = "camelCase")]
    Access {
        node: &'p str,
        vault: &'p str,
        group: &'static str,
        summary: &'static str,
        /// The ids of the grants that decide it.
        decided_by: Vec<&'p str>,
    },
    #[serde(rename_all = "camelCase")]
    Lever {
        node: &'p str,
        vault: &'p str,
        kind: LeverKind,
        technique: &'p str,
        decision: Decision,
        /// The lever grant's id (self-grants).
        #[serde(skip_serializing_if = "Option::is_none")]
        grant: Option<&'p str>,
    },
    /// One item the node holds operations on through a grant made at the item.
    #[serde(rename_all = "camelCase")]
    Item {
        node: &'p str,
        vault: &'p str,
        item: &'p str,
        operations: &'p [(&'static str, Decision)],
        decided_by: Vec<&'p str>,
    },
    /// A vault a PIM eligibility of the node bears on: eligible, not allowed.
    #[serde(rename_all = "camelCase")]
    Eligible {
        node: &'p str,
        vault: &'p str,
        eligible: &'p str,
        /// The eligibility's id.
        eligibility: &'p str,
    },
}

impl crate::paths::PathsFrom {
    /// The vault lines of a reached node as one flat list: `vault: group (summary), …` in snapshot order,
    /// then its vault-flag hops and self-grants (`vault id: technique`), vault by vault.
    pub fn vault_lines(&self, engine: &Engine, r: &crate::paths::Reached) -> Vec<String> {
        let vaults = &engine.snapshot.vaults;
        let mut access: Vec<(usize, String)> = r
            .access
            .iter()
            .filter_map(|&g| self.access.get(g))
            .flat_map(|g| &g.verdicts)
            .flat_map(|v| v.at.iter().map(move |&at| (at, v)))
            .filter_map(|(at, v)| Some((at, format!("{}: {}", vaults.get(at)?.name, v.words()))))
            .collect();
        access.sort_by_key(|(at, _)| *at);
        let mut out: Vec<String> = access.into_iter().map(|(_, line)| line).collect();
        for kind in [LeverKind::VaultFlag, LeverKind::SelfGrant] {
            let mut levers: Vec<((usize, usize), String)> = r
                .levers
                .iter()
                .filter_map(|&g| self.levers.get(g))
                .filter(|g| g.kind == kind)
                .flat_map(|g| g.at.iter().map(move |&at| (at, g)))
                .filter_map(|(at, g)| {
                    Some((
                        at,
                        format!("{}: {}", vaults.get(at.0)?.scope.id(), g.technique),
                    ))
                })
                .collect();
            levers.sort_by_key(|(at, _)| *at);
            out.extend(levers.into_iter().map(|(_, line)| line));
        }
        out
    }

    /// Every group's vaults listed (`--expand`): names for access groups, ids for levers.
    pub fn expand(&mut self, engine: &Engine) {
        let vaults = &engine.snapshot.vaults;
        for v in self.access.iter_mut().flat_map(|g| &mut g.verdicts) {
            v.names = Some(
                v.at.iter()
                    .filter_map(|&at| vaults.get(at).map(|x| x.name.clone()))
                    .collect(),
            );
        }
        for g in &mut self.levers {
            g.names = Some(
                g.at.iter()
                    .filter_map(|&(at, _)| vaults.get(at).map(|x| x.scope.id().to_string()))
                    .collect(),
            );
        }
        for g in &mut self.items {
            g.names = Some(g.held.clone());
        }
        for g in &mut self.eligible {
            g.names = Some(
                g.at.iter()
                    .filter_map(|&at| vaults.get(at).map(|x| x.name.clone()))
                    .collect(),
            );
        }
    }

    /// The flat rows of every reached node, one at a time (nothing is gathered): operation groups at vaults
    /// in snapshot order, then vault-flag hops and self-grants, then items held through grants at them and
    /// the vaults of PIM eligibilities.
    pub fn flat_rows<'p, E>(
        &'p self,
        engine: &'p Engine,
        mut row: impl FnMut(FlatRow<'p>) -> Result<(), E>,
    ) -> Result<(), E> {
        let vaults = &engine.snapshot.vaults;
        for r in &self.reached {
            let node = r.node.id.as_str();
            let mut access: Vec<(usize, &AccessGroup, &VerdictVaults)> = r
                .access
                .iter()
                .filter_map(|&g| self.access.get(g))
                .flat_map(|g| g.verdicts.iter().map(move |v| (g, v)))
                .flat_map(|(g, v)| v.at.iter().map(move |&at| (at, g, v)))
                .collect();
            access.sort_by_key(|(at, _, _)| *at);
            for (at, g, v) in access {
                let Some(vault) = vaults.get(at) else {
                    continue;
                };
                for s in &v.access {
                    row(FlatRow::Access {
                        node,
                        vault: &vault.name,
                        group: s.group,
                        summary: s.summary,
                        decided_by: g.decided_by.iter().map(|d| d.id.as_str()).collect(),
                    })?;
                }
            }
            let mut levers: Vec<(LeverKind, (usize, usize), &LeverGroup)> = r
                .levers
                .iter()
                .filter_map(|&g| self.levers.get(g))
                .flat_map(|g| g.at.iter().map(move |&at| (g.kind, at, g)))
                .collect();
            levers.sort_by_key(|(kind, at, _)| (*kind, *at));
            for (kind, (at, _), g) in levers {
                let Some(vault) = vaults.get(at) else {
                    continue;
                };
                row(FlatRow::Lever {
                    node,
                    vault: vault.scope.id(),
                    kind,
                    technique: &g.technique,
                    decision: g.decision,
                    grant: g.grant.as_ref().map(|d| d.id.as_str()),
                })?;
            }
            for g in r.items.iter().filter_map(|&g| self.items.get(g)) {
                for i in &g.held {
                    row(FlatRow::Item {
                        node,
                        vault: &g.vault,
                        item: &i.item,
                        operations: &i.operations,
                        decided_by: g.decided_by.iter().map(|d| d.id.as_str()).collect(),
                    })?;
                }
            }
            for g in r.eligible.iter().filter_map(|&g| self.eligible.get(g)) {
                for vault in g.at.iter().filter_map(|&at| vaults.get(at)) {
                    row(FlatRow::Eligible {
                        node,
                        vault: &vault.name,
                        eligible: g.eligibility.role_name.as_deref().unwrap_or_default(),
                        eligibility: &g.eligibility.id,
                    })?;
                }
            }
        }
        Ok(())
    }
}
