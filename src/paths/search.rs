//! Breadth-first searches over the hop graph: backwards from a target's holders (`paths --to`, in `to`)
//! and forwards from one principal (`paths --from`, in `from`). Breadth-first, so every path found is a
//! shortest one.

use super::graph::kind_of;
use super::{Hop, NodeRef, kind_word};
use crate::eval::{Decision, Engine};

mod from;
mod last_hops;
mod to;

pub use from::{paths_from, paths_from_with};
pub use to::{paths_to, paths_to_grouped, paths_to_grouped_with};

/// The caller stopped the search.
pub(super) struct Stopped;

/// Reports (done, total) and may stop the search with `E`.
pub(super) type Progress<'p, E> = dyn FnMut(usize, usize) -> Result<(), E> + 'p;

pub(crate) fn weakest(hops: &[Hop]) -> Decision {
    hops.iter()
        .map(|h| h.decision)
        .fold(Decision::Allowed, Decision::and)
}

/// The node in words; the names come from Azure, so control characters are stripped.
pub fn node_ref(engine: &Engine, id: &str) -> NodeRef {
    if let Some(rest) = id.strip_prefix("external:") {
        let subject = rest.rsplit('#').next().unwrap_or(rest);
        return NodeRef {
            id: crate::sanitize::clean(id).into_owned(),
            display_name: crate::sanitize::clean(subject).into_owned(),
            kind: "external".into(),
        };
    }
    let name = engine
        .index
        .principal
        .get(id)
        .and_then(|&i| engine.snapshot.principals.get(i))
        .map_or(id, |p| p.display_name.as_str());
    NodeRef {
        id: id.to_string(),
        display_name: crate::sanitize::clean(name).into_owned(),
        kind: kind_word(kind_of(engine, id)),
    }
}
