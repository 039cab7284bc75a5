//! `kvaccess escalations`: who can grant themselves data access, grouped by the grant that lets them.

use std::io::Write;

use anyhow::Result;
use clap::{Args, ValueEnum};
use serde_json::json;

use super::{SnapshotArg, exit, output};
pub(crate) use crate::display::cover_words;
use crate::eval::{Decision, Engine, PrincipalRef};
use crate::query;
use crate::query::grouped::Holder;
use crate::query::grouped::escalations::by_grant::GrantGroups;
use crate::query::grouped::escalations::{
    EscalationGroup, EscalationGroups, each_escalation, escalation_groups, expand_groups,
    group_vaults,
};
use crate::sanitize::clean;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum EscalationsFormat {
    /// One paragraph per grant and technique.
    #[default]
    Text,
    Json,
    Markdown,
    /// One JSON object per line and identity, written as computed (any size of answer, bounded memory).
    Jsonl,
}

#[derive(Debug, Args)]
pub struct EscalationsArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    /// Only vaults at or below this scope.
    #[arg(long)]
    pub scope: Option<String>,
    /// List the identities of every group (text, json, markdown).
    #[arg(long)]
    pub expand: bool,
    /// Leave out the techniques Microsoft's articles disagree on (marked `disputed` otherwise).
    #[arg(long)]
    pub hide_disputed: bool,
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: EscalationsFormat,
}

pub fn run(a: &EscalationsArgs) -> Result<u8> {
    let snapshot = a.snapshot.load()?;
    let engine = Engine::new(snapshot);
    let scope = a
        .scope
        .as_deref()
        .map(|s| query::resolve_scope(&engine.snapshot, s))
        .transpose()?;
    if a.output == EscalationsFormat::Jsonl {
        let mut o = std::io::BufWriter::new(std::io::stdout().lock());
        each_escalation(&engine, scope.as_ref(), |f| -> Result<()> {
            if a.hide_disputed && f.disputed {
                return Ok(());
            }
            serde_json::to_writer(&mut o, f)?;
            o.write_all(b"\n")?;
            Ok(())
        })?;
        o.flush()?;
        return Ok(exit::OK);
    }
    let mut answer = escalation_groups(&engine, scope.as_ref());
    if a.hide_disputed {
        answer.groups.retain(|g| !g.disputed);
        answer.findings = answer.groups.iter().map(|g| g.findings).sum();
    }
    let expanded = if a.expand {
        let all: Vec<&EscalationGroup> = answer.groups.iter().collect();
        expand_groups(&engine, &answer, &all)
    } else {
        Vec::new()
    };
    match a.output {
        EscalationsFormat::Json => {
            let by_grant = GrantGroups::of(&engine, &answer);
            if a.expand {
                let v = expanded_json(&engine, &answer, &by_grant, &expanded)?;
                output::print_json_sized(&v, by_grant.grants)?;
            } else {
                output::print_json_sized(&by_grant, by_grant.grants)?;
            }
            std::mem::forget(by_grant);
        }
        EscalationsFormat::Markdown => markdown(&engine, &answer, &expanded)?,
        _ => text(&engine, &answer, &expanded)?,
    }
    // The process ends with this answer: freeing the snapshot's and the answer's millions of small
    // allocations one by one took a tenth of a second on a large tenant, for nothing (so with the JSON
    // answer's tens of thousands of grants above).
    std::mem::forget((engine, answer, expanded));
    Ok(exit::OK)
}

/// The JSON answer with each grant's assignment id, and each technique's vaults and identities.
fn expanded_json(
    engine: &Engine,
    answer: &EscalationGroups,
    by_grant: &GrantGroups,
    expanded: &[Vec<(PrincipalRef, usize)>],
) -> Result<serde_json::Value> {
    let mut v = serde_json::to_value(by_grant)?;
    let Some(scopes) = v.get_mut("scopes").and_then(|s| s.as_array_mut()) else {
        return Ok(v);
    };
    for (sv, s) in scopes.iter_mut().zip(&by_grant.scopes) {
        let Some(grants) = sv.get_mut("grants").and_then(|g| g.as_array_mut()) else {
            continue;
        };
        for (gv, g) in grants.iter_mut().zip(&s.grants) {
            gv["assignment"] = json!(g.grant);
            for t in &g.techniques {
                let Some(group) = answer.groups.get(t.group) else {
                    continue;
                };
                let name = json!(t.technique);
                let name = name.as_str().unwrap_or_default();
                let entry = &mut gv["techniques"][name];
                if !entry.is_object() {
                    *entry = json!({"vaults": t.vaults});
                }
                entry["vaultIds"] = json!(group_vaults(engine, answer, group));
                entry["identities"] = json!(
                    expanded
                        .get(t.group)
                        .into_iter()
                        .flatten()
                        .map(|(p, n)| json!({"id": p.id, "displayName": p.display_name, "type": p.kind, "vaults": n}))
                        .collect::<Vec<_>>()
                );
            }
        }
    }
    Ok(v)
}

/// `Carol (user)`, `Developers (group, 12 identities)`.
pub(crate) fn holder_words(h: &Holder) -> String {
    if h.kind == crate::model::PrincipalKind::Group {
        let n = h.identities;
        format!(
            "{} (group, {n} {})",
            output::paint(output::bold(), &clean(&h.display_name)),
            if n == 1 { "identity" } else { "identities" }
        )
    } else {
        format!(
            "{} ({})",
            output::paint(output::bold(), &clean(&h.display_name)),
            h.kind.as_str()
        )
    }
}

