//! Entra edges: a group nested in another, owners, directory roles and Graph permissions that add members
//! or credentials, and applications' federated credentials. Indexed by both ends when the graph is built;
//! a role or permission that reaches every group or application is kept once, not once per object.

use super::super::HopKind;
use super::super::entra::{self, Power};
use super::walk::Step;
use super::{
    HopGraph, Why, application_at, directory_assignments, directory_at, external_id, kind_of,
    owner_at,
};
use crate::eval::{Decision, Engine};
use crate::model::PrincipalKind;

impl HopGraph {
    pub(super) fn index_directory(&mut self, engine: &Engine) {
        let s = &engine.snapshot;
        for (i, m) in s.group_memberships.iter().enumerate() {
            if engine.is_group(&m.member_id) {
                self.members_in
                    .entry(m.group_id.clone())
                    .or_default()
                    .push(i);
                self.member_of
                    .entry(m.member_id.clone())
                    .or_default()
                    .push(i);
            }
        }
        for (i, p) in s.principals.iter().enumerate() {
            if p.kind == PrincipalKind::ServicePrincipal
                && let Some(app) = &p.app_id
            {
                self.sps_by_app.entry(app.clone()).or_default().push(i);
            }
        }
        for (i, a) in s.hops.applications.iter().flatten().enumerate() {
            self.app_object.insert(a.app_id.clone(), a.id.clone());
            self.app_id_of.insert(a.id.clone(), a.app_id.clone());
            self.apps_by_app_id
                .entry(a.app_id.clone())
                .or_default()
                .push(i);
            for (f, fic) in a.federated_credentials.iter().enumerate() {
                self.app_federated_from
                    .entry(external_id(&fic.issuer, &fic.subject))
                    .or_default()
                    .push((i, f));
            }
        }
        for a in s.hops.app_role_assignments.iter().flatten() {
            if a.app_role_id == entra::OWNED_BY {
                self.owned_by.insert(a.principal_id.clone());
            }
        }
        for (i, o) in s.hops.owners.iter().flatten().enumerate() {
            for to in self.owned(engine, &o.object_id) {
                self.owners_into.entry(to).or_default().push(i);
            }
            self.owners_of
                .entry(o.owner_id.clone())
                .or_default()
                .push(i);
        }
        for (at, (a, eligible)) in directory_assignments(s).enumerate() {
            let power = entra::directory_role(&a.role_definition_id).map(|r| r.power);
            if matches!(power, Some(Power::AddMembers | Power::AddCredentials)) {
                self.directory_powers.push((at, eligible));
            }
        }
        for (i, a) in s.hops.app_role_assignments.iter().flatten().enumerate() {
            let power = entra::graph_permission(&a.app_role_id).map(|p| p.power);
            if matches!(power, Some(Power::AddMembers | Power::AddCredentials)) {
                self.graph_powers.push(i);
            }
        }
    }

    /// The nodes an owner of `object` controls: the group itself, the service principals of an
    /// application, or a service principal (never a managed identity).
    fn owned(&self, engine: &Engine, object: &str) -> Vec<String> {
        if engine.is_group(object) {
            vec![object.to_string()]
        } else if let Some(app_id) = self.app_id_of.get(object) {
            self.service_principals_of(engine, app_id)
                .map(str::to_string)
                .collect()
        } else if kind_of(engine, object) == Some(PrincipalKind::ServicePrincipal) {
            vec![object.to_string()]
        } else {
            Vec::new()
        }
    }

