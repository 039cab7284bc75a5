//! The cargo-fuzz targets (fuzz/harness.rs) run inside `cargo test` with proptest: each target gets its seed
//! corpus (fuzz/corpus/<target>/) mutated at random (bytes flipped, inserted, removed, ranges duplicated)
//! plus plain random bytes. Case counts are small so the suite stays fast; `cargo fuzz` runs them for hours.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../fuzz/harness.rs"]
mod harness;

use std::path::Path;

use proptest::prelude::*;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    Repeat(usize, usize),
}

/// Bytes that matter to the formats: JSON structure, quotes, NUL (the az target's file separator), UTF-8
/// lead bytes, and the characters the sanitiser and the condition analysis care about.
fn interesting() -> impl Strategy<Value = Vec<u8>> {
    let tokens: Vec<&'static [u8]> = vec![
        b"{",
        b"}",
        b"[",
        b"]",
        b"\"",
        b",",
        b":",
        b"null",
        b"1.5",
        b"-1e400",
        b"\0",
        b"\xff",
        b"\xc3",
        b"(",
        b")",
        b"'",
        b" OR ",
        b" AND ",
        b"!",
        b"\x1b]52;c;",
        b"\xe2\x80\xae",
        b"=cmd",
        b"\\u0000",
        b"\"value\"",
        b"\"properties\"",
        b"\"id\"",
    ];
    prop::collection::vec(prop::sample::select(tokens), 1..4).prop_map(|t| t.concat())
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), interesting()).prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Edit::Remove(i, n)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Edit::Repeat(i, n)),
    ]
}

fn apply(mut data: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = data.len().max(1);
        match e {
            Edit::Flip(i, b) if !data.is_empty() => data[i % len] ^= b,
            Edit::Insert(i, bytes) => {
                let at = i % (data.len() + 1);
                data.splice(at..at, bytes.iter().copied());
            }
            Edit::Remove(i, n) if !data.is_empty() => {
                let at = i % len;
                let end = (at + n).min(data.len());
                data.drain(at..end);
            }
            Edit::Repeat(i, n) if !data.is_empty() => {
                let at = i % len;
                let end = (at + n).min(data.len());
                let part = data[at..end].to_vec();
                data.splice(end..end, part);
            }
            _ => {}
        }
    }
    data
}

/// A seed mutated by up to 8 edits, or random bytes.
fn input(target: &str) -> impl Strategy<Value = Vec<u8>> {
    let seeds = seeds(target);
    let n = seeds.len();
    prop_oneof![
        4 => (0..n, prop::collection::vec(edit(), 0..8)).prop_map(move |(i, edits)| apply(seeds[i].clone(), &edits)),
        1 => prop::collection::vec(any::<u8>(), 0..512),
    ]
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(512))]
    #[test]
    fn snapshot_loader(data in input("snapshot")) {
        harness::snapshot(&data);
    }

    #[test]
    fn condition_analysis(data in input("condition")) {
        harness::condition(&data);
    }
}

proptest! {
    #![proptest_config(config(192))]
    #[test]
    fn change_lists(data in input("changes")) {
        harness::changes(&data);
    }

    #[test]
    fn az_importer(data in input("az_import")) {
        harness::az_import(&data);
    }
}

#[test]
fn every_seed_runs_clean() {
    for s in seeds("snapshot") {
        harness::snapshot(&s);
    }
    for s in seeds("changes") {
        harness::changes(&s);
    }
    for s in seeds("az_import") {
        harness::az_import(&s);
    }
    for s in seeds("condition") {
        harness::condition(&s);
    }
}
