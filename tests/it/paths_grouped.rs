//! `paths --to` grouped (by grant, holder, then the ways in as a tree of shared hops) against the flat
//! answer (one path per start, held to the recordings in `paths_golden`): every group expanded — from the
//! JSON, as a script would read it — gives exactly the flat answer's paths, decisions, hops and evidence,
//! and every count is the number of starts beneath it. On the demo, the AzureHound fixture, the generated
//! reference tenants, a synthetic tenant with every hop section, and (through `paths::to`) every hand-made
//! fixture. The CLI's jsonl is the same set of paths.

use std::collections::BTreeSet;

use kvaccess::catalog;
use kvaccess::eval::Engine;
use kvaccess::model::{Scope, Snapshot};
use kvaccess::paths::{HopGraph, PathsToGrouped, paths_to, paths_to_grouped};
use kvaccess::synth::{SynthSpec, generate};
use serde_json::{Value, json};

/// One path as a line: grant, start id, decision, activation, hops (with evidence).
fn line(grant: &Value, start: &Value, hops: Vec<Value>) -> String {
    let decision = hops
        .iter()
        .map(|h| h["decision"].as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    let activation = hops.iter().any(|h| h["eligible"] == json!(true));
    json!({"grant": grant, "start": start, "decisions": decision, "needsActivation": activation, "hops": hops})
        .to_string()
}

/// Every path the expanded grouped JSON spells out, and checks each node's count on the way.
fn rebuilt(grouped: &Value) -> BTreeSet<String> {
    fn way(w: &Value, grant: &Value, chain: &mut Vec<Value>, out: &mut Vec<String>) -> usize {
        let before = out.len();
        for m in w["members"].as_array().into_iter().flatten() {
            for s in m["starts"].as_array().unwrap() {
                let mut hop = m["hop"].clone();
                hop["from"] = s["id"].clone();
                out.push(line(grant, s, vec![hop]));
            }
        }
        if let Some(hop) = w.get("hop") {
            chain.push(hop.clone());
            let rest = || chain.iter().rev().cloned();
            if w["start"] == json!(true) {
                out.push(line(grant, &w["node"], rest().collect()));
            }
            for l in w["leaves"].as_array().into_iter().flatten() {
                for s in l["starts"].as_array().unwrap() {
                    let mut hop = l["hop"].clone();
                    hop["from"] = s["id"].clone();
                    out.push(line(grant, s, std::iter::once(hop).chain(rest()).collect()));
                }
                assert_eq!(l["count"], json!(l["starts"].as_array().unwrap().len()));
            }
            for c in w["ways"].as_array().into_iter().flatten() {
                way(c, grant, chain, out);
            }
            chain.pop();
        }
        assert_eq!(w["starts"], json!(out.len() - before), "{}", w["node"]);
        out.len() - before
    }
    let mut out = Vec::new();
    for g in grouped["groups"].as_array().unwrap() {
        let before = out.len();
        for h in g["holders"].as_array().unwrap() {
            way(h, &g["grant"], &mut Vec::new(), &mut out);
        }
        assert_eq!(g["starts"], json!(out.len() - before), "{}", g["grant"]);
    }
    assert_eq!(grouped["starts"], json!(out.len()));
    let set: BTreeSet<String> = out.iter().cloned().collect();
    assert_eq!(set.len(), out.len(), "a path listed twice");
    set
}

fn flat_lines(flat: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for g in flat["groups"].as_array().unwrap() {
        for p in g["paths"].as_array().unwrap() {
            let hops = p["hops"].as_array().unwrap().clone();
            // The path's decision is the weakest of its hops: held by `paths_golden`; here each hop's.
            assert!(p["decision"].is_string());
            out.insert(line(&g["grant"], &p["start"], hops));
        }
    }
    out
}

/// The grouped answer, expanded, spells out the flat answer's paths exactly; the shortest path of each
/// group is the flat group's first.
pub(crate) fn agrees(engine: &Engine, graph: &HopGraph, scope: &Scope, op: &str, max: usize) {
    let action = catalog::resolve(op).unwrap();
    let mut grouped: PathsToGrouped = paths_to_grouped(engine, graph, scope, &action, max).unwrap();
    grouped.expand(engine);
    let flat = paths_to(engine, graph, scope, &action, max).unwrap();
    for (g, f) in grouped.groups.iter().zip(&flat.groups) {
        assert_eq!(g.grant, f.grant);
        assert_eq!(Some(g.shortest), f.paths.first().map(|p| p.hops.len()));
    }
    let grouped = serde_json::to_value(&grouped).unwrap();
    let flat = serde_json::to_value(&flat).unwrap();
    assert_eq!(
        grouped["groups"].as_array().unwrap().len(),
        flat["groups"].as_array().unwrap().len()
    );
    assert_eq!(
        rebuilt(&grouped),
        flat_lines(&flat),
        "{} {op} --max-hops {max}",
        scope.id()
    );
    assert_eq!(grouped["tenantAdmins"], flat["tenantAdmins"]);
    assert_eq!(grouped["unknownBecause"], flat["unknownBecause"]);
}

fn every_vault(snapshot: Snapshot, hops: &[usize]) {
    let engine = Engine::new(snapshot);
    let graph = HopGraph::build(&engine);
    for v in &engine.snapshot.vaults {
        for op in ["secrets/get", "keys/unwrapKey"] {
            for &max in hops {
                agrees(&engine, &graph, &v.scope, op, max);
            }
        }
    }
}

#[test]
fn grouped_paths_expand_to_the_flat_answer_on_the_demo_and_the_azurehound_fixture() {
    every_vault(kvaccess::snapshot::demo(), &[1, 2, 4]);
    let file = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/azurehound/collection.json");
    every_vault(
        kvaccess::azurehound::import(&file).unwrap().snapshot,
        &[2, 4],
    );
}

#[test]
fn grouped_paths_expand_to_the_flat_answer_on_generated_and_synthetic_tenants() {
    for seed in 1..=25 {
        let (doc, ..) = super::paths::generated(seed);
        every_vault(super::paths::load(&doc), &[4]);
    }
    let snapshot = super::paths_golden::every_hop_section();
    every_vault(snapshot, &[4]);
}

#[test]
fn grouped_paths_compress_a_busy_vault_to_its_holders_and_classes() {
    // On a synthetic tenant, most starts hold the grant as members of a group: they are counted in
    // classes, so the tree has fewer rows than there are starts (each identity an access-policy entry names is a grant
    // of its own, so not every start can be folded).
    let snapshot = generate(&SynthSpec {
        compute_resources: 60,
        applications: 30,
        ..SynthSpec::new(600, 6, 1200, 3)
    });
    let engine = Engine::new(snapshot);
    let graph = HopGraph::build(&engine);
    let action = catalog::resolve("secrets/get").unwrap();
    let busiest = engine
        .snapshot
        .vaults
        .iter()
        .map(|v| paths_to_grouped(&engine, &graph, &v.scope, &action, 4).unwrap())
        .max_by_key(|p| p.starts)
        .unwrap();
    fn nodes(w: &kvaccess::paths::Way) -> usize {
        1 + w.members.len() + w.leaves.len() + w.ways.iter().map(nodes).sum::<usize>()
    }
    let tree: usize = busiest
        .groups
        .iter()
        .flat_map(|g| &g.holders)
        .map(nodes)
        .sum();
    assert!(busiest.starts > 100, "{}", busiest.starts);
    assert!(
        tree < busiest.starts,
        "{tree} rows for {} starts",
        busiest.starts
    );
    let biggest = busiest
        .groups
        .iter()
        .flat_map(|g| &g.holders)
        .flat_map(|h| h.members.iter().chain(&h.leaves))
        .map(|c| c.count)
        .max();
    assert!(biggest >= Some(10), "{biggest:?}");
}

fn kvaccess(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kvaccess"))
        .args(args)
        .env_remove("KVACCESS_SNAPSHOT")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn cli_jsonl_and_expand_give_every_path_and_the_grouped_json_counts_them() {
    for vault in ["kv-app-prod", "kv-app-rbac", "kv-app-dev"] {
        let grouped: Value =
            serde_json::from_str(&kvaccess(&["paths", "--to", vault, "-o", "json"])).unwrap();
        assert!(grouped["groups"][0]["holders"][0]["node"]["id"].is_string());
        let expanded: Value = serde_json::from_str(&kvaccess(&[
            "paths", "--to", vault, "-o", "json", "--expand",
        ]))
        .unwrap();
        let jsonl = kvaccess(&["paths", "--to", vault, "-o", "jsonl"]);
        let lines: BTreeSet<String> = jsonl
            .lines()
            .map(|l| {
                let p: Value = serde_json::from_str(l).unwrap();
                line(
                    &p["grant"],
                    &p["start"],
                    p["hops"].as_array().unwrap().clone(),
                )
            })
            .collect();
        assert_eq!(lines.len(), jsonl.lines().count());
        assert_eq!(json!(lines.len()), grouped["starts"], "{vault}");
        assert_eq!(rebuilt(&expanded), lines, "{vault}");
    }
    let text = kvaccess(&["paths", "--to", "kv-app-prod", "--expand"]);
    assert!(text.contains("  - Pat (user)"), "{text}");
    let err = std::process::Command::new(env!("CARGO_BIN_EXE_kvaccess"))
        .args(["paths", "--to", "kv-app-prod", "--expand", "-o", "dot"])
        .output()
        .unwrap();
    assert_eq!(err.status.code(), Some(2));
}
