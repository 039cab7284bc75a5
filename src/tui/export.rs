//! Exporting what is on screen: the permissions table, the matrix, the who-can list, the escalations, or
//! the explanation, as JSON, CSV or Markdown. Rendering is pure; writing is atomic (a temporary file in the
//! target directory, then a rename), so an interrupted export never leaves half a file.

use std::path::Path;

use serde_json::{Value, json};

use crate::sanitize::{csv_row, json, markdown as md};
use crate::tui::app::{App, Focus, View};
use crate::tui::explain::Doc;
use crate::tui::view::Table;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Json,
    Csv,
    Markdown,
}

impl FileFormat {
    pub fn from_path(p: &Path) -> Option<Self> {
        match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Self::Json),
            "csv" => Some(Self::Csv),
            "md" | "markdown" => Some(Self::Markdown),
            _ => None,
        }
    }
}

pub fn render(app: &App, format: FileFormat) -> Result<String, String> {
    if app.focus == Focus::Explain {
        return Ok(explanation(&app.explain, format));
    }
    let mut table = table(app)?;
    // An export made while a what-if is on shows a world that does not exist: say so in the file itself,
    // where a reader who never saw the screen will look.
    let hypothetical = hypothetical(app);
    if let Some(h) = &hypothetical {
        table.title = format!("{} ({h})", table.title);
        if format == FileFormat::Csv {
            table.columns.insert(0, "world".into());
            for r in &mut table.rows {
                r.insert(0, h.clone());
            }
        }
    }
    Ok(match format {
        FileFormat::Json => {
            let rows: Vec<Value> = table
                .rows
                .iter()
                .map(|r| {
                    Value::Object(
                        table
                            .columns
                            .iter()
                            .cloned()
                            .zip(r.iter().map(|c| json!(c)))
                            .collect(),
                    )
                })
                .collect();
            let mut v =
                json!({ "view": table.title, "explanation": app.explain.plain(), "rows": rows });
            if let Some(h) = &hypothetical {
                v["whatIf"] = json!({
                    "hypothetical": h,
                    "changes": app.whatif.scenario.active_count(),
                    "changeList": app.whatif.scenario.to_json(),
                });
            }
            json::to_string_pretty(&v).map_err(|e| e.to_string())? + "\n"
        }
        FileFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            csv_row(&mut w, &table.columns).map_err(|e| e.to_string())?;
            for r in &table.rows {
                csv_row(&mut w, r).map_err(|e| e.to_string())?;
            }
            String::from_utf8(w.into_inner().map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?
        }
        FileFormat::Markdown => {
            let mut out = format!(
                "# {}\n\n| {} |\n|{}\n",
                md(&table.title),
                table
                    .columns
                    .iter()
                    .map(|c| md(c))
                    .collect::<Vec<_>>()
                    .join(" | "),
                "---|".repeat(table.columns.len())
            );
            for r in &table.rows {
                out.push_str(&format!(
                    "| {} |\n",
                    r.iter().map(|c| md(c)).collect::<Vec<_>>().join(" | ")
                ));
            }
            out
        }
    })
}

/// "what-if: N changes, hypothetical" while the panes show a what-if world.
fn hypothetical(app: &App) -> Option<String> {
    app.whatif.world.as_ref()?;
    let n = app.whatif.scenario.active_count();
    let plural = if n == 1 { "" } else { "s" };
    Some(format!("what-if: {n} change{plural}, hypothetical"))
}

fn explanation(doc: &Doc, format: FileFormat) -> String {
    match format {
        FileFormat::Json => {
            let lines: Vec<String> = doc
                .lines
                .iter()
                .map(|l| l.iter().map(|(_, t)| t.as_str()).collect())
                .collect();
            json::to_string_pretty(&json!({ "title": doc.title, "lines": lines }))
                .unwrap_or_default()
                + "\n"
        }
        FileFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let lines = doc
                .lines
                .iter()
                .map(|l| l.iter().map(|(_, t)| t.as_str()).collect::<String>());
            let written = csv_row(&mut w, ["line"])
                .and_then(|()| lines.into_iter().try_for_each(|l| csv_row(&mut w, [l])));
            match (written, w.into_inner()) {
                (Ok(()), Ok(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
                _ => String::new(),
            }
        }
        FileFormat::Markdown => {
            let mut out = format!("# {}\n", md(&doc.title));
            for l in &doc.lines {
                let text: String = l.iter().map(|(_, t)| t.as_str()).collect();
                let heading = matches!(l.first(), Some((crate::tui::explain::Tone::Heading, _)));
                out.push_str(if heading { "## " } else { "" });
                out.push_str(&md(&text));
                out.push('\n');
            }
            out
        }
    }
}

fn table(app: &App) -> Result<Table, String> {
    let scope = app
        .nav
        .scopes
        .selected_scope()
        .map(|s| s.id().to_string())
        .unwrap_or_default();
    let principal = app
        .nav
        .principals
        .selected()
        .map(|p| p.name.clone())
        .unwrap_or_default();
    match app.view {
        View::Permissions => Ok(app.perms.export(&principal, &scope)),
        View::Matrix => app.matrix.table(),
        View::WhoCan => app.who.table(app.world()),
        View::Escalations => app.escalations.table(),
        View::Reach => app.reach.table(app.world()),
        View::Paths => Err(format!(
            "paths are exported as {}",
            crate::tui::view::paths::EXTENSIONS
        )),
        View::Activity => app.activity.table(),
    }
}

/// Writes text to `path` atomically, onto a regular file or a new path only ([`crate::files`]).
pub fn write_atomically(path: &Path, content: &str) -> std::io::Result<()> {
    crate::files::write_atomically(path, |w| w.write_all(content.as_bytes()))
}
