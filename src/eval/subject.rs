//! Who is asking: a principal as the engine sees it — its directory entry (if any), its groups, and whether
//! those are fully known.

use super::Engine;
use super::index::PrincipalSet;
use super::verdict::PrincipalRef;
use crate::eval::reason::UnknownBecause;
use crate::model::PrincipalKind;
use crate::model::Topic;

/// Who is asking: the principal, its groups, and whether those are fully known.
#[derive(Debug, Clone)]
pub struct Subject {
    pub principal: PrincipalRef,
    pub set: PrincipalSet,
    /// False when the principal is absent from the directory data or memberships could not be collected:
    /// a group grant or deny might then apply without the snapshot showing it.
    pub groups_known: bool,
    /// False for an object id that assignments or policies name but the directory data lacks: a deleted
    /// principal, or one that was not collected.
    pub in_directory: bool,
}

impl Engine {
    /// The subject for an object id (lower-cased). Ids absent from the directory data are still valid
    /// subjects (a deleted principal's assignments remain), but their groups are unknown.
    pub fn subject(&self, principal_id: &str) -> Subject {
        let id = crate::model::guid::canonical(principal_id);
        let principal = self
            .index
            .principal
            .get(&id)
            .and_then(|&i| self.snapshot.principals.get(i));
        let directory_gaps = self.directory_gaps();
        Subject {
            principal: PrincipalRef {
                id: id.clone(),
                display_name: principal.map_or_else(
                    || crate::model::principal::not_in_directory(&id),
                    |p| p.display_name.clone(),
                ),
                kind: principal.map_or(PrincipalKind::Unknown, |p| p.kind),
            },
            groups_known: principal.is_some() && !directory_gaps,
            in_directory: principal.is_some(),
            set: self.index.principal_set(&id),
        }
    }

    /// Memberships or principals could not be collected: nobody's groups are fully known.
    pub(crate) fn directory_gaps(&self) -> bool {
        self.snapshot
            .collection_errors
            .iter()
            .any(|e| e.is_about(&Topic::GROUP_MEMBERSHIPS) || e.is_about(&Topic::PRINCIPALS))
    }

    /// The display name of the service principal of application `app_id` (compound identities), when the
    /// directory data has it.
    pub fn app_name(&self, app_id: &str) -> Option<String> {
        self.index
            .principal_by_app
            .get(&crate::model::guid::canonical(app_id))
            .and_then(|&i| self.snapshot.principals.get(i))
            .map(|p| p.display_name.clone())
    }

    /// Why the subject's groups are not fully known, in words: the principal, and a membership section the
    /// snapshot file lacks altogether.
    pub(crate) fn groups_unknown_because(&self, subject: &Subject) -> Vec<UnknownBecause> {
        let mut out = vec![UnknownBecause::GroupsUnknown {
            principal: subject.principal.id.clone(),
        }];
        out.extend(
            self.snapshot
                .collection_errors
                .iter()
                .filter(|e| e.is_absent_section() && e.is_about(&Topic::GROUP_MEMBERSHIPS))
                .map(|e| UnknownBecause::from_error(e, "/".into())),
        );
        out
    }

    /// Whether `id` stands for a group (never an identity that signs in): listed as one in the directory
    /// data, or with members.
    pub fn is_group(&self, id: &str) -> bool {
        self.index.is_group_with_members(id)
            || self
                .index
                .principal
                .get(id)
                .and_then(|&i| self.snapshot.principals.get(i))
                .is_some_and(|p| p.kind == PrincipalKind::Group)
    }
}
