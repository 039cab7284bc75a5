//! Model check: every logged decision whose outcome disagrees with the evaluator on the snapshot, with both
//! sides' evidence, classified. Key Vault decided each logged call for real; where kvaccess, on the same
//! principal, object and operation, answers otherwise, either the world changed between the call and the
//! snapshot, the call took a network path kvaccess did not assume, or kvaccess is wrong.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Serialize;

use super::join::{self, CallerRef, Filter};
use super::read::Reading;
use super::summary::{Key, Span, Store, Summary};
use super::time;
use crate::eval::network::{self, Origin};
use crate::eval::{Decision, Engine, Verdict};
use crate::model::role::trailing_guid;

/// What disagrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Kind {
    /// Key Vault answered 2xx; kvaccess says denied.
    LoggedAllowedKvaccessDenied,
    /// Key Vault answered 403 (authorization); kvaccess says allowed.
    LoggedDeniedKvaccessAllowed,
    /// Key Vault's firewall refused the call; kvaccess's network rules admit the logged address.
    LoggedFirewallDeniedKvaccessAdmits,
    /// Key Vault names the role assignment that applied; kvaccess's grants do not include it.
    AssignmentNotAmongGrants,
}

/// Why, as far as the evidence goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Class {
    /// The calls happened after the snapshot was collected: it cannot know.
    SnapshotOlderThanCall,
    /// A successful VaultPut/VaultPatch on the vault was logged between the call and the snapshot (access
    /// policies or vault settings changed since).
    ChangedSince,
    /// The call came from a private address or over a path other than a public IP (service endpoint,
    /// private endpoint, trusted service), so the logged address is not what the firewall judged.
    NetworkPathDiffered,
    /// None of the above: a disagreement to look at (an evaluator bug, or a change the logs do not show,
    /// such as a role assignment made and removed outside Key Vault's log).
    Unexplained,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogSide {
    pub operation: String,
    pub successes: u64,
    pub denied: u64,
    pub denied_by_firewall: u64,
    /// The span of the calls that disagree.
    pub first: String,
    pub last: String,
    pub source_ips: Vec<String>,
    pub network_paths: Vec<String>,
    pub applied_assignments: Vec<String>,
    pub deny_assignments: Vec<String>,
    /// Calls where the log says an access policy matched / did not.
    pub access_policy_match: [u64; 2],
    /// Calls where the log says RBAC authorized / did not.
    pub rbac_authorized: [u64; 2],
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Disagreement {
    pub kind: Kind,
    pub class: Class,
    pub vault: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    pub caller: CallerRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    pub log: LogSide,
    pub kvaccess: Verdict,
    /// The part of the evidence the class rests on.
    pub because: String,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelCheck {
    /// Summaries compared with the evaluator.
    pub checked: u64,
    /// Summaries where both sides agree.
    pub agreed: u64,
    /// Summaries the evaluator answered `unknown` or `conditional` (no disagreement can be stated).
    pub undecided: u64,
    /// Summaries not compared, by reason (unmapped operation, vault not in the snapshot…).
    pub not_checked: BTreeMap<String, u64>,
    pub by_class: BTreeMap<Class, u64>,
    pub by_kind: BTreeMap<Kind, u64>,
    pub disagreements: Vec<Disagreement>,
}

pub fn model_check(reading: &Reading, engine: &Engine, filter: &Filter) -> ModelCheck {
    let store = &reading.store;
    let snapshot_time = engine
        .snapshot
        .collected_at
        .as_deref()
        .and_then(time::parse);
    let changes = vault_changes(store);
    let mut out = ModelCheck::default();
    for (k, s) in store.sorted() {
        if !filter.admits(store, k) || s.successes + s.denied + s.denied_network == 0 {
            continue;
        }
        let v = match join::verdict(engine, store, k) {
            Ok(v) => v,
            Err(why) => {
                *out.not_checked.entry(reason_class(&why)).or_default() += 1;
                continue;
            }
        };
        out.checked += 1;
        let found = disagreements(engine, store, k, s, &v);
        if found.is_empty() {
            if matches!(v.decision, Decision::Unknown | Decision::Conditional) {
                out.undecided += 1;
            } else {
                out.agreed += 1;
            }
            continue;
        }
        for (kind, span) in found {
            let (class, because) =
                classify(kind, span, s, snapshot_time, changes.get(&k.vault), store);
            *out.by_class.entry(class).or_default() += 1;
            *out.by_kind.entry(kind).or_default() += 1;
            out.disagreements.push(Disagreement {
                kind,
                class,
                vault: join::vault_id(Some(engine), store, k),
                item: store.opt(k.item).map(str::to_string),
                caller: join::caller(Some(engine), store, k.caller),
                app: store.opt(k.app).map(str::to_string),
                log: log_side(store, k, s, span),
                kvaccess: v.clone(),
                because,
            });
        }
    }
    out
}

/// Groups the `vault_id` of a "not checked" reason so the counts stay few.
fn reason_class(why: &str) -> String {
    if why.contains("is not in the snapshot") {
        "vault not in the snapshot".into()
    } else if why.contains("not in the mapping") {
        "operation not in the mapping".into()
    } else if why.contains("needs no permission") {
        "authentication step".into()
    } else {
        why.to_string()
    }
}

fn disagreements(
    engine: &Engine,
    store: &Store,
    k: &Key,
    s: &Summary,
    v: &Verdict,
) -> Vec<(Kind, Span)> {
    let mut out = Vec::new();
    if let Some(span) = s.success
        && v.decision == Decision::Denied
    {
        out.push((Kind::LoggedAllowedKvaccessDenied, span));
    }
    if let Some(span) = s.denial
        && s.denied > 0
        && v.decision == Decision::Allowed
    {
        out.push((Kind::LoggedDeniedKvaccessAllowed, span));
    }
    if let Some(span) = s.denial
        && s.denied_network > 0
        && firewall_admits_all(engine, store, k, s)
    {
        out.push((Kind::LoggedFirewallDeniedKvaccessAdmits, span));
    }
    if let Some(span) = s.success
        && v.decision == Decision::Allowed
        && !s.assignments.values.is_empty()
    {
        let granted: Vec<String> = v.grants.iter().map(|g| plain_guid(&g.id)).collect();
        let missing = s
            .assignments
            .values
            .iter()
            .any(|&a| !granted.contains(&plain_guid(store.strings.get(a))));
        if missing {
            out.push((Kind::AssignmentNotAmongGrants, span));
        }
    }
    out
}

/// A role assignment id or bare GUID as 32 lower-case hex digits (logs drop the dashes).
fn plain_guid(id: &str) -> String {
    trailing_guid(id).replace('-', "").to_ascii_lowercase()
}

/// Whether the vault's rules, as the snapshot has them, admit every logged source address.
fn firewall_admits_all(engine: &Engine, store: &Store, k: &Key, s: &Summary) -> bool {
    let Some(scope) = join::scope_of(store, k) else {
        return false;
    };
    let Some(vault) = engine.target(&scope).vault else {
        return false;
    };
    let ips: Vec<IpAddr> = s
        .ips
        .values
        .iter()
        .filter_map(|&i| store.strings.get(i).parse().ok())
        .collect();
    !ips.is_empty()
        && ips
            .iter()
            .all(|ip| network::admits(&vault.network, &Origin::Ip(*ip)).allowed() == Some(true))
}

/// The successful vault-configuration changes logged per vault (times), for [`Class::ChangedSince`].
fn vault_changes(store: &Store) -> rustc_hash::FxHashMap<u32, Vec<Span>> {
    let mut out: rustc_hash::FxHashMap<u32, Vec<Span>> = Default::default();
    for (k, s) in &store.summaries {
        let op = store.strings.get(k.operation);
        if (op.eq_ignore_ascii_case("VaultPatch") || op.eq_ignore_ascii_case("VaultPut"))
            && let Some(span) = s.success
        {
            out.entry(k.vault).or_default().push(span);
        }
    }
    out
}

fn is_private(ip: &str) -> bool {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            v4.is_private()
                || v4.is_loopback()
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xC0) == 64)
        }
        Ok(IpAddr::V6(v6)) => (v6.segments()[0] & 0xfe00) == 0xfc00 || v6.is_loopback(),
        Err(_) => false,
    }
}

