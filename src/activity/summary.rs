//! Calls folded into one summary per (vault, item, caller, application, operation): memory grows with the
//! number of distinct callers and objects, never with the number of records. Strings are interned once;
//! the per-summary sets (source IPs, network paths, applied assignments) are capped and count the rest.

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::record::Call;

/// Every distinct string the summaries name, stored once.
#[derive(Debug, Default)]
pub struct Interner {
    map: FxHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    pub fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.map.get(s) {
            return i;
        }
        let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(s.into());
        self.map.insert(s.into(), i);
        i
    }

    pub fn get(&self, i: u32) -> &str {
        self.names.get(i as usize).map_or("", |s| s)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// No item / no application.
pub const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// The vault's resource id, lower case.
    pub vault: u32,
    /// `secrets/name`, or [`NONE`].
    pub item: u32,
    /// Object id, lower case.
    pub caller: u32,
    /// The client application's id, or [`NONE`].
    pub app: u32,
    pub operation: u32,
}

/// At most [`Capped::CAP`] distinct values, and how many more were seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capped {
    pub values: Vec<u32>,
    pub more: u64,
}

impl Capped {
    pub const CAP: usize = 8;

    fn add(&mut self, v: u32) {
        if self.values.contains(&v) {
            return;
        }
        if self.values.len() < Self::CAP {
            self.values.push(v);
        } else {
            self.more += 1;
        }
    }
}

/// The first and last time of something, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub first: i64,
    pub last: i64,
}

impl Span {
    fn widen(span: &mut Option<Span>, t: i64) {
        match span {
            Some(s) => {
                s.first = s.first.min(t);
                s.last = s.last.max(t);
            }
            None => *span = Some(Span { first: t, last: t }),
        }
    }
}

/// What the logs say about one (vault, item, caller, application, operation).
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub count: u64,
    /// 2xx.
    pub successes: u64,
    /// 403 decided by access policies or RBAC.
    pub denied: u64,
    /// 403 from the firewall.
    pub denied_network: u64,
    /// Everything else (400, 401, 404, 409, 429, 5xx, no status).
    pub other: u64,
    pub all: Option<Span>,
    pub success: Option<Span>,
    pub denial: Option<Span>,
    pub ips: Capped,
    /// `addrAuthType` values of successful calls.
    pub paths: Capped,
    /// `appliedAssignmentId` values of successful calls.
    pub assignments: Capped,
    /// Deny assignments named by denials.
    pub deny_assignments: Capped,
    /// Calls where the log says an access policy matched / did not.
    pub policy_match: [u64; 2],
    /// Calls where the log says RBAC authorized / did not.
    pub rbac_authorized: [u64; 2],
}

/// The summaries and the strings they name.
#[derive(Debug, Default)]
pub struct Store {
    pub strings: Interner,
    pub summaries: FxHashMap<Key, Summary>,
    /// A name the token gave for each caller (UPN or name claim), for callers the snapshot lacks.
    pub caller_names: FxHashMap<u32, u32>,
    scratch: String,
    /// The last vault id as logged and its interned id: an archive file holds one vault's records, so
    /// most records skip lower-casing and hashing it.
    last_vault: Option<(Box<str>, u32)>,
}

impl Store {
    fn lower_id(&mut self, s: &str) -> u32 {
        self.scratch.clear();
        self.scratch.push_str(s);
        self.scratch.make_ascii_lowercase();
        let scratch = std::mem::take(&mut self.scratch);
        let id = self.strings.id(&scratch);
        self.scratch = scratch;
        id
    }

    pub fn add(&mut self, c: &Call) {
        let logged = c.vault.trim_end_matches('/');
        let vault = match &self.last_vault {
            Some((last, id)) if **last == *logged => *id,
            _ => {
                let id = self.lower_id(logged);
                self.last_vault = Some((logged.into(), id));
                id
            }
        };
        let item = match &c.item {
            Some((kind, name)) => {
                self.scratch.clear();
                self.scratch.push_str(kind);
                self.scratch.push('/');
                self.scratch.push_str(name);
                let scratch = std::mem::take(&mut self.scratch);
                let id = self.strings.id(&scratch);
                self.scratch = scratch;
                id
            }
            None => NONE,
        };
        let caller = self.strings.id(&c.caller);
        let app = c.app.as_deref().map_or(NONE, |a| self.strings.id(a));
        let operation = self.strings.id(&c.operation);
        if let Some(name) = &c.caller_name
            && !self.caller_names.contains_key(&caller)
        {
            let n = self.strings.id(name);
            self.caller_names.insert(caller, n);
        }
        let ip = c.ip.as_deref().map(|i| self.strings.id(i));
        let path = c.path.as_deref().map(|p| self.strings.id(p));
        let assignment = c.applied_assignment.as_deref().map(|a| self.strings.id(a));
        let deny = c.deny_assignment.as_deref().map(|d| self.strings.id(d));
        let key = Key {
            vault,
            item,
            caller,
            app,
            operation,
        };
        let s = self.summaries.entry(key).or_default();
        s.count += 1;
        Span::widen(&mut s.all, c.time);
        if let Some(ip) = ip {
            s.ips.add(ip);
        }
        match c.status {
            Some(200..=299) => {
                s.successes += 1;
                Span::widen(&mut s.success, c.time);
                if let Some(p) = path {
                    s.paths.add(p);
                }
                if let Some(a) = assignment {
                    s.assignments.add(a);
                }
            }
            Some(403) => {
                if c.network_denial {
                    s.denied_network += 1;
                } else {
                    s.denied += 1;
                }
                Span::widen(&mut s.denial, c.time);
                if let Some(d) = deny {
                    s.deny_assignments.add(d);
                }
            }
            _ => s.other += 1,
        }
        if let Some(m) = c.policy_match {
            s.policy_match[usize::from(!m)] += 1;
        }
        if let Some(r) = c.rbac_authorized {
            s.rbac_authorized[usize::from(!r)] += 1;
        }
    }

    /// The summaries in a stable order (by vault, item, operation, caller, app strings).
    pub fn sorted(&self) -> Vec<(&Key, &Summary)> {
        let mut all: Vec<_> = self.summaries.iter().collect();
        let s = &self.strings;
        let name = |i: u32| if i == NONE { "" } else { s.get(i) };
        all.sort_by(|(a, _), (b, _)| {
            (
                name(a.vault),
                name(a.item),
                name(a.operation),
                name(a.caller),
                name(a.app),
            )
                .cmp(&(
                    name(b.vault),
                    name(b.item),
                    name(b.operation),
                    name(b.caller),
                    name(b.app),
                ))
        });
        all
    }

    /// The string of an interned id, or `None` for [`NONE`].
    pub fn opt(&self, i: u32) -> Option<&str> {
        (i != NONE).then(|| self.strings.get(i))
    }

    /// The values of a capped set, as strings.
    pub fn values(&self, c: &Capped) -> Vec<String> {
        c.values
            .iter()
            .map(|&v| self.strings.get(v).to_string())
            .collect()
    }
}

impl Store {
    /// The id of a string already interned (no insertion).
    pub fn strings_id(&self, s: &str) -> Option<u32> {
        self.strings.map.get(s).copied()
    }
}
