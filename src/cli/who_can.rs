//! `kvaccess who-can`: the reverse question.

use std::io::Write;

use anyhow::Result;
use clap::Args;

use super::{SnapshotArg, exit, output};
use crate::eval::Engine;
use crate::query;
use crate::query::grouped::who_can::group_who_can;
use crate::sanitize::clean;

mod grouped;

/// `--output` of who-can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
    Csv,
    /// One JSON object per line and identity that can, written as decided (any size of answer, bounded
    /// memory); then the on-items, eligible and can-grant-themselves rows.
    Jsonl,
}

#[derive(Debug, Args)]
pub struct WhoCanArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    /// A vault or item: ARM id, vault name or URL, or NAME/secrets/X.
    #[arg(long)]
    pub scope: String,
    #[arg(long, short = 'a')]
    pub action: String,
    #[command(flatten)]
    pub from: super::check::FromArgs,
    /// Group the answer by what decides it: holder, grant and scope, with identity counts (text, json).
    #[arg(long)]
    pub grouped: bool,
    /// Grouped, with every group's identities listed (text, json).
    #[arg(long)]
    pub expand: bool,
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: Format,
}

pub fn run(a: &WhoCanArgs) -> Result<u8> {
    let snapshot = a.snapshot.load()?;
    let engine = Engine::new(snapshot);
    let scope = query::resolve_scope(&engine.snapshot, &a.scope)?;
    let action = query::resolve_action(&a.action)?;
    let origin = a.from.origin();
    if a.output == Format::Jsonl {
        return jsonl(&engine, &scope, &action, origin.as_ref());
    }
    let result = query::who_can_from(&engine, &scope, &action, origin.as_ref())?;
    for note in &result.notes {
        eprintln!("warning: {}", clean(note));
    }
    if a.grouped || a.expand {
        let groups = group_who_can(&engine, &result, a.expand);
        match a.output {
            Format::Json => output::print_json(&groups)?,
            Format::Text => grouped::text(&engine, &groups)?,
            Format::Csv | Format::Jsonl => {
                anyhow::bail!("--grouped and --expand print text or json; csv and jsonl are flat")
            }
        }
        return Ok(exit::OK);
    }
    match a.output {
        Format::Jsonl => unreachable!("handled above"),
        Format::Json => output::print_json(&result)?,
        Format::Csv => {
            let mut w = output::csv_out();
            output::csv_row(
                &mut w,
                &[
                    "id",
                    "displayName",
                    "type",
                    "decision",
                    "viaApp",
                    "via",
                    "grants",
                ]
                .map(String::from),
            )?;
            for p in &result.principals {
                let via = p
                    .grants
                    .iter()
                    .flat_map(|g| g.via_groups.iter().map(|id| output::name_of(&engine, id)))
                    .collect::<Vec<_>>();
                output::csv_row(
                    &mut w,
                    &[
                        p.id.clone(),
                        p.display_name.clone(),
                        p.kind.as_str().to_string(),
                        p.decision.as_str().to_string(),
                        p.via_app.clone().unwrap_or_default(),
                        via.join("; "),
                        p.grants
                            .iter()
                            .map(|g| g.id.clone())
                            .collect::<Vec<_>>()
                            .join("; "),
                    ],
                )?;
            }
            for p in &result.on_items {
                output::csv_row(
                    &mut w,
                    &[
                        p.id.clone(),
                        p.display_name.clone(),
                        p.kind.as_str().to_string(),
                        format!("onItems:{}", p.items.len()),
                        String::new(),
                        String::new(),
                        p.items
                            .iter()
                            .map(|(s, _)| s.clone())
                            .collect::<Vec<_>>()
                            .join("; "),
                    ],
                )?;
            }
            // Those who could: after activating a PIM eligibility, or by granting it to themselves.
            for p in &result.eligible {
                let ids: Vec<String> = p.eligible.iter().map(|g| g.id.clone()).collect();
                output::csv_row(
                    &mut w,
                    &[
                        p.id.clone(),
                        p.display_name.clone(),
                        p.kind.as_str().to_string(),
                        "eligible".to_string(),
                        String::new(),
                        String::new(),
                        ids.join("; "),
                    ],
                )?;
            }
            for f in &result.can_grant_themselves {
                output::csv_row(
                    &mut w,
                    &[
                        f.principal.id.clone(),
                        f.principal.display_name.clone(),
                        f.principal.kind.as_str().to_string(),
                        format!("canGrantThemselves:{}", f.technique.as_str()),
                        String::new(),
                        f.holder
                            .as_deref()
                            .filter(|h| *h != f.principal.id)
                            .map(|h| output::name_of(&engine, h))
                            .unwrap_or_default(),
                        f.grant.clone(),
                    ],
                )?;
            }
            w.flush()?;
        }
        Format::Text => {
            let mut o = output::out();
            writeln!(
                o,
                "{} at {}",
                output::paint(output::bold(), &clean(&result.operation)),
                clean(&result.scope)
            )?;
            for r in &result.unknown_because {
                writeln!(o, "  unknown: {}", clean(&r.to_string()))?;
            }
            if result.principals.is_empty() {
                writeln!(o, "  nobody")?;
            }
            let width = result
                .principals
                .iter()
                .map(|p| clean(&p.display_name).chars().count())
                .max()
                .unwrap_or(0)
                .min(40);
            for p in &result.principals {
                let name = clean(&p.display_name);
                let app = p
                    .via_app
                    .as_ref()
                    .map(|a| format!(" (through app {})", output::app_name(&engine, a)))
                    .unwrap_or_default();
                // Padded before painting: escape codes have no width on screen.
                let decision = format!("{:<11}", p.decision.as_str());
                let kind = if app.is_empty() {
                    p.kind.as_str().to_string()
                } else {
                    format!("{:<16}{app}", p.kind.as_str())
                };
                writeln!(
                    o,
                    "  {} {:<width$}  {kind}",
                    output::paint(output::decision_style(p.decision), &decision),
                    name,
                )?;
                for g in &p.grants {
                    writeln!(o, "      via {}", output::grant_line(&engine, g))?;
                }
                for r in &p.unknown_because {
                    writeln!(o, "      unknown: {}", clean(&r.to_string()))?;
                }
            }
            if !result.on_items.is_empty() {
                writeln!(o, "\non some items only (grants at the items):")?;
                for p in &result.on_items {
                    let names: Vec<String> = p
                        .items
                        .iter()
                        .map(|(s, _)| output::short_scope(s))
                        .collect();
                    writeln!(
                        o,
                        "  {:<width$}  {}  on {} {}: {}",
                        clean(&p.display_name),
                        p.kind.as_str(),
                        p.items.len(),
                        if p.items.len() == 1 { "item" } else { "items" },
                        names.join(", ")
                    )?;
                }
            }
            if !result.eligible.is_empty() {
                writeln!(
                    o,
                    "\neligible (PIM: could after activating, not allowed now):"
                )?;
                for p in &result.eligible {
                    writeln!(
                        o,
                        "  {:<width$}  {}",
                        clean(&p.display_name),
                        p.kind.as_str()
                    )?;
                    for g in &p.eligible {
                        writeln!(o, "      via {}", output::grant_line(&engine, g))?;
                    }
                }
            }
            if !result.can_grant_themselves.is_empty() {
                writeln!(o, "\ncan grant it to themselves:")?;
                for f in &result.can_grant_themselves {
                    writeln!(
                        o,
                        "  {:<width$}  {}",
                        clean(&f.principal.display_name),
                        crate::display::self_grant(&engine, f).line()
                    )?;
                }
            }
        }
    }
    Ok(exit::OK)
}

