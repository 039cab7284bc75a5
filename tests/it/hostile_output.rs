//! Output safety: every class of hostile name, through every CLI format and the error paths. Names come
//! from Azure and files from anyone; nothing in them may drive a terminal (ESC, CSI, OSC 52, CR, NUL, C1),
//! hide or reorder text (bidi, zero-width, tag characters), run in a spreadsheet (formula prefixes), break
//! a markdown table or inject HTML/links, or make a message unbounded (huge values).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

const SUB: &str = "/subscriptions/eeeeeeee-0000-0000-0000-00000000000f";
const VAULT: &str = "/subscriptions/eeeeeeee-0000-0000-0000-00000000000f/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-evil";
const GROUP: &str = "eeeeeeee-0000-0000-0000-0000000000ff";

/// One display name per hostile class.
fn hostile_names() -> Vec<(&'static str, String)> {
    vec![
        ("esc-csi", "\u{1b}[2J\u{1b}[31mEsc".into()),
        ("osc52", "\u{1b}]52;c;aGFja2Vk\u{7}Clip".into()),
        ("title", "\u{1b}]0;pwned\u{1b}\\Title".into()),
        ("cr", "Safe\rEvil".into()),
        ("nul", "Nul\u{0}Byte".into()),
        ("c1", "C1\u{9b}2J\u{85}next".into()),
        ("bidi", "Bidi\u{202e}exe.txt\u{2067}\u{61c}".into()),
        (
            "zero-width",
            "Zero\u{200b}Width\u{2060}\u{2064}\u{feff}".into(),
        ),
        ("tags", "Tag\u{e0041}\u{e0042}\u{e007f}".into()),
        (
            "formula=",
            "=HYPERLINK(\"http://evil.example\",\"x\")".into(),
        ),
        ("formula+", "+cmd|' /C calc'!A0".into()),
        ("formula-", "-2+3+cmd|' /C calc'!A0".into()),
        ("formula@", "@SUM(1+1)*cmd|' /C calc'!A0".into()),
        ("formula-tab", "\t=1+1".into()),
        ("pipe", "Pipe|Break|Table".into()),
        ("escaped-pipe", "Back\\|slash".into()),
        ("html", "<img src=x onerror=alert(1)>".into()),
        ("link", "[click](javascript:alert(1))".into()),
        ("backticks", "`code` ``more``".into()),
        ("huge", "H".repeat(100_000)),
    ]
}

fn user(i: usize) -> String {
    format!("eeeeeeee-0000-0000-0000-{i:012}")
}

/// Every hostile user reads secrets through one group (access policy) and writes the vault (a custom role
/// whose name is hostile too); the subscription's name is hostile.
fn snapshot() -> Value {
    let names = hostile_names();
    let role = format!(
        "{SUB}/providers/Microsoft.Authorization/roleDefinitions/eeeeeeee-0000-0000-0000-0000000000d1"
    );
    let mut principals: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, (_, n))| json!({ "@odata.type": "#microsoft.graph.user", "id": user(i + 1), "displayName": n }))
        .collect();
    principals.push(json!({ "@odata.type": "#microsoft.graph.group", "id": GROUP, "displayName": "=Group\u{1b}[8m|<b>" }));
    let memberships: Vec<Value> = (1..=names.len())
        .map(|i| json!({ "groupId": GROUP, "memberId": user(i) }))
        .collect();
    let assignments: Vec<Value> = (1..=names.len())
        .map(|i| json!({ "id": format!("{VAULT}/providers/Microsoft.Authorization/roleAssignments/eeeeeeee-0000-0000-0000-{:012}", 100 + i),
                         "properties": { "scope": VAULT, "roleDefinitionId": role, "principalId": user(i), "principalType": "User" } }))
        .collect();
    json!({
        "kvaccessSnapshot": 1,
        "subscriptions": [{ "id": SUB, "displayName": "Sub\u{1b}]0;x\u{7}|=1" }],
        "vaults": [{ "id": VAULT, "name": "kv-evil",
            "properties": { "accessPolicies": [{ "objectId": GROUP, "permissions": { "secrets": ["get", "list"] } }] } }],
        "roleDefinitions": [{ "id": role, "properties": { "roleName": "@Writer\u{1b}[5m|`x`", "type": "CustomRole",
            "permissions": [{ "actions": ["Microsoft.KeyVault/vaults/write", "Microsoft.KeyVault/vaults/read"] }] } }],
        "roleAssignments": assignments,
        "denyAssignments": [],
        "principals": principals,
        "groupMemberships": memberships
    })
}