/// `kv-app-prod`, `21 vaults under subscription Prod`, `3 vaults: kv-a, kv-b, kv-c`.
fn covers_words(engine: &Engine, g: &EscalationGroup) -> String {
    cover_words(engine, g.vaults, &g.covers)
}

/// How many identities each vault of the group counts.
fn identities_words(g: &EscalationGroup) -> String {
    let (min, max) = g.identities_per_vault;
    let each = if g.vaults > 1 { " at each vault" } else { "" };
    if min == max {
        format!("{max} {}{each}", plural(max as usize))
    } else {
        format!(
            "{min} to {max} identities per vault, {} (identity, vault) pairs",
            g.findings
        )
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "identity" } else { "identities" }
}

fn text(
    engine: &Engine,
    answer: &EscalationGroups,
    expanded: &[Vec<(PrincipalRef, usize)>],
) -> Result<()> {
    let mut o = output::out();
    if answer.groups.is_empty() {
        writeln!(o, "no self-escalation paths found")?;
        return Ok(());
    }
    writeln!(
        o,
        "{} self-escalation paths ((identity, vault, technique) findings) in {} grant groups over {} vaults{}",
        answer.findings,
        answer.groups.len(),
        answer.vaults_examined,
        if expanded.is_empty() {
            "; --expand lists the identities, --output jsonl one line per finding"
        } else {
            ""
        }
    )?;
    for (i, g) in answer.groups.iter().enumerate() {
        let flag = match g.decision {
            Decision::Allowed => String::new(),
            d => format!(" [{}]", d.as_str()),
        };
        let who = g
            .holder
            .as_ref()
            .map_or_else(|| "(no grant known)".to_string(), holder_words);
        writeln!(
            o,
            "{} {who} {} on {}{flag}",
            output::paint(output::decision_style(Decision::Conditional), "!"),
            crate::display::self_grant_claim(g.technique, g.decision),
            covers_words(engine, g),
        )?;
        if g.grant.is_empty() {
            // Nothing to cite: the reasons below are the whole of why it is listed.
            writeln!(
                o,
                "    no role assignment known to give it {}; listed only because of what the snapshot lacks (below)",
                g.technique.lever()
            )?;
        }
        if !g.grant.is_empty() {
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
            writeln!(
                o,
                "    through {role}{at} (assignment {})",
                output::short_scope(&g.grant)
            )?;
        }
        if g.holder.as_ref().is_none_or(|h| h.identities != 1) || g.vaults > 1 {
            writeln!(o, "    {}", identities_words(g))?;
        }
        for reason in &g.unknown_because {
            writeln!(o, "    unknown: {}", clean(&reason.to_string()))?;
        }
        if let Some(c) = &g.condition {
            writeln!(o, "    condition: {}", clean(c))?;
        }
        writeln!(o, "    would gain: {}", summarize(&g.gains))?;
        for (p, n) in expanded.get(i).into_iter().flatten() {
            let on = if g.vaults > 1 {
                format!(" on {n} of the vaults")
            } else {
                String::new()
            };
            writeln!(
                o,
                "      - {} ({}) {}{on}",
                clean(&p.display_name),
                p.kind.as_str(),
                p.id
            )?;
        }
    }
    Ok(())
}

fn markdown(
    engine: &Engine,
    answer: &EscalationGroups,
    expanded: &[Vec<(PrincipalRef, usize)>],
) -> Result<()> {
    let mut o = std::io::stdout().lock();
    writeln!(
        o,
        "| holder | identities | grant | technique | decision | vaults | findings | would gain |"
    )?;
    writeln!(o, "|---|---|---|---|---|---|---|---|")?;
    for (i, g) in answer.groups.iter().enumerate() {
        let holder = g.holder.as_ref().map_or_else(
            || "(no grant known)".to_string(),
            |h| format!("{} ({})", output::md(&h.display_name), h.kind.as_str()),
        );
        let grant = match (&g.role_name, &g.grant_scope) {
            (Some(r), Some(s)) => format!(
                "{} at {}",
                output::md(r),
                output::md(&output::describe_scope(engine, s))
            ),
            _ => output::md(&g.grant),
        };
        let mut identities = identities_words(g);
        if let Some(list) = expanded.get(i) {
            let names: Vec<String> = list
                .iter()
                .map(|(p, _)| output::md(&p.display_name))
                .collect();
            identities = format!("{identities}: {}", names.join(", "));
        }
        writeln!(
            o,
            "| {holder} | {identities} | {grant} | {} | {} | {} | {} | {} |",
            g.technique.as_str(),
            g.decision.as_str(),
            output::md(&covers_words(engine, g)),
            g.findings,
            output::md(&summarize(&g.gains))
        )?;
    }
    Ok(())
}

/// `secrets 8, keys 19` with the headline operations named: the full list is in the JSON output.
pub(crate) fn summarize(ops: &[&str]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for op in ops {
        let kind = op.split('/').next().unwrap_or("");
        match counts.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => counts.push((kind, 1)),
        }
    }
    let headline: Vec<&str> = [
        "secrets/get",
        "keys/decrypt",
        "keys/unwrapKey",
        "certificates/get",
    ]
    .into_iter()
    .filter(|h| ops.iter().any(|o| o == h))
    .collect();
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    if headline.is_empty() {
        parts.join(", ")
    } else {
        format!("{} (including {})", parts.join(", "), headline.join(", "))
    }
}
