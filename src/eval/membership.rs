//! Group memberships as a graph over interned ids: each id is stored once, and the edges are numbers in two
//! flat tables (by member, by group), so a large directory costs a few allocations instead of one string per
//! edge end.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::model::GroupMembership;

/// Edges from each node, as ranges into one table; each node's edges in the order the memberships list them.
#[derive(Debug, Default)]
struct Adjacency {
    /// Node `n`'s edges are `to[start[n]..start[n + 1]]`.
    start: Vec<u32>,
    to: Vec<u32>,
}

impl Adjacency {
    /// `edges` as (from, to) pairs over `nodes` nodes, kept in their order per node (a stable counting sort).
    fn build(nodes: usize, edges: &[(u32, u32)]) -> Self {
        let mut start = vec![0u32; nodes + 1];
        for &(from, _) in edges {
            if let Some(n) = start.get_mut(from as usize + 1) {
                *n += 1;
            }
        }
        for n in 1..start.len() {
            let before = start.get(n - 1).copied().unwrap_or(0);
            if let Some(here) = start.get_mut(n) {
                *here += before;
            }
        }
        let mut next = start.clone();
        let mut to = vec![0u32; edges.len()];
        for &(from, target) in edges {
            if let Some(at) = next.get_mut(from as usize) {
                if let Some(slot) = to.get_mut(*at as usize) {
                    *slot = target;
                }
                *at += 1;
            }
        }
        Self { start, to }
    }

