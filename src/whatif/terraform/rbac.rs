//! `azurerm_role_assignment`, `azurerm_role_definition` and `azuread_group_member`.

use serde_json::Value;

use super::super::change::{Change, PermissionSpec};
use super::super::plan::{Effect, PlanError};
use super::refs::Resolved;
use super::values::{Action, Field, strings};
use super::{Ctx, unresolved_reason};

/// Known values, or the reasons some are not.
fn all_known<const N: usize>(values: [(&str, Resolved); N]) -> Result<[String; N], String> {
    let reasons: Vec<String> = values
        .iter()
        .filter(|(_, r)| !matches!(r, Resolved::Known(_)))
        .map(|(a, r)| unresolved_reason(a, r))
        .collect();
    if !reasons.is_empty() {
        return Err(reasons.join("; "));
    }
    Ok(values.map(|(_, r)| match r {
        Resolved::Known(s) => s,
        _ => String::new(),
    }))
}

fn optional(ctx: &Ctx, name: &str) -> Option<String> {
    match ctx.inst.field(name) {
        Field::Known(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// The role: by name when the configuration names it, else by id — an unknown id may be a custom role
/// this plan defines, which is then named by its `name`.
fn role(ctx: &Ctx) -> Result<Resolved, PlanError> {
    if let Field::Known(Value::String(name)) = ctx.inst.field("role_definition_name") {
        return Ok(Resolved::Known(name.clone()));
    }
    match ctx.id("role_definition_id")? {
        Resolved::New(address) => {
            Ok(defined_role_name(ctx, &address).map_or(Resolved::New(address), Resolved::Known))
        }
        other => Ok(other),
    }
}

/// The name of a role definition created in this plan (which the change list creates first).
fn defined_role_name(ctx: &Ctx, address: &str) -> Option<String> {
    ctx.sink
        .definitions
        .iter()
        .find(|c| c.address == address)
        .and_then(|c| match &c.change {
            Change::AddRoleDefinition { role_name, .. } => Some(role_name.clone()),
            _ => None,
        })
}

/// `azurerm_role_assignment`: everything but the condition and description forces a replacement; either
/// way the assignment is removed and added again.
pub(super) fn role_assignment(ctx: &mut Ctx) -> Result<(), PlanError> {
    let inst = ctx.inst;
    if inst.action.removes() {
        let Some(id) = inst.before_str("id") else {
            return Err(PlanError::new(
                format!("{}.change.before.id", inst.path),
                "missing: the assignment's id is needed to remove it",
            ));
        };
        ctx.removal(Change::RemoveRoleAssignment {
            id: Some(id.to_string()),
            principal: None,
            role: None,
            scope: None,
        });
    }
    if !inst.action.adds() {
        return Ok(());
    }
    let values = [
        ("principal_id", ctx.id("principal_id")?),
        ("role_definition_name", role(ctx)?),
        ("scope", ctx.id("scope")?),
    ];
    let known = |r: &Resolved, unknown: &str| match r {
        Resolved::Known(v) => v.clone(),
        _ => unknown.to_string(),
    };
    let role_text = format!(
        "'{}' at {} to {}",
        known(&values[1].1, "(a role known after apply)"),
        known(&values[2].1, "(a scope known after apply)"),
        known(&values[0].1, "(a principal known after apply)")
    );
    match all_known(values) {
        Ok([principal, role, scope]) => {
            // An update keeps the assignment's name; a new one takes the name the plan gives, if known.
            let id = match inst.action {
                Action::Update => inst.before_str("name").map(str::to_string),
                _ => optional(ctx, "name"),
            };
            ctx.addition(Change::AddRoleAssignment {
                principal,
                role,
                scope,
                condition: optional(ctx, "condition"),
                condition_version: optional(ctx, "condition_version"),
                id,
            });
        }
        Err(reason) => ctx.pending(format!("assigns {role_text}"), reason, Effect::Adds),
    }
    Ok(())
}

/// `azurerm_role_definition`: a new custom role becomes `addRoleDefinition`; changing or deleting an
/// existing one has no change kind and is pending.
pub(super) fn role_definition(ctx: &mut Ctx) -> Result<(), PlanError> {
    let inst = ctx.inst;
    if inst.action != Action::Create {
        let effect = if inst.action == Action::Delete {
            Effect::None
        } else {
            Effect::MayAdd
        };
        ctx.pending(
            format!("{}s a custom role definition", inst.action.as_str()),
            "changing an existing role definition is not a change kind: its assignments are evaluated with the snapshot's permissions".into(),
            effect,
        );
        return Ok(());
    }
    let path = format!("{}.change.after", inst.path);
    let Field::Known(Value::String(name)) = inst.field("name") else {
        ctx.pending(
            "defines a custom role".into(),
            "its name is known only after apply".into(),
            Effect::MayAdd,
        );
        return Ok(());
    };
    let mut blocks = Vec::new();
    if let Some(Value::Array(list)) = inst.after.and_then(|a| a.get("permissions")) {
        for (k, b) in list.iter().enumerate() {
            let p = format!("{path}.permissions[{k}]");
            let get = |n: &str| strings(b.get(n), &format!("{p}.{n}"));
            blocks.push(PermissionSpec {
                actions: get("actions")?,
                not_actions: get("not_actions")?,
                data_actions: get("data_actions")?,
                not_data_actions: get("not_data_actions")?,
                condition: None,
            });
        }
    }
    let mut scopes = strings(
        inst.after.and_then(|a| a.get("assignable_scopes")),
        &format!("{path}.assignable_scopes"),
    )?;
    if scopes.is_empty()
        && let Resolved::Known(scope) = ctx.id("scope")?
    {
        // The provider's default: assignable at the scope it is defined at.
        scopes.push(scope);
    }
    ctx.definition(Change::AddRoleDefinition {
        id: optional(ctx, "role_definition_id"),
        role_name: name.clone(),
        description: optional(ctx, "description"),
        assignable_scopes: scopes,
        permissions: blocks,
    });
    Ok(())
}

/// `azuread_group_member`: both ids force a replacement.
pub(super) fn group_member(ctx: &mut Ctx) -> Result<(), PlanError> {
    let inst = ctx.inst;
    if inst.action.removes() {
        match (
            inst.before_str("group_object_id"),
            inst.before_str("member_object_id"),
        ) {
            (Some(group), Some(member)) => ctx.removal(Change::RemoveGroupMember {
                group: group.to_string(),
                member: member.to_string(),
            }),
            _ => {
                return Err(PlanError::new(
                    format!("{}.change.before", inst.path),
                    "group_object_id and member_object_id must be known before a change",
                ));
            }
        }
    }
    if !inst.action.adds() {
        return Ok(());
    }
    let values = [
        ("group_object_id", ctx.id("group_object_id")?),
        ("member_object_id", ctx.id("member_object_id")?),
    ];
    match all_known(values) {
        Ok([group, member]) => ctx.addition(Change::AddGroupMember { group, member }),
        Err(reason) => ctx.pending("adds a group member".into(), reason, Effect::MayAdd),
    }
    Ok(())
}
