//! `kvaccess whatif` (a change list against a snapshot) and `kvaccess diff` (two snapshots): who gains and
//! who loses what, with the evidence after.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::changes::{self, ChangeSource, Loaded, PlanReport};
use super::{ReportFormat, SnapshotArg, exit, output};
use crate::eval::Engine;
use crate::parallel::both;
use crate::query;
use crate::snapshot;
use crate::whatif::{self, Applied, GroupedDiff};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    /// Azure CLI commands (`az role assignment create`, `az keyvault set-policy`, …).
    Az,
}

#[derive(Debug, Args)]
pub struct WhatIfArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    #[command(flatten)]
    pub source: ChangeSource,
    /// Only vaults at or below this scope (a key, secret or certificate selects its vault).
    #[arg(long)]
    pub scope: Option<String>,
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: ReportFormat,
    /// List the identities of every group (text, json, markdown).
    #[arg(long)]
    pub expand: bool,
    /// Exit 1 when anyone gains data-plane access (allowed or conditional where they had less).
    #[arg(long)]
    pub fail_on_gain: bool,
    /// Print the commands that carry out the changes instead of the difference.
    #[arg(long, value_enum)]
    pub emit: Option<Emit>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The snapshot before.
    pub before: PathBuf,
    /// The snapshot after.
    pub after: PathBuf,
    /// Only vaults at or below this scope.
    #[arg(long)]
    pub scope: Option<String>,
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: ReportFormat,
    /// List the identities of every group (text, json, markdown).
    #[arg(long)]
    pub expand: bool,
    /// Exit 1 when anyone gains data-plane access.
    #[arg(long)]
    pub fail_on_gain: bool,
}

pub fn run(a: &WhatIfArgs) -> Result<u8> {
    let snapshot = a.snapshot.load()?;
    let Some(Loaded {
        scenario,
        applied,
        plan,
        path,
    }) = a.source.load(&snapshot)?
    else {
        anyhow::bail!("give the changes: --changes, --terraform-plan or --arm-whatif");
    };
    let scope = a
        .scope
        .as_deref()
        .map(|s| query::resolve_scope(&snapshot, s))
        .transpose()?;
    let apply = |snapshot: &crate::model::Snapshot| match applied {
        Some(outcome) => Ok(outcome),
        None => scenario
            .apply(snapshot)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display())),
    };
    if a.emit == Some(Emit::Az) && !a.fail_on_gain {
        let outcome = apply(&snapshot)?;
        print_commands(&snapshot, &outcome.applied)?;
        return Ok(exit::OK);
    }
    // The engine over the snapshot before is built on a second thread while the changes are applied; the
    // engine after takes what the changes left alone from it.
    let snapshot = Arc::new(snapshot);
    let (engine, outcome) = both(|| Engine::new(snapshot.clone()), || apply(&snapshot));
    let outcome = outcome?;
    let applied = outcome.applied;
    let after = Engine::after(&engine, outcome.snapshot);
    let mut diff = whatif::diff_grouped(&engine, &after, scope.as_ref());
    diff.changes = applied.len();
    let shown = Shown {
        eb: &engine,
        ea: &after,
        diff: &mut diff,
        applied: &applied,
        title: "What-if",
        expand: a.expand,
    };
    match (a.emit, &plan) {
        (Some(Emit::Az), _) => print_commands(&snapshot, &applied)?,
        (None, plan) => render::print(shown, a.output, plan.as_ref())?,
    }
    let unknown_gain = plan.as_ref().is_some_and(PlanReport::may_add_access);
    let code = if a.fail_on_gain && (diff.gains_data_access() || unknown_gain) {
        exit::GAINED
    } else {
        exit::OK
    };
    // The process ends here: freeing millions of small allocations of a large tenant would only delay
    // the exit (by about as long as building the engine took).
    std::mem::forget((engine, after, applied, diff));
    std::mem::forget(snapshot);
    Ok(code)
}

pub fn run_diff(a: &DiffArgs) -> Result<u8> {
    let before = snapshot::load_file(&a.before)?;
    let after = snapshot::load_file(&a.after)?;
    let scope = a
        .scope
        .as_deref()
        .map(|s| query::resolve_scope(&after, s).or_else(|_| query::resolve_scope(&before, s)))
        .transpose()?;
    let (eb, ea) = both(|| Engine::new(before), || Engine::new(after));
    let mut diff = whatif::diff_grouped(&eb, &ea, scope.as_ref());
    let shown = Shown {
        eb: &eb,
        ea: &ea,
        diff: &mut diff,
        applied: &[],
        title: "Diff",
        expand: a.expand,
    };
    render::print(shown, a.output, None)?;
    let code = if a.fail_on_gain && diff.gains_data_access() {
        exit::GAINED
    } else {
        exit::OK
    };
    std::mem::forget((eb, ea, diff));
    Ok(code)
}

/// What a what-if or diff prints.
struct Shown<'a> {
    eb: &'a Engine,
    ea: &'a Engine,
    diff: &'a mut GroupedDiff,
    applied: &'a [Applied],
    title: &'static str,
    expand: bool,
}

/// The diff's JSON with the plan report under `plan`.
fn with_plan(diff: &GroupedDiff, plan: &PlanReport) -> Result<serde_json::Value> {
    let mut v = serde_json::to_value(diff)?;
    if let serde_json::Value::Object(o) = &mut v {
        o.insert("plan".into(), serde_json::to_value(plan)?);
    }
    Ok(v)
}

fn print_commands(snapshot: &crate::model::Snapshot, applied: &[Applied]) -> Result<()> {
    let mut o = std::io::stdout().lock();
    for line in whatif::az_commands(snapshot, applied) {
        writeln!(o, "{line}")?;
    }
    Ok(())
}

mod render;
