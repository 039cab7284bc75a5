//! `kvaccess who-can`: the reverse question.

use std::io::Write;

use anyhow::Result;
use clap::Args;

use super::{SnapshotArg, exit, output};
use crate::eval::Engine;
use crate::query;
use crate::query::grouped::who_can::grouped_who_can;
use crate::sanitize::clean;

mod grouped;

/// `--output` of who-can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum WhoCanFormat {
    #[default]
    Text,
    Json,
    Csv,
    /// One JSON object per line and identity that can, with the grants that decide it, streamed from the
    /// grouped answer; then the denied, on-items, eligible and can-grant-themselves rows.
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
    /// JSON grouped by what decides it: holder, grant and scope, with identity counts (text is always
    /// grouped).
    #[arg(long)]
    pub grouped: bool,
    /// Grouped, with every group's identities listed (text, json).
    #[arg(long)]
    pub expand: bool,
    /// Leave out the self-grant techniques Microsoft's articles disagree on (marked `disputed` otherwise).
    #[arg(long)]
    pub hide_disputed: bool,
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: WhoCanFormat,
}

pub fn run(a: &WhoCanArgs) -> Result<u8> {
    let snapshot = a.snapshot.load()?;
    let engine = Engine::new(snapshot);
    let scope = query::resolve_scope(&engine.snapshot, &a.scope)?;
    let action = query::resolve_action(&a.action)?;
    let origin = a.from.origin();
    if a.output == WhoCanFormat::Jsonl {
        return jsonl(&engine, &scope, &action, origin.as_ref(), a.hide_disputed);
    }
    if a.output == WhoCanFormat::Text || (a.output == WhoCanFormat::Json && (a.grouped || a.expand))
    {
        let mut grouped = grouped_who_can(&engine, &scope, &action, origin.as_ref())?;
        if a.hide_disputed {
            grouped.hide_disputed();
        }
        for note in &grouped.answer.notes {
            eprintln!("warning: {}", clean(note));
        }
        let answer = if a.expand {
            grouped.expanded(&engine)
        } else {
            grouped.answer
        };
        if a.output == WhoCanFormat::Json {
            output::print_json(&answer)?;
        } else {
            grouped::text(&engine, &answer)?;
        }
        return Ok(exit::OK);
    }
    if a.grouped || a.expand {
        anyhow::bail!("--grouped and --expand print text or json; csv and jsonl are flat");
    }
    let mut result = query::who_can_from(&engine, &scope, &action, origin.as_ref())?;
    if a.hide_disputed {
        result.can_grant_themselves.retain(|f| !f.disputed);
    }
    for note in &result.notes {
        eprintln!("warning: {}", clean(note));
    }
    match a.output {
        WhoCanFormat::Json => output::print_json(&result)?,
        WhoCanFormat::Csv => {
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
                        format!(
                            "canGrantThemselves:{}{}",
                            f.technique.as_str(),
                            if f.disputed { " (disputed)" } else { "" }
                        ),
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
        WhoCanFormat::Text | WhoCanFormat::Jsonl => unreachable!("answered grouped above"),
    }
    Ok(exit::OK)
}

/// The flat answer streamed from the grouped one: one line per identity that can (and application it calls
/// through), with the grants that decide it; then a line per identity of each group of the other sections.
fn jsonl(
    engine: &Engine,
    scope: &crate::model::Scope,
    action: &crate::catalog::Action,
    origin: Option<&crate::eval::Origin>,
    hide_disputed: bool,
) -> Result<u8> {
    let mut grouped = grouped_who_can(engine, scope, action, origin)?;
    if hide_disputed {
        grouped.hide_disputed();
    }
    for note in &grouped.answer.notes {
        eprintln!("warning: {}", clean(note));
    }
    let mut o = std::io::BufWriter::new(std::io::stdout().lock());
    grouped.write_jsonl(engine, &mut o)?;
    o.flush()?;
    Ok(exit::OK)
}
