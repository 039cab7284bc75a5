//! Explanations written for people learning the model: what the selected cell, scope, principal or finding
//! means, in sentences. They are plain data ([`Doc`]), so the Explain pane styles them and the exporter
//! writes them as Markdown. Every string from the snapshot passes through [`clean`].

mod cell;
mod context;
pub mod lesson;
mod verdict;

pub use cell::cell;
pub use context::{finding, matrix_cell, principal, scope};
pub use verdict::Verdicts;

pub use crate::display::{describe_scope, name_of};
use crate::eval::{Decision, Engine};
use crate::model::Scope;
use crate::sanitize::clean;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Heading,
    Dim,
    Id,
    Decision(Decision),
    Escalation,
}

pub type Span = (Tone, String);

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Doc {
    pub title: String,
    pub lines: Vec<Vec<Span>>,
}

impl Doc {
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            lines: Vec::new(),
        }
    }

    pub fn heading(&mut self, text: &str) {
        if !self.lines.is_empty() {
            self.lines.push(Vec::new());
        }
        self.lines.push(vec![(Tone::Heading, text.to_string())]);
    }

    pub fn text(&mut self, text: impl Into<String>) {
        self.lines.push(vec![(Tone::Plain, text.into())]);
    }

    pub fn styled(&mut self, tone: Tone, text: impl Into<String>) {
        self.lines.push(vec![(tone, text.into())]);
    }

    pub fn line(&mut self, spans: Vec<Span>) {
        self.lines.push(spans);
    }

    /// The document as Markdown-ish plain text (export, tests).
    pub fn plain(&self) -> String {
        let mut out = format!("# {}\n", self.title);
        for l in &self.lines {
            let text: String = l.iter().map(|(_, t)| t.as_str()).collect();
            match l.first() {
                Some((Tone::Heading, _)) => out.push_str(&format!("## {text}\n")),
                _ => {
                    out.push_str(&text);
                    out.push('\n');
                }
            }
        }
        out
    }
}

/// `kv-app-rbac ← resource group rg-app-prod ← subscription Prod ← …`: where inherited grants come from.
pub fn ancestry_words(engine: &Engine, scope: &Scope) -> String {
    engine
        .index
        .ancestry(scope)
        .scopes
        .iter()
        .map(|s| describe_scope(engine, s.id()))
        .collect::<Vec<_>>()
        .join(" ← ")
}

/// `Bob → Security on-call → Security team`.
pub fn chain_words(engine: &Engine, principal: &str, groups: &[impl AsRef<str>]) -> String {
    std::iter::once(name_of(engine, principal))
        .chain(groups.iter().map(|g| name_of(engine, g.as_ref())))
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The last segment of an id, for compact references.
pub fn short_id(id: &str) -> String {
    clean(id.rsplit('/').find(|s| !s.is_empty()).unwrap_or(id)).into_owned()
}
