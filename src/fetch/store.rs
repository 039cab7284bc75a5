//! The state store: applies [`FetchUpdate`]s and exposes the current [`Snapshot`] with a generation counter,
//! so a TUI can redraw panes as data arrives and rebuild its engine only when the generation moved.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Value, json};

use super::events::{CollectionErrorRecord, FetchStats, FetchUpdate, Section};
use crate::model::{Cloud, Snapshot};

/// Where a run is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RunState {
    #[default]
    Idle,
    Running,
    Finished(FetchStats),
    Failed(String),
}

/// The latest progress line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Progress {
    pub done: usize,
    pub planned: usize,
    pub message: String,
}

#[derive(Debug, Default)]
struct SectionData {
    /// The items in arrival order, one shared chunk per update: the whole collection can then be handed to
    /// another thread ([`Collected`]) without copying an item on the thread that owns the store.
    chunks: Vec<Arc<Vec<Value>>>,
    count: usize,
    keys: HashSet<String>,
}

impl SectionData {
    fn items(&self) -> impl Iterator<Item = &Value> {
        self.chunks.iter().flat_map(|c| c.iter())
    }
}

/// The store's data at one generation: taken in the time it takes to count the chunks, turned into a
/// document (a deep copy) wherever that is cheap to do, such as the explorer's worker thread.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    cloud: Cloud,
    tenant_id: Option<String>,
    collected_at: Option<String>,
    sections: Vec<(Section, Vec<Arc<Vec<Value>>>)>,
    present: BTreeSet<Section>,
    errors: Vec<CollectionErrorRecord>,
}

impl Collected {
    /// The data as a snapshot document (format 1), exactly as accumulated: Azure's objects unchanged.
    pub fn to_json(&self) -> Value {
        let mut doc = header(self.cloud, &self.tenant_id, &self.collected_at);
        for (section, chunks) in &self.sections {
            if written(*section, &self.present, &self.errors) {
                let items = chunks.iter().flat_map(|c| c.iter()).cloned().collect();
                doc[section.key()] = Value::Array(items);
            }
        }
        doc["collectionErrors"] = errors_json(&self.errors);
        doc
    }
}

/// Whether a section goes into the document: the core ones always (empty is "none"); an optional one once
/// it has been read, and an attack-path one only when nothing of it failed (absent = missing data).
fn written(
    section: Section,
    present: &BTreeSet<Section>,
    errors: &[CollectionErrorRecord],
) -> bool {
    if !section.is_optional() {
        return true;
    }
    present.contains(&section)
        && !(section.missing_when_incomplete() && errors.iter().any(|e| e.section == section))
}

fn header(cloud: Cloud, tenant_id: &Option<String>, collected_at: &Option<String>) -> Value {
    json!({
        "kvaccessSnapshot": 1,
        "cloud": cloud.as_str(),
        "tenantId": tenant_id,
        "collectedAt": collected_at,
    })
}

fn errors_json(errors: &[CollectionErrorRecord]) -> Value {
    Value::Array(errors.iter().map(CollectionErrorRecord::to_json).collect())
}

/// Accumulates a run's data in snapshot shape. Items are deduplicated per section by id (role definitions
/// by GUID, memberships by pair, vault items by vault/kind/name).
#[derive(Debug, Default)]
pub struct StateStore {
    cloud: Cloud,
    tenant_id: Option<String>,
    collected_at: Option<String>,
    sections: BTreeMap<Section, SectionData>,
    /// Sections the run has read (possibly empty): an optional section is written only then.
    present: BTreeSet<Section>,
    errors: Vec<CollectionErrorRecord>,
    warnings: Vec<String>,
    progress: Progress,
    state: RunState,
    generation: u64,
    built: Option<Built>,
}

#[derive(Debug)]
struct Built {
    generation: u64,
    snapshot: Arc<Snapshot>,
    json: Value,
    dropped: Vec<String>,
}

impl StateStore {
    pub fn new(cloud: Cloud) -> Self {
        Self {
            cloud,
            ..Self::default()
        }
    }

