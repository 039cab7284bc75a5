//! Vaults with their access policies and network rules, and vault item metadata.

use ipnet::{IpNet, Ipv4Net};

use super::{At, Ctx, guid_id, lower};
use crate::model::*;
use crate::snapshot::lenient::Field;
use crate::snapshot::raw::*;

pub(super) fn vaults(list: List<RawVault>, ctx: &mut Ctx) -> Vec<Vault> {
    let mut out = Vec::new();
    // Vault → index in `list` of the entry kept, for the duplicate warning.
    let mut seen: rustc_hash::FxHashMap<Scope, usize> = rustc_hash::FxHashMap::default();
    let top = At::Top(Section::Vaults.key());
    for (i, v) in ctx.items(list, &top, "an object") {
        let path = top.index(i);
        let Some(id) = ctx.req_text(v.id, &path.key("id")) else {
            continue;
        };
        let Some(scope) = ctx.scope(&id, &path.key("id"), &[ScopeKind::Vault]) else {
            continue;
        };
        let ppath = path.key("properties");
        let properties_missing = matches!(v.properties, Field::Absent | Field::Null);
        if properties_missing {
            ctx.warn(
                &ppath,
                "missing (a vault as `az keyvault list` prints it): its permission model, access policies and network rules are unknown, so data-plane questions about it answer unknown; export it with `az keyvault show`",
            );
        }
        let p = ctx
            .opt(v.properties, &ppath, "an object")
            .unwrap_or_default();
        let access_policies = access_policies(p.access_policies, &ppath.key("accessPolicies"), ctx);
        let network = network_rules(
            p.public_network_access,
            p.network_acls,
            p.private_endpoint_connections,
            &ppath,
            ctx,
        );
        let vault = Vault {
            name: ctx
                .opt_text(v.name, &path.key("name"))
                .unwrap_or_else(|| scope.name().to_string()),
            location: ctx
                .opt_text(v.location, &path.key("location"))
                .unwrap_or_default(),
            tenant_id: ctx
                .opt_text(p.tenant_id, &ppath.key("tenantId"))
                .map(guid_id),
            vault_uri: ctx.opt_text(p.vault_uri, &ppath.key("vaultUri")),
            rbac_authorization: ctx
                .opt_bool(
                    p.enable_rbac_authorization,
                    &ppath.key("enableRbacAuthorization"),
                )
                .unwrap_or(false),
            access_policies,
            network,
            soft_delete: ctx
                .opt_bool(p.enable_soft_delete, &ppath.key("enableSoftDelete"))
                .unwrap_or(true),
            purge_protection: ctx
                .opt_bool(
                    p.enable_purge_protection,
                    &ppath.key("enablePurgeProtection"),
                )
                .unwrap_or(false),
            enabled_for_template_deployment: ctx
                .opt_bool(
                    p.enabled_for_template_deployment,
                    &ppath.key("enabledForTemplateDeployment"),
                )
                .unwrap_or(false),
            enabled_for_deployment: ctx
                .opt_bool(p.enabled_for_deployment, &ppath.key("enabledForDeployment"))
                .unwrap_or(false),
            enabled_for_disk_encryption: ctx
                .opt_bool(
                    p.enabled_for_disk_encryption,
                    &ppath.key("enabledForDiskEncryption"),
                )
                .unwrap_or(false),
            properties_missing,
            scope,
        };
        ctx.opt(
            p.soft_delete_retention_in_days,
            &ppath.key("softDeleteRetentionInDays"),
            "a whole number",
        );
        // The same vault returned by two calls (list by subscription and by resource group, or a create
        // response next to a get): one vault, so one row in every matrix and one set of findings.
        if let Some(&first) = seen.get(&vault.scope) {
            ctx.warn(
                &path.key("id"),
                format!(
                    "vault already listed at {}; this entry is ignored",
                    top.index(first)
                ),
            );
            continue;
        }
        seen.insert(vault.scope.clone(), i);
        out.push(vault);
    }
    out
}

