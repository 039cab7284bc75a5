//! The general lesson under an explanation: which plane the operation is on and where it is called, which
//! mechanism decides on this vault and which is ignored, and how to bring the firewall in. True of every
//! principal asking this at this scope, so it comes after the verdict's own evidence.

use super::{Doc, Tone, ancestry_words};
use crate::catalog::Plane;
use crate::eval::{Engine, PermissionModel, Verdict};
use crate::model::Scope;
use crate::sanitize::clean;

/// The heading the lesson starts under (tests and readers look for it).
pub const HEADING: &str = "The lesson: how Key Vault decides this";

pub fn append(doc: &mut Doc, engine: &Engine, v: &Verdict, op: &str, from_key: &str) {
    doc.heading(HEADING);
    plane(doc, engine, v, op);
    mechanism(doc, engine, v);
    if v.plane == Plane::Data && !v.network.evaluated() {
        doc.styled(
            Tone::Dim,
            format!("Press {from_key} to say where the call comes from (an IP, a subnet, a private endpoint or a trusted service): the firewall is then applied."),
        );
    }
}

fn plane(doc: &mut Doc, engine: &Engine, v: &Verdict, op: &str) {
    let endpoint = clean(&v.endpoint);
    let actions = v
        .required_actions
        .iter()
        .map(|a| clean(a).into_owned())
        .collect::<Vec<_>>();
    match v.plane {
        Plane::Data => {
            doc.text(format!(
                "{op} is a DATA-PLANE operation: the client calls the vault itself at https://{endpoint}, not Azure Resource Manager ({}).",
                engine.snapshot.cloud.management_endpoint()
            ));
            let needs = if actions.len() > 1 {
                format!("every one of the data actions {}", actions.join(" AND "))
            } else {
                format!("the data action {}", actions.join(""))
            };
            doc.text(format!(
                "In access-policy words it needs the permission {op}; in Azure RBAC words, {needs}."
            ));
        }
        Plane::Management => {
            doc.text(format!(
                "{op} is a MANAGEMENT-PLANE operation: it goes through Azure Resource Manager at https://{endpoint}. Only Azure RBAC role assignments decide it: access policies never apply to the management plane, and the vault firewall does not filter it."
            ));
            doc.text(format!("It needs the action {}.", actions.join(" AND ")));
        }
    }
}

fn mechanism(doc: &mut Doc, engine: &Engine, v: &Verdict) {
    let vault = Scope::parse(&v.scope)
        .ok()
        .and_then(|s| s.vault())
        .map(|s| clean(s.name()).into_owned())
        .unwrap_or_default();
    match v.permission_model {
        Some(PermissionModel::AccessPolicy) => {
            doc.text(format!(
                "{vault} uses ACCESS POLICIES (enableRbacAuthorization is false). The vault keeps its own list of entries; each names one object id (a user, group or application) and the key, secret and certificate permissions it gets, vault-wide. Azure RBAC data roles and deny assignments are not consulted for this vault's data."
            ));
        }
        Some(PermissionModel::Rbac) => {
            doc.text(format!(
                "{vault} uses AZURE RBAC (enableRbacAuthorization is true). Role assignments whose role includes the data action decide; a deny assignment overrides them; the vault's access policies are ignored."
            ));
        }
        None => doc.text("Azure RBAC: role assignments whose role includes the action, minus its NotActions, decide; deny assignments override them."),
    }
    if v.permission_model != Some(PermissionModel::AccessPolicy)
        && let Ok(s) = Scope::parse(&v.scope)
    {
        doc.text("An assignment applies at its scope and everything below it. Scopes consulted, from here up:");
        doc.styled(Tone::Dim, format!("  {}", ancestry_words(engine, &s)));
    }
}