    /// The service principals (not managed identities) of an appId, in directory order.
    pub(super) fn service_principals_of<'e>(
        &'e self,
        engine: &'e Engine,
        app_id: &str,
    ) -> impl Iterator<Item = &'e str> {
        self.sps_by_app
            .get(app_id)
            .into_iter()
            .flatten()
            .filter_map(|&i| engine.snapshot.principals.get(i))
            .map(|p| p.id.as_str())
    }

    /// The directory edges into `node`, in the graph's order.
    pub(super) fn directory_into(&self, engine: &Engine, node: &str, out: &mut Vec<Step>) {
        let s = &engine.snapshot;
        for &i in self.members_in.get(node).into_iter().flatten() {
            if let Some(m) = s.group_memberships.get(i) {
                out.push(member_step(&m.member_id, &m.group_id, i));
            }
        }
        for &i in self.owners_into.get(node).into_iter().flatten() {
            if let Some(o) = owner_at(s, i) {
                out.push(self.owner_step(engine, i, &o.owner_id, node));
            }
        }
        let kind = kind_of(engine, node);
        let group = kind == Some(PrincipalKind::Group);
        let sp = kind == Some(PrincipalKind::ServicePrincipal);
        // Directory roles and Graph permissions add members to groups and credentials to service
        // principals only: most nodes a search dequeues are neither.
        if group || sp {
            self.powers_into(engine, node, (group, sp), out);
        }
        if sp && let Some(app_id) = sp_app_id(engine, node) {
            for &i in self.apps_by_app_id.get(app_id).into_iter().flatten() {
                let Some(a) = application_at(s, i) else {
                    continue;
                };
                for (f, fic) in a.federated_credentials.iter().enumerate() {
                    out.push(Step::federated(
                        external_id(&fic.issuer, &fic.subject),
                        node.to_string(),
                        Why::AppFederated { app: i, fic: f },
                    ));
                }
            }
        }
    }

    /// The directory-role and Graph-permission edges into `node`, a group or a service principal.
    fn powers_into(
        &self,
        engine: &Engine,
        node: &str,
        (group, sp): (bool, bool),
        out: &mut Vec<Step>,
    ) {
        let app = self.app_of_sp(engine, node);
        for &(at, eligible) in &self.directory_powers {
            let Some((a, power)) = directory_power(engine, at) else {
                continue;
            };
            let covers = match power {
                Power::AddMembers => {
                    group && entra::scope_covers(&a.directory_scope_id, node) == Some(true)
                }
                Power::AddCredentials => sp && covers_credential(&a.directory_scope_id, node, app),
                Power::TenantAdmin => false,
            };
            if covers {
                out.push(directory_step(&a.principal_id, node, power, at, eligible));
            }
        }
        for &i in &self.graph_powers {
            let Some((a, power)) = graph_power(engine, i) else {
                continue;
            };
            if (power == Power::AddMembers && group) || (power == Power::AddCredentials && sp) {
                out.push(graph_step(&a.principal_id, node, power, i));
            }
        }
    }

    /// The directory edges out of `node`, in the graph's order.
    pub(super) fn directory_out(&self, engine: &Engine, node: &str, out: &mut Vec<Step>) {
        let s = &engine.snapshot;
        for &i in self.member_of.get(node).into_iter().flatten() {
            if let Some(m) = s.group_memberships.get(i) {
                out.push(member_step(&m.member_id, &m.group_id, i));
            }
        }
        for &i in self.owners_of.get(node).into_iter().flatten() {
            if let Some(o) = owner_at(s, i) {
                for to in self.owned(engine, &o.object_id) {
                    out.push(self.owner_step(engine, i, node, &to));
                }
            }
        }
        for &(at, eligible) in &self.directory_powers {
            let Some((a, power)) = directory_power(engine, at) else {
                continue;
            };
            if a.principal_id != node {
                continue;
            }
            match power {
                Power::AddMembers => {
                    for g in groups(engine) {
                        if entra::scope_covers(&a.directory_scope_id, g) == Some(true) {
                            out.push(directory_step(node, g, power, at, eligible));
                        }
                    }
                }
                Power::AddCredentials => {
                    for (sp, app) in self.credential_targets(engine) {
                        if covers_credential(&a.directory_scope_id, sp, app) {
                            out.push(directory_step(node, sp, power, at, eligible));
                        }
                    }
                }
                Power::TenantAdmin => {}
            }
        }
        for &i in &self.graph_powers {
            let Some((a, power)) = graph_power(engine, i) else {
                continue;
            };
            if a.principal_id != node {
                continue;
            }
            let targets: Vec<&str> = match power {
                Power::AddMembers => groups(engine).collect(),
                _ => self.credential_targets(engine).map(|(sp, _)| sp).collect(),
            };
            for to in targets {
                out.push(graph_step(node, to, power, i));
            }
        }
        for &(app, f) in self.app_federated_from.get(node).into_iter().flatten() {
            let Some(a) = application_at(s, app) else {
                continue;
            };
            for sp in self.service_principals_of(engine, &a.app_id) {
                out.push(Step::federated(
                    node.to_string(),
                    sp.to_string(),
                    Why::AppFederated { app, fic: f },
                ));
            }
        }
    }

    /// An owner's edge: who owns what decides the hop's kind and decision.
    fn owner_step(&self, engine: &Engine, i: usize, owner: &str, to: &str) -> Step {
        let (kind, decision) = self.owner_decision(engine, owner, to);
        Step {
            kind,
            from: owner.to_string(),
            to: to.to_string(),
            decision,
            eligible: false,
            why: Why::Owner(i),
        }
    }

    /// A user owner of a group adds itself; another owner acts through Graph permissions the owner record
    /// does not show. A service principal owner uses its ownership of an application only with
    /// `Application.ReadWrite.OwnedBy`.
    pub(super) fn owner_decision(
        &self,
        engine: &Engine,
        owner: &str,
        to: &str,
    ) -> (HopKind, Decision) {
        let owner_kind = kind_of(engine, owner);
        if engine.is_group(to) {
            let decision = match owner_kind {
                Some(PrincipalKind::User) => Decision::Allowed,
                _ => Decision::Conditional,
            };
            return (HopKind::JoinsGroup, decision);
        }
        (
            HopKind::AddsCredential,
            self.sp_owner_decision(owner_kind, owner),
        )
    }

    pub(super) fn sp_owner_decision(
        &self,
        owner_kind: Option<PrincipalKind>,
        owner: &str,
    ) -> Decision {
        let sp = matches!(
            owner_kind,
            Some(PrincipalKind::ServicePrincipal | PrincipalKind::ManagedIdentity)
        );
        if sp && !self.owned_by.contains(owner) {
            Decision::Conditional
        } else {
            Decision::Allowed
        }
    }

    /// Service principals that can be given credentials (never managed identities: Azure manages theirs),
    /// with the object id of their application when the snapshot has it.
    fn credential_targets<'e>(
        &'e self,
        engine: &'e Engine,
    ) -> impl Iterator<Item = (&'e str, Option<&'e str>)> {
        engine
            .snapshot
            .principals
            .iter()
            .filter(|p| p.kind == PrincipalKind::ServicePrincipal)
            .map(|p| {
                let app = p
                    .app_id
                    .as_deref()
                    .and_then(|a| self.app_object.get(a))
                    .map(String::as_str);
                (p.id.as_str(), app)
            })
    }

    fn app_of_sp<'e>(&'e self, engine: &'e Engine, sp: &str) -> Option<&'e str> {
        sp_app_id(engine, sp)
            .and_then(|a| self.app_object.get(a))
            .map(String::as_str)
    }
}

