//! Tokens out of text. A server's error body can echo the request's `Authorization` header, and a credential's
//! error can quote what it was given; none of it may reach stderr, a snapshot's `collectionErrors` or the
//! cache. Redaction runs on the whole text *before* anything cuts it short, so no prefix of a token survives.

/// What a removed token is replaced with.
pub const REDACTED: &str = "<redacted token>";

/// Fragments of a known token at least this long are removed too (a server may echo part of it).
const FRAGMENT: usize = 8;

/// Characters a bearer token or JWT is written with (base64, base64url, the JWT dots, and `~` from RFC 6750).
fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=')
}

/// The text with `known` (the token just sent, if any), every `Bearer <credentials>` and everything shaped
/// like a JWT (a run of token characters starting `eyJ`, the base64 of `{"`) replaced by [`REDACTED`].
/// Linear in the text's length, so it can run on a whole response body.
pub fn redact(text: &str, known: Option<&str>) -> String {
    let mut text = match known {
        Some(t) if t.len() >= 4 && text.contains(t) => text.replace(t, REDACTED),
        _ => text.to_string(),
    };
    text = redact_runs(&text);
    if let Some(t) = known.filter(|t| t.len() >= FRAGMENT) {
        text = redact_fragments(&text, t);
    }
    text
}

/// Removes bearer credentials and JWT-shaped runs.
fn redact_runs(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        let run_start = if b[i..].starts_with(b"eyJ") && (i == 0 || !is_token_char(b[i - 1])) {
            Some(i)
        } else if i + 6 < b.len()
            && b[i..i + 6].eq_ignore_ascii_case(b"bearer")
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
            && b[i + 6].is_ascii_whitespace()
        {
            let mut j = i + 6;
            while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
                j += 1;
            }
            Some(j)
        } else {
            None
        };
        let Some(start) = run_start else {
            i += 1;
            continue;
        };
        let mut end = start;
        while end < b.len() && is_token_char(b[end]) {
            end += 1;
        }
        // `eyJ` alone (or a short word after "bearer") is not worth hiding; anything longer might be a token.
        if end - start >= 4 {
            out.push_str(&text[copied..start]);
            out.push_str(REDACTED);
            copied = end;
            i = end;
        } else {
            i = start.max(i + 1);
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Removes every run of at least [`FRAGMENT`] characters that also occurs in `token`. Quadratic in the worst
/// case, so callers keep `text` bounded: only the cut, final message comes here after a full [`redact`].
fn redact_fragments(text: &str, token: &str) -> String {
    if text.len() > 64 * 1024 {
        return text.to_string();
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i + FRAGMENT <= b.len() {
        let Some(window) = text.get(i..i + FRAGMENT) else {
            i += 1;
            continue;
        };
        if !token.contains(window) {
            i += 1;
            continue;
        }
        let mut end = i + FRAGMENT;
        while end < b.len() && text.get(i..end + 1).is_some_and(|w| token.contains(w)) {
            end += 1;
        }
        out.push_str(&text[copied..i]);
        out.push_str(REDACTED);
        copied = end;
        i = end;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT: &str =
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwcyJ9.c2lnbmF0dXJlLXBhcnQ";

    #[test]
    fn known_tokens_bearer_values_and_jwts_are_removed() {
        assert_eq!(
            redact("echo Bearer abcdef123", Some("abcdef123")),
            "echo Bearer <redacted token>"
        );
        assert_eq!(
            redact("auth: bearer opaque-value.1234 denied", None),
            "auth: bearer <redacted token> denied"
        );
        let m = redact(&format!("{{\"message\":\"token {JWT} bad\"}}"), None);
        assert_eq!(m, "{\"message\":\"token <redacted token> bad\"}");
        assert!(serde_json::from_str::<serde_json::Value>(&m).is_ok());
        // A part of the known token, as a server that cut it would echo it.
        let m = redact(&format!("saw {} only", &JWT[40..70]), Some(JWT));
        assert!(!m.contains(&JWT[45..53]), "{m}");
        // Ordinary words stay.
        assert_eq!(redact("Bearer of bad news", None), "Bearer of bad news");
        assert_eq!(redact("eyJ", None), "eyJ");
        assert_eq!(
            redact("Forbidden: Zoë 日本", Some("tok")),
            "Forbidden: Zoë 日本"
        );
    }
}
