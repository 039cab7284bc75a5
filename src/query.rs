//! The questions people ask, shared by the CLI and the TUI: resolve a principal by any of its names, check
//! one question, list who can do something, lay out a matrix, and find self-escalation paths.

mod classes;
mod escalation;
pub mod grouped;
mod items;
mod matrix;
mod principal;
mod principal_reach;
pub(crate) mod reach;
mod scope;
mod who_can;

pub use escalation::{
    Finding, Technique, escalations, escalations_for_vault, escalations_for_vault_among,
    self_grants,
};
pub(crate) use escalation::{RowFindings, findings_of_row};
pub use items::ItemAnswer;
pub(crate) use items::{beside_vault, held, item_scopes};
pub use matrix::{
    Cell, DecidedCells, FirstOfClass, Matrix, MatrixRow, NamedVaults, OnItems, VaultAccess,
    each_named_vault, each_named_vault_alike, matrix_for_principal, matrix_for_vault,
    through_network, vault_access_decided, vault_wide_access,
};
pub use principal::resolve_principal;
pub use principal_reach::{
    GroupReach, ItemReach, Reach, VaultReach, principal_reach, principal_reach_with,
};
pub(crate) use principal_reach::{data_operations, eligible_role, item_reach};
pub use scope::{item_not_in_snapshot, resolve_scope, unknown_vault};
pub use who_can::{EligibleEntry, ItemsEntry, WhoCan, WhoCanEntry, who_can, who_can_from};

use crate::catalog::{self, Action};
use crate::error::QueryError;
use crate::eval::Request;
use crate::eval::{Engine, Origin, Verdict};
use crate::model::Scope;

/// One question in the user's words.
#[derive(Debug, Clone, Default)]
pub struct Question {
    /// Object id, UPN, appId or unambiguous display name.
    pub principal: String,
    /// appId of the application the principal calls through (compound identity).
    pub via_app: Option<String>,
    /// A scope id, a vault name or URL, or `vault/secrets/name` (see [`resolve_scope`]).
    pub scope: String,
    /// Access-policy word (`secrets/get`) or full action string.
    pub action: String,
    pub origin: Option<Origin>,
}

/// Resolves the question's words and decides it.
pub fn check(engine: &Engine, q: &Question) -> Result<Verdict, QueryError> {
    let r = Resolved::new(engine, q)?;
    let target = engine.target(&r.scope);
    let mut verdict = engine.check(&r.request(&target, q))?;
    if let Some(note) = item_not_in_snapshot(engine, &r.scope) {
        verdict.notes.push(note);
    }
    Ok(verdict)
}

/// A question's words resolved to the principal's subject, the scope, the action and the application.
struct Resolved {
    subject: crate::eval::Subject,
    scope: Scope,
    action: Action,
    via_app: Option<String>,
}

impl Resolved {
    fn new(engine: &Engine, q: &Question) -> Result<Self, QueryError> {
        let principal = resolve_principal(engine, &q.principal)?;
        let scope = resolve_scope(&engine.snapshot, &q.scope)?;
        let action = catalog::resolve(&q.action)?;
        let via_app = q
            .via_app
            .as_deref()
            .map(|a| resolve_app(engine, a))
            .transpose()?;
        Ok(Self {
            subject: engine.subject(&principal),
            scope,
            action,
            via_app,
        })
    }

    fn request<'r>(&'r self, target: &'r crate::eval::Target<'r>, q: &'r Question) -> Request<'r> {
        Request::new(&self.subject, target, &self.action)
            .via_app(self.via_app.as_deref())
            .from(q.origin.as_ref())
    }
}

/// [`check`]'s question, resolved: the self-grant paths to the operation it asks about (see
/// [`self_grants`]).
pub fn check_self_grants(engine: &Engine, q: &Question) -> Result<Vec<Finding>, QueryError> {
    let principal = resolve_principal(engine, &q.principal)?;
    let scope = resolve_scope(&engine.snapshot, &q.scope)?;
    let action = catalog::resolve(&q.action)?;
    Ok(self_grants(engine, &principal, &scope, &action))
}

/// [`check`]'s question, resolved: at a vault, the items where the principal may do it through grants made
/// at the items, when the vault-level answer is not `allowed` (see [`items::beside_vault`]).
pub fn check_on_items(engine: &Engine, q: &Question) -> Result<Vec<ItemAnswer>, QueryError> {
    let r = Resolved::new(engine, q)?;
    let target = engine.target(&r.scope);
    Ok(items::beside_vault(
        engine,
        &r.request(&target, q),
        &r.scope,
    ))
}

pub fn parse_scope(text: &str) -> Result<Scope, QueryError> {
    Scope::parse(text).map_err(|_| QueryError::BadScope(text.to_string()))
}

pub fn resolve_action(text: &str) -> Result<Action, QueryError> {
    catalog::resolve(text)
}

/// `--via-app` takes an appId (GUID) or the display name of a service principal; the result is an appId.
pub fn resolve_app(engine: &Engine, text: &str) -> Result<String, QueryError> {
    let lower = text.trim().to_ascii_lowercase();
    if uuid::Uuid::try_parse(&lower).is_ok() {
        if let Some(&i) = engine.index.principal.get(&lower)
            && let Some(app) = engine
                .snapshot
                .principals
                .get(i)
                .and_then(|p| p.app_id.clone())
        {
            return Ok(app); // an object id of a service principal: use its appId
        }
        return Ok(lower);
    }
    let id = resolve_principal(engine, text)?;
    engine
        .index
        .principal
        .get(&id)
        .and_then(|&i| engine.snapshot.principals.get(i))
        .and_then(|p| p.app_id.clone())
        .ok_or_else(|| {
            QueryError::UnknownPrincipal(
                format!("{} (not an application)", crate::sanitize::cut(text)),
                String::new(),
            )
        })
}
