//! Raw snapshot → model, collecting every problem with its JSON path.
//!
//! Two severities: *problems* make the file unusable (a wrong type, a missing id, an unsupported version)
//! and are all reported together; *warnings* are Azure's own quirks (an IP rule written with quotes, two
//! directory objects sharing an id) that are kept visible but do not stop the load.

use std::collections::{HashMap, HashSet};

use ipnet::{IpNet, Ipv4Net};

use super::lenient::Field;
use super::raw::*;
use crate::error::Problem;
use crate::model::role::trailing_guid;
use crate::model::*;

#[derive(Default)]
pub struct Ctx {
    pub problems: Vec<Problem>,
    pub warnings: Vec<Warning>,
}

impl Ctx {
    fn problem(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_string(),
            message: message.into(),
        });
    }

    fn warn(&mut self, path: &str, message: impl Into<String>) {
        self.warnings.push(Warning {
            path: path.to_string(),
            message: message.into(),
        });
    }

    /// An optional value; a wrong JSON type is a problem.
    fn opt<'a, T>(&mut self, field: &'a Field<T>, path: &str, expected: &str) -> Option<&'a T> {
        if let Some(found) = field.wrong() {
            self.problem(path, format!("expected {expected}, found {found}"));
        }
        field.get()
    }

    fn opt_text(&mut self, field: &Text, path: &str) -> Option<String> {
        self.opt(field, path, "a string")
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    fn req_text(&mut self, field: &Text, path: &str) -> Option<String> {
        let value = self.opt_text(field, path);
        if value.is_none() && field.wrong().is_none() {
            self.problem(path, "missing");
        }
        value
    }

    fn opt_bool(&mut self, field: &Field<bool>, path: &str) -> Option<bool> {
        self.opt(field, path, "true or false").copied()
    }

    /// The elements of an optional array, each with its path; non-object elements are problems.
    fn items<'a, T>(
        &mut self,
        list: &'a List<T>,
        path: &str,
        expected: &str,
    ) -> Vec<(String, &'a T)> {
        let Some(values) = self.opt(list, path, "an array") else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(values.len());
        for (i, field) in values.iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            match field {
                Field::Value(v) => out.push((item_path, v)),
                Field::Wrong(found) => {
                    self.problem(&item_path, format!("expected {expected}, found {found}"))
                }
                Field::Null | Field::Absent => {
                    self.problem(&item_path, format!("expected {expected}, found null"))
                }
            }
        }
        out
    }

    fn strings(&mut self, list: &List<String>, path: &str) -> Vec<String> {
        self.items(list, path, "a string")
            .into_iter()
            .map(|(_, s)| s.trim().to_string())
            .collect()
    }

    fn scope(&mut self, text: &str, path: &str, want: &[ScopeKind]) -> Option<Scope> {
        match Scope::parse(text) {
            Ok(s) if want.is_empty() || want.contains(&s.kind()) => Some(s),
            Ok(s) => {
                self.problem(
                    path,
                    format!(
                        "'{text}' is a {:?} scope, expected {}",
                        s.kind(),
                        kinds(want)
                    ),
                );
                None
            }
            Err(_) => {
                self.problem(path, format!("'{text}' is not an Azure resource id"));
                None
            }
        }
    }

    fn guid(&mut self, text: &str, path: &str) -> Option<String> {
        if uuid::Uuid::try_parse(text).is_ok() {
            Some(text.to_ascii_lowercase())
        } else {
            self.problem(path, format!("not a GUID: '{text}'"));
            None
        }
    }
}

fn kinds(want: &[ScopeKind]) -> String {
    want.iter()
        .map(|k| format!("{k:?}"))
        .collect::<Vec<_>>()
        .join(" or ")
}

