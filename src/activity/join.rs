//! Joining summaries to a snapshot: the scope a summary is about, the caller as the directory knows it, and
//! the evaluator's verdict for the logged operation now.

use serde::Serialize;

use super::operations::{self, LogPlane};
use super::summary::{Key, Store};
use crate::eval::Request;
use crate::eval::{Engine, Verdict};
use crate::model::{PrincipalKind, Scope};

/// Which summaries a question is about.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The vault, item or any scope above them.
    pub scope: Option<Scope>,
    /// An object id, lower case.
    pub principal: Option<String>,
}

impl Filter {
    pub fn admits(&self, store: &Store, key: &Key) -> bool {
        if let Some(p) = &self.principal
            && store.strings.get(key.caller) != p
        {
            return false;
        }
        match (&self.scope, scope_of(store, key)) {
            (None, _) => true,
            (Some(f), Some(s)) => f.contains_structurally(&s),
            (Some(_), None) => false,
        }
    }
}

/// The vault (or `vault/secrets/name`) a summary is about.
pub fn scope_of(store: &Store, key: &Key) -> Option<Scope> {
    let vault = store.strings.get(key.vault);
    let id = match store.opt(key.item) {
        Some(item) => format!("{vault}/{item}"),
        None => vault.to_string(),
    };
    Scope::parse(&id).ok()
}

/// The vault's resource id as the snapshot spells it, or as logged (lower case).
pub fn vault_id(engine: Option<&Engine>, store: &Store, key: &Key) -> String {
    let logged = store.strings.get(key.vault);
    engine
        .and_then(|e| {
            let scope = Scope::parse(logged).ok()?;
            e.target(&scope).vault.map(|v| v.scope.id().to_string())
        })
        .unwrap_or_else(|| logged.to_string())
}

/// A caller as the snapshot knows it, or as the token named it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallerRef {
    pub id: String,
    pub display_name: String,
    #[serde(rename = "type")]
    pub kind: PrincipalKind,
    /// Whether the snapshot's directory data has this object id.
    pub in_snapshot: bool,
}

pub fn caller(engine: Option<&Engine>, store: &Store, id: u32) -> CallerRef {
    let oid = store.strings.get(id);
    let known = engine.and_then(|e| {
        let &i = e.index.principal.get(oid)?;
        e.snapshot.principals.get(i)
    });
    let logged = store.caller_names.get(&id).map(|&n| store.strings.get(n));
    CallerRef {
        id: oid.to_string(),
        display_name: known
            .map(|p| p.display_name.clone())
            .or_else(|| logged.map(str::to_string))
            .unwrap_or_else(|| "(unknown)".to_string()),
        kind: known.map_or(PrincipalKind::Unknown, |p| p.kind),
        in_snapshot: known.is_some(),
    }
}

/// The access-policy permission or RBAC action the logged operation needs, for display.
pub fn permission(store: &Store, key: &Key) -> Option<String> {
    let op = operations::lookup(store.strings.get(key.operation))?;
    op.permission.clone().or_else(|| op.rbac_action.clone())
}

/// The evaluator's verdict now for the logged call (caller through the logged application), or why there
/// is none: an operation outside the mapping, a vault the snapshot lacks, an authentication step.
pub fn verdict(engine: &Engine, store: &Store, key: &Key) -> Result<Verdict, String> {
    let scope = scope_of(store, key).ok_or_else(|| "not a vault resource id".to_string())?;
    verdict_for(
        engine,
        store.strings.get(key.caller),
        store.opt(key.app),
        &scope,
        store.strings.get(key.operation),
    )
}

/// [`verdict`] for one call given in words: object id, application id, vault or item scope, logged
/// operation name.
pub fn verdict_for(
    engine: &Engine,
    caller: &str,
    app: Option<&str>,
    scope: &Scope,
    operation: &str,
) -> Result<Verdict, String> {
    let op = operations::lookup(operation)
        .ok_or_else(|| format!("operation {operation} is not in the mapping"))?;
    if matches!(op.plane, LogPlane::Auth | LogPlane::System) {
        return Err(format!("{operation} needs no permission on an object"));
    }
    let target = engine.target(scope);
    let vault = target
        .vault
        .ok_or_else(|| format!("vault {} is not in the snapshot", scope.id()))?;
    let action = op
        .action(vault.rbac_authorization)
        .ok_or_else(|| format!("{operation} has no action for this vault's permission model"))?;
    // Control-plane operations are about the vault, whatever object URL the record carries.
    let target = if op.plane == LogPlane::Control && scope.kind() != crate::model::ScopeKind::Vault
    {
        engine.target(&vault.scope)
    } else {
        target
    };
    let subject = engine.subject(caller);
    // A service principal's token carries its own appId: that is not a user calling through an app.
    let own_app = engine
        .index
        .principal
        .get(caller)
        .and_then(|&i| engine.snapshot.principals.get(i))
        .and_then(|p| p.app_id.as_deref());
    let app = app.filter(|a| !own_app.is_some_and(|o| o.eq_ignore_ascii_case(a)));
    engine
        .check(&Request::new(&subject, &target, action).via_app(app))
        .map_err(|e| e.to_string())
}