    /// Counts every change to the data (sections and collection errors); progress lines do not count.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn run_state(&self) -> &RunState {
        &self.state
    }

    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    pub fn errors(&self) -> &[CollectionErrorRecord] {
        &self.errors
    }

    /// Warnings reported by the fetcher and items dropped because they could not be read.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = self.warnings.clone();
        if let Some(b) = &self.built {
            out.extend(b.dropped.iter().cloned());
        }
        out
    }

    pub fn items(&self, section: Section) -> impl Iterator<Item = &Value> {
        self.sections
            .get(&section)
            .into_iter()
            .flat_map(SectionData::items)
    }

    pub fn count(&self, section: Section) -> usize {
        self.sections.get(&section).map_or(0, |d| d.count)
    }

    pub fn tenant_id(&self) -> Option<&str> {
        self.tenant_id.as_deref()
    }

    pub fn set_tenant_id(&mut self, tenant: impl Into<String>) {
        self.tenant_id = Some(tenant.into().to_ascii_lowercase());
        self.generation += 1;
    }

    pub fn set_collected_at(&mut self, at: impl Into<String>) {
        self.collected_at = Some(at.into());
        self.generation += 1;
    }

    /// Applies one update. Returns whether anything visible changed (data, errors, progress or state).
    pub fn apply(&mut self, update: &FetchUpdate) -> bool {
        match update {
            FetchUpdate::Started { .. } => {
                self.state = RunState::Running;
                true
            }
            FetchUpdate::Progress {
                done,
                planned,
                message,
            } => {
                self.progress = Progress {
                    done: *done,
                    planned: *planned,
                    message: message.clone(),
                };
                true
            }
            FetchUpdate::Section { section, items, .. } => self.add_shared(*section, items),
            FetchUpdate::Error(e) => {
                if self.errors.contains(e) {
                    return false;
                }
                self.errors.push(e.clone());
                self.generation += 1;
                true
            }
            FetchUpdate::Warning(w) => {
                self.warnings.push(w.clone());
                true
            }
            FetchUpdate::Finished(stats) => {
                self.state = RunState::Finished(*stats);
                true
            }
            FetchUpdate::Failed(message) => {
                self.state = RunState::Failed(message.clone());
                true
            }
        }
    }

    /// Adds items of a section (moved in), skipping those already held. Returns whether any was new. Marks
    /// the section as read, even with no items.
    pub fn add(&mut self, section: Section, items: impl IntoIterator<Item = Value>) -> bool {
        let first = self.mark_present(section);
        let data = self.sections.entry(section).or_default();
        let fresh: Vec<Value> = items
            .into_iter()
            .filter(|item| is_new(data, section, item))
            .collect();
        let pushed = self.push_chunk(section, Arc::new(fresh));
        self.changed(first, pushed)
    }

    /// Records that `section` was read; true the first time.
    fn mark_present(&mut self, section: Section) -> bool {
        self.present.insert(section)
    }

    /// The result of an update that marked `section` read (`first`) and pushed a chunk or not (`pushed`):
    /// a section newly read without items is a change too.
    fn changed(&mut self, first: bool, pushed: bool) -> bool {
        if first && !pushed {
            self.generation += 1;
        }
        first || pushed
    }

    /// Whether the run has read `section` (even if it held nothing).
    pub fn has_read(&self, section: Section) -> bool {
        self.present.contains(&section)
    }

    /// [`add`](Self::add) for a fetcher's page: shared as it is when every item is new, which is the rule.
    fn add_shared(&mut self, section: Section, items: &Arc<Vec<Value>>) -> bool {
        let first = self.mark_present(section);
        let data = self.sections.entry(section).or_default();
        let new: Vec<bool> = items.iter().map(|i| is_new(data, section, i)).collect();
        let chunk = if new.iter().all(|n| *n) {
            Arc::clone(items)
        } else {
            let fresh = items.iter().zip(&new).filter(|(_, n)| **n);
            Arc::new(fresh.map(|(item, _)| item.clone()).collect())
        };
        let pushed = self.push_chunk(section, chunk);
        self.changed(first, pushed)
    }

    fn push_chunk(&mut self, section: Section, chunk: Arc<Vec<Value>>) -> bool {
        if chunk.is_empty() {
            return false;
        }
        let data = self.sections.entry(section).or_default();
        data.count += chunk.len();
        data.chunks.push(chunk);
        if section == Section::Subscriptions {
            self.tenant_id = majority_tenant(data.items()).or(self.tenant_id.take());
        }
        self.generation += 1;
        true
    }

    /// The data as it stands, sharing the items with the store: cheap enough for a UI thread.
    pub fn collected(&self) -> Collected {
        Collected {
            cloud: self.cloud,
            tenant_id: self.tenant_id.clone(),
            collected_at: self.collected_at.clone(),
            sections: Section::ALL
                .iter()
                .map(|s| {
                    let chunks = self.sections.get(s).map(|d| d.chunks.clone());
                    (*s, chunks.unwrap_or_default())
                })
                .collect(),
            present: self.present.clone(),
            errors: self.errors.clone(),
        }
    }

    /// The data as a snapshot document (format 1), exactly as accumulated: Azure's objects unchanged.
    pub fn raw_json(&self) -> Value {
        self.collected().to_json()
    }

    fn build(&mut self) -> &Built {
        let stale = self
            .built
            .as_ref()
            .is_none_or(|b| b.generation != self.generation);
        if stale {
            let (snapshot, json, dropped) = build(self.raw_json());
            self.built = Some(Built {
                generation: self.generation,
                snapshot: Arc::new(snapshot),
                json,
                dropped,
            });
        }
        match &self.built {
            Some(b) => b,
            None => unreachable_built(),
        }
    }

    /// The current snapshot, rebuilt only when the generation moved since the last call.
    pub fn snapshot(&mut self) -> Arc<Snapshot> {
        self.build().snapshot.clone()
    }

    /// The document to save: the accumulated data minus items the loader could not read (each recorded as a
    /// collection error at its scope, so the evaluator says "unknown" there). It always loads cleanly.
    pub fn to_json(&mut self) -> Value {
        self.build().json.clone()
    }

    /// The document and the snapshot, without copying either (the end of a run).
    pub fn into_parts(mut self) -> (Value, Snapshot, Vec<String>) {
        let mut doc = header(self.cloud, &self.tenant_id, &self.collected_at);
        for section in Section::ALL {
            if !written(section, &self.present, &self.errors) {
                continue;
            }
            let mut items = Vec::new();
            for chunk in self
                .sections
                .remove(&section)
                .into_iter()
                .flat_map(|d| d.chunks)
            {
                // The store's own chunks, unless a `Collected` taken earlier still shares them.
                items.extend(Arc::unwrap_or_clone(chunk));
            }
            doc[section.key()] = Value::Array(items);
        }
        doc["collectionErrors"] = errors_json(&self.errors);
        let (snapshot, json, dropped) = build(doc);
        let mut warnings = self.warnings;
        warnings.extend(dropped);
        (json, snapshot, warnings)
    }
}

