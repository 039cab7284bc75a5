//! The changed cells of a diff: a decision that differs, then the evidence after attached to it (`check` in
//! the snapshot after; a bystander's is its representative's, computed once).

use super::*;
use crate::eval::{Gathered, Request, UnknownBecause};

/// The role assignments [`Engine::prepare`] found for one (subject, scope), kept for the next cell.
#[derive(Default)]
pub(super) struct Gathering {
    key: Option<(String, String)>,
    assignments: Vec<(usize, Option<usize>)>,
}

impl Gathering {
    /// Takes the assignments of a row already prepared for (subject, scope).
    pub(super) fn seed(
        &mut self,
        subject_id: &str,
        scope: &str,
        assignments: &[(usize, Option<usize>)],
    ) {
        self.assignments = assignments.to_vec();
        self.key = Some((subject_id.to_string(), scope.to_string()));
    }

    /// `check`, reusing the assignments gathered for the same subject and scope by the call before.
    pub(super) fn check(
        &mut self,
        engine: &Engine,
        request: &Request,
        subject_id: &str,
    ) -> Option<crate::eval::Verdict> {
        let scope = request.target.scope.key();
        let same = self
            .key
            .as_ref()
            .is_some_and(|(s, k)| s == subject_id && k == scope);
        if !same {
            let row = engine.prepare(request.subject, request.target, None);
            self.assignments = row.assignments().to_vec();
            self.key = Some((subject_id.to_string(), scope.to_string()));
        }
        let gathered = Gathered {
            entries: None,
            assignments: Some(&self.assignments),
            without_ignored_mechanism: false,
        };
        engine.check_gathered(request, gathered).ok()
    }
}

/// A changed decision before its evidence is attached.
pub(super) struct Raw {
    pub(super) principal: String,
    pub(super) via_app: Option<String>,
    pub(super) scope: Scope,
    pub(super) op: usize,
    pub(super) before: Decision,
    pub(super) after: Decision,
    /// Copied from a bystander representative: the evidence is the representative's.
    pub(super) from_rep: Option<&'static str>,
}

/// Grants, denies and reasons for unknown, as `check` gives them.
pub(super) type Evidence = (Vec<Grant>, Vec<Deny>, Vec<UnknownBecause>);

impl Run<'_, '_> {
    /// One changed cell with the evidence after (a bystander's is its representative's).
    pub(super) fn cell(&mut self, r: &Raw) -> Option<(usize, CellChange)> {
        let evidence = self.evidence_after(r)?;
        self.change(r, evidence)
    }

    /// The evidence after of a changed cell: `check` in the snapshot after (a bystander's is its
    /// representative's, taken once).
    pub(super) fn evidence_after(&mut self, r: &Raw) -> Option<Evidence> {
        let action = self.ops.get(r.op).map(|op| op.action.clone())?;
        let evidence_id = r.from_rep.unwrap_or(r.principal.as_str()).to_string();
        let key = (evidence_id.clone(), r.scope.key().to_string(), r.op);
        let cached = r
            .from_rep
            .and_then(|_| self.rep_evidence.get(&key).cloned());
        if cached.is_some() {
            return cached;
        }
        self.subject_pair(&evidence_id);
        let ea = self.ea;
        let target = self
            .after_targets
            .entry(r.scope.key().to_string())
            .or_insert_with(|| ea.target(&r.scope));
        let verdict = self.subjects.get(&evidence_id).and_then(|pair| {
            let request = Request::new(&pair.1, target, &action).via_app(r.via_app.as_deref());
            self.gathered[1].check(ea, &request, &evidence_id)
        });
        let e: Evidence = verdict
            .map(|v| (v.grants, v.denies, v.unknown_because))
            .unwrap_or_default();
        if r.from_rep.is_some() {
            self.rep_evidence.insert(key, e.clone());
        }
        Some(e)
    }

    /// A changed cell with its evidence.
    pub(super) fn change(
        &self,
        r: &Raw,
        (grants, denies, unknown_because): Evidence,
    ) -> Option<(usize, CellChange)> {
        let (name, plane) = self.ops.get(r.op).map(|op| (op.name, op.plane))?;
        Some((
            r.op,
            CellChange {
                principal: self.principal_ref(&r.principal),
                via_app: r.via_app.clone(),
                scope: r.scope.id().to_string(),
                action: name.to_string(),
                plane,
                before: r.before,
                after: r.after,
                grants,
                denies,
                unknown_because,
            },
        ))
    }

    pub(super) fn principal_ref(&self, id: &str) -> PrincipalRef {
        crate::whatif::grouped::principal_ref(self.eb, self.ea, id)
    }
}

/// Sorts cells (principal, application, scope, catalog order) and splits them into gained and lost.
pub(super) fn split(mut cells: Vec<(usize, CellChange)>) -> (Vec<CellChange>, Vec<CellChange>) {
    cells.sort_by_cached_key(|(op, c)| {
        (
            c.principal.display_name.to_lowercase(),
            c.principal.id.clone(),
            c.via_app.clone(),
            c.scope.to_ascii_lowercase(),
            *op,
        )
    });
    cells
        .into_iter()
        .map(|(_, c)| c)
        .partition(CellChange::is_gain)
}

pub(super) fn raw(
    id: &str,
    via_app: Option<String>,
    scope: &Scope,
    op: usize,
    before: Decision,
    after: Decision,
) -> Raw {
    Raw {
        principal: id.to_string(),
        via_app,
        scope: scope.clone(),
        op,
        before,
        after,
        from_rep: None,
    }
}
