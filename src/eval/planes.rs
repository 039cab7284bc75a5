//! The three ways a question is decided: the management plane (always Azure RBAC), the data plane of a
//! vault on Azure RBAC (data actions), and the data plane of a vault on access policies. The data-plane ones
//! say in their notes which mechanism they ignored and why.

use super::*;

impl Engine {
    pub(super) fn management(
        &self,
        subject: &Subject,
        target: &Target,
        action: &Action,
        (origin, gathered): (Option<&Origin>, Gathered),
        v: &mut Verdict,
    ) {
        // The role assignments a bulk query gathered (escalations' lever checks) are the ones a scan of
        // the scopes would find.
        let parts = self
            .rbac_parts(
                subject,
                target,
                (action, Plane::Management),
                gathered.assignments,
            )
            .collect();
        self.absorb(v, parts);
        if origin.is_some() {
            v.network = NetworkVerdict::NotEvaluated("network rules apply only to the data plane: management calls are not filtered by the vault firewall".into());
        }
        if let ScopeKind::Vault | ScopeKind::VaultItem(_) = target.scope.kind()
            && target.vault.is_none()
        {
            v.notes.push(Note::VaultNotInSnapshot);
        }
    }

    pub(super) fn data_rbac(
        &self,
        subject: &Subject,
        target: &Target,
        vault: &Vault,
        action: &Action,
        (via_app, gathered): (Option<&str>, Gathered),
        v: &mut Verdict,
    ) {
        v.permission_model = Some(PermissionModel::Rbac);
        let parts = self
            .rbac_parts(subject, target, (action, Plane::Data), gathered.assignments)
            .collect();
        self.absorb(v, parts);
        if !gathered.without_ignored_mechanism {
            let ignored = access_policy::scan_among(
                vault,
                &subject.set,
                via_app,
                &action.policy,
                gathered.entries,
            );
            v.notes.push(Note::AccessPoliciesInactive {
                would_grant: ignored.grants.first().map(|g| g.id.clone()),
            });
        }
        if via_app.is_some() {
            v.notes.push(Note::CompoundIgnoredByRbac);
        }
        if action.rbac_actions.len() > 1 {
            v.notes.push(Note::NeedsEvery {
                operation: action.label.clone(),
                actions: action.rbac_actions.clone(),
            });
        }
    }

    pub(super) fn data_access_policy(
        &self,
        subject: &Subject,
        target: &Target,
        vault: &Vault,
        action: &Action,
        (via_app, gathered): (Option<&str>, Gathered),
        v: &mut Verdict,
    ) {
        v.permission_model = Some(PermissionModel::AccessPolicy);
        let scan = access_policy::scan_among(
            vault,
            &subject.set,
            via_app,
            &action.policy,
            gathered.entries,
        );
        let gaps = self.gaps(target, &Topic::AccessPolicies);
        v.decision = if scan.allowed() && !action.policy.is_empty() {
            Decision::Allowed
        } else if !gaps.is_empty() || !subject.groups_known {
            v.unknown_because.extend(gaps);
            if !subject.groups_known {
                v.unknown_because
                    .extend(self.groups_unknown_because(subject));
            }
            Decision::Unknown
        } else {
            Decision::Denied
        };
        if !scan.allowed() && !scan.grants.is_empty() {
            let lacking: Vec<String> = scan
                .lacking
                .iter()
                .map(|(k, p)| format!("{}/{p}", k.as_str()))
                .collect();
            v.notes.push(Note::PartlyGranted { lacking });
        }
        v.grants = scan.grants;
        v.notes
            .extend(scan.notes.into_iter().map(|n| self.with_app_name(n)));
        if !gathered.without_ignored_mechanism {
            v.notes
                .push(self.rbac_inactive(subject, target, action, gathered));
        }
        if let ScopeKind::VaultItem(kind) = target.scope.kind() {
            v.notes.push(Note::VaultWide {
                kind: kind.as_str(),
            });
        }
    }

    /// The note on an access-policy vault that role assignments do not count, naming one that would grant
    /// the action.
    fn rbac_inactive(
        &self,
        subject: &Subject,
        target: &Target,
        action: &Action,
        gathered: Gathered,
    ) -> Note {
        // Only an assignment whose role grants the action can make the note; most subjects have none, and
        // a full scan (with its evidence) is worth it only when one does.
        let may_grant = match gathered.assignments {
            Some(found) => found
                .iter()
                .filter_map(|&(_, role)| role)
                .any(|r| self.role_may_grant(r, action)),
            None => self.any_assignment_may_grant(subject, target, action),
        };
        let rbac = if may_grant {
            self.rbac_parts(subject, target, (action, Plane::Data), gathered.assignments)
                .find(|p| p.decision.grants_something())
        } else {
            None
        };
        Note::RbacInactive {
            would_grant: rbac
                .as_ref()
                .and_then(|p| p.grants.first())
                .map(|g| g.id.clone()),
        }
    }

    /// A note naming a compound identity's application gets the application's name, when the directory
    /// has it (the scan sees only the vault).
    fn with_app_name(&self, note: Note) -> Note {
        match note {
            Note::BoundToApp {
                object_id,
                app_id,
                app_name: None,
                matched,
            } => Note::BoundToApp {
                app_name: self.app_name(&app_id),
                object_id,
                app_id,
                matched,
            },
            other => other,
        }
    }
}
