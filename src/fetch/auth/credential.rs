//! The token credentials kvaccess builds around azure_identity's: one fixed token (`--auth token`, tests),
//! a cache in front of a tool credential, and the default chain that tries each way in turn. Each redacts
//! its token in `Debug`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::time::OffsetDateTime;

use super::one_line;

/// A credential that returns one fixed token for every scope: for `--auth token` and for tests.
#[derive(Clone)]
pub struct FixedTokenCredential {
    token: Secret,
}

impl FixedTokenCredential {
    pub fn new(token: impl Into<String>) -> Arc<Self> {
        let t: String = token.into();
        let t = t.trim();
        let t = t
            .strip_prefix("Bearer ")
            .or_else(|| t.strip_prefix("bearer "))
            .unwrap_or(t);
        Arc::new(Self {
            token: Secret::new(t.to_string()),
        })
    }
}

impl fmt::Debug for FixedTokenCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FixedTokenCredential { token: <redacted> }")
    }
}

#[async_trait::async_trait]
impl TokenCredential for FixedTokenCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(
            self.token.clone(),
            OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

/// Caches tokens per scope set until five minutes before they expire. The Azure CLI and azd credentials
/// spawn a process on every call and cache nothing; this makes one call per scope per hour. Concurrent
/// callers wait for the one request in flight instead of each spawning `az`.
pub struct CachingCredential {
    inner: Arc<dyn TokenCredential>,
    cache: tokio::sync::Mutex<HashMap<String, AccessToken>>,
    refresh_before: Duration,
}

impl CachingCredential {
    pub fn new(inner: Arc<dyn TokenCredential>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            cache: tokio::sync::Mutex::new(HashMap::new()),
            refresh_before: Duration::from_secs(300),
        })
    }
}

impl fmt::Debug for CachingCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachingCredential")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl TokenCredential for CachingCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let key = scopes.join(" ");
        let mut cache = self.cache.lock().await;
        let margin = azure_core::time::Duration::seconds(self.refresh_before.as_secs() as i64);
        if let Some(t) = cache.get(&key)
            && t.expires_on - margin > OffsetDateTime::now_utc()
        {
            return Ok(t.clone());
        }
        let token = self.inner.get_token(scopes, options).await?;
        cache.insert(key, token.clone());
        Ok(token)
    }
}

/// One link of a [`ChainCredential`]: a credential, or why it is not available here.
pub struct ChainLink {
    pub name: String,
    pub credential: Result<Arc<dyn TokenCredential>, String>,
    /// How long to wait for this link before trying the next one.
    pub timeout: Duration,
}

/// Tries its links in order and sticks to the first that returns a token. When none does, the error names
/// every credential tried and why it failed.
pub struct ChainCredential {
    links: Vec<ChainLink>,
    chosen: AtomicUsize,
}

impl ChainCredential {
    pub fn new(links: Vec<ChainLink>) -> Arc<Self> {
        Arc::new(Self {
            links,
            chosen: AtomicUsize::new(usize::MAX),
        })
    }

    /// The name of the credential that worked, once one has.
    pub fn chosen(&self) -> Option<&str> {
        self.links
            .get(self.chosen.load(Ordering::Relaxed))
            .map(|l| l.name.as_str())
    }
}

impl fmt::Debug for ChainCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.links.iter().map(|l| l.name.as_str()).collect();
        f.debug_struct("ChainCredential")
            .field("links", &names)
            .field("chosen", &self.chosen())
            .finish()
    }
}

#[async_trait::async_trait]
impl TokenCredential for ChainCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let chosen = self.chosen.load(Ordering::Relaxed);
        if let Some(link) = self.links.get(chosen)
            && let Ok(cred) = &link.credential
        {
            return cred.get_token(scopes, options).await;
        }
        let mut tried = Vec::new();
        for (i, link) in self.links.iter().enumerate() {
            let cred = match &link.credential {
                Ok(c) => c,
                Err(why) => {
                    tried.push(format!("{}: {why}", link.name));
                    continue;
                }
            };
            match tokio::time::timeout(link.timeout, cred.get_token(scopes, options.clone())).await
            {
                Ok(Ok(token)) => {
                    self.chosen.store(i, Ordering::Relaxed);
                    return Ok(token);
                }
                Ok(Err(e)) => tried.push(format!("{}: {}", link.name, one_line(&e.to_string()))),
                Err(_) => tried.push(format!(
                    "{}: no answer within {} s",
                    link.name,
                    link.timeout.as_secs_f32()
                )),
            }
        }
        Err(azure_core::Error::with_message(
            ErrorKind::Credential,
            format!("no credential worked; tried {}", tried.join("; ")),
        ))
    }
}
