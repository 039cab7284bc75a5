//! `kvaccess assert RULES.toml`: access rules as code, against a snapshot or the state a plan leaves.
//! Exit 0 when every rule holds, 1 on a violation, 2 on a bad rule file or input.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use super::changes::{self, ChangeSource, Loaded, PlanReport};
use super::{SnapshotArg, exit, output};
use crate::eval::Engine;
use crate::gate::{self, Report, VaultTags};
use crate::sanitize::clean;
use crate::whatif::GroupedDiff;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum AssertFormat {
    #[default]
    Text,
    Json,
    /// A pull-request comment: what changes, who gains, who loses, which rules fail.
    Markdown,
    /// SARIF 2.1.0 for GitHub code scanning and Azure DevOps.
    Sarif,
    /// JUnit XML: one test case per rule.
    Junit,
}

#[derive(Debug, Args)]
pub struct AssertArgs {
    /// The rule file (TOML; see docs/gate.md).
    pub rules: PathBuf,
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    #[command(flatten)]
    pub source: ChangeSource,
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: AssertFormat,
    /// The day exceptions are compared with (YYYY-MM-DD; today in UTC when absent).
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
}

fn today(given: Option<&str>) -> Result<String> {
    if let Some(d) = given {
        let ok = d.len() == 10
            && d.char_indices().all(|(i, c)| {
                if i == 4 || i == 7 {
                    c == '-'
                } else {
                    c.is_ascii_digit()
                }
            });
        anyhow::ensure!(ok, "--today '{d}': expected YYYY-MM-DD");
        return Ok(d.to_string());
    }
    let now = time::OffsetDateTime::now_utc().date();
    Ok(format!(
        "{:04}-{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    ))
}

/// Vault tags from the ARM-shaped vault bodies of a snapshot file, when it carries them.
fn tags_of(path: Option<&Path>) -> Result<VaultTags> {
    let mut tags = VaultTags::new();
    let Some(path) = path else {
        return Ok(tags);
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the snapshot", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not valid JSON", path.display()))?;
    for vault in v["vaults"].as_array().into_iter().flatten() {
        let (Some(id), Some(t)) = (vault["id"].as_str(), vault["tags"].as_object()) else {
            continue;
        };
        let t: BTreeMap<String, String> = t
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect();
        tags.insert(id.to_ascii_lowercase(), t);
    }
    Ok(tags)
}

pub fn run(a: &AssertArgs) -> Result<u8> {
    let source = std::fs::read_to_string(&a.rules)
        .with_context(|| format!("{}: cannot read the rule file", a.rules.display()))?;
    let rules =
        gate::parse_rules(&source).map_err(|e| anyhow::anyhow!("{}: {e}", a.rules.display()))?;
    let today = today(a.today.as_deref())?;
    let snapshot = std::sync::Arc::new(a.snapshot.load()?);
    let tags = tags_of(a.snapshot.snapshot.as_deref())?;
    let rules_file = a.rules.display().to_string();
    let loaded = a.source.load(&snapshot)?;
    let (report, plan, diff) = match loaded {
        None => {
            let engine = Engine::new(snapshot.clone());
            let report = gate::evaluate(&engine, &rules, &tags, None, &today, &rules_file)
                .map_err(|m| anyhow::anyhow!("{}: {m}", a.rules.display()))?;
            (report, None, None)
        }
        Some(Loaded {
            scenario,
            applied,
            plan,
            path,
        }) => {
            let address = |i: usize| {
                plan.as_ref()
                    .and_then(|p| p.changes.get(i))
                    .map_or_else(|| format!("changes[{i}]"), |c| c.address.clone())
            };
            let pending = plan.as_ref().map_or(&[][..], |p| p.pending.as_slice());
            let outcome = match applied {
                Some(outcome) => outcome,
                None => scenario
                    .apply(&snapshot)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
            };
            let (report, diff) = gate::evaluate_outcome(
                &snapshot,
                outcome,
                address,
                pending,
                &rules,
                &tags,
                &today,
                &rules_file,
            )
            .map_err(|gate::GateError::Rules(m)| anyhow::anyhow!("{}: {m}", a.rules.display()))?;
            (report, plan, Some(diff))
        }
    };
    match a.output {
        AssertFormat::Json => output::print_json(&report)?,
        AssertFormat::Sarif => output::print_json(&gate::sarif::sarif(&report))?,
        AssertFormat::Junit => print!("{}", gate::junit::junit(&report)),
        AssertFormat::Markdown => markdown(&report, diff.as_ref(), plan.as_ref())?,
        AssertFormat::Text => text(&report, plan.as_ref())?,
    }
    std::mem::forget(snapshot);
    Ok(if report.holds() {
        exit::OK
    } else {
        exit::DENIED
    })
}

fn text(report: &Report, plan: Option<&PlanReport>) -> Result<()> {
    let mut o = output::out();
    for r in &report.rules {
        let status = if r.holds() {
            output::paint(
                output::decision_style(crate::eval::Decision::Allowed),
                "holds",
            )
        } else {
            output::paint(
                output::decision_style(crate::eval::Decision::Denied),
                &format!("FAILS ({})", r.violations.len()),
            )
        };
        writeln!(
            o,
            "{} {} [{} line {}, {} vault(s)]: {status}",
            output::paint(output::bold(), "rule"),
            clean(&r.id),
            r.kind.as_str(),
            r.line,
            r.vaults
        )?;
        for v in &r.violations {
            writeln!(o, "  ✘ {}", clean(&v.message))?;
            if let Some(p) = &v.principal {
                writeln!(o, "      principal: {} ({})", clean(&p.id), p.kind.as_str())?;
            }
            if let Some(vault) = &v.vault {
                writeln!(o, "      vault: {}", clean(vault))?;
            }
            for g in &v.grants {
                let via = if g.via_groups.is_empty() {
                    String::new()
                } else {
                    format!(" via group {}", g.via_groups.join(" → "))
                };
                let what = g
                    .role_name
                    .as_deref()
                    .map_or_else(|| g.matched.join(", "), |r| format!("role '{r}'"));
                writeln!(
                    o,
                    "      grant: {} at {}{via} ({})",
                    clean(&what),
                    clean(&g.scope),
                    clean(&g.id)
                )?;
            }
            for e in &v.evidence {
                writeln!(o, "      evidence: {}", clean(e))?;
            }
            for u in &v.unknown_because {
                writeln!(o, "      unknown: {}", clean(u))?;
            }
            for a in &v.addresses {
                writeln!(o, "      from: {}", clean(a))?;
            }
        }
        for e in &r.excepted {
            writeln!(
                o,
                "  ~ excepted until {} (line {}: {}): {}",
                e.expires,
                e.exception_line,
                clean(&e.reason),
                clean(&e.violation.message)
            )?;
        }
        for e in &r.expired {
            writeln!(
                o,
                "  ! the exception at line {} expired on {} and no longer applies ({})",
                e.line,
                e.expires,
                clean(&e.reason)
            )?;
        }
    }
    let failed = report.rules.iter().filter(|r| !r.holds()).count();
    writeln!(
        o,
        "\n{} of {} rule(s) hold; {} violation(s)",
        report.rules.len() - failed,
        report.rules.len(),
        report.violations()
    )?;
    if let Some(plan) = plan {
        changes::plan_text(&mut o, plan)?;
    }
    Ok(())
}

/// Rows shown per failing rule in a pull-request comment (the JSON and SARIF outputs carry them all).
const MD_ROWS: usize = 50;

fn markdown(report: &Report, diff: Option<&GroupedDiff>, plan: Option<&PlanReport>) -> Result<()> {
    let mut o = std::io::stdout().lock();
    let failed = report.rules.iter().filter(|r| !r.holds()).count();
    let verdict = if failed == 0 {
        "✅ all rules hold"
    } else {
        "❌ rules fail"
    };
    writeln!(o, "### kvaccess gate: {verdict}\n")?;
    if let Some(diff) = diff {
        writeln!(
            o,
            "**What changes:** {} change(s); {} principal(s) gain data access, {} lose access; escalation paths +{} −{}\n",
            diff.changes,
            diff.identities_in(|g| g.gains_data_access()),
            diff.identities_in(|g| !g.gained),
            diff.escalations_added,
            diff.escalations_removed
        )?;
        for line in diff.summary_lines().iter().take(MD_ROWS) {
            writeln!(o, "- {}", output::md(line))?;
        }
        if diff.groups.len() > MD_ROWS {
            writeln!(o, "- …and {} more groups", diff.groups.len() - MD_ROWS)?;
        }
        writeln!(o)?;
    }
    writeln!(o, "| rule | kind | line | result |\n|---|---|---|---|")?;
    for r in &report.rules {
        let mut result = if r.holds() {
            "holds".to_string()
        } else {
            format!("**fails** ({})", r.violations.len())
        };
        if !r.excepted.is_empty() {
            result.push_str(&format!(", {} excepted", r.excepted.len()));
        }
        writeln!(
            o,
            "| `{}` | {} | {} | {result} |",
            output::md(&r.id),
            r.kind.as_str(),
            r.line
        )?;
    }
    for r in report.rules.iter().filter(|r| !r.holds()) {
        writeln!(
            o,
            "\n#### `{}` fails\n\n| principal | vault | operations | evidence | from |\n|---|---|---|---|---|",
            output::md(&r.id)
        )?;
        for v in r.violations.iter().take(MD_ROWS) {
            let who = v.principal.as_ref().map_or(String::new(), |p| {
                format!("{} ({})", p.display_name, p.kind.as_str())
            });
            let mut evidence: Vec<String> = v
                .grants
                .iter()
                .map(|g| {
                    let what = g.role_name.clone().unwrap_or_else(|| g.matched.join(", "));
                    let via = if g.via_groups.is_empty() {
                        String::new()
                    } else {
                        format!(" via {}", g.via_groups.join(" → "))
                    };
                    format!("{what} at {}{via}", gate::short(&g.scope))
                })
                .collect();
            evidence.extend(v.evidence.iter().cloned());
            evidence.extend(v.unknown_because.iter().map(|u| format!("unknown: {u}")));
            writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                output::md(&who),
                output::md(&v.vault.as_deref().map(gate::short).unwrap_or_default()),
                output::md(&v.operations.join(", ")),
                output::md(&evidence.join("; ")),
                output::md(&v.addresses.join(", "))
            )?;
        }
        if r.violations.len() > MD_ROWS {
            writeln!(o, "\n…and {} more", r.violations.len() - MD_ROWS)?;
        }
    }
    let expired: Vec<String> = report
        .rules
        .iter()
        .flat_map(|r| {
            r.expired.iter().map(move |e| {
                format!(
                    "- `{}` line {}: expired {} ({})",
                    output::md(&r.id),
                    e.line,
                    e.expires,
                    output::md(&e.reason)
                )
            })
        })
        .collect();
    if !expired.is_empty() {
        writeln!(
            o,
            "\n#### Expired exceptions (no longer applied)\n\n{}",
            expired.join("\n")
        )?;
    }
    if let Some(plan) = plan {
        changes::plan_markdown(&mut o, plan)?;
    }
    Ok(())
}
