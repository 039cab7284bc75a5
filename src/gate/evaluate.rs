//! Rules against an engine (over the snapshot, or the state a plan leaves), through the bulk queries.

use std::collections::{BTreeMap, HashMap};

use crate::catalog::{self, Action, Plane};
use crate::display::in_words;
use crate::eval::{Engine, GrantKind, PrincipalRef};
use crate::model::{PolicyKind, PublicNetworkAccess, Scope, ScopeKind, Vault};
use crate::query::{self, escalations_for_vault, who_can};

use super::changes::{ChangeInput, Sources, new_access};
use super::rules::{Exception, Kind, Rule, glob};
use super::{Excepted, Report, RuleResult, Violation};

/// Vault tags by vault id (lower-cased). The snapshot format has no tags; the CLI reads them from the
/// ARM-shaped vault bodies when a snapshot carries them.
pub type VaultTags = HashMap<String, BTreeMap<String, String>>;

/// Default operations for `no-wide-data-roles`: reading each kind of object.
const WIDE_DEFAULT: [&str; 3] = ["secrets/get", "keys/get", "certificates/get"];

/// Checks every rule. `Err` names a rule whose words the snapshot cannot resolve (a principal it lacks,
/// a scope that is not an id, tags it does not hold): the gate cannot decide that rule.
pub fn evaluate(
    engine: &Engine,
    rules: &[Rule],
    tags: &VaultTags,
    change: Option<&ChangeInput>,
    today: &str,
    rules_file: &str,
) -> Result<Report, String> {
    let mut results = Vec::with_capacity(rules.len());
    let sources = change.map(Sources::new);
    for rule in rules {
        let fail = |m: String| format!("rule '{}' (line {}): {m}", rule.id, rule.line);
        let vaults = select(engine, rule, tags).map_err(fail)?;
        let allowed = Allowed::new(engine, rule).map_err(fail)?;
        let found = match rule.kind {
            Kind::OnlyPrincipals => holders(engine, &vaults, &rule.actions(), |g| {
                !allowed.contains(engine, &g.0)
            }),
            Kind::NoSelfGrant => self_grants(engine, &vaults, &allowed),
            Kind::VaultPosture => posture(rule, &vaults),
            Kind::NoAllPermission => all_entries(engine, &vaults),
            Kind::NoWideDataRoles => {
                let mut actions = rule.actions();
                if actions.is_empty() {
                    actions = WIDE_DEFAULT
                        .iter()
                        .filter_map(|o| catalog::resolve(o).ok())
                        .collect();
                }
                wide(engine, &vaults, &actions)
            }
            Kind::NoNewAccess => {
                let change = change.ok_or_else(|| {
                    fail("no-new-access needs the changes: --terraform-plan, --arm-whatif or --changes".into())
                })?;
                new_access(engine, &vaults, change)
            }
        };
        let mut found = found;
        if let Some(sources) = &sources {
            // Evidence that a plan change put there names the plan resource.
            for x in found.iter_mut().filter(|x| x.addresses.is_empty()) {
                x.addresses = sources.addresses(&x.grants, x.vault.as_deref());
            }
        }
        results.push(apply_exceptions(engine, rule, vaults.len(), found, today));
    }
    Ok(Report {
        rules_file: rules_file.to_string(),
        today: today.to_string(),
        rules: results,
    })
}

fn select<'e>(engine: &'e Engine, rule: &Rule, tags: &VaultTags) -> Result<Vec<&'e Vault>, String> {
    let s = &rule.vaults;
    let scope = s
        .scope
        .as_deref()
        .map(|t| Scope::parse(t).map_err(|_| format!("vaults.scope '{t}' is not an ARM scope id")))
        .transpose()?;
    if s.tags.is_some() && tags.is_empty() {
        return Err("it selects vaults by tag, but the snapshot holds no vault tags".into());
    }
    Ok(engine
        .snapshot
        .vaults
        .iter()
        .filter(|v| s.name.as_deref().is_none_or(|p| glob(p, &v.name)))
        .filter(|v| {
            scope
                .as_ref()
                .is_none_or(|sc| engine.index.ancestry(&v.scope).contains(sc.key()))
        })
        .filter(|v| {
            s.tags.as_ref().is_none_or(|want| {
                let have = tags.get(&v.scope.id().to_ascii_lowercase());
                want.iter().all(|(k, p)| {
                    have.and_then(|h| h.iter().find(|(hk, _)| hk.eq_ignore_ascii_case(k)))
                        .is_some_and(|(_, hv)| glob(p, hv))
                })
            })
        })
        .collect())
}

/// The principals and groups a rule allows, as object ids.
struct Allowed {
    ids: Vec<String>,
    groups: Vec<String>,
}