fn access_policies(list: List<RawAccessPolicy>, path: &At, ctx: &mut Ctx) -> Vec<AccessPolicy> {
    let mut out = Vec::new();
    for (i, e) in ctx.items(list, path, "an object") {
        let epath = path.index(i);
        let Some(object_id) = ctx.req_text(e.object_id, &epath.key("objectId")) else {
            continue;
        };
        let mut entry = AccessPolicy {
            tenant_id: ctx
                .opt_text(e.tenant_id, &epath.key("tenantId"))
                .map(guid_id),
            object_id: guid_id(object_id),
            application_id: ctx
                .opt_text(e.application_id, &epath.key("applicationId"))
                .map(guid_id),
            ..AccessPolicy::default()
        };
        let ppath = epath.key("permissions");
        let missing = !matches!(e.permissions, Field::Wrong(_));
        match ctx.opt(e.permissions, &ppath, "an object") {
            Some(p) => {
                let RawApPermissions {
                    keys,
                    secrets,
                    certificates,
                    storage,
                } = p;
                entry.keys = policy_permissions(PolicyKind::Keys, keys, &ppath, ctx);
                entry.secrets = policy_permissions(PolicyKind::Secrets, secrets, &ppath, ctx);
                entry.certificates =
                    policy_permissions(PolicyKind::Certificates, certificates, &ppath, ctx);
                entry.storage = policy_permissions(PolicyKind::Storage, storage, &ppath, ctx);
            }
            None if missing => ctx.warn(&ppath, "missing: this entry grants nothing"),
            None => {}
        }
        out.push(entry);
    }
    out
}

/// One permission list of an access-policy entry, lower-cased; names Key Vault does not know are warned of.
fn policy_permissions(
    kind: PolicyKind,
    list: List<String>,
    ppath: &At,
    ctx: &mut Ctx,
) -> Vec<String> {
    let lpath = ppath.key(kind.as_str());
    let names: Vec<String> = ctx.strings(list, &lpath).into_iter().map(lower).collect();
    for (i, name) in names.iter().enumerate() {
        if !crate::catalog::is_policy_permission(kind, name) {
            ctx.warn(
                &lpath.index(i),
                format!(
                    "'{name}' is not a {} permission Key Vault knows",
                    kind.as_str()
                ),
            );
        }
    }
    names
}

fn network_rules(
    public_network_access: Text,
    network_acls: Field<RawNetworkAcls>,
    private_endpoint_connections: List<RawPrivateEndpointConnection>,
    ppath: &At,
    ctx: &mut Ctx,
) -> NetworkRules {
    let pna_path = ppath.key("publicNetworkAccess");
    let public_network_access = match ctx.opt_text(public_network_access, &pna_path) {
        None => PublicNetworkAccess::Enabled,
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "enabled" => PublicNetworkAccess::Enabled,
            "disabled" => PublicNetworkAccess::Disabled,
            "securedbyperimeter" => PublicNetworkAccess::SecuredByPerimeter,
            _ => {
                ctx.warn(&pna_path, format!("unknown value '{v}'"));
                PublicNetworkAccess::Other(v)
            }
        },
    };
    let apath = ppath.key("networkAcls");
    let acls = ctx
        .opt(network_acls, &apath, "an object")
        .map(|a| network_acls_of(a, &apath, ctx));
    let mut private_endpoints = Vec::new();
    let cpaths = ppath.key("privateEndpointConnections");
    for (i, c) in ctx.items(private_endpoint_connections, &cpaths, "an object") {
        private_endpoints.push(private_endpoint(c, &cpaths.index(i), ctx));
    }
    NetworkRules {
        public_network_access,
        acls,
        private_endpoints,
        perimeter: crate::model::perimeter::PerimeterLink::NotCollected,
    }
}

/// One private endpoint connection, in the REST shape or flattened as `az keyvault show` prints it.
fn private_endpoint(c: RawPrivateEndpointConnection, cpath: &At, ctx: &mut Ctx) -> PrivateEndpoint {
    let props = ctx.opt(c.properties, &cpath.key("properties"), "an object");
    // The REST shape wins; the flattened fields are read when it names no endpoint.
    let nested = match &props {
        Some(p) => p.private_endpoint.get().is_some() || c.private_endpoint.get().is_none(),
        None => false,
    };
    let (endpoint, state, keys) = match props {
        Some(p) if nested => (
            p.private_endpoint,
            p.private_link_service_connection_state,
            (
                "properties.privateEndpoint",
                "properties.privateLinkServiceConnectionState",
            ),
        ),
        _ => (
            c.private_endpoint,
            c.private_link_service_connection_state,
            ("privateEndpoint", "privateLinkServiceConnectionState"),
        ),
    };
    let epath = cpath.key(keys.0);
    let endpoint = ctx
        .opt(endpoint, &epath, "an object")
        .and_then(|e| ctx.opt_text(e.id, &epath.key("id")));
    let spath = cpath.key(keys.1);
    let status = ctx
        .opt(state, &spath, "an object")
        .and_then(|s| ctx.opt_text(s.status, &spath.key("status")));
    if endpoint.is_none() {
        ctx.warn(
            cpath,
            "names no private endpoint (neither properties.privateEndpoint.id as ARM returns it nor privateEndpoint.id as `az keyvault show` prints it)",
        );
    }
    if status.is_none() {
        ctx.warn(
            cpath,
            "has no connection state (properties.privateLinkServiceConnectionState.status or privateLinkServiceConnectionState.status): it admits nothing",
        );
    }
    let id = endpoint
        .or_else(|| ctx.opt_text(c.id, &cpath.key("id")))
        .unwrap_or_default();
    PrivateEndpoint {
        id,
        status: status.unwrap_or_else(|| "Unknown".into()),
    }
}

