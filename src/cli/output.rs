//! Text rendering shared by the subcommands: colours (off when not a terminal or when `NO_COLOR` is set,
//! handled by `anstream`), names with control characters stripped, grant paths in words.

use std::io::Write;

use anstyle::{AnsiColor, Style};

pub use crate::display::{app_name, describe_scope, grant_line, name_of, short_scope};
use crate::eval::{Decision, Engine, Verdict};
use crate::sanitize::clean;

/// Standard output with colours as it allows, buffered and flushed when dropped: stdout itself writes at
/// every newline, and a text answer can run to hundreds of thousands of lines.
pub fn out() -> anstream::AutoStream<Box<dyn Write>> {
    let choice = anstream::AutoStream::choice(&std::io::stdout());
    let buffered: Box<dyn Write> = Box::new(std::io::BufWriter::new(std::io::stdout()));
    anstream::AutoStream::new(buffered, choice)
}

pub fn decision_style(d: Decision) -> Style {
    let color = match d {
        Decision::Allowed => AnsiColor::Green,
        Decision::Denied => AnsiColor::Red,
        Decision::Conditional => AnsiColor::Yellow,
        Decision::Unknown => AnsiColor::Magenta,
    };
    Style::new().fg_color(Some(color.into())).bold()
}

pub fn bold() -> Style {
    Style::new().bold()
}

pub fn dim() -> Style {
    Style::new().dimmed()
}

pub fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    // Buffered: stdout writes at every newline, and pretty JSON is mostly newlines.
    let mut o = std::io::BufWriter::new(std::io::stdout().lock());
    crate::sanitize::json::to_writer_pretty(&mut o, value)?;
    writeln!(o)?;
    o.flush()?;
    Ok(())
}

/// Pretty JSON for answers people read; past a thousand entries, compact JSON (a tenant-wide answer is
/// for tools, and indentation would be most of its size).
pub fn print_json_sized<T: serde::Serialize>(value: &T, entries: usize) -> anyhow::Result<()> {
    if entries <= 1000 {
        return print_json(value);
    }
    let mut o = std::io::BufWriter::new(std::io::stdout().lock());
    serde_json::to_writer(&mut o, value)?;
    writeln!(o)?;
    o.flush()?;
    Ok(())
}

/// One verdict as indented text.
pub fn print_verdict(engine: &Engine, v: &Verdict) -> anyhow::Result<()> {
    let mut o = out();
    let d = v.decision;
    let app = v
        .via_app
        .as_ref()
        .map(|a| format!(" through app {}", app_name(engine, a)))
        .unwrap_or_default();
    writeln!(
        o,
        "{}  {} ({} {}){app} → {} on {}",
        paint(decision_style(d), &d.as_str().to_uppercase()),
        paint(bold(), &clean(&v.principal.display_name)),
        v.principal.kind.as_str(),
        v.principal.id,
        clean(&v.operation),
        short_scope(&v.scope)
    )?;
    writeln!(
        o,
        "  action   {} ({} plane, {})",
        clean(&v.action),
        v.plane.as_str(),
        clean(&v.endpoint)
    )?;
    if v.required_actions.len() > 1 {
        writeln!(o, "  needs    {}", clean(&v.required_actions.join(" AND ")))?;
    }
    writeln!(o, "  scope    {}", clean(&v.scope))?;
    if let Some(m) = v.permission_model {
        let model = match m {
            crate::eval::PermissionModel::Rbac => "Azure RBAC (data actions)",
            crate::eval::PermissionModel::AccessPolicy => "access policies",
        };
        writeln!(o, "  model    {model}")?;
    }
    if v.grants.is_empty() {
        writeln!(o, "  grants   {}", paint(dim(), "none"))?;
    } else {
        writeln!(o, "  grants")?;
        for g in &v.grants {
            writeln!(o, "    + {}", grant_line(engine, g))?;
        }
    }
    for deny in &v.denies {
        let who = if deny.everyone {
            "everyone".to_string()
        } else if deny.via_groups.is_empty() {
            "the principal".to_string()
        } else {
            format!(
                "group {}",
                deny.via_groups
                    .iter()
                    .map(|id| name_of(engine, id))
                    .collect::<Vec<_>>()
                    .join(" → ")
            )
        };
        writeln!(
            o,
            "  {}  deny assignment '{}' at {} (applies to {who})",
            paint(decision_style(Decision::Denied), "blocked"),
            clean(&deny.name),
            describe_scope(engine, &deny.scope)
        )?;
    }
    if !v.network.reason().is_empty() {
        writeln!(o, "  network  {}", clean(v.network.reason()))?;
    }
    for reason in &v.unknown_because {
        writeln!(
            o,
            "  {}  {}",
            paint(decision_style(Decision::Unknown), "unknown"),
            clean(&reason.to_string())
        )?;
    }
    for note in &v.notes {
        writeln!(o, "  note     {}", clean(&note.to_string()))?;
    }
    Ok(())
}

/// A CSV writer on stdout; every cell goes through [`crate::sanitize::csv_row`].
pub fn csv_out() -> csv::Writer<std::io::Stdout> {
    csv::Writer::from_writer(std::io::stdout())
}

pub fn csv_row(w: &mut csv::Writer<std::io::Stdout>, cells: &[String]) -> anyhow::Result<()> {
    crate::sanitize::csv_row(w, cells)?;
    Ok(())
}

/// A Markdown table cell or list item ([`crate::sanitize::markdown`]).
pub fn md(text: &str) -> String {
    crate::sanitize::markdown(text)
}
