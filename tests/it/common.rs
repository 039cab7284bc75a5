//! Shared helpers for the what-if tests: a brute-force reference diff and a change-list generator.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet, HashSet};

use kvaccess::catalog::{self, Action, Plane};
use kvaccess::eval::{Decision, Engine};
use kvaccess::model::{PrincipalKind, Scope, ScopeKind, Snapshot};
use kvaccess::query;
use kvaccess::whatif::{
    self, Change, Diff, IdRef, IpRuleRef, NetworkAclsSpec, PermissionSpec, PolicyPermissions,
};

pub const RG_PROD: &str =
    "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod";
pub const KV_PROD: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-app-prod";
pub const KV_RBAC: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-app-rbac";
pub const KV_PRIVATE: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-shared-prod/providers/Microsoft.KeyVault/vaults/kv-private-prod";
pub const KV_DEV: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000002/resourceGroups/rg-app-dev/providers/Microsoft.KeyVault/vaults/kv-app-dev";

/// (principal, via app, scope key, operation, before, after)
pub type Cell = (String, Option<String>, String, String, Decision, Decision);

pub fn demo() -> Snapshot {
    kvaccess::snapshot::demo()
}

/// The changed cells of a diff, as a set.
pub fn cells(d: &Diff) -> BTreeSet<Cell> {
    d.gained
        .iter()
        .chain(&d.lost)
        .map(|c| {
            (
                c.principal.id.clone(),
                c.via_app.clone(),
                c.scope.to_ascii_lowercase(),
                c.action.clone(),
                c.before,
                c.after,
            )
        })
        .collect()
}

fn is_group(e: &Engine, id: &str) -> bool {
    e.index
        .principal
        .get(id)
        .and_then(|&i| e.snapshot.principals.get(i))
        .is_some_and(|p| p.kind == PrincipalKind::Group)
        || e.index.is_group_with_members(id)
}