pub fn convert(raw: &RawSnapshot, ctx: &mut Ctx) -> Snapshot {
    match &raw.kvaccess_snapshot {
        Field::Value(1) => {}
        Field::Value(v) => ctx.problem(
            "kvaccessSnapshot",
            format!("unsupported version {v} (this kvaccess reads version 1)"),
        ),
        Field::Wrong(found) => ctx.problem(
            "kvaccessSnapshot",
            match *found {
                "a number" => "expected the whole number 1, found a fraction".to_string(),
                other => format!("expected the number 1, found {other}"),
            },
        ),
        Field::Absent | Field::Null => ctx.problem(
            "kvaccessSnapshot",
            "missing: a kvaccess snapshot starts with \"kvaccessSnapshot\": 1",
        ),
    }
    let cloud = match ctx.opt_text(&raw.cloud, "cloud") {
        None => Cloud::AzureCloud,
        Some(c) => Cloud::parse(&c).unwrap_or_else(|| {
            ctx.problem(
                "cloud",
                format!("unknown cloud '{c}' (AzureCloud, AzureChinaCloud or AzureUSGovernment)"),
            );
            Cloud::AzureCloud
        }),
    };
    let mut snapshot = Snapshot {
        cloud,
        tenant_id: ctx
            .opt_text(&raw.tenant_id, "tenantId")
            .map(|t| t.to_ascii_lowercase()),
        collected_at: ctx.opt_text(&raw.collected_at, "collectedAt"),
        ..Snapshot::default()
    };
    snapshot.management_groups = management_groups(raw, ctx);
    snapshot.subscriptions = subscriptions(raw, ctx);
    snapshot.resource_groups = resource_groups(raw, ctx);
    snapshot.vaults = vaults(raw, ctx);
    snapshot.role_definitions = role_definitions(raw, ctx);
    snapshot.role_assignments = role_assignments(&raw.role_assignments, "roleAssignments", ctx);
    snapshot.role_eligibilities =
        role_assignments(&raw.role_eligibilities, "roleEligibilities", ctx);
    snapshot.deny_assignments = deny_assignments(raw, ctx);
    snapshot.principals = principals(raw, ctx);
    snapshot.group_memberships = group_memberships(raw, ctx);
    snapshot.vault_items = vault_items(raw, ctx);
    snapshot.collection_errors = collection_errors(raw, ctx);
    snapshot
}

fn management_groups(raw: &RawSnapshot, ctx: &mut Ctx) -> Vec<ManagementGroup> {
    let mut groups: Vec<ManagementGroup> = Vec::new();
    let mut child_links: Vec<(Scope, Scope, String)> = Vec::new();
    for (path, mg) in ctx.items(&raw.management_groups, "managementGroups", "an object") {
        let props = ctx.opt(&mg.properties, &format!("{path}.properties"), "an object");
        let id = ctx.opt_text(&mg.id, &format!("{path}.id")).or_else(|| {
            ctx.opt_text(&mg.name, &format!("{path}.name"))
                .map(|n| format!("/providers/Microsoft.Management/managementGroups/{n}"))
        });
        let Some(id) = id else {
            ctx.problem(&format!("{path}.id"), "missing");
            continue;
        };
        let Some(scope) = ctx.scope(&id, &format!("{path}.id"), &[ScopeKind::ManagementGroup])
        else {
            continue;
        };
        let mut display_name = ctx.opt_text(&mg.display_name, &format!("{path}.displayName"));
        let mut parent_id = ctx.opt_text(&mg.parent_id, &format!("{path}.parentId"));
        let mut subscription_ids: Vec<String> = ctx
            .strings(&mg.subscription_ids, &format!("{path}.subscriptionIds"))
            .into_iter()
            .map(|s| s.to_ascii_lowercase())
            .collect();
        if let Some(props) = props {
            let ppath = format!("{path}.properties");
            display_name = display_name
                .or_else(|| ctx.opt_text(&props.display_name, &format!("{ppath}.displayName")));
            if let Some(details) = ctx.opt(&props.details, &format!("{ppath}.details"), "an object")
                && let Some(parent) = ctx.opt(
                    &details.parent,
                    &format!("{ppath}.details.parent"),
                    "an object",
                )
            {
                parent_id = parent_id
                    .or_else(|| ctx.opt_text(&parent.id, &format!("{ppath}.details.parent.id")));
            }
            for (cpath, child) in
                ctx.items(&props.children, &format!("{ppath}.children"), "an object")
            {
                let Some(cid) = ctx.opt_text(&child.id, &format!("{cpath}.id")) else {
                    continue;
                };
                match Scope::parse(&cid) {
                    Ok(c) if c.kind() == ScopeKind::Subscription => {
                        subscription_ids.push(c.subscription().unwrap_or_default().to_string());
                    }
                    Ok(c) if c.kind() == ScopeKind::ManagementGroup => {
                        let name =
                            ctx.opt_text(&child.display_name, &format!("{cpath}.displayName"));
                        child_links.push((
                            c.clone(),
                            scope.clone(),
                            name.unwrap_or_else(|| c.name().to_string()),
                        ));
                    }
                    _ => ctx.warn(
                        &format!("{cpath}.id"),
                        format!(
                            "'{cid}' is neither a management group nor a subscription; ignored"
                        ),
                    ),
                }
            }
        }
        let parent = parent_id.and_then(|p| {
            ctx.scope(
                &p,
                &format!("{path}.parentId"),
                &[ScopeKind::ManagementGroup],
            )
        });
        let display_name = display_name.unwrap_or_else(|| scope.name().to_string());
        groups.push(ManagementGroup {
            scope,
            display_name,
            parent,
            subscription_ids,
        });
    }
    // ARM's `$expand=children` names child groups; those not listed themselves still belong in the tree.
    for (child, parent, name) in child_links {
        match groups.iter_mut().find(|g| g.scope == child) {
            Some(g) if g.parent.is_none() => g.parent = Some(parent),
            Some(_) => {}
            None => groups.push(ManagementGroup {
                scope: child,
                display_name: name,
                parent: Some(parent),
                subscription_ids: Vec::new(),
            }),
        }
    }
    groups
}