fn kvaccess() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kvaccess"));
    for k in [
        "KVACCESS_SNAPSHOT",
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "TERM",
    ] {
        c.env_remove(k);
    }
    c.stdin(Stdio::null());
    c
}

fn run(args: &[&str]) -> Output {
    let out = kvaccess().args(args).output().unwrap();
    let code = out.status.code().expect("killed by a signal");
    assert!(
        [0, 1, 2, 3, 4].contains(&code),
        "{args:?}: exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, v.to_string()).unwrap();
    p
}

/// Characters that must never appear raw in any output. CR is checked apart (CSV ends lines with it).
fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\r')
        || matches!(c, '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}'
            | '\u{feff}' | '\u{e0000}'..='\u{e007f}')
}

fn assert_inert(what: &str, bytes: &[u8]) {
    let text =
        String::from_utf8(bytes.to_vec()).unwrap_or_else(|_| panic!("{what}: output is not UTF-8"));
    if let Some(c) = text.chars().find(|&c| forbidden(c)) {
        panic!("{what} printed {c:?}");
    }
    let lone_cr = text
        .match_indices('\r')
        .any(|(i, _)| !text[i..].starts_with("\r\n"));
    assert!(!lone_cr, "{what} printed a lone CR");
}

fn csv_cells(text: &str) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    r.records()
        .flat_map(|x| x.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

fn assert_no_formula(what: &str, text: &str) {
    for cell in csv_cells(text) {
        let number = cell.parse::<f64>().is_ok();
        assert!(
            number || !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{what}: formula cell {cell:?}"
        );
    }
}

/// In a markdown table row, every `|` that is not escaped separates cells; no raw HTML or link syntax.
fn assert_markdown_table(what: &str, text: &str) {
    let mut columns = None;
    for line in text.lines().filter(|l| l.starts_with('|')) {
        let b = line.as_bytes();
        let mut separators = 0;
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 1,
                b'|' => separators += 1,
                b'<' | b'>' | b'`' | b'[' | b']' => {
                    panic!("{what}: unescaped {:?} in {line}", b[i] as char)
                }
                _ => {}
            }
            i += 1;
        }
        match columns {
            None => columns = Some(separators),
            Some(n) => assert_eq!(n, separators, "{what}: a name broke the table:\n{line}"),
        }
    }
    assert!(columns.is_some(), "{what}: no table:\n{text}");
}

