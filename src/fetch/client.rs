//! The HTTP client every collector shares: bearer tokens per plane, bounded concurrency, polite pacing
//! (429 + `Retry-After`, ARM's `x-ms-ratelimit-remaining-*`), jittered retries of 5xx and timeouts within
//! a budget, safe pagination, and counters.
//!
//! Two kinds of failure: a [`Failure`] (403, 404, throttled past the budget, a broken `nextLink` …) is
//! recorded as a collection error for the section being read and the run goes on; a response that is not
//! JSON at all is a fatal [`super::FetchError::Malformed`]: the run stops and nothing is written.

mod messages;
mod pacing;
mod pages;

#[cfg(test)]
use pacing::spacing_for;
use pages::origin;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode, Url};
use serde_json::Value;
use tokio::sync::Semaphore;

use messages::{error_message, malformed_message, retry_after, scrub, wait_words, without_url};

use super::FetchError;
use super::auth::Credentials;
use super::cloud::{CloudConfig, Endpoint, check_scheme};
use super::events::FetchStats;

/// Knobs of the HTTP layer. The defaults suit a real tenant; tests shrink the times.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Whole-request timeout of one attempt.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Attempts for a request failing with 5xx, a timeout or a connection error.
    pub max_attempts: u32,
    /// Attempts for a request answered 429.
    pub max_throttle_attempts: u32,
    /// First backoff step; doubled per retry, jittered, capped at `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// A `Retry-After` longer than this is not waited for: the section is recorded as throttled.
    pub max_retry_after: Duration,
    /// Total waiting allowed for one request across its retries.
    pub retry_budget: Duration,
    /// Below this many remaining reads (ARM's `x-ms-ratelimit-remaining-*`), requests to that host are spaced out.
    pub low_remaining: u64,
    /// Ignore `HTTP(S)_PROXY` (always the case when every endpoint is on loopback).
    pub no_proxy: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            concurrency: super::DEFAULT_CONCURRENCY,
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            max_attempts: 4,
            max_throttle_attempts: 6,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
            retry_budget: Duration::from_secs(600),
            low_remaining: 100,
            no_proxy: false,
        }
    }
}

/// Why one read failed; becomes a collection error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: Option<u16>,
    pub message: String,
}