fn subscriptions(raw: &RawSnapshot, ctx: &mut Ctx) -> Vec<Subscription> {
    let mut out = Vec::new();
    for (path, s) in ctx.items(&raw.subscriptions, "subscriptions", "an object") {
        let id = ctx.opt_text(&s.id, &format!("{path}.id"));
        let sub_id = ctx.opt_text(&s.subscription_id, &format!("{path}.subscriptionId"));
        let Some(id) = id.or_else(|| sub_id.as_ref().map(|s| format!("/subscriptions/{s}"))) else {
            ctx.problem(
                &format!("{path}.id"),
                "missing (neither id nor subscriptionId given)",
            );
            continue;
        };
        let Some(scope) = ctx.scope(&id, &format!("{path}.id"), &[ScopeKind::Subscription]) else {
            continue;
        };
        out.push(Subscription {
            subscription_id: scope.subscription().unwrap_or_default().to_string(),
            display_name: ctx
                .opt_text(&s.display_name, &format!("{path}.displayName"))
                .unwrap_or_else(|| scope.name().to_string()),
            tenant_id: ctx
                .opt_text(&s.tenant_id, &format!("{path}.tenantId"))
                .map(|t| t.to_ascii_lowercase()),
            state: ctx.opt_text(&s.state, &format!("{path}.state")),
            scope,
        });
    }
    out
}

fn resource_groups(raw: &RawSnapshot, ctx: &mut Ctx) -> Vec<ResourceGroup> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (path, rg) in ctx.items(&raw.resource_groups, "resourceGroups", "an object") {
        let Some(id) = ctx.req_text(&rg.id, &format!("{path}.id")) else {
            continue;
        };
        let Some(scope) = ctx.scope(&id, &format!("{path}.id"), &[ScopeKind::ResourceGroup]) else {
            continue;
        };
        if !seen.insert(scope.key().to_string()) {
            continue; // the same group from a get and a list response
        }
        out.push(ResourceGroup {
            name: ctx
                .opt_text(&rg.name, &format!("{path}.name"))
                .unwrap_or_else(|| scope.name().to_string()),
            location: ctx
                .opt_text(&rg.location, &format!("{path}.location"))
                .unwrap_or_default(),
            scope,
        });
    }
    out
}

