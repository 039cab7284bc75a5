//! Live collection: reads a tenant from ARM, Microsoft Graph and (optionally) the Key Vault data plane and
//! builds a snapshot, reporting progress through a channel so a TUI can fill its panes as data arrives.
//!
//! ```no_run
//! # async fn demo() -> Result<(), kvaccess::fetch::FetchError> {
//! use kvaccess::fetch::{CloudConfig, Credentials, FetchOptions, FetchRequest, Fetcher, StateStore};
//! use kvaccess::model::Cloud;
//!
//! let cloud = CloudConfig::builtin(Cloud::AzureCloud);
//! let creds = Credentials::from_env(kvaccess::fetch::AuthMethod::Cli, &cloud)?;
//! let fetcher = Fetcher::new(cloud, creds, FetchOptions::default())?;
//! let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
//! let run = tokio::spawn(async move { fetcher.run(&FetchRequest::default(), tx).await });
//! let mut store = StateStore::new(Cloud::AzureCloud);
//! while let Some(update) = rx.recv().await {
//!     if store.apply(&update) { /* redraw; store.snapshot() when store.generation() moved */ }
//! }
//! let outcome = run.await.ok().transpose()?;
//! # let _ = outcome; Ok(()) }
//! ```
//!
//! Order of work (each level waits only for what it needs): subscriptions and management groups; per
//! subscription, in parallel, resource groups, vaults (with full properties), role definitions, role
//! assignments, deny assignments and PIM eligibilities; then the directory objects every collected object
//! names (`directoryObjects/getByIds`, 1000 ids a call) and the group memberships below them, level by
//! level; with `--include-items`, each vault's keys, secrets and certificates as soon as its subscription's
//! vault list is in; per subscription, perimeters and resources with identities; last, once the principals
//! are known, the Entra data the attack-path hops need (`entra`).

mod arm;
pub mod auth;
pub mod az_import;
pub mod cache;
pub(crate) mod client;
pub mod cloud;
mod entra;
pub mod events;
mod graph;
mod identities;
mod perimeters;
pub mod store;
mod url;
mod vault_items;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::Value;
use thiserror::Error;
use tokio::sync::mpsc::UnboundedSender;

pub use auth::{
    AuthError, AuthMethod, CachingCredential, ChainCredential, ChainLink, Credentials,
    FixedTokenCredential,
};
pub use client::{Failure, HttpOptions};
pub use cloud::{CloudConfig, CloudConfigError, Endpoint};
pub use events::{CollectionErrorRecord, FetchStats, FetchUpdate, Section};
pub use store::{Collected, Progress, RunState, StateStore};

use crate::model::Snapshot;
use client::Client;
pub(crate) use url::url_at;

/// Requests in flight at once unless `--concurrency` says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// API versions used (`docs/input-shapes.md`).
pub mod api {
    pub const SUBSCRIPTIONS: &str = "2022-12-01";
    pub const RESOURCE_GROUPS: &str = "2021-04-01";
    pub const KEY_VAULT: &str = "2026-02-01";
    pub const AUTHORIZATION: &str = "2022-04-01";
    pub const PIM: &str = "2020-10-01";
    pub const MANAGEMENT_GROUPS: &str = "2021-04-01";
    pub const KEY_VAULT_DATA: &str = "7.6";
    pub const NETWORK_SECURITY_PERIMETERS: &str = "2024-07-01";
    pub const RESOURCES: &str = "2021-04-01";
    pub const MANAGED_IDENTITY: &str = "2023-01-31";
    pub const MANAGED_CLUSTERS: &str = "2024-08-01";
}

#[derive(Debug, Error)]
pub enum FetchError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Cloud(#[from] CloudConfigError),
    #[error("malformed response from {url}: {message}")]
    Malformed { url: String, message: String },
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    #[error("{0}")]
    Request(String),
}

/// What to collect.
#[derive(Debug, Clone, Default)]
pub struct FetchRequest {
    /// Subscription ids; empty means every subscription the identity can see.
    pub subscriptions: Vec<String>,
    /// Also list key, secret and certificate names and attributes (never values) per vault.
    pub include_items: bool,
}

