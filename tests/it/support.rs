//! A mock Azure (ARM, Microsoft Graph and the Key Vault data plane) on 127.0.0.1, serving Microsoft's own
//! example response shapes (`tests/fixtures/azure/`), with pagination, injected latency and injected faults.
//! Shared by `tests/fetcher.rs` and the `fetch` benchmark.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::field_reassign_with_default
)]

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use kvaccess::fetch::CloudConfig;

pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/azure/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The 200 body of an azure-rest-api-specs example file.
pub fn example(name: &str) -> Value {
    fixture(name)["responses"]["200"]["body"].clone()
}

pub const SUB_A: &str = "291bba3f-e0a5-47bc-a099-3bdcb2a50a05";
pub const SUB_B: &str = "72ac930a-f34e-42d8-b06d-dc2a9e12ed71";
pub const MG: &str = "20000000-0001-0000-0000-000000000000";
pub const ALICE: &str = "a11ce000-0000-4000-8000-000000000001";
pub const BOB: &str = "b0b00000-0000-4000-8000-000000000002";
/// The member Microsoft's group-members example shows (id and mail only, no `@odata.type`).
pub const CAROL: &str = "11111111-2222-3333-4444-555555555555";
pub const DAVE: &str = "da7e0000-0000-4000-8000-000000000004";
pub const SECOPS: &str = "5ec0c500-0000-4000-8000-0000000000a1";
pub const ONCALL: &str = "0ca11000-0000-4000-8000-0000000000a2";
/// Microsoft's getByIds example: two users sharing this id.
pub const TREVOR: &str = "84b80893-8749-40a3-97b7-68513b600544";
/// The user of Microsoft's role-assignment examples.
pub const EXAMPLE_USER: &str = "ce2ce14e-85d7-4629-bdbc-454d0519d987";
/// The user of Microsoft's PIM example.
pub const PIM_USER: &str = "a3bb8764-cb92-4276-9d2a-ca1e895e55ea";

pub const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
pub const KV_ADMIN: &str = "00482a5a-887f-4fb3-b363-3b7fe8e74483";
pub const KV_READER: &str = "21090545-7ca7-4776-b22c-e363652d74d2";
pub const SECRETS_USER: &str = "4633458b-17de-408a-b874-0445c86b69e6";

pub fn vault_id(sub: &str, name: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/{name}")
}

pub fn mg_id(name: &str) -> String {
    format!("/providers/Microsoft.Management/managementGroups/{name}")
}

#[derive(Debug, Default, Clone)]
pub struct SubData {
    pub resource_groups: Vec<Value>,
    pub vaults: Vec<Value>,
    pub role_definitions: Vec<Value>,
    pub role_assignments: Vec<Value>,
    pub deny_assignments: Vec<Value>,
    pub eligibilities: Vec<Value>,
    /// Network Security Perimeters, each with its `profiles` (each with `accessRules`) and
    /// `resourceAssociations` inside, as the snapshot holds them; the mock serves them as ARM's lists.
    pub perimeters: Vec<Value>,
    /// ARM resources with identities, as the generic resource list returns them.
    pub resources: Vec<Value>,
    /// User-assigned identities, as `userAssignedIdentities` lists them.
    pub identities: Vec<Value>,
    /// AKS clusters with their properties, as `managedClusters` lists them.
    pub clusters: Vec<Value>,
    /// User-assigned identity name (lower-cased) → its federated identity credentials.
    pub federated: HashMap<String, Vec<Value>>,
}

/// The tenant the mock serves.
#[derive(Debug, Default, Clone)]
pub struct Tenant {
    pub subscriptions: Vec<Value>,
    pub subs: HashMap<String, SubData>,
    /// Management groups as `GET …/managementGroups/{name}?$expand=children` returns them.
    pub management_groups: Vec<Value>,
    /// Graph directory objects (ids may repeat, as in Microsoft's example).
    pub directory: Vec<Value>,
    /// Group id → member objects.
    pub members: HashMap<String, Vec<Value>>,
    /// Vault name → kind → list items.
    pub items: HashMap<String, HashMap<String, Vec<Value>>>,
    /// Vaults whose data plane refuses every caller (firewall).
    pub firewalled: HashSet<String>,
    /// Graph `roleManagement/directory/roleAssignments` and `roleEligibilitySchedules`.
    pub directory_roles: Vec<Value>,
    pub directory_eligibilities: Vec<Value>,
    /// Assignments of Microsoft Graph's app roles (`appRoleAssignedTo` of Graph's service principal).
    pub graph_app_roles: Vec<Value>,
    /// Applications, each with its `federatedIdentityCredentials` inside (served as a list of its own).
    pub applications: Vec<Value>,
    /// Object id → owner objects (any id not here has no owners).
    pub owners: HashMap<String, Vec<Value>>,
}

