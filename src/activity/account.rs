//! The account of a reading, as text lines: what was read, and every record that was not used, by reason,
//! with the file and line of each malformed one. The CLI prints it after its answer; the explorer shows it
//! at the top of the activity view.

use super::read::{Problem, Reading};
use super::time;
use crate::sanitize::clean;

/// What was read and what was not used, as text lines.
pub fn lines(r: &Reading) -> Vec<String> {
    let mut lines = vec![format!(
        "logs: {} records in {} files ({:.1} MB){}; {} used",
        r.records,
        r.files,
        r.bytes as f64 / 1e6,
        r.span
            .map(|s| format!(", {} → {}", time::format(s.first), time::format(s.last)))
            .unwrap_or_default(),
        r.used
    )];
    for (skip, n) in &r.skipped {
        lines.push(format!("  skipped {n}: {}", skip.as_str()));
    }
    if r.malformed > 0 {
        lines.push(format!("  malformed {}:", r.malformed));
        for p in &r.problems {
            lines.push(format!("    {}", place(p)));
        }
        if r.malformed > r.problems.len() as u64 {
            lines.push(format!(
                "    … and {} more",
                r.malformed - r.problems.len() as u64
            ));
        }
    }
    for p in &r.incomplete {
        lines.push(format!("  incomplete: {}", place(p)));
    }
    for (op, n) in &r.unmapped {
        lines.push(format!(
            "  {n} calls of {}: operation not in the mapping (permission unknown)",
            clean(op)
        ));
    }
    lines
}

/// `file:line: message`, or `file: message` where the form has no lines (a query API response names the
/// table and row in the message).
fn place(p: &Problem) -> String {
    match p.line {
        0 => format!("{}: {}", clean(&p.file), clean(&p.message)),
        line => format!("{}:{line}: {}", clean(&p.file), clean(&p.message)),
    }
}
