//! Paths and hops in words, and answers as JSON (the grouped `--to` answer's text and graphs are in
//! `grouped/export.rs`). Names come from Azure: they are cleaned of control characters.

use serde::Serialize;

use super::{Hop, Path, Reached};
use crate::eval::Engine;
use crate::sanitize::clean;

impl Path {
    /// `Pat (user) — 2 hop(s), allowed`, as the text output and the explorer head a path.
    pub fn words(&self) -> String {
        let activation = if self.needs_activation {
            ", needs PIM activation"
        } else {
            ""
        };
        format!(
            "{} ({}) — {} hop(s), {}{activation}",
            clean(&self.start.display_name),
            self.start.kind,
            self.hops.len(),
            self.decision.as_str()
        )
    }
}

impl Reached {
    /// `ci-deployer (servicePrincipal) — 1 hop(s), allowed`, as `--from` heads what a principal reaches.
    pub fn words(&self) -> String {
        format!(
            "{} ({}) — {} hop(s), {}",
            clean(&self.node.display_name),
            self.node.kind,
            self.hops.len(),
            self.decision.as_str()
        )
    }
}

/// A node as the outputs name it: a scope by its short form, a principal or external subject by its name.
pub fn node_name(engine: &Engine, id: &str) -> String {
    if id.starts_with('/') {
        crate::display::short_scope(id).to_string()
    } else {
        super::node_ref(engine, id).display_name
    }
}

/// One hop in words, as the text output writes it: `from kind to [decision]: explanation`.
pub fn hop_line(h: &Hop, name: &dyn Fn(&str) -> String) -> String {
    format!(
        "{} {} {} [{}]: {}",
        clean(&name(&h.from)),
        h.kind.as_str(),
        clean(&name(&h.to)),
        h.decision.as_str(),
        clean(&h.explanation)
    )
}

/// An answer (`paths --to` or `--from`) as JSON, as `--output json` prints it.
pub fn to_json<T: Serialize>(answer: &T) -> serde_json::Result<String> {
    crate::sanitize::json::to_string_pretty(answer).map(|s| s + "\n")
}
