//! The escalations view (key 4): who cannot use a vault's data now but can grant it to themselves, at every
//! vault under the selected scope — a vault's own at a vault, a subscription's at a subscription. The answer
//! is computed vault by vault on a thread of its own, with its progress on screen; Esc cancels it, and a new
//! scope's answer replaces (and frees) the old one. Enter jumps to the principal and the vault.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Ctx, Table};
use crate::eval::Engine;
use crate::model::{Scope, ScopeKind};
use crate::query::{Finding, escalations_for_vault};
use crate::sanitize::clean;
use crate::tui::app::Load;
use crate::tui::cursor::Cursor;
use crate::tui::explain::short_id;
use crate::tui::pane::{fit, placeholder, selection};
use crate::tui::principals::icon;
use crate::tui::scopes::ScopeTree;
use crate::tui::theme::decision_symbol;
use crate::tui::whatif::marks::{self, Mark};
use crate::tui::worker::Cancel;

/// What the header says while the answer is computed.
const LOOKING: &str = "looking for self-escalation paths";

#[derive(Debug, Default)]
pub struct EscalationsView {
    pub answer: Load<Vec<Finding>>,
    pub cursor: Cursor,
    /// The selected scope's name, for the progress line.
    under: String,
    /// The user cancelled the computation: it is not asked for again until they press the view's key.
    cancelled: bool,
    /// Leave out the technique Microsoft's articles disagree on (`D`).
    pub hide_disputed: bool,
}

impl EscalationsView {
    pub fn ready(&self) -> Option<&Vec<Finding>> {
        self.answer.ready()
    }

    pub fn selected(&self) -> Option<&Finding> {
        self.shown().get(self.cursor.selected).copied()
    }

    /// The findings shown: all of them, or those of undisputed techniques.
    fn shown(&self) -> Vec<&Finding> {
        self.ready().map_or_else(Vec::new, |f| {
            f.iter()
                .filter(|f| !(self.hide_disputed && f.disputed))
                .collect()
        })
    }

    fn len(&self) -> usize {
        self.shown().len()
    }

    /// `D`: hides the disputed technique's findings, or shows them again.
    pub fn toggle_disputed(&mut self) {
        self.hide_disputed = !self.hide_disputed;
        self.cursor = Cursor::default();
    }

    /// A computation for the vaults under `under` has started: the old answer is let go of.
    pub fn asked(&mut self, under: &str) {
        self.under = clean(under).into_owned();
        self.answer = Load::Loading(format!("{LOOKING} under {}", self.under));
        self.cancelled = false;
    }

    pub fn on_progress(&mut self, done: usize, total: usize) {
        if self.answer.is_loading() {
            let what = format!("{LOOKING} under {}", self.under);
            self.answer = Load::Loading(super::progress(&what, done, total, "vaults"));
        }
    }

    pub fn on_answer(&mut self, findings: Vec<Finding>) {
        self.answer = Load::Ready(findings);
        self.cancelled = false;
        self.cursor = Cursor::default();
    }

    /// Esc while the answer is computed: stops waiting for it. Returns whether there was one to cancel.
    pub fn cancel(&mut self) -> bool {
        let why = format!(
            "cancelled: the escalations under {} were not computed (press the view's key to start again)",
            self.under
        );
        let cancelled = self.answer.cancel(why);
        self.cancelled |= cancelled;
        cancelled
    }

    /// Whether the user cancelled the last computation (and has not asked again).
    pub fn is_cancelled(&self) -> bool {
        self.cancelled
    }

    pub fn move_by(&mut self, delta: isize) {
        let n = self.len();
        self.cursor.move_by(delta, n);
    }

    pub fn keep_visible(&mut self, height: usize) {
        let n = self.len();
        self.cursor.keep_visible(height, n);
    }

