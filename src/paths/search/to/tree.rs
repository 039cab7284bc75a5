//! The search's answer as a tree: each node reached keeps the one edge it takes towards the target, so the
//! nodes taking an edge into a node are its children. Grouped by the grant at the last hop, then by the
//! holder the grant names; starts that take the same hop into a node, and nothing leads into, are one
//! counted class. No path is built per start.

use rustc_hash::FxHashMap;

use super::{Best, Via};
use crate::eval::Decision;
use crate::eval::Engine;
use crate::paths::Hop;
use crate::paths::graph::{Walk, Why};
use crate::paths::grouped::{GrantWays, Starts, Way};
use crate::paths::search::node_ref;

/// The nodes reached, by the numbers the search gave them ([`Best`]): the tree asks each node's facts (is
/// it a group, its children) many times, so they are looked up once here and read by number after.
struct Tree<'b, 'e> {
    engine: &'b Engine,
    walk: &'b Walk<'e>,
    best: &'b Best,
    /// By number: whether the node is a group.
    group: Vec<bool>,
    /// By number: the nodes taking an edge into it, in the order reached (every list the tree makes of them
    /// is sorted by name or id, so this order never shows).
    children: Vec<Vec<u32>>,
}

/// The grant groups, shortest first then by grant.
pub(super) fn grouped(engine: &Engine, walk: &Walk, best: &Best) -> Vec<GrantWays> {
    let mut children: Vec<Vec<u32>> = vec![Vec::new(); best.len() as usize];
    for n in 0..best.len() {
        if let Via::Step(step) = best.via(n)
            && let Some(to) = best.number(&step.to)
            && let Some(kids) = children.get_mut(to as usize)
        {
            kids.push(n);
        }
    }
    let tree = Tree {
        engine,
        walk,
        best,
        group: (0..best.len())
            .map(|n| engine.is_group(best.id(n)))
            .collect(),
        children,
    };
    tree.groups()
}

