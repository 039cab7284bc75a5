use super::*;

#[test]
fn urls_below_endpoints_with_literal_odata_parameters() {
    let arm = reqwest::Url::parse("http://127.0.0.1:9/arm/").unwrap();
    let u = url_at(
        &arm,
        "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions",
        Some(api::AUTHORIZATION),
        &[("$filter", "atScopeAndBelow()")],
    )
    .unwrap();
    assert_eq!(
        u.as_str(),
        "http://127.0.0.1:9/arm/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01&$filter=atScopeAndBelow()"
    );
    let graph = reqwest::Url::parse("https://graph.microsoft.com/").unwrap();
    let u = url_at(
        &graph,
        "v1.0/groups/g/members",
        None,
        &[
            ("$select", "id,displayName"),
            ("$top", "999"),
            ("x", "a b&c"),
        ],
    )
    .unwrap();
    assert_eq!(
        u.as_str(),
        "https://graph.microsoft.com/v1.0/groups/g/members?$select=id,displayName&$top=999&x=a%20b%26c"
    );
}