/// The object id the mock gives Microsoft Graph's own service principal.
pub const GRAPH_SP: &str = "9a3c0000-0000-4000-8000-00000000a001";

/// A role assignment in the shape of `RoleAssignments_ListForSubscription`.
pub fn assignment(
    scope: &str,
    role: &str,
    principal: &str,
    principal_type: &str,
    name: &str,
) -> Value {
    let mut a = example("RoleAssignments_ListForSubscription.json")["value"][0].clone();
    a["name"] = json!(name);
    a["id"] = json!(format!(
        "{}/providers/Microsoft.Authorization/roleAssignments/{name}",
        if scope == "/" { "" } else { scope }
    ));
    a["properties"]["scope"] = json!(scope);
    a["properties"]["roleDefinitionId"] = json!(format!(
        "/providers/Microsoft.Authorization/roleDefinitions/{role}"
    ));
    a["properties"]["principalId"] = json!(principal);
    a["properties"]["principalType"] = json!(principal_type);
    a
}

/// `v` without the keys `drop` (a child collection ARM lists on its own).
fn without(v: &Value, drop: &[&str]) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        for k in drop {
            o.remove(*k);
        }
    }
    v
}

fn rewrite_subscription(v: &Value, from: &str, to: &str) -> Value {
    serde_json::from_str(&v.to_string().replace(from, to)).unwrap()
}

pub fn user(id: &str, name: &str) -> Value {
    json!({ "@odata.type": "#microsoft.graph.user", "id": id, "displayName": name,
            "userPrincipalName": format!("{}@contoso.com", name.to_ascii_lowercase()) })
}

pub fn group(id: &str, name: &str) -> Value {
    json!({ "@odata.type": "#microsoft.graph.group", "id": id, "displayName": name, "securityEnabled": true, "groupTypes": [] })
}

/// A vault in the shape of `Vaults_ListBySubscription`, with its id, name and vault URI rewritten.
pub fn vault(template: &Value, sub: &str, name: &str, uri: &str) -> Value {
    let mut v = template.clone();
    v["id"] = json!(vault_id(sub, name));
    v["name"] = json!(name);
    v["properties"]["vaultUri"] = json!(uri);
    v
}

