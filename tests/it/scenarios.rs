//! The scenario fixtures (`tests/fixtures/cases/*.json`) as snapshots, for the tests that compare the bulk
//! queries and the fast path with `check` on every one of them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use kvaccess::model::Snapshot;

/// Every scenario fixture's snapshot, in file-name order, with the file it came from.
pub fn snapshots() -> Vec<(PathBuf, Snapshot)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "scenario fixtures missing in {}",
        dir.display()
    );
    files
        .into_iter()
        .map(|file| {
            let fixture: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            let text = serde_json::to_string(&fixture["snapshot"]).unwrap();
            let snapshot = kvaccess::snapshot::parse(&text, &file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            (file, snapshot)
        })
        .collect()
}
