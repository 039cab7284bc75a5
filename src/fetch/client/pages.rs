//! Following a paged list to its end, safely: a link that does not parse, repeats a page or leaves the
//! first page's origin ends the listing with a failure, keeping what was read.

use std::collections::HashSet;

use reqwest::{Method, Url};
use serde_json::Value;

use super::messages::{scrub, short};
use super::{CallError, Client, Failure, Listing};
use crate::fetch::FetchError;
use crate::fetch::cloud::Endpoint;

const PAGE_LIMIT: usize = 10_000;

pub(super) fn origin(u: &Url) -> String {
    format!(
        "{}://{}:{}",
        u.scheme(),
        u.host_str().unwrap_or("").to_ascii_lowercase(),
        u.port_or_known_default().unwrap_or(0)
    )
}

impl Client {
    /// Follows `nextLink` / `@odata.nextLink` to the end. A link that does not parse, repeats, or leaves
    /// the first page's origin ends the listing with a failure (the items read so far are kept).
    pub async fn list(
        &self,
        plane: Endpoint,
        first: Url,
        depth: u32,
    ) -> Result<Listing, FetchError> {
        let mut out = Listing {
            depth,
            ..Listing::default()
        };
        let start_origin = origin(&first);
        let mut visited: HashSet<String> = HashSet::new();
        let mut url = first;
        loop {
            visited.insert(url.to_string());
            out.depth += 1;
            let page = match self.send(plane, Method::GET, &url, None, out.depth).await {
                Ok(v) => v,
                Err(CallError::Fatal(e)) => return Err(e),
                Err(CallError::Failed(f)) => {
                    out.error = Some(f);
                    return Ok(out);
                }
            };
            let mut page = page;
            let Some(Value::Array(values)) = page.get_mut("value").map(Value::take) else {
                out.error = Some(Failure::new(
                    None,
                    format!("{url}: the response has no `value` array"),
                ));
                return Ok(out);
            };
            out.items.extend(values);
            let next = page
                .get("nextLink")
                .filter(|v| !v.is_null())
                .or_else(|| page.get("@odata.nextLink").filter(|v| !v.is_null()));
            let next = match next {
                None => return Ok(out),
                Some(Value::String(s)) if s.trim().is_empty() => return Ok(out),
                Some(Value::String(s)) => s.trim().to_string(),
                Some(other) => {
                    out.error = Some(Failure::new(
                        None,
                        format!("broken pagination: nextLink is not a string ({other})"),
                    ));
                    return Ok(out);
                }
            };
            let parsed = match Url::parse(&next) {
                Ok(u) if u.host().is_some() => u,
                _ => {
                    out.error = Some(Failure::new(
                        None,
                        format!(
                            "broken pagination: nextLink '{}' is not a URL",
                            short(&scrub(&next, None))
                        ),
                    ));
                    return Ok(out);
                }
            };
            if origin(&parsed) != start_origin {
                out.error = Some(Failure::new(
                    None,
                    format!(
                        "broken pagination: nextLink '{}' leaves {start_origin}; not followed",
                        short(&scrub(&next, None))
                    ),
                ));
                return Ok(out);
            }
            if visited.contains(parsed.as_str()) {
                out.error = Some(Failure::new(
                    None,
                    format!(
                        "broken pagination: nextLink '{}' repeats a page already read",
                        short(&scrub(&next, None))
                    ),
                ));
                return Ok(out);
            }
            if visited.len() >= PAGE_LIMIT {
                out.error = Some(Failure::new(
                    None,
                    format!("stopped after {PAGE_LIMIT} pages"),
                ));
                return Ok(out);
            }
            url = parsed;
        }
    }
}
