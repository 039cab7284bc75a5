//! Where hypothetical changes come from: a change list, a Terraform plan or an ARM what-if. The two plan
//! formats are read into the same change list (`whatif` then evaluates them exactly like `--changes`),
//! with what cannot be evaluated beside it.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use serde::Serialize;

use super::output;
use crate::model::Snapshot;
use crate::sanitize::clean;
use crate::whatif::{self, Pending, Plan, Scenario, Skipped};

#[derive(Debug, Args, Clone, Default)]
#[group(id = "source", multiple = false)]
pub struct ChangeSource {
    /// The change list: a JSON array of changes (see docs/whatif.md for the format).
    #[arg(long, short = 'c', value_name = "FILE")]
    pub changes: Option<PathBuf>,
    /// A Terraform plan as `terraform show -json tfplan` prints it (see docs/gate.md).
    #[arg(long, value_name = "FILE")]
    pub terraform_plan: Option<PathBuf>,
    /// An ARM/Bicep what-if as `az deployment group what-if --no-pretty-print` prints it.
    #[arg(long, value_name = "FILE")]
    pub arm_whatif: Option<PathBuf>,
}

/// What a plan adds to a diff: the changes it could not give as a change list.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanReport {
    /// The plan file.
    pub source: String,
    /// Each change of the list with the plan resource it came from.
    pub changes: Vec<whatif::PlannedChange>,
    /// Changes not evaluated: the answers they affect are unknown.
    pub pending: Vec<Pending>,
    /// Resources the gate does not understand.
    pub skipped: Vec<Skipped>,
}

impl PlanReport {
    /// Whether something not evaluated could add data-plane access.
    pub fn may_add_access(&self) -> bool {
        self.pending.iter().any(|p| p.effect.may_add())
    }
}

/// The changes to evaluate, and the plan report when they came from a plan.
pub struct Loaded {
    pub scenario: Scenario,
    /// The scenario applied, when reading it did that already (a plan).
    pub applied: Option<whatif::Outcome>,
    pub plan: Option<PlanReport>,
    /// The file, for messages.
    pub path: PathBuf,
}

impl ChangeSource {
    pub fn given(&self) -> bool {
        self.changes.is_some() || self.terraform_plan.is_some() || self.arm_whatif.is_some()
    }

    /// Reads the given source; `None` when none is given.
    pub fn load(&self, snapshot: &Snapshot) -> Result<Option<Loaded>> {
        if let Some(path) = &self.changes {
            let text = read(path, "the change list")?;
            let scenario = Scenario::from_json(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            return Ok(Some(Loaded {
                scenario,
                applied: None,
                plan: None,
                path: path.clone(),
            }));
        }
        let (path, plan) = match (&self.terraform_plan, &self.arm_whatif) {
            (Some(path), _) => (
                path,
                whatif::read_terraform_plan(&read(path, "the Terraform plan")?),
            ),
            (None, Some(path)) => (path, whatif::read_arm_whatif(&read(path, "the what-if")?)),
            (None, None) => return Ok(None),
        };
        let plan: Plan = plan.map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let (scenario, pending, outcome) = plan.against_applied(snapshot);
        let kept: Vec<_> = scenario.entries.iter().map(|e| &e.change).collect();
        let mut changes = Vec::with_capacity(kept.len());
        let mut next = plan.changes.iter();
        for change in kept {
            // The kept changes are a subsequence of the plan's, in order.
            changes.extend(next.by_ref().find(|c| &c.change == change).cloned());
        }
        Ok(Some(Loaded {
            scenario,
            applied: Some(outcome),
            plan: Some(PlanReport {
                source: path.display().to_string(),
                changes,
                pending,
                skipped: plan.skipped,
            }),
            path: path.clone(),
        }))
    }
}

fn read(path: &Path, what: &str) -> Result<String> {
    crate::files::read_text(path).with_context(|| format!("{}: cannot read {what}", path.display()))
}

/// The plan's extra sections in text: what is not evaluated and what is not understood.
pub fn plan_text(o: &mut impl Write, plan: &PlanReport) -> Result<()> {
    if !plan.pending.is_empty() {
        writeln!(
            o,
            "\n{}",
            output::paint(
                output::bold(),
                "Not evaluated (the answers they affect are unknown)"
            )
        )?;
        for p in &plan.pending {
            let gain = if p.effect.may_add() {
                " [may add data access]"
            } else {
                ""
            };
            writeln!(
                o,
                "  {} ({}): {}{gain}",
                clean(&p.address),
                p.action,
                clean(&p.what)
            )?;
            writeln!(o, "      {}", clean(&p.reason))?;
        }
    }
    if !plan.skipped.is_empty() {
        writeln!(
            o,
            "\n{}",
            output::paint(output::bold(), "Not understood by the gate")
        )?;
        for s in &plan.skipped {
            writeln!(
                o,
                "  {} ({}, {}): {}",
                clean(&s.address),
                clean(&s.kind),
                s.action,
                s.reason
            )?;
        }
    }
    Ok(())
}

/// The same in Markdown.
pub fn plan_markdown(o: &mut impl Write, plan: &PlanReport) -> Result<()> {
    if !plan.pending.is_empty() {
        writeln!(
            o,
            "\n#### Not evaluated (unknown)\n\n| address | action | what | why | may add access |\n|---|---|---|---|---|"
        )?;
        for p in &plan.pending {
            writeln!(
                o,
                "| `{}` | {} | {} | {} | {} |",
                output::md(&p.address),
                p.action,
                output::md(&p.what),
                output::md(&p.reason),
                if p.effect.may_add() { "yes" } else { "no" }
            )?;
        }
    }
    if !plan.skipped.is_empty() {
        writeln!(
            o,
            "\n#### Not understood by the gate\n\n| address | type | action | why |\n|---|---|---|---|"
        )?;
        for s in &plan.skipped {
            writeln!(
                o,
                "| `{}` | {} | {} | {} |",
                output::md(&s.address),
                output::md(&s.kind),
                s.action,
                output::md(&s.reason)
            )?;
        }
    }
    Ok(())
}
