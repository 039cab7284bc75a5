//! The state a front-end keeps for what-if: the change list with on/off toggles, and one-line summaries.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::catalog;
use crate::eval::Engine;
use crate::model::{Scope, Snapshot};

use super::WhatIfError;
use super::apply::{Applied, Outcome, apply_indexed};
use super::change::Change;
use super::diff::{Diff, diff_engines};
use super::parse::parse_changes;

/// One change in a scenario, and whether it is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioEntry {
    pub change: Change,
    pub enabled: bool,
}

/// A change list being edited: changes can be toggled off without losing them. Errors from [`apply`]
/// name positions in the whole list, disabled changes included, so they point at the row a user sees.
///
/// [`apply`]: Scenario::apply
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scenario {
    pub entries: Vec<ScenarioEntry>,
}

impl Scenario {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn from_changes(changes: impl IntoIterator<Item = Change>) -> Self {
        Self {
            entries: changes
                .into_iter()
                .map(|change| ScenarioEntry {
                    change,
                    enabled: true,
                })
                .collect(),
        }
    }

    /// Reads the change-list format; `"enabled": false` marks a change that is kept but not applied.
    pub fn from_json(text: &str) -> Result<Self, WhatIfError> {
        Ok(Self {
            entries: parse_changes(text)?
                .into_iter()
                .map(|(change, enabled)| ScenarioEntry { change, enabled })
                .collect(),
        })
    }

    /// The change list as JSON (what [`from_json`](Self::from_json) reads).
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.entries
                .iter()
                .map(|e| {
                    let mut v = e.change.to_json();
                    if !e.enabled
                        && let Value::Object(o) = &mut v
                    {
                        o.insert("enabled".into(), Value::Bool(false));
                    }
                    v
                })
                .collect(),
        )
    }

    pub fn push(&mut self, change: Change) {
        self.entries.push(ScenarioEntry {
            change,
            enabled: true,
        });
    }

    pub fn remove(&mut self, index: usize) -> Option<Change> {
        (index < self.entries.len()).then(|| self.entries.remove(index).change)
    }

    /// Flips a change on or off; returns its new state (`None` for a position past the end).
    pub fn toggle(&mut self, index: usize) -> Option<bool> {
        let e = self.entries.get_mut(index)?;
        e.enabled = !e.enabled;
        Some(e.enabled)
    }

    pub fn set_enabled(&mut self, index: usize, enabled: bool) -> bool {
        match self.entries.get_mut(index) {
            Some(e) => {
                let changed = e.enabled != enabled;
                e.enabled = enabled;
                changed
            }
            None => false,
        }
    }

    /// The enabled changes with their positions.
    pub fn active(&self) -> impl Iterator<Item = (usize, &Change)> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.enabled)
            .map(|(i, e)| (i, &e.change))
    }

    pub fn active_count(&self) -> usize {
        self.active().count()
    }

    /// The hypothetical snapshot (a copy; `base` is untouched).
    pub fn apply(&self, base: &Snapshot) -> Result<Outcome, WhatIfError> {
        apply_indexed(base, self.active())
    }

    /// Applies the enabled changes to the snapshot of `before` and compares the hypothetical world with
    /// it. A front-end re-diffing as changes are toggled keeps `before` between calls.
    pub fn diff(&self, before: &Engine, scope: Option<&Scope>) -> Result<Evaluated, WhatIfError> {
        let outcome = self.apply(&before.snapshot)?;
        let after = Engine::after(before, outcome.snapshot);
        let mut diff = diff_engines(before, &after, scope);
        diff.changes = outcome.applied.len();
        Ok(Evaluated {
            after,
            applied: outcome.applied,
            diff,
        })
    }
}

/// A scenario evaluated against the real world: the engine over the hypothetical snapshot, the changes
/// as applied, and what they change.
pub struct Evaluated {
    pub after: Engine,
    pub applied: Vec<Applied>,
    pub diff: Diff,
}

/// What an operation group lets one do, for sentences: (verb phrase, preposition).
fn phrase(group: &str) -> (&'static str, &'static str) {
    match group {
        "secrets/get" => ("read secrets", "in"),
        "secrets/list" => ("list secrets", "in"),
        "secrets/set" => ("write secrets", "in"),
        "secrets/delete" => ("delete, back up or restore secrets", "in"),
        "secrets/purge" => ("purge secrets", "in"),
        "keys/use" => ("use keys", "in"),
        "keys/read" => ("read keys", "in"),
        "keys/write" => ("create or change keys", "in"),
        "keys/delete" => ("delete, back up or restore keys", "in"),
        "keys/purge" => ("purge keys", "in"),
        "certificates/read" => ("read certificates", "in"),
        "certificates/write" => ("create or change certificates", "in"),
        "certificates/delete" => ("delete, back up or restore certificates", "in"),
        "certificates/purge" => ("purge certificates", "in"),
        "storage/read" => ("read managed storage accounts", "in"),
        "storage/write" => ("change managed storage accounts", "in"),
        "storage/delete" => ("delete managed storage accounts", "in"),
        "storage/purge" => ("purge managed storage accounts", "in"),
        "vault/read" => ("read the configuration of", ""),
        "vault/configure" => ("configure", ""),
        "vault/delete" => ("delete", ""),
        "vault/purge" => ("purge the deleted vault", ""),
        "roles/read" => ("read role assignments on", ""),
        "roles/assign" => ("assign roles on", ""),
        _ => ("change access", "in"),
    }
}

