//! Scopes in the user's words: a full ARM id, a vault's name, or a vault URL copied from a log line or the
//! portal (`https://kv-app-prod.vault.azure.net/secrets/db-password/…`). During an incident people have the
//! name or the URL, rarely the resource id.

use crate::error::QueryError;
use crate::eval::{Engine, Note};
use crate::model::{Scope, ScopeKind, Snapshot, Vault};
use crate::sanitize::{clean, cut};
use crate::suggest;

/// The item collections a vault URL or a `vault/kind/name` path may name.
const ITEM_KINDS: &[&str] = &["keys", "secrets", "certificates"];

/// Resolves `text` to a scope. A full id (starting with `/`) is parsed as is, whether or not the snapshot
/// knows it; a name or URL must name exactly one vault of the snapshot.
pub fn resolve_scope(snapshot: &Snapshot, text: &str) -> Result<Scope, QueryError> {
    let trimmed = text.trim();
    if trimmed.starts_with('/') {
        return super::parse_scope(trimmed);
    }
    let (vault_word, rest) = split_words(trimmed).ok_or_else(|| bad(text))?;
    let vault = find_vault(snapshot, text, &vault_word)?;
    match rest.as_slice() {
        [] => Ok(vault.scope.clone()),
        [kind, name, ..] if ITEM_KINDS.contains(&kind.to_ascii_lowercase().as_str()) => {
            super::parse_scope(&format!(
                "{}/{}/{}",
                vault.scope.id(),
                kind.to_ascii_lowercase(),
                name
            ))
        }
        _ => Err(bad(text)),
    }
}

/// The vault's name (or DNS label) and the path segments after it. A URL's version segment is kept but
/// ignored: RBAC and access policies do not distinguish versions.
fn split_words(text: &str) -> Option<(String, Vec<String>)> {
    let lower = text.to_ascii_lowercase();
    let (host_or_name, path) = if lower.starts_with("https://") || lower.starts_with("http://") {
        let url = url::Url::parse(text).ok()?;
        let host = url.host_str()?.to_string();
        let label = host.split('.').next().unwrap_or(&host).to_string();
        let segments = url
            .path_segments()
            .map(|s| s.filter(|p| !p.is_empty()).map(str::to_string).collect())
            .unwrap_or_default();
        (label, segments)
    } else {
        let mut parts = text
            .split('/')
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        let first = parts.next()?;
        (first, parts.collect())
    };
    (!host_or_name.is_empty()).then_some((host_or_name, path))
}

fn find_vault<'s>(snapshot: &'s Snapshot, text: &str, name: &str) -> Result<&'s Vault, QueryError> {
    let matches: Vec<&Vault> = snapshot
        .vaults
        .iter()
        .filter(|v| v.name.eq_ignore_ascii_case(name) || v.scope.name().eq_ignore_ascii_case(name))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(QueryError::UnknownVaultName(
            cut(text),
            suggest::hint(&suggest::vaults(&snapshot.vaults, name)),
        )),
        many => Err(QueryError::AmbiguousScope {
            query: clean(text).into_owned(),
            candidates: many
                .iter()
                .map(|v| clean(v.scope.id()).into_owned())
                .collect(),
        }),
    }
}

/// The error for a vault id the snapshot does not hold, suggesting vaults named like its last segment.
pub fn unknown_vault(snapshot: &Snapshot, vault: &Scope) -> QueryError {
    QueryError::UnknownVault(
        cut(vault.id()),
        suggest::hint(&suggest::vaults(&snapshot.vaults, vault.name())),
    )
}

/// A note when `scope` names an item the snapshot does not list, with the listed items of that kind it may
/// have meant. The snapshot's item list may be incomplete (items are collected on request, and may have been
/// created since), so the note says "not in the snapshot", never "does not exist", and the answer stands for
/// an item of that name.
pub fn item_not_in_snapshot(engine: &Engine, scope: &Scope) -> Option<Note> {
    let ScopeKind::VaultItem(kind) = scope.kind() else {
        return None;
    };
    let vault = scope.vault()?;
    let missing = |items_listed, hint| Note::ItemNotListed {
        vault: vault.name().to_string(),
        kind: kind.as_str(),
        item: scope.name().to_string(),
        items_listed,
        hint,
    };
    let Some(listed) = engine.index.items_of.get(vault.key()) else {
        return Some(missing(false, String::new()));
    };
    let items: Vec<&crate::model::VaultItem> = listed
        .iter()
        .filter_map(|&i| engine.snapshot.vault_items.get(i))
        .collect();
    if items.iter().any(|item| item.scope.key() == scope.key()) {
        return None;
    }
    let same_kind = items
        .iter()
        .filter(|item| item.scope.kind() == ScopeKind::VaultItem(kind))
        .map(|item| item.name.as_str());
    Some(missing(
        true,
        suggest::hint(&suggest::names(same_kind, scope.name())),
    ))
}

