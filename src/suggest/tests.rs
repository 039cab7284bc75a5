use super::*;

#[test]
fn suggestions_catch_typos_only() {
    let roles = ["Key Vault Secrets User", "Key Vault Reader", "Owner"];
    assert_eq!(
        did_you_mean("Key Vault Secret User", roles.iter().copied()).as_deref(),
        Some("Key Vault Secrets User")
    );
    assert_eq!(did_you_mean("Contributor", roles.iter().copied()), None);
    assert_eq!(
        did_you_mean("owner", roles.iter().copied()).as_deref(),
        Some("Owner")
    );
    // A huge name is not compared at all (it took 53 s against a large tenant).
    let huge = "x".repeat(10 << 20);
    let many: Vec<String> = (0..10_000).map(|i| format!("name-{i}")).collect();
    assert_eq!(did_you_mean(&huge, many.iter().map(String::as_str)), None);
    assert_eq!(
        did_you_mean("name-1x", [huge.as_str(), "name-12"].into_iter()).as_deref(),
        Some("name-12")
    );
}

fn ranked<'a>(query: &str, names: &[&'a str]) -> Vec<&'a str> {
    rank(query, names.iter().map(|n| [*n]), SHOWN)
        .into_iter()
        .map(|i| names[i])
        .collect()
}

#[test]
fn substrings_rank_before_typos_and_loose_fuzzy_matches_come_only_alone() {
    let names = [
        "Sxexcxuxrxixtxy",
        "Securiti",
        "Security on-call",
        "Security team",
        "Bob",
    ];
    let got = ranked("Security", &names);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got[..2].contains(&"Security team") && got[..2].contains(&"Security on-call"));
    assert_eq!(got[2], "Securiti");
    assert_eq!(ranked("Sxcrty", &names), ["Sxexcxuxrxixtxy"]);
    assert_eq!(ranked("Securitx", &names), ["Securiti"]);
    let ops = ["secrets/set", "secrets/get", "keys/get"];
    assert_eq!(ranked("secrets/gett", &ops), ["secrets/get"]);
    assert_eq!(
        ranked("kv-app-prd", &["kv-app-prod", "kv-app-dev"]),
        ["kv-app-prod"]
    );
    assert!(ranked("zzz", &names).is_empty());
}

#[test]
fn any_field_may_match_and_at_most_n_are_returned() {
    let items = [["Alice", "alice@contoso.com"], ["Bob", "bob@contoso.com"]];
    assert_eq!(
        rank("bob@contso.com", items.iter().map(|f| f.iter().copied()), 5),
        [1]
    );
    let many: Vec<String> = (0..100).map(|i| format!("group-{i}")).collect();
    assert_eq!(rank("group", many.iter().map(|n| [n.as_str()]), 5).len(), 5);
}

#[test]
fn huge_queries_and_names_are_bounded() {
    let huge = "x".repeat(10 << 20);
    let many: Vec<String> = (0..10_000).map(|i| format!("name-{i}")).collect();
    assert!(rank(&huge, many.iter().map(|n| [n.as_str()]), 5).is_empty());
    let with_huge = [huge.as_str(), "name-12"];
    assert_eq!(ranked("name-1x", &with_huge), ["name-12"]);
}

#[test]
fn hints_quote_cleaned_candidates() {
    assert_eq!(hint(&[]), "");
    assert_eq!(hint(&[Candidate::plain("a")]), " (did you mean 'a'?)");
    let evil = Candidate {
        name: "Sec\u{1b}[2Jurity".to_string(),
        detail: Some("group \u{202e}id".to_string()),
    };
    assert_eq!(
        hint(&[Candidate::plain("a"), Candidate::plain("b"), evil]),
        " (did you mean 'a', 'b' or 'Sec\u{fffd}[2Jurity' (group \u{fffd}id)?)"
    );
}
