//! `kvaccess paths`: who can *become* someone who can use a vault's data, or what a principal can become.

mod from;

use std::io::Write;

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::{SnapshotArg, exit, output};
use crate::eval::Engine;
use crate::paths::{self, HopGraph};
use crate::query;

#[derive(Debug, Args)]
pub struct PathsArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    /// A vault (name, id or URL) or an item (`vault/secrets/name`): who can reach it.
    #[arg(long, conflicts_with = "from", required_unless_present = "from")]
    pub to: Option<String>,
    /// A principal (object id, UPN, appId or name): what it can become and reach.
    #[arg(long)]
    pub from: Option<String>,
    /// The operation at the last hop (with --to).
    #[arg(long, default_value = "secrets/get")]
    pub action: String,
    /// Longest path considered, in hops (the last hop, the grant, counts as one).
    #[arg(long, default_value_t = paths::DEFAULT_MAX_HOPS)]
    pub max_hops: usize,
    /// List what each group counts: the starts (with --to) or every group's vaults (with --from); text and
    /// json.
    #[arg(long)]
    pub expand: bool,
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: PathsFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum PathsFormat {
    #[default]
    Text,
    Json,
    Mermaid,
    Dot,
    /// One JSON object a line: one path per line, streamed (with --to); each node's operation group at a
    /// vault, and each self-grant (with --from).
    Jsonl,
}

pub fn run(a: &PathsArgs) -> Result<u8> {
    if a.max_hops == 0 {
        anyhow::bail!("--max-hops must be at least 1");
    }
    let snapshot = a.snapshot.load()?;
    let engine = Engine::new(snapshot);
    let graph = HopGraph::build(&engine);
    let name = |id: &str| paths::node_name(&engine, id);
    if let Some(from) = &a.from {
        let id = query::resolve_principal(&engine, from)?;
        let mut answer = paths::paths_from(&engine, &graph, &id, a.max_hops);
        if a.expand {
            answer.expand(&engine);
        }
        match a.output {
            PathsFormat::Json => output::print_json(&answer)?,
            PathsFormat::Text => from::print(&answer, &name)?,
            PathsFormat::Jsonl => from::print_jsonl(&engine, &answer)?,
            PathsFormat::Mermaid | PathsFormat::Dot => {
                anyhow::bail!(
                    "--from prints text, json or jsonl; Mermaid and DOT draw --to answers"
                )
            }
        }
        return Ok(exit::OK);
    }
    let target = a.to.as_deref().unwrap_or_default();
    let scope = query::resolve_scope(&engine.snapshot, target)?;
    let action = query::resolve_action(&a.action)?;
    let mut answer = paths::paths_to_grouped(&engine, &graph, &scope, &action, a.max_hops)?;
    if a.expand {
        if !matches!(a.output, PathsFormat::Text | PathsFormat::Json) {
            anyhow::bail!("--expand lists starts in text or json; jsonl lists every path already");
        }
        answer.expand(&engine);
    }
    let text = match a.output {
        PathsFormat::Json => return output::print_json(&answer).map(|()| exit::OK),
        PathsFormat::Jsonl => return jsonl(&engine, &answer).map(|()| exit::OK),
        PathsFormat::Text => paths::to_text(&answer, &name, a.expand),
        PathsFormat::Mermaid => paths::to_mermaid(&answer, &name),
        PathsFormat::Dot => paths::to_dot(&answer, &name),
    };
    write!(output::out(), "{text}")?;
    Ok(exit::OK)
}

/// One line per path — its grant group's key, start, decision, whether it needs activation, hops — built
/// and written one at a time from the grouped answer.
fn jsonl(engine: &Engine, answer: &paths::PathsToGrouped) -> Result<()> {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        grant: &'a str,
        #[serde(flatten)]
        path: &'a paths::Path,
    }
    let mut o = std::io::BufWriter::new(std::io::stdout().lock());
    let mut failed = None;
    answer.for_each_path(engine, &mut |grant, path| {
        if failed.is_some() {
            return;
        }
        let line = Line { grant, path: &path };
        if let Err(e) = crate::sanitize::json::to_writer(&mut o, &line)
            .map_err(anyhow::Error::from)
            .and_then(|()| o.write_all(b"\n").map_err(Into::into))
        {
            failed = Some(e);
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    o.flush()?;
    Ok(())
}
