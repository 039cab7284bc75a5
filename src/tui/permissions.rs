//! The effective-permissions table: every operation that makes sense at the selected scope, decided for
//! the selected principal with the fast path (`Engine::prepare` + `Engine::decide`). The full evidence
//! (`Engine::check`) is built only for the one cell being explained.

use std::sync::OnceLock;

use crate::catalog::{self, Action, Operation, Plane};
use crate::eval::{Decision, Engine, Origin, Subject, network};
use crate::model::{PolicyKind, Scope, ScopeKind};
use crate::query::Technique;

/// Every catalog operation with its resolved action, resolved once per process.
pub fn operations() -> &'static [(&'static Operation, Action)] {
    static OPS: OnceLock<Vec<(&'static Operation, Action)>> = OnceLock::new();
    OPS.get_or_init(|| {
        catalog::operations()
            .iter()
            .filter_map(|op| catalog::resolve(op.name).ok().map(|a| (op, a)))
            .collect()
    })
}

#[derive(Debug, Clone)]
pub struct PermRow {
    pub op: &'static Operation,
    pub decision: Decision,
    /// Not allowed now, but the principal can grant it to itself this way.
    pub escalation: Option<Technique>,
    /// Denied by the vault's network rules although the grants would let it through (or might): the
    /// network gate said no, not the permissions.
    pub network_denied: bool,
    /// Denied on the vault, but held on this many of its items through grants made at them.
    pub on_items: usize,
}

/// A table line: a plane or object-kind heading, or an operation (index into `rows`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableLine {
    Plane(String),
    Kind(String),
    Op(usize),
}

#[derive(Debug, Clone)]
pub struct PermTable {
    pub scope: Scope,
    pub principal: String,
    pub rows: Vec<PermRow>,
    pub lines: Vec<TableLine>,
    /// Why some operations are missing (data operations above a vault).
    pub note: Option<String>,
    /// The caller location the data-plane decisions assume.
    pub origin: Option<Origin>,
}

impl PermTable {
    pub fn empty(scope: Scope) -> Self {
        Self {
            scope,
            principal: String::new(),
            rows: Vec::new(),
            lines: Vec::new(),
            note: None,
            origin: None,
        }
    }

    /// Line index of the first operation at or after `line`, searching in `dir` (+1 or -1).
    pub fn op_line_near(&self, line: usize, dir: isize) -> Option<usize> {
        let mut i = line.min(self.lines.len().saturating_sub(1)) as isize;
        while i >= 0 && (i as usize) < self.lines.len() {
            if matches!(self.lines.get(i as usize), Some(TableLine::Op(_))) {
                return Some(i as usize);
            }
            i += dir;
        }
        None
    }

    pub fn row_at_line(&self, line: usize) -> Option<&PermRow> {
        match self.lines.get(line) {
            Some(TableLine::Op(r)) => self.rows.get(*r),
            _ => None,
        }
    }

    pub fn line_of_op(&self, name: &str) -> Option<usize> {
        self.lines.iter().position(
            |l| matches!(l, TableLine::Op(r) if self.rows.get(*r).is_some_and(|x| x.op.name == name)),
        )
    }

    pub fn count(&self, d: Decision) -> usize {
        self.rows.iter().filter(|r| r.decision == d).count()
    }
}

fn kind_heading(kind: PolicyKind) -> &'static str {
    match kind {
        PolicyKind::Keys => "keys",
        PolicyKind::Secrets => "secrets",
        PolicyKind::Certificates => "certificates",
        PolicyKind::Storage => "storage accounts (legacy)",
    }
}

