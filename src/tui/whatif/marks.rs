//! What differs from the real world, cell by cell: the panes ask here for a gained / lost mark. Both
//! sides are the engine's own answers to the same question (the real world's kept next to the
//! hypothetical one), so a mark is exactly "this decision changes".

use ratatui::style::{Modifier, Style};

use crate::eval::Decision;
use crate::query::grouped::escalations::EscalationGroup;
use crate::query::grouped::who_can::WhoCanGroup;
use crate::query::{Matrix, MatrixRow};
use crate::tui::permissions::PermRow;
use crate::tui::theme::Theme;

/// How a cell differs from the real world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A step up: denied < unknown < conditional < allowed.
    Gained,
    Lost,
}

impl Mark {
    pub fn of(before: Decision, after: Decision) -> Option<Self> {
        match after.cmp(&before) {
            std::cmp::Ordering::Greater => Some(Self::Gained),
            std::cmp::Ordering::Less => Some(Self::Lost),
            std::cmp::Ordering::Equal => None,
        }
    }

    /// The marker shown next to the cell: the mark must read without colour (NO_COLOR).
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Gained => "+",
            Self::Lost => "-",
        }
    }

    pub fn style(self, t: &Theme) -> Style {
        match self {
            Self::Gained => t
                .decision(Decision::Allowed)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            Self::Lost => t
                .decision(Decision::Denied)
                .add_modifier(Modifier::BOLD | Modifier::CROSSED_OUT),
        }
    }
}

/// A permissions-table row against the real world's table.
pub fn perm_row(before: Option<&[PermRow]>, row: &PermRow) -> Option<Mark> {
    let b = before?.iter().find(|r| r.op.name == row.op.name)?;
    Mark::of(b.decision, row.decision)
}

fn same_row(a: &MatrixRow, b: &MatrixRow) -> bool {
    a.id == b.id && a.via_app == b.via_app
}

/// The strongest decision of a matrix cell (what its summary shows).
fn cell_decision(row: Option<&MatrixRow>, col: usize) -> Decision {
    let Some(c) = row.and_then(|r| r.cells.get(col)) else {
        return Decision::Denied;
    };
    if c.allowed > 0 {
        Decision::Allowed
    } else if c.conditional > 0 {
        Decision::Conditional
    } else if c.unknown > 0 {
        Decision::Unknown
    } else {
        Decision::Denied
    }
}

/// A matrix cell against the real world's matrix: marked when any operation of its group changes.
pub fn matrix_cell(before: Option<&Matrix>, row: &MatrixRow, col: usize) -> Option<Mark> {
    let before = before?;
    let b = before.rows.iter().find(|r| same_row(r, row));
    let after_cell = row.cells.get(col)?;
    let changed = match b.and_then(|r| r.cells.get(col)) {
        Some(bc) => bc.decisions != after_cell.decisions,
        None => after_cell
            .decisions
            .iter()
            .any(|(_, d)| *d != Decision::Denied),
    };
    if !changed {
        return None;
    }
    let (bd, ad) = (cell_decision(b, col), cell_decision(Some(row), col));
    Mark::of(bd, ad).or_else(|| {
        // Same strongest decision, other operations: more granted is a gain.
        let count = |r: Option<&MatrixRow>| {
            r.and_then(|r| r.cells.get(col))
                .map_or(0, |c| c.allowed + c.conditional)
        };
        Some(if count(Some(row)) >= count(b) {
            Mark::Gained
        } else {
            Mark::Lost
        })
    })
}

/// Matrix rows of the real world that the hypothetical one no longer has (they lost every access).
pub fn matrix_lost_rows<'m>(before: Option<&'m Matrix>, after: &Matrix) -> Vec<&'m MatrixRow> {
    before.map_or_else(Vec::new, |b| {
        b.rows
            .iter()
            .filter(|r| !after.rows.iter().any(|a| same_row(a, r)))
            .collect()
    })
}

/// One who-can group, as two answers to the same question share it: the grant, who it names, and how.
fn same_group(a: &WhoCanGroup, b: &WhoCanGroup) -> bool {
    a.decides == b.decides
        && a.grant == b.grant
        && a.holder.as_ref().map(|h| &h.id) == b.holder.as_ref().map(|h| &h.id)
        && a.via_app == b.via_app
        && a.technique == b.technique
}

/// A who-can group against the real world's groups of its section: new there (gained), its decision
/// changed, or reaching more (gained) or fewer (lost) identities.
pub fn who_group(before: &[WhoCanGroup], g: &WhoCanGroup) -> Option<Mark> {
    let Some(b) = before.iter().find(|b| same_group(b, g)) else {
        return Some(Mark::Gained);
    };
    if b.decision != g.decision {
        return Mark::of(b.decision, g.decision);
    }
    match g.identities.cmp(&b.identities) {
        std::cmp::Ordering::Greater => Some(Mark::Gained),
        std::cmp::Ordering::Less => Some(Mark::Lost),
        std::cmp::Ordering::Equal => None,
    }
}

/// Who-can groups of the real world that the hypothetical answer no longer has.
pub fn who_groups_lost<'w>(
    before: Option<&'w [WhoCanGroup]>,
    after: &[WhoCanGroup],
) -> Vec<&'w WhoCanGroup> {
    before.map_or_else(Vec::new, |b| {
        b.iter()
            .filter(|g| !after.iter().any(|a| same_group(a, g)))
            .collect()
    })
}

/// One escalation group, as two answers to the same question share it: the lever grant, who holds it, the
/// technique, and how sure.
fn same_escalation(a: &EscalationGroup, b: &EscalationGroup) -> bool {
    a.technique == b.technique
        && a.grant == b.grant
        && a.holder.as_ref().map(|h| &h.id) == b.holder.as_ref().map(|h| &h.id)
        && a.decision == b.decision
        && a.condition == b.condition
}

/// An escalation group against the real world's: new there (the change opens it), or with more (gained) or
/// fewer (lost) findings.
pub fn escalation_group(before: &[&EscalationGroup], g: &EscalationGroup) -> Option<Mark> {
    let Some(b) = before.iter().find(|b| same_escalation(b, g)) else {
        return Some(Mark::Gained);
    };
    match g.findings.cmp(&b.findings) {
        std::cmp::Ordering::Greater => Some(Mark::Gained),
        std::cmp::Ordering::Less => Some(Mark::Lost),
        std::cmp::Ordering::Equal => None,
    }
}

/// Escalation groups of the real world that the hypothetical one closes.
pub fn escalation_groups_lost<'g>(
    before: Option<&[&'g EscalationGroup]>,
    after: &[&EscalationGroup],
) -> Vec<&'g EscalationGroup> {
    before.map_or_else(Vec::new, |b| {
        b.iter()
            .copied()
            .filter(|g| !after.iter().any(|a| same_escalation(a, g)))
            .collect()
    })
}
