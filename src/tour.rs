//! The guided tour: the demo tenant's story told step by step — two planes, the security team's Key Vault
//! Contributor, the auditors' list rights, the application's managed identity, a Contributor granting
//! itself an access policy, what switching to RBAC changes, a compound identity, the firewall and a private
//! endpoint. Each step names the scope, the principal and the view that show it, says it in two or three
//! sentences, and gives a key to try.
//!
//! Nothing a step claims is written down in advance: every verdict in its text is asked of the engine when
//! the tour is built ([`steps`]), and each [`Claim`] carries the `check` question that gives the same
//! answer. On another snapshot (or after a change) the sentences follow what the engine now says; a step
//! whose principal or scope is missing says so. The CLI (`kvaccess tour`) prints the steps; the explorer
//! steps through them in an overlay that selects each step's scope, principal and view.

mod ask;
mod story;

use crate::eval::{Decision, Engine};
use crate::model::Scope;

/// The view of the explorer a step is seen in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    Permissions,
    Matrix,
    WhoCan,
    Escalations,
}

impl Show {
    /// The explorer's default key for the view.
    pub fn key(self) -> &'static str {
        match self {
            Self::Permissions => "1",
            Self::Matrix => "2",
            Self::WhoCan => "3",
            Self::Escalations => "4",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Permissions => "permissions",
            Self::Matrix => "matrix",
            Self::WhoCan => "who can",
            Self::Escalations => "escalations",
        }
    }
}

/// One answer the engine gave while the step was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The same question on the command line (`check -p Oscar --scope kv-app-prod -a vaults/write`).
    pub question: String,
    pub decision: Decision,
    /// The gate that decided, in words.
    pub because: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub title: &'static str,
    /// Where to look: the scope selected (None when the snapshot lacks it).
    pub scope: Option<Scope>,
    /// The principal selected (object id), when the step is about one.
    pub principal: Option<String>,
    pub show: Show,
    /// The operation to select (permissions) or ask about (who can).
    pub operation: Option<&'static str>,
    /// Where calls come from, as the explorer's `from` prompt takes it.
    pub from: Option<String>,
    /// Two or three sentences, with the engine's answers in them.
    pub text: Vec<String>,
    pub claims: Vec<Claim>,
    /// What to press next, and what it shows.
    pub try_this: String,
}

impl Step {
    /// `vault kv-app-prod · Oscar · permissions (1)`.
    pub fn place(&self, engine: &Engine) -> String {
        let mut parts = vec![
            self.scope
                .as_ref()
                .map_or("(scope not in this snapshot)".into(), |s| {
                    crate::display::describe_scope(engine, s.id())
                }),
        ];
        if let Some(p) = &self.principal {
            parts.push(crate::display::name_of(engine, p));
        }
        let mut view = format!("{} view ({})", self.show.name(), self.show.key());
        if let Some(op) = self.operation {
            view.push_str(&format!(", {op}"));
        }
        parts.push(view);
        if let Some(f) = &self.from {
            // `pe /subscriptions/…/privateEndpoints/pe-x` → `pe pe-x`
            let short = match f.split_once(' ') {
                Some((word, id)) if id.contains('/') => {
                    format!("{word} {}", id.rsplit('/').next().unwrap_or(id))
                }
                _ => f.clone(),
            };
            parts.push(format!("calls from {}", crate::sanitize::clean(&short)));
        }
        parts.join(" · ")
    }
}

/// The tour, asked of `engine` now.
pub fn steps(engine: &Engine) -> Vec<Step> {
    story::all(&ask::Ask::new(engine))
}
