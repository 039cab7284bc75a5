//! Which actions an ABAC condition restricts, and what it decides when the request names a secret.
//!
//! Azure's conditions follow a documented pattern: `(!(ActionMatches{'X'}) OR <test>)`, possibly several
//! such clauses joined by `AND`. A clause only bites when the requested action matches one of its `X`s; for
//! every other action it is vacuously true. A `<test>` that only compares the secret's name is decided when
//! the request names a secret ([`attribute`], docs/semantics.md D10); any other test depends on request
//! attributes kvaccess does not know, so a biting condition makes the grant *conditional* — never a silent
//! allow. Anything not in that shape is treated as biting on every action.
//!
//! Conditions come from the snapshot, so they may be hostile: every step here is linear in the condition's
//! length (no recursion, no rescanning per nesting level), and a condition nested deeper than [`MAX_DEPTH`]
//! is not analysed at all: it bites on every action, and `validate` reports it ([`check`]).

mod attribute;
mod parsed;

use crate::eval::pattern::ActionPattern;
use attribute::Truth;
pub use parsed::{Facts, Parsed};

/// The deepest nesting of parentheses and braces analysed. Azure's own conditions nest a handful of levels.
pub const MAX_DEPTH: usize = 64;

/// Why a condition is not analysed, for `validate`; `None` when it is within limits.
pub fn check(condition: &str) -> Option<String> {
    let depth = max_depth(condition);
    (depth > MAX_DEPTH).then(|| {
        format!(
            "the condition nests {depth} levels deep (more than {MAX_DEPTH}): kvaccess does not analyse it and treats it as restricting every action"
        )
    })
}

