//! `kvaccess paths --from` in words and as flat rows: each node reached, its hops, and the grants deciding
//! its vault data, each group stated in full once (later nodes name it by its number).

use std::io::Write;

use anyhow::Result;

use crate::cli::output;
use crate::eval::Engine;
use crate::paths::{LeverKind, PathsFrom};
use crate::sanitize::clean;

pub fn print(p: &PathsFrom, name: &dyn Fn(&str) -> String) -> Result<()> {
    let mut o = output::out();
    writeln!(
        o,
        "From {} ({}), at most {} hops",
        clean(&p.start.display_name),
        p.start.kind,
        p.max_hops
    )?;
    let mut told_access = vec![false; p.access.len()];
    let mut told_levers = vec![false; p.levers.len()];
    let mut told_items = vec![false; p.items.len()];
    let mut told_eligible = vec![false; p.eligible.len()];
    for r in &p.reached {
        writeln!(o, "\n{}", r.words())?;
        for h in &r.hops {
            writeln!(
                o,
                "    {} {} {}: {}",
                clean(&name(&h.from)),
                h.kind.as_str(),
                clean(&name(&h.to)),
                clean(&h.explanation)
            )?;
        }
        if r.access.is_empty() && r.levers.is_empty() && r.items.is_empty() && r.eligible.is_empty()
        {
            writeln!(o, "  no vault data")?;
        } else if r.vaults > 0 {
            writeln!(o, "  vault data on {} vault(s), decided by:", r.vaults)?;
        }
        for &g in &r.access {
            let Some(group) = p.access.get(g) else {
                continue;
            };
            let grants: Vec<String> = group.decided_by.iter().map(|d| d.words(name)).collect();
            let grants = if grants.is_empty() {
                "no grant naming it (unknown data decides)".to_string()
            } else {
                grants.join(" + ")
            };
            writeln!(
                o,
                "    [A{}] {}: {} vault(s)",
                g + 1,
                clean(&grants),
                group.vaults
            )?;
            let told = told_access
                .get_mut(g)
                .is_some_and(|t| std::mem::replace(t, true));
            if told {
                writeln!(o, "      (as above)")?;
                continue;
            }
            for v in &group.verdicts {
                writeln!(o, "      {}: {} vault(s)", v.words(), v.vaults)?;
                for n in v.names.iter().flatten() {
                    writeln!(o, "        {}", clean(n))?;
                }
            }
        }
        for &g in &r.levers {
            let Some(l) = p.levers.get(g) else { continue };
            let what = match l.kind {
                LeverKind::SelfGrant => "can grant itself",
                LeverKind::VaultFlag => "vault flag",
            };
            writeln!(
                o,
                "  [L{}] {what} ({}), {} vault(s): {}",
                g + 1,
                l.decision.as_str(),
                l.vaults,
                clean(&l.technique)
            )?;
            if told_levers
                .get_mut(g)
                .is_some_and(|t| std::mem::replace(t, true))
            {
                continue;
            }
            if let Some(grant) = &l.grant {
                writeln!(o, "      through {}", clean(&grant.words(name)))?;
            }
            for e in &l.evidence {
                writeln!(o, "      evidence: {}", clean(e))?;
            }
            for n in l.names.iter().flatten() {
                writeln!(o, "        {}", clean(n))?;
            }
        }
        for &g in &r.items {
            let Some(i) = p.items.get(g) else { continue };
            writeln!(o, "  [I{}] {}", g + 1, clean(&i.words()))?;
            if told_items
                .get_mut(g)
                .is_some_and(|t| std::mem::replace(t, true))
            {
                continue;
            }
            for d in &i.decided_by {
                writeln!(o, "      through {}", clean(&d.words(name)))?;
            }
            for n in i.names.iter().flatten() {
                let ops: Vec<&str> = n.operations.iter().map(|(op, _)| *op).collect();
                writeln!(o, "        {}: {}", clean(&n.item), ops.join(", "))?;
            }
        }
        for &g in &r.eligible {
            let Some(e) = p.eligible.get(g) else { continue };
            writeln!(
                o,
                "  [E{}] {}, {} vault(s)",
                g + 1,
                clean(&e.words(name)),
                e.vaults
            )?;
            if told_eligible
                .get_mut(g)
                .is_some_and(|t| std::mem::replace(t, true))
            {
                continue;
            }
            for n in e.names.iter().flatten() {
                writeln!(o, "        {}", clean(n))?;
            }
        }
    }
    for a in &p.tenant_admins {
        writeln!(
            o,
            "\ntenant-wide: {}: {}",
            clean(&name(&a.principal_id)),
            clean(&a.explanation)
        )?;
    }
    for u in &p.unknown_because {
        writeln!(o, "unknown: {}", clean(u))?;
    }
    Ok(())
}

/// One JSON object a line, written as it is produced.
pub fn print_jsonl(engine: &Engine, p: &PathsFrom) -> Result<()> {
    let mut o = std::io::BufWriter::new(std::io::stdout().lock());
    p.flat_rows(engine, |row| -> Result<()> {
        serde_json::to_writer(&mut o, &row)?;
        o.write_all(b"\n")?;
        Ok(())
    })?;
    o.flush()?;
    Ok(())
}
