//! An ARM/Bicep what-if (`az deployment group what-if --no-pretty-print`) as a change list. The result is
//! a `WhatIfOperationResult`: `changes[]` (or `properties.changes[]` as the REST API returns it), each with
//! `resourceId`, `changeType` (`Create`, `Delete`, `Modify`, `Deploy`, `NoChange`, `Ignore`,
//! `Unsupported`) and the full resource bodies `before` / `after`. What-if has no `after_unknown`: a value
//! it cannot evaluate stays a template expression (`"[reference(…)]"`), which makes the change pending.

use serde_json::{Map, Value};

use super::change::{Change, IdRef, IpRuleRef, NetworkAclsSpec, PermissionSpec, PolicyPermissions};
use super::plan::{Effect, Pending, Plan, PlanError, PlannedChange, Skipped};

/// Reads the JSON of an ARM what-if. Errors name the JSON path.
pub fn read_arm_whatif(text: &str) -> Result<Plan, PlanError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let doc: Value = serde_json::from_str(text).map_err(|e| PlanError::syntax(&e))?;
    let (changes, at) = match (doc.get("changes"), doc.pointer("/properties/changes")) {
        (Some(Value::Array(c)), _) => (c, "changes"),
        (_, Some(Value::Array(c))) => (c, "properties.changes"),
        _ => {
            let status = doc.get("status").and_then(Value::as_str).unwrap_or("");
            return Err(PlanError::new(
                "changes",
                format!("missing (an array of changes; what-if status '{status}')"),
            ));
        }
    };
    let mut out = Out::default();
    for (i, c) in changes.iter().enumerate() {
        let path = format!("{at}[{i}]");
        read_change(&mut out, c, &path)?;
    }
    let mut plan = Plan {
        changes: out.removals,
        pending: out.pending,
        skipped: out.skipped,
    };
    plan.changes.splice(0..0, out.definitions);
    plan.changes.extend(out.additions);
    Ok(plan)
}

#[derive(Default)]
struct Out {
    definitions: Vec<PlannedChange>,
    removals: Vec<PlannedChange>,
    additions: Vec<PlannedChange>,
    pending: Vec<Pending>,
    skipped: Vec<Skipped>,
}

/// One `changes[i]` being read.
struct Item<'v> {
    id: &'v str,
    path: &'v str,
    change_type: &'v str,
    before: Option<&'v Map<String, Value>>,
    after: Option<&'v Map<String, Value>>,
}

impl Item<'_> {
    fn planned(&self, change: Change) -> PlannedChange {
        PlannedChange {
            change,
            address: self.id.to_string(),
            path: self.path.to_string(),
            action: self.change_type.to_ascii_lowercase(),
        }
    }

    fn pending(&self, out: &mut Out, what: &str, reason: &str, effect: Effect) {
        out.pending.push(Pending {
            address: self.id.to_string(),
            path: self.path.to_string(),
            action: self.change_type.to_ascii_lowercase(),
            what: what.to_string(),
            reason: reason.to_string(),
            effect,
        });
    }

    fn props(side: Option<&Map<String, Value>>) -> Option<&Map<String, Value>> {
        side.and_then(|s| s.get("properties"))
            .and_then(Value::as_object)
    }
}

/// A template expression what-if could not evaluate.
fn unevaluated(v: &Value) -> bool {
    match v {
        Value::String(s) => s.starts_with('[') && s.ends_with(']') && !s.starts_with("[["),
        Value::Array(a) => a.iter().any(unevaluated),
        Value::Object(o) => o.values().any(unevaluated),
        _ => false,
    }
}

/// `Microsoft.KeyVault/vaults/accessPolicies` from `/providers/Microsoft.KeyVault/vaults/kv/accessPolicies/add`.
fn resource_type(id: &str) -> String {
    let Some(at) = id.to_ascii_lowercase().rfind("/providers/") else {
        return String::new();
    };
    let parts: Vec<&str> = id[at + "/providers/".len()..].split('/').collect();
    let mut t = parts.first().copied().unwrap_or("").to_string();
    for pair in parts[1..].chunks(2) {
        t.push('/');
        t.push_str(pair[0]);
    }
    t
}

