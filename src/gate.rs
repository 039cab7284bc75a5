//! The pull-request gate: access rules as code, checked against a snapshot — or against the state a plan
//! would leave, with the plan's own difference for `no-new-access`. Rules are evaluated with the bulk
//! queries (who-can per vault and operation, escalations per vault), never `check` over every principal
//! and vault.
//!
//! Each violation names its rule, the principal, the vault and the evidence (the grants and group chains
//! `check` gives); exceptions listed in the rule file take violations out until they expire, and expired
//! ones are reported.

mod changes;
mod evaluate;
pub mod junit;
mod rules;
pub mod sarif;

use serde::Serialize;

use crate::eval::{Decision, Grant, PrincipalRef};

pub use changes::{ChangeInput, GateError, evaluate_outcome};
pub use evaluate::{VaultTags, evaluate};
pub use rules::{Exception, Kind, Rule, RuleError, Selector, glob, parse_rules};

/// One way a rule does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<PrincipalRef>,
    /// The application a compound access-policy entry binds the principal to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_app: Option<String>,
    /// The vault's full id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault: Option<String>,
    /// Operations concerned (`secrets/get`), or the escalation technique.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// The grants that give the access, with their group chains (as `check` gives them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    /// Other evidence in words (an escalation's enabling assignment, a vault property).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_because: Vec<String>,
    /// The plan resources (Terraform addresses, ARM ids) that cause it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
}

/// A violation an exception covers, with the exception's line in the rule file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Excepted {
    pub violation: Violation,
    pub exception_line: usize,
    pub reason: String,
    pub expires: String,
}

/// How one rule fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleResult {
    pub id: String,
    pub kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The line of the rule in the rule file.
    pub line: usize,
    /// Vaults the rule looked at.
    pub vaults: usize,
    pub violations: Vec<Violation>,
    pub excepted: Vec<Excepted>,
    /// Exceptions past their date: they no longer apply.
    pub expired: Vec<Exception>,
}

impl RuleResult {
    pub fn holds(&self) -> bool {
        self.violations.is_empty()
    }
}

/// The gate's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The rule file, as given.
    pub rules_file: String,
    /// The day exceptions were compared with (`YYYY-MM-DD`).
    pub today: String,
    pub rules: Vec<RuleResult>,
}

impl Report {
    pub fn holds(&self) -> bool {
        self.rules.iter().all(RuleResult::holds)
    }

    pub fn violations(&self) -> usize {
        self.rules.iter().map(|r| r.violations.len()).sum()
    }
}

/// The last segment of a scope id (a vault's name).
pub fn short(scope: &str) -> String {
    scope
        .rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or("/")
        .to_string()
}
