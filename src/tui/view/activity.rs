//! The activity view (key 7): who *did*, from Key Vault's audit logs (`kvaccess tui --logs PATH…`) — the
//! CLI's `kvaccess activity` in the explorer. For the selected vault or item: every caller of each
//! operation (counts, successes and denials, first and last time, source addresses) and, beside it, who
//! could (could vs did); for the selected principal: everything it did, across vaults. It follows the pane
//! the user was in: the scope tree or the principal list.
//!
//! The logs are read once, in the background with their progress on screen (Esc cancels, `7` starts
//! again); what could not be used is counted by reason at the end of the view, each malformed record with
//! its file and line. Each answer is computed in the background too. Without `--logs` the view says how to
//! load them.

mod answer;
mod ask;
mod cells;
mod explain;

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub use answer::{Answer, Logs, LogsRef, Subject, answer, read};
pub use cells::{COLUMNS, status_words};

use super::{Ctx, Table};
use crate::activity::LastUsed;
use crate::eval::Engine;
use crate::sanitize::clean;
use crate::tui::app::Load;
use crate::tui::cursor::Cursor;
use crate::tui::jump::{Jump, Land};
use crate::tui::pane::{fit, placeholder, selection};
use crate::tui::theme::decision_symbol;
use crate::tui::view::{Keys, Outcome};
use crate::tui::worker::JobKind;

/// What the view says when the explorer was opened without logs.
pub const NO_LOGS: &str = "No logs loaded. Open the explorer with `kvaccess tui --logs PATH…` \
(storage-account archives such as PT1H.json, Log Analytics exports as JSON or CSV, or a directory of \
them) to see who did what here beside who could, and when each grant was last used.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityPart {
    Did,
    Compare,
    Logs,
}

/// One line of the view (positions in the answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Part(ActivityPart),
    /// A (vault, item, operation) heading: the first of its entries.
    DidHeading(usize),
    Did(usize),
    /// An operation of the could-vs-did answer.
    OpHeading(usize),
    /// (operation, row).
    Compare(usize, usize),
    /// A line of the logs' account.
    Account(usize),
}

/// Where Enter on a row goes: the principal's permissions at the row's vault or item, on its operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub principal: String,
    pub scope: String,
    pub operation: Option<String>,
}

/// Which selection the view follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Follow {
    #[default]
    Scope,
    Principal,
}

#[derive(Debug, Default)]
pub struct ActivityView {
    /// The paths given with `--logs` (none: the view says how to load logs).
    pub paths: Vec<PathBuf>,
    pub logs: Load<LogsRef>,
    /// What was read and not used, as lines (from the logs, once).
    account: Vec<String>,
    pub answer: Load<Answer>,
    pub cursor: Cursor,
    rows: Vec<Row>,
    pub follow: Follow,
    /// What the answer being computed is about, for the header.
    asked: String,
    /// The user cancelled: nothing is asked again until they press the view's key.
    cancelled: bool,
}

impl ActivityView {
    pub fn with_paths(paths: Vec<PathBuf>) -> Self {
        Self {
            paths,
            ..Self::default()
        }
    }

    /// Logs were given and are neither read nor being read (nor cancelled).
    pub fn wants_logs(&self) -> bool {
        !self.paths.is_empty() && matches!(self.logs, Load::Idle)
    }

    pub fn reading_logs(&mut self) {
        self.logs = Load::Loading("reading the logs".into());
    }

    pub fn on_logs_progress(&mut self, done: usize, total: usize) {
        if self.logs.is_loading() {
            let mb = |b: usize| b.div_ceil(1_000_000);
            self.logs = Load::Loading(super::progress(
                "reading the logs",
                mb(done),
                mb(total),
                "MB",
            ));
        }
    }

    pub fn on_logs(&mut self, logs: Result<LogsRef, String>) {
        self.logs = match logs {
            Ok(l) => {
                self.account = l.0.reading.account();
                Load::Ready(l)
            }
            Err(e) => Load::Failed(format!("the logs could not be read: {}", clean(&e))),
        };
    }

    pub fn ready_logs(&self) -> Option<&Logs> {
        self.logs.ready().map(|l| &*l.0)
    }