/// Turns a collected document (as [`StateStore::raw_json`] gives it) into a snapshot, dropping and recording
/// items the loader cannot read, as the store itself does; returns the snapshot and those warnings. Lets a
/// TUI do the parsing off its UI thread.
pub fn parse_collected(doc: Value) -> (Snapshot, Vec<String>) {
    let (snapshot, _, dropped) = build(doc);
    (snapshot, dropped)
}

#[expect(clippy::panic, reason = "`build` has just stored the value")]
fn unreachable_built() -> ! {
    panic!("snapshot was just built")
}

fn lower(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
}

fn last_segment(s: &str) -> String {
    s.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(s)
        .to_string()
}

/// The identity of an item within its section, for deduplication.
pub(crate) fn item_key(section: Section, v: &Value) -> Option<String> {
    match section {
        Section::RoleDefinitions => lower(v.get("id"))
            .or_else(|| lower(v.get("name")))
            .map(|id| last_segment(&id)),
        Section::GroupMemberships => Some(format!(
            "{}|{}",
            lower(v.get("groupId"))?,
            lower(v.get("memberId"))?
        )),
        Section::Owners => Some(format!(
            "{}|{}",
            lower(v.get("objectId"))?,
            lower(v.get("ownerId"))?
        )),
        Section::VaultItems => Some(format!(
            "{}|{}|{}",
            lower(v.get("vaultId"))?,
            lower(v.get("kind"))?,
            lower(v.get("name"))?
        )),
        Section::Subscriptions => lower(v.get("subscriptionId"))
            .or_else(|| lower(v.get("id")).map(|id| last_segment(&id))),
        Section::RoleEligibilities => {
            lower(v.get("name")).or_else(|| lower(v.get("id")).map(|id| last_segment(&id)))
        }
        _ => lower(v.get("id")).map(|id| {
            id.replace(
                "/providers/microsoft.subscription/subscriptions/",
                "/subscriptions/",
            )
        }),
    }
}

fn majority_tenant<'a>(subscriptions: impl Iterator<Item = &'a Value>) -> Option<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for s in subscriptions {
        if let Some(t) = lower(s.get("tenantId")) {
            *counts.entry(t).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .map(|(t, _)| t)
}

/// Whether an item is not held yet (recording its key): items without a key are always new.
fn is_new(data: &mut SectionData, section: Section, item: &Value) -> bool {
    item_key(section, item).is_none_or(|key| data.keys.insert(key))
}

mod build;

use build::build;

#[cfg(test)]
mod tests;
