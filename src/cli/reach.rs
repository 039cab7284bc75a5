//! `kvaccess reach`: what can this principal reach? The first question of an incident.

use std::io::Write;

use anyhow::Result;
use clap::Args;

use super::{SnapshotArg, TextOrJson, exit, output};
use crate::eval::{Decision, Engine};
use crate::query;
use crate::sanitize::clean;

#[derive(Debug, Args)]
pub struct ReachArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    /// Object id, UPN, appId or unambiguous display name.
    #[arg(long, short = 'p')]
    pub principal: String,
    /// Only vaults at or below this scope.
    #[arg(long)]
    pub scope: Option<String>,
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: TextOrJson,
}

pub fn run(a: &ReachArgs) -> Result<u8> {
    let snapshot = a.snapshot.load()?;
    let engine = Engine::new(snapshot);
    let principal = query::resolve_principal(&engine, &a.principal)?;
    let scope = a
        .scope
        .as_deref()
        .map(|s| query::resolve_scope(&engine.snapshot, s))
        .transpose()?;
    let reach = query::principal_reach(&engine, &principal, scope.as_ref());
    if a.output == TextOrJson::Json {
        output::print_json(&reach)?;
        return Ok(exit::OK);
    }
    let mut o = output::out();
    let p = &reach.principal;
    writeln!(
        o,
        "{} ({} {}) reaches {} of {} vaults",
        output::paint(output::bold(), &clean(&p.display_name)),
        p.kind.as_str(),
        p.id,
        reach.vaults.len(),
        reach.vaults_examined
    )?;
    for v in &reach.vaults {
        let model = if v.rbac_authorization {
            "RBAC"
        } else {
            "access policies"
        };
        writeln!(
            o,
            "\n{} ({model})",
            output::paint(output::bold(), &clean(&v.name))
        )?;
        let mut shown: Vec<&str> = Vec::new();
        for g in &v.groups {
            let worst = g
                .operations
                .iter()
                .map(|(_, d)| *d)
                .find(|d| *d != Decision::Allowed)
                .unwrap_or(Decision::Allowed);
            let ops: Vec<String> = g
                .operations
                .iter()
                .map(|(op, d)| match d {
                    Decision::Allowed => (*op).to_string(),
                    d => format!("{op} [{}]", d.as_str()),
                })
                .collect();
            writeln!(
                o,
                "  {} {:<12} {}",
                output::paint(output::decision_style(worst), &format!("{:<5}", g.summary)),
                g.group,
                ops.join(", ")
            )?;
            // Groups decided by the same grants name them once.
            let ids: Vec<&str> = g.grants.iter().map(|x| x.id.as_str()).collect();
            if ids != shown {
                for grant in &g.grants {
                    writeln!(o, "        via {}", output::grant_line(&engine, grant))?;
                }
                shown = ids;
            }
        }
        for item in &v.items {
            let ops: Vec<&str> = item.operations.iter().map(|(op, _)| *op).collect();
            writeln!(
                o,
                "  item  {}: {}",
                output::short_scope(&item.scope),
                ops.join(", ")
            )?;
            for grant in &item.grants {
                writeln!(o, "        via {}", output::grant_line(&engine, grant))?;
            }
        }
        for e in &v.eligible {
            writeln!(o, "  eligible (PIM, not active): {}", clean(e))?;
        }
        for f in &v.self_grants {
            let words = crate::display::self_grant(&engine, f);
            writeln!(
                o,
                "  {} {}",
                output::paint(output::decision_style(Decision::Conditional), words.label),
                words.line()
            )?;
        }
    }
    Ok(exit::OK)
}
