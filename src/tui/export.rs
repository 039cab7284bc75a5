//! Exporting what is on screen: the permissions table, the matrix, the who-can list, the escalations, or
//! the explanation, as JSON, CSV or Markdown. Rendering is pure; writing is atomic (a temporary file in the
//! target directory, then a rename), so an interrupted export never leaves half a file.

use std::path::Path;

use serde_json::{Value, json};

use crate::sanitize::{csv_row, json, markdown as md};
use crate::tui::app::{App, Focus, View};
use crate::tui::explain::Doc;

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

/// A table: column names and rows of cells, the common shape of every view.
struct Table {
    title: String,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
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
        .scopes
        .selected_scope()
        .map(|s| s.id().to_string())
        .unwrap_or_default();
    let principal = app
        .principals
        .selected()
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let s = |x: &str| x.to_string();
    match app.view {
        View::Permissions => Ok(Table {
            title: format!("Effective permissions of {principal} at {scope}"),
            columns: vec![
                s("operation"),
                s("plane"),
                s("group"),
                s("decision"),
                s("canGrantItself"),
            ],
            rows: app
                .perms
                .rows
                .iter()
                .map(|r| {
                    vec![
                        r.op.name.to_string(),
                        r.op.plane.as_str().to_string(),
                        r.op.group.to_string(),
                        r.decision.as_str().to_string(),
                        r.escalation
                            .map(|t| t.as_str().to_string())
                            .unwrap_or_default(),
                    ]
                })
                .collect(),
        }),
        View::Matrix => {
            let m = app.matrix.ready().ok_or("the matrix is not ready yet")?;
            let mut columns = vec![s("principal"), s("id"), s("viaApp")];
            columns.extend(m.columns.iter().map(|c| c.to_string()));
            Ok(Table {
                title: format!("Matrix of {}", m.subject),
                columns,
                rows: m
                    .rows
                    .iter()
                    .map(|r| {
                        let mut row = vec![
                            r.label.clone(),
                            r.id.clone(),
                            r.via_app.clone().unwrap_or_default(),
                        ];
                        row.extend(
                            r.cells
                                .iter()
                                .map(|c| format!("{} ({}/{})", c.summary(), c.allowed, c.total)),
                        );
                        row
                    })
                    .collect(),
            })
        }
        View::WhoCan => {
            let w = app.who.ready().ok_or("the who-can list is not ready yet")?;
            let mut rows: Vec<Vec<String>> = w
                .principals
                .iter()
                .map(|e| {
                    vec![
                        e.display_name.clone(),
                        e.id.clone(),
                        e.kind.as_str().to_string(),
                        e.decision.as_str().to_string(),
                        crate::tui::pane::who_can::via_text(app.world(), e),
                    ]
                })
                .collect();
            let findings = app.who_rows().into_iter().filter_map(|r| match r {
                crate::tui::app::WhoRow::Escalation(i) => w.can_grant_themselves.get(i),
                crate::tui::app::WhoRow::Entry(_) => None,
            });
            rows.extend(findings.map(|f| {
                vec![
                    f.principal.display_name.clone(),
                    f.principal.id.clone(),
                    f.principal.kind.as_str().to_string(),
                    "canGrantItself".into(),
                    f.technique.describe().to_string(),
                ]
            }));
            Ok(Table {
                title: format!("Who can {} at {}", w.operation, w.scope),
                columns: vec![s("principal"), s("id"), s("type"), s("decision"), s("via")],
                rows,
            })
        }
        View::Escalations => {
            let f = app
                .escalations
                .ready()
                .ok_or("the escalations are not ready yet")?;
            Ok(Table {
                title: "Escalations".into(),
                columns: vec![
                    s("principal"),
                    s("id"),
                    s("vault"),
                    s("technique"),
                    s("decision"),
                    s("role"),
                    s("grant"),
                ],
                rows: f
                    .iter()
                    .map(|f| {
                        vec![
                            f.principal.display_name.clone(),
                            f.principal.id.clone(),
                            f.vault_id.clone(),
                            f.technique.as_str().to_string(),
                            f.decision.as_str().to_string(),
                            f.role_name.clone().unwrap_or_default(),
                            f.grant.clone(),
                        ]
                    })
                    .collect(),
            })
        }
    }
}

/// Writes text to `path` atomically, onto a regular file or a new path only ([`crate::files`]).
pub fn write_atomically(path: &Path, content: &str) -> std::io::Result<()> {
    crate::files::write_atomically(path, |w| w.write_all(content.as_bytes()))
}
