//! The grouped answer as text, Mermaid and Graphviz DOT. The graphs draw the holders, the stepping-stone
//! nodes and one node per class of starts (with its count), so their size follows the nodes, not the
//! starts. Names come from Azure: they are cleaned of control characters and quoted for each format.

use std::fmt::Write as _;

use rustc_hash::FxHashMap;

use super::{MEMBERS, PathsToGrouped, STARTS, Starts, Way};
use crate::paths::hop_line;
use crate::sanitize::clean;

/// The plain-text report: grant groups (shortest first), each holder with its hop, the classes of starts
/// beneath it (listed when `expanded`), and the nodes leading into it, indented.
pub fn to_text(p: &PathsToGrouped, name: &dyn Fn(&str) -> String, expanded: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Paths to {} on {} (at most {} hops): {} start(s)",
        p.action, p.scope, p.max_hops, p.starts
    );
    if p.groups.is_empty() {
        let _ = writeln!(out, "  no path found");
    } else if !expanded {
        let _ = writeln!(
            out,
            "Starts taking the same hop are counted; --expand lists them, --output jsonl gives one path per line."
        );
    }
    for g in &p.groups {
        let _ = writeln!(
            out,
            "\n{} — {} start(s), shortest {} hop(s)",
            clean(&g.grant),
            g.starts,
            g.shortest
        );
        for h in &g.holders {
            way_text(&mut out, h, "  ", "", name, expanded);
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

/// A node (`arrow` marks one leading into its parent), then its hop, classes and the nodes into it.
fn way_text(
    out: &mut String,
    w: &Way,
    indent: &str,
    arrow: &str,
    name: &dyn Fn(&str) -> String,
    expanded: bool,
) {
    let _ = writeln!(out, "{indent}{arrow}{}", w.words());
    match &w.hop {
        Some(h) => {
            let _ = writeln!(out, "{indent}  {}", hop_line(h, name));
            for e in &h.evidence {
                let _ = writeln!(out, "{indent}    evidence: {}", clean(e));
            }
        }
        None => {
            let _ = writeln!(out, "{indent}  holds it only through its members");
        }
    }
    for (what, classes) in [(MEMBERS, &w.members), (STARTS, &w.leaves)] {
        for s in classes {
            starts_text(out, s, what, &format!("{indent}  "), name, expanded);
        }
    }
    for child in &w.ways {
        way_text(out, child, &format!("{indent}  "), "← ", name, expanded);
    }
}

fn starts_text(
    out: &mut String,
    s: &Starts,
    what: &str,
    indent: &str,
    name: &dyn Fn(&str) -> String,
    expanded: bool,
) {
    let h = &s.hop;
    let activation = if h.eligible {
        ", needs PIM activation"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "{indent}{} {what}: {} {} [{}{activation}]: {}",
        s.count,
        h.kind.as_str(),
        clean(&name(&h.to)),
        h.decision.as_str(),
        clean(&h.explanation)
    );
    for e in &h.evidence {
        let _ = writeln!(out, "{indent}    evidence: {}", clean(e));
    }
    if let Some(list) = s.starts.as_ref().filter(|_| expanded) {
        for n in list {
            let _ = writeln!(out, "{indent}  - {} ({})", clean(&n.display_name), n.kind);
        }
    }
}

/// Nodes and edges of the grouped graph: (label) per node, (from, label, to) per edge.
struct Graph {
    nodes: Vec<String>,
    at: FxHashMap<String, usize>,
    edges: Vec<(usize, String, usize)>,
}

impl Graph {
    fn of(p: &PathsToGrouped, name: &dyn Fn(&str) -> String) -> Self {
        let mut g = Graph {
            nodes: Vec::new(),
            at: FxHashMap::default(),
            edges: Vec::new(),
        };
        let target = g.node(&p.scope, || name(&p.scope));
        for grant in &p.groups {
            for h in &grant.holders {
                g.way(h, target, name);
            }
        }
        g
    }

    fn node(&mut self, id: &str, label: impl FnOnce() -> String) -> usize {
        if let Some(&i) = self.at.get(id) {
            return i;
        }
        self.nodes.push(label());
        self.at.insert(id.to_string(), self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    fn class(&mut self, label: String) -> usize {
        self.nodes.push(label);
        self.nodes.len() - 1
    }

    fn way(&mut self, w: &Way, parent: usize, name: &dyn Fn(&str) -> String) {
        let holder = name(&w.node.id);
        for m in &w.members {
            let n = self.class(format!("{} member(s) of {holder}", m.count));
            let to = self.node(&m.hop.to, || name(&m.hop.to));
            self.edges.push((n, edge_label(&m.hop), to));
        }
        let Some(hop) = &w.hop else { return };
        let me = self.node(&w.node.id, || format!("{holder} ({} start(s))", w.starts));
        self.edges.push((me, edge_label(hop), parent));
        for l in &w.leaves {
            let n = self.class(format!("{} start(s)", l.count));
            self.edges.push((n, edge_label(&l.hop), me));
        }
        for child in &w.ways {
            self.way(child, me, name);
        }
    }
}

fn edge_label(h: &crate::paths::Hop) -> String {
    format!("{} ({})", h.kind.as_str(), h.decision.as_str())
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

pub fn to_mermaid(p: &PathsToGrouped, name: &dyn Fn(&str) -> String) -> String {
    let g = Graph::of(p, name);
    let esc = |t: &str| quoted(t, &[('"', "#quot;"), ('\n', " ")]);
    let mut out = String::from("flowchart LR\n");
    for (i, n) in g.nodes.iter().enumerate() {
        let _ = writeln!(out, "  n{i}[\"{}\"]", esc(n));
    }
    for (from, label, to) in &g.edges {
        let _ = writeln!(out, "  n{from} -->|\"{}\"| n{to}", esc(label));
    }
    out
}

pub fn to_dot(p: &PathsToGrouped, name: &dyn Fn(&str) -> String) -> String {
    let g = Graph::of(p, name);
    let esc = |t: &str| quoted(t, &[('"', "\\\""), ('\\', "\\\\"), ('\n', " ")]);
    let mut out = String::from("digraph paths {\n  rankdir=LR;\n");
    for (i, n) in g.nodes.iter().enumerate() {
        let _ = writeln!(out, "  n{i} [label=\"{}\"];", esc(n));
    }
    for (from, label, to) in &g.edges {
        let _ = writeln!(out, "  n{from} -> n{to} [label=\"{}\"];", esc(label));
    }
    out.push_str("}\n");
    out
}