impl Allowed {
    fn new(engine: &Engine, rule: &Rule) -> Result<Self, String> {
        let resolve = |names: &[String], what: &str| -> Result<Vec<String>, String> {
            names
                .iter()
                .map(|n| {
                    query::resolve_principal(engine, n).map_err(|e| format!("{what} '{n}': {e}"))
                })
                .collect()
        };
        Ok(Self {
            ids: resolve(&rule.principals, "principal")?,
            groups: resolve(&rule.groups, "group")?,
        })
    }

    fn contains(&self, engine: &Engine, id: &str) -> bool {
        self.ids.iter().any(|a| a == id)
            || (!self.groups.is_empty() && {
                let set = engine.subject(id).set;
                self.groups.iter().any(|g| set.reach(g).is_some())
            })
    }
}

pub(super) fn base(message: String, vault: &Vault) -> Violation {
    Violation {
        message,
        principal: None,
        via_app: None,
        vault: Some(vault.scope.id().to_string()),
        operations: Vec::new(),
        decision: None,
        grants: Vec::new(),
        evidence: Vec::new(),
        unknown_because: Vec::new(),
        addresses: Vec::new(),
    }
}

/// Who-can per vault and operation; one violation per (principal, app, vault, verdict) with its
/// operations, for the identities `flag` picks.
fn holders(
    engine: &Engine,
    vaults: &[&Vault],
    actions: &[Action],
    flag: impl Fn(&(String, Option<String>)) -> bool,
) -> Vec<Violation> {
    let mut out: Vec<Violation> = Vec::new();
    for v in vaults {
        // The violation of each (principal, app) at this vault, by position: one per distinct verdict.
        let mut at: HashMap<(String, Option<String>), Vec<usize>> = HashMap::new();
        for action in actions {
            let Ok(answer) = who_can(engine, &v.scope, action) else {
                continue;
            };
            for e in answer.principals {
                let key = (e.id.clone(), e.via_app.clone());
                if !flag(&key) {
                    continue;
                }
                let slots = at.entry(key).or_default();
                let same = slots.iter().copied().find(|&i| {
                    out[i].decision == Some(e.decision)
                        && out[i]
                            .grants
                            .iter()
                            .map(|g| &g.id)
                            .eq(e.grants.iter().map(|g| &g.id))
                });
                if let Some(i) = same {
                    out[i].operations.push(action.label.clone());
                    continue;
                }
                slots.push(out.len());
                let mut x = base(
                    format!(
                        "{} ({}) is {} {} on {}",
                        e.display_name,
                        e.kind.as_str(),
                        e.decision.as_str(),
                        action.label,
                        v.name
                    ),
                    v,
                );
                x.principal = Some(PrincipalRef {
                    id: e.id,
                    display_name: e.display_name,
                    kind: e.kind,
                });
                x.via_app = e.via_app;
                x.operations.push(action.label.clone());
                x.decision = Some(e.decision);
                x.grants = e.grants;
                x.unknown_because = in_words(&e.unknown_because);
                out.push(x);
            }
        }
    }
    for x in &mut out {
        if x.operations.len() > 1 {
            let name = x.vault.as_deref().map(super::short).unwrap_or_default();
            let who = x
                .principal
                .as_ref()
                .map_or(String::new(), |p| p.display_name.clone());
            let decision = x.decision.map_or("", |d| d.as_str());
            x.message = format!("{who} is {decision} {} on {name}", x.operations.join(", "));
        }
    }
    out
}

fn self_grants(engine: &Engine, vaults: &[&Vault], allowed: &Allowed) -> Vec<Violation> {
    let mut out = Vec::new();
    for v in vaults {
        for f in escalations_for_vault(engine, v) {
            if allowed.contains(engine, &f.principal.id) {
                continue;
            }
            let mut x = base(
                format!(
                    "{} ({}) {} on {}",
                    f.principal.display_name,
                    f.principal.kind.as_str(),
                    f.technique.describe(),
                    v.name
                ),
                v,
            );
            x.operations.push(f.technique.as_str().to_string());
            x.decision = Some(f.decision);
            match (&f.role_name, f.grant.is_empty()) {
                (Some(r), _) => x
                    .evidence
                    .push(format!("through role '{r}' (assignment {})", f.grant)),
                (None, false) => x.evidence.push(format!("through {}", f.grant)),
                (None, true) => {}
            }
            if let Some(c) = &f.condition {
                x.evidence.push(format!("if: {c}"));
            }
            x.unknown_because = in_words(&f.unknown_because);
            x.principal = Some(f.principal);
            out.push(x);
        }
    }
    out
}

