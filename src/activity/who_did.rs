//! Who did: per vault or item and operation, each caller with its counts, times, source addresses and
//! outcomes, joined to the snapshot (the caller's name, and the grant and group chain that allows the
//! operation now).

use serde::Serialize;

use super::join::{self, CallerRef, Filter};
use super::read::Reading;
use super::time;
use crate::eval::{Decision, Engine, Grant};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DidEntry {
    pub vault: String,
    /// `secrets/name`, or absent for vault-level calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    pub operation: String,
    /// The access-policy permission (data plane) or ARM action it needs; absent when unmapped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
    pub caller: CallerRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    pub count: u64,
    pub successes: u64,
    pub denied: u64,
    pub denied_by_firewall: u64,
    pub other_failures: u64,
    pub first: String,
    pub last: String,
    pub source_ips: Vec<String>,
    /// Distinct source addresses beyond those listed.
    pub more_source_ips: u64,
    /// The evaluator's answer now, with the grants (and group chains) that allow it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now: Option<Now>,
}

impl DidEntry {
    /// `SecretGet on secrets/db-password (needs secrets/get)`: the call in words, names from the logs cleaned
    /// of control characters.
    pub fn call_words(&self) -> String {
        let clean = crate::sanitize::clean;
        let on = self
            .item
            .as_deref()
            .map(|i| format!(" on {}", clean(i)))
            .unwrap_or_default();
        let needs = self
            .permission
            .as_deref()
            .map(|p| format!(" (needs {})", clean(p)))
            .unwrap_or_default();
        format!("{}{on}{needs}", clean(&self.operation))
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Now {
    /// `allowed`, `denied`, `conditional`, `unknown`, or absent with `notEvaluated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    pub grants: Vec<Grant>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_evaluated: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoDid {
    pub entries: Vec<DidEntry>,
}

/// The summaries the filter admits, in a stable order, joined to the snapshot when there is one.
pub fn who_did(reading: &Reading, engine: Option<&Engine>, filter: &Filter) -> WhoDid {
    let store = &reading.store;
    let entries = store
        .sorted()
        .into_iter()
        .filter(|(k, _)| filter.admits(store, k))
        .map(|(k, s)| {
            let now = engine.map(|e| match join::verdict(e, store, k) {
                Ok(v) => Now {
                    decision: Some(v.decision),
                    grants: v.grants,
                    not_evaluated: None,
                },
                Err(why) => Now {
                    decision: None,
                    grants: Vec::new(),
                    not_evaluated: Some(why),
                },
            });
            let span = s.all.unwrap_or(super::summary::Span { first: 0, last: 0 });
            DidEntry {
                vault: join::vault_id(engine, store, k),
                item: store.opt(k.item).map(str::to_string),
                operation: store.strings.get(k.operation).to_string(),
                permission: join::permission(store, k),
                caller: join::caller(engine, store, k.caller),
                app: store.opt(k.app).map(str::to_string),
                count: s.count,
                successes: s.successes,
                denied: s.denied,
                denied_by_firewall: s.denied_network,
                other_failures: s.other,
                first: time::format(span.first),
                last: time::format(span.last),
                source_ips: store.values(&s.ips),
                more_source_ips: s.ips.more,
                now,
            }
        })
        .collect();
    WhoDid { entries }
}
