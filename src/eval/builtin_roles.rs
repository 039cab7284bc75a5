//! Microsoft's published built-in role definitions that kvaccess embeds (`assets/builtin-roles.json`): the
//! Key Vault roles, the general ones, and every role an attack-path hop names (Virtual Machine Contributor,
//! the VM login roles, Website, Automation and Logic App Contributor, the AKS roles, the Managed Identity
//! roles). Copied from Microsoft's "Azure built-in roles" reference, where the permissions of each role are
//! published.
//!
//! A snapshot or an import that names a built-in role without holding its definition (an AzureHound file
//! holds none, a fetch may lack read access to them) still answers: the engine falls back to the embedded
//! copy and says so once, in the snapshot's warnings. Built-in role ids are the same in every tenant, so the
//! GUID identifies the role; a definition the snapshot does hold always wins.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustc_hash::FxHashSet;

use crate::model::{RoleDefinition, Snapshot, Warning};

/// The embedded definitions, as ARM `roleDefinitions` objects.
pub const BUILTIN_ROLES_JSON: &str = include_str!("../../assets/builtin-roles.json");

/// The embedded definitions, parsed once through the snapshot loader (so exactly what a real file gives).
pub fn definitions() -> &'static [RoleDefinition] {
    static PARSED: OnceLock<Vec<RoleDefinition>> = OnceLock::new();
    PARSED.get_or_init(|| {
        let text = format!("{{\"kvaccessSnapshot\":1,\"roleDefinitions\":{BUILTIN_ROLES_JSON}}}");
        crate::snapshot::parse(&text, Path::new("<builtin roles>"))
            .map(|s| s.role_definitions)
            .unwrap_or_default()
    })
}

/// Adds the embedded definition of every built-in role that an assignment or eligibility names and the
/// snapshot lacks, with a warning for each. Clones the snapshot only when something is missing and the
/// snapshot is shared.
pub fn complete(snapshot: &mut Arc<Snapshot>) {
    let missing = missing(snapshot);
    if missing.is_empty() {
        return;
    }
    let s = Arc::make_mut(snapshot);
    for d in missing {
        s.warnings.push(Warning {
            path: "roleDefinitions".into(),
            message: format!(
                "{} ({}) is not in the snapshot: kvaccess used its embedded copy of Microsoft's published built-in definition",
                d.role_name, d.guid
            ),
        });
        let mut d = d.clone();
        d.description = format!("{} (kvaccess's embedded copy)", d.description);
        s.role_definitions.push(d);
    }
}

fn missing(s: &Snapshot) -> Vec<&'static RoleDefinition> {
    let held: FxHashSet<&str> = s.role_definitions.iter().map(|d| d.guid.as_str()).collect();
    let named: FxHashSet<&str> = s
        .role_assignments
        .iter()
        .chain(&s.role_eligibilities)
        .map(|a| a.role_definition_guid.as_str())
        .filter(|g| !held.contains(g))
        .collect();
    if named.is_empty() {
        return Vec::new();
    }
    definitions()
        .iter()
        .filter(|d| named.contains(d.guid.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_definition_parses_with_its_guid() {
        let defs = definitions();
        assert_eq!(defs.len(), 30);
        for d in defs {
            assert!(d.built_in, "{}", d.role_name);
            assert_eq!(d.guid.len(), 36, "{}", d.role_name);
            assert!(!d.permissions.is_empty(), "{}", d.role_name);
        }
        for name in [
            "Virtual Machine Contributor",
            "Virtual Machine Administrator Login",
            "Virtual Machine User Login",
            "Website Contributor",
            "Automation Contributor",
            "Logic App Contributor",
            "Azure Kubernetes Service Cluster Admin Role",
            "Azure Kubernetes Service Contributor Role",
            "Managed Identity Operator",
            "Managed Identity Contributor",
        ] {
            assert!(defs.iter().any(|d| d.role_name == name), "{name}");
        }
    }
}