/// Every decision of every identity at every vault and item, in both snapshots, compared naively; the
/// same presentation rules as the diff (an item is listed when its change differs from its vault's, an
/// application when its change differs from the direct call's).
pub fn brute_force(before: &Snapshot, after: &Snapshot) -> BTreeSet<Cell> {
    let eb = Engine::new(before.clone());
    let ea = Engine::new(after.clone());
    let engines = [&eb, &ea];
    let mut ids: BTreeSet<String> = BTreeSet::new();
    for e in engines {
        ids.extend(e.snapshot.principals.iter().map(|p| p.id.clone()));
        ids.extend(e.index.referenced_ids.iter().cloned());
    }
    ids.retain(|id| engines.iter().all(|e| !is_group(e, id)));
    let mut vaults: BTreeMap<String, Scope> = BTreeMap::new();
    let mut items: BTreeMap<String, BTreeMap<String, Scope>> = BTreeMap::new();
    let mut apps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in engines {
        let s = &*e.snapshot;
        for v in &s.vaults {
            vaults.insert(v.scope.key().to_string(), v.scope.clone());
            for p in &v.access_policies {
                if let Some(app) = &p.application_id {
                    apps.entry(v.scope.key().to_string())
                        .or_default()
                        .insert(app.clone());
                }
            }
        }
        let scopes = s
            .vault_items
            .iter()
            .map(|i| &i.scope)
            .chain(s.role_assignments.iter().map(|a| &a.scope))
            .chain(s.deny_assignments.iter().map(|d| &d.scope));
        for sc in scopes {
            if let (ScopeKind::VaultItem(_), Some(v)) = (sc.kind(), sc.vault()) {
                items
                    .entry(v.key().to_string())
                    .or_default()
                    .insert(sc.key().to_string(), sc.clone());
            }
        }
    }
    let ops: Vec<(&'static str, Action)> = catalog::operations()
        .iter()
        .map(|op| (op.name, catalog::resolve(op.name).unwrap()))
        .collect();
    let mut out = BTreeSet::new();
    for (key, vault) in &vaults {
        let mut targets = vec![vault.clone()];
        targets.extend(items.get(key).into_iter().flat_map(|m| m.values().cloned()));
        let vault_apps: Vec<Option<String>> = std::iter::once(None)
            .chain(apps.get(key).into_iter().flatten().cloned().map(Some))
            .collect();
        for id in &ids {
            let (sb, sa) = (eb.subject(id), ea.subject(id));
            let mut seen: BTreeMap<(Option<String>, String, &str), (Decision, Decision)> =
                BTreeMap::new();
            for app in &vault_apps {
                for t in &targets {
                    let (tb, ta) = (eb.target(t), ea.target(t));
                    let rb = eb.prepare(&sb, &tb, app.as_deref());
                    let ra = ea.prepare(&sa, &ta, app.as_deref());
                    for (name, action) in &ops {
                        let applies = match t.kind() {
                            ScopeKind::VaultItem(kind) => {
                                action.plane == Plane::Data
                                    && action.policy_kind().and_then(|k| k.item_kind())
                                        == Some(kind)
                            }
                            _ => true,
                        };
                        if !applies {
                            continue;
                        }
                        let pair = (eb.decide(&rb, action), ea.decide(&ra, action));
                        // A direct call at the vault is listed when it changes; at an item, when it
                        // differs from the vault. A call through an application is listed at the vault
                        // when it differs from the direct call, and at an item when it differs both from
                        // the direct call there and from the vault through the same application.
                        seen.insert((app.clone(), t.key().to_string(), name), pair);
                        let same = |a: &Option<String>, at: &Scope| {
                            seen.get(&(a.clone(), at.key().to_string(), name)) == Some(&pair)
                        };
                        let implied = match (app, t == vault) {
                            (None, true) => false,
                            (None, false) => same(&None, vault),
                            (Some(_), true) => same(&None, vault),
                            (Some(_), false) => same(&None, t) || same(app, vault),
                        };
                        let keep = pair.0 != pair.1 && !implied;
                        if keep {
                            out.insert((
                                id.clone(),
                                app.clone(),
                                t.key().to_string(),
                                name.to_string(),
                                pair.0,
                                pair.1,
                            ));
                        }
                    }
                }
            }
        }
    }
    out
}

/// Escalation findings that appear and disappear, computed over every vault.
pub fn brute_escalations(
    before: &Snapshot,
    after: &Snapshot,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let key = |f: &query::Finding| {
        format!(
            "{}|{}|{}|{}",
            f.principal.id,
            f.vault_id.to_ascii_lowercase(),
            f.technique.as_str(),
            f.decision.as_str()
        )
    };
    let all = |s: &Snapshot| -> HashSet<String> {
        let e = Engine::new(s.clone());
        query::escalations(&e, None).iter().map(key).collect()
    };
    let (b, a) = (all(before), all(after));
    (
        a.difference(&b).cloned().collect(),
        b.difference(&a).cloned().collect(),
    )
}

pub fn diff_escalations(d: &Diff) -> (BTreeSet<String>, BTreeSet<String>) {
    let key = |f: &query::Finding| {
        format!(
            "{}|{}|{}|{}",
            f.principal.id,
            f.vault_id.to_ascii_lowercase(),
            f.technique.as_str(),
            f.decision.as_str()
        )
    };
    (
        d.escalations_added.iter().map(key).collect(),
        d.escalations_removed.iter().map(key).collect(),
    )
}

fn pick<T: Clone>(list: &[T], n: u32) -> Option<T> {
    if list.is_empty() {
        None
    } else {
        list.get(n as usize % list.len()).cloned()
    }
}

fn bits<'a>(names: &[&'a str], n: u32) -> Vec<&'a str> {
    names
        .iter()
        .enumerate()
        .filter(|(i, _)| n & (1 << i) != 0)
        .map(|(_, s)| *s)
        .collect()
}

