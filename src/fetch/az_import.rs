//! `kvaccess import --az DIR`: a snapshot from the JSON that `az` prints, for people who can run the Azure
//! CLI where the data lives but not this tool. The expected layout (every file is `az … -o json` output):
//!
//! ```text
//! DIR/account.json                          az account list --all -o json
//! DIR/management-groups.json     optional  az account management-group show --name <tenant id> --expand --recurse -o json
//! DIR/principals.json            optional  az rest --method post --url https://graph.microsoft.com/v1.0/directoryObjects/getByIds --body @ids.json
//! DIR/group-members-<group id>.json         az ad group member list --group <group id> -o json      (one per group)
//! DIR/<subscription id>/groups.json         az group list --subscription <id> -o json
//! DIR/<subscription id>/keyvaults.json      az keyvault list --subscription <id> --resource-type vault -o json
//! DIR/<subscription id>/keyvault-<name>.json  az keyvault show --subscription <id> --name <name> -o json  (one per vault)
//! DIR/<subscription id>/role-definitions.json az role definition list --subscription <id> -o json
//! DIR/<subscription id>/role-assignments.json az role assignment list --all --include-inherited --subscription <id> -o json
//! DIR/<subscription id>/deny-assignments.json az rest --method get --url "<arm>/subscriptions/<id>/providers/Microsoft.Authorization/denyAssignments?api-version=2022-04-01"
//! DIR/<subscription id>/network-perimeters.json and nsp-<name>-{profiles,associations,rules-<profile>}.json
//!                                           az rest … networkSecurityPerimeters (docs/import-az.md)
//! DIR/<subscription id>/eligibilities.json  optional  az rest --method get --url "<arm>/subscriptions/<id>/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?api-version=2020-10-01"
//! ```
//!
//! Both the shapes `az` prints (flattened role definitions and assignments, `az account list` records) and
//! the REST shapes (`{"value": [...]}`) are read. Whatever is missing becomes a collection error for
//! exactly that subscription and section, so the evaluator says "unknown" there, never "denied".

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use thiserror::Error;

use folder::{Folder, Shape, arm_object, directory_object, misshapen, objects};

use super::events::{CollectionErrorRecord, FetchUpdate, Section};
use super::store::StateStore;
use crate::model::{Cloud, EVERYONE, Snapshot};

mod folder;
mod shapes;

use shapes::{
    is_group, is_guid, management_groups, principal_from_assignment, role_assignment,
    role_definition, s, subscription,
};

