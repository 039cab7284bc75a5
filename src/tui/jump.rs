//! Where Enter on a view's row takes the user: the permissions of a principal at a scope, landing on an
//! operation. A view's row says where (a [`Jump`]); the app remembers the place it leaves and goes there,
//! so `esc` / `[` come back.

use crate::query::Finding;
use crate::tui::permissions::PermRow;

#[derive(Debug, Clone)]
pub struct Jump {
    /// The principal to select (the selected one stays when `None`).
    pub principal: Option<String>,
    /// The scope to select, by id or key (the selected one stays when `None`).
    pub scope: Option<String>,
    pub land: Land,
}

/// Which row of the permissions table to land on.
#[derive(Debug, Clone)]
pub enum Land {
    /// Where the table's cursor is.
    Anywhere,
    Op(String),
    /// An operation the self-grant path would give (see [`landing_op`]).
    GrantedBy(Box<Finding>),
}

impl Land {
    /// The operation to select in the permissions table, now that it answers for the place.
    pub fn op<'a>(&'a self, rows: &[PermRow]) -> Option<&'a str> {
        match self {
            Self::Anywhere => None,
            Self::Op(op) => Some(op),
            Self::GrantedBy(f) => landing_op(rows, f),
        }
    }
}

/// The operation to land on for a self-grant path: one the path would give, marked as one it can grant
/// itself (the table's `⇑ can grant`), so that the explanation tells how; secrets/get first, the question
/// most asked. The table marks each row with one technique: this finding's where it can, another's else.
pub fn landing_op(rows: &[PermRow], f: &Finding) -> Option<&'static str> {
    let marked = |op: &str, exact: bool| {
        rows.iter()
            .any(|r| r.op.name == op && r.escalation.is_some_and(|t| !exact || t == f.technique))
    };
    let candidates = || {
        ["secrets/get"]
            .into_iter()
            .chain(f.lacks.iter().copied())
            .filter(|op| f.lacks.contains(op))
    };
    candidates()
        .find(|op| marked(op, true))
        .or_else(|| candidates().find(|op| marked(op, false)))
        .or_else(|| f.lacks.first().copied())
}
