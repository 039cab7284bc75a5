//! The attack-path answers held to recorded ones: `paths --to` every vault and `paths --from` principals on
//! the demo, the AzureHound fixture, the generated reference tenants and a synthetic tenant with every hop
//! section. The recordings were taken before the hop graph was redesigned (group-level hops, lazy walks);
//! `paths --from` is held in its flat form (every group expanded, as it was recorded before its vault data
//! was grouped); a difference fails with the query that changed. `KVACCESS_UPDATE_GOLDEN=1` rewrites them
//! (only for a deliberate change, explained in the commit).

use std::fmt::Write as _;
use std::path::PathBuf;

use kvaccess::catalog;
use kvaccess::eval::Engine;
use kvaccess::model::{PrincipalKind, Scope, Snapshot};
use kvaccess::paths::{HopGraph, PathsFrom, paths_from, paths_to};
use kvaccess::synth::{SynthSpec, generate};

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/paths-golden")
        .join(format!("{name}.jsonl"))
}

/// One line per question: `{"q": question, "a": answer}`.
fn answers(snapshot: Snapshot, hops: &[usize], from_every: usize) -> String {
    let engine = Engine::new(snapshot);
    let graph = HopGraph::build(&engine);
    let mut out = String::new();
    let mut line = |q: String, a: serde_json::Value| {
        let _ = writeln!(out, "{}", serde_json::json!({"q": q, "a": a}));
    };
    for v in &engine.snapshot.vaults {
        for op in ["secrets/get", "keys/unwrapKey"] {
            let action = catalog::resolve(op).unwrap();
            for &max in hops {
                let p = paths_to(&engine, &graph, &v.scope, &action, max).unwrap();
                line(
                    format!("--to {} {op} --max-hops {max}", v.scope.id()),
                    serde_json::to_value(&p).unwrap(),
                );
            }
        }
    }
    let starts: Vec<String> = engine
        .snapshot
        .principals
        .iter()
        .filter(|p| p.kind != PrincipalKind::Group)
        .step_by(from_every)
        .map(|p| p.id.clone())
        .collect();
    for id in starts {
        let p = paths_from(&engine, &graph, &id, 3);
        line(format!("--from {id}"), flat_from(&engine, &p));
    }
    out
}

/// `paths --from` in the shape it was recorded in, before its vault data was grouped by what decides it:
/// each reached node with its flat `vaultAccess` lines (the groups expanded).
fn flat_from(engine: &Engine, p: &PathsFrom) -> serde_json::Value {
    let reached: Vec<serde_json::Value> = p
        .reached
        .iter()
        .map(|r| {
            serde_json::json!({
                "node": r.node,
                "decision": r.decision,
                "hops": r.hops,
                "vaultAccess": p.vault_lines(engine, r),
            })
        })
        .collect();
    serde_json::json!({
        "start": p.start,
        "maxHops": p.max_hops,
        "reached": reached,
        "tenantAdmins": p.tenant_admins,
        "unknownBecause": p.unknown_because,
    })
}

fn held_to(name: &str, got: &str) {
    let path = golden(name);
    if std::env::var_os("KVACCESS_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap();
    let (got, want): (Vec<&str>, Vec<&str>) = (got.lines().collect(), want.lines().collect());
    assert_eq!(got.len(), want.len(), "{name}: number of questions");
    let differ: Vec<String> = got
        .iter()
        .zip(&want)
        .filter(|(g, w)| g != w)
        .map(|(g, _)| {
            let v: serde_json::Value = serde_json::from_str(g).unwrap();
            v["q"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    assert!(
        differ.is_empty(),
        "{name}: {} answer(s) differ from the recording, first: {:?}",
        differ.len(),
        differ.first()
    );
}

#[test]
fn paths_on_the_demo_are_the_recorded_ones() {
    held_to("demo", &answers(kvaccess::snapshot::demo(), &[2, 4], 1));
}

#[test]
fn paths_on_the_azurehound_fixture_are_the_recorded_ones() {
    let file =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/azurehound/collection.json");
    let snapshot = kvaccess::azurehound::import(&file).unwrap().snapshot;
    held_to("azurehound", &answers(snapshot, &[2, 4], 1));
}

#[test]
fn paths_on_the_generated_reference_tenants_are_the_recorded_ones() {
    let mut all = String::new();
    for seed in 1..=25 {
        let (doc, ..) = super::paths::generated(seed);
        all.push_str(&answers(super::paths::load(&doc), &[2, 4], 1));
    }
    held_to("generated", &all);
}

/// A synthetic tenant with every hop section, and vault flags that hand secrets to VMs (so their last hops
/// are held too).
pub(crate) fn every_hop_section() -> Snapshot {
    let mut snapshot = generate(&SynthSpec {
        compute_resources: 30,
        applications: 15,
        role_eligibilities: 8,
        ..SynthSpec::new(120, 4, 200, 7)
    });
    for (i, v) in snapshot.vaults.iter_mut().enumerate() {
        v.enabled_for_deployment = i % 2 == 0;
        v.enabled_for_disk_encryption = i % 3 == 0;
    }
    snapshot
}

#[test]
fn paths_on_a_synthetic_tenant_with_every_hop_section_are_the_recorded_ones() {
    let snapshot = every_hop_section();
    let scopes: Vec<Scope> = snapshot.vaults.iter().map(|v| v.scope.clone()).collect();
    assert!(!scopes.is_empty());
    held_to("synthetic", &answers(snapshot, &[4], 3));
}
