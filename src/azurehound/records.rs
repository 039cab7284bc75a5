//! AzureHound record kinds → kvaccess snapshot sections (the kinds and shapes of
//! `/work/shared/reference/attack-paths.md` §4, AzureHound's `enums/kind.go` and `models/`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::{NETWORK_NOT_COLLECTED, NOT_COLLECTED};

/// The sections being filled, record by record.
#[derive(Default)]
pub struct Sections {
    pub records: usize,
    tenant_id: Option<String>,
    /// Management group id (lower-cased) → (id, name, display name, parent id, subscription ids).
    management_groups: BTreeMap<String, ManagementGroup>,
    subscriptions: Vec<Value>,
    resource_groups: Vec<Value>,
    vaults: Vec<Value>,
    /// Role assignment id (lower-cased) → assignment: the same one arrives through several records.
    role_assignments: BTreeMap<String, Value>,
    principals: Vec<Value>,
    memberships: BTreeSet<(String, String)>,
    directory_roles: BTreeMap<String, Value>,
    directory_eligibilities: BTreeMap<String, Value>,
    identity_resources: Vec<Value>,
    applications: Option<Vec<Value>>,
    owners: Option<BTreeSet<(String, String)>>,
    app_role_assignments: Option<Vec<Value>>,
    skipped: BTreeMap<String, usize>,
}

#[derive(Default)]
struct ManagementGroup {
    id: String,
    name: String,
    display_name: Option<String>,
    parent: Option<String>,
    subscriptions: BTreeSet<String>,
}

/// ARM types of the compute records that run code as identities.
const COMPUTE: &[(&str, &str)] = &[
    ("AZVM", "Microsoft.Compute/virtualMachines"),
    ("AZVMScaleSet", "Microsoft.Compute/virtualMachineScaleSets"),
    ("AZWebApp", "Microsoft.Web/sites"),
    ("AZFunctionApp", "Microsoft.Web/sites"),
    ("AZLogicApp", "Microsoft.Logic/workflows"),
    (
        "AZAutomationAccount",
        "Microsoft.Automation/automationAccounts",
    ),
    (
        "AZContainerRegistry",
        "Microsoft.ContainerRegistry/registries",
    ),
    (
        "AZManagedCluster",
        "Microsoft.ContainerService/managedClusters",
    ),
];

fn text<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

impl Sections {
    pub fn add(&mut self, kind: &str, data: Value) {
        self.records += 1;
        if let Some(t) = text(&data, &["tenantId"]) {
            self.tenant_id.get_or_insert_with(|| lower(t));
        }
        match kind {
            "AZTenant" => {
                if let Some(t) = text(&data, &["tenantId"]) {
                    self.tenant_id = Some(lower(t));
                }
            }
            "AZManagementGroup" => self.management_group(&data),
            "AZManagementGroupDescendant" => self.descendant(&data),
            "AZSubscription" => self.subscriptions.push(json!({
                "id": text(&data, &["id"]), "subscriptionId": text(&data, &["subscriptionId"]).map(lower),
                "displayName": text(&data, &["displayName"]), "tenantId": text(&data, &["tenantId"]).map(lower),
                "state": text(&data, &["state"]),
            })),
            "AZResourceGroup" => self.resource_groups.push(json!({
                "id": text(&data, &["id"]), "name": text(&data, &["name"]), "location": text(&data, &["location"]),
            })),
            "AZKeyVault" => self.vault(data),
            "AZUser" => self.principal(data, "#microsoft.graph.user"),
            "AZGroup" => self.principal(data, "#microsoft.graph.group"),
            "AZServicePrincipal" => self.principal(data, "#microsoft.graph.servicePrincipal"),
            "AZGroupMember" => self.members(&data),
            "AZRoleAssignment" => directory_roles(&data, &mut self.directory_roles),
            "AZRoleEligibilityScheduleInstance" => {
                directory_roles(&data, &mut self.directory_eligibilities);
            }
            "AZApp" => self.applications.get_or_insert_with(Vec::new).push(json!({
                "id": text(&data, &["id"]).map(lower), "appId": text(&data, &["appId"]).map(lower),
                "displayName": text(&data, &["displayName"]),
            })),
            "AZGroupOwner" | "AZAppOwner" | "AZServicePrincipalOwner" => self.owners(&data),
            "AZAppRoleAssignment" => self.app_role_assignment(&data),
            "AZKeyVaultAccessPolicy" => {} // duplicates the vault record's (filtered) list: the vault wins
            k if COMPUTE.iter().any(|(c, _)| *c == k) => self.compute(k, data),
            k if k.ends_with("RoleAssignment")
                || k.ends_with("Owner")
                || k.ends_with("Contributor")
                || k.ends_with("UserAccessAdmin")
                || k.ends_with("KVContributor") =>
            {
                role_assignments(&data, &mut self.role_assignments);
            }
            other => *self.skipped.entry(other.to_string()).or_default() += 1,
        }
    }

