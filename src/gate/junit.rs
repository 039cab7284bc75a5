//! The report as JUnit XML, which most CI systems show as test results: one `testcase` per rule, failing
//! with its violations.

use std::fmt::Write;

use super::Report;

/// Escapes text for XML content and attributes, dropping characters XML 1.0 cannot carry.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

pub fn junit(report: &Report) -> String {
    let failures = report.rules.iter().filter(|r| !r.holds()).count();
    let tests = report.rules.len();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let file = esc(&report.rules_file);
    let _ = writeln!(
        x,
        "<testsuites name=\"kvaccess assert\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">"
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"{file}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">"
    );
    for r in &report.rules {
        let _ = write!(
            x,
            "    <testcase classname=\"kvaccess.{}\" name=\"{}\" file=\"{file}\" line=\"{}\"",
            r.kind.as_str(),
            esc(&r.id),
            r.line
        );
        let mut notes: Vec<String> = r
            .excepted
            .iter()
            .map(|e| {
                format!(
                    "excepted until {} ({}): {}",
                    e.expires, e.reason, e.violation.message
                )
            })
            .collect();
        notes.extend(r.expired.iter().map(|e| {
            format!(
                "exception expired on {} (line {}): {}",
                e.expires, e.line, e.reason
            )
        }));
        if r.holds() && notes.is_empty() {
            x.push_str("/>\n");
            continue;
        }
        x.push_str(">\n");
        if !r.holds() {
            let body: Vec<String> = r.violations.iter().map(|v| v.message.clone()).collect();
            let _ = writeln!(
                x,
                "      <failure type=\"{}\" message=\"{} violation(s)\">{}</failure>",
                r.kind.as_str(),
                r.violations.len(),
                esc(&body.join("\n"))
            );
        }
        if !notes.is_empty() {
            let _ = writeln!(
                x,
                "      <system-out>{}</system-out>",
                esc(&notes.join("\n"))
            );
        }
        x.push_str("    </testcase>\n");
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}
