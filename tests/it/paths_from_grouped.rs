//! `paths --from` grouped by what decides it: expanding every group gives the flat rows, the flat rows are
//! each node's matrix rows (and `reach`'s operation groups), groups are shared between the nodes they
//! decide for, and a vault whose verdict differs from its group's others still shows. On the demo, generated
//! tenants with every hop section, and the same with collection gaps, missing role definitions and unknown
//! memberships; the CLI's `--expand`, `json` and `jsonl` forms say the same.

use std::collections::BTreeMap;
use std::process::Command;

use kvaccess::eval::Engine;
use kvaccess::model::{PrincipalKind, Snapshot};
use kvaccess::paths::{FlatRow, HopGraph, LeverKind, PathsFrom, Reached, paths_from};
use kvaccess::query::{Cell, escalations_for_vault_among, matrix_for_principal, principal_reach};
use kvaccess::synth::{SynthSpec, generate};
use serde_json::{Value, json};

fn synth(seed: u64) -> Snapshot {
    generate(&SynthSpec {
        compute_resources: 60,
        applications: 30,
        ..SynthSpec::new(300, 12, 800, seed)
    })
}

/// `synth(seed)` with its JSON changed by `edit`.
fn edited(seed: u64, edit: impl FnOnce(&mut Value)) -> Snapshot {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.json");
    kvaccess::snapshot::save(&synth(seed), &file).unwrap();
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    edit(&mut doc);
    kvaccess::snapshot::parse_value(&doc, &file).unwrap()
}

fn tenants() -> Vec<(&'static str, Snapshot)> {
    vec![
        ("demo", kvaccess::snapshot::demo()),
        ("synth", synth(5)),
        (
            "gaps",
            edited(6, |d| {
                let (v3, v5) = (d["vaults"][3]["id"].clone(), d["vaults"][5]["id"].clone());
                d["collectionErrors"] = json!([
                    {"scope": v3, "what": "accessPolicies", "status": 403, "message": "forbidden"},
                    {"scope": v5, "what": "roleAssignments", "status": 403, "message": "forbidden"},
                ]);
                d["vaults"][7].as_object_mut().unwrap().remove("properties");
            }),
        ),
        (
            "missing definitions",
            edited(7, |d| {
                let defs = d["roleDefinitions"].as_array().unwrap();
                d["roleDefinitions"] = Value::Array(defs.iter().step_by(2).cloned().collect());
            }),
        ),
        (
            "unknown memberships",
            edited(8, |d| {
                d["collectionErrors"] = json!([
                    {"scope": "/", "what": "groupMemberships", "status": 403, "message": "forbidden"}
                ]);
            }),
        ),
    ]
}

/// A node's flat rows put back into `vault: group (summary), …` and `vault id: technique` lines.
fn lines_of_rows(rows: &[FlatRow]) -> Vec<String> {
    let mut access: Vec<(String, Vec<String>)> = Vec::new();
    let mut levers = Vec::new();
    for row in rows {
        match row {
            FlatRow::Access {
                vault,
                group,
                summary,
                ..
            } => {
                let part = format!("{group} ({summary})");
                match access.last_mut() {
                    Some((v, parts)) if v == vault => parts.push(part),
                    _ => access.push((vault.to_string(), vec![part])),
                }
            }
            FlatRow::Lever {
                vault, technique, ..
            } => levers.push(format!("{vault}: {technique}")),
            // Beside the vault lines: held to `reach` in `the_grouped_access_is_what_reach_says`.
            FlatRow::Item { .. } | FlatRow::Eligible { .. } => {}
        }
    }
    let mut out: Vec<String> = access
        .into_iter()
        .map(|(v, parts)| format!("{v}: {}", parts.join(", ")))
        .collect();
    out.extend(levers);
    out
}

