//! Names and scopes in words for people, shared by the CLI and the explorer. Every name here came from Azure
//! (display names are attacker-controlled), so each is cleaned of control characters before it is returned.

mod reasons;
mod self_grant;
mod verdict;

pub use reasons::in_words;
pub use self_grant::{
    SelfGrantWords, claim as self_grant_claim, no_grant as self_grant_without_grant, self_grant,
};
pub use verdict::{decided_by, grant_words};

use crate::eval::{Engine, Grant, GrantKind};
use crate::model::{Scope, ScopeKind};
use crate::query::grouped::Cover;
use crate::sanitize::clean;

/// A principal's display name (cleaned), or its id when the directory data lacks it.
pub fn name_of(engine: &Engine, id: &str) -> String {
    let name = engine
        .index
        .principal
        .get(id)
        .and_then(|&i| engine.snapshot.principals.get(i))
        .map(|p| p.display_name.as_str());
    clean(name.unwrap_or(id)).into_owned()
}

/// A principal's kind in words: `user`, `managed identity`…
pub fn kind_word(kind: crate::model::PrincipalKind) -> &'static str {
    use crate::model::PrincipalKind;
    match kind {
        PrincipalKind::User => "user",
        PrincipalKind::Group => "group",
        PrincipalKind::ServicePrincipal => "service principal",
        PrincipalKind::ManagedIdentity => "managed identity",
        PrincipalKind::Unknown => "unknown object",
    }
}

/// The service principal's display name for an appId (compound identity), or the appId itself.
pub fn app_name(engine: &Engine, app_id: &str) -> String {
    let name = engine
        .index
        .principal_by_app
        .get(app_id)
        .and_then(|&i| engine.snapshot.principals.get(i));
    match name {
        Some(p) => format!("{} ({app_id})", clean(&p.display_name)),
        None => clean(app_id).into_owned(),
    }
}

/// A scope in words for people: `vault kv-app-rbac`, `resource group rg-app-prod`, `subscription Prod`.
pub fn describe_scope(engine: &Engine, scope: &str) -> String {
    let Ok(s) = Scope::parse(scope) else {
        return clean(scope).into_owned();
    };
    let name = clean(s.name()).into_owned();
    match s.kind() {
        ScopeKind::Root => "the tenant root (/)".into(),
        ScopeKind::ManagementGroup => {
            let display = engine
                .snapshot
                .management_groups
                .iter()
                .find(|g| g.scope == s)
                .map(|g| clean(&g.display_name).into_owned());
            format!("management group {}", display.unwrap_or(name))
        }
        ScopeKind::Subscription => {
            let display = engine
                .snapshot
                .subscriptions
                .iter()
                .find(|x| x.scope == s)
                .map(|x| clean(&x.display_name).into_owned());
            format!("subscription {}", display.unwrap_or(name))
        }
        ScopeKind::ResourceGroup => format!("resource group {name}"),
        ScopeKind::Vault => format!("vault {name}"),
        ScopeKind::VaultItem(kind) => {
            let vault = s
                .vault()
                .map(|v| clean(v.name()).into_owned())
                .unwrap_or_default();
            format!(
                "{} {name} in vault {vault}",
                kind.as_str().trim_end_matches('s')
            )
        }
        ScopeKind::Resource => format!("resource {name}"),
    }
}

/// The short name of a scope for text output: the last segment, or `/`.
pub fn short_scope(scope: &str) -> String {
    clean(scope.rsplit('/').find(|s| !s.is_empty()).unwrap_or("/")).into_owned()
}

/// The vaults a grouped answer's row covers, in words: `kv-app-prod`, `21 vaults under subscription Prod`,
/// `3 vaults: kv-a, kv-b, kv-c` (four named at most).
pub fn cover_words(engine: &Engine, vaults: usize, covers: &[Cover]) -> String {
    let name = |c: &Cover| {
        if c.vaults == 1 {
            short_scope(&c.scope)
        } else if &*c.scope == "/" {
            format!("every vault ({})", c.vaults)
        } else {
            format!(
                "{} vaults under {}",
                c.vaults,
                describe_scope(engine, &c.scope)
            )
        }
    };
    match covers {
        [one] => name(one),
        many => {
            const SHOWN: usize = 4;
            let mut parts: Vec<String> = many.iter().take(SHOWN).map(name).collect();
            if many.len() > SHOWN {
                parts.push(format!("… ({} more)", many.len() - SHOWN));
            }
            format!("{vaults} vaults: {}", parts.join(", "))
        }
    }
}

/// `Key Vault Secrets User at kv-app-rbac (role assignment 4444…) via Auditors → Security team`
pub fn grant_line(engine: &Engine, g: &Grant) -> String {
    let what = match g.kind {
        GrantKind::RoleAssignment => format!(
            "role '{}' at {} (assignment {})",
            clean(g.role_name.as_deref().unwrap_or("(definition missing)")),
            describe_scope(engine, &g.scope),
            short_scope(&g.id)
        ),
        GrantKind::AccessPolicy => format!(
            "access-policy entry for {} [{}]",
            name_of(engine, &g.principal_id),
            clean(&g.matched.join(", "))
        ),
    };
    let via = if g.via_groups.is_empty() {
        String::new()
    } else {
        format!(
            " via group {}",
            g.via_groups
                .iter()
                .map(|id| name_of(engine, id))
                .collect::<Vec<_>>()
                .join(" → ")
        )
    };
    let condition = g
        .condition
        .as_ref()
        .map(|c| format!("\n        if: {}", clean(c)))
        .unwrap_or_default();
    format!("{what}{via}{condition}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot;

    #[test]
    fn names_from_the_snapshot_come_back_cleaned_and_scopes_in_words() {
        let mut s = snapshot::demo();
        s.subscriptions[0].display_name = "Prod\u{1b}]52;c;aGk=\u{7}".into();
        s.principals[0].display_name = "Eve\u{1b}[2J".into();
        let first = s.principals[0].id.clone();
        let sub = s.subscriptions[0].scope.id().to_string();
        let engine = Engine::new(s.clone());
        assert!(!name_of(&engine, &first).contains('\u{1b}'));
        let words = describe_scope(&engine, &sub);
        assert!(words.starts_with("subscription Prod"), "{words}");
        assert!(
            !words.contains('\u{1b}') && !words.contains('\u{7}'),
            "{words}"
        );
        assert_eq!(
            name_of(&engine, "not-in-the-directory"),
            "not-in-the-directory"
        );
        let item =
            format!("{sub}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-x/secrets/db");
        assert_eq!(describe_scope(&engine, &item), "secret db in vault kv-x");
        assert_eq!(describe_scope(&engine, "/"), "the tenant root (/)");
    }
}
