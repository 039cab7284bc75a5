//! The grouped answer one start at a time: every path, rebuilt from the tree (a start's own hop, then each
//! node's hop up to the holder), and the start lists `--expand` fills in.

use super::{GrantWays, PathsToGrouped, Starts, Way};
use crate::eval::Engine;
use crate::paths::search::{node_ref, weakest};
use crate::paths::{Hop, Path, PathGroup, PathsTo};

impl PathsToGrouped {
    /// Calls `f` with each grant group's key and each of its paths, in tree order, building one path at a
    /// time (memory follows the tree, not the number of paths).
    pub fn for_each_path(&self, engine: &Engine, f: &mut dyn FnMut(&str, Path)) {
        for g in &self.groups {
            g.for_each_path(engine, &mut |p| f(&g.grant, p));
        }
    }

    /// The flat answer: every path, grouped by grant, shortest first then by name (as `paths --to` answered
    /// before it was grouped).
    pub fn flat(&self, engine: &Engine) -> PathsTo {
        let groups = self
            .groups
            .iter()
            .map(|g| {
                let mut paths = Vec::with_capacity(g.starts);
                g.for_each_path(engine, &mut |p| paths.push(p));
                paths.sort_by(|a, b| {
                    (a.hops.len(), &a.start.display_name, &a.start.id).cmp(&(
                        b.hops.len(),
                        &b.start.display_name,
                        &b.start.id,
                    ))
                });
                PathGroup {
                    grant: g.grant.clone(),
                    paths,
                }
            })
            .collect();
        PathsTo {
            scope: self.scope.clone(),
            action: self.action.clone(),
            max_hops: self.max_hops,
            groups,
            tenant_admins: self.tenant_admins.clone(),
            unknown_because: self.unknown_because.clone(),
        }
    }

    /// Lists every class's starts (`--expand`).
    pub fn expand(&mut self, engine: &Engine) {
        fn way(w: &mut Way, engine: &Engine) {
            for s in w.members.iter_mut().chain(w.leaves.iter_mut()) {
                s.expand(engine);
            }
            for child in &mut w.ways {
                way(child, engine);
            }
        }
        for g in &mut self.groups {
            for h in &mut g.holders {
                way(h, engine);
            }
        }
    }
}

impl Starts {
    /// Fills in the starts, in words.
    pub fn expand(&mut self, engine: &Engine) {
        self.starts = Some(self.ids.iter().map(|id| node_ref(engine, id)).collect());
    }
}

impl GrantWays {
    pub fn for_each_path(&self, engine: &Engine, f: &mut dyn FnMut(Path)) {
        let mut chain = Vec::new();
        for h in &self.holders {
            walk(h, engine, &mut chain, f);
        }
    }
}

/// Paths at and beneath `w`; `chain` holds the hops from `w`'s parent up to the holder, holder first.
fn walk<'w>(w: &'w Way, engine: &Engine, chain: &mut Vec<&'w Hop>, f: &mut dyn FnMut(Path)) {
    for m in &w.members {
        for id in &m.ids {
            f(path(engine, id, vec![m.hop_of(id)]));
        }
    }
    let Some(hop) = &w.hop else { return };
    chain.push(hop);
    let rest = || chain.iter().rev().map(|h| (*h).clone());
    if w.start {
        f(path(engine, &w.node.id, rest().collect()));
    }
    for l in &w.leaves {
        for id in &l.ids {
            let hops = std::iter::once(l.hop_of(id)).chain(rest()).collect();
            f(path(engine, id, hops));
        }
    }
    for child in &w.ways {
        walk(child, engine, chain, f);
    }
    chain.pop();
}

fn path(engine: &Engine, start: &str, hops: Vec<Hop>) -> Path {
    Path {
        start: node_ref(engine, start),
        decision: weakest(&hops),
        needs_activation: hops.iter().any(|h| h.eligible),
        hops,
    }
}
