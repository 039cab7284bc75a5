//! The reach view (key 5): what can the selected principal reach? The CLI's `kvaccess reach` in the
//! explorer — every vault where the principal holds, may hold, could activate or could grant itself an
//! operation, grouped by vault and operation group, with item-level, eligible and self-grant rows and the
//! grant that decides each. The answer is computed vault by vault on a thread of its own, with its
//! progress on screen; Esc cancels it. Enter jumps to the permissions at the row's vault (or item).

mod explain;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Ask, Ctx, Selection, Table};
use crate::display::{grant_line, in_words, short_scope};
use crate::eval::{Decision, Engine, Grant};
use crate::query::{Finding, Reach, VaultReach};
use crate::sanitize::clean;
use crate::tui::app::Load;
use crate::tui::cursor::Cursor;
use crate::tui::jump::{Jump, Land};
use crate::tui::pane::{fit, placeholder, selection};
use crate::tui::theme::{ESCALATION_SYMBOL, decision_symbol};
use crate::tui::view::{Keys, Outcome};
use crate::tui::worker::JobKind;
use crate::tui::worker::JobSpec;

/// What the header says while the answer is computed.
const LOOKING: &str = "looking at what";

/// One line of the answer: a vault's heading, or one of its rows (positions in the answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Vault(usize),
    /// An operation group at the vault: (vault, group).
    Group(usize, usize),
    /// Operations on one item through a grant at the item: (vault, item).
    Item(usize, usize),
    /// A PIM eligibility that would give more once activated: (vault, eligibility).
    Eligible(usize, usize),
    /// A way to grant itself data access: (vault, finding).
    SelfGrant(usize, usize),
}

impl Row {
    fn vault(self) -> usize {
        match self {
            Self::Vault(v)
            | Self::Group(v, _)
            | Self::Item(v, _)
            | Self::Eligible(v, _)
            | Self::SelfGrant(v, _) => v,
        }
    }
}

/// Where Enter on a row goes: the scope to select, the operation to land on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub scope: String,
    pub operation: Option<&'static str>,
}

#[derive(Debug, Default)]
pub struct ReachView {
    pub answer: Load<Reach>,
    pub cursor: Cursor,
    rows: Vec<Row>,
    /// Whose reach is being computed, for the progress line.
    whose: String,
    /// The user cancelled the computation: it is not asked for again until they press the view's key.
    cancelled: bool,
}

impl ReachView {
    pub fn ready(&self) -> Option<&Reach> {
        self.answer.ready()
    }

