//! `kvaccess matrix`: operation groups × principals (for a vault) or × vaults (for a principal).

use std::io::Write;

use anyhow::Result;
use clap::Args;

use super::{SnapshotArg, TableFormat, exit, output};
use crate::eval::{Decision, Engine};
use crate::query::{self, Matrix};
use crate::sanitize::clean;

#[derive(Debug, Args)]
#[group(id = "subject", required = true, multiple = false, args = ["scope", "principal"])]
pub struct MatrixArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    /// A vault (id, name or URL): rows are the identities with any access to it.
    #[arg(long)]
    pub scope: Option<String>,
    /// A principal: rows are every vault.
    #[arg(long, short = 'p')]
    pub principal: Option<String>,
    /// With --principal: the application it calls through.
    #[arg(long, requires = "principal", conflicts_with = "scope")]
    pub via_app: Option<String>,
    #[command(flatten)]
    pub from: super::check::FromArgs,
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: TableFormat,
}

pub fn run(a: &MatrixArgs) -> Result<u8> {
    let snapshot = a.snapshot.load()?;
    let engine = Engine::new(snapshot);
    let mut matrix = match (&a.scope, &a.principal) {
        (Some(scope), _) => {
            query::matrix_for_vault(&engine, &query::resolve_scope(&engine.snapshot, scope)?)?
        }
        (None, Some(p)) => {
            let id = query::resolve_principal(&engine, p)?;
            let app = a
                .via_app
                .as_deref()
                .map(|x| query::resolve_app(&engine, x))
                .transpose()?;
            query::matrix_for_principal(&engine, &id, app.as_deref())
        }
        (None, None) => anyhow::bail!("give --scope VAULT_ID or --principal P"),
    };
    if let Some(origin) = a.from.origin() {
        query::through_network(&engine, &mut matrix, &origin);
    }
    match a.output {
        TableFormat::Json => output::print_json(&matrix)?,
        TableFormat::Csv => csv(&matrix)?,
        TableFormat::Markdown => markdown(&matrix)?,
        TableFormat::Text => text(&matrix)?,
    }
    Ok(exit::OK)
}

fn csv(m: &Matrix) -> Result<()> {
    let mut w = output::csv_out();
    let ops: Vec<&str> = m
        .rows
        .first()
        .map(|r| {
            r.cells
                .iter()
                .flat_map(|c| c.decisions.iter().map(|(op, _)| *op))
                .collect()
        })
        .unwrap_or_default();
    let mut header = vec![
        "id".to_string(),
        "name".to_string(),
        "type".to_string(),
        "viaApp".to_string(),
    ];
    header.extend(ops.iter().map(|s| s.to_string()));
    output::csv_row(&mut w, &header)?;
    for r in &m.rows {
        let mut row = vec![
            r.id.clone(),
            r.label.clone(),
            r.principal
                .as_ref()
                .map(|p| p.kind.as_str().to_string())
                .unwrap_or_else(|| "vault".into()),
            r.via_app.clone().unwrap_or_default(),
        ];
        row.extend(
            r.cells
                .iter()
                .flat_map(|c| c.decisions.iter().map(|(op, d)| c.cell_text(op, *d))),
        );
        output::csv_row(&mut w, &row)?;
    }
    w.flush()?;
    Ok(())
}

fn markdown(m: &Matrix) -> Result<()> {
    let mut o = std::io::stdout().lock();
    writeln!(
        o,
        "| {} | {} |",
        if m.rows.iter().any(|r| r.principal.is_some()) {
            "principal"
        } else {
            "vault"
        },
        m.columns.join(" | ")
    )?;
    writeln!(o, "|---|{}", "---|".repeat(m.columns.len()))?;
    for r in &m.rows {
        let cells: Vec<_> = r.cells.iter().map(|c| c.label()).collect();
        writeln!(o, "| {} | {} |", output::md(&r.label), cells.join(" | "))?;
    }
    Ok(())
}

fn text(m: &Matrix) -> Result<()> {
    let mut o = output::out();
    writeln!(o, "{}", output::paint(output::bold(), &clean(&m.title)))?;
    // Wide enough for an object id, which names a principal missing from the directory data.
    let width = m
        .rows
        .iter()
        .map(|r| clean(&r.label).chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, 40);
    let col = |name: &str| name.chars().count().max(5);
    write!(o, "{:<width$}", "")?;
    for c in &m.columns {
        write!(o, " {:>w$}", c, w = col(c))?;
    }
    writeln!(o)?;
    for r in &m.rows {
        let label: String = clean(&r.label).chars().take(width).collect();
        write!(o, "{label:<width$}")?;
        for (cell, name) in r.cells.iter().zip(&m.columns) {
            let style = match cell.summary() {
                "all" | "some" => output::decision_style(Decision::Allowed),
                "-" if cell.on_items.is_some() => output::decision_style(Decision::Allowed),
                "cond" => output::decision_style(Decision::Conditional),
                "?" => output::decision_style(Decision::Unknown),
                _ => output::dim(),
            };
            write!(
                o,
                " {}",
                output::paint(style, &format!("{:>w$}", cell.label(), w = col(name)))
            )?;
        }
        writeln!(o)?;
    }
    if m.rows.is_empty() {
        writeln!(o, "(no rows)")?;
    }
    writeln!(
        o,
        "{}",
        output::paint(
            output::dim(),
            "all = every operation in the group, some = part of it, cond = conditional, ? = unknown, - = none, N items = on some items only (grants at the items)"
        )
    )?;
    Ok(())
}
