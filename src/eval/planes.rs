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
        origin: Option<&Origin>,
        v: &mut Verdict,
    ) {
        let parts = self
            .rbac_parts(subject, target, (action, Plane::Management), None)
            .collect();
        self.absorb(v, parts);
        if origin.is_some() {
            v.network.reason = "network rules apply only to the data plane: management calls are not filtered by the vault firewall".into();
        }
        if let ScopeKind::Vault | ScopeKind::VaultItem(_) = target.scope.kind()
            && target.vault.is_none()
        {
            v.notes.push(
                "this vault is not in the snapshot; only role assignments were consulted".into(),
            );
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
        let ignored = access_policy::scan_among(
            vault,
            &subject.set,
            via_app,
            &action.policy,
            gathered.entries,
        );
        let mut note = "access policies are inactive: this vault uses Azure RBAC (enableRbacAuthorization is true)".to_string();
        if let Some(g) = ignored.grants.first() {
            note.push_str(&format!(
                "; the access-policy entry {} would otherwise grant this",
                g.id
            ));
        }
        v.notes.push(note);
        if via_app.is_some() {
            v.notes.push("compound identity (user through an application) exists only for access policies: RBAC evaluates the signed-in principal".into());
        }
        if action.rbac_actions.len() > 1 {
            v.notes.push(format!(
                "{} needs every one of: {}",
                action.label,
                action.rbac_actions.join(", ")
            ));
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
            v.notes.push(format!(
                "partly granted: {} is still missing",
                lacking.join(", ")
            ));
        }
        v.grants = scan.grants;
        v.notes.extend(scan.notes);
        let mut note = "Azure RBAC data roles and deny assignments do not apply: this vault uses access policies (enableRbacAuthorization is false)".to_string();
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
        if let Some(g) = rbac.as_ref().and_then(|p| p.grants.first()) {
            note.push_str(&format!(
                "; role assignment {} would grant this on an RBAC vault",
                g.id
            ));
        }
        v.notes.push(note);
        if let ScopeKind::VaultItem(kind) = target.scope.kind() {
            v.notes.push(format!("access policies are vault-wide: this answer holds for every item in {} of the vault", kind.as_str()));
        }
    }
}
