//! The pure access engine: given a snapshot, answer "may P do X at S?" with a decision and its evidence.
//! No IO, no clock, no terminal: everything it knows is in the [`Snapshot`].

pub mod access_policy;
pub mod builtin_roles;
pub mod bulk;
pub mod combine;
pub mod condition;
pub mod decide;
pub mod index;
mod membership;
pub mod network;
/// Action patterns are part of the vocabulary (role definitions hold them); matching lives with them.
pub use crate::model::pattern;
mod planes;
pub mod rbac;
pub mod reason;
mod request;
mod subject;
pub mod verdict;

use std::sync::Arc;

use crate::catalog::{Action, Plane};
use crate::error::QueryError;
use crate::model::Topic;
use crate::model::{
    DenyAssignment, PrincipalKind, RoleAssignment, Scope, ScopeKind, Snapshot, Vault,
};
use index::{Ancestry, Index};
pub use network::Origin;
use rbac::Rbac;
pub use reason::{Note, UnknownBecause};
pub use request::{Gathered, Request};
pub use subject::Subject;
pub use verdict::{
    Decision, Deny, Grant, GrantKind, NetworkVerdict, PermissionModel, PrincipalRef, Verdict,
};

/// An evaluator over one snapshot, which it owns (shared: the explorer's worker and a what-if world hold
/// the same data), with its lookups built once.
pub struct Engine {
    pub snapshot: Arc<Snapshot>,
    pub index: Index,
    cache: decide::MatchCache,
    /// The role assignments' and eligibilities' conditions as a full check reads them, parsed once.
    conditions: condition::Parsed,
}

/// Where the question is asked: the scope, everything above it, and the vault it is in (if any).
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub scope: Scope,
    pub ancestry: Ancestry,
    pub vault: Option<&'a Vault>,
}

/// The RBAC part of a decision for one action.
struct Part {
    decision: Decision,
    grants: Vec<Grant>,
    denies: Vec<Deny>,
    unknown_because: Vec<UnknownBecause>,
    notes: Vec<Note>,
}

impl Engine {
    /// Builds the lookups over `snapshot`, which the engine keeps.
    pub fn new(snapshot: impl Into<Arc<Snapshot>>) -> Self {
        let mut snapshot = snapshot.into();
        builtin_roles::complete(&mut snapshot);
        Self {
            index: Index::build(&snapshot),
            cache: decide::MatchCache::build(&snapshot),
            conditions: condition::Parsed::default(),
            snapshot,
        }
    }

    /// [`Engine::new`] for a snapshot made from `before`'s (a what-if copy): the lookups over the sections
    /// the two hold as one list are `before`'s (see [`Index::build_beside`]). The same engine as
    /// [`Engine::new`] builds, in less time and memory.
    pub fn after(before: &Engine, snapshot: impl Into<Arc<Snapshot>>) -> Self {
        let mut snapshot = snapshot.into();
        builtin_roles::complete(&mut snapshot);
        Self {
            index: Index::build_beside(&snapshot, Some((&before.snapshot, &before.index))),
            cache: decide::MatchCache::build(&snapshot),
            conditions: condition::Parsed::default(),
            snapshot,
        }
    }