fn network_acls_of(a: RawNetworkAcls, apath: &At, ctx: &mut Ctx) -> NetworkAcls {
    let dpath = apath.key("defaultAction");
    let default_deny = match ctx.opt_text(a.default_action, &dpath) {
        None => false,
        Some(d) if d.eq_ignore_ascii_case("allow") => false,
        Some(d) if d.eq_ignore_ascii_case("deny") => true,
        Some(d) => {
            ctx.warn(&dpath, format!("unknown value '{d}', read as Deny"));
            true
        }
    };
    let bypass_azure_services = ctx
        .opt_text(a.bypass, &apath.key("bypass"))
        .is_none_or(|b| b.to_ascii_lowercase().contains("azureservices"));
    let mut ip_rules = Vec::new();
    let rpaths = apath.key("ipRules");
    for (i, r) in ctx.items(a.ip_rules, &rpaths, "an object") {
        let rpath = rpaths.index(i);
        let text = ctx
            .opt_text(r.value, &rpath.key("value"))
            .unwrap_or_default();
        let net = parse_ip_rule(&text);
        if net.is_none() {
            ctx.warn(
                &rpath.key("value"),
                format!("'{text}' is not an IPv4 address or CIDR range; it admits nothing"),
            );
        }
        ip_rules.push(vault::IpRule { text, net });
    }
    let mut subnets = Vec::new();
    let spaths = apath.key("virtualNetworkRules");
    for (i, r) in ctx.items(a.virtual_network_rules, &spaths, "an object") {
        let rpath = spaths.index(i);
        match ctx.opt_text(r.id, &rpath.key("id")) {
            Some(id) => subnets.push(lower(id)),
            None => ctx.warn(&rpath.key("id"), "empty subnet id; it admits nothing"),
        }
    }
    NetworkAcls {
        default_deny,
        bypass_azure_services,
        ip_rules,
        subnets,
    }
}

/// An IPv4 address or CIDR range, as Key Vault accepts them.
pub fn parse_ip_rule(text: &str) -> Option<IpNet> {
    let text = text.trim();
    if let Ok(net) = text.parse::<Ipv4Net>() {
        return Some(IpNet::V4(net.trunc()));
    }
    text.parse::<std::net::Ipv4Addr>()
        .ok()
        .map(|a| IpNet::V4(Ipv4Net::from(a)))
}

pub(super) fn vault_items(list: List<RawVaultItem>, ctx: &mut Ctx) -> Vec<VaultItem> {
    let mut out = Vec::new();
    let top = At::Top(Section::VaultItems.key());
    for (i, item) in ctx.items(list, &top, "an object") {
        let path = top.index(i);
        let vault = ctx.req_text(item.vault_id, &path.key("vaultId"));
        let kind_text = ctx.req_text(item.kind, &path.key("kind"));
        let name = ctx.req_text(item.name, &path.key("name"));
        let enabled = ctx.opt_bool(item.enabled, &path.key("enabled"));
        let expires = ctx.opt_text(item.expires, &path.key("expires"));
        let Some(vault) =
            vault.and_then(|v| ctx.scope(&v, &path.key("vaultId"), &[ScopeKind::Vault]))
        else {
            continue;
        };
        let kind = kind_text.and_then(|k| {
            let kind = ItemKind::parse(&k);
            if kind.is_none() {
                ctx.problem(
                    &path.key("kind"),
                    format!("'{k}' is not one of secrets, keys, certificates"),
                );
            }
            kind
        });
        let (Some(kind), Some(name)) = (kind, name) else {
            continue;
        };
        let Ok(scope) = Scope::parse(&format!("{}/{}/{}", vault.id(), kind.as_str(), name)) else {
            ctx.problem(
                &path.key("name"),
                format!("'{name}' cannot be part of a resource id"),
            );
            continue;
        };
        out.push(VaultItem {
            scope,
            vault,
            kind,
            name,
            enabled,
            expires,
        });
    }
    out
}
