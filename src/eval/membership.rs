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
}