fn bad(text: &str) -> QueryError {
    QueryError::BadScope(clean(text).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ScopeKind;
    use crate::snapshot;

    const PROD: &str = "/subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-app-prod";

    fn demo() -> Snapshot {
        snapshot::demo()
    }

    #[test]
    fn a_full_id_is_parsed_as_given() {
        let s = demo();
        assert_eq!(
            resolve_scope(&s, PROD).unwrap().key(),
            PROD.to_ascii_lowercase()
        );
        let elsewhere = "/subscriptions/cccccccc-0000-0000-0000-000000000001";
        assert_eq!(
            resolve_scope(&s, elsewhere).unwrap().kind(),
            ScopeKind::Subscription
        );
    }

    #[test]
    fn a_vault_name_in_any_case_resolves_to_its_id() {
        let s = demo();
        assert_eq!(resolve_scope(&s, "KV-App-Prod").unwrap().id(), PROD);
    }

    #[test]
    fn an_item_path_and_a_vault_url_resolve_to_the_item() {
        let s = demo();
        let want = format!("{PROD}/secrets/db-password");
        assert_eq!(
            resolve_scope(&s, "kv-app-prod/secrets/db-password")
                .unwrap()
                .id(),
            want
        );
        let url = "https://kv-app-prod.vault.azure.net/secrets/db-password/0123456789abcdef";
        assert_eq!(resolve_scope(&s, url).unwrap().id(), want);
        assert_eq!(
            resolve_scope(&s, "https://kv-app-prod.vault.azure.net/")
                .unwrap()
                .id(),
            PROD
        );
    }

    #[test]
    fn unknown_and_ambiguous_names_are_errors_that_say_so() {
        let mut s = demo();
        assert!(matches!(
            resolve_scope(&s, "kv-nowhere"),
            Err(QueryError::UnknownVaultName(..))
        ));
        assert!(matches!(
            resolve_scope(&s, "kv-app-prod/blobs/x"),
            Err(QueryError::BadScope(_))
        ));
        let mut twin = s.vaults[0].clone();
        twin.scope = Scope::parse(&twin.scope.id().replace("0001", "0002")).unwrap();
        let name = twin.name.clone();
        s.vaults.push(twin);
        match resolve_scope(&s, &name) {
            Err(QueryError::AmbiguousScope { candidates, .. }) => assert_eq!(candidates.len(), 2),
            other => panic!("expected ambiguity, got {other:?}"),
        }
    }

    #[test]
    fn an_item_not_in_the_snapshot_is_said_to_be_so_never_to_not_exist() {
        let s = demo();
        let engine = Engine::new(s.clone());
        let note = |text: &str, engine: &Engine| {
            item_not_in_snapshot(engine, &resolve_scope(&engine.snapshot, text).unwrap())
                .map(|n| n.to_string())
        };
        assert_eq!(note("kv-app-rbac/secrets/app-db-password", &engine), None);
        assert_eq!(note("kv-app-rbac", &engine), None);
        let missing = note("kv-app-rbac/secrets/db-password", &engine).unwrap();
        assert!(
            missing.contains("is not in the snapshot (did you mean 'app-db-password'?)"),
            "{missing}"
        );
        assert!(!missing.contains("exist"), "{missing}");
        // Items of another kind are not offered.
        let key = note("kv-app-rbac/keys/app-db-password", &engine).unwrap();
        assert!(!key.contains("did you mean"), "{key}");
        // No items collected for the vault: the answer holds whether or not the item exists.
        let mut bare = s;
        bare.vault_items.clear();
        let engine = Engine::new(bare);
        let none = note("kv-app-rbac/secrets/db-password", &engine).unwrap();
        assert!(
            none.starts_with("the snapshot lists no items of kv-app-rbac"),
            "{none}"
        );
    }
}
