//! The rule file (TOML): `[[rule]]` tables, each with an `id`, a `kind` and the fields its kind takes, and
//! `[[rule.exception]]` tables. Every problem is reported with its line and column (the `toml` crate's
//! spans), so a CI log points at the place to fix.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::catalog::{self, Action};

/// A rule file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct RuleError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// What a rule checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Only the listed principals (or members of the listed groups) may hold the operations.
    OnlyPrincipals,
    /// Nobody outside the listed principals/groups can grant themselves data access.
    NoSelfGrant,
    /// The vaults use RBAC, have purge protection, deny public network access (each as required).
    VaultPosture,
    /// No access-policy entry grants `all`.
    NoAllPermission,
    /// No identity holds data access through a role assigned at a subscription or above.
    NoWideDataRoles,
    /// No change adds data-plane access for anyone.
    NoNewAccess,
}

impl Kind {
    pub const ALL: [(&'static str, Kind); 6] = [
        ("only-principals", Kind::OnlyPrincipals),
        ("no-self-grant", Kind::NoSelfGrant),
        ("vault-posture", Kind::VaultPosture),
        ("no-all-permission", Kind::NoAllPermission),
        ("no-wide-data-roles", Kind::NoWideDataRoles),
        ("no-new-access", Kind::NoNewAccess),
    ];

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("", |(s, _)| s)
    }
}

/// Which vaults a rule is about: all of the conditions given hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Selector {
    /// A name pattern: `*` any run of characters, `?` one; case-insensitive.
    pub name: Option<String>,
    /// Tags the vault must carry, each value a pattern as for `name`.
    pub tags: Option<BTreeMap<String, String>>,
    /// Vaults at or below this scope (a full ARM id).
    pub scope: Option<String>,
}

/// An exception: a principal (and optionally a vault) the rule does not apply to, until a date.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Exception {
    /// As written: object id, UPN, appId or display name (resolved against the snapshot).
    pub principal: Option<String>,
    /// A vault name pattern, or a full vault id.
    pub vault: Option<String>,
    pub reason: String,
    /// `YYYY-MM-DD`, the last day it applies.
    pub expires: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rule {
    pub id: String,
    pub kind: Kind,
    pub description: Option<String>,
    /// The line of the rule's `[[rule]]` header.
    pub line: usize,
    pub vaults: Selector,
    /// Operations as the catalog names them (`secrets/get`).
    pub operations: Vec<String>,
    pub principals: Vec<String>,
    pub groups: Vec<String>,
    pub require_rbac: bool,
    pub require_purge_protection: bool,
    pub deny_public_network_access: bool,
    pub exceptions: Vec<Exception>,
}

