//! `paths --to` grouped by what decides it: by the grant at the last hop, then by the holder that grant
//! names, then the ways into each holder as a tree of shared hops — each node's hop stated once, each node
//! counting the starts (identities and external subjects) beneath it. Starts that take the same hop into a
//! node are one class, counted, and listed only on demand ([`PathsToGrouped::expand`]); the flat answer
//! ([`PathsToGrouped::flat`], [`PathsToGrouped::for_each_path`]) is the same set of paths, one start at a
//! time.

use serde::Serialize;

use super::{Hop, NodeRef, TenantAdmin};

mod expand;
mod export;

pub use export::{to_dot, to_mermaid, to_text};

/// What a class's count is of, in every view: the identities holding the grant as members of the node, or
/// the starts taking a hop into it.
pub const MEMBERS: &str = "member(s)";
pub const STARTS: &str = "start(s)";

/// `paths --to` grouped: every start that can reach the operation, by the grant at the last hop.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PathsToGrouped {
    pub scope: String,
    pub action: String,
    pub max_hops: usize,
    /// Starts (identities and external subjects) with a path: each is in exactly one group.
    pub starts: usize,
    pub groups: Vec<GrantWays>,
    pub tenant_admins: Vec<TenantAdmin>,
    /// Hop data the snapshot lacks: paths through it are unknown.
    pub unknown_because: Vec<String>,
}

/// Every way in that ends with one grant at the last hop.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantWays {
    /// The last hop's kind and evidence in words (the flat answer's group key).
    pub grant: String,
    /// Hops of its shortest path.
    pub shortest: usize,
    pub starts: usize,
    /// The principals the grant names (a group holder counts its members), each with the ways into it.
    pub holders: Vec<Way>,
}

/// A node on the way in: its own hop towards the target stated once, and what lies beneath it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Way {
    pub node: NodeRef,
    /// Its hop towards the target; `None` for a holder that reaches it only through its members (a group a
    /// self-grant's role assignment names, or one whose own answer is grouped under another grant).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hop: Option<Hop>,
    /// The node is a start itself (groups are stepping stones, not attackers).
    pub start: bool,
    /// Starts at or beneath it.
    pub starts: usize,
    /// Identities holding the grant as members of this holder, by the hop (to the target) each takes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Starts>,
    /// Starts whose way goes on through this node and nothing else, by the hop each takes into it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub leaves: Vec<Starts>,
    /// Nodes whose way goes on through this one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ways: Vec<Way>,
}

/// Starts that take the same hop: counted, listed with `--expand`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Starts {
    /// The hop each of them takes; `from` is empty: it is each start.
    pub hop: Hop,
    pub count: usize,
    /// The starts, with `--expand` (ordered by name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts: Option<Vec<NodeRef>>,
    /// Their ids, sorted.
    #[serde(skip)]
    pub(crate) ids: Vec<String>,
}

impl Starts {
    /// Starts taking `hop` (its `from` is ignored); `ids` are sorted here.
    pub fn new(hop: Hop, mut ids: Vec<String>) -> Self {
        ids.sort_unstable();
        Starts {
            hop: Hop {
                from: String::new(),
                ..hop
            },
            count: ids.len(),
            starts: None,
            ids,
        }
    }

    /// The start ids, sorted (what `--expand` and Enter list, a page at a time).
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// The hop the start `id` takes.
    pub fn hop_of(&self, id: &str) -> Hop {
        Hop {
            from: id.to_string(),
            ..self.hop.clone()
        }
    }
}

impl Way {
    /// `Eng (group) — 12 start(s)`, as the text output and the explorer head a node.
    pub fn words(&self) -> String {
        let marker = if self.start { ", a start itself" } else { "" };
        format!(
            "{} ({}) — {} start(s){marker}",
            crate::sanitize::clean(&self.node.display_name),
            self.node.kind,
            self.starts,
        )
    }
}
