//! `kvaccess whatif` (a change list against a snapshot) and `kvaccess diff` (two snapshots): who gains and
//! who loses what, with the evidence after.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::changes::{self, ChangeSource, Loaded, PlanReport};
use super::{ReportFormat as Format, SnapshotArg, exit, output};
use crate::catalog;
use crate::eval::{Decision, Engine};
use crate::parallel::both;
use crate::query::{self, Finding};
use crate::sanitize::clean;
use crate::snapshot;
use crate::whatif::{self, Applied, CellChange, Diff};

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
    pub output: Format,
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
    pub output: Format,
    /// Exit 1 when anyone gains data-plane access.
    #[arg(long)]
    pub fail_on_gain: bool,
}

pub fn run(a: &WhatIfArgs) -> Result<u8> {
    let snapshot = a.snapshot.load()?;
    let Some(Loaded {
        scenario,
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
    if a.emit == Some(Emit::Az) && !a.fail_on_gain {
        let outcome = scenario
            .apply(&snapshot)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        print_commands(&snapshot, &outcome.applied)?;
        return Ok(exit::OK);
    }
    // The engine over the snapshot before is built on a second thread while the changes are applied and
    // the engine after is built.
    let snapshot = Arc::new(snapshot);
    let (engine, after) = both(
        || Engine::new(snapshot.clone()),
        || {
            scenario
                .apply(&snapshot)
                .map(|o| (o.applied, Engine::new(o.snapshot)))
        },
    );
    let (applied, after) = after.map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut diff = whatif::diff_engines(&engine, &after, scope.as_ref());
    diff.changes = applied.len();
    match (a.emit, a.output, &plan) {
        (Some(Emit::Az), ..) => print_commands(&snapshot, &applied)?,
        (None, Format::Json, None) => output::print_json(&diff)?,
        (None, Format::Json, Some(plan)) => output::print_json(&with_plan(&diff, plan)?)?,
        (None, Format::Markdown, _) => {
            markdown(&engine, &diff, &applied)?;
            plan.iter()
                .try_for_each(|p| changes::plan_markdown(&mut std::io::stdout().lock(), p))?;
        }
        (None, ..) => {
            text(&engine, &diff, &applied, "What-if")?;
            plan.iter()
                .try_for_each(|p| changes::plan_text(&mut output::out(), p))?;
        }
    }
    let unknown_gain = plan.as_ref().is_some_and(PlanReport::may_add_access);
    let code = if a.fail_on_gain && (diff.gains_data_access() || unknown_gain) {
        exit::GAINED
    } else {
        exit::OK
    };
    // The process ends here: freeing millions of small allocations of a large tenant would only delay
    // the exit (by about as long as building the engine took).
    std::mem::forget((engine, after, applied));
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
    let diff = whatif::diff_engines(&eb, &ea, scope.as_ref());
    match a.output {
        Format::Json => output::print_json(&diff)?,
        Format::Markdown => markdown(&ea, &diff, &[])?,
        _ => text(&ea, &diff, &[], "Diff")?,
    }
    let code = if a.fail_on_gain && diff.gains_data_access() {
        exit::GAINED
    } else {
        exit::OK
    };
    std::mem::forget((eb, ea));
    Ok(code)
}

/// The diff's JSON with the plan report under `plan`.
fn with_plan(diff: &Diff, plan: &PlanReport) -> Result<serde_json::Value> {
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

/// Gained and lost cells together, in the diff's order (principal, application, scope, operation).
fn merged(diff: &Diff) -> Vec<(bool, &CellChange)> {
    let position = |name: &str| {
        catalog::operations()
            .iter()
            .position(|op| op.name == name)
            .unwrap_or(usize::MAX)
    };
    let mut all: Vec<(bool, &CellChange)> = diff
        .gained
        .iter()
        .map(|c| (true, c))
        .chain(diff.lost.iter().map(|c| (false, c)))
        .collect();
    all.sort_by(|(_, a), (_, b)| {
        (
            a.principal.display_name.to_lowercase(),
            &a.principal.id,
            &a.via_app,
            a.scope.to_ascii_lowercase(),
            position(&a.action),
        )
            .cmp(&(
                b.principal.display_name.to_lowercase(),
                &b.principal.id,
                &b.via_app,
                b.scope.to_ascii_lowercase(),
                position(&b.action),
            ))
    });
    all
}

/// Summary sentences shown above the details in text output.
const SUMMARY_LINES: usize = 8;

fn headline(diff: &Diff) -> String {
    format!(
        "{} change(s): {} gained, {} lost, escalation paths +{} -{}",
        diff.changes,
        diff.gained.len(),
        diff.lost.len(),
        diff.escalations_added.len(),
        diff.escalations_removed.len()
    )
}

fn text(engine: &Engine, diff: &Diff, applied: &[Applied], title: &str) -> Result<()> {
    let mut o = output::out();
    writeln!(
        o,
        "{}",
        output::paint(output::bold(), &format!("{title}: {}", headline(diff)))
    )?;
    let lines = whatif::summary_lines(diff);
    for line in lines.iter().take(SUMMARY_LINES) {
        writeln!(o, "  {}", crate::sanitize::message(line))?;
    }
    if lines.len() > SUMMARY_LINES {
        writeln!(o, "  …and {} more", lines.len() - SUMMARY_LINES)?;
    }
    let cells = merged(diff);
    let mut at = 0;
    while let Some((_, first)) = cells.get(at) {
        let app = first
            .via_app
            .as_ref()
            .map(|a| format!(" through app {}", output::app_name(engine, a)))
            .unwrap_or_default();
        writeln!(
            o,
            "\n{} ({} {}){app}",
            output::paint(output::bold(), &clean(&first.principal.display_name)),
            first.principal.kind.as_str(),
            clean(&first.principal.id)
        )?;
        let same_principal =
            |c: &CellChange| c.principal.id == first.principal.id && c.via_app == first.via_app;
        while let Some((_, head)) = cells.get(at).filter(|(_, c)| same_principal(c)) {
            writeln!(o, "  {}", output::describe_scope(engine, &head.scope))?;
            let block: Vec<&(bool, &CellChange)> = cells
                .iter()
                .skip(at)
                .take_while(|(_, c)| same_principal(c) && c.scope == head.scope)
                .collect();
            at += block.len();
            for group in runs(engine, &block) {
                let (mark, style) = if group.gained {
                    ("+", output::decision_style(Decision::Allowed))
                } else {
                    ("-", output::decision_style(Decision::Denied))
                };
                writeln!(
                    o,
                    "    {} {} → {}  {}",
                    output::paint(style, mark),
                    output::paint(output::decision_style(group.before), group.before.as_str()),
                    output::paint(output::decision_style(group.after), group.after.as_str()),
                    clean(&group.ops.join(", "))
                )?;
                for line in &group.evidence {
                    writeln!(o, "        {line}")?;
                }
            }
        }
    }
    escalation_text(&mut o, "Escalation paths added", &diff.escalations_added)?;
    escalation_text(
        &mut o,
        "Escalation paths removed",
        &diff.escalations_removed,
    )?;
    if !diff.network.is_empty() {
        writeln!(
            o,
            "\n{}",
            output::paint(
                output::bold(),
                "Network (data plane; decisions above are without a caller location)"
            )
        )?;
        for n in &diff.network {
            writeln!(o, "  {}", output::describe_scope(engine, &n.vault))?;
            writeln!(o, "    before: {}", clean(&n.before))?;
            writeln!(o, "    after:  {}", clean(&n.after))?;
        }
    }
    let notes: Vec<(usize, &String)> = applied
        .iter()
        .flat_map(|a| a.notes.iter().map(move |n| (a.index, n)))
        .collect();
    if !notes.is_empty() {
        writeln!(o, "\n{}", output::paint(output::bold(), "Notes"))?;
        for (i, n) in notes {
            writeln!(o, "  changes[{i}]: {}", crate::sanitize::message(n))?;
        }
    }
    if diff.is_empty() {
        writeln!(o, "\nno decision changes")?;
    }
    Ok(())
}

/// Cells of one principal and scope with the same transition and evidence, printed as one line.
struct Run {
    gained: bool,
    before: Decision,
    after: Decision,
    evidence: Vec<String>,
    ops: Vec<String>,
}

fn evidence_lines(engine: &Engine, c: &CellChange) -> Vec<String> {
    let mut lines: Vec<String> = c
        .grants
        .iter()
        .map(|g| format!("via {}", output::grant_line(engine, g)))
        .collect();
    lines.extend(c.denies.iter().map(|d| {
        format!(
            "blocked by deny assignment '{}' at {}",
            clean(&d.name),
            output::describe_scope(engine, &d.scope)
        )
    }));
    lines.extend(
        c.unknown_because
            .iter()
            .map(|r| format!("unknown: {}", clean(&r.to_string()))),
    );
    lines
}

fn runs(engine: &Engine, block: &[&(bool, &CellChange)]) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    for (gained, c) in block {
        let evidence = evidence_lines(engine, c);
        match out.iter_mut().find(|r| {
            r.gained == *gained
                && r.before == c.before
                && r.after == c.after
                && r.evidence == evidence
        }) {
            Some(r) => r.ops.push(c.action.clone()),
            None => out.push(Run {
                gained: *gained,
                before: c.before,
                after: c.after,
                evidence,
                ops: vec![c.action.clone()],
            }),
        }
    }
    out
}

fn escalation_text(o: &mut impl Write, title: &str, findings: &[Finding]) -> Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    writeln!(o, "\n{}", output::paint(output::bold(), title))?;
    for f in findings {
        let role = f
            .role_name
            .as_deref()
            .map(|r| format!(" through role '{}'", clean(r)))
            .unwrap_or_default();
        writeln!(
            o,
            "  {} ({}) {} on {}{role}",
            clean(&f.principal.display_name),
            f.principal.kind.as_str(),
            f.technique.describe(),
            output::short_scope(&f.vault_id)
        )?;
    }
    Ok(())
}

fn evidence(engine: &Engine, c: &CellChange) -> String {
    let mut parts: Vec<String> = c
        .grants
        .iter()
        .map(|g| output::grant_line(engine, g).replace('\n', " "))
        .collect();
    parts.extend(
        c.denies
            .iter()
            .map(|d| format!("blocked by deny assignment '{}'", d.name)),
    );
    parts.extend(c.unknown_because.iter().map(|r| format!("unknown: {r}")));
    output::md(&parts.join("; "))
}

fn markdown(engine: &Engine, diff: &Diff, applied: &[Applied]) -> Result<()> {
    let mut o = std::io::stdout().lock();
    writeln!(o, "### kvaccess what-if: {}\n", headline(diff))?;
    for line in whatif::summary_lines(diff) {
        writeln!(o, "- {}", output::md(&line))?;
    }
    let cells = merged(diff);
    if !cells.is_empty() {
        writeln!(
            o,
            "\n| | principal | scope | operation | before | after | evidence after |"
        )?;
        writeln!(o, "|---|---|---|---|---|---|---|")?;
        for (gained, c) in cells {
            let app = c
                .via_app
                .as_ref()
                .map(|a| format!(" via app {}", output::app_name(engine, a)))
                .unwrap_or_default();
            writeln!(
                o,
                "| {} | {} ({}){} | {} | `{}` | {} | {} | {} |",
                if gained { "+" } else { "−" },
                output::md(&c.principal.display_name),
                c.principal.kind.as_str(),
                output::md(&app),
                output::md(&output::describe_scope(engine, &c.scope)),
                output::md(&c.action),
                c.before.as_str(),
                c.after.as_str(),
                evidence(engine, c)
            )?;
        }
    }
    for (title, findings) in [
        ("Escalation paths added", &diff.escalations_added),
        ("Escalation paths removed", &diff.escalations_removed),
    ] {
        if findings.is_empty() {
            continue;
        }
        writeln!(
            o,
            "\n#### {title}\n\n| principal | vault | path | through |\n|---|---|---|---|"
        )?;
        for f in findings {
            writeln!(
                o,
                "| {} | {} | {} | {} |",
                output::md(&f.principal.display_name),
                output::md(&output::short_scope(&f.vault_id)),
                f.technique.describe(),
                output::md(f.role_name.as_deref().unwrap_or(&f.grant))
            )?;
        }
    }
    if !diff.network.is_empty() {
        writeln!(
            o,
            "\n#### Network\n\n| vault | before | after |\n|---|---|---|"
        )?;
        for n in &diff.network {
            writeln!(
                o,
                "| {} | {} | {} |",
                output::md(&output::short_scope(&n.vault)),
                output::md(&n.before),
                output::md(&n.after)
            )?;
        }
    }
    let notes: Vec<String> = applied
        .iter()
        .flat_map(|a| {
            a.notes
                .iter()
                .map(move |n| format!("- `changes[{}]`: {}", a.index, output::md(n)))
        })
        .collect();
    if !notes.is_empty() {
        writeln!(o, "\n#### Notes\n\n{}", notes.join("\n"))?;
    }
    Ok(())
}
