//! The activity answers as tables, for CSV and Markdown: one header, one row per answer line. Every cell
//! is cleaned of control characters by the writers in `output`.

use anyhow::Result;

use super::super::{TableFormat, output};
use crate::activity::compare::CouldVsDid;
use crate::activity::unused::Unused;
use crate::activity::{ModelCheck, WhoDid};
use crate::eval::{Engine, Grant};

pub struct Table {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

/// Prints as CSV or as a Markdown table (text and JSON are rendered elsewhere).
pub fn print(format: TableFormat, t: &Table) -> Result<()> {
    use std::io::Write;
    if format == TableFormat::Csv {
        let mut w = output::csv_out();
        output::csv_row(
            &mut w,
            &t.header.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
        )?;
        for row in &t.rows {
            output::csv_row(&mut w, row)?;
        }
        w.flush()?;
        return Ok(());
    }
    let mut o = output::out();
    writeln!(o, "| {} |", t.header.join(" | "))?;
    writeln!(o, "|{}", "---|".repeat(t.header.len()))?;
    for row in &t.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| output::md(&c.replace('\n', " ")))
            .collect();
        writeln!(o, "| {} |", cells.join(" | "))?;
    }
    Ok(())
}

fn grants(engine: Option<&Engine>, grants: &[Grant]) -> String {
    grants
        .iter()
        .map(|g| match engine {
            Some(e) => output::grant_line(e, g)
                .replace('\n', " ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            None => g.id.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

pub fn who_did(engine: Option<&Engine>, r: &WhoDid) -> Table {
    Table {
        header: vec![
            "vault",
            "item",
            "operation",
            "permission",
            "callerId",
            "callerName",
            "callerType",
            "app",
            "count",
            "successes",
            "denied",
            "deniedByFirewall",
            "otherFailures",
            "first",
            "last",
            "sourceIps",
            "decisionNow",
            "grantsNow",
        ],
        rows: r
            .entries
            .iter()
            .map(|e| {
                let now = e.now.as_ref();
                vec![
                    e.vault.clone(),
                    opt(e.item.as_ref()),
                    e.operation.clone(),
                    opt(e.permission.as_ref()),
                    e.caller.id.clone(),
                    e.caller.display_name.clone(),
                    e.caller.kind.as_str().to_string(),
                    opt(e.app.as_ref()),
                    e.count.to_string(),
                    e.successes.to_string(),
                    e.denied.to_string(),
                    e.denied_by_firewall.to_string(),
                    e.other_failures.to_string(),
                    e.first.clone(),
                    e.last.clone(),
                    e.source_ips.join(" "),
                    now.map(|n| opt(n.decision.map(|d| d.as_str())).to_string())
                        .unwrap_or_default(),
                    now.map(|n| grants(engine, &n.grants)).unwrap_or_default(),
                ]
            })
            .collect(),
    }
}

pub fn model_check(engine: &Engine, m: &ModelCheck) -> Table {
    Table {
        header: vec![
            "kind",
            "class",
            "vault",
            "item",
            "callerId",
            "callerName",
            "operation",
            "successes",
            "denied",
            "deniedByFirewall",
            "first",
            "last",
            "sourceIps",
            "appliedAssignments",
            "kvaccess",
            "kvaccessGrants",
            "because",
        ],
        rows: m
            .disagreements
            .iter()
            .map(|d| {
                vec![
                    json_word(&d.kind),
                    json_word(&d.class),
                    d.vault.clone(),
                    opt(d.item.as_ref()),
                    d.caller.id.clone(),
                    d.caller.display_name.clone(),
                    d.log.operation.clone(),
                    d.log.successes.to_string(),
                    d.log.denied.to_string(),
                    d.log.denied_by_firewall.to_string(),
                    d.log.first.clone(),
                    d.log.last.clone(),
                    d.log.source_ips.join(" "),
                    d.log.applied_assignments.join(" "),
                    d.kvaccess.decision.as_str().to_string(),
                    grants(Some(engine), &d.kvaccess.grants),
                    d.because.clone(),
                ]
            })
            .collect(),
    }
}

/// A serde enum value as its JSON word (`snapshotOlderThanCall`).
pub fn json_word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub fn unused(u: &Unused) -> Table {
    Table {
        header: vec![
            "kind",
            "vault",
            "id",
            "principalId",
            "principalName",
            "role",
            "scope",
            "unusedPermissions",
            "usedPermissions",
            "note",
        ],
        rows: u
            .grants
            .iter()
            .map(|g| {
                vec![
                    json_word(&g.kind),
                    g.vault.clone(),
                    g.id.clone(),
                    g.principal_id.clone(),
                    g.principal_name.clone(),
                    opt(g.role_name.as_ref()),
                    g.scope.clone(),
                    g.unused_permissions.join(" "),
                    g.used_permissions.join(" "),
                    opt(g.note.as_ref()),
                ]
            })
            .collect(),
    }
}

pub fn could_vs_did(engine: &Engine, c: &CouldVsDid) -> Table {
    let mut rows = Vec::new();
    for op in &c.operations {
        for r in &op.rows {
            rows.push(vec![
                c.scope.clone(),
                op.operation.clone(),
                op.logged_as.join(" "),
                r.principal.id.clone(),
                r.principal.display_name.clone(),
                r.principal.kind.as_str().to_string(),
                json_word(&r.status),
                r.could.as_str().to_string(),
                r.successes.to_string(),
                r.denied.to_string(),
                r.denied_by_firewall.to_string(),
                opt(r.last_call.as_ref()),
                grants(Some(engine), &r.grants),
            ]);
        }
    }
    Table {
        header: vec![
            "scope",
            "operation",
            "loggedAs",
            "principalId",
            "principalName",
            "principalType",
            "status",
            "could",
            "successes",
            "denied",
            "deniedByFirewall",
            "lastCall",
            "grants",
        ],
        rows,
    }
}
