//! `cargo bench --bench gate`: a Terraform plan of 5 000 resource changes gated against a synthetic tenant
//! — reading the plan, taking out what the snapshot cannot take, applying it, both engines, the diff, and
//! the rules `no-new-access`, `no-self-grant` (vaults matching one name pattern), `vault-posture` and
//! `no-all-permission`.
//!
//! - `small`: `SynthSpec::new(1_000, 50, 2_000, 7)`.
//! - `large` (set `KVACCESS_BENCH_LARGE=1`): `SynthSpec::large(1)` (100k principals, 10k vaults); the issue's
//!   target is 10 s for this one.
//!
//! The tenant and the plan are built before the timings (they are not the gate's work). Figures:
//! docs/performance.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::LazyLock;

use kvaccess::gate::{self, Rule, VaultTags};
use kvaccess::model::{PrincipalKind, Snapshot};
use kvaccess::synth::{SynthSpec, generate};
use kvaccess::whatif::read_terraform_plan;
use serde_json::{Value, json};

const LARGE_ENV: &str = "KVACCESS_BENCH_LARGE";
const CHANGES: usize = 5_000;

const RULES: &str = r#"
[[rule]]
id = "no-new-access"
kind = "no-new-access"

[[rule]]
id = "no-self-grant"
kind = "no-self-grant"
vaults = { name = "*-0000?" }

[[rule]]
id = "posture"
kind = "vault-posture"
require-purge-protection = true

[[rule]]
id = "no-all"
kind = "no-all-permission"
"#;

struct Case {
    snapshot: std::sync::Arc<Snapshot>,
    plan: String,
    rules: Vec<Rule>,
}

/// A plan of `CHANGES` resource changes against `s`: role assignments created and deleted, access-policy
/// entries, group members, and resources the gate does not understand.
fn plan(s: &Snapshot) -> String {
    let users: Vec<&str> = s
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::User)
        .map(|p| p.id.as_str())
        .collect();
    let groups: Vec<&str> = s
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::Group)
        .map(|p| p.id.as_str())
        .collect();
    let mut changes: Vec<Value> = Vec::with_capacity(CHANGES);
    for i in 0..CHANGES {
        let vault = &s.vaults[i % s.vaults.len()];
        let user = users[(i * 7919) % users.len()];
        let change = |kind: &str, name: &str, actions: &[&str], before: Value, after: Value| {
            json!({
                "address": format!("module.m{}.{kind}.{name}{i}", i % 50),
                "mode": "managed", "type": kind, "name": format!("{name}{i}"),
                "change": {"actions": actions, "before": before, "after": after, "after_unknown": {"id": true}}
            })
        };
        changes.push(match i % 5 {
            0 | 1 => change(
                "azurerm_role_assignment",
                "ra",
                &["create"],
                Value::Null,
                json!({"principal_id": user, "role_definition_name": "Key Vault Secrets User",
                       "scope": vault.scope.id(), "condition": null}),
            ),
            2 if !vault.rbac_authorization => change(
                "azurerm_key_vault_access_policy",
                "ap",
                &["create"],
                Value::Null,
                json!({"key_vault_id": vault.scope.id(), "object_id": user, "tenant_id": s.tenant_id,
                       "secret_permissions": ["Get", "List"], "key_permissions": null,
                       "certificate_permissions": null, "storage_permissions": null, "application_id": ""}),
            ),
            3 if !groups.is_empty() => change(
                "azuread_group_member",
                "gm",
                &["create"],
                Value::Null,
                json!({"group_object_id": groups[i % groups.len()], "member_object_id": user}),
            ),
            4 if let Some(a) = s.role_assignments.get(i / 5) => {
                change(
                    "azurerm_role_assignment",
                    "old",
                    &["delete"],
                    json!({"id": a.id, "principal_id": a.principal_id, "scope": a.scope.id()}),
                    Value::Null,
                )
            }
            _ => change(
                "azurerm_storage_account",
                "st",
                &["create"],
                Value::Null,
                json!({"name": format!("st{i}")}),
            ),
        });
    }
    json!({"format_version": "1.2", "resource_changes": changes}).to_string()
}

fn case(spec: &SynthSpec) -> Case {
    let snapshot = generate(spec);
    let plan = plan(&snapshot);
    Case {
        snapshot: std::sync::Arc::new(snapshot),
        plan,
        rules: gate::parse_rules(RULES).unwrap(),
    }
}

static SMALL: LazyLock<Case> = LazyLock::new(|| case(&SynthSpec::new(1_000, 50, 2_000, 7)));
static LARGE: LazyLock<Case> = LazyLock::new(|| case(&SynthSpec::large(1)));

/// What `kvaccess assert rules.toml --terraform-plan plan.json` does after reading its files.
fn gate_plan(c: &Case) -> usize {
    let plan = read_terraform_plan(&c.plan).unwrap();
    let (_, pending, outcome) = plan.against_applied(&c.snapshot);
    let (report, _) = gate::evaluate_outcome(
        &c.snapshot,
        outcome,
        |i| {
            plan.changes
                .get(i)
                .map(|p| p.address.clone())
                .unwrap_or_default()
        },
        &pending,
        &c.rules,
        &VaultTags::new(),
        "2026-12-06",
        "rules.toml",
    )
    .unwrap();
    report.violations()
}

#[divan::bench(sample_count = 3)]
fn small(b: divan::Bencher) {
    b.bench(|| gate_plan(&SMALL));
}

#[divan::bench(sample_count = 1)]
fn large(b: divan::Bencher) {
    b.bench(|| gate_plan(&LARGE));
}

fn main() {
    let large = std::env::var_os(LARGE_ENV).is_some_and(|v| !v.is_empty() && v != "0");
    let mut divan = divan::Divan::from_args();
    LazyLock::force(&SMALL);
    if large {
        LazyLock::force(&LARGE);
    } else {
        divan = divan.skip_regex("large");
    }
    divan.run_benches();
}
