//! A verdict explained, as the permissions, who-can and reach views tell it: the engine's check of a
//! principal, an operation and a scope, with every self-grant path where the table marks one, the logs'
//! "last used", and in a hypothetical world the decision before and after.

use super::{Doc, Tone, cell, describe_scope};
use crate::activity::LastUsed;
use crate::catalog::Plane;
use crate::eval::{Decision, Engine, Origin, Request};
use crate::model::Scope;
use crate::query::Technique;
use crate::tui::permissions::operations;
use crate::tui::theme::{ITEMS_SYMBOL, decision_symbol};

/// What a verdict's explanation needs from around the views.
pub struct Verdicts<'a> {
    /// The world on screen.
    pub world: &'a Engine,
    /// The real world while a hypothetical one is on screen: its decision is told beside.
    pub real: Option<&'a Engine>,
    /// Where calls come from (data-plane verdicts apply the firewall).
    pub origin: Option<&'a Origin>,
    /// When each grant was last used, from the logs.
    pub last_used: Option<&'a LastUsed>,
    /// The key that sets where calls come from, as the help names it.
    pub from_key: String,
}

impl Verdicts<'_> {
    /// The verdict for `principal` (through `via_app`, if any) doing `op` at `scope`; `escalation`: the
    /// table marks a self-grant path for it.
    pub fn doc(
        &self,
        principal: &str,
        via_app: Option<&str>,
        scope: &Scope,
        op: &str,
        escalation: Option<Technique>,
    ) -> Doc {
        let engine = self.world;
        let Some((_, action)) = operations().iter().find(|(o, _)| o.name == op) else {
            return Doc::new(format!("unknown operation {op}"));
        };
        let subject = engine.subject(principal);
        let target = engine.target(scope);
        let origin = if action.plane == Plane::Data {
            self.origin
        } else {
            None
        };
        let request = Request::new(&subject, &target, action)
            .via_app(via_app)
            .from(origin);
        match engine.check(&request) {
            Ok(v) => {
                // Every path, as `check` lists them, where the table marks one.
                let paths = if escalation.is_some() && v.decision != Decision::Allowed {
                    crate::query::self_grants(engine, principal, scope, action)
                } else {
                    Vec::new()
                };
                let mut doc = cell(engine, &v, &paths, &self.from_key, self.last_used);
                if v.decision != Decision::Allowed {
                    on_items(
                        &mut doc,
                        engine,
                        &crate::query::beside_vault(engine, &request, scope),
                    );
                }
                if let Some(real_engine) = self.real {
                    let real = real_engine.check(
                        &Request::new(
                            &real_engine.subject(principal),
                            &real_engine.target(scope),
                            action,
                        )
                        .via_app(via_app)
                        .from(origin),
                    );
                    let before = real.map_or("unknown", |r| r.decision.as_str());
                    doc.lines.insert(
                        0,
                        vec![(
                            Tone::Heading,
                            format!("what-if: before {before}, after {}", v.decision.as_str()),
                        )],
                    );
                }
                doc
            }
            Err(e) => {
                let mut d = Doc::new(op.to_string());
                d.text(crate::sanitize::clean(&e.to_string()).into_owned());
                d
            }
        }
    }
}

/// The items of the vault where the principal may do it through grants made there, as `check` lists them:
/// "denied" on the vault is not "no secret of it" (docs/semantics.md D5).
fn on_items(doc: &mut Doc, engine: &Engine, items: &[crate::query::ItemAnswer]) {
    if items.is_empty() {
        return;
    }
    // Right after the verdict line and the gate that decided it: this qualifies the answer itself.
    let at = doc.lines.len().min(2);
    let n = items.len();
    let words = if n == 1 { "item" } else { "items" };
    let mut lines = vec![vec![(
        Tone::Decision(Decision::Allowed),
        format!("{ITEMS_SYMBOL} but on {n} {words} of this vault, through grants made there:"),
    )]];
    for i in items {
        lines.push(vec![
            (
                Tone::Decision(i.decision),
                format!(
                    "  {} {:<12}",
                    decision_symbol(i.decision),
                    i.decision.as_str()
                ),
            ),
            (Tone::Plain, describe_scope(engine, &i.item)),
        ]);
        for g in &i.grants {
            lines.push(vec![(
                Tone::Dim,
                format!("      {}", crate::display::grant_line(engine, g)),
            )]);
        }
    }
    doc.lines.splice(at..at, lines);
}