/// How to collect.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub http: HttpOptions,
    /// Send each section's items through the channel as they arrive (what a TUI wants). Without it the
    /// channel carries progress, errors and the end only, and the items are not copied (the CLI).
    pub stream_sections: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            http: HttpOptions::default(),
            stream_sections: true,
        }
    }
}

impl FetchOptions {
    pub fn with_concurrency(mut self, n: usize) -> Self {
        self.http.concurrency = n.max(1);
        self
    }
}

/// How complete a run was; decides `kvaccess fetch`'s exit code (0, 3, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    Complete,
    WithCollectionErrors,
    NothingReadable,
}

/// The result of a run.
#[derive(Debug)]
pub struct FetchOutcome {
    /// The snapshot document to save (format 1); it loads without problems.
    pub json: Value,
    pub snapshot: Snapshot,
    pub stats: FetchStats,
    pub errors: Vec<CollectionErrorRecord>,
    pub warnings: Vec<String>,
    pub tenant_id: Option<String>,
}

impl FetchOutcome {
    pub fn completeness(&self) -> Completeness {
        if self.snapshot.subscriptions.is_empty() {
            Completeness::NothingReadable
        } else if self.snapshot.collection_errors.is_empty() {
            Completeness::Complete
        } else {
            Completeness::WithCollectionErrors
        }
    }
}

/// The collector. Cheap to share: `run` takes `&self` and may be called again for a refresh.
#[derive(Debug)]
pub struct Fetcher {
    client: Client,
    stream_sections: bool,
}

/// Shared state of one run: the client, the run's store, the channel, progress counters.
pub(crate) struct Ctx<'a> {
    pub client: &'a Client,
    store: Mutex<StateStore>,
    sender: UnboundedSender<FetchUpdate>,
    stream_sections: bool,
    planned: AtomicUsize,
    done: AtomicUsize,
    names: Mutex<HashMap<String, String>>,
    /// Groups to walk (members, transitively), fed while ARM is still being read; closed after the
    /// directory lookup.
    groups: Mutex<Option<futures::channel::mpsc::UnboundedSender<(String, u32)>>>,
    visited_groups: Mutex<HashSet<String>>,
    /// Items of optional sections that appear only once whole (see [`Ctx::complete`]).
    held: Mutex<HashMap<Section, Vec<Value>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<'a> Ctx<'a> {
    /// Whether `group` is seen for the first time (its members are then to be listed).
    pub fn first_visit(&self, group: &str) -> bool {
        lock(&self.visited_groups).insert(group.to_ascii_lowercase())
    }

    /// Hands groups to the walker; each is walked once. Ignored without a Graph credential.
    pub fn found_groups(&self, ids: impl IntoIterator<Item = String>, depth: u32) {
        if !self.client.credentials().has(Endpoint::Graph) {
            return;
        }
        let tx = lock(&self.groups);
        let Some(tx) = tx.as_ref() else {
            return;
        };
        for id in ids {
            if self.first_visit(&id) {
                let _ = tx.unbounded_send((id, depth));
            }
        }
    }

    fn close_groups(&self) {
        lock(&self.groups).take();
    }

    fn emit(&self, update: FetchUpdate) {
        {
            let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
            store.apply(&update);
        }
        // A receiver that went away (the TUI closed) does not stop the run; dropping the future does.
        let _ = self.sender.send(update);
    }

    pub fn section(&self, section: Section, scope: &str, items: Vec<Value>) {
        if items.is_empty() {
            return;
        }
        if self.stream_sections {
            self.emit(FetchUpdate::Section {
                section,
                scope: scope.to_string(),
                items: std::sync::Arc::new(items),
            });
        } else {
            lock(&self.store).add(section, items);
        }
    }

    /// Keeps items of an optional section until [`complete`](Self::complete): a section shown before it is
    /// whole would read as "nothing else there" while the rest is still being collected.
    pub fn hold(&self, section: Section, items: Vec<Value>) {
        lock(&self.held).entry(section).or_default().extend(items);
    }

    /// An optional section is read: its held items and `items` appear at once (written even if empty).
    pub fn complete(&self, section: Section, items: Vec<Value>) {
        let mut all = lock(&self.held).remove(&section).unwrap_or_default();
        all.extend(items);
        if all.is_empty() {
            self.read(section);
        } else {
            self.section(section, "/", all);
        }
    }

    /// Marks an optional section as read (it is then written even if it stays empty).
    fn read(&self, section: Section) {
        if self.stream_sections {
            self.emit(FetchUpdate::Section {
                section,
                scope: "/".to_string(),
                items: std::sync::Arc::new(Vec::new()),
            });
        } else {
            lock(&self.store).add(section, Vec::new());
        }
    }

    pub fn error(&self, scope: &str, section: Section, failure: &Failure) {
        self.emit(FetchUpdate::Error(CollectionErrorRecord {
            scope: scope.to_string(),
            section,
            status: failure.status,
            message: failure.message.clone(),
        }));
    }

    /// `n` more list calls are now known to be needed.
    pub fn plan(&self, n: usize) {
        self.planned.fetch_add(n, Ordering::Relaxed);
    }

    /// One planned list call finished.
    pub fn done(&self, message: String) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let planned = self.planned.load(Ordering::Relaxed).max(done);
        self.emit(FetchUpdate::Progress {
            done,
            planned,
            message,
        });
    }

    /// A readable name for a subscription id in progress lines.
    pub fn name_of(&self, subscription: &str) -> String {
        let names = self.names.lock().unwrap_or_else(|e| e.into_inner());
        names
            .get(&subscription.to_ascii_lowercase())
            .cloned()
            .unwrap_or_else(|| subscription.to_string())
    }

    pub fn remember_name(&self, subscription: &str, name: &str) {
        let mut names = self.names.lock().unwrap_or_else(|e| e.into_inner());
        names.insert(subscription.to_ascii_lowercase(), name.to_string());
    }

    /// Reads the run's store (for the ids the directory phase needs).
    pub fn with_store<T>(&self, f: impl FnOnce(&StateStore) -> T) -> T {
        let store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        f(&store)
    }
}