#[test]
fn hostile_names_are_inert_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "hostile.json", &snapshot());
    let f = file.to_str().unwrap();
    let huge = user(hostile_names().len());
    let commands: Vec<(Vec<&str>, &[&str])> = vec![
        (
            vec!["who-can", "-s", f, "--scope", VAULT, "-a", "secrets/get"],
            &["text", "json", "csv"],
        ),
        (
            vec!["who-can", "-s", f, "--scope", VAULT, "-a", "vaults/write"],
            &["text", "json", "csv"],
        ),
        (
            vec!["matrix", "-s", f, "--scope", VAULT],
            &["text", "json", "csv", "markdown"],
        ),
        (
            vec!["matrix", "-s", f, "-p", &huge],
            &["text", "json", "csv", "markdown"],
        ),
        (
            vec![
                "check",
                "-s",
                f,
                "-p",
                &huge,
                "--scope",
                VAULT,
                "-a",
                "secrets/get",
            ],
            &["text", "json"],
        ),
        (vec!["escalations", "-s", f], &["text", "json"]),
        (vec!["validate", f], &["text", "json"]),
    ];
    for (args, formats) in &commands {
        for format in *formats {
            let mut all = args.clone();
            all.extend(["-o", format]);
            let out = run(&all);
            let what = format!("{} -o {format}", args[0]);
            assert_inert(&what, &out.stdout);
            assert_inert(&what, &out.stderr);
            let text = String::from_utf8_lossy(&out.stdout);
            match *format {
                "json" => {
                    let v: Value =
                        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: {e}"));
                    // Escaped, not altered: the JSON still carries the names as Azure has them.
                    if args[0] == "who-can" && args.contains(&"secrets/get") {
                        let s = v.to_string();
                        assert!(s.contains("Bidi\u{202e}exe.txt"), "{what}: names altered");
                    }
                }
                "csv" => assert_no_formula(&what, &text),
                "markdown" => assert_markdown_table(&what, &text),
                _ => {}
            }
            if args[0] == "who-can" && *format != "json" {
                assert!(
                    text.contains("'=HYPERLINK") || *format == "text",
                    "{what}: {text}"
                );
            }
        }
    }
}

#[test]
fn error_paths_print_file_text_cleaned_and_bounded() {
    let dir = tempfile::tempdir().unwrap();
    // Validation problems quoting hostile values, and a huge one.
    let mut bad = snapshot();
    bad["principals"][0]["id"] = json!("\u{1b}]52;c;cHduZWQ=\u{7}not-a-guid\u{202e}");
    bad["roleAssignments"][0]["properties"]["principalId"] = json!("x".repeat(1 << 20));
    bad["vaults"][0]["properties"]["softDeleteRetentionInDays"] = json!(7.5);
    let file = write(dir.path(), "bad.json", &bad);
    for format in ["text", "json"] {
        let out = run(&["validate", file.to_str().unwrap(), "-o", format]);
        assert_eq!(out.status.code(), Some(2));
        assert_inert("validate", &out.stdout);
        assert_inert("validate", &out.stderr);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(all.len() < 20_000, "validate echoed {} bytes", all.len());
        assert!(all.contains("more bytes)"), "no cut marker: {all}");
        assert!(
            all.contains("expected a whole number, found a fraction"),
            "{all}"
        );
    }
    // A query for a hostile or huge name that does not exist.
    let good = write(dir.path(), "good.json", &snapshot());
    let g = good.to_str().unwrap();
    // One argument can be at most 128 KB; the change list below carries a 10 MB name.
    let huge = "Ÿ".repeat(60_000);
    for who in ["\u{1b}]52;c;eA==\u{7}\u{9b}31m", huge.as_str()] {
        let started = std::time::Instant::now();
        let out = run(&[
            "check",
            "-s",
            g,
            "-p",
            who,
            "--scope",
            VAULT,
            "-a",
            "secrets/get",
        ]);
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        assert_inert("check error", &out.stderr);
        assert!(
            out.stderr.len() < 20_000,
            "{} bytes of error",
            out.stderr.len()
        );
    }
    // What-if errors quoting the change list.
    let changes = write(
        dir.path(),
        "changes.json",
        &json!([{ "kind": "addRoleAssignment", "principal": "\u{1b}[2JNobody\u{e0041}", "role": "@Owner\u{85}", "scope": VAULT,
                  "\u{1b}]0;title\u{7}": 1 }]),
    );
    let out = run(&["whatif", "-s", g, "-c", changes.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_inert("whatif error", &out.stderr);
    assert!(String::from_utf8_lossy(&out.stderr).contains("changes[0]"));
    // A 10 MB name: no suggestion search over it (it took 53 s), and a bounded message.
    let changes = write(
        dir.path(),
        "huge.json",
        &json!([{ "kind": "addRoleAssignment", "principal": "N".repeat(10 << 20), "role": "Owner", "scope": VAULT }]),
    );
    let started = std::time::Instant::now();
    let out = run(&["whatif", "-s", g, "-c", changes.to_str().unwrap()]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr.len() < 20_000,
        "{} bytes of error",
        out.stderr.len()
    );
}

#[test]
fn inputs_must_be_regular_files_and_are_decoded_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["validate", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is a device"),
        "{:?}",
        out.stderr
    );
    let fifo = dir.path().join("fifo");
    if Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        // Would block forever if opened.
        let out = run(&["validate", fifo.to_str().unwrap()]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("FIFO"));
        let out = run(&["whatif", "-c", fifo.to_str().unwrap()]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("FIFO"));
    }
    let mut bytes = b"{\"kvaccessSnapshot\": 1,\n \"principals\": [\"".to_vec();
    bytes.extend([0xC3, 0x28]);
    bytes.extend(b"\"]}");
    let bad = dir.path().join("latin1.json");
    std::fs::write(&bad, &bytes).unwrap();
    let out = run(&["validate", bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("byte offset 41 (line 2, column 18)"), "{err}");
    // PowerShell's `>` writes UTF-16LE with a byte order mark: read as such.
    let text = snapshot().to_string();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let wide = dir.path().join("utf16.json");
    std::fs::write(&wide, utf16).unwrap();
    assert_eq!(
        run(&["validate", wide.to_str().unwrap()]).status.code(),
        Some(0)
    );
}

#[cfg(unix)]
#[test]
fn outputs_are_written_only_to_regular_files_or_new_paths() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.json");
    std::fs::write(&real, "keep").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let synth = |out: &Path| {
        run(&[
            "synth",
            "--principals",
            "5",
            "--vaults",
            "1",
            "--role-assignments",
            "5",
            "-o",
            out.to_str().unwrap(),
        ])
    };
    let out = synth(&link);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("symbolic link"));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&real).unwrap(), "keep");
    let out = synth(Path::new("/dev/null"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a device"));
    // fetch and import refuse such a target before any work (no credentials are even looked at).
    for args in [
        vec!["fetch", "--auth", "token", "-o", "/dev/null"],
        vec![
            "import",
            "--az",
            "/nonexistent",
            "-o",
            link.to_str().unwrap(),
        ],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("a device") || err.contains("symbolic link"),
            "{err}"
        );
    }
    assert_eq!(synth(&dir.path().join("new.json")).status.code(), Some(0));
    assert_eq!(synth(&real).status.code(), Some(0));
}