    fn of(&self, node: u32) -> &[u32] {
        let n = node as usize;
        match (self.start.get(n), self.start.get(n + 1)) {
            (Some(&a), Some(&b)) => self.to.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// Who is directly in which group, both ways.
#[derive(Debug, Default)]
pub struct Memberships {
    node: FxHashMap<Arc<str>, u32>,
    ids: Vec<Arc<str>>,
    groups: Adjacency,
    members: Adjacency,
}

impl Memberships {
    pub fn build(list: &[GroupMembership]) -> Self {
        let mut node: FxHashMap<Arc<str>, u32> = FxHashMap::default();
        let mut ids: Vec<Arc<str>> = Vec::new();
        let mut intern = |id: &str| -> u32 {
            if let Some(&n) = node.get(id) {
                return n;
            }
            let n = ids.len() as u32;
            let id: Arc<str> = Arc::from(id);
            ids.push(id.clone());
            node.insert(id, n);
            n
        };
        let edges: Vec<(u32, u32)> = list
            .iter()
            .map(|m| (intern(&m.member_id), intern(&m.group_id)))
            .collect();
        let groups = Adjacency::build(ids.len(), &edges);
        let reversed: Vec<(u32, u32)> = edges.iter().map(|&(m, g)| (g, m)).collect();
        let members = Adjacency::build(ids.len(), &reversed);
        Self {
            node,
            ids,
            groups,
            members,
        }
    }

    fn id(&self, node: u32) -> &str {
        self.ids.get(node as usize).map_or("", |id| id)
    }

    /// The groups `id` is directly in, in the order the memberships list them.
    #[cfg(test)]
    pub fn groups_of(&self, id: &str) -> impl Iterator<Item = &str> {
        let edges = self.node.get(id).map_or(&[][..], |&n| self.groups.of(n));
        edges.iter().map(|&g| self.id(g))
    }

    /// The direct members of group `id`, in the order the memberships list them.
    pub fn members_of(&self, id: &str) -> impl Iterator<Item = &str> {
        let edges = self.node.get(id).map_or(&[][..], |&n| self.members.of(n));
        edges.iter().map(|&m| self.id(m))
    }

    pub fn has_members(&self, id: &str) -> bool {
        self.node
            .get(id)
            .is_some_and(|&n| !self.members.of(n).is_empty())
    }

    /// Every id that is a member or a group with members, once.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.ids.iter().map(|id| &**id)
    }

    /// How many ids are interned: the nodes are numbered from 0 below this.
    pub fn node_count(&self) -> usize {
        self.ids.len()
    }

    /// The interned number of `id`, when some membership names it.
    pub fn node(&self, id: &str) -> Option<u32> {
        self.node.get(id).copied()
    }

    /// The id interned as `node`.
    pub fn name(&self, node: u32) -> &str {
        self.id(node)
    }

    /// The id interned as `node`, shared.
    pub fn shared_name(&self, node: u32) -> Arc<str> {
        self.ids
            .get(node as usize)
            .cloned()
            .unwrap_or_else(|| Arc::from(""))
    }

    pub fn node_has_members(&self, node: u32) -> bool {
        !self.members.of(node).is_empty()
    }

    /// The groups `start` is transitively in, breadth first, each with the position (in the returned list)
    /// of the group through which it was first reached, `None` for a group `start` is directly in. The first
    /// (shortest) way wins on cycles and diamonds, in the order the memberships list them: exactly the
    /// chains [`Index::principal_set`](crate::eval::index::Index::principal_set) reports.
    pub fn groups_above(&self, start: u32) -> Vec<(u32, Option<u32>)> {
        /// Up to this many groups, looking through the list beats hashing.
        const SCAN: usize = 32;
        let mut out: Vec<(u32, Option<u32>)> = Vec::new();
        let mut seen: rustc_hash::FxHashSet<u32> = rustc_hash::FxHashSet::default();
        let mut at = 0usize;
        let mut frontier: Option<(u32, Option<u32>)> = Some((start, None));
        while let Some((node, via)) = frontier {
            for &g in self.groups.of(node) {
                let new = if g == start {
                    false
                } else if out.len() < SCAN {
                    !out.iter().any(|&(n, _)| n == g)
                } else {
                    if seen.is_empty() {
                        seen.extend(out.iter().map(|&(n, _)| n));
                    }
                    seen.insert(g)
                };
                if new {
                    out.push((g, via));
                }
            }
            frontier = out.get(at).map(|&(g, _)| (g, Some(at as u32)));
            at += 1;
        }
        out
    }

    /// Every node transitively inside the groups `starts` (not the starts themselves, unless one is inside
    /// another), once each, in no particular order. `seen` is scratch space, one slot per node, reused across
    /// calls: a slot holds `stamp` once visited in this call.
    pub fn members_below(&self, starts: &[u32], seen: &mut Vec<u32>, stamp: u32) -> Vec<u32> {
        if seen.len() < self.ids.len() {
            seen.resize(self.ids.len(), 0);
        }
        let mut out = Vec::new();
        let mut stack: Vec<u32> = starts.to_vec();
        let mut expanded: rustc_hash::FxHashSet<u32> = rustc_hash::FxHashSet::default();
        while let Some(group) = stack.pop() {
            if !expanded.insert(group) {
                continue;
            }
            for &m in self.members.of(group) {
                if let Some(slot) = seen.get_mut(m as usize)
                    && *slot != stamp
                {
                    *slot = stamp;
                    out.push(m);
                    if self.node_has_members(m) {
                        stack.push(m);
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(group: &str, member: &str) -> GroupMembership {
        GroupMembership {
            group_id: group.into(),
            member_id: member.into(),
        }
    }

    #[test]
    fn both_directions_keep_the_listed_order() {
        let g = Memberships::build(&[
            m("g2", "sam"),
            m("g1", "sam"),
            m("g1", "alex"),
            m("g2", "g1"),
        ]);
        assert_eq!(g.groups_of("sam").collect::<Vec<_>>(), ["g2", "g1"]);
        assert_eq!(g.groups_of("g1").collect::<Vec<_>>(), ["g2"]);
        assert_eq!(g.members_of("g1").collect::<Vec<_>>(), ["sam", "alex"]);
        assert_eq!(g.members_of("g2").collect::<Vec<_>>(), ["sam", "g1"]);
        assert!(g.has_members("g1") && !g.has_members("sam") && !g.has_members("nobody"));
        assert_eq!(g.groups_of("nobody").count(), 0);
        let mut ids: Vec<&str> = g.ids().collect();
        ids.sort_unstable();
        assert_eq!(ids, ["alex", "g1", "g2", "sam"]);
    }

    fn names(g: &Memberships, nodes: impl IntoIterator<Item = u32>) -> Vec<&str> {
        nodes.into_iter().map(|n| g.name(n)).collect()
    }

    #[test]
    fn groups_above_are_breadth_first_with_the_first_way_in() {
        // sam is in g1 and g2; g1 is in g3; g2 is in g3 and g4; g4 is in g1 (a cycle back).
        let g = Memberships::build(&[
            m("g1", "sam"),
            m("g2", "sam"),
            m("g3", "g1"),
            m("g3", "g2"),
            m("g4", "g2"),
            m("g1", "g4"),
            m("g5", "g4"),
        ]);
        let sam = g.node("sam").unwrap();
        let above = g.groups_above(sam);
        assert_eq!(
            names(&g, above.iter().map(|&(n, _)| n)),
            ["g1", "g2", "g3", "g4", "g5"]
        );
        let via: Vec<Option<u32>> = above.iter().map(|&(_, v)| v).collect();
        // g3 first through g1 (position 0), g4 through g2 (1), g5 through g4 (3).
        assert_eq!(via, [None, None, Some(0), Some(1), Some(3)]);
        assert!(g.groups_above(g.node("g5").unwrap()).is_empty());
    }

    #[test]
    fn groups_above_stay_exact_past_the_scanned_size() {
        // sam is in g0..g39, each of which is in "top" and in the next one: every group once, top first
        // reached through g0.
        let mut list: Vec<GroupMembership> = (0..40).map(|i| m(&format!("g{i}"), "sam")).collect();
        for i in 0..40 {
            list.push(m("top", &format!("g{i}")));
            list.push(m(&format!("g{}", (i + 1) % 40), &format!("g{i}")));
        }
        let g = Memberships::build(&list);
        let above = g.groups_above(g.node("sam").unwrap());
        assert_eq!(above.len(), 41);
        let mut ids = names(&g, above.iter().map(|&(n, _)| n));
        assert_eq!(ids.get(40), Some(&"top"));
        assert_eq!(above.get(40).map(|&(_, via)| via), Some(Some(0)));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 41);
    }

    #[test]
    fn members_below_visit_each_node_once_and_survive_cycles() {
        let g = Memberships::build(&[
            m("g1", "sam"),
            m("g1", "g2"),
            m("g2", "alex"),
            m("g2", "g1"),
            m("g3", "kim"),
        ]);
        let mut seen = Vec::new();
        let mut below = names(&g, g.members_below(&[g.node("g1").unwrap()], &mut seen, 1));
        below.sort_unstable();
        // g1 is inside g2, which is inside g1: both are listed, nothing twice.
        assert_eq!(below, ["alex", "g1", "g2", "sam"]);
        let starts = [g.node("g2").unwrap(), g.node("g3").unwrap()];
        let mut below = names(&g, g.members_below(&starts, &mut seen, 2));
        below.sort_unstable();
        assert_eq!(below, ["alex", "g1", "g2", "kim", "sam"]);
    }
}
