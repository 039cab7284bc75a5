//! The activity view's rows in words: what each line says on screen, in an export and in the explanation.
//! Every string from a log or the snapshot is cleaned of control characters here.

use super::answer::Answer;
use super::{ActivityPart, Row};
use crate::activity::compare::{CompareRow, Status};
use crate::activity::who_did::DidEntry;
use crate::display::short_scope;
use crate::eval::Decision;
use crate::sanitize::clean;

/// One line: its decision (for the symbol and colour), whether it is a heading, and its text.
pub struct Cells {
    pub decision: Option<Decision>,
    pub heading: bool,
    pub text: String,
}

pub fn status_words(s: Status) -> &'static str {
    match s {
        Status::Used => "used",
        Status::NeverCalled => "never called",
        Status::SucceededWithoutGrant => "succeeded without a grant now",
        Status::DeniedDespiteGrant => "denied despite a grant",
        Status::Denied => "denied",
        Status::OtherFailures => "other failures only",
    }
}

/// `2026-11-28T14:03:05Z` → `2026-11-28`: the day, where a line has little room.
fn day(t: &str) -> &str {
    t.get(..10).unwrap_or(t)
}

fn denials(denied: u64, firewall: u64) -> String {
    match firewall {
        0 => format!("{denied} denied"),
        f => format!("{} denied ({f} by firewall)", denied + f),
    }
}

fn calls(n: u64) -> String {
    match n {
        1 => "1 call".into(),
        n => format!("{n} calls"),
    }
}

fn did_line(e: &DidEntry) -> String {
    let from = match (
        e.source_ips.first(),
        e.source_ips.len() as u64 + e.more_source_ips,
    ) {
        (None, _) => String::new(),
        (Some(ip), 1) => format!("  from {}", clean(ip)),
        (Some(ip), n) => format!("  from {} +{}", clean(ip), n - 1),
    };
    format!(
        "{:<16} {}  {} ok  {}  {} → {}{from}",
        clean(&e.caller.display_name),
        calls(e.count),
        e.successes,
        denials(e.denied, e.denied_by_firewall),
        day(&e.first),
        day(&e.last),
    )
}

/// `kv-app-prod · SecretGet on secrets/db-password (needs secrets/get)`.
pub fn did_heading(e: &DidEntry) -> String {
    format!("{} · {}", clean(&short_scope(&e.vault)), e.call_words())
}

fn compare_line(r: &CompareRow) -> String {
    let last = r
        .last_call
        .as_deref()
        .map(|t| format!("  last {}", day(t)))
        .unwrap_or_default();
    format!(
        "{:<16} {:<12} {} ok  {}{last}",
        clean(&r.principal.display_name),
        status_words(r.status),
        r.successes,
        denials(r.denied, r.denied_by_firewall),
    )
}

pub fn cells(a: &Answer, account: &[String], row: Row) -> Cells {
    let plain = |text: String| Cells {
        decision: None,
        heading: false,
        text,
    };
    let heading = |text: String| Cells {
        decision: None,
        heading: true,
        text,
    };
    match row {
        Row::Account(i) => plain(account.get(i).cloned().unwrap_or_default()),
        Row::Part(ActivityPart::Did) => heading(match a.did.entries.len() {
            0 => "Who did: no logged call".to_string(),
            n => format!("Who did ({n} caller·operation pairs)"),
        }),
        Row::Part(ActivityPart::Compare) => heading(match &a.compare {
            Some(Err(e)) => format!("Could vs did: {}", clean(e)),
            Some(Ok(c)) if c.operations.is_empty() => {
                "Could vs did: no logged operation here".to_string()
            }
            _ => "Could vs did (who could, beside who did)".to_string(),
        }),
        Row::Part(ActivityPart::Logs) => {
            heading("Logs: what was read, and what was not used".into())
        }
        Row::DidHeading(i) => a
            .did
            .entries
            .get(i)
            .map_or_else(|| plain(String::new()), |e| heading(did_heading(e))),
        Row::Did(i) => a.did.entries.get(i).map_or_else(
            || plain(String::new()),
            |e| Cells {
                decision: e.now.as_ref().and_then(|n| n.decision),
                heading: false,
                text: did_line(e),
            },
        ),
        Row::OpHeading(o) => match compared(a).and_then(|c| c.operations.get(o)) {
            Some(op) => heading(if op.logged_as.is_empty() {
                format!("{} (not called in the window)", clean(&op.operation))
            } else {
                format!(
                    "{} (logged as {})",
                    clean(&op.operation),
                    clean(&op.logged_as.join(", "))
                )
            }),
            None => plain(String::new()),
        },
        Row::Compare(o, r) => {
            match compared(a)
                .and_then(|c| c.operations.get(o))
                .and_then(|op| op.rows.get(r))
            {
                Some(row) => Cells {
                    decision: Some(row.could),
                    heading: false,
                    text: compare_line(row),
                },
                None => plain(String::new()),
            }
        }
    }
}

pub fn compared(a: &Answer) -> Option<&crate::activity::CouldVsDid> {
    a.compare.as_ref().and_then(|c| c.as_ref().ok())
}

/// The export's columns.
pub const COLUMNS: [&str; 15] = [
    "section",
    "vault or scope",
    "item",
    "operation",
    "principal",
    "principal id",
    "status",
    "calls",
    "ok",
    "denied",
    "denied by firewall",
    "other failures",
    "first",
    "last",
    "from",
];

/// A row as an export writes it (headings and the account are not rows of the table).
pub fn table_row(a: &Answer, row: Row) -> Option<Vec<String>> {
    let s = |x: &str| clean(x).into_owned();
    match row {
        Row::Did(i) => {
            let e = a.did.entries.get(i)?;
            Some(vec![
                "did".into(),
                s(&e.vault),
                s(e.item.as_deref().unwrap_or("")),
                s(&e.operation),
                s(&e.caller.display_name),
                s(&e.caller.id),
                e.now
                    .as_ref()
                    .and_then(|n| n.decision)
                    .map_or("", |d| d.as_str())
                    .to_string(),
                e.count.to_string(),
                e.successes.to_string(),
                e.denied.to_string(),
                e.denied_by_firewall.to_string(),
                e.other_failures.to_string(),
                s(&e.first),
                s(&e.last),
                s(&e.source_ips.join(" ")),
            ])
        }
        Row::Compare(o, r) => {
            let c = compared(a)?;
            let op = c.operations.get(o)?;
            let row = op.rows.get(r)?;
            Some(vec![
                "could vs did".into(),
                s(&c.scope),
                String::new(),
                s(&op.operation),
                s(&row.principal.display_name),
                s(&row.principal.id),
                format!("{} ({})", status_words(row.status), row.could.as_str()),
                String::new(),
                row.successes.to_string(),
                row.denied.to_string(),
                row.denied_by_firewall.to_string(),
                row.other_failures.to_string(),
                String::new(),
                s(row.last_call.as_deref().unwrap_or("")),
                String::new(),
            ])
        }
        _ => None,
    }
}
