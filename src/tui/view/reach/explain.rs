//! A reach row explained: the verdict at its vault (or item) for its first operation, a self-grant path in
//! full, an eligibility or a vault as what it is.

use super::{ReachView, Row};
use crate::model::Scope;
use crate::tui::explain::{self, Doc, Verdicts};
use crate::tui::principals::PrincipalEntry;

impl ReachView {
    pub fn explain_key(&self) -> String {
        format!(
            "{}|{}",
            self.cursor.selected,
            u8::from(self.ready().is_some())
        )
    }

    /// The selected row of `principal`'s reach explained; `hide_disputed`: the disputed technique is left
    /// out of a self-grant path's telling.
    pub fn explain(
        &self,
        verdicts: &Verdicts,
        principal: Option<&PrincipalEntry>,
        hide_disputed: bool,
    ) -> Doc {
        let engine = verdicts.world;
        let (Some(row), Some(p)) = (self.selected(), principal) else {
            return Doc::new("Reach");
        };
        if let Some(f) = self.selected_finding() {
            return explain::finding(engine, f, hide_disputed);
        }
        let Some(target) = self.target() else {
            return Doc::new("Reach");
        };
        let Ok(scope) = Scope::parse(&target.scope) else {
            return Doc::new("Reach");
        };
        match (row, target.operation) {
            (_, Some(op)) => verdicts.doc(&p.id, None, &scope, op, None),
            (Row::Eligible(v, e), None) => {
                let mut d = Doc::new("Eligible (PIM), not active");
                if let Some(text) = self
                    .ready()
                    .and_then(|r| r.vaults.get(v))
                    .and_then(|v| v.eligible.get(e))
                {
                    d.text(format!(
                        "{} could activate {} and then hold what it gives; until then it gives nothing.",
                        p.name,
                        crate::sanitize::clean(text)
                    ));
                }
                d
            }
            _ => explain::scope(engine, &scope),
        }
    }
}