fn sp_app_id<'e>(engine: &'e Engine, sp: &str) -> Option<&'e str> {
    let &i = engine.index.principal.get(sp)?;
    engine.snapshot.principals.get(i)?.app_id.as_deref()
}

fn covers_credential(scope: &str, sp: &str, app: Option<&str>) -> bool {
    [Some(sp), app]
        .into_iter()
        .flatten()
        .any(|id| entra::scope_covers(scope, id) == Some(true))
}

fn member_step(member: &str, group: &str, i: usize) -> Step {
    Step {
        kind: HopKind::MemberOf,
        from: member.to_string(),
        to: group.to_string(),
        decision: Decision::Allowed,
        eligible: false,
        why: Why::Member(i),
    }
}

fn directory_step(from: &str, to: &str, power: Power, at: usize, eligible: bool) -> Step {
    let (kind, decision) = power_hop(power);
    Step {
        kind,
        from: from.to_string(),
        to: to.to_string(),
        decision,
        eligible,
        why: Why::DirectoryRole { at, eligible },
    }
}

fn graph_step(from: &str, to: &str, power: Power, i: usize) -> Step {
    let (kind, decision) = power_hop(power);
    Step {
        kind,
        from: from.to_string(),
        to: to.to_string(),
        decision,
        eligible: false,
        why: Why::GraphPermission(i),
    }
}

/// Adding members stops at role-assignable groups, which the snapshot does not mark: conditional.
fn power_hop(power: Power) -> (HopKind, Decision) {
    match power {
        Power::AddMembers => (HopKind::JoinsGroup, Decision::Conditional),
        _ => (HopKind::AddsCredential, Decision::Allowed),
    }
}

pub(super) fn directory_power(
    engine: &Engine,
    at: usize,
) -> Option<(&crate::model::hops::DirectoryRoleAssignment, Power)> {
    let a = directory_at(&engine.snapshot, at)?;
    Some((a, entra::directory_role(&a.role_definition_id)?.power))
}

fn graph_power(
    engine: &Engine,
    i: usize,
) -> Option<(&crate::model::hops::AppRoleAssignment, Power)> {
    let a = engine.snapshot.hops.app_role_assignments.as_ref()?.get(i)?;
    Some((a, entra::graph_permission(&a.app_role_id)?.power))
}

/// Every group of the directory data, in order.
fn groups(engine: &Engine) -> impl Iterator<Item = &str> {
    engine
        .snapshot
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::Group)
        .map(|p| p.id.as_str())
}