#[derive(Debug, Error)]
pub enum ImportError {
    #[error("{0}: cannot read: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{file}: not valid JSON at line {line}, column {column}: {message}")]
    Syntax {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{0}: missing: export it with `az account list --all -o json > {0}`")]
    NoAccounts(PathBuf),
    #[error("{file}: leads to {target}, outside the folder being imported: refused")]
    Outside { file: PathBuf, target: PathBuf },
    #[error("{file}: {message}")]
    Shape { file: PathBuf, message: String },
}

/// The result of an import.
#[derive(Debug)]
pub struct ImportOutcome {
    pub json: Value,
    pub snapshot: Snapshot,
    pub warnings: Vec<String>,
    pub errors: Vec<CollectionErrorRecord>,
}
fn add(store: &mut StateStore, section: Section, scope: &str, items: Vec<Value>) {
    if !items.is_empty() {
        store.apply(&FetchUpdate::Section {
            section,
            scope: scope.to_string(),
            items: std::sync::Arc::new(items),
        });
    }
}

fn error(store: &mut StateStore, scope: &str, section: Section, message: String) {
    store.apply(&FetchUpdate::Error(CollectionErrorRecord {
        scope: scope.to_string(),
        section,
        status: None,
        message,
    }));
}

/// Builds the snapshot of one tenant (`tenant`, or the one [`tenant::choose`] picks) from `dir`. A file
/// that is not JSON is an error (nothing is written); a file that is missing becomes collection errors.
pub fn import_az_dir(
    dir: &Path,
    cloud: Cloud,
    tenant: Option<&str>,
) -> Result<ImportOutcome, ImportError> {
    let root = Folder::open(dir)?;
    let mut store = StateStore::new(cloud);
    let mut warnings = Vec::new();
    // A file's objects; one of the wrong shape is a collection error for `section` at `scope` (then `None`).
    let items = |store: &mut StateStore,
                 path: &Path,
                 shape: Shape,
                 scope: &str,
                 section: Section|
     -> Result<Option<Vec<Value>>, ImportError> {
        match root.read(path)?.map(|v| objects(v, shape)) {
            Some(Ok(items)) => Ok(Some(items)),
            Some(Err(m)) => {
                error(store, scope, section, misshapen(path, &m));
                Ok(None)
            }
            None => Ok(None),
        }
    };
    let accounts_path = dir.join("account.json");
    let accounts = root
        .read(&accounts_path)?
        .ok_or_else(|| ImportError::NoAccounts(accounts_path.clone()))?;
    let accounts = objects(accounts, Shape::List).map_err(|message| ImportError::Shape {
        file: accounts_path.clone(),
        message,
    })?;
    let mg_path = dir.join("management-groups.json");
    let mut tree = if root.exists(&mg_path)? {
        root.read(&mg_path)?
    } else {
        None
    };
    let choice = tenant::choose(&accounts, tree.as_ref(), tenant);
    let chosen = choice.tenant.as_deref();
    if tree
        .as_ref()
        .is_some_and(|t| tenant::tree_is_foreign(t, chosen))
    {
        warnings.push(format!(
            "management-groups.json shows another tenant's tree than {}: left out",
            chosen.unwrap_or("?")
        ));
        tree = None;
    }
    let mut subscriptions = Vec::new();
    for (i, a) in accounts.iter().enumerate() {
        let Some(sub) = subscription(a) else {
            warnings.push(format!(
                "{}: item [{i}] has no subscription GUID: left out",
                accounts_path.display()
            ));
            continue;
        };
        let id = s(&sub, "subscriptionId").unwrap_or("").to_ascii_lowercase();
        if let (Some(want), Some(other)) = (chosen, tenant::of_account(a))
            && other != want
        {
            warnings.push(format!(
                "subscription {id} ({}) is in tenant {other}, not in {want} ({}): left out, as a snapshot holds one tenant (import it with --tenant {other})",
                s(&sub, "displayName").unwrap_or(""),
                choice.why
            ));
            continue;
        }
        let mut folder = None;
        for candidate in [dir.join(&id), dir.join(id.to_ascii_uppercase())] {
            if root.is_dir(&candidate)? {
                folder = Some(candidate);
                break;
            }
        }
        match folder {
            Some(f) => subscriptions.push((id, sub, f)),
            None => warnings.push(format!(
                "subscription {id} ({}) has no folder {}: left out",
                s(&sub, "displayName").unwrap_or(""),
                dir.join(&id).display()
            )),
        }
    }
    if let Some(mg) = tree {
        let groups = match objects(mg, Shape::ListOrOne) {
            Ok(groups) => Some(groups),
            Err(m) => {
                error(
                    &mut store,
                    "/",
                    Section::ManagementGroups,
                    misshapen(&mg_path, &m),
                );
                None
            }
        };
        let mut out = Vec::new();
        for g in groups.unwrap_or_default() {
            management_groups(&g, None, &mut out);
        }
        add(&mut store, Section::ManagementGroups, "/", out);
    } else {
        warnings.push("management-groups.json is absent: assignments at management groups will read as unknown".into());
    }
    let mut derived_principals = Vec::new();
    for (id, sub, folder) in &subscriptions {
        let scope = format!("/subscriptions/{id}");
        add(
            &mut store,
            Section::Subscriptions,
            &scope,
            vec![sub.clone()],
        );
        let section_file = |store: &mut StateStore,
                            name: &str,
                            section: Section,
                            command: &str|
         -> Result<Option<Vec<Value>>, ImportError> {
            let path = folder.join(name);
            match root.exists(&path)? {
                true => items(store, &path, Shape::List, &scope, section),
                false => {
                    error(
                        store,
                        &scope,
                        section,
                        format!("{name} was not exported ({command})"),
                    );
                    Ok(None)
                }
            }
        };
        if let Some(rgs) = section_file(
            &mut store,
            "groups.json",
            Section::ResourceGroups,
            &format!("az group list --subscription {id} -o json"),
        )? {
            add(
                &mut store,
                Section::ResourceGroups,
                &scope,
                rgs.iter().map(arm_object).collect(),
            );
        }
        if let Some(defs) = section_file(
            &mut store,
            "role-definitions.json",
            Section::RoleDefinitions,
            &format!("az role definition list --subscription {id} -o json"),
        )? {
            add(
                &mut store,
                Section::RoleDefinitions,
                &scope,
                defs.into_iter()
                    .map(|d| arm_object(&role_definition(d)))
                    .collect(),
            );
        }
        if let Some(ras) = section_file(
            &mut store,
            "role-assignments.json",
            Section::RoleAssignments,
            &format!(
                "az role assignment list --all --include-inherited --subscription {id} -o json"
            ),
        )? {
            derived_principals.extend(ras.iter().filter_map(principal_from_assignment));
            add(
                &mut store,
                Section::RoleAssignments,
                &scope,
                ras.into_iter()
                    .map(|a| arm_object(&role_assignment(a)))
                    .collect(),
            );
        }
        if let Some(das) = section_file(
            &mut store,
            "deny-assignments.json",
            Section::DenyAssignments,
            &format!(
                "az rest --method get --url \"/subscriptions/{id}/providers/Microsoft.Authorization/denyAssignments?api-version=2022-04-01\""
            ),
        )? {
            add(
                &mut store,
                Section::DenyAssignments,
                &scope,
                das.iter().map(arm_object).collect(),
            );
        }
        let el_path = folder.join("eligibilities.json");
        if let Some(el) = items(
            &mut store,
            &el_path,
            Shape::List,
            &scope,
            Section::RoleEligibilities,
        )? {
            let el = el.iter().map(arm_object).collect();
            add(&mut store, Section::RoleEligibilities, &scope, el);
        }
        perimeters::import(&root, &mut store, folder, &scope)?;
        // Vaults: `az keyvault show` files carry the properties; `az keyvault list` names the vaults to expect.
        let mut shown: BTreeMap<String, Value> = BTreeMap::new();
        let mut entries: Vec<PathBuf> = std::fs::read_dir(folder)
            .map_err(|e| ImportError::Io(folder.clone(), e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            if !(name.starts_with("keyvault-") && name.ends_with(".json")) {
                continue;
            }
            let shown_here = items(&mut store, &path, Shape::ListOrOne, &scope, Section::Vaults)?;
            for v in shown_here.unwrap_or_default() {
                if let Some(vid) = s(&v, "id") {
                    if v.get("properties").is_some_and(Value::is_object) {
                        shown.insert(vid.to_ascii_lowercase(), arm_object(&v));
                    } else {
                        warnings.push(format!(
                            "{}: a vault without properties (is it `az keyvault show` output?)",
                            path.display()
                        ));
                    }
                }
            }
        }
        let list_path = folder.join("keyvaults.json");
        match root.exists(&list_path)? {
            true => {
                let list = items(&mut store, &list_path, Shape::List, &scope, Section::Vaults)?;
                for v in list.unwrap_or_default() {
                    let Some(vid) = s(&v, "id") else {
                        continue;
                    };
                    let kind = s(&v, "type").unwrap_or("Microsoft.KeyVault/vaults");
                    if !kind.eq_ignore_ascii_case("Microsoft.KeyVault/vaults") {
                        continue;
                    }
                    if shown.contains_key(&vid.to_ascii_lowercase()) {
                        continue;
                    }
                    if v.get("properties").is_some_and(Value::is_object) {
                        shown.insert(vid.to_ascii_lowercase(), arm_object(&v));
                        continue;
                    }
                    let name = s(&v, "name").unwrap_or("?");
                    // Kept without properties: its data-plane questions then answer "unknown", naming it.
                    shown.insert(vid.to_ascii_lowercase(), v.clone());
                    let at = crate::model::Scope::parse(vid)
                        .map(|s| s.id().to_string())
                        .unwrap_or_else(|_| scope.clone());
                    error(
                        &mut store,
                        &at,
                        Section::Vaults,
                        format!(
                            "vault {name} is listed but its properties were not exported (az keyvault show --subscription {id} --name {name} -o json > keyvault-{name}.json)"
                        ),
                    );
                }
            }
            false => error(
                &mut store,
                &scope,
                Section::Vaults,
                format!(
                    "keyvaults.json was not exported (az keyvault list --subscription {id} --resource-type vault -o json); vaults without a keyvault-<name>.json may be missing"
                ),
            ),
        }
        add(
            &mut store,
            Section::Vaults,
            &scope,
            shown.into_values().collect(),
        );
    }
    let principals_path = dir.join("principals.json");
    if let Some(p) = items(
        &mut store,
        &principals_path,
        Shape::List,
        "/",
        Section::Principals,
    )? {
        let p = p.iter().map(directory_object).collect();
        add(&mut store, Section::Principals, "/", p);
    }
    // Member files: `group-members-<group id>.json`.
    let mut member_files: BTreeMap<String, PathBuf> = BTreeMap::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().to_ascii_lowercase();
            if let Some(gid) = name
                .strip_prefix("group-members-")
                .and_then(|n| n.strip_suffix(".json"))
                .filter(|g| is_guid(g))
            {
                member_files.insert(gid.to_string(), e.path());
            }
        }
    }
    let mut members_seen: Vec<Value> = Vec::new();
    for (gid, path) in &member_files {
        let Some(members) = items(
            &mut store,
            path,
            Shape::List,
            "/",
            Section::GroupMemberships,
        )?
        else {
            continue;
        };
        let members: Vec<Value> = members.iter().map(directory_object).collect();
        let edges: Vec<Value> = members
            .iter()
            .filter_map(|m| s(m, "id").filter(|i| is_guid(i)))
            .map(|m| json!({ "groupId": gid, "memberId": m.to_ascii_lowercase() }))
            .collect();
        add(&mut store, Section::GroupMemberships, "/", edges);
        members_seen.extend(members.iter().filter(|m| s(m, "id").is_some()).cloned());
        add(&mut store, Section::Principals, "/", members);
    }
    add(&mut store, Section::Principals, "/", derived_principals);
    // Every group the data names needs its member list, or its members' access is unknown.
    let mut groups: BTreeSet<String> = BTreeSet::new();
    for p in store.items(Section::Principals) {
        if is_group(p)
            && let Some(id) = s(p, "id").filter(|i| is_guid(i))
        {
            groups.insert(id.to_ascii_lowercase());
        }
    }
    for a in store.items(Section::RoleAssignments) {
        if a.pointer("/properties/principalType")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("group"))
            && let Some(id) = a.pointer("/properties/principalId").and_then(Value::as_str)
            && is_guid(id)
            && id != EVERYONE
        {
            groups.insert(id.to_ascii_lowercase());
        }
    }
    let missing: Vec<String> = groups
        .into_iter()
        .filter(|g| !member_files.contains_key(g))
        .collect();
    if !missing.is_empty() {
        error(
            &mut store,
            "/",
            Section::GroupMemberships,
            format!(
                "members of {} group(s) were not exported (az ad group member list --group <id> -o json > group-members-<id>.json): {}",
                missing.len(),
                missing.join(", ")
            ),
        );
    }
    let lacking = coverage::lacking_principals(&store);
    if !lacking.is_empty() {
        warnings.push(format!(
            "principals.json lacks {} object id(s) that assignments, access policies or memberships name (answers about them are unknown; collect them with directoryObjects/getByIds, see docs/import-az.md): {}",
            lacking.len(),
            lacking.join(", ")
        ));
    }
    let apps = coverage::unnamed_apps(&store);
    if !apps.is_empty() {
        warnings.push(format!(
            "no service principal for {} application(s) that access policies name by applicationId (they are shown by appId; collect them with servicePrincipals(appId='…'), see docs/import-az.md): {}",
            apps.len(),
            apps.join(", ")
        ));
    }
    let errors = store.errors().to_vec();
    let (json, snapshot, more) = store.into_parts();
    warnings.extend(more);
    Ok(ImportOutcome {
        json,
        snapshot,
        warnings,
        errors,
    })
}

mod coverage;
mod perimeters;
mod tenant;

#[cfg(test)]
mod tests;
