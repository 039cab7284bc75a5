//! `kvaccess tour`: the guided tour's steps printed, one after the other, or one of them (`--step`).

use std::io::Write;

use anyhow::Result;
use clap::Args;

use super::{SnapshotArg, TextOrJson, exit, output};
use crate::eval::Engine;
use crate::tour;

#[derive(Debug, Args)]
pub struct TourArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    /// Only this step (1-based).
    #[arg(long, value_name = "N")]
    pub step: Option<usize>,
    #[arg(long, short = 'o', value_enum, default_value_t = TextOrJson::Text)]
    pub output: TextOrJson,
}

pub fn run(a: &TourArgs) -> Result<u8> {
    let engine = Engine::new(a.snapshot.load()?);
    let steps = tour::steps(&engine);
    let total = steps.len();
    let chosen: Vec<(usize, &tour::Step)> = match a.step {
        Some(n) if (1..=total).contains(&n) => vec![(n, &steps[n - 1])],
        Some(n) => anyhow::bail!("--step {n}: the tour has steps 1 to {total}"),
        None => steps.iter().enumerate().map(|(i, s)| (i + 1, s)).collect(),
    };
    let mut o = output::out();
    if a.output == TextOrJson::Json {
        let list: Vec<serde_json::Value> = chosen
            .iter()
            .map(|(n, s)| {
                serde_json::json!({
                    "step": n,
                    "title": s.title,
                    "scope": s.scope.as_ref().map(|x| x.id().to_string()),
                    "principal": s.principal,
                    "view": s.show.name(),
                    "operation": s.operation,
                    "from": s.from,
                    "text": s.text,
                    "claims": s.claims.iter().map(|c| serde_json::json!({
                        "question": c.question,
                        "decision": c.decision.as_str(),
                        "because": c.because,
                    })).collect::<Vec<_>>(),
                    "tryThis": s.try_this,
                })
            })
            .collect();
        crate::sanitize::json::to_writer_pretty(&mut o, &list)?;
        writeln!(o)?;
        return Ok(exit::OK);
    }
    for (n, s) in chosen {
        writeln!(
            o,
            "{} {n}/{total} · {}",
            output::paint(output::bold(), "Step"),
            s.title
        )?;
        writeln!(o, "  where: {}", s.place(&engine))?;
        for t in &s.text {
            writeln!(o, "  {t}")?;
        }
        for c in &s.claims {
            writeln!(o, "    engine: {} → {}", c.question, c.decision.as_str())?;
        }
        writeln!(o, "  try this in the explorer: {}\n", s.try_this)?;
    }
    Ok(exit::OK)
}
