//! Role assignments and PIM eligibilities. A large tenant is mostly role assignments, so they are converted in
//! two halves on two threads; each half records, per element, how many problems it raised before the
//! duplicate check and after it, so that [`join`] reports exactly what one pass in file order would.

use super::rbac::scope_from_id;
use super::seen::{SeenIds, id_hash};
use super::{At, Ctx};
use crate::model::role::trailing_guid;
use crate::model::*;
use crate::snapshot::lenient::Field;
use crate::snapshot::raw::*;

/// What converting one element gave: whether it gave an assignment (with its [`id_hash`]), and the counts of
/// the problems it raised.
struct Record {
    hash: Option<u64>,
    /// Problems raised before the duplicate check: always reported.
    early: usize,
    /// Problems of the fields read after the duplicate check: reported only when the assignment is kept.
    late: usize,
}

/// Some consecutive elements converted, not yet checked for duplicates: one record per element, and one
/// assignment per record with a hash.
pub struct Half {
    records: Vec<Record>,
    assignments: Vec<RoleAssignment>,
    ctx: Ctx,
}

/// Converts `elements`, the first of which is element `first` of the list at `top`; room is made for `room`
/// assignments. Elements that are not objects were reported by [`Ctx::checked`] and are skipped.
pub fn half(
    elements: &mut [Field<RawRoleAssignment>],
    first: usize,
    room: usize,
    top: &At,
) -> Half {
    let mut ctx = Ctx::default();
    let mut records = Vec::with_capacity(elements.len());
    let mut assignments = Vec::with_capacity(room.max(elements.len()));
    for (k, field) in elements.iter_mut().enumerate() {
        let Field::Value(raw) = std::mem::take(field) else {
            continue;
        };
        let before = ctx.problems.len();
        let mut checked_at = before;
        let converted = element(first + k, raw, top, &mut ctx, &mut checked_at);
        let end = ctx.problems.len();
        let early = match converted {
            Some(_) => checked_at - before,
            None => end - before,
        };
        let hash = converted.map(|(a, hash)| {
            assignments.push(a);
            hash
        });
        records.push(Record {
            hash,
            early,
            late: end - before - early,
        });
    }
    Half {
        records,
        assignments,
        ctx,
    }
}

/// One assignment; `checked_at` gets the number of problems when the duplicate check would be made.
fn element(
    i: usize,
    a: RawRoleAssignment,
    top: &At,
    ctx: &mut Ctx,
    checked_at: &mut usize,
) -> Option<(RoleAssignment, u64)> {
    let path = top.index(i);
    let id = ctx.opt_text(a.id, &path.key("id"));
    let ppath = path.key("properties");
    let p = ctx.required(a.properties, &ppath, "an object", "missing")?;
    let scope_text = ctx
        .opt_text(p.scope, &ppath.key("scope"))
        .or_else(|| id.as_deref().and_then(scope_from_id));
    let role = ctx.req_text(p.role_definition_id, &ppath.key("roleDefinitionId"));
    let principal = ctx.req_text(p.principal_id, &ppath.key("principalId"));
    let Some(id) = id.or_else(|| ctx.opt_text(a.name, &path.key("name"))) else {
        ctx.problem(&path.key("id"), "missing");
        return None;
    };
    let Some(scope_text) = scope_text else {
        ctx.problem(&ppath.key("scope"), "missing");
        return None;
    };
    let scope = ctx.scope(&scope_text, &ppath.key("scope"), &[]);
    let principal_id = principal.and_then(|p| ctx.guid(p, &ppath.key("principalId")));
    let (Some(scope), Some(role), Some(principal_id)) = (scope, role, principal_id) else {
        return None;
    };
    *checked_at = ctx.problems.len();
    let condition = ctx.opt_text(p.condition, &ppath.key("condition"));
    if let Some(why) = condition.as_deref().and_then(crate::eval::condition::check) {
        ctx.warn(&ppath.key("condition"), why);
    }
    let hash = id_hash(&id);
    let assignment = RoleAssignment {
        role_definition_guid: trailing_guid(&role),
        role_definition_id: crate::model::guid::canonical_tail(role),
        principal_id,
        principal_type: ctx
            .opt_text(p.principal_type, &ppath.key("principalType"))
            .unwrap_or_default(),
        condition,
        condition_version: ctx.opt_text(p.condition_version, &ppath.key("conditionVersion")),
        id,
        scope,
    };
    Some((assignment, hash))
}

/// The halves in order, without the assignments listed again (by another subscription's query: the same
/// assignment), their problems added to `ctx` as one pass would have raised them. The first half's
/// assignments stay where they are, so it should have room for all.
pub fn join(halves: Vec<Half>, ctx: &mut Ctx) -> Vec<RoleAssignment> {
    let total: usize = halves.iter().map(|h| h.assignments.len()).sum();
    // Which assignments to keep, in file order; an entry's position in `seen` is its place in that order.
    let mut keep = Vec::with_capacity(total);
    let mut seen = SeenIds::with_capacity(total);
    let mut starts = Vec::with_capacity(halves.len());
    for h in 0..halves.len() {
        starts.push(keep.len());
        let Some(half) = halves.get(h) else { continue };
        let mut problems = half.ctx.problems.iter().cloned();
        let mut assignments = half.assignments.iter();
        for r in &half.records {
            ctx.problems.extend(problems.by_ref().take(r.early));
            let late = problems.by_ref().take(r.late);
            let Some(hash) = r.hash else { continue };
            let Some(a) = assignments.next() else { break };
            let at = keep.len();
            let new = seen.insert_hashed(hash, &a.id, at, |k| id_at(&halves, &starts, k));
            keep.push(new);
            if new {
                ctx.problems.extend(late);
            } else {
                late.for_each(drop);
            }
        }
    }
    let mut keep = keep.into_iter();
    let mut out: Vec<RoleAssignment> = Vec::new();
    for half in halves {
        ctx.warnings.extend(half.ctx.warnings);
        let kept = half
            .assignments
            .into_iter()
            .zip(keep.by_ref())
            .filter_map(|(a, k)| k.then_some(a));
        if out.capacity() == 0 {
            out = kept.collect();
        } else {
            out.extend(kept);
        }
    }
    out
}

/// The id of the `k`-th assignment of the halves together; `starts` holds where each half starts.
fn id_at<'h>(halves: &'h [Half], starts: &[usize], k: usize) -> &'h str {
    let h = starts.partition_point(|&s| s <= k).saturating_sub(1);
    let at = k - starts.get(h).copied().unwrap_or(0);
    halves
        .get(h)
        .and_then(|half| half.assignments.get(at))
        .map_or("", |a| a.id.as_str())
}

/// All of a (small) list on this thread: PIM eligibilities.
pub fn role_assignments(
    list: List<RawRoleAssignment>,
    top: &At,
    ctx: &mut Ctx,
) -> Vec<RoleAssignment> {
    let mut elements = ctx.checked(list, top, "an object");
    let all = half(&mut elements, 0, 0, top);
    join(vec![all], ctx)
}
