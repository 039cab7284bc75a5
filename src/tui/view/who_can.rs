//! The who-can view (key 3): every identity that can perform an operation at the selected scope, and how
//! (VIA), then those who can grant it to themselves. Enter opens the selected identity's permissions.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Ctx, Table};
use crate::display::app_name;
use crate::eval::{Decision, Engine, GrantKind};
use crate::query::{Finding, Technique, WhoCan, WhoCanEntry};
use crate::sanitize::clean;
use crate::tui::app::Load;
use crate::tui::cursor::Cursor;
use crate::tui::explain::{describe_scope, name_of};
use crate::tui::pane::{fit, placeholder, selection};
use crate::tui::principals::icon;
use crate::tui::theme::{ESCALATION_SYMBOL, decision_symbol};
use crate::tui::whatif::marks::{self, Mark};

/// How an identity gets the operation: each grant, its scope, and the group chain.
pub fn via_text(engine: &Engine, e: &WhoCanEntry) -> String {
    let mut parts: Vec<String> = e
        .grants
        .iter()
        .map(|g| {
            let what = match g.kind {
                GrantKind::RoleAssignment => format!(
                    "{} @ {}",
                    clean(g.role_name.as_deref().unwrap_or("role?")),
                    describe_scope(engine, &g.scope)
                ),
                GrantKind::AccessPolicy => {
                    format!("access policy ({})", name_of(engine, &g.principal_id))
                }
            };
            if g.via_groups.is_empty() {
                what
            } else {
                let chain: Vec<String> =
                    g.via_groups.iter().map(|id| name_of(engine, id)).collect();
                format!("{what} via {}", chain.join(" → "))
            }
        })
        .collect();
    if let Some(app) = &e.via_app {
        parts.push(format!("through app {}", app_name(engine, app)));
    }
    if parts.is_empty()
        && let Some(r) = e.unknown_because.first()
    {
        parts.push(format!("unknown: {}", clean(&r.to_string())));
    }
    parts.join("; ")
}

/// A row of the view: an identity of the answer, or one who can grant the operation to itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhoRow {
    Entry(usize),
    Escalation(usize),
}

/// The selected row's content.
pub enum Picked<'a> {
    Entry(&'a WhoCanEntry),
    Escalation(&'a Finding),
}

impl Picked<'_> {
    /// The principal the row is about.
    pub fn principal_id(&self) -> &str {
        match self {
            Self::Entry(e) => &e.id,
            Self::Escalation(f) => &f.principal.id,
        }
    }
}

#[derive(Debug)]
pub struct WhoCanView {
    pub answer: Load<WhoCan>,
    /// The operation asked about.
    pub op: String,
    pub cursor: Cursor,
    /// Leave out the self-grant technique Microsoft's articles disagree on (`D`).
    pub hide_disputed: bool,
}

impl Default for WhoCanView {
    fn default() -> Self {
        Self {
            answer: Load::Idle,
            op: "secrets/get".into(),
            cursor: Cursor::default(),
            hide_disputed: false,
        }
    }
}

impl WhoCanView {
    pub fn ready(&self) -> Option<&WhoCan> {
        self.answer.ready()
    }

    /// ← →: the previous or next operation of the catalog (the answer is asked for anew).
    pub fn next_operation(&mut self, step: isize) {
        let ops = crate::tui::permissions::operations();
        let at = ops.iter().position(|(o, _)| o.name == self.op).unwrap_or(0);
        let n = ops.len() as isize;
        let next = (at as isize + step).rem_euclid(n.max(1)) as usize;
        if let Some((o, _)) = ops.get(next) {
            self.op = o.name.to_string();
        }
    }

    pub fn loading(&mut self) {
        self.answer = Load::Loading(format!("finding who can {}", self.op));
    }

    pub fn on_answer(&mut self, r: Result<WhoCan, String>) {
        self.answer = match r {
            Ok(w) => Load::Ready(w),
            Err(e) => Load::Failed(e),
        };
        self.cursor = Cursor::default();
    }

    /// Rows in display order: identities first, then those who can grant themselves. Self-grant findings
    /// are kept only when they would give this very operation: a template deployment reads secrets, so it
    /// is no path to `keys/sign`.
    pub fn rows(&self) -> Vec<WhoRow> {
        self.ready().map_or_else(Vec::new, |w| {
            let relevant = |f: &Finding| {
                !(self.hide_disputed && f.disputed)
                    && f.lacks.contains(&w.operation.as_str())
                    && (f.technique != Technique::TemplateDeployment
                        || w.operation == "secrets/get")
            };
            (0..w.principals.len())
                .map(WhoRow::Entry)
                .chain(
                    w.can_grant_themselves
                        .iter()
                        .enumerate()
                        .filter(|(_, f)| relevant(f))
                        .map(|(i, _)| WhoRow::Escalation(i)),
                )
                .collect()
        })
    }

    pub fn selected(&self) -> Option<Picked<'_>> {
        let w = self.ready()?;
        match self.rows().get(self.cursor.selected)? {
            WhoRow::Entry(i) => w.principals.get(*i).map(Picked::Entry),
            WhoRow::Escalation(i) => w.can_grant_themselves.get(*i).map(Picked::Escalation),
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        let n = self.rows().len();
        self.cursor.move_by(delta, n);
    }

    pub fn keep_visible(&mut self, height: usize) {
        let n = self.rows().len();
        self.cursor.keep_visible(height, n);
    }

    /// A click on the `row`th line of the pane (the first is the column header).
    pub fn click(&mut self, row: usize) {
        let n = self.rows().len();
        if let Some(i) = (self.cursor.offset + row).checked_sub(1)
            && i < n
        {
            self.cursor.selected = i;
        }
    }