/// The node's lines from the expanded groups' vault names (a multiset: sorted).
fn lines_of_expanded(p: &PathsFrom, r: &Reached) -> Vec<String> {
    let mut out = Vec::new();
    for g in r.access.iter().map(|&g| &p.access[g]) {
        assert_eq!(g.vaults, g.verdicts.iter().map(|v| v.vaults).sum::<usize>());
        for v in &g.verdicts {
            let names = v.names.as_ref().expect("expanded");
            assert_eq!(names.len(), v.vaults);
            out.extend(names.iter().map(|n| format!("{n}: {}", v.words())));
        }
    }
    for l in r.levers.iter().map(|&g| &p.levers[g]) {
        let names = l.names.as_ref().expect("expanded");
        assert_eq!(names.len(), l.vaults);
        out.extend(names.iter().map(|n| format!("{n}: {}", l.technique)));
    }
    out.sort();
    out
}

/// The principal matrix's rows that hold something, in the flat lines' words.
fn matrix_lines(engine: &Engine, id: &str) -> Vec<String> {
    matrix_for_principal(engine, id, None)
        .rows
        .into_iter()
        .filter(|r| r.cells.iter().any(Cell::any))
        .map(|r| {
            let cells: Vec<String> = r
                .cells
                .iter()
                .filter(|c| c.any())
                .map(|c| format!("{} ({})", c.group, c.summary()))
                .collect();
            format!("{}: {}", r.label, cells.join(", "))
        })
        .collect()
}

#[test]
fn expanding_every_group_gives_the_flat_rows_and_the_matrix_rows() {
    for (tenant, snapshot) in tenants() {
        let engine = Engine::new(snapshot);
        let graph = HopGraph::build(&engine);
        let starts: Vec<String> = engine
            .snapshot
            .principals
            .iter()
            .filter(|p| p.kind != PrincipalKind::Group)
            .step_by(if tenant == "demo" { 1 } else { 7 })
            .map(|p| p.id.clone())
            .collect();
        let (mut nodes, mut lines, mut pointers) = (0, 0, 0);
        for start in &starts {
            let mut p = paths_from(&engine, &graph, start, 3);
            let mut rows: BTreeMap<String, Vec<FlatRow>> = BTreeMap::new();
            p.flat_rows(&engine, |row| {
                let node = match &row {
                    FlatRow::Access { node, .. }
                    | FlatRow::Lever { node, .. }
                    | FlatRow::Item { node, .. }
                    | FlatRow::Eligible { node, .. } => node.to_string(),
                };
                rows.entry(node).or_default().push(row);
                Ok::<(), ()>(())
            })
            .unwrap();
            let flat: BTreeMap<String, Vec<String>> = p
                .reached
                .iter()
                .map(|r| (r.node.id.clone(), p.vault_lines(&engine, r)))
                .collect();
            for r in &p.reached {
                let id = &r.node.id;
                let want = &flat[id];
                let got = rows.get(id).map(|r| lines_of_rows(r)).unwrap_or_default();
                assert_eq!(&got, want, "{tenant}: --from {start}: jsonl rows of {id}");
                if !id.starts_with("external:") {
                    let levers: usize = r.levers.iter().map(|&l| p.levers[l].vaults).sum();
                    assert_eq!(want.len(), r.vaults + levers, "{tenant}: {id}");
                    let access = want[..r.vaults].to_vec();
                    assert_eq!(access, matrix_lines(&engine, id), "{tenant}: {id}: matrix");
                }
                nodes += 1;
                lines += want.len();
                pointers += r.access.len();
            }
            let all_levers = p.levers.clone();
            p.expand(&engine);
            for r in &p.reached {
                let mut want = flat[&r.node.id].clone();
                want.sort();
                assert_eq!(lines_of_expanded(&p, r), want, "{tenant}: {}", r.node.id);
            }
            assert_eq!(p.levers.len(), all_levers.len());
        }
        assert!(
            nodes > 20 && lines > 20,
            "{tenant}: {nodes} nodes, {lines} lines: too few compared"
        );
        assert!(pointers > 0, "{tenant}: no access group");
    }
}

