//! Printing a grouped what-if or diff: one paragraph (or table row) per group of changes that the same
//! grants decide, the identities on demand, and the flat rows as JSON lines.

use std::io::Write;

use anyhow::Result;

use super::super::escalations::{cover_words, holder_words, summarize};
use super::{PlanReport, ReportFormat, Shown, changes, output, with_plan};
use crate::eval::{Decision, Engine, GrantKind, PrincipalRef};
use crate::sanitize::clean;
use crate::whatif::{ChangeGroup, EscalationChange, GrantRef, GroupedDiff};

pub(super) fn print(shown: Shown, format: ReportFormat, plan: Option<&PlanReport>) -> Result<()> {
    let Shown {
        eb,
        ea,
        diff,
        applied,
        title,
        expand,
    } = shown;
    if format == ReportFormat::Jsonl {
        let mut o = std::io::BufWriter::new(std::io::stdout().lock());
        diff.each_cell(eb, ea, |c| -> Result<()> {
            crate::sanitize::json::to_writer(&mut o, &c)?;
            o.write_all(b"\n")?;
            Ok(())
        })?;
        diff.each_escalation(eb, ea, |f| -> Result<()> {
            crate::sanitize::json::to_writer(&mut o, &f)?;
            o.write_all(b"\n")?;
            Ok(())
        })?;
        o.flush()?;
        return Ok(());
    }
    if expand {
        diff.expand(eb, ea);
    }
    let entries = diff.groups.len() + diff.escalations.len();
    match (format, plan) {
        (ReportFormat::Json, None) => output::print_json_sized(&*diff, entries)?,
        (ReportFormat::Json, Some(plan)) => {
            output::print_json_sized(&with_plan(diff, plan)?, entries)?
        }
        (ReportFormat::Markdown, _) => {
            let mut o = std::io::stdout().lock();
            markdown(&mut o, ea, diff)?;
            notes_markdown(&mut o, applied)?;
            plan.iter()
                .try_for_each(|p| changes::plan_markdown(&mut o, p))?;
        }
        _ => {
            let mut o = output::out();
            text(&mut o, ea, diff, title)?;
            notes_text(&mut o, applied)?;
            plan.iter()
                .try_for_each(|p| changes::plan_text(&mut o, p))?;
        }
    }
    Ok(())
}

/// `3 change(s): 475 000 cells gained by 25 000 identities in 4 groups, …`.
pub(crate) fn headline(diff: &GroupedDiff) -> String {
    format!(
        "{} change(s): {} cell(s) gained, {} lost, {} identit{} in {} group(s); escalation paths +{} -{}",
        diff.changes,
        diff.gained,
        diff.lost,
        diff.identities,
        if diff.identities == 1 { "y" } else { "ies" },
        diff.groups.len(),
        diff.escalations_added,
        diff.escalations_removed
    )
}

/// `role 'Key Vault Reader' at subscription Prod, held by All-Engineers (group, 25 000 identities)`.
pub(crate) fn grant_words(engine: &Engine, g: &GrantRef, plain: bool) -> String {
    let what = match g.kind {
        GrantKind::RoleAssignment => format!(
            "role '{}' at {}",
            clean(g.role_name.as_deref().unwrap_or("(definition missing)")),
            output::describe_scope(engine, &g.scope)
        ),
        GrantKind::AccessPolicy => {
            format!("access-policy entry on {}", output::short_scope(&g.scope))
        }
    };
    let condition = g
        .condition
        .as_deref()
        .map(|c| format!(" if {}", clean(c)))
        .unwrap_or_default();
    let holder = if plain {
        let h = &g.holder;
        match h.kind {
            crate::model::PrincipalKind::Group => format!(
                "{} (group, {})",
                clean(&h.display_name),
                identity_words(h.identities)
            ),
            kind => format!("{} ({})", clean(&h.display_name), kind.as_str()),
        }
    } else {
        holder_words(&g.holder)
    };
    format!("{what}, held by {holder}{condition}")
}

fn identity_words(n: usize) -> String {
    format!("{n} identit{}", if n == 1 { "y" } else { "ies" })
}