/// One candidate change built from numbers, against the current state.
fn candidate(s: &Snapshot, seed: (u8, u32, u32, u32, u32)) -> Option<Change> {
    let (kind, a, b, c, d) = seed;
    let principals: Vec<String> = s.principals.iter().map(|p| p.id.clone()).collect();
    let groups: Vec<String> = s
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::Group)
        .map(|p| p.id.clone())
        .collect();
    let vaults: Vec<String> = s.vaults.iter().map(|v| v.scope.id().to_string()).collect();
    let mut scopes: Vec<String> = vaults.clone();
    scopes.extend(s.vault_items.iter().map(|i| i.scope.id().to_string()));
    scopes.extend(s.resource_groups.iter().map(|r| r.scope.id().to_string()));
    scopes.extend(s.subscriptions.iter().map(|x| x.scope.id().to_string()));
    scopes.extend(s.management_groups.iter().map(|g| g.scope.id().to_string()));
    scopes.push("/".into());
    Some(match kind % 13 {
        0 => Change::AddRoleAssignment {
            principal: pick(&principals, a)?,
            role: pick(&s.role_definitions, b)?.role_name,
            scope: pick(&scopes, c)?,
            condition: (d % 7 == 0).then(|| {
                "(!(ActionMatches{'Microsoft.KeyVault/vaults/secrets/getSecret/action'}) OR @Resource[Microsoft.KeyVault/vaults/secrets:name] StringEquals 'x')".to_string()
            }),
            condition_version: None,
            id: None,
        },
        1 => Change::RemoveRoleAssignment {
            id: Some(pick(&s.role_assignments.to_vec(), a)?.id),
            principal: None,
            role: None,
            scope: None,
        },
        2 => Change::AddAccessPolicy {
            vault: pick(&vaults, a)?,
            object_id: pick(&principals, b)?,
            application_id: (d % 4 == 0).then(|| "77777777-0000-0000-0000-000000000001".to_string()),
            tenant_id: None,
            permissions: PolicyPermissions {
                keys: bits(&["get", "list", "wrapKey", "unwrapKey", "all", "purge"], c).iter().map(|x| x.to_string()).collect(),
                secrets: bits(&["get", "list", "set", "all", "delete", "purge"], c >> 6).iter().map(|x| x.to_string()).collect(),
                certificates: bits(&["get", "list", "all"], c >> 12).iter().map(|x| x.to_string()).collect(),
                storage: bits(&["get", "all"], c >> 15).iter().map(|x| x.to_string()).collect(),
            },
        },
        3 => {
            let v = pick(&s.vaults, a)?;
            let e = pick(&v.access_policies, b)?;
            Change::RemoveAccessPolicy {
                vault: v.scope.id().to_string(),
                object_id: e.object_id,
                application_id: e.application_id,
            }
        }
        4 => Change::SetPermissionModel {
            vault: pick(&vaults, a)?,
            enable_rbac_authorization: b % 2 == 0,
        },
        5 => Change::AddGroupMember {
            group: pick(&groups, a)?,
            member: pick(&principals, b)?,
        },
        6 => {
            let m = pick(&s.group_memberships, a)?;
            Change::RemoveGroupMember {
                group: m.group_id,
                member: m.member_id,
            }
        }
        7 => {
            let data = bits(
                &[
                    "Microsoft.KeyVault/vaults/secrets/getSecret/action",
                    "Microsoft.KeyVault/vaults/keys/*",
                    "Microsoft.KeyVault/vaults/*",
                ],
                b,
            );
            let mgmt = bits(
                &[
                    "Microsoft.KeyVault/vaults/write",
                    "Microsoft.Authorization/roleAssignments/write",
                    "*",
                ],
                b >> 3,
            );
            if data.is_empty() && mgmt.is_empty() {
                return None;
            }
            let who = if c % 3 == 0 {
                "00000000-0000-0000-0000-000000000000".to_string()
            } else {
                pick(&principals, c)?
            };
            Change::AddDenyAssignment {
                id: None,
                deny_assignment_name: Some(format!("deny {a}")),
                scope: pick(&scopes, a)?,
                permissions: vec![PermissionSpec {
                    actions: mgmt.iter().map(|x| x.to_string()).collect(),
                    data_actions: data.iter().map(|x| x.to_string()).collect(),
                    ..PermissionSpec::default()
                }],
                principals: vec![IdRef { id: who }],
                exclude_principals: if d % 3 == 0 {
                    vec![IdRef { id: pick(&groups, d)? }]
                } else {
                    Vec::new()
                },
                do_not_apply_to_child_scopes: d % 5 == 0,
            }
        }
        8 => Change::RemoveDenyAssignment {
            id: pick(&s.deny_assignments, a)?.id,
        },
        9 => Change::ActivateEligibility {
            id: pick(&s.role_eligibilities, a)?.id,
        },
        10 => Change::AddRoleDefinition {
            id: None,
            role_name: format!("custom role {a}"),
            description: None,
            assignable_scopes: vec![pick(&s.subscriptions, b)?.scope.id().to_string()],
            permissions: vec![PermissionSpec {
                actions: bits(&["Microsoft.KeyVault/vaults/write", "Microsoft.KeyVault/vaults/read"], c)
                    .iter()
                    .map(|x| x.to_string())
                    .collect(),
                data_actions: bits(
                    &[
                        "Microsoft.KeyVault/vaults/secrets/getSecret/action",
                        "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
                        "Microsoft.KeyVault/vaults/keys/read",
                    ],
                    c >> 2,
                )
                .iter()
                .map(|x| x.to_string())
                .collect(),
                ..PermissionSpec::default()
            }],
        },
        11 => Change::SetNetworkAcls {
            vault: pick(&vaults, a)?,
            network_acls: (b % 3 != 0).then(|| NetworkAclsSpec {
                default_action: if c % 2 == 0 { "Deny" } else { "Allow" }.into(),
                bypass: "AzureServices".into(),
                ip_rules: vec![IpRuleRef {
                    value: format!("203.0.113.{}", d % 256),
                }],
                virtual_network_rules: Vec::new(),
            }),
        },
        _ => Change::SetPublicNetworkAccess {
            vault: pick(&vaults, a)?,
            value: if b % 2 == 0 { "Disabled" } else { "Enabled" }.into(),
        },
    })
}