#[cfg(unix)]
#[test]
fn an_interrupted_write_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("big.json");
    let mut child = kvaccess()
        .args([
            "synth",
            "--principals",
            "40000",
            "--vaults",
            "50",
            "--role-assignments",
            "40000",
            "-o",
        ])
        .arg(&target)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let temp = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with(".kvaccess-"))
    };
    let started = std::time::Instant::now();
    while !temp() && started.elapsed() < std::time::Duration::from_secs(120) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert!(temp(), "the write was never seen in flight");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert!(!temp(), "a temporary file was left behind");
    assert!(!target.exists());
}

#[test]
fn an_over_deep_condition_is_reported_and_answered_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = snapshot();
    let n = 100_000; // 200 KB of parentheses
    let condition = format!(
        "{}(!(ActionMatches{{'Microsoft.KeyVault/vaults/write'}})) OR (@Resource[x] StringEquals 'y'){}",
        "(".repeat(n),
        ")".repeat(n)
    );
    s["roleAssignments"][0]["properties"]["condition"] = json!(condition);
    s["roleAssignments"][0]["properties"]["conditionVersion"] = json!("2.0");
    let file = write(dir.path(), "deep.json", &s);
    let f = file.to_str().unwrap();
    let out = run(&["validate", f]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("nests 100003 levels deep"), "{text}");
    // The grant under it is conditional (never a silent allow), and the answer comes.
    let out = run(&[
        "check",
        "-s",
        f,
        "-p",
        &user(1),
        "--scope",
        VAULT,
        "-a",
        "vaults/write",
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(run(&["escalations", "-s", f]).status.code(), Some(0));
}
