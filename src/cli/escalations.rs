//! `kvaccess escalations`: who can grant themselves data access.

use std::io::Write;

use anyhow::Result;
use clap::Args;
use serde_json::json;

use super::{Format, SnapshotArg, exit, output};
use crate::eval::Engine;
use crate::query;
use crate::sanitize::clean;

#[derive(Debug, Args)]
pub struct EscalationsArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    /// Only vaults at or below this scope.
    #[arg(long)]
    pub scope: Option<String>,
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: Format,
}

pub fn run(a: &EscalationsArgs) -> Result<u8> {
    let snapshot = a.snapshot.load()?;
    let engine = Engine::new(snapshot);
    let scope = a
        .scope
        .as_deref()
        .map(|s| query::resolve_scope(&engine.snapshot, s))
        .transpose()?;
    let findings = query::escalations(&engine, scope.as_ref());
    match a.output {
        Format::Json => output::print_json(&json!({ "findings": findings }))?,
        Format::Text => {
            let mut o = output::out();
            if findings.is_empty() {
                writeln!(o, "no self-escalation paths found")?;
            }
            for f in &findings {
                let flag = match f.decision {
                    crate::eval::Decision::Allowed => String::new(),
                    d => format!(" [{}]", d.as_str()),
                };
                writeln!(
                    o,
                    "{} {} ({}) {} on {}{flag}",
                    output::paint(
                        output::decision_style(crate::eval::Decision::Conditional),
                        "!"
                    ),
                    output::paint(output::bold(), &clean(&f.principal.display_name)),
                    f.principal.kind.as_str(),
                    f.technique.describe(),
                    output::short_scope(&f.vault_id)
                )?;
                let role = f
                    .role_name
                    .as_deref()
                    .map(|r| format!("role '{}' — ", clean(r)))
                    .unwrap_or_default();
                if !f.grant.is_empty() {
                    writeln!(o, "    through {role}{}", clean(&f.grant))?;
                }
                for reason in &f.unknown_because {
                    writeln!(o, "    unknown: {}", clean(reason))?;
                }
                if let Some(c) = &f.condition {
                    writeln!(o, "    condition: {}", clean(c))?;
                }
                writeln!(o, "    would gain: {}", summarize(&f.lacks))?;
            }
        }
        Format::Csv | Format::Markdown => anyhow::bail!("escalations prints text or json"),
    }
    Ok(exit::OK)
}

/// `secrets 8, keys 19` with the headline operations named: the full list is in the JSON output.
fn summarize(ops: &[&str]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for op in ops {
        let kind = op.split('/').next().unwrap_or("");
        match counts.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((kind, 1)),
        }
    }
    let headline: Vec<&str> = [
        "secrets/get",
        "keys/decrypt",
        "keys/unwrapKey",
        "certificates/get",
    ]
    .into_iter()
    .filter(|h| ops.iter().any(|o| o == h))
    .collect();
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    if headline.is_empty() {
        parts.join(", ")
    } else {
        format!("{} (including {})", parts.join(", "), headline.join(", "))
    }
}