fn read_change(out: &mut Out, c: &Value, path: &str) -> Result<(), PlanError> {
    let text = |k: &str| {
        c.get(k)
            .and_then(Value::as_str)
            .ok_or_else(|| PlanError::new(format!("{path}.{k}"), "missing (a string)"))
    };
    let side = |k: &str| c.get(k).and_then(Value::as_object);
    let item = Item {
        id: text("resourceId")?,
        path,
        change_type: text("changeType")?,
        before: side("before"),
        after: side("after"),
    };
    let kind = resource_type(item.id);
    match item.change_type {
        "NoChange" | "Ignore" => return Ok(()),
        "Unsupported" => {
            let why = c
                .get("unsupportedReason")
                .and_then(Value::as_str)
                .unwrap_or("what-if cannot predict this change");
            out.skipped.push(skipped(&item, &kind, why));
            return Ok(());
        }
        "Create" | "Delete" | "Modify" | "Deploy" => {}
        other => {
            return Err(PlanError::new(
                format!("{path}.changeType"),
                format!("unknown change type '{other}'"),
            ));
        }
    }
    if item
        .after
        .is_some_and(|a| unevaluated(&Value::Object(a.clone())))
    {
        item.pending(
            out,
            &format!("{} {kind}", item.change_type.to_ascii_lowercase()),
            "some values are template expressions what-if did not evaluate",
            Effect::MayAdd,
        );
        return Ok(());
    }
    match kind.to_ascii_lowercase().as_str() {
        "microsoft.keyvault/vaults" => vault(out, &item),
        "microsoft.keyvault/vaults/accesspolicies" => policies(out, &item),
        "microsoft.authorization/roleassignments" => assignment(out, &item),
        "microsoft.authorization/roledefinitions" => definition(out, &item),
        _ => {
            out.skipped.push(skipped(
                &item,
                &kind,
                "not a Key Vault access change the gate understands",
            ));
            Ok(())
        }
    }
}

fn skipped(item: &Item, kind: &str, reason: &str) -> Skipped {
    Skipped {
        address: item.id.to_string(),
        path: item.path.to_string(),
        kind: kind.to_string(),
        action: item.change_type.to_ascii_lowercase(),
        reason: reason.to_string(),
    }
}

fn strs(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// ARM access-policy entries: (object id, application id, tenant, permissions).
fn entries(
    props: Option<&Map<String, Value>>,
) -> Vec<(String, Option<String>, Option<String>, PolicyPermissions)> {
    props
        .and_then(|p| p.get("accessPolicies"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| {
            let s = |k: &str| e.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
            let perms = e.get("permissions");
            let list = |k: &str| strs(perms.and_then(|p| p.get(k)));
            (
                s("objectId").unwrap_or_default().to_ascii_lowercase(),
                s("applicationId").map(str::to_ascii_lowercase),
                s("tenantId").map(str::to_string),
                PolicyPermissions {
                    keys: list("keys"),
                    secrets: list("secrets"),
                    certificates: list("certificates"),
                    storage: list("storage"),
                },
            )
        })
        .collect()
}

fn vault(out: &mut Out, item: &Item) -> Result<(), PlanError> {
    match item.change_type {
        "Create" => {
            let grants = !entries(Item::props(item.after)).is_empty();
            item.pending(
                out,
                "creates the vault",
                "the vault is created by this deployment and is not in the snapshot: who can reach it is not evaluated",
                if grants { Effect::Adds } else { Effect::MayAdd },
            );
            return Ok(());
        }
        "Delete" => {
            item.pending(
                out,
                "deletes the vault",
                "access to a deleted vault ends (not evaluated)",
                Effect::None,
            );
            return Ok(());
        }
        _ => {}
    }
    let (before, after) = (Item::props(item.before), Item::props(item.after));
    let vault = item.id.to_string();
    let (eb, ea) = (entries(before), entries(after));
    for b in &eb {
        if !ea.iter().any(|a| a.0 == b.0 && a.1 == b.1 && a.3 == b.3) {
            out.removals.push(item.planned(Change::RemoveAccessPolicy {
                vault: vault.clone(),
                object_id: b.0.clone(),
                application_id: b.1.clone(),
            }));
        }
    }
    for a in &ea {
        if !eb.iter().any(|b| a.0 == b.0 && a.1 == b.1 && a.3 == b.3) {
            out.additions.push(item.planned(add_entry(&vault, a)));
        }
    }
    let get = |side: Option<&Map<String, Value>>, k: &str| side.and_then(|p| p.get(k)).cloned();
    let rbac = |side| {
        get(side, "enableRbacAuthorization")
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    };
    if rbac(before) != rbac(after) {
        out.additions.push(item.planned(Change::SetPermissionModel {
            vault: vault.clone(),
            enable_rbac_authorization: rbac(after),
        }));
    }
    if get(before, "networkAcls") != get(after, "networkAcls") {
        out.additions.push(item.planned(Change::SetNetworkAcls {
            vault: vault.clone(),
            network_acls: get(after, "networkAcls").as_ref().and_then(acls),
        }));
    }
    let public = |side| {
        get(side, "publicNetworkAccess")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "Enabled".into())
    };
    if !public(before).eq_ignore_ascii_case(&public(after)) {
        out.additions
            .push(item.planned(Change::SetPublicNetworkAccess {
                vault,
                value: public(after),
            }));
    }
    Ok(())
}

fn acls(v: &Value) -> Option<NetworkAclsSpec> {
    let o = v.as_object()?;
    let text = |k: &str, d: &str| o.get(k).and_then(Value::as_str).unwrap_or(d).to_string();
    let values = |k: &str, inner: &str| -> Vec<String> {
        o.get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| r.get(inner).and_then(Value::as_str))
            .map(str::to_string)
            .collect()
    };
    Some(NetworkAclsSpec {
        default_action: text("defaultAction", "Allow"),
        bypass: text("bypass", "AzureServices"),
        ip_rules: values("ipRules", "value")
            .into_iter()
            .map(|value| IpRuleRef { value })
            .collect(),
        virtual_network_rules: values("virtualNetworkRules", "id")
            .into_iter()
            .map(|id| IdRef { id })
            .collect(),
    })
}

