//! Copying through the terminal: the OSC 52 escape asks the terminal emulator to set the clipboard, which
//! works over SSH and inside tmux (with `set-clipboard on`), where no local clipboard API would. What is
//! copied is plain text, each line cleaned of control characters: a name from Azure cannot smuggle an
//! escape sequence into someone's clipboard (or close the OSC 52 sequence early).

use crate::sanitize::clean;
use crate::tui::explain::{Doc, Tone};

/// The whole explanation as text: its title, then each line (headings marked `##`).
pub fn explanation_text(doc: &Doc) -> String {
    lines_text(&doc.title, &doc.lines)
}

/// The verdict and the lines that decide it: what comes before the explanation's first heading.
pub fn verdict_text(doc: &Doc) -> String {
    let top = doc
        .lines
        .iter()
        .position(|l| l.is_empty() || matches!(l.first(), Some((Tone::Heading, _))))
        .unwrap_or(doc.lines.len());
    lines_text(&doc.title, &doc.lines[..top])
}

fn lines_text(title: &str, lines: &[Vec<crate::tui::explain::Span>]) -> String {
    let mut out = format!("{}\n", clean(title));
    for l in lines {
        let text: String = l.iter().map(|(_, t)| clean(t)).collect();
        if matches!(l.first(), Some((Tone::Heading, _))) {
            out.push_str("## ");
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The escape sequence that puts `text` on the system clipboard.
pub fn osc52(text: &str) -> String {
    format!("\u{1b}]52;c;{}\u{7}", base64(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(osc52("hi"), "\u{1b}]52;c;aGk=\u{7}");
    }

    #[test]
    fn copied_text_is_the_document_without_control_characters() {
        let mut doc = Doc::new("Eve\u{1b}]52;c;x\u{7} · secrets/get");
        doc.styled(Tone::Plain, "✘ DENIED  Eve\u{1b}[2J cannot");
        doc.text("said no: the access policies");
        doc.heading("What grants it");
        doc.text("Nothing.");
        let verdict = verdict_text(&doc);
        assert_eq!(verdict.lines().count(), 3, "{verdict}");
        assert!(verdict.contains("said no"), "{verdict}");
        assert!(!verdict.contains("Nothing"), "{verdict}");
        let all = explanation_text(&doc);
        assert!(all.contains("## What grants it\nNothing."), "{all}");
        for text in [verdict, all] {
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{7}'),
                "{text:?}"
            );
        }
    }
}