    /// When each grant was last used, once the logs are read.
    pub fn last_used(&self) -> Option<&LastUsed> {
        self.ready_logs().map(|l| &l.last_used)
    }

    pub fn ready(&self) -> Option<&Answer> {
        self.answer.ready()
    }

    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    pub fn selected(&self) -> Option<Row> {
        self.rows.get(self.cursor.selected).copied()
    }

    pub fn asked(&mut self, subject: &Subject) {
        self.asked = subject.label();
        self.answer = Load::Loading(format!("looking at what the logs say of {}", self.asked));
        self.rows.clear();
        self.cancelled = false;
    }

    pub fn on_answer(&mut self, a: Answer) {
        self.rows = rows_of(&a, self.account.len());
        self.answer = Load::Ready(a);
        self.cursor = Cursor::default();
    }

    /// Esc while the logs are read: stops reading them. Whether there was a reading to stop.
    pub fn cancel_logs(&mut self) -> bool {
        let why = "cancelled: the logs were not read (press the view's key to read them again)";
        let cancelled = self.logs.cancel(why.into());
        self.cancelled |= cancelled;
        cancelled
    }

    /// Esc while an answer is computed: stops waiting for it.
    pub fn cancel_answer(&mut self) -> bool {
        let why = format!(
            "cancelled: what the logs say of {} was not computed (press the view's key to start again)",
            self.asked
        );
        let cancelled = self.answer.cancel(why);
        self.cancelled |= cancelled;
        cancelled
    }

    /// The view's key after a cancel: what was cancelled is asked for again.
    pub fn restart(&mut self) -> bool {
        if !std::mem::take(&mut self.cancelled) {
            return false;
        }
        if matches!(self.logs, Load::Failed(_)) {
            self.logs = Load::Idle;
        }
        if matches!(self.answer, Load::Failed(_)) {
            self.answer = Load::Idle;
        }
        true
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled
    }

    pub fn move_by(&mut self, delta: isize) {
        let n = self.rows.len();
        self.cursor.move_by(delta, n);
    }

    pub fn keep_visible(&mut self, height: usize) {
        let n = self.rows.len();
        self.cursor.keep_visible(height, n);
    }

    pub fn click(&mut self, row: usize) {
        let n = self.rows.len();
        self.cursor.click(row, 0, n);
    }

    /// Where Enter on the selected row goes (a caller the snapshot does not know goes nowhere).
    pub fn target(&self) -> Option<Target> {
        let a = self.ready()?;
        match self.selected()? {
            Row::Did(i) => {
                let e = a.did.entries.get(i)?;
                e.caller.in_snapshot.then(|| Target {
                    principal: e.caller.id.clone(),
                    scope: match &e.item {
                        Some(item) => format!("{}/{item}", e.vault),
                        None => e.vault.clone(),
                    },
                    operation: e.permission.clone(),
                })
            }
            Row::Compare(o, r) => {
                let c = cells::compared(a)?;
                let op = c.operations.get(o)?;
                let row = op.rows.get(r)?;
                row.principal.in_snapshot.then(|| Target {
                    principal: row.principal.id.clone(),
                    scope: c.scope.clone(),
                    operation: Some(op.operation.clone()),
                })
            }
            _ => None,
        }
    }