    pub fn skipped_kinds(&self) -> Vec<(String, usize)> {
        self.skipped.iter().map(|(k, n)| (k.clone(), *n)).collect()
    }

    fn mg(&mut self, id: &str) -> &mut ManagementGroup {
        let slot = self.management_groups.entry(lower(id)).or_default();
        if slot.id.is_empty() {
            slot.id = id.to_string();
            slot.name = id.rsplit('/').next().unwrap_or(id).to_string();
        }
        slot
    }

    fn management_group(&mut self, data: &Value) {
        let Some(id) = text(data, &["id"]) else {
            return;
        };
        let display = text(data, &["properties", "displayName"]).map(str::to_string);
        let parent = text(data, &["properties", "details", "parent", "id"]).map(str::to_string);
        let mg = self.mg(id);
        mg.display_name = display.or(mg.display_name.take());
        if parent.is_some() {
            mg.parent = parent;
        }
    }

    /// One descendant of the tenant's root: a management group with its parent, or a subscription under
    /// its management group.
    fn descendant(&mut self, data: &Value) {
        let (Some(id), Some(parent)) = (
            text(data, &["id"]),
            text(data, &["properties", "parent", "id"]),
        ) else {
            return;
        };
        let is_subscription = text(data, &["type"])
            .is_some_and(|t| t.eq_ignore_ascii_case("/subscriptions"))
            || lower(id).starts_with("/subscriptions/");
        if is_subscription {
            let sub = lower(id.rsplit('/').next().unwrap_or(id));
            self.mg(parent).subscriptions.insert(sub);
        } else {
            let display = text(data, &["properties", "displayName"])
                .or(text(data, &["properties", "display_name"]))
                .map(str::to_string);
            let parent = parent.to_string();
            let mg = self.mg(id);
            mg.parent = Some(parent);
            mg.display_name = display.or(mg.display_name.take());
        }
    }

    fn vault(&mut self, mut data: Value) {
        role_assignments(&data, &mut self.role_assignments);
        let Some(obj) = data.as_object_mut() else {
            return;
        };
        for k in [
            "subscriptionId",
            "resourceGroup",
            "resourceGroupId",
            "tenantId",
        ] {
            obj.remove(k);
        }
        let props = obj
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(p) = props.as_object_mut() {
            p.entry("publicNetworkAccess")
                .or_insert_with(|| json!(NETWORK_NOT_COLLECTED));
        }
        self.vaults.push(data);
    }

    fn principal(&mut self, mut data: Value, odata: &str) {
        let Some(obj) = data.as_object_mut() else {
            return;
        };
        obj.insert("@odata.type".into(), json!(odata));
        for k in ["id", "appId"] {
            if let Some(v) = obj.get(k).and_then(Value::as_str).map(lower) {
                obj.insert(k.into(), json!(v));
            }
        }
        obj.remove("tenantName");
        self.principals.push(data);
    }

    fn members(&mut self, data: &Value) {
        let group = text(data, &["groupId"]).map(lower);
        for m in data
            .get("members")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let g = text(m, &["groupId"]).map(lower).or(group.clone());
            if let (Some(g), Some(member)) = (g, text(m, &["member", "id"])) {
                self.memberships.insert((g, lower(member)));
            }
        }
    }

    fn owners(&mut self, data: &Value) {
        let set = self.owners.get_or_insert_with(BTreeSet::new);
        let object = ["groupId", "appId", "servicePrincipalId"]
            .iter()
            .find_map(|k| text(data, &[k]))
            .map(lower);
        for o in data
            .get("owners")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(object), Some(owner)) = (object.clone(), text(o, &["owner", "id"])) {
                set.insert((object, lower(owner)));
            }
        }
    }

    fn app_role_assignment(&mut self, data: &Value) {
        let list = self.app_role_assignments.get_or_insert_with(Vec::new);
        if let (Some(p), Some(r), Some(a)) = (
            text(data, &["principalId"]),
            text(data, &["resourceId"]),
            text(data, &["appRoleId"]),
        ) {
            list.push(json!({
                "id": text(data, &["id"]), "principalId": lower(p), "resourceId": lower(r), "appRoleId": lower(a),
                "resourceDisplayName": text(data, &["resourceDisplayName"]),
            }));
        }
    }

    fn compute(&mut self, kind: &str, data: Value) {
        role_assignments(&data, &mut self.role_assignments);
        let arm_type = COMPUTE
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or("", |(_, t)| *t);
        let mut out = json!({
            "id": text(&data, &["id"]), "name": text(&data, &["name"]),
            "type": text(&data, &["type"]).unwrap_or(arm_type),
        });
        if let Some(identity) = data.get("identity") {
            out["identity"] = lower_ids(identity.clone());
        }
        if let Some(profile) = data.pointer("/properties/identityProfile") {
            out["properties"] = json!({ "identityProfile": lower_ids(profile.clone()) });
        }
        if out["id"].is_string() {
            self.identity_resources.push(out);
        }
    }

    /// The snapshot document: every section AzureHound fills, the ones it cannot fill said to be so.
    pub fn into_snapshot(self) -> Value {
        let management_groups: Vec<Value> = self
            .management_groups
            .into_values()
            .map(|g| {
                json!({
                    "id": g.id, "name": g.name, "displayName": g.display_name,
                    "parentId": g.parent, "subscriptionIds": g.subscriptions,
                })
            })
            .collect();
        let memberships: Vec<Value> = self
            .memberships
            .into_iter()
            .map(|(g, m)| json!({ "groupId": g, "memberId": m }))
            .collect();
        let mut doc = json!({
            "kvaccessSnapshot": 1,
            "tenantId": self.tenant_id,
            "managementGroups": management_groups,
            "subscriptions": self.subscriptions,
            "resourceGroups": self.resource_groups,
            "vaults": self.vaults,
            "roleDefinitions": [],
            "roleAssignments": self.role_assignments.into_values().collect::<Vec<_>>(),
            "denyAssignments": [],
            "principals": self.principals,
            "groupMemberships": memberships,
            "collectionErrors": [],
            "identityResources": self.identity_resources,
            "directoryRoleAssignments": self.directory_roles.into_values().collect::<Vec<_>>(),
            "directoryRoleEligibilities": self.directory_eligibilities.into_values().collect::<Vec<_>>(),
            "assumptions": NOT_COLLECTED,
        });
        if let Some(apps) = self.applications {
            doc["applications"] = json!(apps);
        }
        if let Some(owners) = self.owners {
            doc["owners"] = owners
                .into_iter()
                .map(|(o, w)| json!({ "objectId": o, "ownerId": w }))
                .collect();
        }
        if let Some(a) = self.app_role_assignments {
            doc["appRoleAssignments"] = json!(a);
        }
        doc
    }
}

