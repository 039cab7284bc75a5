//! The Azure CLI commands that carry out an applied change list, so that a reviewed plan can be run.
//! Ids are the ones the simulation used (role-assignment names, custom-role GUIDs), so the commands
//! reproduce exactly the snapshot that was diffed.

use serde_json::json;

use crate::catalog;
use crate::model::role::trailing_guid;
use crate::model::{EVERYONE, PolicyKind, PrincipalKind, Scope, Snapshot};
use crate::sanitize::clean;

use super::apply::Applied;
use super::change::{Change, NetworkAclsSpec, PolicyPermissions};
use super::resolve::derived_guid;

/// A shell word: bare when it is plainly safe, single-quoted otherwise.
fn q(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@,+%".contains(c));
    if safe {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// `--name V --resource-group RG --subscription S` for a vault id.
fn vault_args(vault_id: &str) -> String {
    let Ok(scope) = Scope::parse(vault_id) else {
        return format!("--ids {}", q(vault_id));
    };
    let segs: Vec<&str> = scope.id().split('/').collect();
    let rg = segs.get(4).copied().unwrap_or_default();
    format!(
        "--name {} --resource-group {} --subscription {}",
        q(scope.name()),
        q(rg),
        q(scope.subscription().unwrap_or_default())
    )
}

fn principal_type(s: &Snapshot, id: &str) -> &'static str {
    match s.principals.iter().find(|p| p.id == id).map(|p| p.kind) {
        Some(PrincipalKind::User) => "User",
        Some(PrincipalKind::Group) => "Group",
        Some(PrincipalKind::ServicePrincipal | PrincipalKind::ManagedIdentity) => {
            "ServicePrincipal"
        }
        _ => "User",
    }
}

/// Permission names in the ARM enum's spelling (`wrapKey`), which the CLI accepts.
fn arm_spelling(kind: PolicyKind, lower: &str) -> String {
    catalog::operations()
        .iter()
        .filter_map(|op| op.policy)
        .find(|(k, p)| *k == kind && p.eq_ignore_ascii_case(lower))
        .map_or_else(|| lower.to_string(), |(_, p)| p.to_string())
}

fn permission_args(p: &PolicyPermissions) -> String {
    let lists = [
        (PolicyKind::Keys, &p.keys, "--key-permissions"),
        (PolicyKind::Secrets, &p.secrets, "--secret-permissions"),
        (
            PolicyKind::Certificates,
            &p.certificates,
            "--certificate-permissions",
        ),
        (PolicyKind::Storage, &p.storage, "--storage-permissions"),
    ];
    lists
        .iter()
        .filter(|(_, l, _)| !l.is_empty())
        .map(|(k, l, flag)| {
            let names: Vec<String> = l.iter().map(|n| q(&arm_spelling(*k, n))).collect();
            format!(" {flag} {}", names.join(" "))
        })
        .collect()
}

fn rest(host: &str, method: &str, id: &str, api: &str, body: Option<serde_json::Value>) -> String {
    let url = format!("https://{host}{id}?api-version={api}");
    match body {
        Some(b) => format!(
            "az rest --method {method} --url {} --body {}",
            q(&url),
            q(&b.to_string())
        ),
        None => format!("az rest --method {method} --url {}", q(&url)),
    }
}

fn network_commands(
    vault: &str,
    new: Option<&NetworkAclsSpec>,
    old: Option<&NetworkAclsSpec>,
) -> Vec<String> {
    let args = vault_args(vault);
    let (action, bypass) = new.map_or(("Allow", "AzureServices"), |n| {
        (n.default_action.as_str(), n.bypass.as_str())
    });
    let mut out = vec![format!(
        "az keyvault update {args} --default-action {} --bypass {}",
        q(action),
        q(bypass)
    )];
    let ips = |a: Option<&NetworkAclsSpec>| -> Vec<String> {
        a.map(|a| a.ip_rules.iter().map(|r| r.value.clone()).collect())
            .unwrap_or_default()
    };
    let subnets = |a: Option<&NetworkAclsSpec>| -> Vec<String> {
        a.map(|a| {
            a.virtual_network_rules
                .iter()
                .map(|r| r.id.to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default()
    };
    let (old_ips, new_ips) = (ips(old), ips(new));
    let (old_nets, new_nets) = (subnets(old), subnets(new));
    for ip in old_ips.iter().filter(|ip| !new_ips.contains(ip)) {
        out.push(format!(
            "az keyvault network-rule remove {args} --ip-address {}",
            q(ip)
        ));
    }
    for net in old_nets.iter().filter(|n| !new_nets.contains(n)) {
        out.push(format!(
            "az keyvault network-rule remove {args} --subnet {}",
            q(net)
        ));
    }
    for ip in new_ips.iter().filter(|ip| !old_ips.contains(ip)) {
        out.push(format!(
            "az keyvault network-rule add {args} --ip-address {}",
            q(ip)
        ));
    }
    for net in new_nets.iter().filter(|n| !old_nets.contains(n)) {
        out.push(format!(
            "az keyvault network-rule add {args} --subnet {}",
            q(net)
        ));
    }
    out
}

fn commands(s: &Snapshot, a: &Applied) -> Vec<String> {
    let host = s.cloud.management_endpoint();
    match &a.change {
        Change::AddRoleAssignment {
            principal,
            role,
            scope,
            condition,
            condition_version,
            id,
        } => {
            let mut cmd = format!(
                "az role assignment create --assignee-object-id {} --assignee-principal-type {} --role {} --scope {}",
                q(principal),
                principal_type(s, principal),
                q(&trailing_guid(role)),
                q(scope)
            );
            if let Some(id) = id {
                cmd.push_str(&format!(" --name {}", q(&trailing_guid(id))));
            }
            if let Some(c) = condition {
                cmd.push_str(&format!(
                    " --condition {} --condition-version {}",
                    q(c),
                    q(condition_version.as_deref().unwrap_or("2.0"))
                ));
            }
            vec![cmd]
        }
        Change::RemoveRoleAssignment { id, .. } => {
            vec![format!(
                "az role assignment delete --ids {}",
                q(id.as_deref().unwrap_or_default())
            )]
        }
        Change::AddAccessPolicy {
            vault,
            object_id,
            application_id,
            permissions,
            ..
        } => {
            let app = application_id
                .as_deref()
                .map(|a| format!(" --application-id {}", q(a)))
                .unwrap_or_default();
            vec![format!(
                "az keyvault set-policy {} --object-id {}{app}{}",
                vault_args(vault),
                q(object_id),
                permission_args(permissions)
            )]
        }
        Change::RemoveAccessPolicy {
            vault,
            object_id,
            application_id,
        } => {
            let app = application_id
                .as_deref()
                .map(|a| format!(" --application-id {}", q(a)))
                .unwrap_or_default();
            vec![format!(
                "az keyvault delete-policy {} --object-id {}{app}",
                vault_args(vault),
                q(object_id)
            )]
        }
        Change::SetPermissionModel {
            vault,
            enable_rbac_authorization,
        } => vec![format!(
            "az keyvault update {} --enable-rbac-authorization {enable_rbac_authorization}",
            vault_args(vault)
        )],
        Change::AddGroupMember { group, member } => vec![format!(
            "az ad group member add --group {} --member-id {}",
            q(group),
            q(member)
        )],
        Change::RemoveGroupMember { group, member } => vec![format!(
            "az ad group member remove --group {} --member-id {}",
            q(group),
            q(member)
        )],
        Change::SetNetworkAcls {
            vault,
            network_acls,
        } => {
            let old = match &a.undo {
                Some(Change::SetNetworkAcls { network_acls, .. }) => network_acls.as_ref(),
                _ => None,
            };
            network_commands(vault, network_acls.as_ref(), old)
        }
        Change::SetPublicNetworkAccess { vault, value } if value == "SecuredByPerimeter" => {
            vec![format!(
                "# {}: associate the vault with a network security perimeter (az network perimeter …); the CLI has no publicNetworkAccess flag for it",
                vault_args(vault)
            )]
        }
        Change::SetPublicNetworkAccess { vault, value } => vec![format!(
            "az keyvault update {} --public-network-access {}",
            vault_args(vault),
            q(value)
        )],
        Change::AddDenyAssignment {
            id,
            deny_assignment_name,
            scope,
            permissions,
            principals,
            exclude_principals,
            do_not_apply_to_child_scopes,
        } => {
            let refs = |list: &[super::change::IdRef]| {
                list.iter()
                    .map(|p| {
                        let kind = if p.id == EVERYONE {
                            "SystemDefined"
                        } else {
                            principal_type(s, &p.id)
                        };
                        json!({ "id": p.id, "type": kind })
                    })
                    .collect::<Vec<_>>()
            };
            let body = json!({ "properties": {
                "denyAssignmentName": deny_assignment_name, "scope": scope, "permissions": permissions,
                "principals": refs(principals), "excludePrincipals": refs(exclude_principals),
                "doNotApplyToChildScopes": do_not_apply_to_child_scopes,
            }});
            vec![
                "# user-assigned deny assignments are a preview API".to_string(),
                rest(
                    host,
                    "put",
                    id.as_deref().unwrap_or_default(),
                    "2024-07-01-preview",
                    Some(body),
                ),
            ]
        }
        Change::RemoveDenyAssignment { id } => {
            vec![rest(host, "delete", id, "2024-07-01-preview", None)]
        }
        Change::ActivateEligibility { id } => {
            let Some(e) = s
                .role_eligibilities
                .iter()
                .find(|e| e.id.eq_ignore_ascii_case(id))
            else {
                return vec![format!("# eligibility {id} is not in the snapshot")];
            };
            let prefix = if e.scope.id() == "/" {
                ""
            } else {
                e.scope.id()
            };
            let request = format!(
                "{prefix}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{}",
                derived_guid(&["activationRequest", &e.id])
            );
            let body = json!({ "properties": {
                "principalId": e.principal_id, "roleDefinitionId": e.role_definition_id,
                "requestType": "SelfActivate", "justification": "kvaccess what-if plan",
                "scheduleInfo": { "expiration": { "type": "AfterDuration", "duration": "PT8H" } },
            }});
            vec![
                format!(
                    "# run as {} (PIM activation is requested by the eligible principal)",
                    e.principal_id
                ),
                rest(host, "put", &request, "2020-10-01", Some(body)),
            ]
        }
        Change::AddRoleDefinition {
            id,
            role_name,
            description,
            assignable_scopes,
            permissions,
        } => {
            let id = id.as_deref().unwrap_or_default();
            let at = assignable_scopes.first().map_or("", String::as_str);
            let url_id = format!(
                "{}/providers/Microsoft.Authorization/roleDefinitions/{}",
                if at == "/" { "" } else { at },
                trailing_guid(id)
            );
            let body = json!({ "properties": {
                "roleName": role_name, "description": description, "type": "CustomRole",
                "assignableScopes": assignable_scopes, "permissions": permissions,
            }});
            vec![
                "# created with its planned id (az role definition create would choose another)"
                    .to_string(),
                rest(host, "put", &url_id, "2022-04-01", Some(body)),
            ]
        }
    }
}

/// The commands for every applied change, each group headed by a comment naming the change.
pub fn az_commands(before: &Snapshot, applied: &[Applied]) -> Vec<String> {
    let mut out = Vec::new();
    for a in applied {
        out.push(format!("# changes[{}]: {}", a.index, a.change.kind()));
        for note in &a.notes {
            out.push(format!("#   note: {note}"));
        }
        out.extend(commands(before, a));
    }
    out.into_iter().map(|l| clean(&l).into_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::q;

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(q("abc-1/x"), "abc-1/x");
        assert_eq!(q("a b"), "'a b'");
        assert_eq!(q("it's"), r"'it'\''s'");
        assert_eq!(q(""), "''");
        assert_eq!(q("$(rm -rf /)"), "'$(rm -rf /)'");
    }
}