impl Fetcher {
    pub fn new(
        cloud: CloudConfig,
        credentials: Credentials,
        options: FetchOptions,
    ) -> Result<Self, FetchError> {
        Ok(Self {
            client: Client::new(cloud, credentials, options.http)?,
            stream_sections: options.stream_sections,
        })
    }

    pub fn cloud(&self) -> &CloudConfig {
        self.client.cloud()
    }

    /// The client's counters so far (requests, retries, throttling, waits), for a live progress line.
    pub fn stats(&self) -> FetchStats {
        self.client.stats()
    }

    /// Collects the tenant, sending every update to `updates` as it happens, and returns the whole result.
    /// A fatal error (authentication, a response that is not JSON) ends the run with `Err` after a
    /// [`FetchUpdate::Failed`]; everything else is recorded as a collection error and the run goes on.
    pub async fn run(
        &self,
        request: &FetchRequest,
        updates: UnboundedSender<FetchUpdate>,
    ) -> Result<FetchOutcome, FetchError> {
        let started = Instant::now();
        self.client.reset_depth();
        let before = self.client.stats();
        let ctx = Ctx {
            client: &self.client,
            store: Mutex::new(StateStore::new(self.client.cloud().cloud)),
            sender: updates,
            stream_sections: self.stream_sections,
            planned: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            names: Mutex::new(HashMap::new()),
            groups: Mutex::new(None),
            visited_groups: Mutex::new(HashSet::new()),
            held: Mutex::new(HashMap::new()),
        };
        ctx.emit(FetchUpdate::Started {
            cloud: self.client.cloud().name.clone(),
            credential: self.client.credentials().description().to_string(),
        });
        {
            let now = time::OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
            let at = now
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            let mut store = ctx.store.lock().unwrap_or_else(|e| e.into_inner());
            store.set_collected_at(at);
        }
        match self.collect(&ctx, request).await {
            Ok(()) => {}
            Err(e) => {
                ctx.emit(FetchUpdate::Failed(e.to_string()));
                return Err(e);
            }
        }
        let after = self.client.stats();
        let stats = FetchStats {
            requests: after.requests - before.requests,
            retries: after.retries - before.retries,
            throttled: after.throttled - before.throttled,
            duplicates: after.duplicates - before.duplicates,
            waited_ms: after.waited_ms - before.waited_ms,
            elapsed_ms: started.elapsed().as_millis() as u64,
            depth: after.depth,
            concurrency: after.concurrency,
        };
        ctx.emit(FetchUpdate::Finished(stats));
        let store = ctx.store.into_inner().unwrap_or_else(|e| e.into_inner());
        let errors = store.errors().to_vec();
        let tenant_id = store.tenant_id().map(str::to_string);
        let (json, snapshot, warnings) = store.into_parts();
        Ok(FetchOutcome {
            json,
            snapshot,
            stats,
            errors,
            warnings,
            tenant_id,
        })
    }

