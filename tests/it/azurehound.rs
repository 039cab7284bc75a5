//! `kvaccess import --azurehound FILE` on a hand-written collection (tests/fixtures/azurehound, written
//! from AzureHound's format: one record per line, upper-cased ids, the vault role-assignment quirk): what
//! it gives, where it places assignments, and what it says it could not know.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

use kvaccess::catalog;
use kvaccess::eval::{Decision, Engine, Request};
use kvaccess::model::{Scope, Snapshot};

const SUB: &str = "/subscriptions/22222222-bbbb-4bbb-8bbb-000000000002";
const ALICE: &str = "aaaaaaaa-0000-4000-8000-00000000a11c";
const BOB: &str = "bbbbbbbb-0000-4000-8000-0000000000b0";
const CAROL: &str = "cccccccc-0000-4000-8000-00000000ca70";
const MI: &str = "33333333-0000-4000-8000-0000000000e1";

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/azurehound/collection.json")
}

fn imported() -> Snapshot {
    kvaccess::azurehound::import(&fixture()).unwrap().snapshot
}

fn vault(name: &str) -> String {
    format!("{SUB}/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/{name}")
}

fn verdict(engine: &Engine, who: &str, scope: &str, action: &str) -> kvaccess::eval::Verdict {
    let target = engine.target(&Scope::parse(scope).unwrap());
    let action = catalog::resolve(action).unwrap();
    engine
        .check(&Request::new(&engine.subject(who), &target, &action))
        .unwrap()
}

#[test]
fn role_assignments_are_placed_by_their_own_scope_and_kept_once() {
    let s = imported();
    assert_eq!(s.role_assignments.len(), 5, "{:#?}", s.role_assignments);
    let inherited = s
        .role_assignments
        .iter()
        .find(|a| a.principal_id == MI)
        .unwrap();
    // Listed with the vault, but made at the resource group.
    assert_eq!(
        inherited.scope.key(),
        Scope::parse(&format!("{SUB}/resourceGroups/rg-app"))
            .unwrap()
            .key()
    );
    assert_eq!(s.subscriptions.len(), 1);
    assert_eq!(s.management_groups[0].subscription_ids.len(), 1);
    assert_eq!(s.group_memberships.len(), 1);
    assert_eq!(s.hops.resources.as_ref().unwrap().len(), 1);
    assert_eq!(s.hops.directory_roles.as_ref().unwrap().len(), 1);
}

#[test]
fn answers_use_embedded_built_ins_and_carry_the_deny_assumption_once() {
    let engine = Engine::new(imported());
    let kv = vault("kv-rbac");
    // Alice through her group's Key Vault Secrets User assignment (built-in, definition embedded).
    let v = verdict(&engine, ALICE, &kv, "secrets/get");
    assert_eq!(v.decision, Decision::Allowed, "{v:#?}");
    let notes: Vec<_> = v
        .notes
        .iter()
        .filter(|n| {
            n.to_string()
                .contains("deny assignments: not collected by AzureHound, assumed none")
        })
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", v.notes);
    // Carol through a custom role AzureHound cannot describe: unknown, never allowed or denied.
    let v = verdict(&engine, CAROL, &kv, "secrets/get");
    assert_eq!(v.decision, Decision::Unknown, "{v:#?}");
    // Bob through the access-policy vault's own list (not the filtered AZKeyVaultAccessPolicy record).
    let v = verdict(&engine, BOB, &vault("kv-policies"), "secrets/list");
    assert_eq!(v.decision, Decision::Allowed, "{v:#?}");
    // The vault's publicNetworkAccess is not known, so the network answer is not either.
    let target = engine.target(&Scope::parse(&kv).unwrap());
    let action = catalog::resolve("secrets/get").unwrap();
    let origin = kvaccess::eval::Origin::Internet;
    let v = engine
        .check(&Request::new(&engine.subject(ALICE), &target, &action).from(Some(&origin)))
        .unwrap();
    assert_eq!(v.network.allowed(), None, "{:?}", v.network);
}

#[test]
fn a_vm_contributor_reaches_the_secret_through_the_vm_identity() {
    let engine = Engine::new(imported());
    let graph = kvaccess::paths::HopGraph::build(&engine);
    let scope = Scope::parse(&vault("kv-rbac")).unwrap();
    let action = catalog::resolve("secrets/get").unwrap();
    let p = kvaccess::paths::paths_to(&engine, &graph, &scope, &action, 4).unwrap();
    let bob = p
        .groups
        .iter()
        .flat_map(|g| &g.paths)
        .find(|x| x.start.id == BOB)
        .expect("Bob reaches the secret");
    assert_eq!(bob.hops.len(), 2);
    assert_eq!(bob.hops[0].to, MI);
    assert_eq!(p.tenant_admins.len(), 1);
    assert_eq!(p.tenant_admins[0].principal_id, CAROL);
}

#[test]
fn the_cli_writes_a_private_snapshot_and_states_what_it_could_not_know() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ah.json");
    let o = Command::new(env!("CARGO_BIN_EXE_kvaccess"))
        .env_remove("KVACCESS_SNAPSHOT")
        .args(["import", "--azurehound"])
        .arg(fixture())
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_eq!(
        err.matches("assumed: deny assignments: not collected")
            .count(),
        1,
        "{err}"
    );
    assert!(err.contains("not used: 1 AZDevice record(s)"), "{err}");
    assert!(!err.contains("publicNetworkAccess: unknown value"), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let back = kvaccess::snapshot::load_file(&out).unwrap();
    assert_eq!(back.assumptions, imported().assumptions);
    // A file that is not an AzureHound collection: exit 2, naming the file, nothing written.
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        "{\"data\": [ {\"kind\": \"AZUser\", \"data\": {}},\n oops ]}",
    )
    .unwrap();
    let out2 = dir.path().join("none.json");
    let o = Command::new(env!("CARGO_BIN_EXE_kvaccess"))
        .args(["import", "--azurehound"])
        .arg(&bad)
        .arg("-o")
        .arg(&out2)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("bad.json") && err.contains("line 2"), "{err}");
    assert!(!out2.exists());
}
