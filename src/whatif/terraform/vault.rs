//! `azurerm_key_vault` (inline access policies, permission model, firewall, public network access) and
//! `azurerm_key_vault_access_policy`.

use serde_json::{Map, Value};

use super::super::change::{Change, IdRef, IpRuleRef, NetworkAclsSpec, PolicyPermissions};
use super::super::plan::{Effect, PlanError};
use super::refs::Resolved;
use super::values::{Action, Field, Step, any_unknown, strings};
use super::{Ctx, rest_permission, unresolved_reason};

/// The four permission lists of a Terraform access-policy block (`key_permissions`, …).
fn permissions(block: &Map<String, Value>, path: &str) -> Result<PolicyPermissions, PlanError> {
    let list = |name: &str| -> Result<Vec<String>, PlanError> {
        Ok(strings(block.get(name), &format!("{path}.{name}"))?
            .iter()
            .map(|p| rest_permission(p))
            .collect())
    };
    Ok(PolicyPermissions {
        keys: list("key_permissions")?,
        secrets: list("secret_permissions")?,
        certificates: list("certificate_permissions")?,
        storage: list("storage_permissions")?,
    })
}

fn grants_any(p: &PolicyPermissions) -> bool {
    !(p.keys.is_empty()
        && p.secrets.is_empty()
        && p.certificates.is_empty()
        && p.storage.is_empty())
}

fn summary(p: &PolicyPermissions) -> String {
    let parts: Vec<String> = [
        ("keys", &p.keys),
        ("secrets", &p.secrets),
        ("certificates", &p.certificates),
        ("storage", &p.storage),
    ]
    .into_iter()
    .filter(|(_, l)| !l.is_empty())
    .map(|(k, l)| format!("{k}: {}", l.join(", ")))
    .collect();
    if parts.is_empty() {
        "no permissions".into()
    } else {
        parts.join("; ")
    }
}

/// `application_id` is optional; the provider writes an unset one as `""`.
fn application(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
}

/// One access-policy entry as Terraform shows it.
struct Entry {
    object_id: String,
    application_id: Option<String>,
    tenant_id: Option<String>,
    permissions: PolicyPermissions,
}

impl Entry {
    fn read(block: &Map<String, Value>, object_id: String, path: &str) -> Result<Self, PlanError> {
        Ok(Self {
            object_id,
            application_id: application(block.get("application_id")),
            tenant_id: block
                .get("tenant_id")
                .and_then(Value::as_str)
                .map(str::to_string),
            permissions: permissions(block, path)?,
        })
    }

    fn same_identity(&self, other: &Self) -> bool {
        self.object_id.eq_ignore_ascii_case(&other.object_id)
            && self.application_id.as_deref().map(str::to_ascii_lowercase)
                == other.application_id.as_deref().map(str::to_ascii_lowercase)
    }

    fn add(&self, vault: &str) -> Change {
        Change::AddAccessPolicy {
            vault: vault.to_string(),
            object_id: self.object_id.clone(),
            application_id: self.application_id.clone(),
            tenant_id: self.tenant_id.clone(),
            permissions: self.permissions.clone(),
        }
    }

    fn remove(&self, vault: &str) -> Change {
        Change::RemoveAccessPolicy {
            vault: vault.to_string(),
            object_id: self.object_id.clone(),
            application_id: self.application_id.clone(),
        }
    }
}

/// `azurerm_key_vault_access_policy`: identity fields force a replacement, permission lists update in
/// place — either way the entry is removed and added again.
pub(super) fn access_policy(ctx: &mut Ctx) -> Result<(), PlanError> {
    let inst = ctx.inst;
    if inst.action.removes()
        && let Some(before) = inst.before
    {
        let (vault, object) = (
            inst.before_str("key_vault_id"),
            inst.before_str("object_id"),
        );
        let (Some(vault), Some(object)) = (vault, object) else {
            return Err(PlanError::new(
                format!("{}.change.before", inst.path),
                "key_vault_id and object_id must be known before a change",
            ));
        };
        let entry = Entry::read(
            before,
            object.to_string(),
            &format!("{}.change.before", inst.path),
        )?;
        ctx.removal(entry.remove(vault));
    }
    let Some(after) = inst.after.filter(|_| inst.action.adds()) else {
        return Ok(());
    };
    let vault = ctx.id("key_vault_id")?;
    let object = ctx.id("object_id")?;
    let permissions = permissions(after, &format!("{}.change.after", inst.path))?;
    match (vault, object) {
        (Resolved::Known(vault), Resolved::Known(object)) => {
            let entry = Entry::read(after, object, &format!("{}.change.after", inst.path))?;
            ctx.addition(entry.add(&vault));
        }
        (vault, object) => {
            let reason = [("key_vault_id", &vault), ("object_id", &object)]
                .iter()
                .filter(|(_, r)| !matches!(r, Resolved::Known(_)))
                .map(|(a, r)| unresolved_reason(a, r))
                .collect::<Vec<_>>()
                .join("; ");
            let effect = if grants_any(&permissions) {
                Effect::Adds
            } else {
                Effect::None
            };
            let known = |r: &Resolved, unknown: &str| match r {
                Resolved::Known(v) => v.clone(),
                _ => unknown.to_string(),
            };
            ctx.pending(
                format!(
                    "an access-policy entry for {} on {} granting {}",
                    known(&object, "(a principal known after apply)"),
                    known(&vault, "(a vault known after apply)"),
                    summary(&permissions)
                ),
                reason,
                effect,
            );
        }
    }
    Ok(())
}

