//! Names in a change → objects in the snapshot, with "did you mean" suggestions. Linear scans on purpose:
//! a change list names a handful of things, and building indexes over a 100k-principal tenant for each of
//! them would cost more than looking.

use crate::model::role::trailing_guid;
use crate::model::{Principal, PrincipalKind, RoleDefinition, Scope, ScopeKind, Snapshot};
use crate::sanitize::cut;
use crate::suggest;

/// A principal by object id, appId, UPN or unambiguous display name.
pub fn principal<'s>(s: &'s Snapshot, text: &str) -> Result<&'s Principal, String> {
    let lower = crate::model::guid::canonical(text.trim());
    if let Some(p) = s.principals.iter().find(|p| p.id == lower) {
        return Ok(p);
    }
    if let Some(p) = s
        .principals
        .iter()
        .find(|p| p.app_id.as_deref() == Some(lower.as_str()))
    {
        return Ok(p);
    }
    let by_upn: Vec<&Principal> = s
        .principals
        .iter()
        .filter(|p| {
            p.user_principal_name
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(text.trim()))
        })
        .collect();
    if let [one] = by_upn.as_slice() {
        return Ok(one);
    }
    let by_name: Vec<&Principal> = s
        .principals
        .iter()
        .filter(|p| p.display_name.eq_ignore_ascii_case(text.trim()))
        .collect();
    match by_name.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "no principal '{}' in the snapshot (give an object id, a UPN, an appId or a display name){}",
            cut(text),
            suggest::hint(&suggest::principals(&s.principals, text))
        )),
        many => Err(format!(
            "'{}' matches {} principals: {}; give the object id",
            cut(text),
            many.len(),
            many.iter()
                .map(|p| format!("{} {}", p.kind.as_str(), p.id))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// `Name (id)` for messages (given the principal found for `id`, if any), or the id alone.
pub fn label_of(p: Option<&Principal>, id: &str) -> String {
    match p {
        Some(p) => format!("{} ({id})", cut(&p.display_name)),
        None => id.to_string(),
    }
}

/// An application by its service principal's name (given the one found, if any), always with its appId.
pub fn app_label_of(p: Option<&Principal>, app_id: &str) -> String {
    match p {
        Some(p) => format!("{} (appId {app_id})", cut(&p.display_name)),
        None => app_id.to_string(),
    }
}

/// `principalType` of a role assignment for a principal kind.
pub fn principal_type(kind: PrincipalKind) -> &'static str {
    match kind {
        PrincipalKind::User => "User",
        PrincipalKind::Group => "Group",
        PrincipalKind::ServicePrincipal | PrincipalKind::ManagedIdentity => "ServicePrincipal",
        PrincipalKind::Unknown => "",
    }
}

/// A role definition by full id, GUID or role name (case-insensitive).
pub fn role<'s>(s: &'s Snapshot, text: &str) -> Result<&'s RoleDefinition, String> {
    let guid = trailing_guid(text);
    if let Some(d) = s.role_definitions.iter().find(|d| d.guid == guid) {
        return Ok(d);
    }
    let by_name: Vec<&RoleDefinition> = s
        .role_definitions
        .iter()
        .filter(|d| d.role_name.eq_ignore_ascii_case(text.trim()))
        .collect();
    match by_name.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "no role definition named '{}'{}",
            cut(text),
            suggest::hint(&suggest::names(
                s.role_definitions.iter().map(|d| d.role_name.as_str()),
                text
            ))
        )),
        many => Err(format!(
            "{} role definitions are named '{}': give the definition id ({})",
            many.len(),
            cut(text),
            many.iter()
                .map(|d| d.guid.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// A vault (its position in `s.vaults`) by full id or unambiguous name.
pub fn vault(s: &Snapshot, text: &str) -> Result<usize, String> {
    if let Ok(scope) = Scope::parse(text) {
        return match scope.vault() {
            Some(v) => s.vaults.iter().position(|x| x.scope == v).ok_or_else(|| {
                format!(
                    "no vault with the id '{}' in the snapshot{}",
                    cut(text),
                    suggest::hint(&suggest::vaults(&s.vaults, v.name()))
                )
            }),
            None => Err(format!("'{}' is not a key vault id", cut(text))),
        };
    }
    let by_name: Vec<usize> = s
        .vaults
        .iter()
        .enumerate()
        .filter(|(_, v)| v.name.eq_ignore_ascii_case(text.trim()))
        .map(|(i, _)| i)
        .collect();
    match by_name.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "no vault named '{}' in the snapshot{}",
            cut(text),
            suggest::hint(&suggest::vaults(&s.vaults, text))
        )),
        many => Err(format!(
            "{} vaults are named '{}': give the full id ({})",
            many.len(),
            cut(text),
            many.iter()
                .filter_map(|&i| s.vaults.get(i))
                .map(|v| v.scope.id())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Whether the snapshot knows a scope: a vault it holds, a subscription, resource group or management group
/// it lists (or that holds one of its vaults), the root. Other ARM resources are accepted as they are.
pub fn check_scope(s: &Snapshot, scope: &Scope) -> Result<(), String> {
    let under = |prefix: &Scope| {
        s.vaults
            .iter()
            .any(|v| prefix.contains_structurally(&v.scope))
            || s.resource_groups
                .iter()
                .any(|r| prefix.contains_structurally(&r.scope))
    };
    let known = match scope.kind() {
        ScopeKind::Root | ScopeKind::Resource => true,
        ScopeKind::ManagementGroup => {
            s.management_groups.iter().any(|g| g.scope == *scope)
                || s.tenant_id.as_deref() == Some(scope.name().to_ascii_lowercase().as_str())
        }
        ScopeKind::Subscription => {
            s.subscriptions.iter().any(|x| x.scope == *scope) || under(scope)
        }
        ScopeKind::ResourceGroup => {
            s.resource_groups.iter().any(|r| r.scope == *scope) || under(scope)
        }
        ScopeKind::Vault | ScopeKind::VaultItem(_) => {
            let v = scope.vault();
            s.vaults.iter().any(|x| Some(&x.scope) == v.as_ref())
        }
    };
    if known {
        return Ok(());
    }
    let what = match scope.kind() {
        ScopeKind::ManagementGroup => "management group",
        ScopeKind::Subscription => "subscription",
        ScopeKind::ResourceGroup => "resource group",
        _ => "vault",
    };
    let id = match scope.kind() {
        ScopeKind::VaultItem(_) => scope
            .vault()
            .map(|v| v.id().to_string())
            .unwrap_or_default(),
        _ => scope.id().to_string(),
    };
    let hint = match scope.vault() {
        Some(v) => suggest::hint(&suggest::vaults(&s.vaults, v.name())),
        None => String::new(),
    };
    Err(format!("no {what} '{}' in the snapshot{hint}", cut(&id)))
}

/// The keys of `scope` and every scope above it (management groups from the snapshot's hierarchy), like
/// `eval::index::Index::ancestry` but without building the index.
pub fn ancestor_keys(s: &Snapshot, scope: &Scope) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = Some(scope.clone());
    let tenant_root = s.tenant_id.as_ref().and_then(|t| {
        Scope::parse(&format!(
            "/providers/Microsoft.Management/managementGroups/{t}"
        ))
        .ok()
    });
    while let Some(sc) = current.take() {
        if out.iter().any(|k| k == sc.key()) {
            break;
        }
        current = match sc.kind() {
            ScopeKind::Root => None,
            ScopeKind::ManagementGroup => s
                .management_groups
                .iter()
                .find(|g| g.scope == sc)
                .and_then(|g| g.parent.clone())
                .or_else(|| tenant_root.clone().filter(|r| *r != sc))
                .or_else(|| Some(Scope::root())),
            ScopeKind::Subscription => {
                let sub = sc.subscription().unwrap_or_default().to_string();
                s.management_groups
                    .iter()
                    .find(|g| g.subscription_ids.contains(&sub))
                    .map(|g| g.scope.clone())
                    .or_else(|| tenant_root.clone())
                    .or_else(|| Some(Scope::root()))
            }
            _ => sc.structural_parent(),
        };
        out.push(sc.key().to_string());
    }
    if out.last().is_some_and(|k| k != "/") {
        out.push("/".to_string());
    }
    out
}

/// A deterministic GUID for something a change creates, so that the same list always produces the same
/// ids (the emitted `az` commands use them, and a reviewed plan re-runs identically).
pub fn derived_guid(parts: &[&str]) -> String {
    let mut h1: u64 = 0xcbf2_9ce4_8422_2325;
    let mut h2: u64 = 0x8422_2325_cbf2_9ce4;
    for part in parts {
        for b in part
            .to_ascii_lowercase()
            .bytes()
            .chain(std::iter::once(0u8))
        {
            h1 = (h1 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
            h2 = (h2 ^ u64::from(b))
                .wrapping_mul(0x0000_0100_0000_01b3)
                .rotate_left(7);
        }
    }
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h1 >> 32,
        (h1 >> 16) & 0xffff,
        h1 & 0x0fff,
        (h2 >> 48) & 0x0fff,
        h2 & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_guids_are_stable_guids() {
        let a = derived_guid(&["a", "b"]);
        assert_eq!(a, derived_guid(&["A", "B"]));
        assert_ne!(a, derived_guid(&["ab"]));
        assert!(uuid::Uuid::try_parse(&a).is_ok(), "{a}");
    }
}