    /// Draws the answer at `at` (the scope's name); `engine` names the grants; `before`: the real world's
    /// answer while a what-if is on.
    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Ctx,
        at: &str,
        engine: &Engine,
        before: Option<&WhoCan>,
    ) {
        let t = ctx.theme;
        let title = vec![
            Span::raw("Who can "),
            Span::styled(format!("{} @ {at}", self.op), t.heading),
        ];
        let b = (ctx.block)(title);
        let inner = b.inner(area);
        frame.render_widget(b, area);
        let w = match &self.answer {
            Load::Ready(w) => w,
            Load::Loading(what) => {
                return placeholder(frame, inner, t.dim, &format!("⟳ {what}…"));
            }
            Load::Failed(e) => return placeholder(frame, inner, t.warning, &clean(e)),
            Load::Idle => return,
        };
        let rows = self.rows();
        if rows.is_empty() {
            return placeholder(
                frame,
                inner,
                t.dim,
                "nobody: no identity can do this here, and none can grant it to itself",
            );
        }
        let name_w = (inner.width as usize / 4).clamp(10, 22);
        let focused = ctx.focused;
        let mut lines = vec![Line::from(vec![
            Span::styled(fit("    IDENTITY", name_w + 5), t.title),
            Span::styled(fit("DECISION", 12), t.title),
            Span::styled("VIA", t.title),
        ])];
        let height = (inner.height as usize).saturating_sub(1);
        // A column for the gained / lost marks while a what-if world is shown.
        let pad = if ctx.hypothetical { " " } else { "" };
        for i in self.cursor.window(height, rows.len()) {
            let line = match rows.get(i) {
                Some(WhoRow::Entry(k)) => {
                    let Some(e) = w.principals.get(*k) else {
                        continue;
                    };
                    let d = e.decision;
                    let mark = marks::who_entry(before, e);
                    let word = mark.map_or(t.decision(d), |m| m.style(t));
                    Line::from(vec![
                        Span::styled(mark.map_or(pad, Mark::symbol), word),
                        Span::styled(format!("{} ", decision_symbol(d)), t.decision(d)),
                        Span::raw(format!("{} ", icon(e.kind))),
                        Span::raw(fit(&clean(&e.display_name), name_w) + " "),
                        Span::styled(fit(d.as_str(), 12), word),
                        Span::raw(via_text(engine, e)),
                    ])
                }
                Some(WhoRow::Escalation(k)) => {
                    let Some(f) = w.can_grant_themselves.get(*k) else {
                        continue;
                    };
                    let findings_before = before.map(|b| b.can_grant_themselves.as_slice());
                    let mark = marks::finding(findings_before, f);
                    Line::from(vec![
                        Span::styled(
                            mark.map_or(pad, Mark::symbol),
                            mark.map_or(t.escalation, |m| m.style(t)),
                        ),
                        Span::styled(format!("{ESCALATION_SYMBOL} "), t.escalation),
                        Span::raw(format!("{} ", icon(f.principal.kind))),
                        Span::raw(fit(&clean(&f.principal.display_name), name_w) + " "),
                        Span::styled(fit("can grant", 12), t.escalation),
                        Span::raw(f.technique.describe()),
                    ])
                }
                None => continue,
            };
            lines.push(if i == self.cursor.selected {
                line.style(selection(t, focused))
            } else {
                line
            });
        }
        for e in marks::who_lost(before, w) {
            if lines.len() >= inner.height as usize {
                break;
            }
            let style = Mark::Lost.style(t);
            lines.push(Line::from(vec![
                Span::styled(format!("-{} ", decision_symbol(e.decision)), style),
                Span::raw(format!("{} ", icon(e.kind))),
                Span::styled(fit(&clean(&e.display_name), name_w) + " ", style),
                Span::styled(fit("denied", 12), style),
                Span::styled(format!("was {}", e.decision.as_str()), style),
            ]));
        }
        let findings_before = before.map(|b| b.can_grant_themselves.as_slice());
        for f in marks::findings_lost(findings_before, &w.can_grant_themselves) {
            // A path that is gone because the identity now holds the operation shows as its gain above.
            if w.principals
                .iter()
                .any(|e| e.id == f.principal.id && e.decision == Decision::Allowed)
            {
                continue;
            }
            if lines.len() >= inner.height as usize {
                break;
            }
            let style = Mark::Lost.style(t);
            lines.push(Line::from(vec![
                Span::styled(format!("-{ESCALATION_SYMBOL} "), style),
                Span::raw(format!("{} ", icon(f.principal.kind))),
                Span::styled(fit(&clean(&f.principal.display_name), name_w) + " ", style),
                Span::styled(fit("can't grant", 12), style),
                Span::styled(format!("closed: {}", f.technique.describe()), style),
            ]));
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }

    pub fn table(&self, engine: &Engine) -> Result<Table, String> {
        let w = self.ready().ok_or("the who-can list is not ready yet")?;
        let s = |x: &str| x.to_string();
        let mut rows: Vec<Vec<String>> = w
            .principals
            .iter()
            .map(|e| {
                vec![
                    e.display_name.clone(),
                    e.id.clone(),
                    e.kind.as_str().to_string(),
                    e.decision.as_str().to_string(),
                    via_text(engine, e),
                ]
            })
            .collect();
        let findings = self.rows().into_iter().filter_map(|r| match r {
            WhoRow::Escalation(i) => w.can_grant_themselves.get(i),
            WhoRow::Entry(_) => None,
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
}