/// `azurerm_key_vault`: a vault created or deleted by the plan is not in the snapshot (or leaves it), so
/// access to it is pending; an update is read attribute by attribute.
pub(super) fn key_vault(ctx: &mut Ctx) -> Result<(), PlanError> {
    let inst = ctx.inst;
    let name_changes = inst.action == Action::Replace
        && inst.after.and_then(|a| a.get("name")) != inst.before.and_then(|b| b.get("name"));
    match inst.action {
        Action::Create => return new_vault(ctx),
        Action::Delete => {
            ctx.pending(
                "deletes the vault".into(),
                "access to a deleted vault ends; vault deletion is not a change kind, so it is not evaluated".into(),
                Effect::None,
            );
            return Ok(());
        }
        Action::Replace if name_changes => {
            ctx.pending(
                "replaces the vault with one of another name".into(),
                "the old vault is deleted (not evaluated)".into(),
                Effect::None,
            );
            return new_vault(ctx);
        }
        Action::Update | Action::Replace => {}
    }
    let Some(vault) = inst.before_str("id").map(str::to_string) else {
        return Err(PlanError::new(
            format!("{}.change.before.id", inst.path),
            "missing: the vault's id is needed to change it",
        ));
    };
    inline_policies(ctx, &vault)?;
    permission_model(ctx, &vault);
    network_acls(ctx, &vault)?;
    public_access(ctx, &vault);
    if let (Some(before), Field::Known(after)) = (
        inst.before_value("purge_protection_enabled"),
        inst.field("purge_protection_enabled"),
    ) && before != after
    {
        ctx.pending(
            format!("sets purge_protection_enabled to {after}"),
            "purge protection does not change access; the snapshot's value is kept".into(),
            Effect::None,
        );
    }
    Ok(())
}

fn new_vault(ctx: &mut Ctx) -> Result<(), PlanError> {
    let inst = ctx.inst;
    let mut grants = Vec::new();
    if inst.field("access_policy") != Field::Unknown
        && let Some(Value::Array(blocks)) = inst.after.and_then(|a| a.get("access_policy"))
    {
        for (k, b) in blocks.iter().enumerate() {
            if let Value::Object(b) = b {
                let p = permissions(b, &format!("{}.change.after.access_policy[{k}]", inst.path))?;
                let who = b
                    .get("object_id")
                    .and_then(Value::as_str)
                    .unwrap_or("(known after apply)");
                if grants_any(&p) {
                    grants.push(format!("{who} ({})", summary(&p)));
                }
            }
        }
    }
    let name = inst
        .after
        .and_then(|a| a.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("(known after apply)");
    let (what, effect) = if grants.is_empty() {
        (format!("creates the vault '{name}'"), Effect::MayAdd)
    } else {
        (
            format!(
                "creates the vault '{name}' with access-policy entries for {}",
                grants.join(", ")
            ),
            Effect::Adds,
        )
    };
    ctx.pending(
        what,
        "the vault is created by this plan and is not in the snapshot: who can reach it (its entries and inherited roles) is not evaluated".into(),
        effect,
    );
    Ok(())
}

/// Inline `access_policy` blocks, matched by (object id, application id) between before and after. A
/// wholly unknown list means the configuration does not manage policies inline — not that all are gone.
fn inline_policies(ctx: &mut Ctx, vault: &str) -> Result<(), PlanError> {
    let inst = ctx.inst;
    let whole = inst
        .unknown
        .and_then(|u| u.get("access_policy"))
        .is_some_and(|v| v == &Value::Bool(true));
    if whole {
        return Ok(());
    }
    let blocks = |v: Option<&Value>| -> Vec<Map<String, Value>> {
        match v {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).cloned().collect(),
            _ => Vec::new(),
        }
    };
    let before_path = format!("{}.change.before.access_policy", inst.path);
    let mut before = Vec::new();
    for (k, b) in blocks(inst.before_value("access_policy"))
        .iter()
        .enumerate()
    {
        let object = b
            .get("object_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        before.push(Entry::read(
            b,
            object.to_string(),
            &format!("{before_path}[{k}]"),
        )?);
    }
    let mut after = Vec::new();
    for (k, b) in blocks(inst.after.and_then(|a| a.get("access_policy")))
        .iter()
        .enumerate()
    {
        let attr = [
            Step::Name("access_policy".into()),
            Step::Index(k),
            Step::Name("object_id".into()),
        ];
        let unknown = inst
            .unknown
            .and_then(|u| u.pointer(&format!("/access_policy/{k}/object_id")))
            .is_some_and(any_unknown);
        let field = match b.get("object_id") {
            _ if unknown => Field::Unknown,
            Some(v @ Value::String(_)) => Field::Known(v),
            _ => Field::Null,
        };
        let path = format!("{}.change.after.access_policy[{k}]", inst.path);
        match ctx.id_at(&attr, field)? {
            Resolved::Known(object) => after.push(Entry::read(b, object, &path)?),
            other => {
                let p = permissions(b, &path)?;
                let effect = if grants_any(&p) {
                    Effect::Adds
                } else {
                    Effect::None
                };
                ctx.pending(
                    format!("an inline access-policy entry granting {}", summary(&p)),
                    unresolved_reason(&format!("access_policy[{k}].object_id"), &other),
                    effect,
                );
            }
        }
    }
    for b in &before {
        match after.iter().find(|a| a.same_identity(b)) {
            Some(a) if a.permissions == b.permissions => {}
            _ => ctx.removal(b.remove(vault)),
        }
    }
    for a in &after {
        match before.iter().find(|b| b.same_identity(a)) {
            Some(b) if a.permissions == b.permissions => {}
            _ => ctx.addition(a.add(vault)),
        }
    }
    Ok(())
}