impl Tenant {
    /// A small tenant assembled from Microsoft's examples: two subscriptions (`GetSubscriptions.json`), a
    /// management group (`GetManagementGroupWithExpand.json`), three vaults (list, get and create examples),
    /// the built-in roles, the assignment, deny-assignment and PIM examples, and Graph's getByIds and
    /// members examples, plus a few assignments that make verdicts to check.
    pub fn realistic(base: &str) -> Self {
        let mut t = Tenant::default();
        t.subscriptions = example("GetSubscriptions.json")["value"]
            .as_array()
            .unwrap()
            .clone();

        let mut mg = example("GetManagementGroupWithExpand.json");
        for sub in [SUB_A, SUB_B] {
            mg["properties"]["children"]
                .as_array_mut()
                .unwrap()
                .push(json!({ "id": format!("/subscriptions/{sub}"), "type": "/subscriptions", "name": sub, "displayName": sub }));
        }
        t.management_groups.push(mg);

        let builtins = fixture("builtin-roles.json").as_array().unwrap().clone();
        let mg_reader = assignment(
            &mg_id(MG),
            KV_READER,
            ALICE,
            "User",
            "6a1e0000-0000-4000-8000-00000000aaaa",
        );

        // Subscription A: three vaults, grants to check.
        let rg = example("ResourceGroups_Get.json");
        let mut rg_a = rewrite_subscription(
            &rg,
            "00000000-0000-0000-0000-000000000000/resourceGroups/my-resource-group",
            &format!("{SUB_A}/resourceGroups/rg-kv"),
        );
        rg_a["name"] = json!("rg-kv");
        let listed = example("listVaultBySubscription.json")["value"][0].clone();
        let mut kv_policies = vault(
            &listed,
            SUB_A,
            "kv-policies",
            &format!("{base}/kv/kv-policies/"),
        );
        kv_policies["properties"]["accessPolicies"][0]["objectId"] = json!(ALICE);
        let mut kv_rbac = vault(
            &example("getVault.json"),
            SUB_A,
            "kv-rbac",
            &format!("{base}/kv/kv-rbac"),
        );
        kv_rbac["properties"]["enableRbacAuthorization"] = json!(true);
        kv_rbac["properties"]["accessPolicies"] = json!([]);
        let kv_firewall = vault(
            &example("createVault.json"),
            SUB_A,
            "kv-firewall",
            &format!("{base}/kv/kv-firewall/"),
        );
        let mut a_roles = builtins.clone();
        a_roles.extend(
            example("GetRoleDefinitionAtScope.json")["value"]
                .as_array()
                .unwrap()
                .clone(),
        );
        let mut example_ra =
            example("RoleAssignments_ListForSubscription.json")["value"][0].clone();
        example_ra =
            rewrite_subscription(&example_ra, "a925f2f7-5c63-4b7b-8799-25a5f97bc3b2", SUB_A);
        let a_scope = format!("/subscriptions/{SUB_A}");
        let pim = rewrite_subscription(
            &example("GetRoleEligibilityScheduleInstancesByScope.json")["value"][0],
            "dfa2a084-766f-4003-8ae1-c4aeb893a99f",
            SUB_A,
        );
        t.subs.insert(
            SUB_A.into(),
            SubData {
                resource_groups: vec![rg_a],
                vaults: vec![kv_policies, kv_rbac, kv_firewall],
                role_definitions: a_roles,
                role_assignments: vec![
                    example_ra,
                    assignment(
                        &vault_id(SUB_A, "kv-rbac"),
                        SECRETS_USER,
                        BOB,
                        "User",
                        "b0b0a551-0000-4000-8000-000000000001",
                    ),
                    assignment(
                        &a_scope,
                        KV_ADMIN,
                        SECOPS,
                        "Group",
                        "5ec0a551-0000-4000-8000-000000000002",
                    ),
                    assignment(
                        &a_scope,
                        READER,
                        ALICE,
                        "User",
                        "a11ca551-0000-4000-8000-000000000003",
                    ),
                    mg_reader.clone(),
                ],
                deny_assignments: example("GetAllDenyAssignments.json")["value"]
                    .as_array()
                    .unwrap()
                    .clone(),
                eligibilities: vec![pim],
                ..Default::default()
            },
        );

        // Subscription B: no vaults; Microsoft's resource-group assignment example and Trevor as Reader.
        let mut rg_b = rewrite_subscription(
            &rg,
            "00000000-0000-0000-0000-000000000000/resourceGroups/my-resource-group",
            &format!("{SUB_B}/resourceGroups/testrg"),
        );
        rg_b["name"] = json!("testrg");
        let mut b_ras: Vec<Value> = rewrite_subscription(
            &example("RoleAssignments_ListForResourceGroup.json")["value"],
            "a925f2f7-5c63-4b7b-8799-25a5f97bc3b2",
            SUB_B,
        )
        .as_array()
        .unwrap()
        .clone();
        b_ras.push(assignment(
            &format!("/subscriptions/{SUB_B}"),
            READER,
            TREVOR,
            "User",
            "7e7e0000-0000-4000-8000-000000000005",
        ));
        b_ras.push(mg_reader);
        t.subs.insert(
            SUB_B.into(),
            SubData {
                resource_groups: vec![rg_b],
                role_definitions: builtins,
                role_assignments: b_ras,
                ..SubData::default()
            },
        );

        // Directory: Microsoft's getByIds example (two users with one id) and the principals named above.
        t.directory = fixture("graph-getByIds.json")["value"]
            .as_array()
            .unwrap()
            .clone();
        t.directory.extend([
            user(ALICE, "Alice"),
            user(BOB, "Bob"),
            user(EXAMPLE_USER, "Example"),
            user(PIM_USER, "Pat"),
            group(SECOPS, "SecOps"),
        ]);
        let mut members = fixture("graph-group-members.json")["value"]
            .as_array()
            .unwrap()
            .clone();
        members.push(group(ONCALL, "On-call"));
        t.members.insert(SECOPS.into(), members);
        t.members.insert(ONCALL.into(), vec![user(DAVE, "Dave")]);

        // Data plane (with a `value` the fetcher must never keep, though list calls never return one).
        let item = |vault: &str, kind: &str, name: &str, key: &str| {
            json!({ key: format!("{base}/kv/{vault}/{kind}/{name}"), "contentType": "text/plain",
                    "value": "MUST-NOT-BE-STORED", "attributes": { "enabled": true, "exp": 1798761600, "created": 1, "updated": 2 } })
        };
        t.items.insert(
            "kv-policies".into(),
            HashMap::from([
                (
                    "secrets".to_string(),
                    vec![item("kv-policies", "secrets", "db-password", "id")],
                ),
                (
                    "keys".to_string(),
                    vec![item("kv-policies", "keys", "wrapping-key", "kid")],
                ),
            ]),
        );
        t.items.insert(
            "kv-rbac".into(),
            HashMap::from([(
                "secrets".to_string(),
                vec![
                    item("kv-rbac", "secrets", "api-key", "id"),
                    item("kv-rbac", "secrets", "other", "id"),
                ],
            )]),
        );
        t.firewalled.insert("kv-firewall".into());
        t
    }

