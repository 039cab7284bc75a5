//! Azure RBAC: role assignments inherited down the scope tree, (Data)Actions minus Not(Data)Actions per role
//! definition, conditions, and deny assignments.

use crate::catalog::Plane;
use crate::eval::condition::{self, Effect};
use crate::eval::index::{Ancestry, Chain, Index, PrincipalSet};
use crate::eval::reason::{Note, UnknownBecause};
use crate::eval::verdict::{Deny, DenyKind, Grant, GrantKind};
use crate::model::{
    DenyAssignment, EVERYONE, Permission, RoleAssignment, RoleDefinition, Scope, ScopeKind,
    Snapshot,
};

/// Whether a set of permission blocks allows an action, and under which condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockMatch {
    No,
    /// Allowed; the pattern that matched.
    Yes(String),
    /// Allowed only if the block's condition holds.
    If {
        pattern: String,
        condition: String,
    },
}

/// `Actions − NotActions` (management) or `DataActions − NotDataActions` (data), per block: a block's
/// `Not…` only subtracts from that block, never from another role or block (NotActions are not denies).
pub fn blocks_allow(blocks: &[Permission], action_lower: &str, plane: Plane) -> BlockMatch {
    let mut best = BlockMatch::No;
    for block in blocks {
        let (allow, not) = match plane {
            Plane::Management => (&block.actions, &block.not_actions),
            Plane::Data => (&block.data_actions, &block.not_data_actions),
        };
        let Some(hit) = allow.iter().find(|p| p.matches_lower(action_lower)) else {
            continue;
        };
        if not.iter().any(|p| p.matches_lower(action_lower)) {
            continue;
        }
        match &block.condition {
            Some(c) if condition::restricts(c, action_lower) => {
                if best == BlockMatch::No {
                    best = BlockMatch::If {
                        pattern: hit.as_str().to_string(),
                        condition: c.clone(),
                    };
                }
            }
            _ => return BlockMatch::Yes(hit.as_str().to_string()),
        }
    }
    best
}

/// What the role assignments say about one action.
#[derive(Debug, Default)]
pub struct GrantScan {
    /// Unconditional grants.
    pub grants: Vec<Grant>,
    /// Grants that hold only under a condition.
    pub conditional: Vec<Grant>,
    /// Reasons a grant may exist that the snapshot cannot show.
    pub missing: Vec<UnknownBecause>,
    /// Candidate grants: assignments to the principal (or its groups) whose role definition is not in the
    /// snapshot, so whether they grant the action is unknown.
    pub unresolved: Vec<Grant>,
    /// What the conditions on the item's name decided, or leave open at a vault.
    pub notes: Vec<Note>,
}

/// What the deny assignments say about one action.
#[derive(Debug, Default)]
pub struct DenyScan {
    pub denies: Vec<Deny>,
    pub conditional: Vec<Deny>,
    pub missing: Vec<UnknownBecause>,
    pub notes: Vec<Note>,
}

pub struct Rbac<'a> {
    pub snapshot: &'a Snapshot,
    pub index: &'a Index,
    /// The secret the request is about, when it names one: conditions on its name are decided
    /// (docs/semantics.md D10).
    pub secret: Option<&'a str>,
    /// Conditions parsed once per engine.
    pub conditions: &'a condition::Parsed,
}

/// The secret a request at `scope` is about: its name when `scope` is a secret.
pub fn secret_of(scope: &Scope) -> Option<&str> {
    (scope.kind() == ScopeKind::VaultItem(crate::model::ItemKind::Secrets)).then(|| scope.name())
}

