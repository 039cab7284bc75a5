//! Asking the engine for the tour: principals and scopes found by the names the story uses, questions
//! answered by `check`'s own path, each answer kept as a [`Claim`] with the command that reproduces it.

use crate::catalog;
use crate::display::{decided_by, name_of};
use crate::eval::{Decision, Engine, Origin, Request, Verdict};
use crate::model::Scope;
use crate::query::{self, Finding};

use super::Claim;

pub(super) struct Ask<'e> {
    pub engine: &'e Engine,
}

/// One question: who, where, what, and optionally through which application and from where.
pub(super) struct Question<'q> {
    pub who: Option<&'q str>,
    pub scope: Option<&'q Scope>,
    pub op: &'q str,
    pub via_app: Option<&'q str>,
    /// The location as the explorer and the CLI take it, and parsed.
    pub from: Option<(&'q str, Origin)>,
    /// The principal and the scope as the story names them, for the command when the snapshot lacks them.
    pub named: Option<(&'q str, &'q str)>,
}

impl<'q> Question<'q> {
    pub fn new(who: Option<&'q str>, scope: Option<&'q Scope>, op: &'q str) -> Self {
        Self {
            who,
            scope,
            op,
            via_app: None,
            from: None,
            named: None,
        }
    }
}

impl<'e> Ask<'e> {
    pub fn new(engine: &'e Engine) -> Self {
        Self { engine }
    }

    /// A principal's object id, by any name `--principal` takes.
    pub fn principal(&self, name: &str) -> Option<String> {
        query::resolve_principal(self.engine, name).ok()
    }

    pub fn scope(&self, text: &str) -> Option<Scope> {
        query::resolve_scope(&self.engine.snapshot, text).ok()
    }

    pub fn name(&self, id: &str) -> String {
        name_of(self.engine, id)
    }

    /// The verdict, as `check` gives it.
    pub fn verdict(&self, q: &Question) -> Option<Verdict> {
        let (who, scope) = (q.who?, q.scope?);
        let action = catalog::resolve(q.op).ok()?;
        let subject = self.engine.subject(who);
        let target = self.engine.target(scope);
        let origin = q.from.as_ref().map(|(_, o)| o);
        self.engine
            .check(
                &Request::new(&subject, &target, &action)
                    .via_app(q.via_app)
                    .from(origin),
            )
            .ok()
    }

    /// The answer as a claim: decision, the gate that decided, and the command that asks the same.
    pub fn claim(&self, q: &Question) -> Claim {
        let question = self.command(q);
        match self.verdict(q) {
            Some(v) => Claim {
                question,
                decision: v.decision,
                because: decided_by(self.engine, &v),
            },
            None => Claim {
                question,
                decision: Decision::Unknown,
                because: "the principal or the scope is not in this snapshot".into(),
            },
        }
    }

    fn command(&self, q: &Question) -> String {
        let (who_named, scope_named) = q.named.unwrap_or(("?", "?"));
        let who = q.who.map_or_else(|| who_named.into(), |w| self.name(w));
        let scope = q.scope.map_or_else(
            || scope_named.into(),
            |s| crate::sanitize::clean(s.name()).into_owned(),
        );
        let mut out = format!("check -p '{who}' --scope {scope} -a {}", q.op);
        if let Some(app) = q.via_app {
            out.push_str(&format!(" --via-app {app}"));
        }
        match q.from.as_ref().map(|(text, _)| *text) {
            Some(t) if t.starts_with("pe ") => {
                out.push_str(&format!(" --private-endpoint {}", &t[3..]))
            }
            Some("pe") => out.push_str(" --private-endpoint"),
            Some("internet") => out.push_str(" --from-ip internet"),
            Some(t) => out.push_str(&format!(" --from-ip {t}")),
            None => {}
        }
        out
    }

    /// The self-grant paths that would give `who` the operation at `scope`, as `check` lists them.
    pub fn self_grants(&self, who: Option<&str>, scope: Option<&Scope>, op: &str) -> Vec<Finding> {
        match (who, scope, catalog::resolve(op)) {
            (Some(w), Some(s), Ok(a)) => query::self_grants(self.engine, w, s, &a),
            _ => Vec::new(),
        }
    }
}