    /// Records read, used and not used, for the header.
    fn counts(&self) -> String {
        let Some(l) = self.ready_logs() else {
            return String::new();
        };
        let r = &l.reading;
        let skipped: u64 = r.skipped.values().sum();
        let mut words = format!("{} of {} records used", r.used, r.records);
        if skipped + r.malformed > 0 {
            words.push_str(&format!(
                " · {skipped} skipped, {} malformed (why: at the end)",
                r.malformed
            ));
        }
        words
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = ctx.theme;
        let label = self
            .ready()
            .map_or(self.asked.clone(), |a| a.subject.label());
        let b = (ctx.block)(vec![
            Span::raw(format!("Activity {label}").trim_end().to_string() + " "),
            Span::styled(self.counts(), t.dim),
        ]);
        let inner = b.inner(area);
        frame.render_widget(b, area);
        if self.paths.is_empty() {
            return placeholder(frame, inner, t.dim, NO_LOGS);
        }
        match &self.logs {
            Load::Ready(_) => {}
            Load::Loading(what) => {
                return placeholder(frame, inner, t.dim, &format!("⟳ {what}… (Esc cancels)"));
            }
            Load::Failed(e) => return placeholder(frame, inner, t.warning, e),
            Load::Idle => return placeholder(frame, inner, t.dim, "the logs will be read"),
        }
        let a = match &self.answer {
            Load::Ready(a) => a,
            Load::Loading(what) => {
                return placeholder(frame, inner, t.dim, &format!("⟳ {what}… (Esc cancels)"));
            }
            Load::Failed(e) => return placeholder(frame, inner, t.warning, e),
            Load::Idle => {
                return placeholder(frame, inner, t.dim, "select a vault, item or principal");
            }
        };
        let width = inner.width as usize;
        let mut lines = Vec::new();
        for i in self.cursor.window(inner.height as usize, self.rows.len()) {
            let Some(&row) = self.rows.get(i) else {
                continue;
            };
            let c = cells::cells(a, &self.account, row);
            let (symbol, sym_style) = match c.decision {
                Some(d) => (decision_symbol(d), t.decision(d)),
                None => (" ", t.dim),
            };
            let style = match row {
                Row::Account(_) => t.dim,
                _ if c.heading => t.heading,
                _ => t.base,
            };
            let line = if c.heading {
                Line::from(Span::styled(fit(&c.text, width), style))
            } else {
                Line::from(vec![
                    Span::styled(format!("{symbol} "), sym_style),
                    Span::styled(fit(&c.text, width.saturating_sub(2)), style),
                ])
            };
            lines.push(if i == self.cursor.selected {
                line.style(selection(t, ctx.focused))
            } else {
                line
            });
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }

    /// The rows as an export writes them: one per caller and per could-vs-did line.
    pub fn table(&self) -> Result<Table, String> {
        if self.paths.is_empty() {
            return Err("no logs loaded (kvaccess tui --logs PATH…)".into());
        }
        let a = self.ready().ok_or("what the logs say is not ready yet")?;
        Ok(Table {
            title: format!("Activity of {}", a.subject.label()),
            columns: COLUMNS.iter().map(|c| c.to_string()).collect(),
            rows: self
                .rows
                .iter()
                .filter_map(|&r| cells::table_row(a, r))
                .collect(),
        })
    }
}

/// Enter opens the caller's permissions where and on what it called; Esc stops reading the logs (an answer
/// that arrives all the same is dropped), or the computation.
impl Keys for ActivityView {
    fn on_enter(&mut self, _engine: &Engine) -> Outcome {
        self.target().map_or(Outcome::Done, |t| {
            Outcome::Jump(Jump {
                principal: Some(t.principal),
                scope: Some(t.scope),
                land: t.operation.map_or(Land::Anywhere, Land::Op),
            })
        })
    }
    fn on_esc(&mut self) -> Outcome {
        if self.cancel_logs() {
            Outcome::Drop(JobKind::ReadLogs)
        } else {
            Outcome::cancelled(self.cancel_answer(), JobKind::Activity)
        }
    }
    fn selected_id(&self) -> Option<String> {
        self.target().map(|t| t.principal)
    }
}

/// The answer's lines: who did (a heading per vault, item and operation), could vs did (a heading per
/// operation), then the logs' account.
fn rows_of(a: &Answer, account: usize) -> Vec<Row> {
    let mut out = vec![Row::Part(ActivityPart::Did)];
    let mut last: Option<(&str, Option<&str>, &str)> = None;
    for (i, e) in a.did.entries.iter().enumerate() {
        let group = (e.vault.as_str(), e.item.as_deref(), e.operation.as_str());
        if last != Some(group) {
            out.push(Row::DidHeading(i));
            last = Some(group);
        }
        out.push(Row::Did(i));
    }
    if let Some(c) = &a.compare {
        out.push(Row::Part(ActivityPart::Compare));
        if let Ok(c) = c {
            for (o, op) in c.operations.iter().enumerate() {
                out.push(Row::OpHeading(o));
                out.extend((0..op.rows.len()).map(|r| Row::Compare(o, r)));
            }
        }
    }
    out.push(Row::Part(ActivityPart::Logs));
    out.extend((0..account).map(Row::Account));
    out
}