fn vaults(raw: &RawSnapshot, ctx: &mut Ctx) -> Vec<Vault> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for (path, v) in ctx.items(&raw.vaults, "vaults", "an object") {
        let Some(id) = ctx.req_text(&v.id, &format!("{path}.id")) else {
            continue;
        };
        let Some(scope) = ctx.scope(&id, &format!("{path}.id"), &[ScopeKind::Vault]) else {
            continue;
        };
        let ppath = format!("{path}.properties");
        let Some(p) = ctx.opt(&v.properties, &ppath, "an object") else {
            if v.properties.wrong().is_none() {
                ctx.problem(
                    &ppath,
                    "missing: a vault without properties says nothing about its access",
                );
            }
            continue;
        };
        let access_policies =
            access_policies(&p.access_policies, &format!("{ppath}.accessPolicies"), ctx);
        let network = network_rules(p, &ppath, ctx);
        let vault = Vault {
            name: ctx
                .opt_text(&v.name, &format!("{path}.name"))
                .unwrap_or_else(|| scope.name().to_string()),
            location: ctx
                .opt_text(&v.location, &format!("{path}.location"))
                .unwrap_or_default(),
            tenant_id: ctx
                .opt_text(&p.tenant_id, &format!("{ppath}.tenantId"))
                .map(|t| t.to_ascii_lowercase()),
            vault_uri: ctx.opt_text(&p.vault_uri, &format!("{ppath}.vaultUri")),
            rbac_authorization: ctx
                .opt_bool(
                    &p.enable_rbac_authorization,
                    &format!("{ppath}.enableRbacAuthorization"),
                )
                .unwrap_or(false),
            access_policies,
            network,
            soft_delete: ctx
                .opt_bool(&p.enable_soft_delete, &format!("{ppath}.enableSoftDelete"))
                .unwrap_or(true),
            purge_protection: ctx
                .opt_bool(
                    &p.enable_purge_protection,
                    &format!("{ppath}.enablePurgeProtection"),
                )
                .unwrap_or(false),
            enabled_for_template_deployment: ctx
                .opt_bool(
                    &p.enabled_for_template_deployment,
                    &format!("{ppath}.enabledForTemplateDeployment"),
                )
                .unwrap_or(false),
            scope,
        };
        ctx.opt(
            &p.soft_delete_retention_in_days,
            &format!("{ppath}.softDeleteRetentionInDays"),
            "a number",
        );
        ctx.opt_bool(
            &p.enabled_for_deployment,
            &format!("{ppath}.enabledForDeployment"),
        );
        ctx.opt_bool(
            &p.enabled_for_disk_encryption,
            &format!("{ppath}.enabledForDiskEncryption"),
        );
        // The same vault returned by two calls (list by subscription and by resource group, or a create
        // response next to a get): one vault, so one row in every matrix and one set of findings.
        if let Some(first) = seen.get(vault.scope.key()) {
            ctx.warn(
                &format!("{path}.id"),
                format!("vault already listed at {first}; this entry is ignored"),
            );
            continue;
        }
        seen.insert(vault.scope.key().to_string(), path.clone());
        out.push(vault);
    }
    out
}

fn access_policies(list: &List<RawAccessPolicy>, path: &str, ctx: &mut Ctx) -> Vec<AccessPolicy> {
    let mut out = Vec::new();
    for (epath, e) in ctx.items(list, path, "an object") {
        let Some(object_id) = ctx.req_text(&e.object_id, &format!("{epath}.objectId")) else {
            continue;
        };
        let mut entry = AccessPolicy {
            tenant_id: ctx
                .opt_text(&e.tenant_id, &format!("{epath}.tenantId"))
                .map(|t| t.to_ascii_lowercase()),
            object_id: object_id.to_ascii_lowercase(),
            application_id: ctx
                .opt_text(&e.application_id, &format!("{epath}.applicationId"))
                .map(|a| a.to_ascii_lowercase()),
            ..AccessPolicy::default()
        };
        let ppath = format!("{epath}.permissions");
        match ctx.opt(&e.permissions, &ppath, "an object") {
            Some(p) => {
                for kind in PolicyKind::ALL {
                    let list = match kind {
                        PolicyKind::Keys => &p.keys,
                        PolicyKind::Secrets => &p.secrets,
                        PolicyKind::Certificates => &p.certificates,
                        PolicyKind::Storage => &p.storage,
                    };
                    let lpath = format!("{ppath}.{}", kind.as_str());
                    let names: Vec<String> = ctx
                        .strings(list, &lpath)
                        .into_iter()
                        .map(|s| s.to_ascii_lowercase())
                        .collect();
                    for (i, name) in names.iter().enumerate() {
                        if !crate::catalog::is_policy_permission(kind, name) {
                            ctx.warn(
                                &format!("{lpath}[{i}]"),
                                format!(
                                    "'{name}' is not a {} permission Key Vault knows",
                                    kind.as_str()
                                ),
                            );
                        }
                    }
                    match kind {
                        PolicyKind::Keys => entry.keys = names,
                        PolicyKind::Secrets => entry.secrets = names,
                        PolicyKind::Certificates => entry.certificates = names,
                        PolicyKind::Storage => entry.storage = names,
                    }
                }
            }
            None if e.permissions.wrong().is_none() => {
                ctx.warn(&ppath, "missing: this entry grants nothing")
            }
            None => {}
        }
        out.push(entry);
    }
    out
}

