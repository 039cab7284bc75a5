//! Text and JSON for the activity answers; CSV and Markdown go through [`super::table`]. Every string that
//! came from a log or the snapshot is cleaned of control characters before it reaches the terminal.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde_json::json;

use super::super::{TableFormat, output};
use super::{reading_json, table};
use crate::activity::compare::CouldVsDid;
use crate::activity::join::CallerRef;
use crate::activity::unused::Unused;
use crate::activity::{ModelCheck, Reading, WhoDid};
use crate::eval::{Decision, Engine};
use crate::sanitize::clean;

fn print_account(r: &Reading, to_stderr: bool) -> Result<()> {
    if to_stderr {
        for l in r.account() {
            eprintln!("{l}");
        }
        return Ok(());
    }
    let mut o = output::out();
    writeln!(o)?;
    for l in r.account() {
        writeln!(o, "{}", output::paint(output::dim(), &l))?;
    }
    Ok(())
}

fn who(c: &CallerRef) -> String {
    let known = if c.in_snapshot {
        ""
    } else {
        ", not in the snapshot"
    };
    format!(
        "{} ({} {}{known})",
        output::paint(output::bold(), &clean(&c.display_name)),
        c.kind.as_str(),
        clean(&c.id)
    )
}

fn tabular(format: TableFormat, t: &table::Table, r: &Reading) -> Result<()> {
    table::print(format, t)?;
    print_account(r, true)
}

pub fn who_did(
    format: TableFormat,
    engine: Option<&Engine>,
    r: &Reading,
    w: &WhoDid,
) -> Result<()> {
    match format {
        TableFormat::Json => {
            output::print_json(&json!({"logs": reading_json(r), "entries": w.entries}))
        }
        TableFormat::Csv | TableFormat::Markdown => tabular(format, &table::who_did(engine, w), r),
        TableFormat::Text => {
            let mut o = output::out();
            let mut heading = (String::new(), String::new());
            if w.entries.is_empty() {
                writeln!(o, "no calls")?;
            }
            for e in &w.entries {
                if heading.0 != e.vault {
                    writeln!(
                        o,
                        "{} {}",
                        output::paint(output::bold(), &output::short_scope(&e.vault)),
                        clean(&e.vault)
                    )?;
                }
                let what = format!("{}/{}", e.operation, e.item.as_deref().unwrap_or(""));
                if heading.0 != e.vault || heading.1 != what {
                    writeln!(o, "  {}", e.call_words())?;
                }
                heading = (e.vault.clone(), what);
                let app = match (&e.app, engine) {
                    (Some(a), Some(eng)) => format!(" through app {}", output::app_name(eng, a)),
                    (Some(a), None) => format!(" through app {}", clean(a)),
                    (None, _) => String::new(),
                };
                let from = if e.source_ips.is_empty() {
                    String::new()
                } else {
                    format!(" · from {}", clean(&e.source_ips.join(", ")))
                };
                let more = if e.more_source_ips > 0 {
                    format!(" (+{} more)", e.more_source_ips)
                } else {
                    String::new()
                };
                writeln!(
                    o,
                    "    {}{app}  {} calls: {} ok, {} denied, {} by firewall, {} other · {} → {}{from}{more}",
                    who(&e.caller),
                    e.count,
                    e.successes,
                    e.denied,
                    e.denied_by_firewall,
                    e.other_failures,
                    e.first,
                    e.last,
                )?;
                if let Some(now) = &e.now {
                    match now.decision {
                        Some(d) => {
                            writeln!(
                                o,
                                "      now {}",
                                output::paint(output::decision_style(d), d.as_str())
                            )?;
                            if let Some(eng) = engine {
                                for g in &now.grants {
                                    writeln!(o, "        + {}", output::grant_line(eng, g))?;
                                }
                            }
                        }
                        None => writeln!(
                            o,
                            "      now not evaluated: {}",
                            clean(now.not_evaluated.as_deref().unwrap_or(""))
                        )?,
                    }
                }
            }
            print_account(r, false)
        }
    }
}

pub fn model_check(
    format: TableFormat,
    engine: &Engine,
    r: &Reading,
    m: &ModelCheck,
) -> Result<()> {
    match format {
        TableFormat::Json => output::print_json(&json!({"logs": reading_json(r), "modelCheck": m})),
        TableFormat::Csv | TableFormat::Markdown => {
            tabular(format, &table::model_check(engine, m), r)
        }
        TableFormat::Text => {
            let mut o = output::out();
            writeln!(
                o,
                "model check: {} summaries compared, {} agree, {} undecided (unknown/conditional), {} disagreements",
                m.checked,
                m.agreed,
                m.undecided,
                m.disagreements.len()
            )?;
            for (class, n) in &m.by_class {
                writeln!(o, "  {n} {}", table::json_word(class))?;
            }
            for (why, n) in &m.not_checked {
                writeln!(o, "  not compared {n}: {}", clean(why))?;
            }
            for d in &m.disagreements {
                writeln!(o)?;
                writeln!(
                    o,
                    "{} [{}] {} {} on {}",
                    output::paint(output::bold(), &table::json_word(&d.kind)),
                    table::json_word(&d.class),
                    who(&d.caller),
                    clean(&d.log.operation),
                    clean(&match &d.item {
                        Some(i) => format!("{}/{i}", output::short_scope(&d.vault)),
                        None => output::short_scope(&d.vault),
                    })
                )?;
                writeln!(
                    o,
                    "  log       {} ok, {} denied, {} by firewall · {} → {} · from {}",
                    d.log.successes,
                    d.log.denied,
                    d.log.denied_by_firewall,
                    d.log.first,
                    d.log.last,
                    clean(&d.log.source_ips.join(", "))
                )?;
                if !d.log.applied_assignments.is_empty() {
                    writeln!(
                        o,
                        "  log       applied assignment {}",
                        clean(&d.log.applied_assignments.join(", "))
                    )?;
                }
                let dec = d.kvaccess.decision;
                writeln!(
                    o,
                    "  kvaccess  {}",
                    output::paint(output::decision_style(dec), dec.as_str())
                )?;
                for g in &d.kvaccess.grants {
                    writeln!(o, "    + {}", output::grant_line(engine, g))?;
                }
                let notes = d.kvaccess.notes.iter().map(ToString::to_string);
                let unknown = d.kvaccess.unknown_because.iter().map(ToString::to_string);
                for n in notes.chain(unknown) {
                    writeln!(o, "    note {}", clean(&n))?;
                }
                writeln!(o, "  because   {}", clean(&d.because))?;
            }
            print_account(r, false)
        }
    }
}

