//! The Key Vault data plane, opt-in: names and attributes of keys, secrets and certificates. Never values:
//! only the list operations are called, and only `id`/`kid`, `attributes.enabled` and `attributes.exp` are
//! kept. A refusal (403, a firewall) is recorded for the vault, not fatal.

use reqwest::Url;
use serde_json::{Value, json};

use super::client::Failure;
use super::{Ctx, Endpoint, FetchError, Section, api, url_at};
use crate::model::{Scope, ScopeKind};

const KINDS: [&str; 3] = ["keys", "secrets", "certificates"];

pub(crate) async fn collect(ctx: &Ctx<'_>, vault: &Value, depth: u32) -> Result<(), FetchError> {
    let Some(id) = vault
        .get("id")
        .and_then(Value::as_str)
        .and_then(|id| Scope::parse(id).ok())
        .filter(|s| s.kind() == ScopeKind::Vault)
    else {
        return Ok(());
    };
    let vault_id = id.id().to_string();
    let fail = |message: String| {
        ctx.error(
            &vault_id,
            Section::VaultItems,
            &Failure {
                status: None,
                message,
            },
        );
    };
    if !ctx.client.credentials().has(Endpoint::Vault) {
        fail("no Key Vault credential (set KVACCESS_VAULT_TOKEN): items not listed".into());
        return Ok(());
    }
    let Some(uri) = vault
        .pointer("/properties/vaultUri")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|u| !u.is_empty())
    else {
        fail("the vault has no vaultUri: items not listed".into());
        return Ok(());
    };
    let base = match Url::parse(&if uri.ends_with('/') {
        uri.to_string()
    } else {
        format!("{uri}/")
    }) {
        Ok(u) => u,
        Err(e) => {
            fail(format!("vaultUri '{uri}' is not a URL: {e}"));
            return Ok(());
        }
    };
    if let Err(why) = ctx.client.cloud().vault_uri_allowed(&base) {
        fail(why);
        return Ok(());
    }
    ctx.plan(KINDS.len());
    futures::future::try_join_all(KINDS.iter().map(|kind| {
        let base = base.clone();
        let vault_id = vault_id.clone();
        async move {
            let url = match url_at(
                &base,
                kind,
                Some(api::KEY_VAULT_DATA),
                &[("maxresults", "25")],
            ) {
                Ok(u) => u,
                Err(f) => {
                    ctx.error(&vault_id, Section::VaultItems, &f);
                    return Ok(());
                }
            };
            let listing = ctx.client.list(Endpoint::Vault, url, depth).await?;
            if let Some(f) = &listing.error {
                ctx.error(
                    &vault_id,
                    Section::VaultItems,
                    &Failure {
                        status: f.status,
                        message: format!("{kind}: {}", f.message),
                    },
                );
            }
            let items: Vec<Value> = listing
                .items
                .iter()
                .filter_map(|i| item(&vault_id, kind, i))
                .collect();
            let n = items.len();
            ctx.section(Section::VaultItems, &vault_id, items);
            ctx.done(format!(
                "vault {}: {n} {kind}",
                vault_id.rsplit('/').next().unwrap_or(&vault_id)
            ));
            Ok::<(), FetchError>(())
        }
    }))
    .await?;
    Ok(())
}

/// A `KeyItem` / `SecretItem` / `CertificateItem` → a `vaultItems` entry (name and attributes only).
fn item(vault_id: &str, kind: &str, v: &Value) -> Option<Value> {
    let id = v
        .get("id")
        .or_else(|| v.get("kid"))
        .and_then(Value::as_str)?;
    let url = Url::parse(id).ok()?;
    let segments: Vec<&str> = url.path_segments()?.collect();
    let at = segments.iter().position(|s| s.eq_ignore_ascii_case(kind))?;
    let name = segments.get(at + 1).filter(|n| !n.is_empty())?;
    let attributes = v.get("attributes");
    let enabled = attributes
        .and_then(|a| a.get("enabled"))
        .and_then(Value::as_bool);
    let expires = attributes
        .and_then(|a| a.get("exp"))
        .and_then(Value::as_i64)
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        });
    Some(json!({
        "vaultId": vault_id, "kind": kind, "name": name, "enabled": enabled, "expires": expires,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_keep_names_and_attributes_only() {
        let v = json!({ "id": "https://kv1.vault.azure.net/secrets/db-password", "contentType": "text/plain",
            "attributes": { "enabled": true, "exp": 1798761600, "created": 1, "updated": 2 }, "tags": { "owner": "x" } });
        let got = item(
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv1",
            "secrets",
            &v,
        )
        .unwrap();
        assert_eq!(
            got,
            json!({ "vaultId": "/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv1",
                    "kind": "secrets", "name": "db-password", "enabled": true, "expires": "2027-01-01T00:00:00Z" })
        );
        let k = json!({ "kid": "http://127.0.0.1:1/vaults/kv1/keys/k1", "attributes": { "enabled": false } });
        let got = item("/v", "keys", &k).unwrap();
        assert_eq!(got["name"], "k1");
        assert_eq!(got["expires"], Value::Null);
        assert!(item("/v", "keys", &json!({ "kid": "not a url" })).is_none());
    }
}