fn network_rules(p: &RawVaultProperties, ppath: &str, ctx: &mut Ctx) -> NetworkRules {
    let public_network_access = match ctx.opt_text(
        &p.public_network_access,
        &format!("{ppath}.publicNetworkAccess"),
    ) {
        None => PublicNetworkAccess::Enabled,
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "enabled" => PublicNetworkAccess::Enabled,
            "disabled" => PublicNetworkAccess::Disabled,
            "securedbyperimeter" => PublicNetworkAccess::SecuredByPerimeter,
            _ => {
                ctx.warn(
                    &format!("{ppath}.publicNetworkAccess"),
                    format!("unknown value '{v}'"),
                );
                PublicNetworkAccess::Other(v)
            }
        },
    };
    let apath = format!("{ppath}.networkAcls");
    let acls = ctx.opt(&p.network_acls, &apath, "an object").map(|a| {
        let default_deny = match ctx.opt_text(&a.default_action, &format!("{apath}.defaultAction"))
        {
            None => false,
            Some(d) if d.eq_ignore_ascii_case("allow") => false,
            Some(d) if d.eq_ignore_ascii_case("deny") => true,
            Some(d) => {
                ctx.warn(
                    &format!("{apath}.defaultAction"),
                    format!("unknown value '{d}', read as Deny"),
                );
                true
            }
        };
        let bypass_azure_services = ctx
            .opt_text(&a.bypass, &format!("{apath}.bypass"))
            .is_none_or(|b| b.to_ascii_lowercase().contains("azureservices"));
        let mut ip_rules = Vec::new();
        for (rpath, r) in ctx.items(&a.ip_rules, &format!("{apath}.ipRules"), "an object") {
            let text = ctx
                .opt_text(&r.value, &format!("{rpath}.value"))
                .unwrap_or_default();
            let net = parse_ip_rule(&text);
            if net.is_none() {
                ctx.warn(
                    &format!("{rpath}.value"),
                    format!("'{text}' is not an IPv4 address or CIDR range; it admits nothing"),
                );
            }
            ip_rules.push(vault::IpRule { text, net });
        }
        let mut subnets = Vec::new();
        for (rpath, r) in ctx.items(
            &a.virtual_network_rules,
            &format!("{apath}.virtualNetworkRules"),
            "an object",
        ) {
            match ctx.opt_text(&r.id, &format!("{rpath}.id")) {
                Some(id) => subnets.push(id.to_ascii_lowercase()),
                None => ctx.warn(&format!("{rpath}.id"), "empty subnet id; it admits nothing"),
            }
        }
        NetworkAcls {
            default_deny,
            bypass_azure_services,
            ip_rules,
            subnets,
        }
    });
    let mut private_endpoints = Vec::new();
    for (cpath, c) in ctx.items(
        &p.private_endpoint_connections,
        &format!("{ppath}.privateEndpointConnections"),
        "an object",
    ) {
        let props = ctx.opt(&c.properties, &format!("{cpath}.properties"), "an object");
        let endpoint = props
            .and_then(|p| {
                ctx.opt(
                    &p.private_endpoint,
                    &format!("{cpath}.properties.privateEndpoint"),
                    "an object",
                )
            })
            .and_then(|e| ctx.opt_text(&e.id, &format!("{cpath}.properties.privateEndpoint.id")));
        let status = props
            .and_then(|p| {
                ctx.opt(
                    &p.private_link_service_connection_state,
                    &format!("{cpath}.properties.privateLinkServiceConnectionState"),
                    "an object",
                )
            })
            .and_then(|s| {
                ctx.opt_text(
                    &s.status,
                    &format!("{cpath}.properties.privateLinkServiceConnectionState.status"),
                )
            });
        let id = endpoint
            .or_else(|| ctx.opt_text(&c.id, &format!("{cpath}.id")))
            .unwrap_or_default();
        private_endpoints.push(PrivateEndpoint {
            id,
            status: status.unwrap_or_else(|| "Unknown".into()),
        });
    }
    NetworkRules {
        public_network_access,
        acls,
        private_endpoints,
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

fn role_definitions(raw: &RawSnapshot, ctx: &mut Ctx) -> Vec<RoleDefinition> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (path, d) in ctx.items(&raw.role_definitions, "roleDefinitions", "an object") {
        let id = ctx.opt_text(&d.id, &format!("{path}.id"));
        let name = ctx.opt_text(&d.name, &format!("{path}.name"));
        let Some(id) = id.or(name) else {
            ctx.problem(&format!("{path}.id"), "missing (neither id nor name given)");
            continue;
        };
        let guid = trailing_guid(&id);
        if !seen.insert(guid.clone()) {
            continue; // the same definition listed at several scopes
        }
        let ppath = format!("{path}.properties");
        let Some(p) = ctx.opt(&d.properties, &ppath, "an object") else {
            if d.properties.wrong().is_none() {
                ctx.problem(&ppath, "missing");
            }
            continue;
        };
        out.push(RoleDefinition {
            role_name: ctx
                .opt_text(&p.role_name, &format!("{ppath}.roleName"))
                .unwrap_or_else(|| guid.clone()),
            built_in: ctx
                .opt_text(&p.role_type, &format!("{ppath}.type"))
                .is_some_and(|t| t.eq_ignore_ascii_case("BuiltInRole")),
            description: ctx
                .opt_text(&p.description, &format!("{ppath}.description"))
                .unwrap_or_default(),
            assignable_scopes: ctx
                .strings(&p.assignable_scopes, &format!("{ppath}.assignableScopes")),
            permissions: permissions(&p.permissions, &format!("{ppath}.permissions"), ctx),
            id,
            guid,
        });
    }
    out
}