    fn rbac(&self) -> Rbac<'_> {
        Rbac {
            snapshot: &self.snapshot,
            index: &self.index,
            secret: None,
            conditions: &self.conditions,
        }
    }

    /// [`Engine::rbac`] for a request at `target`: conditions on the name of the secret it names decide.
    fn rbac_at<'s>(&'s self, target: &'s Target<'_>) -> Rbac<'s> {
        Rbac {
            secret: rbac::secret_of(&target.scope),
            ..self.rbac()
        }
    }

    /// The role assignments made at exactly `scope` (not above it), with their positions in the snapshot.
    pub fn assignments_at(&self, scope: &Scope) -> impl Iterator<Item = (usize, &RoleAssignment)> {
        let list = &self.snapshot.role_assignments;
        let at = self.index.assignments_at.get(scope.key());
        at.into_iter()
            .flatten()
            .filter_map(move |&i| list.get(i).map(|a| (i, a)))
    }

    /// The deny assignments made at exactly `scope`, with their positions in the snapshot.
    pub fn denies_at(&self, scope: &Scope) -> impl Iterator<Item = (usize, &DenyAssignment)> {
        let list = self.snapshot.deny_assignments.as_slice();
        let at = self.index.denies_at.get(scope.key());
        at.into_iter()
            .flatten()
            .filter_map(move |&i| list.get(i).map(|d| (i, d)))
    }

    pub fn target(&self, scope: &Scope) -> Target<'_> {
        Target {
            scope: scope.clone(),
            ancestry: self.index.ancestry(scope),
            vault: self.vault_of(scope),
        }
    }

    /// The vault `scope` is or lies in, when the snapshot has it.
    pub fn vault_of(&self, scope: &Scope) -> Option<&Vault> {
        scope
            .vault()
            .and_then(|v| self.index.vault.get(v.key()))
            .and_then(|&i| self.snapshot.vaults.get(i))
    }

    /// Collection errors of `section` at the target or above it.
    fn gaps(&self, target: &Target, section: &Topic) -> Vec<UnknownBecause> {
        let mut out = Vec::new();
        if self.snapshot.collection_errors.is_empty() {
            return out;
        }
        for scope in &target.ancestry.scopes {
            for e in self
                .index
                .errors_at
                .get(scope.key())
                .into_iter()
                .flatten()
                .filter_map(|&i| self.snapshot.collection_errors.get(i))
            {
                if e.is_about(section) {
                    out.push(UnknownBecause::from_error(e, e.scope.to_string()));
                }
            }
        }
        out
    }

    /// The RBAC parts of a decision on `plane`, one per action string the operation needs (two for
    /// `secrets/set`). `found`: the role assignments a bulk query gathered (see [`Gathered::assignments`]).
    fn rbac_parts<'s>(
        &'s self,
        subject: &'s Subject,
        target: &'s Target<'_>,
        (action, plane): (&'s Action, Plane),
        found: Option<&'s [(usize, Option<usize>)]>,
    ) -> impl Iterator<Item = Part> + 's {
        action
            .rbac_actions
            .iter()
            .map(move |a| self.rbac_part(subject, target, (a, plane), found))
    }

    /// One RBAC action's part of a decision.
    fn rbac_part(
        &self,
        subject: &Subject,
        target: &Target,
        (action, plane): (&str, Plane),
        found: Option<&[(usize, Option<usize>)]>,
    ) -> Part {
        let lower = action.to_ascii_lowercase();
        let rbac = self.rbac_at(target);
        let grants = rbac.scan_grants(&subject.set, &target.ancestry, &lower, plane, false, found);
        let denies = rbac.scan_denies(
            &subject.set,
            subject.groups_known,
            &target.scope,
            &target.ancestry,
            &lower,
            plane,
        );
        let mut grant_gaps = grants.missing;
        grant_gaps.extend(self.gaps(target, &Topic::ROLE_ASSIGNMENTS));
        if !subject.groups_known {
            grant_gaps.extend(self.groups_unknown_because(subject));
        }
        let mut deny_gaps = denies.missing;
        deny_gaps.extend(self.gaps(target, &Topic::DENY_ASSIGNMENTS));
        let mut notes = denies.notes;
        notes.extend(grants.notes);
        let found = combine::Found {
            denied: !denies.denies.is_empty(),
            denied_if: !denies.conditional.is_empty(),
            denies_unknown: !deny_gaps.is_empty(),
            granted: !grants.grants.is_empty(),
            granted_if: !grants.conditional.is_empty(),
            grants_unknown: !grant_gaps.is_empty(),
        };
        if !found.denied && (found.granted || found.granted_if) && found.denied_if {
            notes.push(Note::ConditionalDenyMayBlock);
        }
        let rbac = combine::combine(found);
        let decision = rbac.decision();
        let unknown_because = match rbac {
            combine::Rbac::UnknownDenies => deny_gaps,
            combine::Rbac::UnknownGrants => grant_gaps,
            combine::Rbac::Decided(_) => Vec::new(),
        };
        let mut all_grants = grants.grants;
        all_grants.extend(grants.conditional);
        if decision == Decision::Unknown && all_grants.is_empty() {
            // Nothing known grants and nothing denies: the assignments whose role definitions are missing are
            // the candidate grants the answer hinges on.
            all_grants.extend(grants.unresolved);
        }
        let mut all_denies = denies.denies;
        all_denies.extend(denies.conditional);
        Part {
            decision,
            grants: all_grants,
            denies: all_denies,
            unknown_because,
            notes,
        }
    }

    /// Checks the action makes sense at the target before evaluating it.
    pub fn validate(&self, target: &Target, action: &Action) -> Result<(), QueryError> {
        // `Scope::vault` is `Some` exactly for a vault or an item (whose parent it is); asked by kind, no
        // parent is built (bulk answers validate thousands of item targets).
        let in_vault = matches!(
            target.scope.kind(),
            ScopeKind::Vault | ScopeKind::VaultItem(_)
        );
        if action.plane == Plane::Management || (action.is_foreign_data() && !in_vault) {
            return Ok(());
        }
        if !in_vault {
            return Err(QueryError::DataActionScope {
                action: action.label.clone(),
                scope: target.scope.id().to_string(),
            });
        }
        if target.vault.is_none() {
            let vault = target.scope.vault().unwrap_or_else(|| target.scope.clone());
            return Err(crate::query::unknown_vault(&self.snapshot, &vault));
        }
        if on_another_item_kind(&target.scope, action) {
            return Err(QueryError::ItemMismatch {
                action: action.label.clone(),
                scope: target.scope.id().to_string(),
            });
        }
        Ok(())
    }

    /// Decides one question.
    pub fn check(&self, q: &Request) -> Result<Verdict, QueryError> {
        self.check_gathered(q, Gathered::default())
    }

    /// [`Engine::check`] with what a bulk query already gathered about the pair: the same verdict.
    pub fn check_gathered(&self, q: &Request, gathered: Gathered) -> Result<Verdict, QueryError> {
        let Request {
            subject,
            target,
            action,
            via_app,
            origin,
        } = *q;
        self.validate(target, action)?;
        let via_app = via_app.map(crate::model::guid::canonical);
        let mut v = Verdict {
            decision: Decision::Denied,
            principal: subject.principal.clone(),
            via_app_name: via_app.as_deref().and_then(|a| self.app_name(a)),
            via_app: via_app.clone(),
            scope: target.scope.id().to_string(),
            action: action.canonical.clone(),
            operation: action.label.clone(),
            required_actions: action.rbac_actions.clone(),
            plane: action.plane,
            permission_model: None,
            endpoint: self.endpoint(target, action.plane),
            grants: Vec::new(),
            denies: Vec::new(),
            network: NetworkVerdict::default(),
            eligible: Vec::new(),
            unknown_because: Vec::new(),
            notes: Vec::new(),
        };
        if subject.principal.kind == PrincipalKind::Group {
            v.notes.push(Note::GroupNeverSignsIn);
        }
        match (action.plane, target.vault) {
            (Plane::Data, Some(vault)) if vault.properties_missing => {
                v.decision = Decision::Unknown;
                v.unknown_because
                    .push(UnknownBecause::VaultWithoutProperties {
                        vault: vault.name.clone(),
                    });
            }
            (Plane::Data, Some(vault)) if vault.rbac_authorization => self.data_rbac(
                subject,
                target,
                vault,
                action,
                (via_app.as_deref(), gathered),
                &mut v,
            ),
            (Plane::Data, Some(vault)) => self.data_access_policy(
                subject,
                target,
                vault,
                action,
                (via_app.as_deref(), gathered),
                &mut v,
            ),
            (Plane::Data, None) => {
                // Another provider's data action (VM sign-in): role assignments and deny assignments only.
                let parts = self
                    .rbac_parts(subject, target, (action, Plane::Data), gathered.assignments)
                    .collect();
                self.absorb(&mut v, parts);
            }
            _ => self.management(subject, target, action, (origin, gathered), &mut v),
        }
        if action.plane == Plane::Data
            && let Some(vault) = target.vault
        {
            if vault.properties_missing {
                v.network = NetworkVerdict::NotEvaluated(
                    "not known: the vault's network rules are not in the snapshot".into(),
                );
            } else {
                apply_network(vault, origin, &mut v);
            }
        }
        if !subject.in_directory && v.decision.grants_something() {
            v.unknown_because.push(UnknownBecause::NotInDirectory {
                principal: subject.principal.id.clone(),
            });
            v.decision = Decision::Unknown;
        }
        self.purge_protection(target, action, &mut v);
        self.eligibilities(subject, target, action, &mut v);
        if v.decision.grants_something() && !self.snapshot.assumptions.is_empty() {
            v.notes.push(Note::Assumed {
                assumptions: self.snapshot.assumptions.clone(),
            });
        }
        Ok(v)
    }

    fn endpoint(&self, target: &Target, plane: Plane) -> String {
        match (plane, target.vault) {
            (Plane::Data, Some(vault)) => {
                format!("{}.{}", vault.name, self.snapshot.cloud.vault_dns_suffix())
            }
            _ => self.snapshot.cloud.management_endpoint().to_string(),
        }
    }

    fn absorb(&self, v: &mut Verdict, parts: Vec<Part>) {
        let mut decision = Decision::Allowed;
        for p in parts {
            decision = decision.and(p.decision);
            for g in p.grants {
                if !v.grants.iter().any(|x| x.id == g.id) {
                    v.grants.push(g);
                }
            }
            for d in p.denies {
                if !v.denies.iter().any(|x| x.id == d.id) {
                    v.denies.push(d);
                }
            }
            v.unknown_because.extend(p.unknown_because);
            v.notes.extend(p.notes);
        }
        v.decision = decision;
    }

    fn purge_protection(&self, target: &Target, action: &Action, v: &mut Verdict) {
        if action.purge && target.vault.is_some_and(|vault| vault.purge_protection) {
            v.decision = Decision::Denied;
            v.unknown_because.clear();
            v.notes.push(Note::PurgeProtection);
        }
    }

    fn eligibilities(&self, subject: &Subject, target: &Target, action: &Action, v: &mut Verdict) {
        let plane = match (action.plane, target.vault) {
            (Plane::Data, Some(vault)) if !vault.rbac_authorization => return,
            (plane, _) => plane,
        };
        for a in &action.rbac_actions {
            let scan = self.rbac_at(target).scan_grants(
                &subject.set,
                &target.ancestry,
                &a.to_ascii_lowercase(),
                plane,
                true,
                None,
            );
            for g in scan.grants.into_iter().chain(scan.conditional) {
                if !v.eligible.iter().any(|x| x.id == g.id) {
                    v.notes.push(Note::Eligible {
                        id: g.id.clone(),
                        role: g.role_name.clone(),
                    });
                    v.eligible.push(g);
                }
            }
        }
    }
}