/// The flat answer streamed: one line per identity that can, as each is decided; then the rows of those who
/// can on items only, could after activating an eligibility, or could grant it to themselves.
fn jsonl(
    engine: &Engine,
    scope: &crate::model::Scope,
    action: &crate::catalog::Action,
    origin: Option<&crate::eval::Origin>,
) -> Result<u8> {
    if let Some(note) = query::item_not_in_snapshot(engine, scope) {
        eprintln!("warning: {}", clean(&note.to_string()));
    }
    let mut o = std::io::BufWriter::new(std::io::stdout().lock());
    // The ids seen, for the rows after: who can on items only or could, among those not listed.
    let (mut listed, mut allowed) = (Vec::new(), Vec::new());
    query::each_who_can(engine, scope, action, origin, |e| -> Result<()> {
        serde_json::to_writer(&mut o, e)?;
        o.write_all(b"\n")?;
        if e.decision == crate::eval::Decision::Allowed {
            allowed.push(e.id.clone());
        }
        listed.push(e.id.clone());
        Ok(())
    })?;
    let listed = listed.iter().map(String::as_str).collect();
    let allowed = allowed.iter().map(String::as_str).collect();
    let rest = query::who_can_besides(engine, scope, action, origin, &listed, &allowed)?;
    for p in &rest.on_items {
        serde_json::to_writer(&mut o, &serde_json::json!({"onItems": p}))?;
        o.write_all(b"\n")?;
    }
    for p in &rest.eligible {
        serde_json::to_writer(&mut o, &serde_json::json!({"eligible": p}))?;
        o.write_all(b"\n")?;
    }
    for f in &rest.can_grant_themselves {
        serde_json::to_writer(&mut o, &serde_json::json!({"canGrantThemselves": f}))?;
        o.write_all(b"\n")?;
    }
    o.flush()?;
    Ok(exit::OK)
}