    /// A synthetic tenant for the benchmark: `subs` subscriptions × `vaults` vaults, 200 users, 10 groups
    /// (one nested), five assignments per subscription plus one inherited from the management group.
    pub fn synthetic(base: &str, subs: usize, vaults: usize) -> Self {
        let mut t = Tenant::default();
        let template_sub = example("GetSubscriptions.json")["value"][0].clone();
        let listed = example("listVaultBySubscription.json")["value"][0].clone();
        let builtins = fixture("builtin-roles.json").as_array().unwrap().clone();
        let uid = |i: usize| format!("{i:08x}-0000-4000-8000-00000000beef");
        let gid = |i: usize| format!("{i:08x}-0000-4000-8000-0000000060a7");
        let sid = |i: usize| format!("{i:08x}-5b5b-4000-8000-000000000000");
        let mut mg = example("GetManagementGroupWithExpand.json");
        mg["properties"]["children"] = json!([]);
        let inherited = assignment(
            &mg_id(MG),
            KV_READER,
            &gid(0),
            "Group",
            "6a1e0000-0000-4000-8000-0000000bbbbb",
        );
        for s in 0..subs {
            let id = sid(s);
            let mut sub = template_sub.clone();
            sub["id"] = json!(format!("/subscriptions/{id}"));
            sub["subscriptionId"] = json!(id);
            sub["displayName"] = json!(format!("sub-{s}"));
            t.subscriptions.push(sub);
            mg["properties"]["children"]
                .as_array_mut()
                .unwrap()
                .push(json!({ "id": format!("/subscriptions/{id}"), "type": "/subscriptions", "name": id }));
            let mut data = SubData {
                resource_groups: vec![
                    json!({ "id": format!("/subscriptions/{id}/resourceGroups/rg-kv"), "name": "rg-kv",
                                              "type": "Microsoft.Resources/resourceGroups", "location": "westeurope",
                                              "properties": { "provisioningState": "Succeeded" } }),
                ],
                role_definitions: builtins.clone(),
                ..SubData::default()
            };
            for v in 0..vaults {
                let name = format!("kv-{s}-{v}");
                let mut vault = vault(&listed, &id, &name, &format!("{base}/kv/{name}/"));
                vault["properties"]["accessPolicies"][0]["objectId"] =
                    json!(uid((s * vaults + v) % 200));
                data.vaults.push(vault);
                t.items.insert(
                    name.clone(),
                    HashMap::from([
                        ("secrets".to_string(), vec![
                            json!({ "id": format!("{base}/kv/{name}/secrets/s1"), "attributes": { "enabled": true } }),
                            json!({ "id": format!("{base}/kv/{name}/secrets/s2"), "attributes": { "enabled": false } }),
                        ]),
                        ("keys".to_string(), vec![json!({ "kid": format!("{base}/kv/{name}/keys/k1"), "attributes": { "enabled": true } })]),
                    ]),
                );
            }
            let scope = format!("/subscriptions/{id}");
            for a in 0..5 {
                let (principal, kind) = if a == 0 {
                    (gid(s % 10), "Group")
                } else {
                    (uid((s * 5 + a) % 200), "User")
                };
                let role = [KV_ADMIN, READER, SECRETS_USER, KV_READER, READER][a];
                data.role_assignments.push(assignment(
                    &scope,
                    role,
                    &principal,
                    kind,
                    &format!("{s:08x}-{a:04x}-4000-8000-000000000000"),
                ));
            }
            data.role_assignments.push(inherited.clone());
            t.subs.insert(id, data);
        }
        t.management_groups.push(mg);
        for i in 0..200 {
            t.directory.push(user(&uid(i), &format!("user{i}")));
        }
        for g in 0..10 {
            t.directory.push(group(&gid(g), &format!("group{g}")));
            let mut members: Vec<Value> = (0..10)
                .map(|m| user(&uid(g * 10 + m), &format!("user{}", g * 10 + m)))
                .collect();
            if g == 0 {
                members.push(group(&gid(9), "group9"));
            }
            t.members.insert(gid(g), members);
        }
        t
    }
}

