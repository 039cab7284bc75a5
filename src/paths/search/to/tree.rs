//! The search's answer as a tree: each node reached keeps the one edge it takes towards the target, so the
//! nodes taking an edge into a node are its children. Grouped by the grant at the last hop, then by the
//! holder the grant names; starts that take the same hop into a node, and nothing leads into, are one
//! counted class. No path is built per start.

use rustc_hash::FxHashMap;

use super::Via;
use crate::eval::Engine;
use crate::paths::Hop;
use crate::paths::graph::Walk;
use crate::paths::grouped::{GrantWays, Starts, Way};
use crate::paths::search::node_ref;

/// node → (distance, the edge it takes towards the target)
pub(super) type Best = FxHashMap<String, (usize, Via)>;

struct Tree<'b, 'e> {
    engine: &'b Engine,
    walk: &'b Walk<'e>,
    best: &'b Best,
    children: FxHashMap<&'b str, Vec<&'b str>>,
}

/// The grant groups, shortest first then by grant.
pub(super) fn grouped(engine: &Engine, walk: &Walk, best: &Best) -> Vec<GrantWays> {
    let mut children: FxHashMap<&str, Vec<&str>> = FxHashMap::default();
    for (node, (_, via)) in best {
        if let Via::Step(step) = via {
            children
                .entry(step.to.as_str())
                .or_default()
                .push(node.as_str());
        }
    }
    for kids in children.values_mut() {
        kids.sort_unstable();
    }
    let tree = Tree {
        engine,
        walk,
        best,
        children,
    };
    tree.groups()
}

impl<'b> Tree<'b, '_> {
    /// The hop `node` takes towards the target, put into words when asked: each node's hop is asked once,
    /// and a class keeps one hop for all its starts, so no hop is held per start.
    fn hop(&self, node: &str) -> Option<Hop> {
        match &self.best.get(node)?.1 {
            Via::Last(last) => Some(last.hop.clone()),
            Via::Step(step) => Some(self.walk.render(step)),
        }
    }

    fn groups(&self) -> Vec<GrantWays> {
        let mut roots: Vec<&str> = self
            .best
            .iter()
            .filter(|(_, (_, via))| matches!(via, Via::Last(_)))
            .map(|(id, _)| id.as_str())
            .collect();
        roots.sort_unstable();
        // grant key → (holders as nodes, members by the group they hold it through)
        type Members<'b> = FxHashMap<&'b str, Vec<&'b str>>;
        let mut by_grant: FxHashMap<String, (Vec<&str>, Members)> = FxHashMap::default();
        for root in roots {
            let Some((_, Via::Last(last))) = self.best.get(root) else {
                continue;
            };
            let entry = by_grant.entry(grant_key(&last.hop)).or_default();
            match &last.holder {
                Some(group) if self.is_leaf(root) => {
                    entry.1.entry(group.as_str()).or_default().push(root)
                }
                _ => entry.0.push(root),
            }
        }
        let mut out: Vec<GrantWays> = by_grant
            .into_iter()
            .filter_map(|(grant, (nodes, members))| self.grant(grant, nodes, members))
            .collect();
        out.sort_by(|a, b| (a.shortest, &a.grant).cmp(&(b.shortest, &b.grant)));
        out
    }

    fn grant(
        &self,
        grant: String,
        nodes: Vec<&str>,
        mut members: FxHashMap<&str, Vec<&str>>,
    ) -> Option<GrantWays> {
        let mut holders: Vec<Way> = Vec::new();
        for node in nodes {
            let mut way = self.way(node);
            if let Some(list) = members.remove(node) {
                way.members = self.classes(&list);
            }
            holders.push(way);
        }
        for (group, list) in members {
            holders.push(Way {
                node: node_ref(self.engine, group),
                hop: None,
                start: false,
                starts: 0,
                members: self.classes(&list),
                leaves: Vec::new(),
                ways: Vec::new(),
            });
        }
        for h in &mut holders {
            h.starts += h.members.iter().map(|m| m.count).sum::<usize>();
        }
        holders.retain(|h| h.starts > 0);
        if holders.is_empty() {
            return None;
        }
        sort_ways(&mut holders);
        let starts = holders.iter().map(|h| h.starts).sum();
        let shortest = holders.iter().filter_map(|h| shortest(h, 1)).min()?;
        Some(GrantWays {
            grant,
            shortest,
            starts,
            holders,
        })
    }

    /// A start with no way into it: it belongs in a class.
    fn is_leaf(&self, node: &str) -> bool {
        !self.engine.is_group(node) && !self.children.contains_key(node)
    }

    /// `node` and everything beneath it.
    fn way(&self, node: &str) -> Way {
        let start = !self.engine.is_group(node);
        let mut ways = Vec::new();
        let mut leaves = Vec::new();
        for &kid in self.children.get(node).into_iter().flatten() {
            if self.is_leaf(kid) {
                leaves.push(kid);
            } else {
                let w = self.way(kid);
                if w.starts > 0 {
                    ways.push(w);
                }
            }
        }
        sort_ways(&mut ways);
        let leaves = self.classes(&leaves);
        let starts = usize::from(start)
            + leaves.iter().map(|l| l.count).sum::<usize>()
            + ways.iter().map(|w| w.starts).sum::<usize>();
        Way {
            node: node_ref(self.engine, node),
            hop: self.hop(node),
            start,
            starts,
            members: Vec::new(),
            leaves,
            ways,
        }
    }

    /// `nodes` by the hop each takes (its `from` left out), each class's ids sorted.
    fn classes(&self, nodes: &[&str]) -> Vec<Starts> {
        let mut by_hop: FxHashMap<Hop, Vec<String>> = FxHashMap::default();
        for &n in nodes {
            let Some(hop) = self.hop(n) else {
                continue;
            };
            let template = Hop {
                from: String::new(),
                ..hop
            };
            by_hop.entry(template).or_default().push(n.to_string());
        }
        let mut out: Vec<Starts> = by_hop
            .into_iter()
            .map(|(hop, ids)| Starts::new(hop, ids))
            .collect();
        out.sort_by(|a, b| {
            (b.count, &a.hop.explanation, &a.hop.evidence, &a.ids).cmp(&(
                a.count,
                &b.hop.explanation,
                &b.hop.evidence,
                &b.ids,
            ))
        });
        out
    }
}

/// The most starts first, then by name.
fn sort_ways(ways: &mut [Way]) {
    ways.sort_by(|a, b| {
        (b.starts, &a.node.display_name, &a.node.id).cmp(&(
            a.starts,
            &b.node.display_name,
            &b.node.id,
        ))
    });
}

/// Hops of the shortest path at or beneath `w`, `depth` being the hops from `w` to the target.
fn shortest(w: &Way, depth: usize) -> Option<usize> {
    if !w.members.is_empty() || w.start {
        return Some(depth);
    }
    if !w.leaves.is_empty() {
        return Some(depth + 1);
    }
    w.ways.iter().filter_map(|c| shortest(c, depth + 1)).min()
}

pub(super) fn grant_key(last: &Hop) -> String {
    format!("{}: {}", last.kind.as_str(), last.evidence.join("; "))
}
