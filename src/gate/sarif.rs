//! The report as SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), which GitHub code
//! scanning and Azure DevOps show: one `reportingDescriptor` per rule, one result per violation located
//! at the rule's line in the rule file and, for plan changes, at the Terraform address (a logical
//! location); violations an exception covers carry an external suppression with its reason.

use serde_json::{Value, json};

use super::{Report, RuleResult, Violation};

/// The schema the output declares (OASIS SARIF 2.1.0, errata 01).
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn location(report: &Report, line: usize, addresses: &[String]) -> Value {
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": {"uri": report.rules_file.replace('\\', "/")},
            "region": {"startLine": line.max(1)}
        }
    });
    if !addresses.is_empty() {
        loc["logicalLocations"] = addresses
            .iter()
            .map(|a| json!({"fullyQualifiedName": a, "kind": "resource"}))
            .collect();
    }
    loc
}

fn result(report: &Report, index: usize, rule: &RuleResult, v: &Violation) -> Value {
    let unknown = v.decision == Some(crate::eval::Decision::Unknown);
    let mut r = json!({
        "ruleId": rule.id,
        "ruleIndex": index,
        "level": if unknown { "warning" } else { "error" },
        "message": {"text": v.message},
        "locations": [location(report, rule.line, &v.addresses)],
        "properties": {
            "principal": v.principal,
            "vault": v.vault,
            "operations": v.operations,
            "decision": v.decision,
            "grants": v.grants,
            "evidence": v.evidence,
            "addresses": v.addresses,
        },
    });
    let key = format!(
        "{}|{}|{}|{}",
        rule.id,
        v.principal.as_ref().map_or("", |p| p.id.as_str()),
        v.vault.as_deref().unwrap_or(""),
        v.addresses.join(",")
    );
    r["partialFingerprints"] = json!({"kvaccessViolation/v1": key});
    r
}

/// The whole report as one SARIF log with one run.
pub fn sarif(report: &Report) -> Value {
    let rules: Vec<Value> = report
        .rules
        .iter()
        .map(|r| {
            let text = r
                .description
                .clone()
                .unwrap_or_else(|| format!("{} rule {}", r.kind.as_str(), r.id));
            json!({
                "id": r.id,
                "name": r.kind.as_str(),
                "shortDescription": {"text": text},
                "defaultConfiguration": {"level": "error"},
                "properties": {"kind": r.kind.as_str(), "line": r.line}
            })
        })
        .collect();
    let mut results = Vec::new();
    for (i, rule) in report.rules.iter().enumerate() {
        for v in &rule.violations {
            results.push(result(report, i, rule, v));
        }
        for e in &rule.excepted {
            let mut r = result(report, i, rule, &e.violation);
            r["suppressions"] = json!([{
                "kind": "external",
                "justification": format!("{} (until {}, exception at line {})", e.reason, e.expires, e.exception_line)
            }]);
            results.push(r);
        }
        for e in &rule.expired {
            results.push(json!({
                "ruleId": rule.id,
                "ruleIndex": i,
                "level": "warning",
                "message": {"text": format!("an exception expired on {} and no longer applies: {}", e.expires, e.reason)},
                "locations": [location(report, e.line, &[])],
            }));
        }
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kvaccess",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/kvaccess/kvaccess",
                "rules": rules
            }},
            "results": results,
            "columnKind": "unicodeCodePoints"
        }]
    })
}