/// An injected fault: the next `times` requests whose method and path+query match get this answer.
pub struct Fault {
    pub method: Option<&'static str>,
    pub pattern: String,
    pub times: usize,
    pub respond: Box<dyn Fn(&Request) -> ResponseTemplate + Send + Sync>,
}

pub struct MockAzure {
    pub base: String,
    pub tenant: Mutex<Tenant>,
    faults: Mutex<Vec<Fault>>,
    pub latency: Mutex<Duration>,
    pub page_size: Mutex<Option<usize>>,
    /// Extra response headers for every ARM answer (e.g. rate-limit counters).
    pub arm_headers: Mutex<Vec<(String, String)>>,
    in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
}

struct Responder(Arc<MockAzure>);

impl Respond for Responder {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let m = &self.0;
        let now = m.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        m.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let out = m.fault(r).unwrap_or_else(|| {
            let latency = *m.latency.lock().unwrap();
            m.route(r).set_delay(latency)
        });
        m.in_flight.fetch_sub(1, Ordering::SeqCst);
        out
    }
}

pub fn arm_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({ "error": { "code": code, "message": message } }))
}

impl MockAzure {
    fn fault(&self, r: &Request) -> Option<ResponseTemplate> {
        let target =
            format!("{}?{}", r.url.path(), r.url.query().unwrap_or("")).to_ascii_lowercase();
        let mut faults = self.faults.lock().unwrap();
        for f in faults.iter_mut() {
            if f.times == 0
                || f.method
                    .is_some_and(|m| !r.method.as_str().eq_ignore_ascii_case(m))
            {
                continue;
            }
            if target.contains(&f.pattern.to_ascii_lowercase()) {
                if f.times != usize::MAX {
                    f.times -= 1;
                }
                return Some((f.respond)(r));
            }
        }
        None
    }

    /// One page of `items`, with a next link (under `link_key`) when more remain.
    fn page(&self, items: &[Value], r: &Request, link_key: &str) -> ResponseTemplate {
        let size = *self.page_size.lock().unwrap();
        let offset: usize = r
            .url
            .query_pairs()
            .find(|(k, _)| k == "$skiptoken")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        // Serialized straight from the tenant's values: building a `json!` page would copy them first.
        let body = |value: &[Value], next: Option<(&str, String)>| {
            let mut out = Vec::with_capacity(4096);
            out.extend_from_slice(b"{\"value\":");
            serde_json::to_writer(&mut out, value).unwrap();
            if let Some((key, link)) = next {
                out.push(b',');
                serde_json::to_writer(&mut out, key).unwrap();
                out.push(b':');
                serde_json::to_writer(&mut out, &link).unwrap();
            }
            out.push(b'}');
            ResponseTemplate::new(200).set_body_raw(out, "application/json")
        };
        let Some(size) = size else {
            return body(items, None);
        };
        let end = (offset + size).min(items.len());
        let page = items.get(offset..end).unwrap_or(&[]);
        if end >= items.len() {
            return body(page, None);
        }
        // wiremock reports the URL as http://localhost/…: rebuild it on the server's real address.
        let mut next = reqwest::Url::parse(&format!("{}{}", self.base, r.url.path())).unwrap();
        let pairs: Vec<(String, String)> = r
            .url
            .query_pairs()
            .filter(|(k, _)| k != "$skiptoken")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        next.query_pairs_mut()
            .clear()
            .extend_pairs(pairs)
            .append_pair("$skiptoken", &end.to_string());
        body(page, Some((link_key, next.to_string())))
    }