/// Each node's operation groups at each vault are `reach`'s (data-plane groups; reach adds the rest), and
/// so are its items held through grants at them (on N items) and its PIM eligibilities (eligible), grouped
/// and flat: on the demo (Erin reads one secret of kv-app-rbac, Pat is eligible for Key Vault
/// Administrator there) and a generated tenant.
#[test]
fn the_grouped_access_is_what_reach_says() {
    for (tenant, snapshot, every) in [
        ("demo", kvaccess::snapshot::demo(), 1),
        ("synth", synth(9), 31),
    ] {
        let engine = Engine::new(snapshot);
        let graph = HopGraph::build(&engine);
        let data_groups: Vec<&str> = kvaccess::catalog::operations()
            .iter()
            .filter(|o| o.plane == kvaccess::catalog::Plane::Data)
            .map(|o| o.group)
            .collect();
        let (mut compared, mut items, mut eligible) = (0, 0, 0);
        for start in engine
            .snapshot
            .principals
            .iter()
            .step_by(every)
            .map(|p| p.id.clone())
        {
            let mut p = paths_from(&engine, &graph, &start, 2);
            p.expand(&engine);
            let mut flat: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            p.flat_rows(&engine, |row| {
                match row {
                    FlatRow::Item {
                        node,
                        vault,
                        item,
                        operations,
                        ..
                    } => flat
                        .entry(node)
                        .or_default()
                        .push(format!("{vault} item {item} {operations:?}")),
                    FlatRow::Eligible {
                        node,
                        vault,
                        eligible,
                        eligibility,
                    } => flat
                        .entry(node)
                        .or_default()
                        .push(format!("{vault} eligible {eligible} {eligibility}")),
                    _ => {}
                }
                Ok::<(), ()>(())
            })
            .unwrap();
            for r in p
                .reached
                .iter()
                .filter(|r| !r.node.id.starts_with("external:"))
            {
                let mut ours: Vec<String> = Vec::new();
                for g in r.access.iter().map(|&g| &p.access[g]) {
                    for v in &g.verdicts {
                        for &at in &v.at {
                            let name = &engine.snapshot.vaults[at].name;
                            for s in v.access.iter().filter(|s| data_groups.contains(&s.group)) {
                                ours.push(format!("{name} {} {}", s.group, s.summary));
                            }
                        }
                    }
                }
                let mut beside: Vec<String> = Vec::new();
                for g in r.items.iter().map(|&g| &p.items[g]) {
                    let held = g.names.as_ref().expect("expanded");
                    assert_eq!(held.len(), g.items, "{tenant}: on N items");
                    for i in held {
                        let ops: Vec<(&str, _)> = i.operations.clone();
                        beside.push(format!("{} item {} {ops:?}", g.vault, i.item));
                    }
                }
                for g in r.eligible.iter().map(|&g| &p.eligible[g]) {
                    let e = &g.eligibility;
                    let role = e.role_name.as_deref().unwrap();
                    for name in g.names.as_ref().expect("expanded") {
                        beside.push(format!("{name} eligible {role} {}", e.id));
                    }
                }
                let mut got_flat = flat.get(r.node.id.as_str()).cloned().unwrap_or_default();
                got_flat.sort();
                beside.sort();
                assert_eq!(got_flat, beside, "{tenant}: --from {start}: flat rows");
                ours.extend(beside);
                let mut theirs: Vec<String> = Vec::new();
                for v in principal_reach(&engine, &r.node.id, None).vaults {
                    for g in &v.groups {
                        theirs.push(format!("{} {} {}", v.name, g.group, g.summary));
                    }
                    for i in &v.items {
                        let ops = &i.operations;
                        theirs.push(format!("{} item {} {ops:?}", v.name, i.scope));
                        items += 1;
                    }
                    for e in &v.eligible {
                        // `role '<role>' at <scope> (eligibility <id>)`
                        let role = e.split('\'').nth(1).unwrap();
                        let id = e
                            .rsplit("(eligibility ")
                            .next()
                            .unwrap()
                            .trim_end_matches(')');
                        theirs.push(format!("{} eligible {role} {id}", v.name));
                        eligible += 1;
                    }
                }
                ours.sort();
                theirs.sort();
                assert_eq!(ours, theirs, "{tenant}: --from {start}: {}", r.node.id);
                compared += ours.len();
            }
        }
        assert!(compared > 50, "{tenant}: only {compared} rows compared");
        assert!(
            items > 0 && eligible > 0,
            "{tenant}: {items} item rows, {eligible} eligible rows: nothing beside the vault-wide access compared"
        );
    }
}

