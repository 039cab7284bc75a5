//! Display names, role names and ids come from Azure, where anyone who can name an object controls them.
//! Before any of them reaches a terminal, control characters (escape sequences, carriage returns, bidi
//! overrides) are replaced, so a crafted name cannot move the cursor, recolour the screen or hide text.

pub mod secrets;

use std::borrow::Cow;

/// Whether a character could change how a terminal renders what follows.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{2028}' | '\u{2029}')
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

#[cfg(test)]
mod tests {
    use super::clean;

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
    }
}