/// `15 operations (secrets 4, keys 6, …)` past a few, else the list.
fn operations_words(ops: &[&'static str]) -> String {
    if ops.len() <= 4 {
        ops.join(", ")
    } else {
        format!("{} operations: {}", ops.len(), summarize(ops))
    }
}

fn where_words(engine: &Engine, g: &ChangeGroup) -> String {
    let mut out = cover_words(engine, g.vaults, &g.covers);
    if !g.items.is_empty() {
        out.push_str(&format!(" ({} item(s) of their own)", g.items.len()));
    }
    out
}

fn text(o: &mut impl Write, engine: &Engine, diff: &GroupedDiff, title: &str) -> Result<()> {
    writeln!(
        o,
        "{}",
        output::paint(output::bold(), &format!("{title}: {}", headline(diff)))
    )?;
    if !diff.groups.is_empty() || !diff.escalations.is_empty() {
        writeln!(
            o,
            "  grouped by what decides each change; --expand lists the identities, --output jsonl one line per identity, scope and operation"
        )?;
    }
    for g in &diff.groups {
        let (mark, style) = if g.gained {
            ("+", output::decision_style(Decision::Allowed))
        } else {
            ("-", output::decision_style(Decision::Denied))
        };
        let app = g
            .via_app
            .as_ref()
            .map(|a| format!(" through app {}", output::name_of(engine, a)))
            .unwrap_or_default();
        writeln!(
            o,
            "\n{} {} → {}  {} ({}){app}",
            output::paint(style, mark),
            output::paint(output::decision_style(g.before), g.before.as_str()),
            output::paint(output::decision_style(g.after), g.after.as_str()),
            clean(&operations_words(&g.operations)),
            g.plane.as_str(),
        )?;
        writeln!(
            o,
            "    {} on {} ({} cell(s))",
            identity_words(g.identities),
            where_words(engine, g),
            g.cells
        )?;
        for x in &g.grants {
            writeln!(o, "    via {}", grant_words(engine, x, false))?;
        }
        for x in &g.grants_before {
            writeln!(o, "    was via {}", grant_words(engine, x, false))?;
        }
        for d in &g.denies {
            writeln!(
                o,
                "    blocked by deny assignment '{}' at {}",
                clean(&d.name),
                output::describe_scope(engine, &d.scope)
            )?;
        }
        for r in &g.unknown_because {
            writeln!(o, "    unknown: {}", clean(&r.to_string()))?;
        }
        expanded_text(o, g.expanded.as_deref())?;
    }
    for g in &diff.escalations {
        escalation_text(o, engine, g)?;
    }
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
    if diff.is_empty() {
        writeln!(o, "\nno decision changes")?;
    }
    Ok(())
}

fn expanded_text(o: &mut impl Write, list: Option<&[PrincipalRef]>) -> Result<()> {
    for p in list.into_iter().flatten() {
        writeln!(
            o,
            "      - {} ({}) {}",
            clean(&p.display_name),
            p.kind.as_str(),
            clean(&p.id)
        )?;
    }
    Ok(())
}

fn escalation_text(o: &mut impl Write, engine: &Engine, g: &EscalationChange) -> Result<()> {
    let who = g
        .holder
        .as_ref()
        .map_or_else(|| "(no grant known)".to_string(), holder_words);
    let flag = match g.decision {
        Decision::Allowed => String::new(),
        d => format!(" [{}]", d.as_str()),
    };
    writeln!(
        o,
        "\n{} escalation path {}: {who} {} on {}{flag}",
        output::paint(
            output::decision_style(Decision::Conditional),
            if g.added { "+!" } else { "-!" }
        ),
        if g.added { "added" } else { "removed" },
        g.technique.describe(),
        cover_words(engine, g.vaults, &g.covers),
    )?;
    let role = g
        .role_name
        .as_deref()
        .map(|r| format!("role '{}'", clean(r)))
        .unwrap_or_else(|| "a role".to_string());
    let at = g
        .grant_scope
        .as_deref()
        .map(|s| format!(" at {}", output::describe_scope(engine, s)))
        .unwrap_or_default();
    if !g.grant.is_empty() {
        writeln!(o, "    through {role}{at}")?;
    }
    writeln!(
        o,
        "    {} ({} finding(s)); would gain {}",
        identity_words(g.identities),
        g.findings,
        summarize(&g.gains)
    )?;
    expanded_text(o, g.expanded.as_deref())
}

fn notes_text(o: &mut impl Write, applied: &[crate::whatif::Applied]) -> Result<()> {
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
    Ok(())
}

fn names_md(list: Option<&[PrincipalRef]>) -> String {
    list.map(|l| {
        let names: Vec<String> = l.iter().map(|p| output::md(&p.display_name)).collect();
        format!(": {}", names.join(", "))
    })
    .unwrap_or_default()
}

/// The grouped answer as a pull-request comment: one table row per group.
pub(crate) fn markdown(o: &mut impl Write, engine: &Engine, diff: &GroupedDiff) -> Result<()> {
    writeln!(o, "### kvaccess what-if: {}\n", output::md(&headline(diff)))?;
    if !diff.groups.is_empty() {
        writeln!(
            o,
            "| | before → after | operations | decided by | identities | where | cells |"
        )?;
        writeln!(o, "|---|---|---|---|---|---|---|")?;
        for g in &diff.groups {
            let mut by: Vec<String> = g
                .grants
                .iter()
                .map(|x| output::md(&grant_words(engine, x, true)))
                .collect();
            by.extend(
                g.grants_before
                    .iter()
                    .map(|x| format!("was {}", output::md(&grant_words(engine, x, true)))),
            );
            by.extend(
                g.denies
                    .iter()
                    .map(|d| format!("deny '{}'", output::md(&d.name))),
            );
            by.extend(
                g.unknown_because
                    .iter()
                    .map(|r| format!("unknown: {}", output::md(&r.to_string()))),
            );
            let app = g
                .via_app
                .as_ref()
                .map(|a| format!(" via app {}", output::md(&output::name_of(engine, a))))
                .unwrap_or_default();
            writeln!(
                o,
                "| {} | {} → {} | {}{app} | {} | {}{} | {} | {} |",
                if g.gained { "+" } else { "−" },
                g.before.as_str(),
                g.after.as_str(),
                output::md(&operations_words(&g.operations)),
                by.join("; "),
                g.identities,
                names_md(g.expanded.as_deref()),
                output::md(&where_words(engine, g)),
                g.cells
            )?;
        }
    }
    if !diff.escalations.is_empty() {
        writeln!(
            o,
            "\n#### Escalation paths\n\n| | holder | path | through | identities | vaults |\n|---|---|---|---|---|---|"
        )?;
        for g in &diff.escalations {
            let holder = g.holder.as_ref().map_or_else(
                || "(no grant known)".to_string(),
                |h| format!("{} ({})", output::md(&h.display_name), h.kind.as_str()),
            );
            writeln!(
                o,
                "| {} | {holder} | {} | {} | {}{} | {} |",
                if g.added { "added" } else { "removed" },
                g.technique.describe(),
                output::md(g.role_name.as_deref().unwrap_or(&g.grant)),
                g.identities,
                names_md(g.expanded.as_deref()),
                output::md(&cover_words(engine, g.vaults, &g.covers)),
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
    Ok(())
}

fn notes_markdown(o: &mut impl Write, applied: &[crate::whatif::Applied]) -> Result<()> {
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
