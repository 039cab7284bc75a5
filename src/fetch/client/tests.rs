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
        error_message(StatusCode::FORBIDDEN, arm),
        "Forbidden [AuthorizationFailed]: The client 'x' does not have authorization"
    );
    let kv = br#"{"error":{"code":"Forbidden","message":"Client address is not authorized","innererror":{"code":"ForbiddenByFirewall"}}}"#;
    assert!(error_message(StatusCode::FORBIDDEN, kv).contains("[ForbiddenByFirewall]"));
    assert_eq!(
        error_message(StatusCode::BAD_GATEWAY, b"<html>oops</html>"),
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
fn tokens_are_scrubbed() {
    assert_eq!(
        scrub("echo Bearer abcdef123".into(), "abcdef123"),
        "echo Bearer <redacted token>"
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
