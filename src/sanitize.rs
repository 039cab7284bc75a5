//! Display names, role names, ids and error texts come from Azure or from files, where anyone who can name
//! an object controls them. Before any of them reaches a terminal, a spreadsheet or a rendered document,
//! it passes through here:
//! - [`clean`] replaces control characters (escape sequences, carriage returns, C1), bidi controls,
//!   zero-width and invisible format characters and tag characters, so a crafted name cannot move the
//!   cursor, recolour the screen, write the clipboard (OSC 52) or hide or reorder text;
//! - [`csv_cell`] also neutralises spreadsheet formulas (OWASP: a leading `'`);
//! - [`markdown`] also escapes what GitHub-flavoured markdown would read as table, HTML, link or code;
//! - [`json`] writes JSON with those characters as `\u` escapes;
//! - [`secrets`] removes tokens from error texts;
//! - [`cut`] bounds how much of one value a message repeats.

pub mod json;
pub mod secrets;

use std::borrow::Cow;

/// Whether a character could change how a terminal or a viewer renders what follows, or hide itself.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061C}'                      // Arabic letter mark (bidi)
            | '\u{200B}'..='\u{200F}'       // zero-width space/joiners, LRM, RLM
            | '\u{2028}' | '\u{2029}'       // line and paragraph separators
            | '\u{202A}'..='\u{202E}'       // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}'       // word joiner, invisible operators
            | '\u{2066}'..='\u{206F}'       // bidi isolates, deprecated format characters
            | '\u{FEFF}'                    // zero-width no-break space (BOM)
            | '\u{FFF9}'..='\u{FFFB}'       // interlinear annotation
            | '\u{E0000}'..='\u{E007F}') // tag characters (invisible text)
}

/// The text with every unsafe character replaced by `�`; borrowed when nothing needed replacing.
pub fn clean(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_unsafe) {
        Cow::Owned(
            text.chars()
                .map(|c| if is_unsafe(c) { '\u{FFFD}' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// At most this many characters of one value in a message.
pub const CUT: usize = 200;

/// The text cleaned and, past [`CUT`] characters, cut with a marker saying how much was left out: an error
/// about a 200 MB principal id prints 200 characters of it, not 200 MB.
pub fn cut(text: &str) -> String {
    cut_to(text, CUT)
}

fn cut_to(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => clean(text).into_owned(),
        Some((at, _)) => format!("{}… ({} more bytes)", clean(&text[..at]), text.len() - at),
    }
}

/// A message that may quote files or Azure (errors, warnings) made fit for a terminal: each line cleaned and
/// cut at [`MESSAGE_LINE`] characters with a marker; line breaks of the message itself are kept.
pub fn message(text: &str) -> String {
    text.split('\n')
        .map(|line| cut_to(line, MESSAGE_LINE))
        .collect::<Vec<_>>()
        .join("\n")
}

/// At most this many characters of one line of a message.
pub const MESSAGE_LINE: usize = 2000;

/// Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
fn starts_formula(text: &str) -> bool {
    text.starts_with([
        '=', '+', '-', '@', '\t', '\r', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
    ])
}

/// A CSV cell: cleaned, and prefixed with `'` when it would start a formula. Plain numbers (`-3`, `+1.5`)
/// stay as they are: a spreadsheet reads them as numbers, never as formulas. Every CSV writer uses this.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    let cleaned = clean(text);
    let number = cleaned.parse::<f64>().is_ok()
        && cleaned
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
    if (starts_formula(text) || starts_formula(&cleaned)) && !number {
        Cow::Owned(format!("'{cleaned}"))
    } else {
        cleaned
    }
}

/// Writes one CSV record, every cell through [`csv_cell`]: the one way kvaccess writes CSV (CLI and explorer).
pub fn csv_row<W: std::io::Write, S: AsRef<str>>(
    w: &mut csv::Writer<W>,
    cells: impl IntoIterator<Item = S>,
) -> csv::Result<()> {
    w.write_record(cells.into_iter().map(|c| csv_cell(c.as_ref()).into_owned()))
}

/// Text for GitHub-flavoured markdown, in a table cell or a list item: cleaned; the characters that would
/// start a table delimiter, HTML, an entity, a link or an image (both need `[` or `<`), code, emphasis,
/// strikethrough or a heading are backslash-escaped (a CommonMark escape works for every ASCII punctuation
/// character), so a name shows as written. Parentheses and `!` mean nothing without a `[`, and stay.
pub fn markdown(text: &str) -> String {
    let cleaned = clean(text);
    let mut out = String::with_capacity(cleaned.len());
    for c in cleaned.chars() {
        if matches!(
            c,
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '~' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_neutralised() {
        assert_eq!(clean("Alice"), "Alice");
        assert_eq!(
            clean("\u{1b}[31mred\u{1b}[0m"),
            "\u{FFFD}[31mred\u{FFFD}[0m"
        );
        assert_eq!(clean("a\rb\nc\u{7}"), "a\u{FFFD}b\u{FFFD}c\u{FFFD}");
        assert_eq!(clean("\u{9b}2J"), "\u{FFFD}2J");
        assert_eq!(clean("evil\u{202E}txt.exe"), "evil\u{FFFD}txt.exe");
        assert_eq!(clean("Zoë 日本"), "Zoë 日本");
        for hidden in [
            '\u{061C}',
            '\u{2060}',
            '\u{2064}',
            '\u{2067}',
            '\u{E0041}',
            '\u{E007F}',
            '\u{85}',
            '\u{7F}',
        ] {
            assert_eq!(clean(&format!("a{hidden}b")), "a\u{FFFD}b", "{:?}", hidden);
        }
    }

    #[test]
    fn long_values_are_cut_with_a_marker() {
        assert_eq!(cut("short"), "short");
        let long = "x".repeat(10_000);
        let c = cut(&long);
        assert!(
            c.starts_with(&"x".repeat(CUT)) && c.ends_with("… (9800 more bytes)"),
            "{c}"
        );
        assert!(cut(&"é".repeat(300)).starts_with(&"é".repeat(CUT)));
    }

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        for f in [
            "=1+1",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\r=x",
            "＝1",
        ] {
            assert!(csv_cell(f).starts_with('\''), "{f:?} → {}", csv_cell(f));
        }
        assert_eq!(csv_cell("Alice"), "Alice");
        assert_eq!(csv_cell("-3"), "-3");
        assert_eq!(csv_cell("+1.5"), "+1.5");
        assert_eq!(csv_cell("a=b"), "a=b");
    }

    #[test]
    fn markdown_breakers_are_escaped() {
        assert_eq!(markdown("a|b"), "a\\|b");
        assert_eq!(markdown("a\\|b"), "a\\\\\\|b");
        assert_eq!(
            markdown("[x](javascript:alert(1))"),
            "\\[x\\](javascript:alert(1))"
        );
        assert_eq!(markdown("![i](x)"), "!\\[i\\](x)");
        assert_eq!(markdown("<img src=x>"), "\\<img src=x\\>");
        assert_eq!(markdown("`code` &amp;"), "\\`code\\` \\&amp;");
        assert_eq!(markdown("Zoë"), "Zoë");
    }
}
