//! One principal compared at one vault: its rows before and after at each target (the vault and its items
//! with grants of their own), the decisions for every operation, and the cells that change, called directly
//! and through each application an access-policy entry binds it to.

use super::*;

impl<'a> Run<'_, 'a> {
    /// Lists the role assignments naming `id` (its subject pair made first) on both sides, once.
    pub(super) fn name(&mut self, id: &str) {
        if self.named.contains_key(id) {
            return;
        }
        let Some(pair) = self.subjects.get(id) else {
            return;
        };
        let lists = [
            self.eb.assignments_naming(&pair.0),
            self.ea.assignments_naming(&pair.1),
        ];
        self.named.insert(id.to_string(), lists);
    }

    /// Both rows of a subject at a target pair, from the assignments naming it.
    pub(super) fn rows(
        &self,
        pair: &(Subject, Subject),
        named: &Named,
        t: &TargetPair<'a>,
        app: Option<&str>,
    ) -> [Row<'a>; 2] {
        [
            self.eb.prepare_among(&pair.0, &t.before, app, &named[0]),
            self.ea.prepare_among(&pair.1, &t.after, app, &named[1]),
        ]
    }

    /// (before, after) for every op of every target, and the rows at the first target (the vault).
    #[allow(clippy::type_complexity)]
    pub(super) fn decisions(
        &self,
        (pair, named): (&(Subject, Subject), &Named),
        app: Option<&str>,
        targets: &[TargetPair<'a>],
    ) -> (Vec<Vec<(Decision, Decision)>>, Option<[Row<'a>; 2]>) {
        let mut first = None;
        let rows = targets
            .iter()
            .map(|t| {
                let [rb, ra] = self.rows(pair, named, t, app);
                let row = t
                    .ops
                    .iter()
                    .filter_map(|&o| self.ops.get(o))
                    .map(|op| {
                        (
                            self.eb.decide(&rb, &op.action),
                            self.ea.decide(&ra, &op.action),
                        )
                    })
                    .collect();
                if first.is_none() {
                    first = Some([rb, ra]);
                }
                row
            })
            .collect();
        (rows, first)
    }

    /// The compound-identity applications through which `pair` may call the vault.
    pub(super) fn apps(&self, vault: &Scope, pair: &(Subject, Subject)) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for (e, subject) in [(self.eb, &pair.0), (self.ea, &pair.1)] {
            if let Some(v) = self.vault_in(e, vault.key()) {
                for p in &v.access_policies {
                    if let Some(app) = &p.application_id
                        && (pair.0.set.reach(&p.object_id).is_some()
                            || subject.set.reach(&p.object_id).is_some())
                    {
                        out.insert(app.clone());
                    }
                }
            }
        }
        out
    }

    /// Compares one principal at one vault; changed cells go to `out`.
    pub(super) fn principal(
        &mut self,
        id: &str,
        vault: &Scope,
        targets: &[TargetPair<'a>],
        out: &mut Vec<Raw>,
    ) {
        self.subject_pair(id);
        self.name(id);
        let (Some(pair), Some(named)) = (self.subjects.get(id), self.named.get(id)) else {
            return;
        };
        self.stats.pairs += 1;
        let (direct, rows) = self.decisions((pair, named), None, targets);
        self.stats.cells += direct.iter().map(Vec::len).sum::<usize>();
        let vault_row = direct.first().cloned().unwrap_or_default();
        for (t, row) in targets.iter().zip(&direct) {
            let is_item = t.scope != *vault;
            for (&o, &(b, a)) in t.ops.iter().zip(row) {
                if b == a || (is_item && vault_row.get(o) == Some(&(b, a))) {
                    continue;
                }
                out.push(raw(id, None, &t.scope, o, b, a));
            }
        }
        // Through an application: at the vault, listed when different from the direct call; at an item,
        // when different both from the direct call at that item and from the vault through the same
        // application (either would let a reader infer it).
        for app in self.apps(vault, pair) {
            let (through, _) = self.decisions((pair, named), Some(&app), targets);
            self.stats.cells += through.iter().map(Vec::len).sum::<usize>();
            let app_vault_row = through.first().cloned().unwrap_or_default();
            for (n, ((t, row), plain)) in targets.iter().zip(&through).zip(&direct).enumerate() {
                for ((&o, &(b, a)), p) in t.ops.iter().zip(row).zip(plain) {
                    let implied = if n == 0 {
                        vault_row.get(o) == Some(&(b, a))
                    } else {
                        *p == (b, a) || app_vault_row.get(o) == Some(&(b, a))
                    };
                    if b != a && !implied {
                        out.push(raw(id, Some(app.clone()), &t.scope, o, b, a));
                    }
                }
            }
        }
        self.vault_rows = rows.map(|r| (id.to_string(), r));
    }
}
