//! Matrices: for a vault, every identity with any access × operation groups; for a principal, every vault ×
//! operation groups. Cells summarise the decisions of the operations in their group.

use serde::Serialize;

use crate::catalog::{self, Action, Operation, Plane};
use crate::error::QueryError;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::eval::bulk::{TargetRows, VaultRows};
use crate::eval::decide::{Row, RowKey};
use crate::eval::{Decision, Engine, PrincipalRef};
use crate::model::{AccessPolicy, Scope};
use crate::query::items;
use crate::query::reach::{Grants, holders, reached};

mod alike;
mod named;

pub use alike::{DecidedCells, FirstOfClass, each_named_vault_alike};
pub use named::{
    NamedVaults, VaultAccess, each_named_vault, vault_access_decided, vault_wide_access,
};

/// One operation group for one row.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cell {
    pub group: &'static str,
    pub allowed: usize,
    pub conditional: usize,
    pub unknown: usize,
    pub total: usize,
    /// The decision of each operation in the group, in catalog order.
    pub decisions: Vec<(&'static str, Decision)>,
    /// Principal matrix: operations of the group held on some items of the vault through grants at the items
    /// (docs/semantics.md D5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_items: Option<OnItems>,
}

/// Items of a vault on which a principal holds operations of a group through grants made at the items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnItems {
    /// Items on which some operation of the group is not denied.
    pub items: usize,
    /// Per operation not denied on some item: on how many items.
    pub operations: Vec<(&'static str, usize)>,
}

