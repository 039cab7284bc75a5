//! Vault properties: access policies, permission model, firewall and public network access.

use crate::catalog;
use crate::model::vault::IpRule;
use crate::model::{AccessPolicy, NetworkAcls, PolicyKind, PublicNetworkAccess, Scope, Snapshot};
use crate::sanitize::cut;
use crate::snapshot::parse_ip_rule;

use super::super::change::{Change, IdRef, IpRuleRef, NetworkAclsSpec, PolicyPermissions};
use super::lookup::Lookup;
use super::{Applied, Result, err, whole};
use crate::suggest::did_you_mean;

/// Key Vault's limit on access-policy entries (SPEC-KVM: "An array of 0 to 1024 identities").
pub const MAX_ACCESS_POLICIES: usize = 1024;
/// Key Vault's firewall limits (KV-NET).
const MAX_IP_RULES: usize = 1000;
const MAX_VNET_RULES: usize = 200;

fn vault_index(s: &Snapshot, lk: &mut Lookup, i: usize, vault: &str) -> Result<usize> {
    lk.vault(s, vault).map_err(|m| vec![err(i, "vault", m)])
}

/// An application given by appId or by the name of its service principal.
fn app_id(s: &Snapshot, lk: &mut Lookup, text: &str) -> std::result::Result<String, String> {
    let lower = text.trim().to_ascii_lowercase();
    if uuid::Uuid::try_parse(&lower).is_ok() {
        // An object id of a service principal stands for its application.
        return Ok(lk
            .principal_with_id(s, &lower)
            .and_then(|p| p.app_id.clone())
            .unwrap_or(lower));
    }
    let p = lk.principal(s, text)?;
    p.app_id.clone().ok_or_else(|| {
        format!(
            "'{}' is a {}, not an application",
            cut(text),
            p.kind.as_str()
        )
    })
}

fn permission_lists(i: usize, perms: &PolicyPermissions) -> Result<[Vec<String>; 4]> {
    let mut errors = Vec::new();
    let lists = PolicyKind::ALL.map(|kind| {
        let given = match kind {
            PolicyKind::Keys => &perms.keys,
            PolicyKind::Secrets => &perms.secrets,
            PolicyKind::Certificates => &perms.certificates,
            PolicyKind::Storage => &perms.storage,
        };
        let mut out: Vec<String> = Vec::new();
        for (n, name) in given.iter().enumerate() {
            let lower = name.to_ascii_lowercase();
            if !catalog::is_policy_permission(kind, &lower) {
                let known = catalog::operations()
                    .iter()
                    .filter_map(|op| op.policy)
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, p)| p)
                    .chain(["all"]);
                let hint = did_you_mean(name, known)
                    .map(|s| format!(" (did you mean '{s}'?)"))
                    .unwrap_or_default();
                errors.push(err(
                    i,
                    &format!("permissions.{}[{n}]", kind.as_str()),
                    format!(
                        "'{}' is not a {} permission{hint}",
                        cut(name),
                        kind.as_str()
                    ),
                ));
            } else if !out.contains(&lower) {
                out.push(lower);
            }
        }
        out
    });
    if errors.is_empty() {
        Ok(lists)
    } else {
        Err(errors)
    }
}