/// Lower-cases `principalId`/`objectId` values (AzureHound upper-cases them).
fn lower_ids(mut v: Value) -> Value {
    match &mut v {
        Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                if matches!(k.as_str(), "principalId" | "objectId" | "clientId")
                    && let Some(s) = x.as_str()
                {
                    *x = json!(lower(s));
                } else {
                    *x = lower_ids(x.take());
                }
            }
        }
        Value::Array(list) => {
            for x in list.iter_mut() {
                *x = lower_ids(x.take());
            }
        }
        _ => {}
    }
    v
}

/// Every ARM role assignment (`{id, properties{principalId, roleDefinitionId, scope}}`) inside `data`,
/// placed by its own `properties.scope` (ARM lists assignments above and below a resource together), each
/// once by id.
fn role_assignments(data: &Value, out: &mut BTreeMap<String, Value>) {
    match data {
        Value::Object(map) => {
            if let (Some(id), Some(props)) =
                (map.get("id").and_then(Value::as_str), map.get("properties"))
                && text(props, &["roleDefinitionId"]).is_some()
                && let Some(principal) = text(props, &["principalId"])
            {
                let scope = text(props, &["scope"]).map(str::to_string).or_else(|| {
                    let l = lower(id);
                    l.find("/providers/microsoft.authorization/roleassignments/")
                        .map(|at| id[..at].to_string())
                });
                out.entry(lower(id)).or_insert_with(|| {
                    json!({
                        "id": id, "name": map.get("name"),
                        "properties": {
                            "scope": scope.unwrap_or_else(|| "/".into()), "principalId": lower(principal),
                            "roleDefinitionId": text(props, &["roleDefinitionId"]),
                        }
                    })
                });
                return;
            }
            for v in map.values() {
                role_assignments(v, out);
            }
        }
        Value::Array(list) => {
            for v in list {
                role_assignments(v, out);
            }
        }
        _ => {}
    }
}

/// Every Entra `unifiedRoleAssignment` or eligibility instance inside `data`, each once by id.
fn directory_roles(data: &Value, out: &mut BTreeMap<String, Value>) {
    match data {
        Value::Object(map) => {
            if let (Some(p), Some(r)) = (
                map.get("principalId").and_then(Value::as_str),
                map.get("roleDefinitionId").and_then(Value::as_str),
            ) && map.contains_key("directoryScopeId")
            {
                let id = map.get("id").and_then(Value::as_str).unwrap_or_default();
                let scope = map
                    .get("directoryScopeId")
                    .and_then(Value::as_str)
                    .unwrap_or("/");
                out.entry(format!(
                    "{}|{}|{}|{}",
                    lower(id),
                    lower(p),
                    lower(r),
                    lower(scope)
                ))
                .or_insert_with(|| {
                    json!({
                        "id": id, "principalId": lower(p), "roleDefinitionId": lower(r),
                        "directoryScopeId": scope,
                    })
                });
                return;
            }
            for v in map.values() {
                directory_roles(v, out);
            }
        }
        Value::Array(list) => {
            for v in list {
                directory_roles(v, out);
            }
        }
        _ => {}
    }
}