    /// The answer's lines, in the order they are drawn.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn selected(&self) -> Option<Row> {
        self.rows.get(self.cursor.selected).copied()
    }

    /// The vault a row belongs to.
    pub fn vault_of(&self, row: Row) -> Option<&VaultReach> {
        self.ready()?.vaults.get(row.vault())
    }

    /// The job for the selected principal's reach (the whole tenant: the first question of an incident is
    /// everything it can reach), unless it is being (or has been) computed. A cancelled job stays pending,
    /// so it is not asked for again until the principal changes or the user presses the view's key.
    pub fn ask(&mut self, sel: &Selection, pending: Option<&str>) -> Ask {
        let Some(p) = sel.principal else {
            return Ask::Keep;
        };
        let what = format!("{}{}", p.id, sel.in_world);
        if pending == Some(what.as_str()) {
            return Ask::Keep;
        }
        self.asked(&p.name);
        let spec = JobSpec::Reach {
            principal: p.id.clone(),
        };
        Ask::Run { what, spec }
    }

    /// A computation for `whose` reach has started: the old answer is let go of.
    pub fn asked(&mut self, whose: &str) {
        self.whose = clean(whose).into_owned();
        self.answer = Load::Loading(format!("{LOOKING} {} can reach", self.whose));
        self.rows.clear();
        self.cancelled = false;
    }

    pub fn on_progress(&mut self, done: usize, total: usize) {
        if self.answer.is_loading() {
            let what = format!("{LOOKING} {} can reach", self.whose);
            self.answer = Load::Loading(super::progress(&what, done, total, "vaults"));
        }
    }

    pub fn on_answer(&mut self, reach: Reach) {
        self.rows = rows_of(&reach);
        self.answer = Load::Ready(reach);
        self.cancelled = false;
        self.cursor = Cursor::default();
    }

    /// Esc while the answer is computed: stops waiting for it. Returns whether there was one to cancel.
    pub fn cancel(&mut self) -> bool {
        let why = format!(
            "cancelled: what {} can reach was not computed (press the view's key to start again)",
            self.whose
        );
        let cancelled = self.answer.cancel(why);
        self.cancelled |= cancelled;
        cancelled
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled
    }

    /// The view's key after a cancel: the cancelled answer is let go of, to be asked for anew. Whether
    /// there was one.
    pub fn reopen(&mut self) -> bool {
        if !self.cancelled {
            return false;
        }
        *self = Self::default();
        true
    }

    pub fn move_by(&mut self, delta: isize) {
        let n = self.rows.len();
        self.cursor.move_by(delta, n);
    }

    pub fn keep_visible(&mut self, height: usize) {
        let n = self.rows.len();
        self.cursor.keep_visible(height, n);
    }

    /// A click on the `row`th line of the pane (the first is the column header).
    pub fn click(&mut self, row: usize) {
        let n = self.rows.len();
        self.cursor.click(row, 1, n);
    }

    /// Where Enter on the selected row goes: its vault (an item row: its item), on the row's first
    /// operation.
    pub fn target(&self) -> Option<Target> {
        let row = self.selected()?;
        let v = self.vault_of(row)?;
        let (scope, operation) = match row {
            Row::Group(_, g) => (v.vault_id.clone(), first_op(&v.groups.get(g)?.operations)),
            Row::Item(_, i) => {
                let item = v.items.get(i)?;
                (item.scope.clone(), first_op(&item.operations))
            }
            Row::SelfGrant(_, f) => (
                v.vault_id.clone(),
                v.self_grants.get(f)?.lacks.first().copied(),
            ),
            Row::Vault(_) | Row::Eligible(..) => (v.vault_id.clone(), None),
        };
        Some(Target { scope, operation })
    }

    /// The selected self-grant row's finding, which the explanation tells in full.
    pub fn selected_finding(&self) -> Option<&Finding> {
        match self.selected()? {
            Row::SelfGrant(v, f) => self.ready()?.vaults.get(v)?.self_grants.get(f),
            _ => None,
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx, engine: &Engine) {
        let t = ctx.theme;
        let (who, count) = match self.ready() {
            Some(r) => (
                clean(&r.principal.display_name).into_owned(),
                format!("{} of {} vaults", r.vaults.len(), r.vaults_examined),
            ),
            None => (self.whose.clone(), String::new()),
        };
        let b = (ctx.block)(vec![
            Span::raw(format!("Reach {who} ")),
            Span::styled(count, t.dim),
        ]);
        let inner = b.inner(area);
        frame.render_widget(b, area);
        let reach = match &self.answer {
            Load::Ready(r) => r,
            Load::Loading(what) => {
                return placeholder(frame, inner, t.dim, &format!("⟳ {what}… (Esc cancels)"));
            }
            Load::Failed(e) => return placeholder(frame, inner, t.warning, e),
            Load::Idle => return placeholder(frame, inner, t.dim, "select a principal"),
        };
        if self.rows.is_empty() {
            return placeholder(
                frame,
                inner,
                t.dim,
                &format!("{who} holds no operation at any vault, and can grant itself none"),
            );
        }
        let what_w = (inner.width as usize * 45 / 100).clamp(24, 70);
        let mut lines = vec![Line::from(vec![
            Span::styled(fit("   WHAT", what_w + 3), t.title),
            Span::styled("DECIDED BY", t.title),
        ])];
        let height = (inner.height as usize).saturating_sub(1);
        for i in self.cursor.window(height, self.rows.len()) {
            let Some(&row) = self.rows.get(i) else {
                continue;
            };
            let Some(v) = reach.vaults.get(row.vault()) else {
                continue;
            };
            let cells = cells(engine, v, row);
            let style = match (row, cells.decision) {
                (Row::SelfGrant(..), _) => t.escalation,
                (_, Some(d)) => t.decision(d),
                (_, None) => t.dim,
            };
            let mut spans = vec![Span::styled(format!("{} ", cells.symbol), style)];
            let what_style = if matches!(row, Row::Vault(_)) {
                t.heading
            } else {
                t.base
            };
            spans.push(Span::styled(fit(&cells.what, what_w + 1) + " ", what_style));
            spans.push(Span::styled(cells.decided_by, t.dim));
            let line = Line::from(spans);
            lines.push(if i == self.cursor.selected {
                line.style(selection(t, ctx.focused))
            } else {
                line
            });
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }

    /// The rows as an export writes them: one per line of the view but the vault headings.
    pub fn table(&self, engine: &Engine) -> Result<Table, String> {
        let reach = self
            .ready()
            .ok_or("what the principal can reach is not ready yet")?;
        let s = |x: &str| x.to_string();
        let rows = self
            .rows
            .iter()
            .filter(|r| !matches!(r, Row::Vault(_)))
            .filter_map(|&row| {
                let v = reach.vaults.get(row.vault())?;
                let c = cells(engine, v, row);
                Some(vec![
                    clean(&v.name).into_owned(),
                    v.vault_id.clone(),
                    c.kind.to_string(),
                    c.what,
                    c.verdict.to_string(),
                    c.decided_by,
                ])
            })
            .collect();
        Ok(Table {
            title: format!("Reach of {}", clean(&reach.principal.display_name)),
            columns: vec![
                s("vault"),
                s("vault id"),
                s("kind"),
                s("what"),
                s("decision"),
                s("decided by"),
            ],
            rows,
        })
    }
}

/// Enter opens the principal's permissions where the row says, on what; Esc stops the computation.
impl Keys for ReachView {
    fn on_enter(&mut self, _engine: &Engine) -> Outcome {
        self.target().map_or(Outcome::Done, |t| {
            let land = t
                .operation
                .map_or(Land::Anywhere, |op| Land::Op(op.to_string()));
            Outcome::Jump(Jump {
                principal: None,
                scope: Some(t.scope),
                land,
            })
        })
    }
    fn on_esc(&mut self) -> Outcome {
        Outcome::cancelled(self.cancel(), JobKind::Reach)
    }
    fn selected_id(&self) -> Option<String> {
        self.target().map(|t| t.scope)
    }
}

/// The answer's lines: each vault's heading, then its groups, items, eligibilities and self-grants.
fn rows_of(reach: &Reach) -> Vec<Row> {
    let mut out = Vec::new();
    for (v, vault) in reach.vaults.iter().enumerate() {
        out.push(Row::Vault(v));
        out.extend((0..vault.groups.len()).map(|g| Row::Group(v, g)));
        out.extend((0..vault.items.len()).map(|i| Row::Item(v, i)));
        out.extend((0..vault.eligible.len()).map(|e| Row::Eligible(v, e)));
        out.extend((0..vault.self_grants.len()).map(|f| Row::SelfGrant(v, f)));
    }
    out
}

/// What lets a self-grant happen: the role, else the grant; a path that exists only because data is
/// missing says so, with why.
fn lever(f: &Finding) -> String {
    if let Some(role) = &f.role_name {
        return format!("role '{}'", clean(role));
    }
    if !f.grant.is_empty() {
        return clean(&f.grant).into_owned();
    }
    let why = in_words(&f.unknown_because).join("; ");
    if why.is_empty() {
        "unknown: no grant recorded".into()
    } else {
        format!("unknown: {}", clean(&why))
    }
}

fn first_op(ops: &[(&'static str, Decision)]) -> Option<&'static str> {
    ops.first().map(|(op, _)| *op)
}

/// A row in words: its symbol and decision (none for an eligibility or a self-grant, which give nothing
/// yet), its verdict in a word, its kind, what it gives, and the grant that decides it.
struct Cells {
    symbol: &'static str,
    decision: Option<Decision>,
    verdict: &'static str,
    kind: &'static str,
    what: String,
    decided_by: String,
}

fn cells(engine: &Engine, v: &VaultReach, row: Row) -> Cells {
    let grants = |g: &[Grant]| -> String {
        let mut words = g.first().map_or_else(String::new, |g| {
            grant_line(engine, g)
                .lines()
                .next()
                .unwrap_or_default()
                .to_string()
        });
        if g.len() > 1 {
            words.push_str(&format!(" (+{} more)", g.len() - 1));
        }
        words
    };
    let ops = |ops: &[(&'static str, Decision)]| -> String {
        ops.iter()
            .map(|(op, d)| match d {
                Decision::Allowed => (*op).to_string(),
                d => format!("{op} [{}]", d.as_str()),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    // The least certain decision of a list: what the row can promise.
    let worst = |ops: &[(&'static str, Decision)]| {
        ops.iter()
            .map(|(_, d)| *d)
            .find(|d| *d != Decision::Allowed)
            .unwrap_or(Decision::Allowed)
    };
    let model = if v.rbac_authorization {
        "RBAC"
    } else {
        "access policies"
    };
    let none = || Cells {
        symbol: " ",
        decision: None,
        verdict: "",
        kind: "vault",
        what: String::new(),
        decided_by: String::new(),
    };
    match row {
        Row::Vault(_) => Cells {
            what: format!("{} ({model})", clean(&v.name)),
            ..none()
        },
        Row::Group(_, g) => v.groups.get(g).map_or_else(none, |g| {
            let d = worst(&g.operations);
            Cells {
                symbol: decision_symbol(d),
                decision: Some(d),
                verdict: d.as_str(),
                kind: "group",
                // Every operation of the group needs no list; some of them do.
                what: if g.summary == "all" {
                    format!("{:<5} {}", g.summary, g.group)
                } else {
                    format!("{:<5} {:<12} {}", g.summary, g.group, ops(&g.operations))
                },
                decided_by: grants(&g.grants),
            }
        }),
        Row::Item(_, i) => v.items.get(i).map_or_else(none, |item| {
            let d = worst(&item.operations);
            Cells {
                symbol: decision_symbol(d),
                decision: Some(d),
                verdict: d.as_str(),
                kind: "item",
                what: format!(
                    "item  {}: {}",
                    short_scope(&item.scope),
                    ops(&item.operations)
                ),
                decided_by: grants(&item.grants),
            }
        }),
        Row::Eligible(_, e) => v.eligible.get(e).map_or_else(none, |e| Cells {
            symbol: "○",
            decision: None,
            verdict: "eligible",
            kind: "eligible",
            what: "eligible (PIM, not active)".into(),
            decided_by: clean(e).into_owned(),
        }),
        Row::SelfGrant(_, f) => v.self_grants.get(f).map_or_else(none, |f| Cells {
            symbol: ESCALATION_SYMBOL,
            decision: None,
            verdict: if f.decision == Decision::Allowed {
                "can grant"
            } else {
                "can grant? (unknown)"
            },
            kind: "self-grant",
            what: format!("can grant: {}", f.technique.describe()),
            decided_by: lever(f),
        }),
    }
}
