//! Bystanders: identities that no grant, deny or membership in a wide vault names decide by class (in the
//! directory in both snapshots, or in neither), so one representative per class is evaluated for them all.

use std::sync::Arc;

use super::classes::Members;
use super::*;

/// Marker ids of the bystander representatives (never valid object ids).
pub(super) const REP_DIRECTORY: &str = "kvaccess:bystander:in-directory";
pub(super) const REP_DANGLING: &str = "kvaccess:bystander:not-in-directory";

impl<'a> Run<'_, 'a> {
    /// Identities named nowhere in a wide vault decide by class; one representative per class stands for
    /// them, and its changed cells are copied to every member of the class.
    pub(super) fn bystanders(
        &mut self,
        vault: &Scope,
        targets: &[TargetPair<'a>],
        named: &[String],
        out: &mut Vec<Raw>,
    ) {
        for (members, cells) in self.bystander_classes(vault, targets, named) {
            for m in members.iter() {
                out.extend(cells.iter().map(|c| Raw {
                    principal: m.clone(),
                    from_rep: c.from_rep,
                    ..raw(m, None, &c.scope, c.op, c.before, c.after)
                }));
            }
        }
    }

    /// The bystander classes whose representative's decisions change, each with the representative's
    /// changed cells.
    pub(super) fn bystander_classes(
        &mut self,
        vault: &Scope,
        targets: &[TargetPair<'a>],
        named: &[String],
    ) -> Vec<(Members, Vec<Raw>)> {
        let mut out = Vec::new();
        for (rep, dangling) in [(REP_DIRECTORY, false), (REP_DANGLING, true)] {
            let mut cells = Vec::new();
            self.principal(rep, vault, targets, &mut cells);
            self.stats.pairs -= 1;
            if cells.is_empty() {
                continue;
            }
            let members = self.class(dangling, named);
            self.stats.bystanders += members.len();
            for c in &mut cells {
                c.from_rep = Some(rep);
            }
            out.push((Arc::new(members), cells));
        }
        out
    }

    /// The identities of a class (in the directory in both snapshots, or in neither) not in `named`.
    fn class(&self, dangling: bool, named: &[String]) -> Vec<String> {
        let (eb, ea) = (self.eb, self.ea);
        let mut out: BTreeSet<String> = BTreeSet::new();
        if dangling {
            for e in [eb, ea] {
                out.extend(e.index.referenced_ids.iter().cloned());
            }
            out.retain(|id| {
                [eb, ea]
                    .iter()
                    .all(|e| !e.index.principal.contains_key(id) && !e.is_group(id))
            });
        } else {
            for p in &eb.snapshot.principals {
                if ea.index.principal.contains_key(&p.id)
                    && !eb.is_group(&p.id)
                    && !ea.is_group(&p.id)
                {
                    out.insert(p.id.clone());
                }
            }
        }
        out.into_iter()
            .filter(|id| named.binary_search(id).is_err())
            .collect()
    }
}
