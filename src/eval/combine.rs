//! The RBAC combining rule, written once: [`Engine::check`](crate::eval::Engine::check) (with evidence) and
//! [`Engine::decide`](crate::eval::Engine::decide) (bulk, without) both reduce what they found about one
//! action to [`Found`] and ask [`combine`].

use crate::eval::Decision;

/// What the role and deny assignments say about one action, reduced to what the rule reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Found {
    /// A deny assignment blocks the action, unconditionally.
    pub denied: bool,
    /// A deny assignment blocks it under a condition.
    pub denied_if: bool,
    /// A deny the snapshot cannot show may apply (deny data missing, or a deny's reach unsure).
    pub denies_unknown: bool,
    /// A role assignment grants it, unconditionally.
    pub granted: bool,
    /// A role assignment grants it under a condition.
    pub granted_if: bool,
    /// A grant the snapshot cannot show may exist (assignment data or role definitions missing, group
    /// memberships unknown, a management group that may contain the target).
    pub grants_unknown: bool,
}

/// The RBAC answer for one action; an unknown answer says which missing data it hinges on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rbac {
    Decided(Decision),
    /// Something grants, but a deny the snapshot cannot show would turn it into "denied".
    UnknownDenies,
    /// Nothing known grants or denies, and a grant the snapshot cannot show may exist.
    UnknownGrants,
}

impl Rbac {
    pub fn decision(self) -> Decision {
        match self {
            Self::Decided(d) => d,
            Self::UnknownDenies | Self::UnknownGrants => Decision::Unknown,
        }
    }
}

/// A deny wins over everything; missing deny data makes a grant unknown, ahead of any condition; a
/// conditional grant or deny makes the answer conditional; missing grant data makes "nothing grants"
/// unknown.
pub fn combine(f: Found) -> Rbac {
    let grants = f.granted || f.granted_if;
    match f {
        Found { denied: true, .. } => Rbac::Decided(Decision::Denied),
        _ if !grants && f.grants_unknown => Rbac::UnknownGrants,
        _ if !grants => Rbac::Decided(Decision::Denied),
        Found {
            denies_unknown: true,
            ..
        } => Rbac::UnknownDenies,
        Found {
            granted: true,
            denied_if: false,
            ..
        } => Rbac::Decided(Decision::Allowed),
        _ => Rbac::Decided(Decision::Conditional),
    }
}

#[cfg(test)]
mod tests;
