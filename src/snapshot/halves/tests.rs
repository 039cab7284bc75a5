//! A file read in pieces loads what its text loads, and whatever the pieces cannot read is left to the
//! whole read, which reports it.

use std::path::Path;

use serde_json::json;

use super::*;
use crate::snapshot::{read_raw_serial, validate};

/// The text's load by the one-thread parser.
fn serial(text: &str) -> String {
    let file = Path::new("t.json");
    format!(
        "{:?}",
        read_raw_serial(text, file).and_then(|raw| validate(raw, file))
    )
}

/// The file's load in pieces, with the scanner's buffer and the windows of these sizes.
fn in_pieces(path: &Path, buffer: usize, window: usize) -> Option<String> {
    read_file_with(path, buffer, window)
        .map(|raw| format!("{:?}", validate(raw, Path::new("t.json"))))
}

fn texts() -> Vec<String> {
    let mut spec = crate::synth::SynthSpec::small(3);
    spec.compute_resources = 40;
    spec.applications = 20;
    let hops = crate::synth::generate(&spec);
    let plain = crate::synth::generate(&crate::synth::SynthSpec::small(7));
    let mut texts = vec![
        crate::snapshot::DEMO_JSON.to_string(),
        crate::snapshot::to_json(&hops).to_string(),
        serde_json::to_string_pretty(&crate::snapshot::to_json(&plain)).unwrap_or_default(),
        "{}".to_string(),
        // Characters of several bytes, escapes, unknown keys, sections that are not arrays.
        r#"{"kvaccessSnapshot": 1, "tenantId": "caf\u00e9 \"é🔑\"", "extra": [1, {"a": "\\"}],
            "principals": [{"id": "11111111-1111-1111-1111-111111111111", "displayName": "Zoë 🔑"}],
            "vaults": null, "owners": {}, "applications": 3, "assumptions": ["é", 5]}"#
            .to_string(),
    ];
    texts.extend(
        [
            json!({ "kvaccessSnapshot": 1.5, "cloud": 3, "vaults": null, "principals": {}, "extra": [1, {}] }),
            json!({ "kvaccessSnapshot": 1, "roleAssignments": "none", "groupMemberships": [null, 1, {}] }),
            json!({ "kvaccessSnapshot": 1, "identityResources": [1, null, {}], "networkSecurityPerimeters": [[]] }),
        ]
        .iter()
        .map(|doc| doc.to_string()),
    );
    texts
}

#[test]
fn a_file_read_in_pieces_loads_what_its_text_loads() {
    let dir = tempfile::tempdir().unwrap();
    for (i, text) in texts().iter().enumerate() {
        let want = serial(text);
        let path = dir.path().join(format!("{i}.json"));
        // With a byte-order mark too, which the text starts after.
        let bom = dir.path().join(format!("{i}-bom.json"));
        std::fs::write(&path, text).unwrap();
        std::fs::write(&bom, format!("\u{feff}{text}")).unwrap();
        let sizes: &[(usize, usize)] = if text.len() > 100_000 {
            &[(split::BUFFER, WINDOW), (4096, 1000)]
        } else {
            &[(split::BUFFER, WINDOW), (1, 1), (3, 7), (64, 100)]
        };
        for &(buffer, window) in sizes {
            for file in [&path, &bom] {
                assert_eq!(
                    in_pieces(file, buffer, window).as_ref(),
                    Some(&want),
                    "{} ({buffer}, {window}): {}",
                    file.display(),
                    &text[..text.len().min(200)]
                );
            }
        }
    }
}

#[test]
fn what_the_pieces_cannot_read_is_left_to_the_whole_read() {
    let dir = tempfile::tempdir().unwrap();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(r#"{"kvaccessSnapshot": 1}"#.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let cases: [(&str, &[u8]); 5] = [
        (
            "syntax",
            br#"{"kvaccessSnapshot": 1, "roleAssignments": [{}, {"id": tru}]}"#,
        ),
        (
            "escaped-key",
            br#"{"kvaccessSnapshot": 1, "v\u0061ults": []}"#,
        ),
        (
            "latin1",
            b"{\"kvaccessSnapshot\": 1, \"cloud\": \"caf\xe9\"}",
        ),
        ("cut", b"{\"kvaccessSnapshot\": 1, \"cloud\": \"caf\xc3"),
        ("utf16", &utf16),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(in_pieces(&path, 5, 5), None, "{name}");
        assert!(read_file(&path).is_none(), "{name}");
    }
    assert!(read_file(&dir.path().join("absent.json")).is_none());
    assert!(read_file(dir.path()).is_none());
    // The whole read still names the line and column of a syntax error.
    let syntax = dir.path().join("syntax.json");
    match crate::snapshot::load_file(&syntax) {
        Err(crate::error::LoadError::Syntax { line, column, .. }) => {
            assert_eq!((line, column), (1, 59));
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    // A UTF-16 file loads through the whole read.
    let utf16 = dir.path().join("utf16.json");
    assert!(crate::snapshot::load_file(&utf16).is_ok());
}