impl Cell {
    /// `all`, `some`, `none`, or a marker for conditional / unknown parts.
    pub fn summary(&self) -> &'static str {
        match (self.allowed, self.conditional, self.unknown) {
            (a, 0, 0) if a == self.total => "all",
            (0, 0, 0) => "-",
            (_, 0, 0) => "some",
            (_, c, _) if c > 0 => "cond",
            _ => "?",
        }
    }

    /// The summary, or "on N items" where nothing is held vault-wide but something is on items.
    pub fn label(&self) -> std::borrow::Cow<'static, str> {
        match (self.summary(), &self.on_items) {
            ("-", Some(on)) if on.items == 1 => "1 item".into(),
            ("-", Some(on)) => format!("{} items", on.items).into(),
            (s, _) => s.into(),
        }
    }

    /// The decision of one operation as a CSV cell: the vault-wide decision, or `onItems:N` when it is
    /// denied vault-wide but held on N items.
    pub fn cell_text(&self, operation: &str, decision: Decision) -> String {
        let on = self.on_items.as_ref().and_then(|on| {
            on.operations
                .iter()
                .find(|(op, _)| *op == operation)
                .map(|(_, n)| *n)
        });
        match (decision, on) {
            (Decision::Denied, Some(n)) => format!("onItems:{n}"),
            _ => decision.as_str().to_string(),
        }
    }

    pub fn any(&self) -> bool {
        self.allowed + self.conditional + self.unknown > 0
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatrixRow {
    /// The principal (vault matrix) or vault id (principal matrix).
    pub id: String,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<PrincipalRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_app: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_app_name: Option<String>,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Matrix {
    /// What the rows are about: a vault id or a principal id.
    pub subject: String,
    /// The subject in words: the vault id, or the principal's name, kind and id.
    pub title: String,
    pub columns: Vec<&'static str>,
    pub rows: Vec<MatrixRow>,
}

struct Column {
    group: &'static str,
    ops: Vec<(&'static Operation, Action)>,
}

/// The columns, resolved once per process (a principal's cells are asked for thousands of nodes).
static COLUMNS: std::sync::LazyLock<Vec<Column>> = std::sync::LazyLock::new(columns);

fn columns() -> Vec<Column> {
    let mut cols: Vec<Column> = Vec::new();
    for op in catalog::operations() {
        let Ok(action) = catalog::resolve(op.name) else {
            continue;
        };
        match cols.iter_mut().find(|c| c.group == op.group) {
            Some(c) => c.ops.push((op, action)),
            None => cols.push(Column {
                group: op.group,
                ops: vec![(op, action)],
            }),
        }
    }
    cols
}

fn row_cells(engine: &Engine, row: &Row, cols: &[Column]) -> Vec<Cell> {
    cols.iter()
        .map(|c| {
            let decisions: Vec<(&'static str, Decision)> = c
                .ops
                .iter()
                .map(|(op, action)| (op.name, engine.decide(row, action)))
                .collect();
            let count = |want: Decision| decisions.iter().filter(|(_, d)| *d == want).count();
            Cell {
                group: c.group,
                allowed: count(Decision::Allowed),
                conditional: count(Decision::Conditional),
                unknown: count(Decision::Unknown),
                total: decisions.len(),
                decisions,
                on_items: None,
            }
        })
        .collect()
}

/// Every identity with any access to the vault (either plane), by operation group.
pub fn matrix_for_vault(engine: &Engine, vault_scope: &Scope) -> Result<Matrix, QueryError> {
    let vault = engine
        .index
        .vault
        .get(vault_scope.key())
        .and_then(|&i| engine.snapshot.vaults.get(i))
        .ok_or_else(|| super::unknown_vault(&engine.snapshot, vault_scope))?;
    let target = engine.target(&vault.scope);
    let cols = columns();
    // A row needs some cell that is not "denied": an assignment whose role grants some catalog action (or
    // whose role definition is missing), or an access-policy entry. Data roles count only on RBAC vaults.
    let grants = Grants {
        rbac: true,
        policies: !vault.rbac_authorization,
        // A vault without its properties may use either model: its data roles count (their cells are unknown).
        role_matters: |role| {
            engine.role_grants_any(role, Plane::Management)
                || ((vault.rbac_authorization || vault.properties_missing)
                    && engine.role_grants_any(role, Plane::Data))
        },
        entry_matters: |_: &AccessPolicy| true,
    };
    let rows_at = TargetRows::new(engine, &target);
    // Identities reached through the same groups get the same row: each distinct row is decided once.
    let mut decided: FxHashMap<RowKey, Vec<Cell>> = FxHashMap::default();
    let mut rows = Vec::new();
    // Grants made at the items make "on N items" cells (docs/semantics.md D5), and rows of identities
    // that hold nothing vault-wide.
    let at_items = items::of_vault(engine, &vault.scope);
    let on_items: FxHashSet<&str> = at_items
        .identities
        .iter()
        .map(|(id, _)| id.as_str())
        .collect();
    let mut reached_ids = reached(engine, &holders(engine, &target, grants));
    let plain: FxHashSet<String> = reached_ids
        .iter()
        .filter(|(_, app)| app.is_none())
        .map(|(id, _)| id.clone())
        .collect();
    reached_ids.extend(
        at_items
            .identities
            .iter()
            .filter(|(id, _)| !plain.contains(id))
            .cloned(),
    );
    let item_targets: Vec<_> = at_items.scopes.iter().map(|s| engine.target(s)).collect();
    let mut item_rows = items::ItemRows::new(engine, &item_targets);
    for (id, app) in reached_ids {
        let subject = engine.subject(&id);
        let row = rows_at.row(&subject, app.as_deref());
        let mut cells = decided
            .entry(row.key())
            .or_insert_with(|| row_cells(engine, &row, &cols))
            .clone();
        if on_items.contains(id.as_str()) {
            let scopes = at_items.of_subject(&subject);
            add_items(&cols, &mut cells, |ops| {
                item_rows.held(&subject, &scopes, ops)
            });
        }
        if cells.iter().any(|c| c.any() || c.on_items.is_some()) {
            let via_app_name = app.as_deref().and_then(|a| engine.app_name(a));
            // A compound entry is a row of its own: the label names the application, so that the rows of
            // one principal with and without it can be told apart.
            let label = match (&app, &via_app_name) {
                (Some(_), Some(name)) => {
                    format!("{} through app {name}", subject.principal.display_name)
                }
                (Some(a), None) => format!("{} through app {a}", subject.principal.display_name),
                (None, _) => subject.principal.display_name.clone(),
            };
            rows.push(MatrixRow {
                id: id.clone(),
                label,
                principal: Some(subject.principal.clone()),
                via_app: app,
                via_app_name,
                cells,
            });
        }
    }
    rows.sort_by_cached_key(|r| (r.label.to_lowercase(), r.id.clone()));
    Ok(Matrix {
        subject: vault.scope.id().to_string(),
        title: format!("{} ({})", vault.name, vault.scope.id()),
        columns: cols.iter().map(|c| c.group).collect(),
        rows,
    })
}

/// One principal across every vault in the snapshot. Most vaults give the principal the same row (nothing
/// at the vault itself, the same grants above it): each distinct row is decided once.
pub fn matrix_for_principal(engine: &Engine, principal_id: &str, via_app: Option<&str>) -> Matrix {
    let subject = engine.subject(principal_id);
    let mut cells_at = PrincipalCells::new(engine, &subject, via_app);
    let item_scopes = items::item_scopes(engine, &subject);
    let rows = engine
        .snapshot
        .vaults
        .iter()
        .map(|vault| {
            let mut cells = cells_at.at(vault).to_vec();
            if let Some(scopes) = item_scopes.get(vault.scope.key()) {
                add_items(cells_at.cols, &mut cells, |ops| {
                    items::held(engine, &subject, scopes, ops, None)
                });
            }
            MatrixRow {
                id: vault.scope.id().to_string(),
                label: vault.name.clone(),
                principal: None,
                via_app: None,
                via_app_name: None,
                cells,
            }
        })
        .collect();
    let p = &subject.principal;
    Matrix {
        subject: p.id.clone(),
        title: format!("{} ({} {})", p.display_name, p.kind.as_str(), p.id),
        columns: cells_at.cols.iter().map(|c| c.group).collect(),
        rows,
    }
}

/// One subject's vault-wide cells, vault after vault; equal rows are decided once.
struct PrincipalCells<'e, 'a> {
    engine: &'a Engine,
    cols: &'static [Column],
    rows_at: VaultRows<'e, 'a>,
    decided: FxHashMap<RowKey, Vec<Cell>>,
}

impl<'e, 'a> PrincipalCells<'e, 'a> {
    fn new(engine: &'a Engine, subject: &'e crate::eval::Subject, via_app: Option<&str>) -> Self {
        Self {
            engine,
            cols: &COLUMNS,
            rows_at: VaultRows::new(engine, subject, via_app),
            decided: FxHashMap::default(),
        }
    }

    fn at(&mut self, vault: &'a crate::model::Vault) -> &[Cell] {
        self.row_at(vault).1
    }

    /// The subject's row at `vault` and its cells.
    fn row_at(&mut self, vault: &'a crate::model::Vault) -> (Row<'a>, &[Cell]) {
        let row = self.rows_at.row(vault);
        let cells = self.cells(&row);
        (row, cells)
    }

    /// The cells of a row of the subject's.
    fn cells(&mut self, row: &Row) -> &[Cell] {
        let (engine, cols) = (self.engine, self.cols);
        self.decided
            .entry(row.key())
            .or_insert_with(|| row_cells(engine, row, cols))
    }
}

/// Each cell's data operations denied vault-wide but held on items (grants at the items), as `held` says:
/// on how many items some of the operations it is given, and each on how many.
fn add_items(
    cols: &[Column],
    cells: &mut [Cell],
    mut held: impl FnMut(&[(&'static Operation, Action)]) -> (usize, Vec<(&'static str, usize)>),
) {
    for (col, cell) in cols.iter().zip(cells.iter_mut()) {
        // Only what the vault-wide answer denies: the rest is already in the cell.
        let denied: Vec<(&'static Operation, Action)> = col
            .ops
            .iter()
            .filter(|(op, _)| op.plane == Plane::Data)
            .filter(|(op, _)| {
                cell.decisions
                    .iter()
                    .any(|(name, d)| name == &op.name && *d == Decision::Denied)
            })
            .cloned()
            .collect();
        if denied.is_empty() {
            continue;
        }
        let (items, operations) = held(&denied);
        if items > 0 {
            cell.on_items = Some(OnItems { items, operations });
        }
    }
}

/// The matrix as calls from `origin` see it: data-plane cells pass each vault's network rules as `check`
/// applies them (a blocked call is denied, an undecidable one makes a grant "unknown"); management cells
/// never do.
pub fn through_network(engine: &Engine, m: &mut Matrix, origin: &crate::eval::Origin) {
    let vault_of = |id: &str| {
        let scope = Scope::parse(id).ok()?;
        engine
            .index
            .vault
            .get(scope.key())
            .and_then(|&i| engine.snapshot.vaults.get(i))
    };
    let subject_vault = vault_of(&m.subject);
    for row in &mut m.rows {
        let Some(vault) = subject_vault.or_else(|| vault_of(&row.id)) else {
            continue;
        };
        let net = crate::eval::network::admits(&vault.network, origin);
        for cell in &mut row.cells {
            for (op, d) in &mut cell.decisions {
                let data = catalog::operations()
                    .iter()
                    .any(|o| o.name == *op && o.plane == Plane::Data);
                match net.allowed() {
                    Some(false) if data => *d = Decision::Denied,
                    None if data && d.grants_something() => *d = Decision::Unknown,
                    _ => {}
                }
            }
            // Grants at items are data-plane grants: a blocked call uses none of them.
            if net.allowed() == Some(false) {
                cell.on_items = None;
            }
            let count = |want: Decision| cell.decisions.iter().filter(|(_, d)| *d == want).count();
            cell.allowed = count(Decision::Allowed);
            cell.conditional = count(Decision::Conditional);
            cell.unknown = count(Decision::Unknown);
        }
    }
}