    async fn collect(&self, ctx: &Ctx<'_>, request: &FetchRequest) -> Result<(), FetchError> {
        for s in &request.subscriptions {
            if uuid::Uuid::try_parse(s.trim()).is_err() {
                return Err(FetchError::Request(format!(
                    "'{s}' is not a subscription id (a GUID)"
                )));
            }
        }
        // Fail fast, and clearly, when no ARM token can be had at all.
        ctx.client
            .credentials()
            .token(Endpoint::Arm, ctx.client.cloud().scope(Endpoint::Arm))
            .await?;
        let (vault_tx, vault_rx) = futures::channel::mpsc::unbounded::<(Value, u32)>();
        let (group_tx, group_rx) = futures::channel::mpsc::unbounded::<(String, u32)>();
        *lock(&ctx.groups) = Some(group_tx);
        let include_items = request.include_items;
        let management = async {
            let subscriptions = async {
                let mut depth = 0;
                let ids: Vec<String> = if request.subscriptions.is_empty() {
                    let (ids, d) = arm::list_subscriptions(ctx).await?;
                    depth = d;
                    ids
                } else {
                    request
                        .subscriptions
                        .iter()
                        .map(|s| s.trim().to_ascii_lowercase())
                        .collect()
                };
                // With explicit ids, each subscription's own record is read alongside its contents.
                let explicit = async {
                    if request.subscriptions.is_empty() {
                        Ok(depth)
                    } else {
                        arm::get_subscriptions(ctx, &ids).await
                    }
                };
                let contents = futures::future::try_join_all(ids.iter().map(|id| {
                    let tx = include_items.then(|| vault_tx.clone());
                    arm::subscription_contents(ctx, id, depth, tx)
                }));
                let (d, all) = futures::try_join!(explicit, contents)?;
                Ok::<u32, FetchError>(all.into_iter().fold(d, u32::max))
            };
            let (d1, d2) = futures::try_join!(arm::management_groups(ctx), subscriptions)?;
            // Every subscription's perimeters and identities are in: the sections are whole.
            ctx.complete(Section::NetworkSecurityPerimeters, Vec::new());
            ctx.complete(Section::IdentityResources, Vec::new());
            drop(vault_tx);
            // The directory waits for every object that names principals: the deepest ARM chain.
            let result = graph::directory(ctx, d1.max(d2)).await;
            ctx.close_groups();
            result.map(|()| d1.max(d2) + 2)
        };
        let groups = async {
            use futures::{StreamExt, TryStreamExt};
            group_rx
                .map(Ok::<_, FetchError>)
                .try_for_each_concurrent(None, |(group, depth)| graph::walk(ctx, group, depth))
                .await
        };
        let items = async {
            use futures::{StreamExt, TryStreamExt};
            vault_rx
                .map(Ok::<_, FetchError>)
                .try_for_each_concurrent(None, |(vault, depth)| async move {
                    vault_items::collect(ctx, &vault, depth).await
                })
                .await
        };
        let (depth, (), ()) = futures::try_join!(management, groups, items)?;
        // The attack-path sections need every principal and group the access data names.
        entra::collect(ctx, depth).await
    }
}

#[cfg(test)]
mod tests;
