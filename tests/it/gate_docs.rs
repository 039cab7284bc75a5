//! The example CI workflows in docs/examples: well-formed enough to run, and every kvaccess command line
//! in them parses with the CLI's own clap definition; the example rule file is valid.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use clap::Parser;
use kvaccess::cli::Cli;

fn example(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("docs/examples")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Shell words of a command line, up to a redirection or `||`; quotes group words and are removed.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let (mut quote, mut started) = (None, false);
    for c in line.chars() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                started = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if started {
                    out.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            (_, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(word);
    }
    let end = out
        .iter()
        .position(|w| [">", ">>", "||", "&&", "|", ";"].contains(&w.as_str()))
        .unwrap_or(out.len());
    out.truncate(end);
    out
}

/// Every line of a workflow that runs kvaccess.
fn commands(yaml: &str) -> Vec<String> {
    yaml.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("kvaccess "))
        .map(str::to_string)
        .collect()
}

fn check(name: &str, top_level: &[&str], at_least: usize) {
    let yaml = example(name);
    assert!(!yaml.contains('\t'), "{name}: YAML does not allow tabs");
    for key in top_level {
        assert!(
            yaml.lines().any(|l| l.starts_with(&format!("{key}:"))),
            "{name}: no top-level {key}"
        );
    }
    // Indentation in steps of two spaces, and no block scalar left empty.
    let lines: Vec<&str> = yaml.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        let indent = l.len() - l.trim_start().len();
        assert_eq!(indent % 2, 0, "{name}:{}: odd indentation", i + 1);
        if l.trim_end().ends_with('|') {
            let next = lines.get(i + 1).copied().unwrap_or("");
            assert!(
                next.len() - next.trim_start().len() > indent,
                "{name}:{}: empty block",
                i + 1
            );
        }
    }
    let cmds = commands(&yaml);
    assert!(cmds.len() >= at_least, "{name}: {cmds:?}");
    for cmd in &cmds {
        let argv = words(cmd);
        if let Err(e) = Cli::try_parse_from(&argv) {
            panic!("{name}: `{cmd}` does not parse: {e}");
        }
    }
}

#[test]
fn the_github_actions_example_runs_valid_commands() {
    check(
        "github-actions.yml",
        &["name", "on", "permissions", "jobs"],
        4,
    );
}

#[test]
fn the_azure_pipelines_example_runs_valid_commands() {
    check(
        "azure-pipelines.yml",
        &["trigger", "pr", "pool", "steps"],
        3,
    );
}

#[test]
fn the_example_rule_file_is_valid_and_every_kind_is_in_it() {
    let rules = kvaccess::gate::parse_rules(&example("kvaccess-rules.toml")).unwrap();
    for (name, kind) in kvaccess::gate::Kind::ALL {
        assert!(rules.iter().any(|r| r.kind == kind), "no {name} rule");
    }
}

#[test]
fn the_word_splitter_stops_at_redirections() {
    assert_eq!(words(r#"kvaccess a "b c" > x"#), ["kvaccess", "a", "b c"]);
    assert_eq!(
        words("kvaccess fetch -o s.json || test $? -eq 3"),
        ["kvaccess", "fetch", "-o", "s.json"]
    );
}
