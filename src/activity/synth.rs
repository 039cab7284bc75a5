//! Synthetic audit logs: a month of calls consistent with a tenant's grants (each call's outcome is the
//! evaluator's answer for it), plus a known set of injected disagreements, one of each kind and class the
//! model check knows. [`crate::activity::model_check`] on the result must find exactly the injected ones.
//!
//! Records are written in the storage-archive form (JSON Lines) with the pitfalls of real ones: upper-case
//! resource ids, `resultType: "Success"` on every status, `durationMs` as a string, short claims on data-plane
//! calls and the long claim URIs on control-plane ones.

use std::io::{self, Write};

use serde::Serialize;

use super::join::verdict_for;
use super::model_check::{Class, Kind};
use super::time;
use crate::catalog::Action;
use crate::eval::network::{self, Origin};
use crate::eval::{Decision, Engine};
use crate::model::{PrincipalKind, Scope, Vault};
use crate::query;
use crate::synth::Rng;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// Azure CLI's application id: users call through it.
const AZ_CLI_APP: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
/// When the snapshot has no `collectedAt`.
const DEFAULT_END: &str = "2026-11-28T10:00:00Z";

#[derive(Debug, Clone, Copy)]
pub struct LogSpec {
    /// Consistent calls to write (the injected ones come on top).
    pub calls: usize,
    pub days: u32,
    pub seed: u64,
}

/// One disagreement the generator put in, as the model check should report it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Injected {
    pub kind: Kind,
    pub class: Class,
    /// The vault's resource id, lower case.
    pub vault: String,
    pub item: Option<String>,
    pub caller: String,
    pub operation: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Written {
    pub records: u64,
    pub injected: Vec<Injected>,
}