/// Applies the firewall to a data-plane verdict, or describes it when no location was given.
fn apply_network(vault: &Vault, origin: Option<&Origin>, v: &mut Verdict) {
    let Some(origin) = origin else {
        v.network = NetworkVerdict::NotEvaluated(format!(
            "not evaluated (no caller location given); {}",
            network::describe(&vault.network)
        ));
        return;
    };
    v.network = network::admits(&vault.network, origin);
    match v.network {
        NetworkVerdict::Blocked(_) => {
            if v.decision != Decision::Denied {
                v.notes.push(Note::NetworkBlocks {
                    authorization: v.decision,
                });
            }
            v.decision = Decision::Denied;
            v.unknown_because.clear();
        }
        NetworkVerdict::Undecided(ref reason) if v.decision.grants_something() => {
            v.unknown_because
                .push(UnknownBecause::Network(reason.clone()));
            v.decision = Decision::Unknown;
        }
        _ => {}
    }
}

/// Whether `action` is a data action on another kind of item than the item `scope` is:
/// [`Engine::validate`] refuses it, so a bulk answer can pass it over without asking.
pub(crate) fn on_another_item_kind(scope: &Scope, action: &Action) -> bool {
    action.plane != Plane::Management
        && matches!(scope.kind(), ScopeKind::VaultItem(item)
            if action.policy_kind().and_then(|k| k.item_kind()) != Some(item))
}
