//! `kvaccess activity`: who did what, from Key Vault's audit logs, joined to a snapshot; and, with a mode
//! flag, could-vs-did, unused access (with a what-if change list) or the model check. `kvaccess
//! synth-logs` writes synthetic logs for a snapshot.

mod render;
mod table;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use serde_json::json;

use super::{TableFormat, exit, output};
use crate::activity::join::Filter;
use crate::activity::{self, Reading, Window};
use crate::eval::Engine;
use crate::model::{Scope, Snapshot};
use crate::{query, snapshot, suggest};

#[derive(Debug, Args)]
pub struct ActivityArgs {
    /// Log files or directories: storage-account archives (PT1H.json, JSON Lines or {"records": […]}),
    /// `az monitor log-analytics query -o json` output (AzureDiagnostics or AZKVAuditLogs), portal CSV.
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    pub logs: Vec<PathBuf>,
    /// Snapshot to join the calls to (names, grants now). Without it `activity` reports the logs alone;
    /// the other modes need one.
    #[arg(long, short = 's', value_name = "FILE", env = "KVACCESS_SNAPSHOT")]
    pub snapshot: Option<PathBuf>,
    /// Only calls on this vault or item (ARM id, vault name or URL, NAME/secrets/X) or below this scope.
    #[arg(long)]
    pub scope: Option<String>,
    /// Only calls by this principal (object id, UPN, appId or display name).
    #[arg(long, short = 'p')]
    pub principal: Option<String>,
    /// Only calls at or after this time (ISO 8601, e.g. 2026-11-01 or 2026-11-01T08:00:00Z).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only calls at or before this time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: TableFormat,
    /// Who could (the evaluator) beside who did (the logs), per operation, for --scope.
    #[arg(long, group = "mode", requires = "scope")]
    pub could_vs_did: bool,
    /// With --could-vs-did: also compare this operation (secrets/get…), called or not.
    #[arg(long, requires = "could_vs_did")]
    pub action: Option<String>,
    /// Grants on the logged vaults that no successful call in the window needed.
    #[arg(long, group = "mode")]
    pub unused: bool,
    /// With --unused: `changes` prints the what-if change list removing them instead of the report.
    #[arg(long, value_enum, requires = "unused")]
    pub emit: Option<Emit>,
    /// With --unused: also write that change list to FILE (atomically), for `kvaccess whatif --changes`.
    #[arg(long, value_name = "FILE", requires = "unused")]
    pub write_changes: Option<PathBuf>,
    /// Logged decisions that disagree with the evaluator, classified.
    #[arg(long, group = "mode")]
    pub model_check: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    Changes,
}

fn window(a: &ActivityArgs) -> Result<Window> {
    let parse = |flag: &str, text: &Option<String>| -> Result<Option<i64>> {
        text.as_deref()
            .map(|t| {
                activity::time::parse(t).with_context(|| {
                    format!("{flag} {t:?}: not a time (use ISO 8601: 2026-11-01 or 2026-11-01T08:00:00Z)")
                })
            })
            .transpose()
    };
    let w = Window {
        since: parse("--since", &a.since)?,
        until: parse("--until", &a.until)?,
    };
    if let (Some(s), Some(u)) = (w.since, w.until)
        && s > u
    {
        bail!("--since is after --until");
    }
    Ok(w)
}

pub fn run(a: &ActivityArgs) -> Result<u8> {
    let window = window(a)?;
    let snapshot: Option<Snapshot> = a.snapshot.as_deref().map(snapshot::load_file).transpose()?;
    let reading = activity::read(&a.logs, window)?;
    let engine = snapshot.map(Engine::new);
    let filter = Filter {
        scope: a
            .scope
            .as_deref()
            .map(|s| resolve_scope(engine.as_ref().map(|e| &*e.snapshot), &reading, s))
            .transpose()?,
        principal: a
            .principal
            .as_deref()
            .map(|p| resolve_principal(engine.as_ref(), &reading, p))
            .transpose()?,
    };
    let needs = |mode: &str| -> Result<&Engine> {
        engine
            .as_ref()
            .with_context(|| format!("{mode} needs a snapshot: pass --snapshot FILE"))
    };
    if a.could_vs_did {
        let e = needs("--could-vs-did")?;
        let scope = filter
            .scope
            .clone()
            .context("--could-vs-did needs --scope")?;
        let action = a.action.as_deref().map(query::resolve_action).transpose()?;
        let result = activity::could_vs_did(&reading, e, &scope, action.as_ref())?;
        render::could_vs_did(a.output, e, &reading, &result)?;
    } else if a.unused {
        let e = needs("--unused")?;
        let result = activity::unused(&reading, e, &filter);
        let list = serde_json::Value::Array(result.changes.iter().map(|c| c.to_json()).collect());
        if let Some(path) = &a.write_changes {
            snapshot::write_atomically(path, &list)?;
        }
        if a.emit == Some(Emit::Changes) {
            output::print_json(&list)?;
        } else {
            render::unused(a.output, &reading, &result, a.write_changes.as_deref())?;
        }
    } else if a.model_check {
        let e = needs("--model-check")?;
        let result = activity::model_check(&reading, e, &filter);
        render::model_check(a.output, e, &reading, &result)?;
    } else {
        let result = activity::who_did(&reading, engine.as_ref(), &filter);
        render::who_did(a.output, engine.as_ref(), &reading, &result)?;
    }
    Ok(exit::OK)
}