/// One call to write.
#[derive(Debug, Clone)]
pub struct CallSpec<'a> {
    pub time: i64,
    pub vault: &'a Vault,
    /// (`secrets`, name) for item calls.
    pub item: Option<(&'a str, &'a str)>,
    pub caller: &'a str,
    pub app: &'a str,
    pub operation: &'a str,
    pub status: u16,
    pub ip: &'a str,
    /// The firewall refused the call.
    pub firewall: bool,
    pub applied_assignment: Option<&'a str>,
}

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Writes one record in the storage-archive form, as one line.
pub fn record_line(c: &CallSpec, out: &mut impl Write) -> io::Result<()> {
    let control = c.operation.starts_with("Vault");
    let host = format!(
        "https://{}.vault.azure.net",
        c.vault.name.to_ascii_lowercase()
    );
    let id = match c.item {
        Some((kind, name)) => format!("{host}/{kind}/{name}"),
        None if c.operation.ends_with("List") => {
            let kind = match c.operation {
                o if o.starts_with("Key") => "keys",
                o if o.starts_with("Certificate") => "certificates",
                _ => "secrets",
            };
            format!("{host}/{kind}")
        }
        None => format!("{host}/"),
    };
    let signature = match c.status {
        200 => "OK",
        403 => "Forbidden",
        _ => "Bad Request",
    };
    let claim = if control {
        format!(
            r#""http://schemas.microsoft.com/identity/claims/objectidentifier":{},"appid":{}"#,
            q(c.caller),
            q(c.app)
        )
    } else {
        format!(
            r#""oid":{},"appid":{},"idtyp":"app""#,
            q(c.caller),
            q(c.app)
        )
    };
    let decided = if c.firewall {
        r#""isAddressAuthorized":false"#.to_string()
    } else if c.vault.rbac_authorization {
        let mut s = format!(r#""isRbacAuthorized":{}"#, c.status < 400);
        if let Some(a) = c.applied_assignment {
            s.push_str(&format!(r#","appliedAssignmentId":{}"#, q(a)));
        }
        s
    } else {
        format!(r#""isAccessPolicyMatch":{}"#, c.status < 400)
    };
    let description = if c.firewall {
        "Client address is not authorized and caller is not a trusted service."
    } else {
        ""
    };
    writeln!(
        out,
        r#"{{"time":"{}","resourceId":{},"operationName":"{}","operationVersion":"{}","category":"AuditEvent","resultType":"Success","resultSignature":"{signature}","resultDescription":"{description}","durationMs":"{}","callerIpAddress":"{}","correlationId":"","identity":{{"claim":{{{claim}}}}},"properties":{{"id":{},"clientInfo":"kvaccess-synth","httpStatusCode":{},"requestUri":{},{decided},"tlsVersion":"TLS1_2"}}}}"#,
        time::format(c.time).replace('Z', "0000Z"),
        q(&c.vault.scope.id().to_ascii_uppercase()),
        c.operation,
        if control { "2023-07-01" } else { "7.4" },
        (c.time % 97) + 3,
        c.ip,
        q(&id),
        c.status,
        q(&format!("{id}?api-version=7.4")),
    )
}

/// (operation, item kind) pairs the generator calls.
const OPS: &[(&str, Option<&str>)] = &[
    ("SecretGet", Some("secrets")),
    ("SecretList", None),
    ("KeyGet", Some("keys")),
    ("KeyUnwrap", Some("keys")),
    ("CertificateGet", Some("certificates")),
    ("VaultGet", None),
];

/// A (caller, vault, item, operation) with the evaluator's decision for it.
struct Candidate<'s> {
    vault: &'s Vault,
    item: Option<(&'static str, String)>,
    caller: String,
    app: String,
    operation: &'static str,
    decision: Decision,
}

fn scope_for(vault: &Vault, item: Option<(&str, &str)>) -> Option<Scope> {
    match item {
        Some((kind, name)) => Scope::parse(&format!("{}/{kind}/{name}", vault.scope.id())).ok(),
        None => Some(vault.scope.clone()),
    }
}

fn decide(
    engine: &Engine,
    vault: &Vault,
    item: Option<(&str, &str)>,
    caller: &str,
    app: &str,
    op: &str,
) -> Option<Decision> {
    let scope = scope_for(vault, item)?;
    verdict_for(engine, caller, Some(app), &scope, op)
        .ok()
        .map(|v| v.decision)
}

fn app_of(engine: &Engine, id: &str) -> String {
    engine
        .index
        .principal
        .get(id)
        .and_then(|&i| engine.snapshot.principals.get(i))
        .and_then(|p| {
            (p.kind != PrincipalKind::User)
                .then(|| p.app_id.clone())
                .flatten()
        })
        .unwrap_or_else(|| AZ_CLI_APP.to_string())
}

fn action_of(op: &str, vault: &Vault) -> Option<Action> {
    super::operations::lookup(op)?
        .action(vault.rbac_authorization)
        .cloned()
}

fn candidates<'s>(engine: &'s Engine, rng: &mut Rng) -> Vec<Candidate<'s>> {
    let identities: Vec<&str> = engine
        .snapshot
        .principals
        .iter()
        .filter(|p| p.kind.is_identity())
        .map(|p| p.id.as_str())
        .collect();
    let mut vaults: Vec<&Vault> = engine.snapshot.vaults.iter().collect();
    rng.shuffle(&mut vaults);
    vaults.truncate(20);
    vaults.sort_by(|a, b| a.scope.key().cmp(b.scope.key()));
    let mut out = Vec::new();
    for vault in vaults {
        for &(op, kind) in OPS {
            let Some(action) = action_of(op, vault) else {
                continue;
            };
            let holders = query::who_can(engine, &vault.scope, &action)
                .map(|w| w.principals)
                .unwrap_or_default();
            let mut callers: Vec<(String, Option<String>)> = holders
                .iter()
                .filter(|h| h.decision == Decision::Allowed)
                .take(3)
                .map(|h| (h.id.clone(), h.via_app.clone()))
                .collect();
            for _ in 0..2 {
                if let Some(id) = identities.get(rng.below(identities.len())) {
                    callers.push((id.to_string(), None));
                }
            }
            for (caller, via) in callers {
                let app = via.unwrap_or_else(|| app_of(engine, &caller));
                let item = kind.map(|k| (k, format!("{k}-item-{}", rng.below(3))));
                let Some(decision) = decide(
                    engine,
                    vault,
                    item.as_ref().map(|(k, n)| (*k, n.as_str())),
                    &caller,
                    &app,
                    op,
                ) else {
                    continue;
                };
                if matches!(decision, Decision::Allowed | Decision::Denied) {
                    out.push(Candidate {
                        vault,
                        item,
                        caller,
                        app,
                        operation: op,
                        decision,
                    });
                }
            }
        }
    }
    out
}

fn blocks(vault: &Vault, ip: &str) -> bool {
    ip.parse()
        .is_ok_and(|ip| network::admits(&vault.network, &Origin::Ip(ip)).allowed() == Some(false))
}

/// Writes `spec.calls` consistent calls and the injected disagreements as JSON Lines.
pub fn write_logs(engine: &Engine, spec: &LogSpec, out: &mut impl Write) -> io::Result<Written> {
    let mut rng = Rng::new(spec.seed ^ 0x10C5);
    let end = engine
        .snapshot
        .collected_at
        .as_deref()
        .and_then(time::parse)
        .or_else(|| time::parse(DEFAULT_END))
        .unwrap_or(0);
    let start = end - i64::from(spec.days.max(1)) * DAY;
    let all = candidates(engine, &mut rng);
    let mut records = 0u64;
    if !all.is_empty() {
        for n in 0..spec.calls {
            let c = &all[rng.below(all.len())];
            let t = start + (rng.unit() * (end - start - HOUR) as f64) as i64;
            let firewall =
                c.decision == Decision::Denied && blocks(c.vault, "198.51.100.7") && n % 2 == 0;
            let ip = if firewall {
                "198.51.100.7".to_string()
            } else {
                format!("203.0.113.{}", 1 + n % 200)
            };
            record_line(
                &CallSpec {
                    time: t,
                    vault: c.vault,
                    item: c.item.as_ref().map(|(k, n)| (*k, n.as_str())),
                    caller: &c.caller,
                    app: &c.app,
                    operation: c.operation,
                    status: if c.decision == Decision::Allowed {
                        200
                    } else {
                        403
                    },
                    ip: &ip,
                    firewall,
                    applied_assignment: None,
                },
                out,
            )?;
            records += 1;
        }
    }
    let (injected, extra) = inject(engine, &all, (start, end), &mut rng, out)?;
    Ok(Written {
        records: records + extra,
        injected,
    })
}

/// The injected disagreements: each on a fresh item (`injected-N`) so no consistent call shares its summary.
fn inject(
    engine: &Engine,
    all: &[Candidate],
    (start, end): (i64, i64),
    rng: &mut Rng,
    out: &mut impl Write,
) -> io::Result<(Vec<Injected>, u64)> {
    let mut injected = Vec::new();
    let mut records = 0;
    // The vault whose configuration changes mid-window: a vaults/write holder patches it.
    let patched = all.iter().find_map(|c| {
        let action = action_of("VaultPatch", c.vault)?;
        let w = query::who_can(engine, &c.vault.scope, &action).ok()?;
        let h = w
            .principals
            .iter()
            .find(|h| h.decision == Decision::Allowed)?;
        Some((c.vault, h.id.clone()))
    });
    let plans: [(Kind, Class, Decision); 6] = [
        (
            Kind::LoggedAllowedKvaccessDenied,
            Class::Unexplained,
            Decision::Denied,
        ),
        (
            Kind::LoggedDeniedKvaccessAllowed,
            Class::Unexplained,
            Decision::Allowed,
        ),
        (
            Kind::LoggedAllowedKvaccessDenied,
            Class::SnapshotOlderThanCall,
            Decision::Denied,
        ),
        (
            Kind::LoggedFirewallDeniedKvaccessAdmits,
            Class::NetworkPathDiffered,
            Decision::Allowed,
        ),
        (
            Kind::LoggedAllowedKvaccessDenied,
            Class::ChangedSince,
            Decision::Denied,
        ),
        (
            Kind::AssignmentNotAmongGrants,
            Class::Unexplained,
            Decision::Allowed,
        ),
    ];
    for (n, (kind, class, needs)) in plans.into_iter().enumerate() {
        let item_name = format!("injected-{n}");
        let on_patched = |v: &Vault| patched.as_ref().is_some_and(|(p, _)| p.scope == v.scope);
        let pick = all.iter().find(|c| {
            let fits_vault = match class {
                Class::ChangedSince => on_patched(c.vault),
                _ => !on_patched(c.vault),
            };
            let fits_kind = match kind {
                Kind::LoggedFirewallDeniedKvaccessAdmits => {
                    !blocks(c.vault, "10.1.2.3")
                        && network::admits(&c.vault.network, &Origin::Ip([10, 1, 2, 3].into()))
                            .allowed()
                            == Some(true)
                }
                Kind::AssignmentNotAmongGrants => c.vault.rbac_authorization,
                _ => true,
            };
            fits_vault
                && fits_kind
                && c.operation == "SecretGet"
                && decide(
                    engine,
                    c.vault,
                    Some(("secrets", &item_name)),
                    &c.caller,
                    &c.app,
                    "SecretGet",
                ) == Some(needs)
        });
        let Some(c) = pick else {
            continue;
        };
        let (time, status, ip, firewall) = match (kind, class) {
            (_, Class::SnapshotOlderThanCall) => (end + 2 * HOUR, 200, "203.0.113.250", false),
            (Kind::LoggedFirewallDeniedKvaccessAdmits, _) => {
                (start + 3 * DAY, 403, "10.1.2.3", true)
            }
            (Kind::LoggedDeniedKvaccessAllowed, _) => {
                (start + 4 * DAY, 403, "203.0.113.251", false)
            }
            (_, Class::ChangedSince) => (start + 5 * DAY, 200, "203.0.113.252", false),
            _ => (
                start + 6 * DAY + rng.below(1000) as i64,
                200,
                "203.0.113.253",
                false,
            ),
        };
        let assignment = format!("{:032x}", rng.next_u64());
        record_line(
            &CallSpec {
                time,
                vault: c.vault,
                item: Some(("secrets", &item_name)),
                caller: &c.caller,
                app: &c.app,
                operation: "SecretGet",
                status,
                ip,
                firewall,
                applied_assignment: (kind == Kind::AssignmentNotAmongGrants)
                    .then_some(assignment.as_str()),
            },
            out,
        )?;
        records += 1;
        if class == Class::ChangedSince
            && let Some((vault, writer)) = &patched
        {
            record_line(
                &CallSpec {
                    time: start + 6 * DAY,
                    vault,
                    item: None,
                    caller: writer,
                    app: &app_of(engine, writer),
                    operation: "VaultPatch",
                    status: 200,
                    ip: "203.0.113.254",
                    firewall: false,
                    applied_assignment: None,
                },
                out,
            )?;
            records += 1;
        }
        injected.push(Injected {
            kind,
            class,
            vault: c.vault.scope.key().to_string(),
            item: Some(format!("secrets/{item_name}")),
            caller: c.caller.clone(),
            operation: "SecretGet".to_string(),
        });
    }
    injected.sort();
    Ok((injected, records))
}
