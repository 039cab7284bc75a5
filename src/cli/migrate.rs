//! `kvaccess migrate`: an access-policy vault's entries as RBAC role assignments, with the exact delta.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use serde_json::Value;

use super::{SnapshotArg, TextOrJson, exit, output};
use crate::eval::{Decision, Engine};
use crate::sanitize::clean;
use crate::snapshot;
use crate::whatif::{self, CellChange, ChangeKind, MigrationPlan};

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    /// The access-policy vault to migrate (id or unambiguous name).
    #[arg(long)]
    pub vault: String,
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: TextOrJson,
    /// Also write the change list to this file (atomically), ready for `kvaccess whatif --changes`.
    #[arg(long, value_name = "FILE")]
    pub write_changes: Option<PathBuf>,
}

pub fn run(a: &MigrateArgs) -> Result<u8> {
    let engine = Engine::new(a.snapshot.load()?);
    let plan = whatif::plan_migration(&engine, &a.vault)?;
    if let Some(path) = &a.write_changes {
        let list = Value::Array(plan.changes.iter().map(whatif::Change::to_json).collect());
        snapshot::write_atomically(path, &list)?;
    }
    match a.output {
        TextOrJson::Json => output::print_json(&plan)?,
        _ => text(&engine, &plan, a.write_changes.as_ref())?,
    }
    Ok(exit::OK)
}

fn ops(cells: &[CellChange]) -> String {
    let mut by_scope: Vec<(String, Vec<String>)> = Vec::new();
    for c in cells {
        let item = if c
            .vault()
            .is_some_and(|v| v.id().eq_ignore_ascii_case(&c.scope))
        {
            String::new()
        } else {
            format!(" at {}", output::short_scope(&c.scope))
        };
        let plain = matches!(
            (c.before, c.after),
            (Decision::Denied, Decision::Allowed) | (Decision::Allowed, Decision::Denied)
        );
        let entry = if plain {
            c.action.clone()
        } else {
            format!(
                "{} ({} → {})",
                c.action,
                c.before.as_str(),
                c.after.as_str()
            )
        };
        match by_scope.iter_mut().find(|(s, _)| *s == item) {
            Some((_, list)) => list.push(entry),
            None => by_scope.push((item, vec![entry])),
        }
    }
    by_scope
        .into_iter()
        .map(|(scope, list)| format!("{}{scope}", list.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

fn text(engine: &Engine, plan: &MigrationPlan, written: Option<&PathBuf>) -> Result<()> {
    let mut o = output::out();
    writeln!(
        o,
        "{}",
        output::paint(
            output::bold(),
            &format!(
                "Migration plan for {} (access policies → Azure RBAC)",
                output::describe_scope(engine, &plan.vault)
            )
        )
    )?;
    for e in &plan.entries {
        writeln!(
            o,
            "\n  {} ({})",
            output::paint(output::bold(), &clean(&e.principal.display_name)),
            e.principal.kind.as_str()
        )?;
        writeln!(o, "    has      {}", clean(&e.wanted.join(", ")))?;
        let roles: Vec<String> = e
            .roles
            .iter()
            .map(|r| format!("'{}'", clean(r)))
            .chain(
                e.custom_role
                    .iter()
                    .map(|r| format!("custom role '{}'", clean(r))),
            )
            .collect();
        if !roles.is_empty() {
            writeln!(o, "    gets     {}", roles.join(" + "))?;
        }
        if !e.over_grant.is_empty() {
            writeln!(o, "    more     {}", clean(&e.over_grant.join(", ")))?;
        }
        if !e.under_grant.is_empty() {
            writeln!(o, "    less     {}", clean(&e.under_grant.join(", ")))?;
        }
        for n in &e.notes {
            writeln!(o, "    note     {}", clean(n))?;
        }
    }
    writeln!(
        o,
        "\n{}",
        output::paint(
            output::bold(),
            "Effect after the switch, per principal (from the what-if diff)"
        )
    )?;
    if plan.principals.is_empty() {
        writeln!(o, "  none: every principal keeps exactly its access")?;
    }
    for p in &plan.principals {
        writeln!(
            o,
            "  {} ({})",
            clean(&p.principal.display_name),
            p.principal.kind.as_str()
        )?;
        if !p.over_grant.is_empty() {
            writeln!(o, "    over-grant   {}", clean(&ops(&p.over_grant)))?;
        }
        if !p.under_grant.is_empty() {
            writeln!(o, "    under-grant  {}", clean(&ops(&p.under_grant)))?;
        }
    }
    for f in &plan.diff.escalations_added {
        writeln!(
            o,
            "  escalation path added: {} {}",
            clean(&f.principal.display_name),
            f.technique.describe()
        )?;
    }
    for f in &plan.diff.escalations_removed {
        writeln!(
            o,
            "  escalation path removed: {} {}",
            clean(&f.principal.display_name),
            f.technique.describe()
        )?;
    }
    let mut kinds: Vec<(ChangeKind, usize)> = Vec::new();
    for c in &plan.changes {
        match kinds.iter_mut().find(|(k, _)| *k == c.kind()) {
            Some((_, n)) => *n += 1,
            None => kinds.push((c.kind(), 1)),
        }
    }
    let counts: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
    writeln!(o, "\n{} changes: {}", plan.changes.len(), counts.join(", "))?;
    match written {
        Some(path) => writeln!(
            o,
            "written to {}; review with: kvaccess whatif --changes {} [--emit az]",
            path.display(),
            path.display()
        )?,
        None => writeln!(
            o,
            "write them with --write-changes FILE, or see them with --output json"
        )?,
    }
    Ok(())
}
