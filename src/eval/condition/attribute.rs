//! The attribute test of a condition clause (the part after `OR`), decided when it only compares the
//! secret's name (`@Resource[Microsoft.KeyVault/vaults/secrets:name]`, or `@Request[…]` for `setSecret` and
//! `restore`) and the request names a secret (docs/semantics.md D10). Every other attribute is unknown here.
//!
//! Three-valued: a comparison of an unknown attribute is unknown, and unknown survives `AND`/`OR` unless the
//! other side decides. String operators are case-sensitive (KV-ABAC); since a request may name the secret in
//! another case than Key Vault stores it, a comparison whose answer depends on case stays unknown.

use super::{split_top_level, strip_parens};

/// True, false or unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    fn from(b: bool) -> Self {
        if b { Self::True } else { Self::False }
    }

    fn not(self) -> Self {
        match self {
            Self::True => Self::False,
            Self::False => Self::True,
            Self::Unknown => Self::Unknown,
        }
    }
}

/// The attribute whose value kvaccess knows when the request names a secret.
const SECRET_NAME: &str = "microsoft.keyvault/vaults/secrets:name";

/// The test's truth for a request about the secret `secret` (`None`: no secret named).
pub fn truth(test: &str, secret: Option<&str>) -> Truth {
    let test = strip_parens(test);
    for (keyword, any) in [("or", true), ("and", false)] {
        match split_top_level(test, keyword) {
            None => return Truth::Unknown,
            Some(parts) if parts.len() > 1 => {
                let truths = parts.iter().map(|p| truth(p, secret));
                return combine(truths, any);
            }
            Some(_) => {}
        }
    }
    if let Some(rest) = test.strip_prefix('!') {
        return truth(rest, secret).not();
    }
    if let Some(rest) = test.get(..4).filter(|w| w.eq_ignore_ascii_case("not ")) {
        return truth(&test[rest.len()..], secret).not();
    }
    comparison(test).map_or(Truth::Unknown, |c| c.truth(secret))
}

/// `OR` (`any`) or `AND` of truths.
fn combine(truths: impl Iterator<Item = Truth>, any: bool) -> Truth {
    let (decisive, other) = if any {
        (Truth::True, Truth::False)
    } else {
        (Truth::False, Truth::True)
    };
    let mut result = other;
    for t in truths {
        if t == decisive {
            return decisive;
        }
        if t == Truth::Unknown {
            result = Truth::Unknown;
        }
    }
    result
}

/// How a comparison matches one value on the right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Equals,
    StartsWith,
    EndsWith,
    Contains,
    Like,
}

/// A comparison of the secret's name with literal values.
#[derive(Debug, PartialEq, Eq)]
pub struct Comparison {
    op: Op,
    negated: bool,
    ignore_case: bool,
    /// Cross-product operators over a single-valued attribute: true when every value must match
    /// (`For…OfAllValues`), false when one suffices (`For…OfAnyValues`, or a single value).
    all: bool,
    values: Vec<String>,
}

/// `@Resource[Microsoft.KeyVault/vaults/secrets:name] StringStartsWith 'app-'` and the like; `None` for
/// any other attribute, operator or shape.
pub fn comparison(text: &str) -> Option<Comparison> {
    let text = text.trim();
    let rest = text
        .strip_prefix("@Resource[")
        .or_else(|| text.strip_prefix("@Request["))?;
    let (attribute, rest) = rest.split_once(']')?;
    if !attribute.trim().eq_ignore_ascii_case(SECRET_NAME) {
        return None;
    }
    let rest = rest.trim_start();
    let end = rest.find(|c: char| c.is_whitespace() || c == '\'' || c == '{')?;
    let (operator, values) = rest.split_at(end);
    let (all, operator) = match operator.split_once(':') {
        Some((cross, op)) => (cross_product(cross)?, op),
        None => (false, operator),
    };
    let lower = operator.to_ascii_lowercase();
    let base = lower.strip_prefix("string")?;
    let (base, ignore_case) = match base.strip_suffix("ignorecase") {
        Some(b) => (b, true),
        None => (base, false),
    };
    let (base, negated) = match base.strip_prefix("not") {
        Some(b) => (b, true),
        None => (base, false),
    };
    let op = match base {
        "equals" => Op::Equals,
        "startswith" => Op::StartsWith,
        "endswith" => Op::EndsWith,
        "contains" => Op::Contains,
        "like" => Op::Like,
        _ => return None,
    };
    let values = literals(values.trim())?;
    // A list of values needs a cross-product operator.
    if values.len() != 1 && !operator_is_cross(rest) {
        return None;
    }
    Some(Comparison {
        op,
        negated,
        ignore_case,
        all,
        values,
    })
}