/// `rbac_authorization_enabled` (azurerm 4.42+) or `enable_rbac_authorization` (older); unset is
/// access policies (KV-DEFAULT).
fn permission_model(ctx: &mut Ctx, vault: &str) {
    let inst = ctx.inst;
    let names = ["rbac_authorization_enabled", "enable_rbac_authorization"];
    let after = names.iter().find_map(|n| match inst.field(n) {
        Field::Known(Value::Bool(b)) => Some(*b),
        _ => None,
    });
    let before = names
        .iter()
        .find_map(|n| inst.before_value(n).and_then(Value::as_bool))
        .unwrap_or(false);
    if let Some(after) = after
        && after != before
    {
        ctx.setting(Change::SetPermissionModel {
            vault: vault.to_string(),
            enable_rbac_authorization: after,
        });
    }
}

/// The provider's `network_acls` block in the ARM shape; `None` for no block.
fn acls(v: Option<&Value>, path: &str) -> Result<Option<NetworkAclsSpec>, PlanError> {
    let Some(Value::Object(b)) = v.and_then(|v| v.get(0)) else {
        return Ok(None);
    };
    let text = |k: &str, default: &str| {
        b.get(k)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_string()
    };
    let mut ips = strings(b.get("ip_rules"), &format!("{path}[0].ip_rules"))?;
    let mut subnets = strings(
        b.get("virtual_network_subnet_ids"),
        &format!("{path}[0].virtual_network_subnet_ids"),
    )?;
    // Sets in Terraform: order carries no meaning.
    ips.sort();
    subnets.sort();
    Ok(Some(NetworkAclsSpec {
        default_action: text("default_action", "Allow"),
        bypass: text("bypass", "AzureServices"),
        ip_rules: ips.into_iter().map(|value| IpRuleRef { value }).collect(),
        virtual_network_rules: subnets.into_iter().map(|id| IdRef { id }).collect(),
    }))
}

fn network_acls(ctx: &mut Ctx, vault: &str) -> Result<(), PlanError> {
    let inst = ctx.inst;
    let after = match inst.field("network_acls") {
        // Wholly unknown: not configured, Azure's value stays.
        Field::Unknown
            if inst
                .unknown
                .and_then(|u| u.get("network_acls"))
                .is_some_and(|v| v == &Value::Bool(true)) =>
        {
            return Ok(());
        }
        Field::Unknown => {
            ctx.pending(
                "changes the vault's firewall".into(),
                "network_acls has values known only after apply (a subnet created in this plan?)"
                    .into(),
                Effect::MayAdd,
            );
            return Ok(());
        }
        Field::Null => None,
        Field::Known(v) => Some(v),
    };
    let path = format!("{}.change.after.network_acls", inst.path);
    let after = acls(after, &path)?;
    let before = acls(
        inst.before_value("network_acls"),
        &format!("{}.change.before.network_acls", inst.path),
    )?;
    if after != before {
        ctx.setting(Change::SetNetworkAcls {
            vault: vault.to_string(),
            network_acls: after,
        });
    }
    Ok(())
}

/// `public_network_access_enabled` (default true).
fn public_access(ctx: &mut Ctx, vault: &str) {
    let inst = ctx.inst;
    let Field::Known(Value::Bool(after)) = inst.field("public_network_access_enabled") else {
        return;
    };
    let before = inst
        .before_value("public_network_access_enabled")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if *after != before {
        ctx.setting(Change::SetPublicNetworkAccess {
            vault: vault.to_string(),
            value: if *after { "Enabled" } else { "Disabled" }.to_string(),
        });
    }
}