fn permissions(list: &List<RawPermission>, path: &str, ctx: &mut Ctx) -> Vec<Permission> {
    let mut out = Vec::new();
    for (ppath, p) in ctx.items(list, path, "an object") {
        let mut patterns =
            |l: &List<String>, name: &str| -> Vec<crate::eval::pattern::ActionPattern> {
                ctx.strings(l, &format!("{ppath}.{name}"))
                    .iter()
                    .map(|s| crate::eval::pattern::ActionPattern::new(s))
                    .collect()
            };
        let actions = patterns(&p.actions, "actions");
        let not_actions = patterns(&p.not_actions, "notActions");
        let data_actions = patterns(&p.data_actions, "dataActions");
        let not_data_actions = patterns(&p.not_data_actions, "notDataActions");
        let condition = ctx.opt_text(&p.condition, &format!("{ppath}.condition"));
        ctx.opt_text(&p.condition_version, &format!("{ppath}.conditionVersion"));
        out.push(Permission {
            actions,
            not_actions,
            data_actions,
            not_data_actions,
            condition,
        });
    }
    out
}

/// The scope an assignment sits at, read from its id when `properties.scope` is absent.
fn scope_from_id(id: &str) -> Option<String> {
    let lower = id.to_ascii_lowercase();
    let at = lower.rfind("/providers/microsoft.authorization/")?;
    Some(if at == 0 {
        "/".to_string()
    } else {
        id[..at].to_string()
    })
}

fn role_assignments(
    list: &List<RawRoleAssignment>,
    section: &str,
    ctx: &mut Ctx,
) -> Vec<RoleAssignment> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (path, a) in ctx.items(list, section, "an object") {
        let id = ctx.opt_text(&a.id, &format!("{path}.id"));
        let ppath = format!("{path}.properties");
        let Some(p) = ctx.opt(&a.properties, &ppath, "an object") else {
            if a.properties.wrong().is_none() {
                ctx.problem(&ppath, "missing");
            }
            continue;
        };
        let scope_text = ctx
            .opt_text(&p.scope, &format!("{ppath}.scope"))
            .or_else(|| id.as_deref().and_then(scope_from_id));
        let role = ctx.req_text(&p.role_definition_id, &format!("{ppath}.roleDefinitionId"));
        let principal = ctx.req_text(&p.principal_id, &format!("{ppath}.principalId"));
        let Some(id) = id.or_else(|| ctx.opt_text(&a.name, &format!("{path}.name"))) else {
            ctx.problem(&format!("{path}.id"), "missing");
            continue;
        };
        let Some(scope_text) = scope_text else {
            ctx.problem(&format!("{ppath}.scope"), "missing");
            continue;
        };
        let scope = ctx.scope(&scope_text, &format!("{ppath}.scope"), &[]);
        let principal_id = principal.and_then(|p| ctx.guid(&p, &format!("{ppath}.principalId")));
        let (Some(scope), Some(role), Some(principal_id)) = (scope, role, principal_id) else {
            continue;
        };
        if !seen.insert(id.to_ascii_lowercase()) {
            continue; // listed again by another subscription's query: the same assignment
        }
        out.push(RoleAssignment {
            role_definition_guid: trailing_guid(&role),
            role_definition_id: role,
            principal_id,
            principal_type: ctx
                .opt_text(&p.principal_type, &format!("{ppath}.principalType"))
                .unwrap_or_default(),
            condition: ctx.opt_text(&p.condition, &format!("{ppath}.condition")),
            condition_version: ctx
                .opt_text(&p.condition_version, &format!("{ppath}.conditionVersion")),
            id,
            scope,
        });
    }
    out
}