/// A valid change list built from seeds: candidates that fail validation (duplicates, roles not
/// assignable there…) or cannot be undone are dropped.
pub fn changes_from(base: &Snapshot, seeds: &[(u8, u32, u32, u32, u32)]) -> Vec<Change> {
    let mut current = base.clone();
    let mut out = Vec::new();
    for &seed in seeds {
        let Some(c) = candidate(&current, seed) else {
            continue;
        };
        let Ok(outcome) = whatif::apply_detailed(&current, std::slice::from_ref(&c)) else {
            continue;
        };
        let undoable = outcome.applied.iter().all(|a| {
            a.undo.is_some() || a.change.kind() == kvaccess::whatif::ChangeKind::AddRoleDefinition
        });
        if !undoable {
            continue;
        }
        current = outcome.snapshot;
        out.push(c);
    }
    out
}

/// One row of a diff's flat answer with the ids of its evidence: (principal, via app, scope key,
/// operation, before, after, grant ids, deny ids, unknown reasons).
pub type Fact = (
    String,
    Option<String>,
    String,
    String,
    Decision,
    Decision,
    Vec<String>,
    Vec<String>,
    Vec<String>,
);

/// (added, principal, vault key, technique, grant, holder, decision, lacks)
pub type EscalationFact = (
    bool,
    String,
    String,
    String,
    String,
    Option<String>,
    Decision,
    Vec<String>,
);

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The flat diff's rows, as computed identity by identity.
pub fn flat_facts(d: &Diff) -> (BTreeSet<Fact>, BTreeSet<EscalationFact>) {
    let cells = d
        .gained
        .iter()
        .chain(&d.lost)
        .map(|c| {
            (
                c.principal.id.clone(),
                c.via_app.clone(),
                c.scope.to_ascii_lowercase(),
                c.action.clone(),
                c.before,
                c.after,
                sorted(c.grants.iter().map(|g| g.id.clone()).collect()),
                sorted(c.denies.iter().map(|g| g.id.clone()).collect()),
                c.unknown_because.iter().map(|r| r.to_string()).collect(),
            )
        })
        .collect();
    let escalations = [
        (true, &d.escalations_added),
        (false, &d.escalations_removed),
    ]
    .into_iter()
    .flat_map(|(added, list)| {
        list.iter().map(move |f| {
            (
                added,
                f.principal.id.clone(),
                f.vault_id.to_ascii_lowercase(),
                f.technique.as_str().to_string(),
                f.grant.clone(),
                f.holder.clone(),
                f.decision,
                f.lacks.iter().map(|s| s.to_string()).collect(),
            )
        })
    })
    .collect();
    (cells, escalations)
}