fn permissions_of(e: &AccessPolicy) -> PolicyPermissions {
    PolicyPermissions {
        keys: e.keys.clone(),
        secrets: e.secrets.clone(),
        certificates: e.certificates.clone(),
        storage: e.storage.clone(),
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn add_policy(
    s: &mut Snapshot,
    lk: &mut Lookup,
    i: usize,
    vault: &str,
    object: &str,
    application: Option<&str>,
    tenant: Option<&str>,
    permissions: &PolicyPermissions,
) -> Result<Applied> {
    let v = vault_index(s, lk, i, vault);
    let p = lk
        .principal(s, object)
        .map_err(|m| vec![err(i, "objectId", m)]);
    let app = application
        .map(|a| app_id(s, lk, a))
        .transpose()
        .map_err(|m| vec![err(i, "applicationId", m)]);
    let lists = permission_lists(i, permissions);
    let (v, p, app, [keys, secrets, certificates, storage]) = match (v, p, app, lists) {
        (Ok(v), Ok(p), Ok(app), Ok(lists)) => (v, p.id.clone(), app, lists),
        (v, p, app, lists) => {
            return Err([v.err(), p.err(), app.err(), lists.err()]
                .into_iter()
                .flatten()
                .flatten()
                .collect());
        }
    };
    let tenant_id = tenant.map(str::to_ascii_lowercase);
    let who = lk.label(s, &p);
    // Named before the vault is borrowed for writing: the message names the application by its name.
    let through = app
        .as_deref()
        .map(|a| format!(" through application {}", lk.app_label(s, a)))
        .unwrap_or_default();
    let Some(target) = s.vaults.get_mut(v) else {
        return Err(vec![err(i, "vault", "vault disappeared")]);
    };
    if target
        .access_policies
        .iter()
        .any(|e| e.object_id == p && e.application_id == app)
    {
        return Err(vec![whole(
            i,
            format!(
                "vault {} already has an access-policy entry for {who}{through}; remove it first (removeAccessPolicy)",
                cut(&target.name)
            ),
        )]);
    }
    if target.access_policies.len() >= MAX_ACCESS_POLICIES {
        return Err(vec![whole(
            i,
            format!(
                "vault {} already has {} access-policy entries, the most Key Vault allows ({MAX_ACCESS_POLICIES})",
                cut(&target.name),
                target.access_policies.len()
            ),
        )]);
    }
    let mut notes = Vec::new();
    if target.rbac_authorization {
        notes.push(format!(
            "vault {} uses Azure RBAC: this entry is stored but ignored until the vault switches back to access policies",
            target.name
        ));
    }
    if keys.is_empty() && secrets.is_empty() && certificates.is_empty() && storage.is_empty() {
        notes.push("this entry grants no permission".to_string());
    }
    let entry = AccessPolicy {
        tenant_id: tenant_id.clone().or_else(|| target.tenant_id.clone()),
        object_id: p.clone(),
        application_id: app.clone(),
        keys,
        secrets,
        certificates,
        storage,
    };
    let change = Change::AddAccessPolicy {
        vault: target.scope.id().to_string(),
        object_id: p.clone(),
        application_id: app.clone(),
        tenant_id: entry.tenant_id.clone(),
        permissions: permissions_of(&entry),
    };
    let undo = Change::RemoveAccessPolicy {
        vault: target.scope.id().to_string(),
        object_id: p,
        application_id: app,
    };
    target.access_policies.push(entry);
    Ok(Applied {
        index: i,
        change,
        undo: Some(undo),
        notes,
    })
}

pub(super) fn remove_policy(
    s: &mut Snapshot,
    lk: &mut Lookup,
    i: usize,
    vault: &str,
    object: &str,
    application: Option<&str>,
) -> Result<Applied> {
    let v = vault_index(s, lk, i, vault);
    let p = lk
        .object_id(s, object)
        .map_err(|m| vec![err(i, "objectId", m)]);
    let app = application
        .map(|a| app_id(s, lk, a))
        .transpose()
        .map_err(|m| vec![err(i, "applicationId", m)]);
    let (v, p, app) = match (v, p, app) {
        (Ok(v), Ok(p), Ok(app)) => (v, p, app),
        (v, p, app) => {
            return Err([v.err(), p.err(), app.err()]
                .into_iter()
                .flatten()
                .flatten()
                .collect());
        }
    };
    let restorable = lk.in_directory(s, &p);
    let who = lk.label(s, &p);
    // Named before the vault is borrowed for writing: the message names the application by its name.
    let through = app
        .as_deref()
        .map(|a| format!(" through application {}", lk.app_label(s, a)))
        .unwrap_or_default();
    let Some(target) = s.vaults.get_mut(v) else {
        return Err(vec![err(i, "vault", "vault disappeared")]);
    };
    let Some(at) = target
        .access_policies
        .iter()
        .position(|e| e.object_id == p && e.application_id == app)
    else {
        return Err(vec![whole(
            i,
            format!(
                "vault {} has no access-policy entry for {who}{through}",
                cut(&target.name)
            ),
        )]);
    };
    let entry = target.access_policies.remove(at);
    let vault_id = target.scope.id().to_string();
    Ok(Applied {
        index: i,
        change: Change::RemoveAccessPolicy {
            vault: vault_id.clone(),
            object_id: entry.object_id.clone(),
            application_id: entry.application_id.clone(),
        },
        undo: restorable.then(|| Change::AddAccessPolicy {
            vault: vault_id,
            object_id: entry.object_id.clone(),
            application_id: entry.application_id.clone(),
            tenant_id: entry.tenant_id.clone(),
            permissions: permissions_of(&entry),
        }),
        notes: Vec::new(),
    })
}

pub(super) fn set_model(
    s: &mut Snapshot,
    lk: &mut Lookup,
    i: usize,
    vault: &str,
    rbac: bool,
) -> Result<Applied> {
    let v = vault_index(s, lk, i, vault)?;
    let Some(target) = s.vaults.get_mut(v) else {
        return Err(vec![err(i, "vault", "vault disappeared")]);
    };
    let old = target.rbac_authorization;
    target.rbac_authorization = rbac;
    let model = |r: bool| if r { "Azure RBAC" } else { "access policies" };
    let mut notes = Vec::new();
    if old == rbac {
        notes.push(format!(
            "vault {} already uses {}: no change",
            target.name,
            model(rbac)
        ));
    } else if rbac && !target.access_policies.is_empty() {
        notes.push(format!(
            "the {} access-policy entries of {} stay in place but are ignored while RBAC is on",
            target.access_policies.len(),
            target.name
        ));
    }
    let id = target.scope.id().to_string();
    Ok(Applied {
        index: i,
        change: Change::SetPermissionModel {
            vault: id.clone(),
            enable_rbac_authorization: rbac,
        },
        undo: Some(Change::SetPermissionModel {
            vault: id,
            enable_rbac_authorization: old,
        }),
        notes,
    })
}

/// The model's firewall in the change vocabulary.
pub(crate) fn acls_spec(a: &NetworkAcls) -> NetworkAclsSpec {
    NetworkAclsSpec {
        default_action: if a.default_deny { "Deny" } else { "Allow" }.to_string(),
        bypass: if a.bypass_azure_services {
            "AzureServices"
        } else {
            "None"
        }
        .to_string(),
        ip_rules: a
            .ip_rules
            .iter()
            .map(|r| IpRuleRef {
                value: r.text.clone(),
            })
            .collect(),
        virtual_network_rules: a
            .subnets
            .iter()
            .map(|id| IdRef { id: id.clone() })
            .collect(),
    }
}

fn is_private(net: &ipnet::IpNet) -> bool {
    match net {
        ipnet::IpNet::V4(n) => n.addr().is_private(),
        ipnet::IpNet::V6(_) => false,
    }
}

fn to_acls(i: usize, spec: &NetworkAclsSpec) -> Result<NetworkAcls> {
    let mut errors = Vec::new();
    let mut ip_rules = Vec::new();
    for (n, r) in spec.ip_rules.iter().enumerate() {
        let path = format!("networkAcls.ipRules[{n}]");
        match parse_ip_rule(&r.value) {
            Some(net) if is_private(&net) => errors.push(err(
                i,
                &path,
                format!(
                    "'{}' is a private range; Key Vault IP rules take public addresses only",
                    cut(&r.value)
                ),
            )),
            Some(net) => ip_rules.push(IpRule {
                text: r.value.clone(),
                net: Some(net),
            }),
            None => errors.push(err(
                i,
                &path,
                format!("'{}' is not an IPv4 address or CIDR range", cut(&r.value)),
            )),
        }
    }
    let mut subnets = Vec::new();
    for (n, r) in spec.virtual_network_rules.iter().enumerate() {
        match Scope::parse(&r.id) {
            Ok(sc)
                if sc
                    .key()
                    .contains("/providers/microsoft.network/virtualnetworks/")
                    && sc.key().contains("/subnets/") =>
            {
                subnets.push(sc.key().to_string())
            }
            _ => errors.push(err(
                i,
                &format!("networkAcls.virtualNetworkRules[{n}]"),
                format!(
                    "'{}' is not a subnet id (…/virtualNetworks/V/subnets/S)",
                    cut(&r.id)
                ),
            )),
        }
    }
    if ip_rules.len() > MAX_IP_RULES {
        errors.push(err(
            i,
            "networkAcls.ipRules",
            format!("Key Vault allows at most {MAX_IP_RULES} IP rules"),
        ));
    }
    if subnets.len() > MAX_VNET_RULES {
        errors.push(err(
            i,
            "networkAcls.virtualNetworkRules",
            format!("Key Vault allows at most {MAX_VNET_RULES} virtual network rules"),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NetworkAcls {
        default_deny: spec.default_action == "Deny",
        bypass_azure_services: spec.bypass == "AzureServices",
        ip_rules,
        subnets,
    })
}

pub(super) fn set_network_acls(
    s: &mut Snapshot,
    lk: &mut Lookup,
    i: usize,
    vault: &str,
    spec: Option<&NetworkAclsSpec>,
) -> Result<Applied> {
    let v = vault_index(s, lk, i, vault)?;
    let acls = spec.map(|sp| to_acls(i, sp)).transpose()?;
    let Some(target) = s.vaults.get_mut(v) else {
        return Err(vec![err(i, "vault", "vault disappeared")]);
    };
    let old = std::mem::replace(&mut target.network.acls, acls);
    let mut notes = Vec::new();
    if target.network.public_network_access == PublicNetworkAccess::Disabled {
        notes.push(format!(
            "public network access to {} is disabled: firewall rules matter only once it is enabled",
            target.name
        ));
    }
    notes.push("decisions in the diff are about authorization; the firewall change is listed under network".to_string());
    let id = target.scope.id().to_string();
    Ok(Applied {
        index: i,
        change: Change::SetNetworkAcls {
            vault: id.clone(),
            network_acls: target.network.acls.as_ref().map(acls_spec),
        },
        undo: Some(Change::SetNetworkAcls {
            vault: id,
            network_acls: old.as_ref().map(acls_spec),
        }),
        notes,
    })
}

pub(crate) fn access_text(p: &PublicNetworkAccess) -> String {
    match p {
        PublicNetworkAccess::Enabled => "Enabled".into(),
        PublicNetworkAccess::Disabled => "Disabled".into(),
        PublicNetworkAccess::SecuredByPerimeter => "SecuredByPerimeter".into(),
        PublicNetworkAccess::Other(v) => v.clone(),
    }
}

pub(super) fn set_public_access(
    s: &mut Snapshot,
    lk: &mut Lookup,
    i: usize,
    vault: &str,
    value: &str,
) -> Result<Applied> {
    let v = vault_index(s, lk, i, vault)?;
    let new = match value.to_ascii_lowercase().as_str() {
        "enabled" => PublicNetworkAccess::Enabled,
        "disabled" => PublicNetworkAccess::Disabled,
        "securedbyperimeter" => PublicNetworkAccess::SecuredByPerimeter,
        _ => {
            return Err(vec![err(
                i,
                "value",
                format!(
                    "'{}' is not Enabled, Disabled or SecuredByPerimeter",
                    cut(value)
                ),
            )]);
        }
    };
    let Some(target) = s.vaults.get_mut(v) else {
        return Err(vec![err(i, "vault", "vault disappeared")]);
    };
    let old = std::mem::replace(&mut target.network.public_network_access, new);
    let id = target.scope.id().to_string();
    Ok(Applied {
        index: i,
        change: Change::SetPublicNetworkAccess {
            vault: id.clone(),
            value: access_text(&target.network.public_network_access),
        },
        undo: Some(Change::SetPublicNetworkAccess {
            vault: id,
            value: access_text(&old),
        }),
        notes: vec!["decisions in the diff are about authorization; the network change is listed under network".to_string()],
    })
}