/// A grant that decides for many nodes is one group they all point at, and a vault whose verdict differs
/// (a deny, a gap) is a verdict of its own under the group, not hidden in its count.
#[test]
fn groups_are_shared_and_differing_vaults_show() {
    let engine = Engine::new(edited(6, |d| {
        let v = d["vaults"][2]["id"].clone();
        d["collectionErrors"] =
            json!([{"scope": v, "what": "denyAssignments", "status": 403, "message": "x"}]);
    }));
    let graph = HopGraph::build(&engine);
    let (mut shared, mut split) = (false, false);
    for start in engine.snapshot.principals.iter().map(|p| p.id.clone()) {
        let p = paths_from(&engine, &graph, &start, 3);
        let pointers: usize = p.reached.iter().map(|r| r.access.len()).sum();
        shared |= pointers > p.access.len();
        split |= p
            .access
            .iter()
            .any(|g| g.verdicts.len() > 1 && g.verdicts.iter().any(|v| v.words().contains('?')));
        if shared && split {
            return;
        }
    }
    panic!("shared: {shared}, a group split by a differing verdict: {split}");
}

fn kvaccess(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kvaccess"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The CLI: `--expand -o json` lists every group's vaults (and items), `-o jsonl` is the same facts a row at
/// a time, and the text states each group in full once, items held through grants at them and eligibilities
/// included.
#[test]
fn cli_paths_from_expand_json_and_jsonl_agree() {
    for who in ["Carol", "Erin", "Pat"] {
        cli_agrees(who);
    }
    let (_, plain, _) = kvaccess(&["paths", "--from", "Carol", "-o", "json"]);
    let plain: Value = serde_json::from_str(&plain).unwrap();
    assert!(
        plain["access"][0]["verdicts"][0].get("names").is_none(),
        "names only when expanded"
    );
    let (_, text, _) = kvaccess(&["paths", "--from", "Carol"]);
    assert!(text.contains("[A1] "), "{text}");
    let (_, text, _) = kvaccess(&["paths", "--from", "Erin"]);
    assert!(
        text.contains("[I1] on 1 item(s) in kv-app-rbac: secrets/get, secrets/list")
            && text.contains("through 'Key Vault Secrets User' at storage-account-key to Erin"),
        "{text}"
    );
    let (_, text, _) = kvaccess(&["paths", "--from", "Pat"]);
    assert!(
        text.contains(
            "[E1] eligible (PIM, not active): 'Key Vault Administrator' at kv-app-rbac to Pat, 1 vault(s)"
        ),
        "{text}"
    );
}

fn cli_agrees(who: &str) {
    let (code, json_text, err) = kvaccess(&["paths", "--from", who, "--expand", "-o", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let v: Value = serde_json::from_str(&json_text).unwrap();
    let mut expanded = Vec::new();
    for r in v["reached"].as_array().unwrap() {
        let node = r["node"]["id"].as_str().unwrap();
        for g in r["access"].as_array().unwrap() {
            let group = &v["access"][g.as_u64().unwrap() as usize];
            for verdict in group["verdicts"].as_array().unwrap() {
                for name in verdict["names"].as_array().unwrap() {
                    for s in verdict["access"].as_array().unwrap() {
                        expanded.push(format!(
                            "{node} {} {} {}",
                            name.as_str().unwrap(),
                            s["group"],
                            s["summary"]
                        ));
                    }
                }
            }
        }
        for l in r["levers"].as_array().unwrap() {
            let lever = &v["levers"][l.as_u64().unwrap() as usize];
            for id in lever["names"].as_array().unwrap() {
                expanded.push(format!(
                    "{node} {} {}",
                    id.as_str().unwrap(),
                    lever["technique"]
                ));
            }
        }
        for i in r["items"].as_array().unwrap() {
            let group = &v["items"][i.as_u64().unwrap() as usize];
            for item in group["names"].as_array().unwrap() {
                expanded.push(format!(
                    "{node} {} item {} {}",
                    group["vault"].as_str().unwrap(),
                    item["item"],
                    item["operations"]
                ));
            }
        }
        for e in r["eligible"].as_array().unwrap() {
            let group = &v["eligible"][e.as_u64().unwrap() as usize];
            for name in group["names"].as_array().unwrap() {
                expanded.push(format!(
                    "{node} {} eligible {}",
                    name.as_str().unwrap(),
                    group["eligibility"]["id"]
                ));
            }
        }
    }
    let (code, jsonl, err) = kvaccess(&["paths", "--from", who, "-o", "jsonl"]);
    assert_eq!(code, Some(0), "{err}");
    let mut flat = Vec::new();
    for line in jsonl.lines() {
        let row: Value = serde_json::from_str(line).unwrap();
        let node = row["node"].as_str().unwrap();
        let vault = row["vault"].as_str().unwrap();
        flat.push(if let Some(t) = row.get("technique") {
            format!("{node} {vault} {t}")
        } else if let Some(item) = row.get("item") {
            format!("{node} {vault} item {item} {}", row["operations"])
        } else if row.get("eligible").is_some() {
            format!("{node} {vault} eligible {}", row["eligibility"])
        } else {
            format!("{node} {vault} {} {}", row["group"], row["summary"])
        });
    }
    expanded.sort();
    flat.sort();
    assert!(!flat.is_empty());
    assert_eq!(expanded, flat, "--from {who}");
}

/// Each reached identity's self-grants, read from the rows its vault access asks, are what
/// `escalations_for_vault_among` finds for it vault by vault over every vault (the way `--from` asked
/// before): on the demo and generated tenants with gaps, missing definitions and unknown memberships.
#[test]
fn self_grants_are_the_escalations_of_each_vault() {
    for (tenant, snapshot) in tenants() {
        let engine = Engine::new(snapshot);
        let graph = HopGraph::build(&engine);
        let starts = engine
            .snapshot
            .principals
            .iter()
            .filter(|p| p.kind != PrincipalKind::Group)
            .step_by(if tenant == "demo" { 1 } else { 23 });
        let mut found = 0;
        let mut asked: std::collections::BTreeSet<String> = Default::default();
        for start in starts {
            let p = paths_from(&engine, &graph, &start.id, 2);
            let mut got: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            p.flat_rows(&engine, |row| {
                if let FlatRow::Lever {
                    node,
                    vault,
                    kind: LeverKind::SelfGrant,
                    technique,
                    decision,
                    grant,
                } = row
                {
                    got.entry(node)
                        .or_default()
                        .push(format!("{vault} {technique} {decision:?} {grant:?}"));
                }
                Ok::<(), ()>(())
            })
            .unwrap();
            for r in &p.reached {
                let id = r.node.id.as_str();
                if id.starts_with("external:") || !asked.insert(id.to_string()) {
                    continue;
                }
                let me = [id.to_string()].into();
                let want: Vec<String> = engine
                    .snapshot
                    .vaults
                    .iter()
                    .flat_map(|v| escalations_for_vault_among(&engine, v, &me))
                    .map(|f| {
                        let grant = Some(f.grant.as_str());
                        let words = f.technique.describe();
                        format!("{} {words} {:?} {grant:?}", f.vault_id, f.decision)
                    })
                    .collect();
                found += want.len();
                assert_eq!(got.remove(id).unwrap_or_default(), want, "{tenant}: {id}");
            }
        }
        assert!(
            found > 0 || tenant == "demo",
            "{tenant}: no self-grant found"
        );
    }
}