fn add_entry(
    vault: &str,
    e: &(String, Option<String>, Option<String>, PolicyPermissions),
) -> Change {
    Change::AddAccessPolicy {
        vault: vault.to_string(),
        object_id: e.0.clone(),
        application_id: e.1.clone(),
        tenant_id: e.2.clone(),
        permissions: e.3.clone(),
    }
}

/// `…/vaults/kv/accessPolicies/{add|replace|remove}`: the entries to add to, or remove from, the vault.
fn policies(out: &mut Out, item: &Item) -> Result<(), PlanError> {
    let lower = item.id.to_ascii_lowercase();
    let Some(at) = lower.rfind("/accesspolicies/") else {
        return Err(PlanError::new(
            format!("{}.resourceId", item.path),
            "not an access-policy id",
        ));
    };
    let vault = &item.id[..at];
    let operation = &lower[at + "/accesspolicies/".len()..];
    let side = if item.change_type == "Delete" {
        item.before
    } else {
        item.after
    };
    let list = entries(Item::props(side));
    match (operation, item.change_type) {
        ("remove", _) | (_, "Delete") => {
            for e in &list {
                out.removals.push(item.planned(Change::RemoveAccessPolicy {
                    vault: vault.to_string(),
                    object_id: e.0.clone(),
                    application_id: e.1.clone(),
                }));
            }
        }
        ("add", _) => {
            for e in &list {
                out.additions.push(item.planned(add_entry(vault, e)));
            }
        }
        _ => item.pending(
            out,
            "replaces the vault's access policies",
            "accessPolicies/replace removes the entries it does not list, which the what-if does not show",
            Effect::MayAdd,
        ),
    }
    Ok(())
}

fn assignment(out: &mut Out, item: &Item) -> Result<(), PlanError> {
    if item.change_type != "Create" {
        out.removals
            .push(item.planned(Change::RemoveRoleAssignment {
                id: Some(item.id.to_string()),
                principal: None,
                role: None,
                scope: None,
            }));
    }
    if item.change_type == "Delete" {
        return Ok(());
    }
    let props = Item::props(item.after);
    let s = |k: &str| {
        props
            .and_then(|p| p.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let lower = item.id.to_ascii_lowercase();
    let derived = lower
        .rfind("/providers/microsoft.authorization/roleassignments/")
        .map(|at| {
            if at == 0 {
                "/".to_string()
            } else {
                item.id[..at].to_string()
            }
        });
    match (
        s("principalId"),
        s("roleDefinitionId"),
        s("scope").or(derived),
    ) {
        (Some(principal), Some(role), Some(scope)) => {
            out.additions.push(item.planned(Change::AddRoleAssignment {
                principal,
                role,
                scope,
                condition: s("condition"),
                condition_version: s("conditionVersion"),
                id: Some(item.id.to_string()),
            }))
        }
        _ => item.pending(
            out,
            "assigns a role",
            "principalId, roleDefinitionId or scope is missing from the what-if",
            Effect::Adds,
        ),
    }
    Ok(())
}

fn definition(out: &mut Out, item: &Item) -> Result<(), PlanError> {
    if item.change_type != "Create" {
        let effect = if item.change_type == "Delete" {
            Effect::None
        } else {
            Effect::MayAdd
        };
        item.pending(
            out,
            "changes a custom role definition",
            "changing an existing role definition is not a change kind: its assignments are evaluated with the snapshot's permissions",
            effect,
        );
        return Ok(());
    }
    let props = Item::props(item.after);
    let Some(name) = props
        .and_then(|p| p.get("roleName"))
        .and_then(Value::as_str)
    else {
        return Err(PlanError::new(
            format!("{}.after.properties.roleName", item.path),
            "missing",
        ));
    };
    let permissions = props
        .and_then(|p| p.get("permissions"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|b| PermissionSpec {
            actions: strs(b.get("actions")),
            not_actions: strs(b.get("notActions")),
            data_actions: strs(b.get("dataActions")),
            not_data_actions: strs(b.get("notDataActions")),
            condition: None,
        })
        .collect();
    out.definitions.push(
        item.planned(Change::AddRoleDefinition {
            id: Some(item.id.to_string()),
            role_name: name.to_string(),
            description: props
                .and_then(|p| p.get("description"))
                .and_then(Value::as_str)
                .map(str::to_string),
            assignable_scopes: strs(props.and_then(|p| p.get("assignableScopes"))),
            permissions,
        }),
    );
    Ok(())
}

#[cfg(test)]
mod tests;