/// The deepest nesting of parentheses and braces outside quotes, in one pass.
fn max_depth(s: &str) -> usize {
    let mut depth = 0usize;
    let mut max = 0;
    let mut quoted = false;
    for b in s.bytes() {
        match b {
            b'\'' => quoted = !quoted,
            b'(' | b'{' if !quoted => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b'}' if !quoted => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// What a condition does to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// It does not restrict the action, or its test holds: the grant applies.
    Holds,
    /// Its test fails for the secret named: the grant does not apply.
    Fails,
    /// It restricts the action and kvaccess cannot decide it: the grant is conditional.
    Restricts,
}

/// Whether the condition can restrict `action` (lower-cased) when no secret is named.
pub fn restricts(condition: &str, action_lower: &str) -> bool {
    effect(condition, action_lower, None) != Effect::Holds
}

/// The condition's effect on `action` (lower-cased) for a request about the secret named `secret` (`None`:
/// a vault, or another kind of item): clauses whose guard matches the action are decided where their test
/// only compares the secret's name (docs/semantics.md D10).
pub fn effect(condition: &str, action_lower: &str, secret: Option<&str>) -> Effect {
    if max_depth(condition) > MAX_DEPTH {
        return Effect::Restricts;
    }
    let Some(clauses) = split_top_level(strip_parens(condition.trim()), "and") else {
        return Effect::Restricts;
    };
    let mut effect = Effect::Holds;
    for clause in clauses {
        match clause_truth(clause, action_lower, secret) {
            Truth::True => {}
            Truth::False => return Effect::Fails,
            Truth::Unknown => effect = Effect::Restricts,
        }
    }
    effect
}

/// Whether the condition tests the secret's name anywhere: its answer can then differ from secret to secret.
pub fn names_the_secret(condition: &str) -> bool {
    condition
        .to_ascii_lowercase()
        .contains("microsoft.keyvault/vaults/secrets:name")
}

/// For a vault-level answer: the condition in words when every clause that bites on `action` only compares
/// the secret's name — `secrets whose name starts with 'app-'` — else `None`.
pub fn on_items_named(condition: &str, action_lower: &str) -> Option<String> {
    if max_depth(condition) > MAX_DEPTH {
        return None;
    }
    let clauses = split_top_level(strip_parens(condition.trim()), "and")?;
    let mut words = Vec::new();
    for clause in clauses {
        let (guard_matches, tests) = guarded(clause, action_lower)?;
        if !guard_matches {
            continue;
        }
        let [test] = tests.as_slice() else {
            return None;
        };
        words.push(attribute::comparison(strip_parens(test))?.describe());
    }
    (!words.is_empty()).then(|| format!("secrets {}", words.join(" and ")))
}

/// A clause `(!(ActionMatches{…})) OR <test> OR …` for `action`: true when the guard does not match or a
/// test holds for the secret named.
fn clause_truth(clause: &str, action_lower: &str, secret: Option<&str>) -> Truth {
    match guarded(clause, action_lower) {
        // A guard alone is not the documented shape: it restricts whatever the action.
        None => Truth::Unknown,
        Some((_, tests)) if tests.is_empty() => Truth::Unknown,
        Some((false, _)) => Truth::True,
        Some((true, tests)) => {
            let truths: Vec<Truth> = tests.iter().map(|t| attribute::truth(t, secret)).collect();
            if truths.contains(&Truth::True) {
                Truth::True
            } else if truths.contains(&Truth::Unknown) {
                Truth::Unknown
            } else {
                Truth::False
            }
        }
    }
}

/// A clause split into whether its `!(ActionMatches…)` guard matches `action`, and the tests ORed after
/// it; `None` when the clause is not in that shape.
fn guarded<'c>(clause: &'c str, action_lower: &str) -> Option<(bool, Vec<&'c str>)> {
    let parts = split_top_level(strip_parens(clause.trim()), "or")?;
    let (first, tests) = parts.split_first()?;
    let guard = strip_parens(first.trim());
    let negated = strip_parens(guard.strip_prefix('!')?.trim());
    let actions = split_top_level(negated, "or")?;
    let mut matches = false;
    for a in actions {
        let p = action_matches_argument(strip_parens(a.trim()))?;
        matches |= ActionPattern::new(p).matches_lower(action_lower);
    }
    Some((matches, tests.to_vec()))
}

/// `ActionMatches{'X'}` or `SubOperationMatches{'X'}` → `X`.
fn action_matches_argument(s: &str) -> Option<&str> {
    let rest = s
        .strip_prefix("ActionMatches{")
        .or_else(|| s.strip_prefix("SubOperationMatches{"))?;
    let inner = rest.strip_suffix('}')?.trim();
    inner.strip_prefix('\'')?.strip_suffix('\'')
}

/// Removes parentheses that enclose the whole expression, all levels in one pass: the closing parenthesis
/// of every opening one is found once (quotes respected), then the pairs around the whole are peeled off.
fn strip_parens(s: &str) -> &str {
    let t = s.trim();
    if !t.starts_with('(') {
        return t;
    }
    let bytes = t.as_bytes();
    let mut closing = vec![usize::MAX; bytes.len()];
    let mut open = Vec::new();
    let mut quoted = false;
    for (i, &c) in bytes.iter().enumerate() {
        match c {
            b'\'' => quoted = !quoted,
            b'(' if !quoted => open.push(i),
            b')' if !quoted => {
                if let Some(o) = open.pop() {
                    closing[o] = i;
                }
            }
            _ => {}
        }
    }
    // `t[lo..hi]` is the current expression, trimmed.
    let (mut lo, mut hi) = (0, t.len());
    while hi > lo + 1 && bytes[lo] == b'(' && bytes[hi - 1] == b')' && closing[lo] == hi - 1 {
        let inner = &t[lo + 1..hi - 1];
        let start = lo + 1 + (inner.len() - inner.trim_start().len());
        let end = start + inner.trim().len();
        (lo, hi) = (start, end);
    }
    &t[lo..hi]
}

/// Splits on a keyword (`AND`/`OR`, any case) outside parentheses, braces and quotes. `None` when the
/// brackets do not balance.
fn split_top_level<'a>(s: &'a str, keyword: &str) -> Option<Vec<&'a str>> {
    let bytes = s.as_bytes();
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quoted = false;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' => quoted = !quoted,
            b'(' | b'{' if !quoted => depth += 1,
            b')' | b'}' if !quoted => depth -= 1,
            _ if !quoted && depth == 0 && is_keyword_at(s, i, keyword) => {
                parts.push(&s[start..i]);
                i += keyword.len();
                start = i;
                continue;
            }
            _ => {}
        }
        if depth < 0 {
            return None;
        }
        i += 1;
    }
    if depth != 0 || quoted {
        return None;
    }
    parts.push(&s[start..]);
    Some(parts)
}