fn operator_is_cross(rest: &str) -> bool {
    rest.split_whitespace()
        .next()
        .is_some_and(|w| w.contains(':'))
}

/// `ForAnyOfAnyValues` → false (one value suffices), `ForAnyOfAllValues` → true (every value must match).
/// The attribute is single-valued, so `ForAllOf…` reads as `ForAnyOf…`.
fn cross_product(word: &str) -> Option<bool> {
    match word.to_ascii_lowercase().as_str() {
        "foranyofanyvalues" | "forallofanyvalues" => Some(false),
        "foranyofallvalues" | "forallofallvalues" => Some(true),
        _ => None,
    }
}

/// `'x'` or `{'a', 'b'}`: the quoted strings, nothing else.
fn literals(text: &str) -> Option<Vec<String>> {
    let inner = match text.strip_prefix('{') {
        Some(r) => r.strip_suffix('}')?,
        None => text,
    };
    let mut out = Vec::new();
    for part in inner.split(',') {
        let part = part.trim();
        let value = part.strip_prefix('\'')?.strip_suffix('\'')?;
        if value.contains('\'') {
            return None;
        }
        out.push(value.to_string());
    }
    (!out.is_empty()).then_some(out)
}

impl Comparison {
    fn truth(&self, secret: Option<&str>) -> Truth {
        let Some(name) = secret else {
            return Truth::Unknown;
        };
        let folded = self.holds(&name.to_lowercase(), true);
        if self.ignore_case {
            return Truth::from(folded);
        }
        let exact = self.holds(name, false);
        if exact == folded {
            Truth::from(exact)
        } else {
            Truth::Unknown
        }
    }

    /// The comparison's result for `name`, ignoring case when `fold` (then `name` is lower-cased).
    fn holds(&self, name: &str, fold: bool) -> bool {
        let one = |v: &String| {
            let v = if fold { v.to_lowercase() } else { v.clone() };
            let hit = match self.op {
                Op::Equals => name == v,
                Op::StartsWith => name.starts_with(&v),
                Op::EndsWith => name.ends_with(&v),
                Op::Contains => name.contains(&v),
                Op::Like => like(name, &v),
            };
            hit != self.negated
        };
        if self.all {
            self.values.iter().all(one)
        } else {
            self.values.iter().any(one)
        }
    }

    /// The comparison in words, for a vault-level answer: `whose name starts with 'app-'`.
    pub fn describe(&self) -> String {
        let verb = match (self.op, self.negated) {
            (Op::Equals, false) => "is",
            (Op::Equals, true) => "is not",
            (Op::StartsWith, false) => "starts with",
            (Op::StartsWith, true) => "does not start with",
            (Op::EndsWith, false) => "ends with",
            (Op::EndsWith, true) => "does not end with",
            (Op::Contains, false) => "contains",
            (Op::Contains, true) => "does not contain",
            (Op::Like, false) => "matches",
            (Op::Like, true) => "does not match",
        };
        let quoted: Vec<String> = self.values.iter().map(|v| format!("'{v}'")).collect();
        let joiner = if self.all { " and " } else { " or " };
        let case = if self.ignore_case { " (any case)" } else { "" };
        format!("whose name {verb} {}{case}", quoted.join(joiner))
    }
}

