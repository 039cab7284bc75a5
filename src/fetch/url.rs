//! Request URLs: a path below an endpoint, with the api-version and OData parameters spelled as Azure's own
//! examples write them.

use super::Failure;

/// Percent-encodes a query component, leaving `$`, parentheses, commas and quotes as Azure's own
/// examples write them (`$filter=atScopeAndBelow()`, `$select=id,displayName`).
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~$(),'".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Joins a path below an endpoint and adds the api-version and other query parameters.
pub(crate) fn url_at(
    base: &reqwest::Url,
    path: &str,
    api_version: Option<&str>,
    extra: &[(&str, &str)],
) -> Result<reqwest::Url, Failure> {
    let mut u = base
        .join(path.trim_start_matches('/'))
        .map_err(|e| Failure {
            status: None,
            message: format!("cannot form a URL from '{path}': {e}"),
        })?;
    let mut query: Vec<String> = u
        .query()
        .filter(|q| !q.is_empty())
        .map(str::to_string)
        .into_iter()
        .collect();
    if let Some(v) = api_version {
        query.push(format!("api-version={}", query_escape(v)));
    }
    for (k, v) in extra {
        query.push(format!("{}={}", query_escape(k), query_escape(v)));
    }
    if !query.is_empty() {
        u.set_query(Some(&query.join("&")));
    }
    Ok(u)
}
