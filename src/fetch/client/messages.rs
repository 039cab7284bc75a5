//! What a server said, made fit to record and show: Azure's error bodies of each plane, `Retry-After` in its
//! forms, transport errors without their URLs, tokens scrubbed, and every message cut short and cleaned of
//! control characters (error texts can echo attacker-controlled names).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::sanitize::secrets::redact;

pub(super) fn short(s: &str) -> String {
    let s: String = s.chars().filter(|c| !c.is_control()).collect();
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(200).collect::<String>())
    } else {
        s
    }
}

/// The token sent, bearer values and JWT-shaped text removed. Runs on whole bodies, before [`short`] cuts
/// them, and again on the final message (which also removes fragments of the token sent).
pub(super) fn scrub(message: &str, token: Option<&str>) -> String {
    redact(message, token)
}

pub(super) fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(u) = e.url() {
        text = text.replace(&format!(" for url ({u})"), "");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The longest wait a header can ask for; anything longer is this (and then more than any run waits for, so
/// the request is recorded as throttled). Keeps absurd values (`1e20`, year 9999) from overflowing a clock.
pub(super) const RETRY_AFTER_CAP: Duration = Duration::from_secs(24 * 3600);

/// `Retry-After` (seconds or an HTTP date) or Azure's `retry-after-ms` / `x-ms-retry-after-ms`, at most
/// [`RETRY_AFTER_CAP`]. A value that is negative, not a number or not a date is ignored (the caller backs off
/// as if no header had come).
pub(super) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let seconds = |v: f64| {
        (v.is_finite() && v >= 0.0).then(|| {
            Duration::try_from_secs_f64(v)
                .unwrap_or(RETRY_AFTER_CAP)
                .min(RETRY_AFTER_CAP)
        })
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(wait) = header(name)
            .and_then(|v| v.parse::<f64>().ok())
            .and_then(|ms| seconds(ms / 1000.0))
        {
            return Some(wait);
        }
    }
    let v = header("retry-after")?;
    if let Ok(secs) = v.parse::<f64>() {
        return seconds(secs);
    }
    let when =
        time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc2822).ok()?;
    let now = time::OffsetDateTime::now_utc();
    seconds((when - now).as_seconds_f64().max(0.0))
}

/// A header's wait in words; the cap reads as what it is, not as a number the server never sent.
pub(super) fn wait_words(wait: Duration) -> String {
    if wait >= RETRY_AFTER_CAP {
        "of a day or more".to_string()
    } else {
        format!("{} s", wait.as_secs_f32())
    }
}

/// `{ "error": { "code", "message", "innererror": { "code" } } }` (ARM, Graph, Key Vault), or the text.
pub(super) fn error_message(status: StatusCode, body: &[u8], token: Option<&str>) -> String {
    let reason = status.canonical_reason().unwrap_or("");
    let body = scrub(&String::from_utf8_lossy(body), token);
    let parsed: Option<Value> = serde_json::from_str(&body).ok();
    let err = parsed.as_ref().and_then(|v| v.get("error"));
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let code = text(err.and_then(|e| e.get("code")));
    let inner = text(err.and_then(|e| e.pointer("/innererror/code")));
    let message = text(err.and_then(|e| e.get("message")))
        .or_else(|| text(parsed.as_ref().and_then(|v| v.get("message"))))
        .or_else(|| text(parsed.as_ref().and_then(|v| v.get("error_description"))))
        .unwrap_or_else(|| short(body.trim()));
    let mut out = reason.to_string();
    let squash = |s: &str| s.replace(' ', "").to_ascii_lowercase();
    for c in [code, inner].into_iter().flatten() {
        if squash(&c) != squash(reason) {
            out.push_str(&format!(" [{c}]"));
        }
    }
    if !message.is_empty() {
        out.push_str(": ");
        out.push_str(&short(&message));
    }
    scrub(&out, token)
}

pub(super) fn malformed_message(
    e: &serde_json::Error,
    bytes: &[u8],
    token: Option<&str>,
) -> String {
    // The excerpt is cut from the redacted body: a token the body starts with must not be cut first.
    let head = scrub(
        &String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]),
        token,
    );
    let excerpt = scrub(&short(&head.chars().take(80).collect::<String>()), token);
    let excerpt = excerpt.trim();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return "the server answered with an empty body where JSON was expected".to_string();
    }
    format!(
        "the server's answer is not valid JSON (line {}, column {}: {}); it starts with '{excerpt}'",
        e.line(),
        e.column(),
        e.to_string().split(" at line ").next().unwrap_or_default()
    )
}