fn deny_assignments(raw: &RawSnapshot, ctx: &mut Ctx) -> Vec<DenyAssignment> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (path, d) in ctx.items(&raw.deny_assignments, "denyAssignments", "an object") {
        let Some(id) = ctx.req_text(&d.id, &format!("{path}.id")) else {
            continue;
        };
        let ppath = format!("{path}.properties");
        let Some(p) = ctx.opt(&d.properties, &ppath, "an object") else {
            if d.properties.wrong().is_none() {
                ctx.problem(&ppath, "missing");
            }
            continue;
        };
        let Some(scope_text) = ctx
            .opt_text(&p.scope, &format!("{ppath}.scope"))
            .or_else(|| scope_from_id(&id))
        else {
            ctx.problem(&format!("{ppath}.scope"), "missing");
            continue;
        };
        let Some(scope) = ctx.scope(&scope_text, &format!("{ppath}.scope"), &[]) else {
            continue;
        };
        let principals = deny_principals(&p.principals, &format!("{ppath}.principals"), ctx);
        let exclude_principals = deny_principals(
            &p.exclude_principals,
            &format!("{ppath}.excludePrincipals"),
            ctx,
        );
        if principals.is_empty() {
            ctx.warn(
                &format!("{ppath}.principals"),
                "empty: this deny assignment applies to nobody",
            );
        }
        let effect = ctx.opt_text(
            &p.deny_assignment_effect,
            &format!("{ppath}.denyAssignmentEffect"),
        );
        if !seen.insert(id.to_ascii_lowercase()) {
            continue;
        }
        out.push(DenyAssignment {
            name: ctx
                .opt_text(
                    &p.deny_assignment_name,
                    &format!("{ppath}.denyAssignmentName"),
                )
                .or_else(|| ctx.opt_text(&d.name, &format!("{path}.name")))
                .unwrap_or_else(|| trailing_guid(&id)),
            do_not_apply_to_child_scopes: ctx
                .opt_bool(
                    &p.do_not_apply_to_child_scopes,
                    &format!("{ppath}.doNotApplyToChildScopes"),
                )
                .unwrap_or(false),
            permissions: permissions(&p.permissions, &format!("{ppath}.permissions"), ctx),
            is_system_protected: ctx
                .opt_bool(
                    &p.is_system_protected,
                    &format!("{ppath}.isSystemProtected"),
                )
                .unwrap_or(false),
            audit_only: effect.is_some_and(|e| e.eq_ignore_ascii_case("audit")),
            principals,
            exclude_principals,
            scope,
            id,
        });
    }
    out
}

fn deny_principals(list: &List<RawDenyPrincipal>, path: &str, ctx: &mut Ctx) -> Vec<String> {
    let mut out = Vec::new();
    for (ppath, p) in ctx.items(list, path, "an object") {
        ctx.opt_text(&p.kind, &format!("{ppath}.type"));
        if let Some(id) = ctx.req_text(&p.id, &format!("{ppath}.id")) {
            if uuid::Uuid::try_parse(&id).is_err() {
                ctx.warn(
                    &format!("{ppath}.id"),
                    format!("'{id}' is not a GUID; it can only match an object with that exact id"),
                );
            }
            out.push(id.to_ascii_lowercase());
        }
    }
    out
}

fn principal_kind(odata_type: Option<&str>, p: &RawPrincipal) -> PrincipalKind {
    let odata = odata_type.map(|t| t.trim_start_matches('#').to_ascii_lowercase());
    match odata.as_deref() {
        Some("microsoft.graph.user") => return PrincipalKind::User,
        Some("microsoft.graph.group") => return PrincipalKind::Group,
        Some("microsoft.graph.serviceprincipal") => {
            let mi = p
                .service_principal_type
                .get()
                .is_some_and(|t| t.eq_ignore_ascii_case("ManagedIdentity"));
            return if mi {
                PrincipalKind::ManagedIdentity
            } else {
                PrincipalKind::ServicePrincipal
            };
        }
        _ => {}
    }
    // `directoryObject` or no type at all: infer from the fields Graph returns for each kind.
    if p.service_principal_type
        .get()
        .is_some_and(|t| t.eq_ignore_ascii_case("ManagedIdentity"))
    {
        PrincipalKind::ManagedIdentity
    } else if p.app_id.get().is_some() || p.service_principal_type.get().is_some() {
        PrincipalKind::ServicePrincipal
    } else if p.user_principal_name.get().is_some() {
        PrincipalKind::User
    } else if p.security_enabled.get().is_some() || p.group_types.get().is_some() {
        PrincipalKind::Group
    } else {
        PrincipalKind::Unknown
    }
}

