use super::messages::{error_message, retry_after, scrub};
use super::*;
use reqwest::header::{HeaderMap, HeaderValue};

#[test]
fn retry_after_forms() {
    let mut h = HeaderMap::new();
    h.insert("retry-after", HeaderValue::from_static("2"));
    assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
    h.insert("x-ms-retry-after-ms", HeaderValue::from_static("1500"));
    assert_eq!(retry_after(&h), Some(Duration::from_millis(1500)));
    let mut h = HeaderMap::new();
    h.insert(
        "retry-after",
        HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
    );
    assert_eq!(retry_after(&h), Some(Duration::ZERO), "a date in the past");
    let mut h = HeaderMap::new();
    h.insert("retry-after", HeaderValue::from_static("soon"));
    assert_eq!(retry_after(&h), None);
}

#[test]
fn error_bodies_of_each_plane() {
    let arm = br#"{"error":{"code":"AuthorizationFailed","message":"The client 'x' does not have authorization"}}"#;
    assert_eq!(
        error_message(StatusCode::FORBIDDEN, arm, None),
        "Forbidden [AuthorizationFailed]: The client 'x' does not have authorization"
    );
    let kv = br#"{"error":{"code":"Forbidden","message":"Client address is not authorized","innererror":{"code":"ForbiddenByFirewall"}}}"#;
    assert!(error_message(StatusCode::FORBIDDEN, kv, None).contains("[ForbiddenByFirewall]"));
    assert_eq!(
        error_message(StatusCode::BAD_GATEWAY, b"<html>oops</html>", None),
        "Bad Gateway: <html>oops</html>"
    );
}

#[test]
fn spacing_grows_as_the_bucket_empties() {
    assert_eq!(spacing_for(500, 100), Duration::ZERO);
    assert_eq!(spacing_for(60, 100), Duration::from_millis(40));
    assert_eq!(spacing_for(5, 100), Duration::from_millis(250));
    assert_eq!(spacing_for(0, 100), Duration::from_secs(1));
}

#[test]
fn tokens_are_scrubbed_before_messages_are_cut() {
    assert_eq!(
        scrub("echo Bearer abcdef123", Some("abcdef123")),
        "echo Bearer <redacted token>"
    );
    // A long token echoed in a long message: cutting first would keep a prefix of it.
    let token = format!(
        "eyJ{}.{}.{}",
        "a1".repeat(400),
        "b2".repeat(300),
        "c3".repeat(100)
    );
    let body = format!(
        r#"{{"error":{{"code":"AuthorizationFailed","message":"{} Authorization: Bearer {token}"}}}}"#,
        "x".repeat(20)
    );
    for secret in [Some(token.as_str()), None] {
        let m = error_message(StatusCode::FORBIDDEN, body.as_bytes(), secret);
        assert!(m.contains("<redacted token>"), "{m}");
        assert!(!m.contains("a1a1a1a1"), "{m}");
        let text = format!("<html>{token}</html>");
        let m = error_message(StatusCode::BAD_GATEWAY, text.as_bytes(), secret);
        assert!(!m.contains("a1a1a1a1"), "{m}");
    }
    let e = serde_json::from_slice::<Value>(token.as_bytes()).unwrap_err();
    let m = super::messages::malformed_message(&e, token.as_bytes(), Some(&token));
    assert!(!m.contains("a1a1a1a1"), "{m}");
}

#[test]
fn absurd_retry_after_values_are_capped_or_ignored() {
    use super::messages::RETRY_AFTER_CAP;
    let wait = |name: &'static str, value: &'static str| {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_static(value));
        retry_after(&h)
    };
    assert_eq!(wait("retry-after", "1e20"), Some(RETRY_AFTER_CAP));
    assert_eq!(wait("retry-after", "1e308"), Some(RETRY_AFTER_CAP));
    assert_eq!(wait("retry-after-ms", "1e30"), Some(RETRY_AFTER_CAP));
    assert_eq!(
        wait("x-ms-retry-after-ms", "18446744073709551615000"),
        Some(RETRY_AFTER_CAP)
    );
    assert_eq!(wait("retry-after", "-5"), None);
    assert_eq!(wait("retry-after", "NaN"), None);
    assert_eq!(wait("retry-after", "inf"), None);
    assert_eq!(
        wait("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"),
        Some(RETRY_AFTER_CAP)
    );
}

#[test]
fn origins_compare_default_ports() {
    let a = Url::parse("https://kv.vault.azure.net/secrets?x=1").unwrap();
    let b =
        Url::parse("https://KV.vault.azure.net:443/secrets?api-version=7.2&$skiptoken=a").unwrap();
    assert_eq!(origin(&a), origin(&b));
    let c = Url::parse("http://kv.vault.azure.net/secrets").unwrap();
    assert_ne!(origin(&a), origin(&c));
}