pub fn unused(format: TableFormat, r: &Reading, u: &Unused, written: Option<&Path>) -> Result<()> {
    match format {
        TableFormat::Json => output::print_json(&json!({"logs": reading_json(r), "unused": u})),
        TableFormat::Csv | TableFormat::Markdown => tabular(format, &table::unused(u), r),
        TableFormat::Text => {
            let mut o = output::out();
            writeln!(
                o,
                "unused access in the window {} → {} ({} vaults judged, {} in scope without calls not judged)",
                u.first.as_deref().unwrap_or("?"),
                u.last.as_deref().unwrap_or("?"),
                u.vaults.len(),
                u.vaults_without_calls.len()
            )?;
            if u.grants.is_empty() {
                writeln!(
                    o,
                    "  none: every grant on the judged vaults was needed by a call"
                )?;
            }
            for g in &u.grants {
                let what = match &g.role_name {
                    Some(role) => format!(
                        "role '{}' at {}",
                        clean(role),
                        output::short_scope(&g.scope)
                    ),
                    None => format!("access-policy entry on {}", output::short_scope(&g.vault)),
                };
                writeln!(
                    o,
                    "  - {} for {} ({})",
                    what,
                    output::paint(output::bold(), &clean(&g.principal_name)),
                    clean(&g.principal_id)
                )?;
                if !g.unused_permissions.is_empty() {
                    writeln!(
                        o,
                        "      unused: {}",
                        clean(&g.unused_permissions.join(", "))
                    )?;
                }
                if !g.used_permissions.is_empty() {
                    writeln!(o, "      kept:   {}", clean(&g.used_permissions.join(", ")))?;
                }
                if let Some(n) = &g.note {
                    writeln!(o, "      note:   {}", clean(n))?;
                }
            }
            match written {
                Some(p) => writeln!(
                    o,
                    "\nchange list ({} changes) written to {}: kvaccess whatif --changes {} shows who loses what",
                    u.changes.len(),
                    clean(&p.display().to_string()),
                    clean(&p.display().to_string())
                )?,
                None if !u.changes.is_empty() => writeln!(
                    o,
                    "\n{} changes: --emit changes prints them, --write-changes FILE saves them for kvaccess whatif",
                    u.changes.len()
                )?,
                None => {}
            }
            print_account(r, false)
        }
    }
}

pub fn could_vs_did(
    format: TableFormat,
    engine: &Engine,
    r: &Reading,
    c: &CouldVsDid,
) -> Result<()> {
    match format {
        TableFormat::Json => output::print_json(&json!({"logs": reading_json(r), "couldVsDid": c})),
        TableFormat::Csv | TableFormat::Markdown => {
            tabular(format, &table::could_vs_did(engine, c), r)
        }
        TableFormat::Text => {
            let mut o = output::out();
            writeln!(o, "could vs did at {}", clean(&c.scope))?;
            for op in &c.operations {
                let logged = if op.logged_as.is_empty() {
                    "not called in the window".to_string()
                } else {
                    format!("logged as {}", clean(&op.logged_as.join(", ")))
                };
                let name = output::paint(output::bold(), &clean(&op.operation));
                writeln!(o, "\n  {name} ({logged})")?;
                if op.rows.is_empty() {
                    writeln!(o, "    nobody could and nobody did")?;
                }
                for row in &op.rows {
                    let could = format!("{:<11}", row.could.as_str());
                    let last = row
                        .last_call
                        .as_deref()
                        .map(|l| format!(", last {l}"))
                        .unwrap_or_default();
                    writeln!(
                        o,
                        "    {} {:<22} {}  did: {} ok, {} denied, {} by firewall{last}",
                        output::paint(output::decision_style(row.could), &could),
                        table::json_word(&row.status),
                        who(&row.principal),
                        row.successes,
                        row.denied,
                        row.denied_by_firewall
                    )?;
                    if row.could != Decision::Denied {
                        for g in &row.grants {
                            writeln!(o, "        via {}", output::grant_line(engine, g))?;
                        }
                    }
                }
            }
            print_account(r, false)
        }
    }
}