    fn route(&self, r: &Request) -> ResponseTemplate {
        let path = r.url.path().to_string();
        let lower = path.to_ascii_lowercase();
        let segs: Vec<&str> = lower.split('/').filter(|s| !s.is_empty()).collect();
        let tenant = self.tenant.lock().unwrap();
        let mut resp = match segs.as_slice() {
            ["arm", rest @ ..] => self.arm(&tenant, rest, r),
            ["graph", "v1.0", rest @ ..] => self.graph(&tenant, rest, r),
            ["kv", vault, kind] => {
                if tenant.firewalled.contains(*vault) {
                    return ResponseTemplate::new(403).set_body_json(json!({ "error": {
                        "code": "Forbidden", "message": "Client address is not authorized and caller is not a trusted service.",
                        "innererror": { "code": "ForbiddenByFirewall" } } }));
                }
                let items = tenant
                    .items
                    .get(*vault)
                    .and_then(|k| k.get(*kind))
                    .cloned()
                    .unwrap_or_default();
                self.page(&items, r, "nextLink")
            }
            _ => arm_error(404, "NotFound", &format!("no route for {path}")),
        };
        if segs.first() == Some(&"arm") {
            for (k, v) in self.arm_headers.lock().unwrap().iter() {
                resp = resp.insert_header(k.as_str(), v.as_str());
            }
        }
        resp
    }

    fn arm(&self, t: &Tenant, segs: &[&str], r: &Request) -> ResponseTemplate {
        let sub = |s: &str| t.subs.get(s);
        match segs {
            ["subscriptions"] => self.page(&t.subscriptions, r, "nextLink"),
            ["subscriptions", s] => match t.subscriptions.iter().find(|x| {
                x["subscriptionId"]
                    .as_str()
                    .is_some_and(|i| i.eq_ignore_ascii_case(s))
            }) {
                Some(x) => ResponseTemplate::new(200).set_body_json(x),
                None => arm_error(
                    404,
                    "SubscriptionNotFound",
                    &format!("The subscription '{s}' could not be found."),
                ),
            },
            ["subscriptions", s, rest @ ..] => {
                let Some(d) = sub(s) else {
                    return arm_error(
                        404,
                        "SubscriptionNotFound",
                        &format!("The subscription '{s}' could not be found."),
                    );
                };
                match rest {
                    ["resourcegroups"] => self.page(&d.resource_groups, r, "nextLink"),
                    ["providers", "microsoft.keyvault", "vaults"] => {
                        self.page(&d.vaults, r, "nextLink")
                    }
                    // Generic resource list (where the vault list's nextLink may lead): no properties.
                    ["resources"] => {
                        let mut generic: Vec<Value> = d
                            .vaults
                            .iter()
                            .map(|v| json!({ "id": v["id"], "name": v["name"], "type": v["type"], "location": v["location"], "tags": {} }))
                            .collect();
                        generic.extend(d.resources.iter().cloned());
                        self.page(&generic, r, "nextLink")
                    }
                    [
                        "providers",
                        "microsoft.managedidentity",
                        "userassignedidentities",
                    ] => self.page(&d.identities, r, "nextLink"),
                    ["providers", "microsoft.containerservice", "managedclusters"] => {
                        self.page(&d.clusters, r, "nextLink")
                    }
                    [
                        "resourcegroups",
                        _,
                        "providers",
                        "microsoft.managedidentity",
                        "userassignedidentities",
                        name,
                        "federatedidentitycredentials",
                    ] => {
                        let list = d.federated.get(*name).cloned().unwrap_or_default();
                        self.page(&list, r, "nextLink")
                    }
                    [
                        "resourcegroups",
                        _,
                        "providers",
                        "microsoft.keyvault",
                        "vaults",
                        name,
                    ] => {
                        match d.vaults.iter().find(|v| {
                            v["name"]
                                .as_str()
                                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                        }) {
                            Some(v) => ResponseTemplate::new(200).set_body_json(v),
                            None => {
                                arm_error(404, "ResourceNotFound", "The Resource was not found.")
                            }
                        }
                    }
                    ["providers", "microsoft.authorization", kind] => {
                        let items = match *kind {
                            "roledefinitions" => &d.role_definitions,
                            "roleassignments" => &d.role_assignments,
                            "denyassignments" => &d.deny_assignments,
                            "roleeligibilityscheduleinstances" => &d.eligibilities,
                            _ => {
                                return arm_error(404, "NoRegisteredProviderFound", "unknown type");
                            }
                        };
                        self.page(items, r, "nextLink")
                    }
                    [
                        "providers",
                        "microsoft.network",
                        "networksecurityperimeters",
                    ] => {
                        let list: Vec<Value> = d
                            .perimeters
                            .iter()
                            .map(|p| without(p, &["profiles", "resourceAssociations"]))
                            .collect();
                        self.page(&list, r, "nextLink")
                    }
                    [
                        "resourcegroups",
                        _,
                        "providers",
                        "microsoft.network",
                        "networksecurityperimeters",
                        name,
                        tail @ ..,
                    ] => {
                        let Some(p) = d.perimeters.iter().find(|p| {
                            p["name"]
                                .as_str()
                                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                        }) else {
                            return arm_error(404, "ResourceNotFound", "no such perimeter");
                        };
                        let profiles = p["profiles"].as_array().cloned().unwrap_or_default();
                        match tail {
                            ["profiles"] => {
                                let list: Vec<Value> = profiles
                                    .iter()
                                    .map(|x| without(x, &["accessRules"]))
                                    .collect();
                                self.page(&list, r, "nextLink")
                            }
                            ["profiles", profile, "accessrules"] => {
                                match profiles.iter().find(|x| {
                                    x["name"]
                                        .as_str()
                                        .is_some_and(|n| n.eq_ignore_ascii_case(profile))
                                }) {
                                    Some(x) => self.page(
                                        x["accessRules"].as_array().map_or(&[][..], |a| a),
                                        r,
                                        "nextLink",
                                    ),
                                    None => arm_error(404, "ResourceNotFound", "no such profile"),
                                }
                            }
                            ["resourceassociations"] => self.page(
                                p["resourceAssociations"].as_array().map_or(&[][..], |a| a),
                                r,
                                "nextLink",
                            ),
                            _ => arm_error(404, "NotFound", "no such ARM path in the mock"),
                        }
                    }
                    _ => arm_error(404, "NotFound", "no such ARM path in the mock"),
                }
            }
            ["providers", "microsoft.management", "managementgroups"] => {
                let list: Vec<Value> = t
                    .management_groups
                    .iter()
                    .map(|g| json!({ "id": g["id"], "type": g["type"], "name": g["name"],
                                     "properties": { "tenantId": g["properties"]["tenantId"], "displayName": g["properties"]["displayName"] } }))
                    .collect();
                self.page(&list, r, "nextLink")
            }
            [
                "providers",
                "microsoft.management",
                "managementgroups",
                name,
            ] => {
                match t.management_groups.iter().find(|g| {
                    g["name"]
                        .as_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
                }) {
                    Some(g) => ResponseTemplate::new(200).set_body_json(g),
                    None => arm_error(404, "NotFound", "no such management group"),
                }
            }
            _ => arm_error(404, "NotFound", "no such ARM path in the mock"),
        }
    }