impl Rule {
    pub fn actions(&self) -> Vec<Action> {
        self.operations
            .iter()
            .filter_map(|o| catalog::resolve(o).ok())
            .collect()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRule {
    id: Spanned<String>,
    kind: Spanned<String>,
    description: Option<String>,
    vaults: Option<Selector>,
    operations: Option<Vec<Spanned<String>>>,
    principals: Option<Vec<String>>,
    groups: Option<Vec<String>>,
    require_rbac: Option<bool>,
    require_purge_protection: Option<bool>,
    deny_public_network_access: Option<bool>,
    #[serde(default)]
    exception: Vec<Spanned<RawException>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    principal: Option<String>,
    vault: Option<String>,
    reason: Spanned<String>,
    expires: Spanned<toml::Value>,
}

/// Line and column (1-based) of a byte offset.
fn place(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len(), |n| before.len() - n - 1)
        + 1;
    (line, column)
}

fn error(text: &str, span: Range<usize>, message: impl Into<String>) -> RuleError {
    let (line, column) = place(text, span.start);
    RuleError {
        line,
        column,
        message: message.into(),
    }
}

/// Reads a rule file. Every rule is checked; the first problem is returned.
pub fn parse_rules(text: &str) -> Result<Vec<Rule>, RuleError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| place(text, s.start));
        RuleError {
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })?;
    if raw.rule.is_empty() {
        return Err(RuleError {
            line: 1,
            column: 1,
            message: "no [[rule]] tables: the file checks nothing".into(),
        });
    }
    let mut rules: Vec<Rule> = Vec::new();
    for spanned in raw.rule {
        let span = spanned.span();
        let r = spanned.into_inner();
        let kind = Kind::ALL
            .iter()
            .find(|(s, _)| *s == r.kind.get_ref().as_str())
            .map(|(_, k)| *k)
            .ok_or_else(|| {
                let names: Vec<&str> = Kind::ALL.iter().map(|(s, _)| *s).collect();
                error(
                    text,
                    r.kind.span(),
                    format!(
                        "unknown kind '{}': one of {}",
                        r.kind.get_ref(),
                        names.join(", ")
                    ),
                )
            })?;
        if rules.iter().any(|x| &x.id == r.id.get_ref()) {
            return Err(error(
                text,
                r.id.span(),
                format!("a rule with id '{}' exists above", r.id.get_ref()),
            ));
        }
        let mut operations = Vec::new();
        for op in r.operations.unwrap_or_default() {
            let action = catalog::resolve(op.get_ref())
                .map_err(|e| error(text, op.span(), format!("{e}")))?;
            operations.push(action.label.clone());
        }
        let needs = |present: bool, what: &str| {
            if present {
                Ok(())
            } else {
                Err(error(
                    text,
                    r.kind.span(),
                    format!("{} needs {what}", kind.as_str()),
                ))
            }
        };
        match kind {
            Kind::OnlyPrincipals => needs(!operations.is_empty(), "operations = [...]")?,
            Kind::VaultPosture => needs(
                r.require_rbac.is_some()
                    || r.require_purge_protection.is_some()
                    || r.deny_public_network_access.is_some(),
                "require-rbac, require-purge-protection or deny-public-network-access",
            )?,
            _ => {}
        }
        let mut exceptions = Vec::new();
        for e in r.exception {
            let line = place(text, e.span().start).0;
            let e = e.into_inner();
            let expires = match e.expires.get_ref() {
                toml::Value::Datetime(d) if d.time.is_none() => d
                    .date
                    .map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)),
                toml::Value::String(s) => s
                    .parse::<toml::value::Datetime>()
                    .ok()
                    .filter(|d| d.time.is_none())
                    .and_then(|d| d.date)
                    .map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)),
                _ => None,
            };
            let expires = match expires {
                Some(d) => d,
                None => {
                    return Err(error(
                        text,
                        e.expires.span(),
                        "expires must be a date (YYYY-MM-DD)",
                    ));
                }
            };
            if e.reason.get_ref().trim().is_empty() {
                return Err(error(text, e.reason.span(), "an exception needs a reason"));
            }
            if e.principal.is_none() && e.vault.is_none() {
                return Err(error(
                    text,
                    e.reason.span(),
                    "an exception names a principal, a vault, or both",
                ));
            }
            exceptions.push(Exception {
                principal: e.principal,
                vault: e.vault,
                reason: e.reason.into_inner(),
                expires,
                line,
            });
        }
        rules.push(Rule {
            id: r.id.into_inner(),
            kind,
            description: r.description,
            line: place(text, span.start).0,
            vaults: r.vaults.unwrap_or_default(),
            operations,
            principals: r.principals.unwrap_or_default(),
            groups: r.groups.unwrap_or_default(),
            require_rbac: r.require_rbac.unwrap_or(false),
            require_purge_protection: r.require_purge_protection.unwrap_or(false),
            deny_public_network_access: r.deny_public_network_access.unwrap_or(false),
            exceptions,
        });
    }
    Ok(rules)
}

/// `*` any run, `?` one character; case-insensitive.
pub fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some('?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) => a == b && go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    go(&p, &t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_names_in_any_case() {
        assert!(glob("kv-*-prod", "KV-app-PROD"));
        assert!(glob("kv-?", "kv-1"));
        assert!(!glob("kv-?", "kv-12"));
        assert!(!glob("kv-*", "my-kv-app"));
        assert!(glob("*", ""));
    }

    #[test]
    fn places_count_lines_and_columns_from_one() {
        assert_eq!(place("a\nbc", 3), (2, 2));
        assert_eq!(place("abc", 0), (1, 1));
    }
}