impl Failure {
    pub(crate) fn new(status: Option<u16>, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

pub(crate) enum CallError {
    Failed(Failure),
    Fatal(FetchError),
}

/// Items of a paged list; `error` says why the listing stopped early (items read before it are kept).
#[derive(Debug, Default)]
pub(crate) struct Listing {
    pub items: Vec<Value>,
    pub error: Option<Failure>,
    /// Dependency depth after the last page (each page waits for the previous one).
    pub depth: u32,
}

pub(crate) struct Client {
    http: reqwest::Client,
    creds: Credentials,
    cloud: CloudConfig,
    opts: HttpOptions,
    permits: Semaphore,
    pace: Mutex<HashMap<String, pacing::HostPace>>,
    seen: Mutex<HashSet<String>>,
    requests: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    duplicates: AtomicU64,
    waited_ms: AtomicU64,
    depth: AtomicU32,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("cloud", &self.cloud.name)
            .field("credentials", &self.creds)
            .field("options", &self.opts)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Client {
    pub fn new(
        cloud: CloudConfig,
        creds: Credentials,
        opts: HttpOptions,
    ) -> Result<Self, FetchError> {
        let mut builder = reqwest::Client::builder()
            .timeout(opts.timeout)
            .connect_timeout(opts.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("kvaccess/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(opts.concurrency.max(1));
        if opts.no_proxy || cloud.all_loopback() {
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        Ok(Self {
            http,
            creds,
            cloud,
            permits: Semaphore::new(opts.concurrency.max(1)),
            opts,
            pace: Mutex::new(HashMap::new()),
            seen: Mutex::new(HashSet::new()),
            requests: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            waited_ms: AtomicU64::new(0),
            depth: AtomicU32::new(0),
        })
    }

    pub fn cloud(&self) -> &CloudConfig {
        &self.cloud
    }

    pub fn credentials(&self) -> &Credentials {
        &self.creds
    }

    pub fn stats(&self) -> FetchStats {
        FetchStats {
            requests: self.requests.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            duplicates: self.duplicates.load(Ordering::Relaxed),
            waited_ms: self.waited_ms.load(Ordering::Relaxed),
            elapsed_ms: 0,
            depth: self.depth.load(Ordering::Relaxed),
            concurrency: self.opts.concurrency as u32,
        }
    }

    /// Starts a new run's dependency-depth count (runs of one fetcher are not meant to overlap).
    pub fn reset_depth(&self) {
        self.depth.store(0, Ordering::Relaxed);
    }

    fn note_depth(&self, depth: u32) {
        self.depth.fetch_max(depth, Ordering::Relaxed);
    }

    /// Whether a token for this plane may be sent to `url`.
    fn check_url(&self, plane: Endpoint, url: &Url) -> Result<(), Failure> {
        check_scheme(url, "request").map_err(|e| Failure::new(None, e.to_string()))?;
        let allowed = match plane {
            Endpoint::Arm => origin(url) == origin(&self.cloud.resource_manager),
            Endpoint::Graph => origin(url) == origin(&self.cloud.microsoft_graph),
            Endpoint::Vault => self.cloud.vault_uri_allowed(url).is_ok(),
        };
        if allowed {
            Ok(())
        } else {
            Err(Failure::new(
                None,
                format!(
                    "{url} is not a {} endpoint of this cloud: not contacted",
                    plane.as_str()
                ),
            ))
        }
    }

    /// One request with retries. The token is scrubbed from every message that could carry it.
    pub async fn send(
        &self,
        plane: Endpoint,
        method: Method,
        url: &Url,
        body: Option<&Value>,
        depth: u32,
    ) -> Result<Value, CallError> {
        self.check_url(plane, url).map_err(CallError::Failed)?;
        let key = format!(
            "{method} {url} {}",
            body.map(|b| b.to_string()).unwrap_or_default()
        );
        if !lock(&self.seen).insert(key) {
            self.duplicates.fetch_add(1, Ordering::Relaxed);
        }
        self.note_depth(depth);
        let host = origin(url);
        let scope = self.cloud.scope(plane).to_string();
        let started = Instant::now();
        let mut attempts = 0u32;
        let mut throttles = 0u32;
        loop {
            let token =
                self.creds.token(plane, &scope).await.map_err(|e| {
                    CallError::Failed(Failure::new(None, scrub(&e.to_string(), None)))
                })?;
            let wait = self.reserve(&host);
            self.sleep(wait).await;
            attempts += 1;
            let result = {
                let _permit = self.permits.acquire().await;
                self.requests.fetch_add(1, Ordering::Relaxed);
                let mut req = self
                    .http
                    .request(method.clone(), url.clone())
                    .bearer_auth(token.secret())
                    .header("accept", "application/json");
                if let Some(b) = body {
                    req = req.json(b);
                }
                match req.send().await {
                    Ok(resp) => {
                        let status = resp.status();
                        let headers = resp.headers().clone();
                        match resp.bytes().await {
                            Ok(bytes) => Ok((status, headers, bytes)),
                            Err(e) => Err(e),
                        }
                    }
                    Err(e) => Err(e),
                }
            };
            let secret = Some(token.secret());
            let scrub = |s: String| scrub(&s, secret);
            let elapsed = started.elapsed();
            match result {
                Ok((status, headers, bytes)) if status.is_success() => {
                    self.observe_remaining(&host, &headers);
                    return serde_json::from_slice(&bytes).map_err(|e| {
                        CallError::Fatal(FetchError::Malformed {
                            url: url.to_string(),
                            message: malformed_message(&e, &bytes, secret),
                        })
                    });
                }
                Ok((status, headers, bytes)) => {
                    self.observe_remaining(&host, &headers);
                    let message = error_message(status, &bytes, secret);
                    let retry_after = retry_after(&headers);
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        self.throttled.fetch_add(1, Ordering::Relaxed);
                        throttles += 1;
                        let wait = retry_after.unwrap_or_else(|| self.backoff(throttles - 1));
                        if throttles >= self.opts.max_throttle_attempts
                            || wait > self.opts.max_retry_after
                            || elapsed.saturating_add(wait) > self.opts.retry_budget
                        {
                            return Err(CallError::Failed(Failure::new(
                                Some(429),
                                format!(
                                    "throttled past the retry budget after {throttles} attempt(s) (Retry-After {}; this run waits at most {} s per request): {message}",
                                    wait_words(wait),
                                    self.opts
                                        .max_retry_after
                                        .as_secs()
                                        .min(self.opts.retry_budget.as_secs())
                                ),
                            )));
                        }
                        // Everyone talking to this host waits: the bucket is shared.
                        self.pause(&host, wait);
                        self.retries.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    let transient =
                        status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT;
                    if transient {
                        let wait = retry_after.unwrap_or_else(|| self.backoff(attempts - 1));
                        if attempts < self.opts.max_attempts
                            && elapsed.saturating_add(wait) <= self.opts.retry_budget
                            && wait <= self.opts.max_retry_after
                        {
                            self.retries.fetch_add(1, Ordering::Relaxed);
                            self.sleep(wait).await;
                            continue;
                        }
                        let asked = match retry_after {
                            Some(w) if w > self.opts.max_retry_after => {
                                format!(
                                    "; Retry-After {} is past what this run waits",
                                    wait_words(w)
                                )
                            }
                            _ => String::new(),
                        };
                        return Err(CallError::Failed(Failure::new(
                            Some(status.as_u16()),
                            format!("{message} (gave up after {attempts} attempt(s){asked})"),
                        )));
                    }
                    return Err(CallError::Failed(Failure::new(
                        Some(status.as_u16()),
                        message,
                    )));
                }
                Err(e) => {
                    let what = if e.is_timeout() {
                        format!("no answer within {} s", self.opts.timeout.as_secs_f32())
                    } else if e.is_connect() {
                        "cannot connect".to_string()
                    } else {
                        format!("transport error: {}", without_url(&e))
                    };
                    let wait = self.backoff(attempts - 1);
                    if attempts < self.opts.max_attempts
                        && elapsed.saturating_add(wait) <= self.opts.retry_budget
                    {
                        self.retries.fetch_add(1, Ordering::Relaxed);
                        self.sleep(wait).await;
                        continue;
                    }
                    return Err(CallError::Failed(Failure::new(
                        None,
                        scrub(format!("{what} (gave up after {attempts} attempt(s))")),
                    )));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