impl<'b> Tree<'b, '_> {
    fn id(&self, n: u32) -> &'b str {
        self.best.id(n)
    }

    /// The hop node `n` takes towards the target, put into words when asked: each node's hop is asked once,
    /// and a class keeps one hop for all its starts, so no hop is held per start.
    fn hop(&self, n: u32) -> Hop {
        match self.best.via(n) {
            Via::Last(last) => last.hop.clone(),
            Via::Step(step) => self.walk.render(step),
        }
    }

    fn kids(&self, n: u32) -> &[u32] {
        &self.children[n as usize]
    }

    fn groups(&self) -> Vec<GrantWays> {
        // grant key → (holders as nodes, members by the group they hold it through)
        type Members<'b> = FxHashMap<&'b str, Vec<u32>>;
        let mut by_grant: FxHashMap<String, (Vec<u32>, Members)> = FxHashMap::default();
        let mut roots: Vec<u32> = (0..self.best.len())
            .filter(|&n| matches!(self.best.via(n), Via::Last(_)))
            .collect();
        roots.sort_unstable_by_key(|&n| self.id(n));
        for root in roots {
            let Via::Last(last) = self.best.via(root) else {
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
        nodes: Vec<u32>,
        mut members: FxHashMap<&str, Vec<u32>>,
    ) -> Option<GrantWays> {
        let mut holders: Vec<Way> = Vec::new();
        for node in nodes {
            let mut way = self.way(node);
            if let Some(list) = members.remove(self.id(node)) {
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
    fn is_leaf(&self, n: u32) -> bool {
        !self.group[n as usize] && self.kids(n).is_empty()
    }

    /// Node `n` and everything beneath it.
    fn way(&self, n: u32) -> Way {
        let start = !self.group[n as usize];
        let mut ways = Vec::new();
        let mut leaves = Vec::new();
        for &kid in self.kids(n) {
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
            node: node_ref(self.engine, self.id(n)),
            hop: Some(self.hop(n)),
            start,
            starts,
            members: Vec::new(),
            leaves,
            ways,
        }
    }

    /// `nodes` by the hop each takes (its `from` left out), each class's ids sorted.
    fn classes(&self, nodes: &[u32]) -> Vec<Starts> {
        // A runs-as edge's words rest only on its resource, way, grants and whether it needs a PIM
        // activation, never on the start: the starts taking the same one are put into words once.
        let mut same_edge: FxHashMap<RunsAs, Vec<u32>> = FxHashMap::default();
        let mut by_hop: FxHashMap<Hop, Vec<String>> = FxHashMap::default();
        for &n in nodes {
            if let Some(edge) = self.runs_as(n) {
                same_edge.entry(edge).or_default().push(n);
                continue;
            }
            let ids = by_hop.entry(template(self.hop(n))).or_default();
            ids.push(self.id(n).to_string());
        }
        for starts in same_edge.into_values() {
            let Some(&first) = starts.first() else {
                continue;
            };
            let ids = by_hop.entry(template(self.hop(first))).or_default();
            ids.extend(starts.iter().map(|&n| self.id(n).to_string()));
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

    /// What the runs-as edge node `n` takes towards the target is put into words from.
    fn runs_as(&self, n: u32) -> Option<RunsAs<'b>> {
        let Via::Step(step) = self.best.via(n) else {
            return None;
        };
        let Why::RunsAs {
            resource,
            way,
            grants,
        } = &step.why
        else {
            return None;
        };
        // The grants are shared by every edge made from one controller's answer: told apart by address,
        // they are not hashed per start. Equal grants at two addresses make two entries of the same words,
        // which `classes` puts together again.
        Some((
            step.to.as_str(),
            step.decision,
            step.eligible,
            *resource,
            *way,
            std::rc::Rc::as_ptr(grants).cast::<()>() as usize,
        ))
    }
}

/// A runs-as edge without its start: (to, decision, eligible, resource, way, address of the grants).
type RunsAs<'b> = (&'b str, Decision, bool, usize, usize, usize);

/// `hop` without its start.
fn template(hop: Hop) -> Hop {
    Hop {
        from: String::new(),
        ..hop
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

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use super::super::{Best, Via, reach};
    use super::{grouped, template};
    use crate::catalog;
    use crate::eval::Engine;
    use crate::paths::graph::{HopGraph, Walk};
    use crate::paths::grouped::{Starts, Way};
    use crate::synth::{SynthSpec, generate};

    fn classes_of(w: &Way, out: &mut Vec<Starts>) {
        out.extend(w.members.iter().chain(&w.leaves).cloned());
        for child in &w.ways {
            classes_of(child, out);
        }
    }

    /// Each start's own hop, put into words alone, is its class's: the runs-as edges put into words once
    /// for the starts taking the same one give every one of them its own words.
    #[test]
    fn a_class_hop_is_each_of_its_starts_own() {
        let spec = SynthSpec {
            compute_resources: 60,
            applications: 10,
            ..SynthSpec::new(300, 8, 600, 7)
        };
        let engine = Engine::new(generate(&spec));
        let graph = HopGraph::build(&engine);
        let action = catalog::resolve("secrets/get").unwrap();
        let mut runs_as = 0;
        for v in &engine.snapshot.vaults {
            let mut never = |_, _| Ok::<(), Infallible>(());
            let best: Best = match reach(&engine, &graph, &v.scope, &action, 4, &mut never).unwrap()
            {
                Ok(best) => best,
                Err(never) => match never {},
            };
            let walk = Walk::new(&engine, &graph);
            let mut classes = Vec::new();
            for g in grouped(&engine, &walk, &best) {
                for h in &g.holders {
                    classes_of(h, &mut classes);
                }
            }
            for class in classes {
                for id in class.ids() {
                    let Some(Via::Step(step)) = best.get(id) else {
                        continue;
                    };
                    runs_as +=
                        usize::from(class.count > 1 && step.kind == crate::paths::HopKind::RunsAs);
                    assert_eq!(
                        template(walk.render(step)),
                        class.hop,
                        "{id} at {}",
                        v.scope.id()
                    );
                }
            }
        }
        assert!(
            runs_as > 0,
            "no class of runs-as starts: the tenant tests nothing"
        );
    }
}