    /// A click on the `row`th line of the pane (the first is the column header).
    pub fn click(&mut self, row: usize) {
        let n = self.len();
        if let Some(i) = (self.cursor.offset + row).checked_sub(1)
            && i < n
        {
            self.cursor.selected = i;
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx, before: Option<&[Finding]>) {
        let t = ctx.theme;
        let hidden = if self.hide_disputed {
            " (disputed hidden: D)"
        } else {
            ""
        };
        let count = self
            .ready()
            .map(|_| format!("{} findings{hidden}", self.len()))
            .unwrap_or_default();
        let b = (ctx.block)(vec![Span::raw("Escalations "), Span::styled(count, t.dim)]);
        let inner = b.inner(area);
        frame.render_widget(b, area);
        let all = match &self.answer {
            Load::Ready(f) => f,
            Load::Loading(what) => {
                return placeholder(frame, inner, t.dim, &format!("⟳ {what}… (Esc cancels)"));
            }
            Load::Failed(e) => return placeholder(frame, inner, t.warning, e),
            Load::Idle => return,
        };
        let findings = self.shown();
        if findings.is_empty() && !all.is_empty() {
            return placeholder(frame, inner, t.dim, "only disputed findings: D shows them");
        }
        if findings.is_empty() {
            return placeholder(
                frame,
                inner,
                t.dim,
                "no principal can grant itself data access",
            );
        }
        let name_w = (inner.width as usize / 4).clamp(8, 24);
        // Vault names whole where the row allows: HOW can fall back to its few words (at most 18 cells).
        let longest = findings
            .iter()
            .map(|f| short_id(&f.vault_id).chars().count())
            .max()
            .unwrap_or(8);
        let room = (inner.width as usize).saturating_sub(name_w + 5 + 18 + 1);
        let vault_w = longest.min(room.max(8)).max(5);
        // A column for the opened / closed marks while a what-if world is shown.
        let pad = if ctx.hypothetical { " " } else { "" };
        let mut lines = vec![Line::from(vec![
            Span::styled(
                fit(&format!("{pad}   PRINCIPAL"), name_w + 4 + pad.len()),
                t.title,
            ),
            Span::styled(fit("VAULT", vault_w + 1), t.title),
            Span::styled("HOW", t.title),
        ])];
        // What is left of the row for HOW: the technique in full when it fits, else in a few words.
        let how_w = (inner.width as usize).saturating_sub(name_w + 6 + pad.len() + vault_w);
        let height = (inner.height as usize).saturating_sub(1);
        for i in self.cursor.window(height, findings.len()) {
            let Some(&f) = findings.get(i) else { continue };
            let mark = marks::finding(before, f);
            let line = Line::from(vec![
                Span::styled(
                    mark.map_or(pad, Mark::symbol),
                    mark.map_or(t.escalation, |m| m.style(t)),
                ),
                Span::styled(
                    format!("{} ", decision_symbol(f.decision)),
                    t.decision(f.decision),
                ),
                Span::raw(format!("{} ", icon(f.principal.kind))),
                Span::raw(fit(&clean(&f.principal.display_name), name_w) + " "),
                Span::styled(fit(&short_id(&f.vault_id), vault_w) + " ", t.heading),
                Span::raw(f.technique.in_column(how_w)),
            ]);
            lines.push(if i == self.cursor.selected {
                line.style(selection(t, ctx.focused))
            } else {
                line
            });
        }
        for f in marks::findings_lost(before, all) {
            if lines.len() >= inner.height as usize {
                break;
            }
            let style = Mark::Lost.style(t);
            lines.push(Line::from(vec![
                Span::styled(format!("-{} ", decision_symbol(f.decision)), style),
                Span::raw(format!("{} ", icon(f.principal.kind))),
                Span::styled(fit(&clean(&f.principal.display_name), name_w) + " ", style),
                Span::styled(fit(&short_id(&f.vault_id), vault_w) + " ", style),
                Span::styled(
                    format!("closed: {}", f.technique.in_column(how_w.saturating_sub(8))),
                    style,
                ),
            ]));
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }

    pub fn table(&self) -> Result<Table, String> {
        self.ready().ok_or("the escalations are not ready yet")?;
        let f = self.shown();
        let s = |x: &str| x.to_string();
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

/// The vaults under `scope` as the tree shows them (an item's vault for an item), as positions in the
/// snapshot, in its order.
pub fn vaults_under(tree: &ScopeTree, engine: &Engine, scope: &Scope) -> Vec<usize> {
    let vault_scope = scope.vault().filter(|_| scope.kind() != ScopeKind::Vault);
    let start = vault_scope.as_ref().unwrap_or(scope);
    let mut keys = Vec::new();
    let mut stack: Vec<usize> = tree.by_key.get(start.key()).copied().into_iter().collect();
    while let Some(i) = stack.pop() {
        let Some(n) = tree.nodes.get(i) else { continue };
        if n.scope.kind() == ScopeKind::Vault {
            keys.push(n.scope.key().to_string());
        } else {
            stack.extend(n.children.iter().copied());
        }
    }
    let mut at: Vec<usize> = keys
        .iter()
        .filter_map(|k| engine.index.vault.get(k.as_str()).copied())
        .collect();
    at.sort_unstable();
    at
}

/// The findings at `vaults` (positions in the snapshot), vault by vault: `progress(done, total)` after each.
/// `None` when cancelled (it stops at the next vault).
pub fn compute(
    engine: &Engine,
    vaults: &[usize],
    cancel: &Cancel,
    progress: &mut dyn FnMut(usize, usize),
) -> Option<Vec<Finding>> {
    let mut out = Vec::new();
    for (done, &at) in vaults.iter().enumerate() {
        if cancel.is_cancelled() {
            return None;
        }
        if let Some(v) = engine.snapshot.vaults.get(at) {
            out.extend(escalations_for_vault(engine, v));
        }
        progress(done + 1, vaults.len());
    }
    Some(out)
}
