//! The `--to` answer's tree: grant groups, then the holders the grants name, then the nodes leading into
//! each (their hop stated once) and the classes of starts taking one hop, counted; Enter on a class lists
//! its starts a page at a time, and a start explains its whole path.

use super::{Key, Picked};
use crate::eval::Engine;
use crate::paths::{Hop, MEMBERS, Path, PathsToGrouped, STARTS, Starts, Way, node_ref};

/// The row at `path` (past the root level's tenant-wide and unknown rows).
pub(super) fn pick<'a>(t: &'a PathsToGrouped, path: &[Key]) -> Option<Picked<'a>> {
    let (first, rest) = path.split_first()?;
    let Key::Entry(g) = first else { return None };
    let grant = t.groups.get(*g)?;
    let Some((Key::Entry(h), rest)) = rest.split_first() else {
        return rest.is_empty().then_some(Picked::Grant(grant));
    };
    let mut way = grant.holders.get(*h)?;
    let mut keys = rest.iter();
    while let Some(k) = keys.next() {
        match k {
            Key::Entry(i) => way = way.ways.get(*i)?,
            Key::Class(c) => {
                let (class, word) = class_of(way, *c)?;
                return match keys.next() {
                    None => Some(Picked::Class(class, word)),
                    Some(Key::Start(s)) if keys.next().is_none() => {
                        Some(Picked::Start(class, class.ids().get(*s)?))
                    }
                    _ => None,
                };
            }
            _ => return None,
        }
    }
    Some(Picked::Way(way))
}

/// The `c`-th class of a node (its members' classes, then its leaves'), with the CLI's word for it.
fn class_of(w: &Way, c: usize) -> Option<(&Starts, &'static str)> {
    match w.members.get(c) {
        Some(m) => Some((m, MEMBERS)),
        None => Some((w.leaves.get(c - w.members.len())?, STARTS)),
    }
}

/// The children's keys of a `--to` row.
pub(super) fn children(picked: Option<Picked>) -> Vec<Key> {
    match picked {
        Some(Picked::Grant(g)) => (0..g.holders.len()).map(Key::Entry).collect(),
        Some(Picked::Way(w)) => (0..w.members.len() + w.leaves.len())
            .map(Key::Class)
            .chain((0..w.ways.len()).map(Key::Entry))
            .collect(),
        Some(Picked::Class(c, _)) => (0..c.count).map(Key::Start).collect(),
        _ => Vec::new(),
    }
}

/// The whole path of the start at `path` (a class's start, or a node that is a start itself).
pub(super) fn path_of(engine: &Engine, t: &PathsToGrouped, path: &[Key]) -> Option<Path> {
    let [Key::Entry(g), Key::Entry(h), rest @ ..] = path else {
        return None;
    };
    let mut way = t.groups.get(*g)?.holders.get(*h)?;
    let mut chain: Vec<&Hop> = way.hop.iter().collect();
    let mut start = way.start.then(|| (way.node.id.clone(), None));
    for k in rest {
        match k {
            Key::Entry(i) => {
                way = way.ways.get(*i)?;
                chain.extend(way.hop.iter());
                start = way.start.then(|| (way.node.id.clone(), None));
            }
            Key::Class(c) => {
                let (class, word) = class_of(way, *c)?;
                if word == MEMBERS {
                    chain.clear();
                }
                start = Some((String::new(), Some(class)));
            }
            Key::Start(s) => {
                let (_, class) = start.take()?;
                let class = class?;
                start = Some((class.ids().get(*s)?.clone(), Some(class)));
            }
            _ => return None,
        }
    }
    let (id, class) = start?;
    if id.is_empty() {
        return None;
    }
    let mut hops: Vec<Hop> = class.map(|c| c.hop_of(&id)).into_iter().collect();
    hops.extend(chain.iter().rev().map(|h| (*h).clone()));
    Some(Path {
        start: node_ref(engine, &id),
        decision: hops
            .iter()
            .map(|h| h.decision)
            .fold(crate::eval::Decision::Allowed, crate::eval::Decision::and),
        needs_activation: hops.iter().any(|h| h.eligible),
        hops,
    })
}