fn is_keyword_at(s: &str, i: usize, keyword: &str) -> bool {
    let end = i + keyword.len();
    let Some(word) = s.get(i..end) else {
        return false;
    };
    let before = i == 0
        || s.as_bytes()
            .get(i - 1)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b')');
    let after = s
        .as_bytes()
        .get(end)
        .is_none_or(|b| b.is_ascii_whitespace() || *b == b'(');
    word.eq_ignore_ascii_case(keyword) && before && after
}

#[cfg(test)]
mod tests {
    use super::restricts;

    const KVDAA: &str = "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals{00482a5a-887f-4fb3-b363-3b7fe8e74483})) AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals{00482a5a-887f-4fb3-b363-3b7fe8e74483}))";

    #[test]
    fn delegation_condition_restricts_only_role_assignment_writes_and_deletes() {
        assert!(restricts(
            KVDAA,
            "microsoft.authorization/roleassignments/write"
        ));
        assert!(restricts(
            KVDAA,
            "microsoft.authorization/roleassignments/delete"
        ));
        assert!(!restricts(
            KVDAA,
            "microsoft.authorization/roleassignments/read"
        ));
        assert!(!restricts(KVDAA, "microsoft.keyvault/vaults/read"));
    }

    #[test]
    fn secret_name_condition() {
        let c = "((!(ActionMatches{'Microsoft.KeyVault/vaults/secrets/getSecret/action'})) OR (@Resource[Microsoft.KeyVault/vaults/secrets:name] StringStartsWith 'app-'))";
        assert!(restricts(
            c,
            "microsoft.keyvault/vaults/secrets/getsecret/action"
        ));
        assert!(!restricts(
            c,
            "microsoft.keyvault/vaults/secrets/readmetadata/action"
        ));
    }

    #[test]
    fn several_actions_in_one_guard() {
        let c = "(!(ActionMatches{'a/read'} OR ActionMatches{'b/*'})) OR (@Resource[x] StringEquals 'y')";
        assert!(restricts(c, "a/read"));
        assert!(restricts(c, "b/c/d"));
        assert!(!restricts(c, "c/read"));
    }

    #[test]
    fn anything_else_restricts_everything() {
        assert!(restricts(
            "@Resource[Microsoft.Storage/x:name] StringEquals 'y'",
            "anything"
        ));
        assert!(restricts(
            "(ActionMatches{'a'}) OR (@Resource[x] StringEquals 'y')",
            "b"
        ));
        assert!(restricts("((broken", "b"));
        assert!(restricts("", "b"));
    }

    #[test]
    fn parentheses_are_peeled_as_before() {
        use super::strip_parens;
        assert_eq!(strip_parens("  ( ( a ) )  "), "a");
        assert_eq!(strip_parens("(a) OR (b)"), "(a) OR (b)");
        assert_eq!(strip_parens("((a) OR (b))"), "(a) OR (b)");
        assert_eq!(strip_parens("(')')"), "')'");
        assert_eq!(strip_parens("()"), "");
        assert_eq!(strip_parens("((x)"), "((x)");
        assert_eq!(strip_parens("(é (日))"), "é (日)");
    }

    #[test]
    fn deep_nesting_is_refused_in_linear_time_without_recursion() {
        // 20 000 levels (40 KB) around the delegation condition, and 100 000 (200 KB): both are answered
        // "restricts" at once and reported by `check`; the shallow one is analysed as usual.
        for n in [20_000, 100_000] {
            let deep = format!("{}{KVDAA}{}", "(".repeat(n), ")".repeat(n));
            assert!(restricts(&deep, "microsoft.keyvault/vaults/read"));
            let why = super::check(&deep).unwrap();
            assert!(
                why.contains(&format!("nests {} levels deep", n + 4)),
                "{why}"
            );
        }
        let shallow = format!("{}{KVDAA}{}", "(".repeat(40), ")".repeat(40));
        assert!(super::check(&shallow).is_none());
        assert!(!restricts(&shallow, "microsoft.keyvault/vaults/read"));
        assert!(restricts(
            &shallow,
            "microsoft.authorization/roleassignments/write"
        ));
    }
}
