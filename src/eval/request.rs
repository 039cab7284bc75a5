//! One question for the engine, and what a bulk query already gathered for it.

use super::{Origin, Subject, Target};
use crate::catalog::Action;

/// One question for [`Engine::check`](super::Engine::check): who, where, what, through which application,
/// from where.
#[derive(Debug, Clone, Copy)]
pub struct Request<'r> {
    pub subject: &'r Subject,
    pub target: &'r Target<'r>,
    pub action: &'r Action,
    /// The appId of the client application a user calls through (compound access-policy entries).
    pub via_app: Option<&'r str>,
    /// Where the call comes from; without it the data plane's network rules are described, not applied.
    pub origin: Option<&'r Origin>,
}

impl<'r> Request<'r> {
    /// The question with no client application and no caller location.
    pub fn new(subject: &'r Subject, target: &'r Target<'r>, action: &'r Action) -> Self {
        Self {
            subject,
            target,
            action,
            via_app: None,
            origin: None,
        }
    }

    pub fn via_app(self, via_app: Option<&'r str>) -> Self {
        Self { via_app, ..self }
    }

    pub fn from(self, origin: Option<&'r Origin>) -> Self {
        Self { origin, ..self }
    }
}

/// What a bulk query already gathered about one (subject, target) pair, so that
/// [`Engine::check_gathered`](super::Engine::check_gathered) need not look it up again. The default gathers
/// nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Gathered<'g> {
    /// The vault's access-policy entries that name the subject or one of its groups (whatever application
    /// they are bound to), ascending.
    pub entries: Option<&'g [usize]>,
    /// The role assignments naming the subject or one of its groups at or above the target, with their
    /// role definitions, as [`Engine::prepare`](super::Engine::prepare) finds them.
    pub assignments: Option<&'g [(usize, Option<usize>)]>,
    /// The caller reads no note on the mechanism the vault ignores (grouped who-can): leave out the
    /// notes naming what role assignments would grant on an access-policy vault, or access-policy
    /// entries on an RBAC one, rather than look it up. Nothing else in the verdict changes.
    pub without_ignored_mechanism: bool,
}