/// `StringLike`: `*` any run of characters, `?` one character, `\*` and `\?` themselves. Greedy matching
/// with one backtrack point: time is at most the product of the two lengths.
fn like(name: &str, pattern: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Tok {
        Char(char),
        One,
        Any,
    }
    let mut toks = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('*' | '?')) => toks.push(Tok::Char(e)),
                Some(e) => toks.extend([Tok::Char('\\'), Tok::Char(e)]),
                None => toks.push(Tok::Char('\\')),
            },
            '*' => toks.push(Tok::Any),
            '?' => toks.push(Tok::One),
            c => toks.push(Tok::Char(c)),
        }
    }
    let name: Vec<char> = name.chars().collect();
    let (mut n, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match toks.get(p) {
            Some(Tok::Any) => {
                star = Some((p, n));
                p += 1;
            }
            Some(Tok::One) => {
                n += 1;
                p += 1;
            }
            Some(Tok::Char(c)) if name.get(n) == Some(c) => {
                n += 1;
                p += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    toks[p..].iter().all(|t| *t == Tok::Any)
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: &str = "@Resource[Microsoft.KeyVault/vaults/secrets:name]";

    #[test]
    fn documented_operator_examples() {
        // conditions-format: StringLike 'a*c?' matches "abcd"; 'A*C?' does not (case-sensitive); 'a*c' does not.
        assert!(like("abcd", "a*c?"));
        assert!(!like("abcd", "a*c"));
        // 'A*C?' fails "abcd" only by case: a request may spell the name in either case, so it stays open.
        assert_eq!(
            truth(&format!("{N} StringLike 'A*C?'"), Some("abcd")),
            Truth::Unknown
        );
        assert_eq!(
            truth(&format!("{N} StringLike 'x*'"), Some("abcd")),
            Truth::False
        );
        assert!(like("a*b", "a\\*b"));
        assert!(!like("axb", "a\\*b"));
        assert!(like("", "*"));
        assert!(!like("", "?"));
    }

    #[test]
    fn kv_abac_examples() {
        // KV-ABAC: StringStartsWith 'test-app' admits test-app-secret1, not test-db-password.
        let c = format!("{N} StringStartsWith 'test-app'");
        assert_eq!(truth(&c, Some("test-app-secret1")), Truth::True);
        assert_eq!(truth(&c, Some("test-db-password")), Truth::False);
        // …nor Test-App-Secret1 (case-sensitive); but a request may spell a name in another case than Key
        // Vault stores it, so an answer that depends on case stays unknown.
        assert_eq!(truth(&c, Some("Test-App-Secret1")), Truth::Unknown);
        assert_eq!(truth(&c, None), Truth::Unknown);
        let like =
            "@Request[Microsoft.KeyVault/vaults/secrets:name] StringLike 'api-key-*'".to_string();
        assert_eq!(truth(&like, Some("api-key-1")), Truth::True);
        assert_eq!(truth(&like, Some("api-1")), Truth::False);
    }

    #[test]
    fn operators_lists_and_logic() {
        let eq = format!("{N} StringEquals 'x'");
        assert_eq!(truth(&eq, Some("x")), Truth::True);
        assert_eq!(truth(&eq, Some("y")), Truth::False);
        let ne = format!("{N} StringNotEquals 'x'");
        assert_eq!(truth(&ne, Some("y")), Truth::True);
        let any = format!("{N} ForAnyOfAnyValues:StringEquals {{'a', 'b'}}");
        assert_eq!(truth(&any, Some("b")), Truth::True);
        assert_eq!(truth(&any, Some("c")), Truth::False);
        let all = format!("{N} ForAnyOfAllValues:StringStartsWith {{'a', 'ab'}}");
        assert_eq!(truth(&all, Some("abc")), Truth::True);
        assert_eq!(truth(&all, Some("acb")), Truth::False);
        let ic = format!("{N} StringEqualsIgnoreCase 'ABC'");
        assert_eq!(truth(&ic, Some("abc")), Truth::True);
        // A list without a cross-product operator, another attribute: not decided.
        assert_eq!(
            truth(&format!("{N} StringEquals {{'a', 'b'}}"), Some("a")),
            Truth::Unknown
        );
        let vault = "@Resource[Microsoft.KeyVault/vaults:name] StringStartsWith 'kv-prod'";
        assert_eq!(truth(vault, Some("api-1")), Truth::Unknown);
        // KV-ABAC's combined example: the vault part unknown, the secret part decides when false.
        let both = format!("({vault} AND {N} StringStartsWith 'api-')");
        assert_eq!(truth(&both, Some("api-1")), Truth::Unknown);
        assert_eq!(truth(&both, Some("db-1")), Truth::False);
        let either = format!("({vault}) OR ({N} StringStartsWith 'api-')");
        assert_eq!(truth(&either, Some("api-1")), Truth::True);
        assert_eq!(truth(&either, Some("db-1")), Truth::Unknown);
        assert_eq!(
            truth(&format!("!({N} StringEquals 'x')"), Some("x")),
            Truth::False
        );
        assert_eq!(
            truth(&format!("NOT ({N} StringEquals 'x')"), Some("y")),
            Truth::True
        );
    }

    #[test]
    fn described_in_words() {
        let c = comparison(&format!("{N} StringStartsWith 'app-'")).unwrap();
        assert_eq!(c.describe(), "whose name starts with 'app-'");
        let c = comparison(&format!("{N} ForAnyOfAnyValues:StringEquals {{'a', 'b'}}")).unwrap();
        assert_eq!(c.describe(), "whose name is 'a' or 'b'");
    }
}
