//! Attack paths: who can *become* someone who can use a vault's data — by running code as a managed
//! identity, joining a group, adding a credential to an application, or presenting a federated token —
//! with kvaccess's exact decision at the last hop.
//!
//! The hop graph ([`HopGraph`]) is built once from the snapshot's optional hop sections; the searches are
//! breadth-first, so the paths found are shortest first. A hop section absent from the snapshot is listed
//! in `gaps`: paths through it cannot be seen, so the answer says so instead of implying there are none.

mod compute;
mod entra;
mod export;
mod from_access;
mod graph;
mod grouped;
mod search;

use serde::Serialize;

pub use compute::USER_ASSIGNED_KIND;
pub use export::{hop_line, node_name, to_json};
pub use from_access::{
    AccessGroup, DecidingGrant, EligibleGroup, FlatRow, GroupSummary, ItemGroup, ItemOperations,
    LeverGroup, LeverKind, VerdictVaults,
};
pub use graph::{HopGraph, external_id};
pub use grouped::{
    GrantWays, MEMBERS, PathsToGrouped, STARTS, Starts, Way, to_dot, to_mermaid, to_text,
};
pub use search::{
    node_ref, paths_from, paths_from_with, paths_to, paths_to_grouped, paths_to_grouped_with,
};

use crate::eval::Decision;
use crate::model::PrincipalKind;

/// The longest path `kvaccess paths` considers unless told otherwise, in hops.
pub const DEFAULT_MAX_HOPS: usize = 4;

/// What a hop lets its `from` node do to its `to` node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum HopKind {
    /// Runs code on a resource and so acts as its managed identity.
    RunsAs,
    /// Adds itself to a group.
    JoinsGroup,
    /// A group nested in another: its members are members of the outer group.
    MemberOf,
    /// Adds a secret or certificate to an application or service principal and signs in as it.
    AddsCredential,
    /// An external subject that a federated identity credential trusts.
    FederatedCredential,
    /// The last hop: holds the operation on the target (kvaccess's evaluator answer).
    Holds,
    /// The last hop: can grant itself the operation (a one-hop self-escalation).
    GrantsItself,
}

impl HopKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RunsAs => "runs as",
            Self::JoinsGroup => "joins",
            Self::MemberOf => "member of",
            Self::AddsCredential => "adds credential to",
            Self::FederatedCredential => "federated credential of",
            Self::Holds => "holds",
            Self::GrantsItself => "can grant itself",
        }
    }
}

/// One edge: `from` can act as, join or reach `to`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hop {
    pub kind: HopKind,
    pub from: String,
    /// A principal id, or for the last hop the target scope.
    pub to: String,
    /// `allowed`, `conditional` (a condition or an unrecorded fact decides) or `unknown` (missing data).
    pub decision: Decision,
    /// Needs a PIM activation first.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub eligible: bool,
    /// What enables it: role assignment, owner record, directory role assignment, app role assignment…
    pub evidence: Vec<String>,
    pub explanation: String,
}

/// A tier-0 holder, reported once for the whole tenant instead of as a path to every vault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantAdmin {
    pub principal_id: String,
    pub role: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub eligible: bool,
    pub evidence: String,
    pub explanation: String,
}

/// A node of a path in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeRef {
    pub id: String,
    pub display_name: String,
    /// A principal kind, or `external` for a federated subject.
    #[serde(rename = "type")]
    pub kind: String,
}

/// One way in: the start node and its hops, the last of which is the grant.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Path {
    pub start: NodeRef,
    /// The weakest decision of its hops.
    pub decision: Decision,
    pub needs_activation: bool,
    pub hops: Vec<Hop>,
}

/// Paths that end with the same grant at the last hop.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PathGroup {
    /// The last hop's holder, kind and evidence in words.
    pub grant: String,
    pub paths: Vec<Path>,
}

/// `paths --to`: every start that can reach the operation, grouped by the grant at the last hop.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PathsTo {
    pub scope: String,
    pub action: String,
    pub max_hops: usize,
    pub groups: Vec<PathGroup>,
    pub tenant_admins: Vec<TenantAdmin>,
    /// Hop data the snapshot lacks: paths through it are unknown.
    pub unknown_because: Vec<String>,
}

/// `paths --from`: what a compromised principal can become, and the vault data each of those holds,
/// grouped by what decides it (each group stated once, the nodes pointing at it).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PathsFrom {
    pub start: NodeRef,
    pub max_hops: usize,
    pub reached: Vec<Reached>,
    /// The grants deciding the reached nodes' vault data.
    pub access: Vec<AccessGroup>,
    /// The reached nodes' vault-flag hops and self-grants, by technique and lever grant.
    pub levers: Vec<LeverGroup>,
    /// The items they hold operations on through grants made at the items, by vault and grant.
    pub items: Vec<ItemGroup>,
    /// The PIM eligibilities naming them (eligible, not allowed), with the vaults each bears on.
    pub eligible: Vec<EligibleGroup>,
    pub tenant_admins: Vec<TenantAdmin>,
    pub unknown_because: Vec<String>,
}

/// One node a start can become, with the shortest way there and what it holds on vaults.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reached {
    pub node: NodeRef,
    pub decision: Decision,
    pub hops: Vec<Hop>,
    /// How many vaults it can use some operation on, vault-wide (allowed, conditional or unknown).
    pub vaults: usize,
    /// What decides its vault data: positions in [`PathsFrom::access`].
    pub access: Vec<usize>,
    /// Its vault-flag hops and self-grants: positions in [`PathsFrom::levers`].
    pub levers: Vec<usize>,
    /// Its items held through grants at them: positions in [`PathsFrom::items`].
    pub items: Vec<usize>,
    /// Its PIM eligibilities: positions in [`PathsFrom::eligible`].
    pub eligible: Vec<usize>,
}

pub(crate) fn kind_word(kind: Option<PrincipalKind>) -> String {
    kind.map_or("unknown", PrincipalKind::as_str).to_string()
}