impl Rbac<'_> {
    fn definition(&self, a: &RoleAssignment) -> Option<&RoleDefinition> {
        self.index
            .role_definition
            .get(&a.role_definition_guid)
            .and_then(|&i| self.snapshot.role_definitions.get(i))
    }

    fn grant(
        &self,
        a: &RoleAssignment,
        via: Chain,
        pattern: String,
        condition: Option<String>,
    ) -> Grant {
        let def = self.definition(a);
        Grant {
            kind: GrantKind::RoleAssignment,
            id: a.id.clone(),
            role_name: def.map(|d| d.role_name.clone()),
            role_definition_id: Some(a.role_definition_id.clone()),
            scope: a.scope.id().to_string(),
            principal_id: a.principal_id.clone(),
            via_groups: via.ids(),
            condition,
            matched: vec![pattern],
        }
    }

    /// Examines one assignment that names someone in `who` at a scope that contains the target.
    fn examine(
        &self,
        a: &RoleAssignment,
        via: Chain,
        action_lower: &str,
        plane: Plane,
        scan: &mut GrantScan,
    ) {
        let Some(def) = self.definition(a) else {
            scan.missing.push(UnknownBecause::RoleDefinitionMissing {
                assignment: a.id.clone(),
                scope: a.scope.to_string(),
                role_definition: a.role_definition_id.clone(),
            });
            scan.unresolved.push(self.grant(
                a,
                via,
                "(role definition not in the snapshot)".to_string(),
                None,
            ));
            return;
        };
        let matched = blocks_allow(&def.permissions, action_lower, plane);
        if matched == BlockMatch::No {
            return;
        }
        let mut assignment_condition = None;
        if let Some(c) = &a.condition {
            let role = format!("role '{}' (assignment {})", def.role_name, a.id);
            let facts = || self.conditions.of(c, action_lower);
            let effect = match self.secret {
                None => facts().effect,
                Some(name) => condition::effect(c, action_lower, Some(name)),
            };
            match (effect, self.secret) {
                (Effect::Holds, Some(name)) if facts().effect != Effect::Holds => {
                    scan.notes.push(Note::NameConditionHolds {
                        role,
                        name: name.to_string(),
                    });
                }
                (Effect::Holds, _) => {}
                (Effect::Fails, name) => {
                    scan.notes.push(Note::NameConditionExcludes {
                        role,
                        name: name.unwrap_or_default().to_string(),
                    });
                    return;
                }
                (Effect::Restricts, secret) => {
                    if let (None, Some(words)) = (secret, facts().on_items) {
                        scan.notes
                            .push(Note::ConditionalOnItems { role, items: words });
                    }
                    assignment_condition = Some(c);
                }
            }
        }
        match matched {
            BlockMatch::No => {}
            BlockMatch::Yes(p) => match assignment_condition {
                None => scan.grants.push(self.grant(a, via, p, None)),
                Some(c) => scan
                    .conditional
                    .push(self.grant(a, via, p, Some(c.clone()))),
            },
            BlockMatch::If { pattern, condition } => {
                let both = match assignment_condition {
                    Some(c) => format!("{condition} AND {c}"),
                    None => condition,
                };
                scan.conditional
                    .push(self.grant(a, via, pattern, Some(both)));
            }
        }
    }

    /// Role assignments (or PIM eligibilities) of `who` at any scope containing the target. `found`, when a
    /// bulk query already has them, are the role assignments naming `who` at or above the target
    /// (positions in the snapshot): only those are examined.
    pub fn scan_grants(
        &self,
        who: &PrincipalSet,
        ancestry: &Ancestry,
        action_lower: &str,
        plane: Plane,
        eligible: bool,
        found: Option<&[(usize, Option<usize>)]>,
    ) -> GrantScan {
        let mut scan = GrantScan::default();
        let at = if eligible {
            &self.index.eligibilities_at
        } else {
            &self.index.assignments_at
        };
        let get = |i: usize| {
            if eligible {
                self.snapshot.role_eligibilities.get(i)
            } else {
                self.snapshot.role_assignments.get(i)
            }
        };
        let at_scopes = |scope: &Scope| at.get(scope.key()).map_or(0, Vec::len);
        let by_principal = || -> usize {
            who.ids()
                .map(|id| self.index.assignments_of.get(id).map_or(0, Vec::len))
                .sum()
        };
        if let (false, Some(found)) = (eligible, found) {
            for a in found.iter().filter_map(|&(i, _)| get(i)) {
                if let Some(via) = who.reach(&a.principal_id) {
                    self.examine(a, via, action_lower, plane, &mut scan);
                }
            }
        } else if !eligible && by_principal() < ancestry.scopes.iter().map(at_scopes).sum() {
            // Few assignments name this principal and its groups, many sit above the target: start from the
            // principal.
            let found = who
                .ids()
                .flat_map(|id| self.index.assignments_of.get(id).into_iter().flatten())
                .filter_map(|&i| get(i))
                .filter(|a| ancestry.contains(a.scope.key()));
            for a in found {
                if let Some(via) = who.reach(&a.principal_id) {
                    self.examine(a, via, action_lower, plane, &mut scan);
                }
            }
        } else {
            for scope in &ancestry.scopes {
                for a in at
                    .get(scope.key())
                    .into_iter()
                    .flatten()
                    .filter_map(|&i| get(i))
                {
                    if let Some(via) = who.reach(&a.principal_id) {
                        self.examine(a, via, action_lower, plane, &mut scan);
                    }
                }
            }
        }
        if ancestry.unplaced_subscription && !eligible {
            self.unattributable_grants(who, ancestry, action_lower, plane, &mut scan);
        }
        // Nearest scope first, then by id: the same evidence whatever order the snapshot listed things in.
        let order = |g: &Grant| {
            (
                ancestry.position(&g.scope.to_ascii_lowercase()),
                g.id.to_ascii_lowercase(),
            )
        };
        scan.grants.sort_by_key(order);
        scan.conditional.sort_by_key(order);
        scan
    }

    /// The target's subscription has no known management group: grants at other management groups might
    /// apply, and the snapshot cannot say.
    fn unattributable_grants(
        &self,
        who: &PrincipalSet,
        ancestry: &Ancestry,
        action_lower: &str,
        plane: Plane,
        scan: &mut GrantScan,
    ) {
        for id in who.ids() {
            for a in self
                .index
                .assignments_of
                .get(id)
                .into_iter()
                .flatten()
                .filter_map(|&i| self.snapshot.role_assignments.get(i))
            {
                if a.scope.kind() != ScopeKind::ManagementGroup || ancestry.contains(a.scope.key())
                {
                    continue;
                }
                let Some(via) = who.reach(id) else {
                    continue;
                };
                let mut probe = GrantScan::default();
                self.examine(a, via, action_lower, plane, &mut probe);
                if !probe.grants.is_empty() || !probe.conditional.is_empty() {
                    scan.missing.push(UnknownBecause::GrantAboveUnplaced {
                        assignment: a.id.clone(),
                        management_group: a.scope.to_string(),
                    });
                }
            }
        }
    }

    /// Deny assignments that apply to `who` at the target.
    pub fn scan_denies(
        &self,
        who: &PrincipalSet,
        groups_known: bool,
        target: &Scope,
        ancestry: &Ancestry,
        action_lower: &str,
        plane: Plane,
    ) -> DenyScan {
        let mut scan = DenyScan::default();
        for scope in &ancestry.scopes {
            for d in self
                .index
                .denies_at
                .get(scope.key())
                .into_iter()
                .flatten()
                .filter_map(|&i| self.snapshot.deny_assignments.get(i))
            {
                if d.do_not_apply_to_child_scopes && d.scope != *target {
                    continue;
                }
                let matched = blocks_allow(&d.permissions, action_lower, plane);
                if matched == BlockMatch::No {
                    continue;
                }
                let everyone = d.principals.iter().any(|p| p == EVERYONE);
                let via = d.principals.iter().find_map(|p| who.reach(p));
                if !everyone && via.is_none() {
                    if !groups_known && !d.principals.is_empty() {
                        scan.missing.push(UnknownBecause::DenyMayName {
                            deny: d.name.clone(),
                        });
                    }
                    continue;
                }
                if d.exclude_principals.iter().any(|p| who.reach(p).is_some()) {
                    continue;
                }
                if d.audit_only {
                    scan.notes.push(Note::DenyAuditOnly {
                        deny: d.name.clone(),
                    });
                    continue;
                }
                if !groups_known && !d.exclude_principals.is_empty() {
                    scan.missing.push(UnknownBecause::DenyMayExclude {
                        deny: d.name.clone(),
                    });
                    continue;
                }
                let deny = Deny {
                    kind: DenyKind::DenyAssignment,
                    id: d.id.clone(),
                    name: d.name.clone(),
                    scope: d.scope.id().to_string(),
                    via_groups: via.map(|c| c.ids()).unwrap_or_default(),
                    everyone: via.is_none(),
                    condition: match &matched {
                        BlockMatch::If { condition, .. } => Some(condition.clone()),
                        _ => None,
                    },
                };
                if deny.condition.is_some() {
                    scan.conditional.push(deny)
                } else {
                    scan.denies.push(deny)
                }
            }
        }
        if ancestry.unplaced_subscription {
            for (_, d) in self.unattributable_denies(who, ancestry) {
                if blocks_allow(&d.permissions, action_lower, plane) != BlockMatch::No {
                    scan.missing.push(UnknownBecause::DenyAboveUnplaced {
                        deny: d.name.clone(),
                        management_group: d.scope.to_string(),
                    });
                }
            }
        }
        let order = |d: &Deny| d.id.to_ascii_lowercase();
        scan.denies.sort_by_key(order);
        scan.conditional.sort_by_key(order);
        scan
    }

    /// Deny assignments (with their positions) at management groups outside the known ancestry that would
    /// reach `who`.
    pub fn unattributable_denies<'s>(
        &'s self,
        who: &'s PrincipalSet,
        ancestry: &'s Ancestry,
    ) -> impl Iterator<Item = (usize, &'s DenyAssignment)> {
        self.snapshot
            .deny_assignments
            .iter()
            .enumerate()
            .filter(move |(_, d)| {
                d.scope.kind() == ScopeKind::ManagementGroup
                    && !ancestry.contains(d.scope.key())
                    && !d.do_not_apply_to_child_scopes
                    && !d.audit_only
                    && d.principals
                        .iter()
                        .any(|p| p == EVERYONE || who.reach(p).is_some())
                    && !d.exclude_principals.iter().any(|p| who.reach(p).is_some())
            })
    }
}
