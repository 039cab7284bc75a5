//! The bodies of the fuzz targets, shared by cargo-fuzz (fuzz_targets/) and by the proptest runs inside
//! `cargo test` (tests/it/fuzz_targets.rs). Each takes arbitrary bytes and must return without panicking, in
//! time proportional to the input; the properties checked beyond that are the ones kvaccess promises.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use kvaccess::eval::Engine;
use kvaccess::model::Cloud;

/// The snapshot loader: bytes as a file (UTF-8 or UTF-16), parsed leniently; a snapshot that loads can be
/// saved and loaded again, and an engine built over it.
pub fn snapshot(data: &[u8]) {
    let Ok(text) = kvaccess::files::decode(data.to_vec()) else {
        return;
    };
    let Ok(s) = kvaccess::snapshot::parse(&text, Path::new("fuzz.json")) else {
        return;
    };
    let _engine = Engine::new(s.clone());
    let again = kvaccess::snapshot::to_json(&s).to_string();
    if let Err(e) = kvaccess::snapshot::parse(&again, Path::new("saved.json")) {
        panic!("a loaded snapshot does not load again once saved: {e}");
    }
}

/// Change lists: parsed, and applied to the demo tenant.
pub fn changes(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(scenario) = kvaccess::whatif::Scenario::from_json(text) else {
        return;
    };
    let _ = scenario.apply(&kvaccess::snapshot::demo());
}

/// The files of an `az` export, in the order the input's NUL-separated chunks fill them.
const SUB: &str = "291bba3f-e0a5-47bc-a099-3bdcb2a50a05";
const AZ_FILES: [&str; 11] = [
    "account.json",
    "principals.json",
    "management-groups.json",
    "group-members-5ec0c500-0000-4000-8000-0000000000a1.json",
    "291bba3f-e0a5-47bc-a099-3bdcb2a50a05/groups.json",
    "291bba3f-e0a5-47bc-a099-3bdcb2a50a05/keyvaults.json",
    "291bba3f-e0a5-47bc-a099-3bdcb2a50a05/keyvault-kv.json",
    "291bba3f-e0a5-47bc-a099-3bdcb2a50a05/role-definitions.json",
    "291bba3f-e0a5-47bc-a099-3bdcb2a50a05/role-assignments.json",
    "291bba3f-e0a5-47bc-a099-3bdcb2a50a05/deny-assignments.json",
    "291bba3f-e0a5-47bc-a099-3bdcb2a50a05/eligibilities.json",
];

/// `import --az` over a folder made of the input: an import that succeeds gives a document that loads.
pub fn az_import(data: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(SUB)).unwrap();
    for (name, chunk) in AZ_FILES.iter().zip(data.split(|&b| b == 0)) {
        if !chunk.is_empty() {
            std::fs::write(dir.path().join(name), chunk).unwrap();
        }
    }
    if let Ok(out) = kvaccess::fetch::az_import::import_az_dir(dir.path(), Cloud::AzureCloud, None)
    {
        let text = out.json.to_string();
        if let Err(e) = kvaccess::snapshot::parse(&text, Path::new("imported.json")) {
            panic!("an import's document does not load: {e}");
        }
    }
}

/// ABAC conditions: analysed in linear time; a condition the analysis refuses restricts every action.
pub fn condition(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let action = "microsoft.keyvault/vaults/secrets/getsecret/action";
    let restricts = kvaccess::eval::condition::restricts(&text, action);
    if kvaccess::eval::condition::check(&text).is_some() {
        assert!(restricts, "an over-deep condition did not restrict");
    }
}
