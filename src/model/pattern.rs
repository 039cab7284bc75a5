//! Action and data-action wildcard patterns.
//!
//! Azure compares permission strings case-insensitively and lets `*` stand for any run of characters,
//! `/` included (`*/read` reads everything). Matching is anchored at both ends, so
//! `Microsoft.KeyVault/vaults/*/read` does not match `Microsoft.KeyVault/vaults/read` (`docs/semantics.md`
//! D6).

use std::fmt;

/// A compiled action pattern: the original text for display, the lower-cased pieces between `*`s to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPattern {
    text: String,
    pieces: Vec<String>,
}

impl ActionPattern {
    pub fn new(text: &str) -> Self {
        let text = text.trim().to_string();
        let pieces = text
            .to_ascii_lowercase()
            .split('*')
            .map(str::to_string)
            .collect();
        Self { text, pieces }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn has_wildcard(&self) -> bool {
        self.pieces.len() > 1
    }

    /// Matches an action that is already lower-cased (callers lower-case once per question, not per pattern).
    pub fn matches_lower(&self, action: &str) -> bool {
        let (first, rest) = match self.pieces.split_first() {
            Some(split) => split,
            None => return action.is_empty(),
        };
        let Some((last, middle)) = rest.split_last() else {
            return action == first;
        };
        let Some(mut remaining) = action.strip_prefix(first.as_str()) else {
            return false;
        };
        for piece in middle {
            match remaining.find(piece.as_str()) {
                Some(at) => remaining = &remaining[at + piece.len()..],
                None => return false,
            }
        }
        remaining.len() >= last.len() && remaining.ends_with(last.as_str())
    }

    pub fn matches(&self, action: &str) -> bool {
        self.matches_lower(&action.to_ascii_lowercase())
    }
}

impl fmt::Display for ActionPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::ActionPattern;

    fn m(p: &str, a: &str) -> bool {
        ActionPattern::new(p).matches(a)
    }

    #[test]
    fn exact_and_case_insensitive() {
        assert!(m(
            "Microsoft.KeyVault/vaults/read",
            "microsoft.keyvault/VAULTS/read"
        ));
        assert!(!m(
            "Microsoft.KeyVault/vaults/read",
            "Microsoft.KeyVault/vaults/read/x"
        ));
        assert!(!m(
            "Microsoft.KeyVault/vaults/read",
            "Microsoft.KeyVault/vaults/rea"
        ));
    }

    #[test]
    fn star_spans_segments() {
        assert!(m("*", "Microsoft.KeyVault/vaults/secrets/getSecret/action"));
        assert!(m("*/read", "Microsoft.KeyVault/vaults/read"));
        assert!(m(
            "Microsoft.KeyVault/*",
            "Microsoft.KeyVault/vaults/keys/read"
        ));
        assert!(m(
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/roleAssignments/write"
        ));
        assert!(!m(
            "Microsoft.Authorization/*/Write",
            "Microsoft.Authorization/roleAssignments/delete"
        ));
    }

    #[test]
    fn middle_star_needs_a_segment() {
        assert!(m(
            "Microsoft.KeyVault/vaults/*/read",
            "Microsoft.KeyVault/vaults/keys/read"
        ));
        assert!(!m(
            "Microsoft.KeyVault/vaults/*/read",
            "Microsoft.KeyVault/vaults/read"
        ));
        assert!(!m(
            "Microsoft.KeyVault/vaults/*/read",
            "Microsoft.KeyVault/vaults/secrets/readMetadata/action"
        ));
        assert!(m(
            "Microsoft.KeyVault/vaults/*/read",
            "Microsoft.KeyVault/vaults/storageaccounts/sas/read"
        ));
    }

    #[test]
    fn several_stars_and_overlaps() {
        assert!(m("a*b*c", "abc"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "acb"));
        assert!(!m("ab*ba", "aba"));
        assert!(m("ab*ba", "abba"));
        assert!(m("**", ""));
        assert!(!m("", "x"));
    }
}