    fn graph(&self, t: &Tenant, segs: &[&str], r: &Request) -> ResponseTemplate {
        match segs {
            ["directoryobjects", "getbyids"] if r.method.as_str() == "POST" => {
                let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
                let ids: HashSet<String> = body["ids"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|i| i.as_str()).map(str::to_ascii_lowercase).collect())
                    .unwrap_or_default();
                if ids.len() > 1000 {
                    return ResponseTemplate::new(400).set_body_json(json!({ "error": { "code": "Request_BadRequest", "message": "too many ids" } }));
                }
                let found: Vec<&Value> = t
                    .directory
                    .iter()
                    .filter(|o| o["id"].as_str().is_some_and(|i| ids.contains(&i.to_ascii_lowercase())))
                    .collect();
                ResponseTemplate::new(200).set_body_json(json!({
                    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects", "value": found }))
            }
            ["rolemanagement", "directory", "roleassignments"] => {
                self.page(&t.directory_roles, r, "@odata.nextLink")
            }
            ["rolemanagement", "directory", "roleeligibilityschedules"] => {
                self.page(&t.directory_eligibilities, r, "@odata.nextLink")
            }
            [one] if *one == "serviceprincipals(appid='00000003-0000-0000-c000-000000000000')" => {
                ResponseTemplate::new(200).set_body_json(json!({
                    "id": GRAPH_SP, "appId": "00000003-0000-0000-c000-000000000000", "displayName": "Microsoft Graph" }))
            }
            ["serviceprincipals", sp, "approleassignedto"] if *sp == GRAPH_SP => {
                self.page(&t.graph_app_roles, r, "@odata.nextLink")
            }
            ["applications"] => {
                let list: Vec<Value> = t
                    .applications
                    .iter()
                    .map(|a| without(a, &["federatedIdentityCredentials"]))
                    .collect();
                self.page(&list, r, "@odata.nextLink")
            }
            ["applications", id, "federatedidentitycredentials"] => {
                match t.applications.iter().find(|a| a["id"].as_str() == Some(*id)) {
                    Some(a) => self.page(
                        a["federatedIdentityCredentials"].as_array().map_or(&[][..], |f| f),
                        r,
                        "@odata.nextLink",
                    ),
                    None => ResponseTemplate::new(404).set_body_json(json!({ "error": { "code": "Request_ResourceNotFound", "message": "no such application" } })),
                }
            }
            [_, id, "owners"] => {
                self.page(t.owners.get(*id).map_or(&[][..], |o| o), r, "@odata.nextLink")
            }
            // `GET /servicePrincipals(appId='{appId}')`: one object, or 404 when the application has no
            // service principal in the tenant.
            [one] if one.starts_with("serviceprincipals(appid='") => {
                let app = one
                    .trim_start_matches("serviceprincipals(appid='")
                    .trim_end_matches("')");
                match t.directory.iter().find(|o| {
                    o["appId"].as_str().is_some_and(|a| a.eq_ignore_ascii_case(app))
                }) {
                    Some(sp) => ResponseTemplate::new(200).set_body_json(sp),
                    None => ResponseTemplate::new(404).set_body_json(json!({ "error": { "code": "Request_ResourceNotFound", "message": "no such service principal" } })),
                }
            }
            ["groups", id, "members"] => match t.members.get(*id) {
                Some(m) => self.page(m, r, "@odata.nextLink"),
                None => ResponseTemplate::new(404).set_body_json(json!({ "error": { "code": "Request_ResourceNotFound", "message": "no such group" } })),
            },
            _ => ResponseTemplate::new(404).set_body_json(json!({ "error": { "code": "NotFound", "message": "no such Graph path in the mock" } })),
        }
    }
}

/// A running mock Azure.
pub struct MockAzureServer {
    pub server: MockServer,
    pub azure: Arc<MockAzure>,
}

impl MockAzureServer {
    pub async fn start(tenant: impl FnOnce(&str) -> Tenant) -> Self {
        let server = MockServer::start().await;
        let base = server.uri();
        assert!(
            base.starts_with("http://127.0.0.1:"),
            "mock must listen on loopback: {base}"
        );
        let azure = Arc::new(MockAzure {
            tenant: Mutex::new(tenant(&base)),
            base,
            faults: Mutex::new(Vec::new()),
            latency: Mutex::new(Duration::ZERO),
            page_size: Mutex::new(None),
            arm_headers: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        Mock::given(any())
            .respond_with(Responder(azure.clone()))
            .mount(&server)
            .await;
        Self { server, azure }
    }

    pub fn base(&self) -> &str {
        &self.azure.base
    }

    /// The URL of a request as the client sent it (wiremock reports the host as `localhost`).
    pub fn url_of(&self, r: &Request) -> String {
        match r.url.query() {
            Some(q) => format!("{}{}?{q}", self.base(), r.url.path()),
            None => format!("{}{}", self.base(), r.url.path()),
        }
    }

    /// The `--cloud-config` document pointing every plane at this server.
    pub fn cloud_json(&self) -> String {
        json!({
            "name": "mock", "resourceManager": format!("{}/arm", self.base()),
            "microsoftGraph": format!("{}/graph", self.base()), "vaultDnsSuffix": "vault.azure.net",
            "audiences": { "resourceManager": "https://management.azure.com", "microsoftGraph": "https://graph.microsoft.com",
                           "keyVault": "https://vault.azure.net" }
        })
        .to_string()
    }

    pub fn cloud(&self) -> CloudConfig {
        CloudConfig::from_json(&self.cloud_json(), "mock").unwrap()
    }

    pub fn fault(
        &self,
        method: Option<&'static str>,
        pattern: &str,
        times: usize,
        respond: impl Fn(&Request) -> ResponseTemplate + Send + Sync + 'static,
    ) {
        self.azure.faults.lock().unwrap().push(Fault {
            method,
            pattern: pattern.to_string(),
            times,
            respond: Box::new(respond),
        });
    }

    pub fn set_latency(&self, d: Duration) {
        *self.azure.latency.lock().unwrap() = d;
    }

    pub fn set_page_size(&self, n: Option<usize>) {
        *self.azure.page_size.lock().unwrap() = n;
    }

    pub async fn requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    /// Requests made more than once (same method, URL and body).
    pub async fn duplicates(&self) -> Vec<String> {
        let mut seen = HashMap::new();
        for r in self.requests().await {
            let key = format!(
                "{} {} {}",
                r.method,
                r.url,
                String::from_utf8_lossy(&r.body)
            );
            *seen.entry(key).or_insert(0) += 1;
        }
        seen.into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(k, _)| k)
            .collect()
    }
}
