//! Finding a principal by the name a person knows it by.

use crate::error::QueryError;
use crate::eval::Engine;
use crate::sanitize::clean;

/// Resolves an object id, UPN, appId or display name to a lower-cased object id. Object ids that the
/// snapshot references (in an assignment, a policy or a membership) but whose directory object is missing
/// resolve too: they are the deleted principals an auditor asks about.
pub fn resolve_principal(engine: &Engine, text: &str) -> Result<String, QueryError> {
    let query = text.trim();
    let lower = crate::model::guid::canonical(query);
    if engine.index.principal.contains_key(&lower) || engine.index.referenced_ids.contains(&lower) {
        return Ok(lower);
    }
    if let Some(&i) = engine.index.principal_by_app.get(&lower)
        && let Some(p) = engine.snapshot.principals.get(i)
    {
        return Ok(p.id.clone());
    }
    let by_upn: Vec<&str> = engine
        .snapshot
        .principals
        .iter()
        .filter(|p| {
            p.user_principal_name
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(query))
        })
        .map(|p| p.id.as_str())
        .collect();
    if let [one] = by_upn.as_slice() {
        return Ok(one.to_string());
    }
    let by_name: Vec<_> = engine
        .snapshot
        .principals
        .iter()
        .filter(|p| p.display_name.eq_ignore_ascii_case(query))
        .collect();
    match by_name.as_slice() {
        [] => Err(QueryError::UnknownPrincipal(clean(query).into_owned())),
        [one] => Ok(one.id.clone()),
        many => Err(QueryError::AmbiguousPrincipal {
            query: clean(query).into_owned(),
            candidates: many
                .iter()
                .map(|p| format!("{} ({} {})", clean(&p.display_name), p.kind.as_str(), p.id))
                .collect(),
        }),
    }
}
