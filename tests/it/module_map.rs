//! The library's module map (the head of `src/lib.rs`) names every public module, so a newcomer reading it
//! sees the whole layout.

#[test]
fn the_module_map_names_every_public_module() {
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs")).unwrap();
    let map: String = lib
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    let modules: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .filter_map(|l| l.strip_suffix(';'))
        .collect();
    assert!(modules.len() > 10, "{modules:?}");
    for m in modules {
        assert!(
            map.contains(&format!("[`{m}`]")),
            "src/lib.rs's module map misses `{m}`"
        );
    }
}
