use super::*;

fn errors(text: &str) -> Vec<String> {
    match parse_changes(text) {
        Err(WhatIfError::Invalid(e)) => e.iter().map(ToString::to_string).collect(),
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn every_kind_round_trips_through_json() {
    let text = r#"[
      {"kind":"addRoleAssignment","principal":"Bob","role":"Key Vault Secrets User","scope":"/subscriptions/s","condition":"c","conditionVersion":"2.0","id":"x"},
      {"kind":"removeRoleAssignment","id":"abc"},
      {"kind":"removeRoleAssignment","principal":"Bob","role":"Reader","scope":"/"},
      {"kind":"addAccessPolicy","vault":"kv","objectId":"Bob","applicationId":"app","tenantId":"t","permissions":{"keys":["get"],"secrets":[],"certificates":[],"storage":[]}},
      {"kind":"removeAccessPolicy","vault":"kv","objectId":"Bob"},
      {"kind":"setPermissionModel","vault":"kv","enableRbacAuthorization":true},
      {"kind":"addGroupMember","group":"g","member":"m"},
      {"kind":"removeGroupMember","group":"g","member":"m"},
      {"kind":"setNetworkAcls","vault":"kv","networkAcls":{"defaultAction":"Deny","bypass":"None","ipRules":[{"value":"1.2.3.4"}],"virtualNetworkRules":[{"id":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/s"}]}},
      {"kind":"setNetworkAcls","vault":"kv","networkAcls":null},
      {"kind":"setPublicNetworkAccess","vault":"kv","value":"Disabled"},
      {"kind":"addDenyAssignment","scope":"/","permissions":[{"actions":["*"],"notActions":[],"dataActions":[],"notDataActions":[]}],"principals":[{"id":"00000000-0000-0000-0000-000000000000"}],"excludePrincipals":[],"doNotApplyToChildScopes":false},
      {"kind":"removeDenyAssignment","id":"d"},
      {"kind":"activateEligibility","id":"e"},
      {"kind":"addRoleDefinition","roleName":"r","assignableScopes":["/"],"permissions":[{"actions":[],"notActions":[],"dataActions":["Microsoft.KeyVault/vaults/secrets/getSecret/action"],"notDataActions":[]}]}
    ]"#;
    let parsed = parse_changes(text).unwrap();
    assert_eq!(parsed.len(), 15);
    let kinds: Vec<ChangeKind> = parsed.iter().map(|(c, _)| c.kind()).collect();
    for k in ChangeKind::ALL {
        assert!(kinds.contains(&k), "{k} not covered");
    }
    // The tag serde writes is the one spelling ChangeKind holds.
    for (c, _) in &parsed {
        assert_eq!(c.to_json()["kind"], c.kind().as_str());
    }
    let again = serde_json::to_string(&parsed.iter().map(|(c, _)| c.to_json()).collect::<Vec<_>>())
        .unwrap();
    let reparsed = parse_changes(&again).unwrap();
    assert_eq!(parsed, reparsed);
}

#[test]
fn problems_name_the_index_and_field() {
    let e = errors(
        r#"[{"kind":"setPermissionModel","vault":"kv","enableRbacAuthorization":true},
            {"kind":"addRoleAssignment","principal":"Bob","rol":"Reader","scope":"/"}]"#,
    );
    assert_eq!(
        e,
        vec![
            "changes[1].role: missing".to_string(),
            "changes[1].rol: unknown field for addRoleAssignment (did you mean 'role'?); it takes principal, role, scope, condition, conditionVersion, id".to_string(),
        ]
    );
    let e = errors(r#"[{"kind":"addRoleAsignment"}]"#);
    assert!(e[0].starts_with(
        "changes[0].kind: unknown kind 'addRoleAsignment' (did you mean 'addRoleAssignment'?)"
    ));
    let e =
        errors(r#"[{"kind":"setPermissionModel","vault":"kv","enableRbacAuthorization":"yes"}]"#);
    assert_eq!(
        e,
        vec!["changes[0].enableRbacAuthorization: expected true or false, found a string"]
    );
    let e = errors(
        r#"[{"kind":"addAccessPolicy","vault":"kv","objectId":"x","permissions":{"secret":["get"],"keys":[1]}}]"#,
    );
    assert_eq!(
        e,
        vec![
            "changes[0].permissions.secret: unknown permission list (keys, secrets, certificates or storage)",
            "changes[0].permissions.keys[0]: expected a string, found a number",
        ]
    );
    let e = errors(r#"[3]"#);
    assert_eq!(
        e,
        vec!["changes[0]: expected an object with a \"kind\", found a number"]
    );
}

#[test]
fn not_a_list_and_bad_json() {
    assert_eq!(
        parse_changes("{}"),
        Err(WhatIfError::NotAList("an object".into()))
    );
    assert!(matches!(
        parse_changes("[{"),
        Err(WhatIfError::Syntax { line: 1, .. })
    ));
}

#[test]
fn disabled_changes_are_kept_with_their_flag() {
    let p = parse_changes(
        r#"[{"kind":"activateEligibility","id":"e","enabled":false},{"kind":"activateEligibility","id":"f"}]"#,
    )
    .unwrap();
    assert!(!p[0].1);
    assert!(p[1].1);
}
