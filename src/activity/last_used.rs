//! When each grant was last used: for every grant the evaluator names as allowing a logged successful call
//! (as [`super::unused`] counts use), the latest such call. Computed once when the logs are read, so that
//! the explorer can say "last used" beside each grant without evaluating anything again.
//!
//! A grant no call used is "not used in the window" only at a vault with logged calls; where the logs hold
//! no call at the vault, they say nothing about it (no logs is no evidence).

use std::collections::{HashMap, HashSet};

use super::join::Filter;
use super::read::Reading;
use super::summary::Span;
use super::time;
use super::unused::needing;
use crate::eval::{Engine, Grant};
use crate::model::Scope;

/// The latest successful call a grant allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastUse {
    pub time: i64,
    /// The logged operation (`SecretGet`).
    pub operation: String,
    /// The caller's object id.
    pub caller: String,
}

#[derive(Debug, Default)]
pub struct LastUsed {
    /// By grant id, lower case.
    by_grant: HashMap<String, LastUse>,
    /// Vault ids (lower case) with at least one logged call.
    vaults: HashSet<String>,
    /// The first and last call read.
    pub span: Option<Span>,
}

impl LastUsed {
    pub fn compute(reading: &Reading, engine: &Engine) -> Self {
        let store = &reading.store;
        let mut out = Self {
            span: reading.span,
            ..Self::default()
        };
        needing(reading, engine, &Filter::default(), |k, s, grants| {
            out.vaults.insert(store.strings.get(k.vault).to_string());
            let Some(t) = s.success.map(|s| s.last) else {
                return;
            };
            for g in grants {
                let slot = out.by_grant.entry(g.id.to_ascii_lowercase());
                let newer = LastUse {
                    time: t,
                    operation: store.strings.get(k.operation).to_string(),
                    caller: store.strings.get(k.caller).to_string(),
                };
                slot.and_modify(|u| {
                    if t > u.time {
                        *u = newer.clone();
                    }
                })
                .or_insert(newer);
            }
        });
        out
    }

    pub fn get(&self, grant_id: &str) -> Option<&LastUse> {
        self.by_grant.get(&grant_id.to_ascii_lowercase())
    }

    /// What the logs say of `grant` where it was explained (`at`: the vault or item of the verdict).
    pub fn words(&self, grant: &Grant, at: &str) -> String {
        if let Some(u) = self.get(&grant.id) {
            return format!("last used {} ({})", time::format(u.time), u.operation);
        }
        let vault = Scope::parse(at)
            .ok()
            .and_then(|s| s.vault())
            .map(|v| v.key().to_string());
        match (vault, self.span) {
            (Some(v), Some(span)) if self.vaults.contains(&v) => format!(
                "not used by any logged call ({} → {})",
                time::format(span.first),
                time::format(span.last)
            ),
            _ => "use unknown: the logs hold no call at this vault".to_string(),
        }
    }
}
