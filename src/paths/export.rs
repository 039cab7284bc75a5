//! Paths as text, Mermaid and Graphviz DOT. Names come from Azure: they are cleaned of control characters
//! and quoted for each format.

use std::fmt::Write as _;

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::{Hop, Path, PathsTo, Reached};
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

/// The plain-text report: groups by grant, shortest paths first, each hop with its explanation.
pub fn to_text(p: &PathsTo, name: &dyn Fn(&str) -> String) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Paths to {} on {} (at most {} hops)",
        p.action, p.scope, p.max_hops
    );
    if p.groups.is_empty() {
        let _ = writeln!(out, "  no path found");
    }
    for g in &p.groups {
        let _ = writeln!(out, "\n{}", clean(&g.grant));
        for path in &g.paths {
            let _ = writeln!(out, "  {}", path.words());
            for h in &path.hops {
                let _ = writeln!(out, "    {}", hop_line(h, name));
                for e in &h.evidence {
                    let _ = writeln!(out, "      evidence: {}", clean(e));
                }
            }
        }
    }
    if !p.tenant_admins.is_empty() {
        let _ = writeln!(out, "\nTenant-wide (tier 0, can reach every vault):");
        for a in &p.tenant_admins {
            let _ = writeln!(
                out,
                "  {}: {}",
                clean(&name(&a.principal_id)),
                clean(&a.explanation)
            );
        }
    }
    if !p.unknown_because.is_empty() {
        let _ = writeln!(out, "\nUnknown (paths through these cannot be seen):");
        for u in &p.unknown_because {
            let _ = writeln!(out, "  {u}");
        }
    }
    out
}

fn all_hops(p: &PathsTo) -> Vec<&Hop> {
    let mut hops: Vec<&Hop> = p
        .groups
        .iter()
        .flat_map(|g| g.paths.iter().flat_map(|path| path.hops.iter()))
        .collect();
    hops.sort_by(|a, b| (&a.from, &a.to, a.kind).cmp(&(&b.from, &b.to, b.kind)));
    hops.dedup_by(|a, b| a.from == b.from && a.to == b.to && a.kind == b.kind);
    hops
}

/// Node ids in both formats: `n0`, `n1`… in order of first appearance, and each node's number (a map:
/// a busy vault's answer has tens of thousands of nodes).
fn ids<'h>(hops: &[&'h Hop]) -> (Vec<&'h str>, FxHashMap<&'h str, usize>) {
    let mut seen: Vec<&str> = Vec::new();
    let mut at: FxHashMap<&str, usize> = FxHashMap::default();
    for h in hops {
        for n in [h.from.as_str(), h.to.as_str()] {
            at.entry(n).or_insert_with(|| {
                seen.push(n);
                seen.len() - 1
            });
        }
    }
    (seen, at)
}

fn quoted(text: &str, extra: &[(char, &str)]) -> String {
    let mut out = String::new();
    for c in clean(text).chars() {
        match extra.iter().find(|(x, _)| *x == c) {
            Some((_, rep)) => out.push_str(rep),
            None => out.push(c),
        }
    }
    out
}

pub fn to_mermaid(p: &PathsTo, name: &dyn Fn(&str) -> String) -> String {
    let hops = all_hops(p);
    let (nodes, at) = ids(&hops);
    let esc = |t: &str| quoted(t, &[('"', "#quot;"), ('\n', " ")]);
    let mut out = String::from("flowchart LR\n");
    for (i, n) in nodes.iter().enumerate() {
        let _ = writeln!(out, "  n{i}[\"{}\"]", esc(&name(n)));
    }
    let at = |id: &str| at.get(id).copied().unwrap_or(0);
    for h in hops {
        let _ = writeln!(
            out,
            "  n{} -->|\"{} ({})\"| n{}",
            at(&h.from),
            esc(h.kind.as_str()),
            h.decision.as_str(),
            at(&h.to)
        );
    }
    out
}

pub fn to_dot(p: &PathsTo, name: &dyn Fn(&str) -> String) -> String {
    let hops = all_hops(p);
    let (nodes, at) = ids(&hops);
    let esc = |t: &str| quoted(t, &[('"', "\\\""), ('\\', "\\\\"), ('\n', " ")]);
    let mut out = String::from("digraph paths {\n  rankdir=LR;\n");
    for (i, n) in nodes.iter().enumerate() {
        let _ = writeln!(out, "  n{i} [label=\"{}\"];", esc(&name(n)));
    }
    let at = |id: &str| at.get(id).copied().unwrap_or(0);
    for h in hops {
        let _ = writeln!(
            out,
            "  n{} -> n{} [label=\"{} ({})\"];",
            at(&h.from),
            at(&h.to),
            esc(h.kind.as_str()),
            h.decision.as_str()
        );
    }
    out.push_str("}\n");
    out
}