/// A scope: with a snapshot as every command takes it; without one, a full id, or a vault name (or
/// `NAME/secrets/X`, or a vault URL) that names exactly one logged vault.
fn resolve_scope(snapshot: Option<&Snapshot>, reading: &Reading, text: &str) -> Result<Scope> {
    if let Some(s) = snapshot {
        return Ok(query::resolve_scope(s, text)?);
    }
    let t = text.trim();
    if t.starts_with('/') {
        return Ok(query::parse_scope(t)?);
    }
    let (name, rest) = match t.split_once("://") {
        Some((_, after)) => {
            let (host, path) = after.split_once('/').unwrap_or((after, ""));
            (host.split('.').next().unwrap_or(host), path)
        }
        None => t.split_once('/').unwrap_or((t, "")),
    };
    let store = &reading.store;
    let mut vaults: Vec<&str> = store
        .summaries
        .keys()
        .map(|k| store.strings.get(k.vault))
        .filter(|v| {
            v.rsplit('/')
                .next()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .collect();
    vaults.sort();
    vaults.dedup();
    let [vault] = vaults.as_slice() else {
        let hint = if vaults.is_empty() {
            let mut logged: Vec<&str> = store
                .summaries
                .keys()
                .filter_map(|k| store.strings.get(k.vault).rsplit('/').next())
                .collect();
            logged.sort_unstable();
            logged.dedup();
            suggest::hint(&suggest::names(logged, name))
        } else {
            String::new()
        };
        bail!(
            "--scope {:?}: {} logged vaults are named so; give the full resource id{hint}",
            crate::sanitize::cut(text),
            vaults.len()
        );
    };
    let mut parts = rest.split('/').filter(|p| !p.is_empty());
    let id = match (parts.next(), parts.next()) {
        (Some(kind), Some(item)) => format!(
            "{vault}/{}/{}",
            kind.to_ascii_lowercase(),
            item.to_ascii_lowercase()
        ),
        _ => vault.to_string(),
    };
    Ok(query::parse_scope(&id)?)
}

/// A principal: resolved in the snapshot when there is one; else an object id, or a name the tokens gave.
fn resolve_principal(engine: Option<&Engine>, reading: &Reading, text: &str) -> Result<String> {
    let lower = text.trim().to_ascii_lowercase();
    if let Some(e) = engine
        && let Ok(id) = query::resolve_principal(e, text)
    {
        return Ok(id);
    }
    if uuid::Uuid::try_parse(&lower).is_ok() {
        return Ok(lower);
    }
    let store = &reading.store;
    let mut ids: Vec<&str> = store
        .caller_names
        .iter()
        .filter(|&(_, &n)| store.strings.get(n).eq_ignore_ascii_case(text.trim()))
        .map(|(&c, _)| store.strings.get(c))
        .collect();
    ids.sort();
    ids.dedup();
    match ids.as_slice() {
        [one] => Ok(one.to_string()),
        _ => {
            let hint = match engine {
                _ if !ids.is_empty() => String::new(),
                Some(e) => suggest::hint(&suggest::principals(&e.snapshot.principals, text)),
                None => {
                    let mut names: Vec<&str> = store
                        .caller_names
                        .values()
                        .map(|&n| store.strings.get(n))
                        .collect();
                    names.sort_unstable();
                    names.dedup();
                    suggest::hint(&suggest::names(names, text))
                }
            };
            bail!(
                "--principal {:?}: not an object id, and {} callers in the logs carry that name{hint}",
                crate::sanitize::cut(text),
                ids.len()
            )
        }
    }
}

/// The account of what was read, for JSON output.
pub(super) fn reading_json(r: &Reading) -> serde_json::Value {
    json!({
        "files": r.files,
        "bytes": r.bytes,
        "records": r.records,
        "used": r.used,
        "first": r.span.map(|s| activity::time::format(s.first)),
        "last": r.span.map(|s| activity::time::format(s.last)),
        "skipped": r.skipped.iter().map(|(k, n)| json!({"reason": k.as_str(), "count": n})).collect::<Vec<_>>(),
        "malformed": r.malformed,
        "problems": r.problems,
        "incomplete": r.incomplete,
        "unmappedOperations": r.unmapped,
    })
}

#[derive(Debug, Args)]
pub struct SynthLogsArgs {
    /// The tenant the calls are consistent with (e.g. one written by `kvaccess synth`).
    #[arg(long, short = 's', value_name = "FILE", env = "KVACCESS_SNAPSHOT")]
    pub snapshot: Option<PathBuf>,
    /// Consistent calls to write (the injected disagreements come on top).
    #[arg(long, default_value_t = 10_000)]
    pub calls: usize,
    /// Days before the snapshot's collectedAt the calls span.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output file (JSON Lines, written atomically).
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Also write the injected disagreements (what --model-check must find) to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub expect: Option<PathBuf>,
}

pub fn synth_logs(a: &SynthLogsArgs) -> Result<u8> {
    let snapshot = match &a.snapshot {
        Some(p) => snapshot::load_file(p)?,
        None => snapshot::demo(),
    };
    let engine = Engine::new(snapshot);
    let dir = match a.out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let io = |e| anyhow::anyhow!("{}: cannot write: {e}", a.out.display());
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    let mut out = std::io::BufWriter::new(&mut tmp);
    let spec = activity::synth::LogSpec {
        calls: a.calls,
        days: a.days,
        seed: a.seed,
    };
    let written = activity::synth::write_logs(&engine, &spec, &mut out).map_err(io)?;
    std::io::Write::flush(&mut out).map_err(io)?;
    drop(out);
    tmp.persist(&a.out).map_err(|e| io(e.error))?;
    if let Some(path) = &a.expect {
        snapshot::write_atomically(path, &serde_json::to_value(&written.injected)?)?;
    }
    eprintln!(
        "wrote {} ({} records, {} injected disagreements)",
        a.out.display(),
        written.records,
        written.injected.len()
    );
    Ok(exit::OK)
}