/// Operation groups by how much they matter to a reader, most first.
const IMPORTANCE: [&str; 24] = [
    "secrets/get",
    "keys/use",
    "certificates/read",
    "roles/assign",
    "vault/configure",
    "secrets/set",
    "keys/read",
    "secrets/list",
    "keys/write",
    "certificates/write",
    "secrets/delete",
    "keys/delete",
    "certificates/delete",
    "secrets/purge",
    "keys/purge",
    "certificates/purge",
    "vault/delete",
    "vault/purge",
    "storage/read",
    "storage/write",
    "storage/delete",
    "storage/purge",
    "vault/read",
    "roles/read",
];

fn group_of(action: &str) -> &'static str {
    catalog::operations()
        .iter()
        .find(|op| op.name == action)
        .map_or("", |op| op.group)
}

/// One sentence per (vault, operation group) whose set of capable principals changes, largest first:
/// "+3 principals can read secrets in kv-app-prod", "-1 principal can no longer configure kv-app-rbac".
/// Decisions that change without granting or removing access (denied ↔ unknown, conditional ↔ allowed)
/// are counted in a last sentence.
pub fn summary_lines(diff: &Diff) -> Vec<String> {
    type Key = (String, &'static str, bool);
    let mut groups: BTreeMap<Key, BTreeSet<&str>> = BTreeMap::new();
    let mut other: BTreeSet<(&str, &str, &str)> = BTreeSet::new();
    for c in diff.gained.iter().chain(&diff.lost) {
        let vault = c
            .vault()
            .map(|v| v.name().to_string())
            .unwrap_or_else(|| c.scope.clone());
        let gains = c.after.grants_something() && !c.before.grants_something();
        let loses = c.before.grants_something() && !c.after.grants_something();
        if gains || loses {
            groups
                .entry((vault, group_of(&c.action), gains))
                .or_default()
                .insert(&c.principal.id);
        } else {
            other.insert((&c.principal.id, &c.scope, &c.action));
        }
    }
    let mut lines: Vec<((usize, usize), String)> = groups
        .into_iter()
        .map(|((vault, group, gains), who)| {
            let rank = IMPORTANCE
                .iter()
                .position(|g| *g == group)
                .unwrap_or(IMPORTANCE.len());
            let (verb, prep) = phrase(group);
            let n = who.len();
            let noun = if n == 1 { "principal" } else { "principals" };
            let place = if prep.is_empty() {
                vault
            } else {
                format!("{prep} {vault}")
            };
            let text = if gains {
                format!("+{n} {noun} can {verb} {place}")
            } else {
                format!("-{n} {noun} can no longer {verb} {place}")
            };
            ((n, rank), crate::sanitize::clean(&text).into_owned())
        })
        .collect();
    // Most principals first, then the most consequential operations (a stable sort keeps vault order).
    lines.sort_by(|a, b| b.0.0.cmp(&a.0.0).then(a.0.1.cmp(&b.0.1)));
    let mut out: Vec<String> = lines.into_iter().map(|(_, t)| t).collect();
    if !other.is_empty() {
        out.push(format!(
            "{} other decision change(s) (unknown or conditional)",
            other.len()
        ));
    }
    let (added, removed) = (diff.escalations_added.len(), diff.escalations_removed.len());
    if added + removed > 0 {
        out.push(format!("escalation paths: +{added} -{removed}"));
    }
    if !diff.network.is_empty() {
        out.push(format!("{} vault firewall(s) changed", diff.network.len()));
    }
    out
}

/// The headline for a status line: the first sentences of [`summary_lines`], or "no change in access".
pub fn summary(diff: &Diff) -> String {
    let lines = summary_lines(diff);
    match lines.len() {
        0 => "no change in access".to_string(),
        1..=3 => lines.join("; "),
        n => format!(
            "{}; …and {} more",
            lines.iter().take(3).cloned().collect::<Vec<_>>().join("; "),
            n - 3
        ),
    }
}