/// Decides every operation for `principal_id` at `scope`; with a caller location, data-plane decisions
/// also pass the vault's network rules (as `Engine::check` applies them).
pub fn compute(
    engine: &Engine,
    principal_id: &str,
    scope: &Scope,
    origin: Option<&Origin>,
) -> PermTable {
    let subject = engine.subject(principal_id);
    let target = engine.target(scope);
    let item_kind = match scope.kind() {
        ScopeKind::VaultItem(k) => Some(k),
        _ => None,
    };
    let mut table = PermTable::empty(scope.clone());
    table.principal = principal_id.to_string();
    table.origin = origin.cloned();
    let gate = match (target.vault, origin) {
        (Some(v), Some(o)) => network::admits(&v.network, o).allowed(),
        _ => Some(true),
    };
    let data_here = target.vault.is_some();
    if !data_here {
        table.note = Some(if scope.vault().is_some() {
            "this vault is not in the snapshot: only management operations can be evaluated".into()
        } else {
            "data-plane operations exist only on a vault or an item: select one to see keys, secrets and certificates".into()
        });
    }
    let row = engine.prepare(&subject, &target, None);
    let mut plane_seen: Option<Plane> = None;
    let mut kind_seen: Option<PolicyKind> = None;
    for (op, action) in operations() {
        let wanted = match op.plane {
            Plane::Data => {
                data_here
                    && item_kind
                        .is_none_or(|k| op.policy.and_then(|(p, _)| p.item_kind()) == Some(k))
            }
            Plane::Management => item_kind.is_none(),
        };
        if !wanted {
            continue;
        }
        if plane_seen != Some(op.plane) {
            plane_seen = Some(op.plane);
            kind_seen = None;
            table
                .lines
                .push(TableLine::Plane(match (op.plane, target.vault) {
                    (Plane::Data, Some(v)) => format!(
                        "DATA PLANE · {} · {}",
                        if v.rbac_authorization {
                            "Azure RBAC"
                        } else {
                            "access policies"
                        },
                        crate::sanitize::clean(&format!(
                            "{}.{}",
                            v.name,
                            engine.snapshot.cloud.vault_dns_suffix()
                        ))
                    ),
                    _ => format!(
                        "MANAGEMENT PLANE · Azure RBAC · {}",
                        engine.snapshot.cloud.management_endpoint()
                    ),
                }));
        }
        if let (Plane::Data, Some((kind, _))) = (op.plane, op.policy)
            && kind_seen != Some(kind)
        {
            kind_seen = Some(kind);
            table
                .lines
                .push(TableLine::Kind(kind_heading(kind).to_string()));
        }
        table.lines.push(TableLine::Op(table.rows.len()));
        let granted = engine.decide(&row, action);
        let mut decision = granted;
        if op.plane == Plane::Data {
            decision = match gate {
                Some(false) => Decision::Denied,
                None if decision.grants_something() => Decision::Unknown,
                _ => decision,
            };
        }
        table.rows.push(PermRow {
            op,
            decision,
            escalation: None,
            network_denied: op.plane == Plane::Data
                && gate == Some(false)
                && granted != Decision::Denied,
            on_items: 0,
        });
    }
    if gate != Some(false) && scope.kind() == ScopeKind::Vault {
        mark_items(engine, &subject, scope, origin, &mut table);
    }
    if gate != Some(false) {
        // granting oneself access does not get a call through a firewall that blocks it
        mark_escalations(engine, principal_id, scope, &mut table);
    }
    table
}

/// The data operations denied on the vault that the subject holds on some of its items (grants made at the
/// items), as the principal matrix counts them.
fn mark_items(
    engine: &Engine,
    subject: &Subject,
    scope: &Scope,
    origin: Option<&Origin>,
    table: &mut PermTable,
) {
    let Some(items) = crate::query::item_scopes(engine, subject).remove(scope.key()) else {
        return;
    };
    let denied: Vec<(&'static Operation, Action)> = table
        .rows
        .iter()
        .filter(|r| r.op.plane == Plane::Data && r.decision == Decision::Denied)
        .filter_map(|r| {
            operations()
                .iter()
                .find(|(op, _)| op.name == r.op.name)
                .cloned()
        })
        .collect();
    let (_, held) = crate::query::held(engine, subject, &items, &denied, origin);
    for r in &mut table.rows {
        if let Some((_, n)) = held.iter().find(|(op, _)| *op == r.op.name) {
            r.on_items = *n;
        }
    }
}

/// The management decisions that let a principal grant itself data access, read at the vault.
fn mark_escalations(engine: &Engine, principal_id: &str, scope: &Scope, table: &mut PermTable) {
    let Some(vault_scope) = scope.vault() else {
        return;
    };
    let target = engine.target(&vault_scope);
    let Some(vault) = target.vault else {
        return;
    };
    let subject = engine.subject(principal_id);
    if !subject.principal.kind.is_identity() {
        return; // groups never sign in
    }
    let row = engine.prepare(&subject, &target, None);
    let decide = |name: &str| {
        operations()
            .iter()
            .find(|(op, _)| op.name == name)
            .map_or(Decision::Denied, |(_, a)| engine.decide(&row, a))
    };
    let possible = |d: Decision| d != Decision::Denied;
    let (vw, apw, assign, deploy) = (
        decide("vaults/write"),
        decide("vaults/accessPolicies/write"),
        decide("roleAssignments/write"),
        decide("vaults/deploy/action"),
    );
    let general = if vault.rbac_authorization {
        if possible(assign) {
            Some(Technique::RoleAssignmentSelfGrant)
        } else if possible(vw) {
            Some(Technique::SwitchPermissionModelPossible)
        } else {
            None
        }
    } else if possible(apw) || possible(vw) {
        Some(Technique::AccessPolicySelfGrant)
    } else if assign == Decision::Allowed {
        Some(Technique::RoleAssignmentThenAccessPolicy)
    } else {
        None
    };
    for r in &mut table.rows {
        if r.op.plane != Plane::Data || r.decision == Decision::Allowed || r.op.is_purge() {
            continue;
        }
        r.escalation = general.or_else(|| {
            (r.op.name == "secrets/get"
                && vault.enabled_for_template_deployment
                && possible(deploy))
            .then_some(Technique::TemplateDeployment)
        });
    }
}