fn principals(raw: &RawSnapshot, ctx: &mut Ctx) -> Vec<Principal> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for (path, p) in ctx.items(&raw.principals, "principals", "an object") {
        let odata = ctx.opt_text(&p.odata_type, &format!("{path}.@odata.type"));
        let display_name = ctx.opt_text(&p.display_name, &format!("{path}.displayName"));
        let upn = ctx.opt_text(&p.user_principal_name, &format!("{path}.userPrincipalName"));
        let app_id = ctx
            .opt_text(&p.app_id, &format!("{path}.appId"))
            .map(|a| a.to_ascii_lowercase());
        ctx.opt_text(&p.mail, &format!("{path}.mail"));
        ctx.opt_text(
            &p.service_principal_type,
            &format!("{path}.servicePrincipalType"),
        );
        ctx.opt_bool(&p.security_enabled, &format!("{path}.securityEnabled"));
        let Some(id) = ctx.opt_text(&p.id, &format!("{path}.id")) else {
            if p.id.wrong().is_none() {
                ctx.warn(
                    &format!("{path}.id"),
                    "directory object without an id; skipped",
                );
            }
            continue;
        };
        let id = id.to_ascii_lowercase();
        if let Some(first) = seen.get(&id) {
            ctx.warn(
                &format!("{path}.id"),
                format!("id {id} already used by {first}; this entry is ignored"),
            );
            continue;
        }
        seen.insert(id.clone(), path.clone());
        let kind = principal_kind(odata.as_deref(), p);
        out.push(Principal {
            display_name: display_name
                .or_else(|| upn.clone())
                .unwrap_or_else(|| id.clone()),
            user_principal_name: upn,
            app_id,
            kind,
            id,
        });
    }
    out
}

fn group_memberships(raw: &RawSnapshot, ctx: &mut Ctx) -> Vec<GroupMembership> {
    let mut out = Vec::new();
    for (path, m) in ctx.items(&raw.group_memberships, "groupMemberships", "an object") {
        let group = ctx.req_text(&m.group_id, &format!("{path}.groupId"));
        let member = ctx.req_text(&m.member_id, &format!("{path}.memberId"));
        if let (Some(g), Some(m)) = (group, member) {
            out.push(GroupMembership {
                group_id: g.to_ascii_lowercase(),
                member_id: m.to_ascii_lowercase(),
            });
        }
    }
    out
}

fn vault_items(raw: &RawSnapshot, ctx: &mut Ctx) -> Vec<VaultItem> {
    let mut out = Vec::new();
    for (path, i) in ctx.items(&raw.vault_items, "vaultItems", "an object") {
        let vault = ctx.req_text(&i.vault_id, &format!("{path}.vaultId"));
        let kind_text = ctx.req_text(&i.kind, &format!("{path}.kind"));
        let name = ctx.req_text(&i.name, &format!("{path}.name"));
        let enabled = ctx.opt_bool(&i.enabled, &format!("{path}.enabled"));
        let expires = ctx.opt_text(&i.expires, &format!("{path}.expires"));
        let Some(vault) =
            vault.and_then(|v| ctx.scope(&v, &format!("{path}.vaultId"), &[ScopeKind::Vault]))
        else {
            continue;
        };
        let kind = kind_text.and_then(|k| {
            let kind = ItemKind::parse(&k);
            if kind.is_none() {
                ctx.problem(
                    &format!("{path}.kind"),
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
                &format!("{path}.name"),
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

fn collection_errors(raw: &RawSnapshot, ctx: &mut Ctx) -> Vec<CollectionError> {
    let mut out = Vec::new();
    for (path, e) in ctx.items(&raw.collection_errors, "collectionErrors", "an object") {
        let scope = ctx.req_text(&e.scope, &format!("{path}.scope"));
        let what = ctx.req_text(&e.what, &format!("{path}.what"));
        let status = ctx
            .opt(&e.status, &format!("{path}.status"), "a number")
            .copied();
        let message = ctx
            .opt_text(&e.message, &format!("{path}.message"))
            .unwrap_or_default();
        let (Some(scope), Some(what)) = (scope, what) else {
            continue;
        };
        let Some(scope) = ctx.scope(&scope, &format!("{path}.scope"), &[]) else {
            continue;
        };
        out.push(CollectionError {
            scope,
            what: what.to_ascii_lowercase(),
            status,
            message,
        });
    }
    out
}
