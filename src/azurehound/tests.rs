#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read;
use std::path::Path;

use super::*;

/// A reader that hands out at most `step` bytes per call: the import must not need the whole text.
struct Trickle<'t> {
    text: &'t [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.text.len());
        buf[..n].copy_from_slice(&self.text[..n]);
        self.text = &self.text[n..];
        Ok(n)
    }
}

const SMALL: &str = r#"{
	"data": [
		{"kind":"AZTenant","data":{"tenantId":"11111111-AAAA-4AAA-8AAA-000000000001"}},
		{"kind":"AZSubscription","data":{"id":"/subscriptions/22222222-BBBB-4BBB-8BBB-000000000002","subscriptionId":"22222222-BBBB-4BBB-8BBB-000000000002","displayName":"Prod"}},
		{"kind":"AZUser","data":{"id":"AAAAAAAA-0000-4000-8000-00000000A11C","displayName":"Alice"}},
		{"kind":"AZSomethingNew","data":{}}
	],
	"meta": {"type":"azure","version":5,"count":4}
}"#;

#[test]
fn streams_records_in_small_pieces_and_lower_cases_object_ids() {
    let r = Trickle {
        text: SMALL.as_bytes(),
        step: 7,
    };
    let imported = import_from(r, Path::new("small.json")).unwrap();
    assert_eq!(imported.records, 4);
    assert_eq!(imported.skipped, vec![("AZSomethingNew".to_string(), 1)]);
    let s = &imported.snapshot;
    assert_eq!(
        s.tenant_id.as_deref(),
        Some("11111111-aaaa-4aaa-8aaa-000000000001")
    );
    assert_eq!(s.principals[0].id, "aaaaaaaa-0000-4000-8000-00000000a11c");
    assert_eq!(s.assumptions.len(), NOT_COLLECTED.len());
    assert!(s.deny_assignments.is_empty());
    // "not collected, assumed none": no deny-assignment gap that would make every answer unknown.
    assert!(s.collection_errors.is_empty(), "{:?}", s.collection_errors);
}

#[test]
fn a_truncated_file_is_an_error_naming_the_file_and_line() {
    let cut = &SMALL[..SMALL.find("AZUser").unwrap()];
    let err = import_from(cut.as_bytes(), Path::new("cut.json"))
        .err()
        .expect("truncated input must fail");
    let text = err.to_string();
    assert!(text.starts_with("cut.json: "), "{text}");
    assert!(text.contains("line 5"), "{text}");
}

#[test]
fn a_file_without_data_is_refused() {
    let err = import_from(&b"{\"meta\": {}}"[..], Path::new("x.json"))
        .err()
        .unwrap();
    assert!(err.to_string().contains("no `data` array"), "{err}");
    let err = import_from(&b"[1, 2]"[..], Path::new("y.json"))
        .err()
        .unwrap();
    assert!(err.to_string().starts_with("y.json: "), "{err}");
}
