//! What a server said, made fit to record and show: Azure's error bodies of each plane, `Retry-After` in its
//! forms, transport errors without their URLs, tokens scrubbed, and every message cut short and cleaned of
//! control characters (error texts can echo attacker-controlled names).

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

pub(super) fn short(s: &str) -> String {
    let s: String = s.chars().filter(|c| !c.is_control()).collect();
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(200).collect::<String>())
    } else {
        s
    }
}

pub(super) fn scrub(message: String, token: &str) -> String {
    if token.len() >= 4 && message.contains(token) {
        message.replace(token, "<redacted token>")
    } else {
        message
    }
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

/// `Retry-After` (seconds or an HTTP date) or Azure's `retry-after-ms` / `x-ms-retry-after-ms`.
pub(super) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
        {
            return Some(Duration::from_secs_f64(ms / 1000.0));
        }
    }
    let v = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let when =
        time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc2822).ok()?;
    let now = time::OffsetDateTime::now_utc();
    let secs = (when - now).as_seconds_f64().max(0.0);
    Some(Duration::from_secs_f64(secs))
}

/// `{ "error": { "code", "message", "innererror": { "code" } } }` (ARM, Graph, Key Vault), or the text.
pub(super) fn error_message(status: StatusCode, body: &[u8]) -> String {
    let reason = status.canonical_reason().unwrap_or("");
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let err = parsed.as_ref().and_then(|v| v.get("error"));
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let code = text(err.and_then(|e| e.get("code")));
    let inner = text(err.and_then(|e| e.pointer("/innererror/code")));
    let message = text(err.and_then(|e| e.get("message")))
        .or_else(|| text(parsed.as_ref().and_then(|v| v.get("message"))))
        .or_else(|| text(parsed.as_ref().and_then(|v| v.get("error_description"))))
        .unwrap_or_else(|| {
            let t = String::from_utf8_lossy(body);
            short(t.trim())
        });
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
    out
}

pub(super) fn malformed_message(e: &serde_json::Error, bytes: &[u8]) -> String {
    let excerpt = short(String::from_utf8_lossy(&bytes[..bytes.len().min(80)]).trim());
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