fn classify(
    kind: Kind,
    span: Span,
    s: &Summary,
    snapshot_time: Option<i64>,
    changes: Option<&Vec<Span>>,
    store: &Store,
) -> (Class, String) {
    if let Some(t) = snapshot_time {
        if span.last > t {
            return (
                Class::SnapshotOlderThanCall,
                format!(
                    "last such call at {}, after the snapshot was collected ({})",
                    time::format(span.last),
                    time::format(t)
                ),
            );
        }
        if let Some(change) = changes
            .into_iter()
            .flatten()
            .find(|c| c.last >= span.first && c.first <= t)
        {
            return (
                Class::ChangedSince,
                format!(
                    "the vault was changed (VaultPut/VaultPatch) at {}, between the call and the snapshot",
                    time::format(change.last.max(span.first))
                ),
            );
        }
    }
    let ips: Vec<&str> = s.ips.values.iter().map(|&i| store.strings.get(i)).collect();
    if kind == Kind::LoggedFirewallDeniedKvaccessAdmits
        && !ips.is_empty()
        && ips.iter().all(|ip| is_private(ip))
    {
        return (
            Class::NetworkPathDiffered,
            format!(
                "the calls came from private addresses ({}): a virtual network or private endpoint, not the public IP rules, decided",
                ips.join(", ")
            ),
        );
    }
    let why = match snapshot_time {
        None => {
            "the snapshot has no collectedAt time, so the call cannot be placed before or after it"
        }
        Some(_) => "no change or network path in the logs explains it",
    };
    (Class::Unexplained, why.to_string())
}

fn log_side(store: &Store, k: &Key, s: &Summary, span: Span) -> LogSide {
    LogSide {
        operation: store.strings.get(k.operation).to_string(),
        successes: s.successes,
        denied: s.denied,
        denied_by_firewall: s.denied_network,
        first: time::format(span.first),
        last: time::format(span.last),
        source_ips: store.values(&s.ips),
        network_paths: store.values(&s.paths),
        applied_assignments: store.values(&s.assignments),
        deny_assignments: store.values(&s.deny_assignments),
        access_policy_match: s.policy_match,
        rbac_authorized: s.rbac_authorized,
    }
}
