//! Names in a change → objects in the snapshot, with "did you mean" suggestions. Linear scans on purpose:
//! a change list names a handful of things, and building indexes over a 100k-principal tenant for each of
//! them would cost more than looking.

use crate::model::role::trailing_guid;
use crate::model::{Principal, PrincipalKind, RoleDefinition, Scope, ScopeKind, Snapshot};
use crate::sanitize::cut;

/// Names longer than this are not compared: no one mistypes a 10 MB name, and comparing one against every
/// candidate would take minutes.
const SUGGEST_MAX_CHARS: usize = 256;

/// The closest candidate to `input` (case-insensitive edit distance), when close enough to be a typo.
pub fn did_you_mean<'a>(input: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    if input.len() > 4 * SUGGEST_MAX_CHARS {
        return None;
    }
    let want = input.to_lowercase();
    let want_len = want.chars().count();
    if want_len > SUGGEST_MAX_CHARS {
        return None;
    }
    let limit = (want_len / 4).clamp(1, 4);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        // Byte length bounds the character count: a far longer candidate is skipped before lowering it.
        if c.len() > 4 * (want_len + limit) {
            continue;
        }
        let lower = c.to_lowercase();
        if lower.chars().count().abs_diff(want_len) > limit {
            continue;
        }
        let d = edit_distance(&want, &lower);
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

fn hint(suggestion: Option<String>) -> String {
    suggestion
        .map(|s| format!(" (did you mean '{}'?)", cut(&s)))
        .unwrap_or_default()
}

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
        [] => {
            let names = s.principals.iter().flat_map(|p| {
                std::iter::once(p.display_name.as_str()).chain(p.user_principal_name.as_deref())
            });
            Err(format!(
                "no principal '{}' in the snapshot (give an object id, a UPN, an appId or a display name){}",
                cut(text),
                hint(did_you_mean(text, names))
            ))
        }
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

/// `Name (id)` for messages, or the id alone when the directory data lacks it.
pub fn label(s: &Snapshot, id: &str) -> String {
    match s.principals.iter().find(|p| p.id == id) {
        Some(p) => format!("{} ({id})", cut(&p.display_name)),
        None => id.to_string(),
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
            hint(did_you_mean(
                text,
                s.role_definitions.iter().map(|d| d.role_name.as_str())
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
            Some(v) => s
                .vaults
                .iter()
                .position(|x| x.scope == v)
                .ok_or_else(|| format!("no vault with the id '{}' in the snapshot", cut(text))),
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
            hint(did_you_mean(text, s.vaults.iter().map(|v| v.name.as_str())))
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
    Err(format!("no {what} '{}' in the snapshot", cut(&id)))
}

/// The keys of `scope` and every scope above it (management groups from the snapshot's hierarchy), like
/// `eval::closure::Index::ancestry` but without building the index.
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
    fn suggestions_catch_typos_only() {
        let roles = ["Key Vault Secrets User", "Key Vault Reader", "Owner"];
        assert_eq!(
            did_you_mean("Key Vault Secret User", roles.iter().copied()).as_deref(),
            Some("Key Vault Secrets User")
        );
        assert_eq!(did_you_mean("Contributor", roles.iter().copied()), None);
        assert_eq!(
            did_you_mean("owner", roles.iter().copied()).as_deref(),
            Some("Owner")
        );
        // A huge name is not compared at all (it took 53 s against a large tenant).
        let huge = "x".repeat(10 << 20);
        let many: Vec<String> = (0..10_000).map(|i| format!("name-{i}")).collect();
        assert_eq!(did_you_mean(&huge, many.iter().map(String::as_str)), None);
        assert_eq!(
            did_you_mean("name-1x", [huge.as_str(), "name-12"].into_iter()).as_deref(),
            Some("name-12")
        );
    }

    #[test]
    fn derived_guids_are_stable_guids() {
        let a = derived_guid(&["a", "b"]);
        assert_eq!(a, derived_guid(&["A", "B"]));
        assert_ne!(a, derived_guid(&["ab"]));
        assert!(uuid::Uuid::try_parse(&a).is_ok(), "{a}");
    }
}