fn posture(rule: &Rule, vaults: &[&Vault]) -> Vec<Violation> {
    let mut out = Vec::new();
    for v in vaults {
        let mut fail = |what: &str, evidence: String| {
            let mut x = base(format!("{} {what}", v.name), v);
            x.evidence.push(evidence);
            out.push(x);
        };
        if rule.require_rbac && !v.rbac_authorization {
            fail(
                "does not use RBAC",
                "enableRbacAuthorization is false: access policies decide the data plane".into(),
            );
        }
        if rule.require_purge_protection && !v.purge_protection {
            fail(
                "has no purge protection",
                "enablePurgeProtection is not true".into(),
            );
        }
        if rule.deny_public_network_access
            && v.network.public_network_access != PublicNetworkAccess::Disabled
        {
            fail(
                "allows public network access",
                format!(
                    "publicNetworkAccess is {:?}",
                    v.network.public_network_access
                ),
            );
        }
    }
    out
}

fn all_entries(engine: &Engine, vaults: &[&Vault]) -> Vec<Violation> {
    let mut out = Vec::new();
    for v in vaults {
        for e in &v.access_policies {
            let lists: Vec<&str> = PolicyKind::ALL
                .into_iter()
                .filter(|k| {
                    e.permissions(*k)
                        .iter()
                        .any(|p| p.eq_ignore_ascii_case("all"))
                })
                .map(PolicyKind::as_str)
                .collect();
            if lists.is_empty() {
                continue;
            }
            let who = engine.subject(&e.object_id).principal;
            let mut x = base(
                format!(
                    "the access-policy entry of {} grants all {} on {}",
                    who.display_name,
                    lists.join(", "),
                    v.name
                ),
                v,
            );
            x.evidence.push(format!(
                "{}/accessPolicies/{}{}",
                v.scope.id(),
                e.object_id,
                e.application_id
                    .as_deref()
                    .map(|a| format!("/{a}"))
                    .unwrap_or_default()
            ));
            if v.rbac_authorization {
                x.evidence.push(
                    "inactive while the vault uses RBAC, active again if it switches back".into(),
                );
            }
            x.operations = lists.iter().map(|l| format!("{l}/all")).collect();
            x.via_app = e.application_id.clone();
            x.principal = Some(who);
            out.push(x);
        }
    }
    out
}

/// Data access through a role assigned at a subscription, a management group or the root.
fn wide(engine: &Engine, vaults: &[&Vault], actions: &[Action]) -> Vec<Violation> {
    let wide_scope = |s: &str| {
        Scope::parse(s).is_ok_and(|s| {
            matches!(
                s.kind(),
                ScopeKind::Subscription | ScopeKind::ManagementGroup | ScopeKind::Root
            )
        })
    };
    let data: Vec<Action> = actions
        .iter()
        .filter(|a| a.plane == Plane::Data)
        .cloned()
        .collect();
    let mut out = holders(engine, vaults, &data, |_| true);
    out.retain_mut(|x| {
        x.grants
            .retain(|g| g.kind == GrantKind::RoleAssignment && wide_scope(&g.scope));
        if x.grants.is_empty() {
            return false;
        }
        let scopes: Vec<String> = x.grants.iter().map(|g| super::short(&g.scope)).collect();
        x.message = format!("{} through a role at {}", x.message, scopes.join(", "));
        true
    });
    out
}

/// Takes out what a current exception covers; lists exceptions past their date.
fn apply_exceptions(
    engine: &Engine,
    rule: &Rule,
    vaults: usize,
    found: Vec<Violation>,
    today: &str,
) -> RuleResult {
    let (current, expired): (Vec<&Exception>, Vec<&Exception>) = rule
        .exceptions
        .iter()
        .partition(|e| e.expires.as_str() >= today);
    let principal_ids: Vec<Option<String>> = current
        .iter()
        .map(|e| {
            e.principal.as_deref().map(|p| {
                query::resolve_principal(engine, p).unwrap_or_else(|_| p.to_ascii_lowercase())
            })
        })
        .collect();
    let mut violations = Vec::new();
    let mut excepted = Vec::new();
    for x in found {
        let cover = current.iter().zip(&principal_ids).find(|(e, id)| {
            let principal_ok = id
                .as_deref()
                .is_none_or(|id| x.principal.as_ref().is_some_and(|p| p.id == id));
            let vault_ok = e.vault.as_deref().is_none_or(|pattern| {
                x.vault.as_deref().is_some_and(|v| {
                    v.eq_ignore_ascii_case(pattern) || glob(pattern, &super::short(v))
                })
            });
            principal_ok && vault_ok
        });
        match cover {
            Some((e, _)) => excepted.push(Excepted {
                violation: x,
                exception_line: e.line,
                reason: e.reason.clone(),
                expires: e.expires.clone(),
            }),
            None => violations.push(x),
        }
    }
    RuleResult {
        id: rule.id.clone(),
        kind: rule.kind,
        description: rule.description.clone(),
        line: rule.line,
        vaults,
        violations,
        excepted,
        expired: expired.into_iter().cloned().collect(),
    }
}
