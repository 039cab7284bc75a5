//! Could vs did: for a vault or item, per operation, who could (the evaluator's holders) beside who did
//! (the logged callers) — callers that succeeded, holders that never called in the window, and denials with
//! their reason.

use std::collections::BTreeMap;

use serde::Serialize;

use super::join::{self, CallerRef, Filter};
use super::operations;
use super::read::Reading;
use super::summary::{Key, Summary};
use super::time;
use crate::catalog::Action;
use crate::error::QueryError;
use crate::eval::{Decision, Engine, Grant};
use crate::model::Scope;
use crate::query;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    /// Could, and called successfully.
    Used,
    /// Could, and never called in the window.
    NeverCalled,
    /// Called successfully although the evaluator says it cannot now (see the model check).
    SucceededWithoutGrant,
    /// Could, yet was denied (see the model check).
    DeniedDespiteGrant,
    /// Cannot, and was denied: by the firewall or by authorization.
    Denied,
    /// Only other failures (not found, conflict, throttled…).
    OtherFailures,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompareRow {
    pub principal: CallerRef,
    pub status: Status,
    /// The evaluator's decision now (`denied` for identities that only appear in the logs).
    pub could: Decision,
    pub grants: Vec<Grant>,
    pub successes: u64,
    pub denied: u64,
    pub denied_by_firewall: u64,
    pub other_failures: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_call: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationComparison {
    /// The operation as the evaluator asks it (`secrets/get`, or an action string).
    pub operation: String,
    /// The logged operation names that need it (`SecretGet`).
    pub logged_as: Vec<String>,
    pub rows: Vec<CompareRow>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CouldVsDid {
    pub scope: String,
    pub operations: Vec<OperationComparison>,
}

/// Per operation logged at (or below) `scope`, plus `extra` when given.
pub fn could_vs_did(
    reading: &Reading,
    engine: &Engine,
    scope: &Scope,
    extra: Option<&Action>,
) -> Result<CouldVsDid, QueryError> {
    let store = &reading.store;
    let target = engine.target(scope);
    let rbac = target.vault.is_some_and(|v| v.rbac_authorization);
    let filter = Filter {
        scope: Some(scope.clone()),
        principal: None,
    };
    // action label → (action, logged names, caller → (merged summary, its summaries' keys))
    type Calls<'k> = BTreeMap<String, (Summary, Vec<&'k Key>)>;
    let mut by_action: BTreeMap<String, (Action, Vec<String>, Calls)> = BTreeMap::new();
    if let Some(a) = extra {
        // On an RBAC vault the logs' operations are named by their data action: name this one the same
        // way, so that it meets its logged calls.
        let a = match (rbac, a.rbac_actions.as_slice()) {
            (true, [one]) if a.plane == crate::catalog::Plane::Data => {
                crate::catalog::resolve(one).unwrap_or_else(|_| a.clone())
            }
            _ => a.clone(),
        };
        by_action.insert(a.label.clone(), (a, Vec::new(), BTreeMap::new()));
    }
    for (k, s) in store.sorted() {
        if !filter.admits(store, k) {
            continue;
        }
        let name = store.strings.get(k.operation);
        let Some(action) = operations::lookup(name).and_then(|o| o.action(rbac)) else {
            continue;
        };
        let entry = by_action
            .entry(action.label.clone())
            .or_insert_with(|| (action.clone(), Vec::new(), BTreeMap::new()));
        if !entry.1.iter().any(|n| n == name) {
            entry.1.push(name.to_string());
        }
        let (merged, keys) = entry
            .2
            .entry(store.strings.get(k.caller).to_string())
            .or_default();
        merge(merged, s);
        keys.push(k);
    }
    let mut operations = Vec::new();
    for (label, (action, logged_as, callers)) in by_action {
        let holders = query::who_can(engine, scope, &action)?;
        let mut rows = Vec::new();
        for h in &holders.principals {
            let calls = callers.get(&h.id).map(|(s, _)| s);
            let (could, grants) = (h.decision, h.grants.clone());
            rows.push(row(engine, reading, &h.id, could, grants, calls));
        }
        for (caller, (calls, keys)) in &callers {
            if holders.principals.iter().any(|h| h.id == *caller) {
                continue;
            }
            // Not a holder at the scope itself: what the evaluator says at the objects it called (an
            // item-level grant allows one secret, not the vault).
            let (could, grants) = at_calls(engine, reading, keys);
            rows.push(row(engine, reading, caller, could, grants, Some(calls)));
        }
        rows.sort_by(|a, b| {
            (a.status, &a.principal.display_name).cmp(&(b.status, &b.principal.display_name))
        });
        operations.push(OperationComparison {
            operation: label,
            logged_as,
            rows,
        });
    }
    Ok(CouldVsDid {
        scope: scope.id().to_string(),
        operations,
    })
}

/// The most permissive verdict among the calls' own objects, successful calls first.
fn at_calls(engine: &Engine, reading: &Reading, keys: &[&Key]) -> (Decision, Vec<Grant>) {
    let store = &reading.store;
    let rank = |d: Decision| match d {
        Decision::Allowed => 3,
        Decision::Conditional => 2,
        Decision::Unknown => 1,
        Decision::Denied => 0,
    };
    let mut best = (Decision::Denied, Vec::new());
    let mut order: Vec<&&Key> = keys.iter().collect();
    order.sort_by_key(|k| store.summaries.get(k).is_none_or(|s| s.successes == 0));
    for k in order {
        if let Ok(v) = join::verdict(engine, store, k)
            && rank(v.decision) > rank(best.0)
        {
            best = (v.decision, v.grants);
        }
    }
    best
}

fn merge(into: &mut Summary, s: &Summary) {
    into.count += s.count;
    into.successes += s.successes;
    into.denied += s.denied;
    into.denied_network += s.denied_network;
    into.other += s.other;
    if let Some(span) = s.all {
        match &mut into.all {
            Some(a) => {
                a.first = a.first.min(span.first);
                a.last = a.last.max(span.last);
            }
            None => into.all = Some(span),
        }
    }
}

fn row(
    engine: &Engine,
    reading: &Reading,
    id: &str,
    could: Decision,
    grants: Vec<Grant>,
    calls: Option<&Summary>,
) -> CompareRow {
    let store = &reading.store;
    let caller = match store.strings_id(id) {
        Some(i) => join::caller(Some(engine), store, i),
        None => {
            let subject = engine.subject(id);
            CallerRef {
                id: id.to_string(),
                display_name: subject.principal.display_name,
                kind: subject.principal.kind,
                in_snapshot: subject.in_directory,
            }
        }
    };
    let empty = Summary::default();
    let s = calls.unwrap_or(&empty);
    let can = could.grants_something();
    let status = if s.successes > 0 {
        if can {
            Status::Used
        } else {
            Status::SucceededWithoutGrant
        }
    } else if s.denied + s.denied_network > 0 {
        if can {
            Status::DeniedDespiteGrant
        } else {
            Status::Denied
        }
    } else if s.count > 0 {
        Status::OtherFailures
    } else {
        Status::NeverCalled
    };
    CompareRow {
        principal: caller,
        status,
        could,
        grants,
        successes: s.successes,
        denied: s.denied,
        denied_by_firewall: s.denied_network,
        other_failures: s.other,
        last_call: s.all.map(|a| time::format(a.last)),
    }
}