/// Every group of a grouped diff expanded into rows; no row may come twice and the counts must add up.
pub fn grouped_facts(
    g: &whatif::GroupedDiff,
    eb: &Engine,
    ea: &Engine,
) -> (BTreeSet<Fact>, BTreeSet<EscalationFact>) {
    let mut cells = BTreeSet::new();
    let mut rows = 0;
    g.each_cell(eb, ea, |c| {
        rows += 1;
        cells.insert((
            c.principal.id.clone(),
            c.via_app.map(str::to_string),
            c.scope.to_ascii_lowercase(),
            c.action.to_string(),
            c.before,
            c.after,
            sorted(c.grants.iter().map(|s| s.to_string()).collect()),
            sorted(c.denies.iter().map(|s| s.to_string()).collect()),
            c.unknown_because.iter().map(|r| r.to_string()).collect(),
        ));
        Ok::<(), ()>(())
    })
    .unwrap();
    assert_eq!(rows, cells.len(), "a row is listed twice");
    assert_eq!(rows, g.gained + g.lost, "the groups' counts do not add up");
    let mut escalations = BTreeSet::new();
    let mut findings = 0;
    g.each_escalation(eb, ea, |f| {
        findings += 1;
        escalations.insert((
            f.added,
            f.principal.id.clone(),
            f.vault.to_ascii_lowercase(),
            f.technique.as_str().to_string(),
            f.grant.to_string(),
            f.holder.map(str::to_string),
            f.decision,
            f.lacks.iter().map(|s| s.to_string()).collect(),
        ));
        Ok::<(), ()>(())
    })
    .unwrap();
    assert_eq!(findings, escalations.len(), "a finding is listed twice");
    assert_eq!(findings, g.escalations_added + g.escalations_removed);
    (cells, escalations)
}

/// The grouped diff of two snapshots, every group expanded, equals the flat diff computed identity by
/// identity; and `--expand` lists exactly the identities of the rows.
pub fn assert_grouped_matches_flat(before: &Snapshot, after: &Snapshot, scope: Option<&Scope>) {
    let eb = Engine::new(before.clone());
    let ea = Engine::new(after.clone());
    let flat = whatif::diff_engines(&eb, &ea, scope);
    let mut grouped = whatif::diff_grouped(&eb, &ea, scope);
    let (want_cells, want_escalations) = flat_facts(&flat);
    let (cells, escalations) = grouped_facts(&grouped, &eb, &ea);
    assert_eq!(cells, want_cells, "grouped cells differ from the flat diff");
    assert_eq!(escalations, want_escalations, "grouped escalations differ");
    assert_eq!(grouped.network, flat.network);
    assert_eq!(grouped.gains_data_access(), flat.gains_data_access());
    grouped.expand(&eb, &ea);
    let listed: BTreeSet<String> = grouped
        .groups
        .iter()
        .flat_map(|g| g.expanded.iter().flatten().map(|p| p.id.clone()))
        .collect();
    let want: BTreeSet<String> = want_cells.iter().map(|c| c.0.clone()).collect();
    assert_eq!(
        listed, want,
        "--expand lists other identities than the rows"
    );
    assert_eq!(grouped.identities, want.len());
}
