//! Derived state: after every message the permissions table, the explanation and the background views are
//! brought in line with the selection. Cheap things are computed here; heavy ones become jobs.

use super::{App, Focus, View};
use crate::catalog::Plane;
use crate::eval::Decision;
use crate::eval::Request;
use crate::tui::action::Effect;
use crate::tui::cursor::Cursor;
use crate::tui::explain::{self, Doc};
use crate::tui::permissions::{self, operations};
use crate::tui::view::escalations::{self, Picked};
use crate::tui::view::reach::Row;
use crate::tui::view::who_can::Picked as WhoPicked;
use crate::tui::view::{Ask, Selection};
use crate::tui::worker::{JobKind, JobSpec};

impl App {
    pub(super) fn sync(&mut self) -> Vec<Effect> {
        self.sync_permissions();
        let mut effects: Vec<Effect> = (self.whatif.world_job())
            .map(|(what, spec)| self.job(JobKind::WhatIf, what, spec, None))
            .into_iter()
            .collect();
        effects.extend(self.sync_logs());
        effects.extend(self.sync_jobs());
        self.sync_explain();
        self.keep_all_visible();
        effects
    }

    /// What [`App::sync`] brings in line without background work: the permissions table (computed here),
    /// the explanation, the scroll positions. Jobs are asked for by the next message's `sync`, whose
    /// effects reach the loop; nothing is asked for here, so nothing can be dropped.
    pub(super) fn sync_in_place(&mut self) {
        self.sync_permissions();
        self.sync_explain();
        self.keep_all_visible();
    }

    pub(super) fn sync_permissions(&mut self) {
        let (Some(scope), Some(p)) = (
            self.nav.scopes.selected_scope().cloned(),
            self.nav.principals.selected(),
        ) else {
            return;
        };
        let world = self.whatif.world_generation();
        let t = &self.perms.table;
        if t.scope == scope
            && t.principal == p.id
            && t.origin == self.origin
            && self.whatif.perms_world == world
        {
            return;
        }
        let id = p.id.clone();
        let table = permissions::compute(self.world(), &id, &scope, self.origin.as_ref());
        self.perms.replace(table);
        self.whatif.perms_before = self
            .whatif
            .world
            .is_some()
            .then(|| permissions::compute(&self.engine, &id, &scope, self.origin.as_ref()));
        self.whatif.perms_world = world;
    }

    /// The view on screen asks its question of the selection; what it asks for is carried out.
    fn sync_jobs(&mut self) -> Vec<Effect> {
        let Some(scope) = self.nav.scopes.selected_scope().cloned() else {
            return Vec::new();
        };
        let Some(kind) = job_of(self.view) else {
            return Vec::new();
        };
        let sel = Selection {
            scope: &scope,
            scope_label: self.scope_label(),
            principal: self.nav.principals.selected(),
            origin: self.origin.as_ref(),
            focus: self.focus,
            in_world: format!("|w{}", self.whatif.world_generation()),
        };
        let pending = self.pending.get(&kind).map(|p| p.1.as_str());
        let ask = match self.view {
            View::Matrix => self.matrix.ask(&sel, pending),
            View::WhoCan => self.who.ask(&sel, pending),
            View::Escalations => self.escalations.ask(&sel, pending),
            View::Reach => self.reach.ask(&sel, pending),
            View::Paths => self.paths.ask(&sel, &self.who.op, pending),
            View::Activity => self.activity.ask(&sel, pending),
            View::Permissions => Ask::Keep,
        };
        let world = self.whatif.world.clone();
        self.carry(kind, ask, world).into_iter().collect()
    }

    /// Carries out what a view asked about its background answer.
    fn carry(
        &mut self,
        kind: JobKind,
        ask: Ask,
        world: Option<crate::tui::whatif::world::WorldRef>,
    ) -> Option<Effect> {
        match ask {
            Ask::Keep => None,
            Ask::Forget => {
                self.pending.remove(&kind);
                None
            }
            Ask::Run { what, spec } => Some(self.job(kind, what, spec, world)),
        }
    }

    /// The logs given with `--logs`, read once in the background (again after a cancel and the view's
    /// key), whatever the view: the explanation's "last used" needs them too.
    fn sync_logs(&mut self) -> Option<Effect> {
        if !self.activity.wants_logs() {
            return None;
        }
        self.activity.reading_logs();
        let spec = JobSpec::ReadLogs {
            paths: self.activity.paths.clone(),
        };
        Some(self.job(JobKind::ReadLogs, "logs".into(), spec, None))
    }

    fn explain_context(&self) -> String {
        let sel = |c: &Cursor| c.selected;
        format!(
            "{}|{:?}|{:?}|{}|{}|{}|{}{}|{}|{}|{}|{:?}|{}|{:?}|{}",
            self.whatif.world_generation(),
            self.focus,
            self.view,
            self.nav
                .scopes
                .selected_scope()
                .map(|s| s.key().to_string())
                .unwrap_or_default(),
            self.nav
                .principals
                .selected()
                .map(|p| p.id.clone())
                .unwrap_or_default(),
            sel(&self.perms.cursor),
            sel(&self.matrix.cursor),
            // The row, not only its position: sorting and filtering move rows under the cursor.
            self.matrix
                .selected()
                .map(|r| format!("{}>{}", r.id, r.via_app.as_deref().unwrap_or("")))
                .unwrap_or_default(),
            self.matrix.col,
            sel(&self.who.cursor),
            sel(&self.escalations.cursor),
            self.origin,
            self.pending
                .values()
                .map(|p| p.0.to_string())
                .collect::<Vec<_>>()
                .join(",")
                + if self.matrix.ready().is_some() {
                    "m"
                } else {
                    ""
                }
                + if self.who.ready().is_some() { "w" } else { "" }
                + if self.escalations.ready().is_some() {
                    "e"
                } else {
                    ""
                }
                + &format!(
                    "|r{}{}",
                    sel(&self.reach.cursor),
                    if self.reach.ready().is_some() {
                        "r"
                    } else {
                        ""
                    }
                )
                // The activity view's row; logs read change the explanation's "last used".
                + &format!(
                    "|a{}{}{}",
                    sel(&self.activity.cursor),
                    u8::from(self.activity.ready().is_some()),
                    u8::from(self.activity.last_used().is_some())
                ),
            // A `/` filter changes which row the cursor is on.
            View::ALL.map(|v| self.tables.query(v)),
            self.escalations.hide_disputed
        )
    }

    fn sync_explain(&mut self) {
        let key = self.explain_context() + &self.paths.explain_key();
        if key == self.explain_key {
            return;
        }
        self.explain_key = key;
        self.explain_scroll = 0;
        self.explain = self.build_explain();
    }

    fn build_explain(&self) -> Doc {
        let engine = self.world();
        match self.focus {
            Focus::Scopes => self
                .nav
                .scopes
                .selected_scope()
                .map_or_else(Doc::default, |s| explain::scope(engine, s)),
            Focus::Principals => self
                .nav
                .principals
                .selected()
                .map_or_else(Doc::default, |p| {
                    let n = self.policy_vaults.get(&p.id).copied().unwrap_or(0);
                    explain::principal(engine, &p.id, n)
                }),
            Focus::Main | Focus::Explain => self.explain_main(),
        }
    }

    fn explain_main(&self) -> Doc {
        let engine = self.world();
        let from_key = self.keymap.hint(crate::tui::action::UserAction::From);
        match self.view {
            View::Permissions => {
                let (Some(row), Some(p)) = (self.perms.selected(), self.nav.principals.selected())
                else {
                    return Doc::new("Nothing selected");
                };
                self.verdict_doc(
                    &p.id,
                    None,
                    &self.perms.table.scope,
                    row.op.name,
                    row.escalation,
                    &from_key,
                )
            }
            View::Matrix => match (
                self.matrix.ready(),
                self.nav.scopes.selected_scope().and_then(|s| s.vault()),
            ) {
                (Some(_), Some(v)) => self.matrix.selected().map_or_else(
                    || Doc::new("No principal has access"),
                    |r| {
                        let mut d = explain::matrix_cell(engine, v.id(), r, self.matrix.col);
                        self.whatif.matrix_note(&mut d, r, self.matrix.col);
                        d
                    },
                ),
                _ => Doc::new("Matrix"),
            },
            View::WhoCan => {
                if self.who.ready().is_none() {
                    return Doc::new("Who can");
                }
                let Some(scope) = self.nav.scopes.selected_scope() else {
                    return Doc::default();
                };
                match self.who.selected() {
                    Some(WhoPicked::Member(g, m)) => self.verdict_doc(
                        &m.id,
                        g.via_app.as_deref(),
                        scope,
                        &self.who.op,
                        g.technique,
                        &from_key,
                    ),
                    Some(WhoPicked::Group(g)) => {
                        crate::tui::view::who_can::group_doc(self.world(), g)
                    }
                    None => Doc::new(format!("Nobody can {}", self.who.op)),
                }
            }
            View::Escalations => match self.escalations.selected() {
                Some(Picked::Member(g, m)) => escalations::finding_of(engine, g, m).map_or_else(
                    || escalations::group_doc(engine, g),
                    |f| explain::finding(engine, &f, self.escalations.hide_disputed),
                ),
                Some(Picked::Group(g)) => escalations::group_doc(engine, g),
                None => Doc::new("Escalations"),
            },
            View::Reach => self.explain_reach(&from_key),
            View::Paths => self.paths.explain(engine),
            View::Activity => self.activity.explain(engine),
        }
    }

    /// A reach row explained: the verdict at its vault (or item) for its first operation, a self-grant
    /// path in full, an eligibility or a vault as what it is.
    fn explain_reach(&self, from_key: &str) -> Doc {
        let engine = self.world();
        let (Some(row), Some(p)) = (self.reach.selected(), self.nav.principals.selected()) else {
            return Doc::new("Reach");
        };
        if let Some(f) = self.reach.selected_finding() {
            return explain::finding(engine, f, self.escalations.hide_disputed);
        }
        let Some(target) = self.reach.target() else {
            return Doc::new("Reach");
        };
        let Ok(scope) = crate::model::Scope::parse(&target.scope) else {
            return Doc::new("Reach");
        };
        match (row, target.operation) {
            (_, Some(op)) => self.verdict_doc(&p.id, None, &scope, op, None, from_key),
            (Row::Eligible(v, e), None) => {
                let mut d = Doc::new("Eligible (PIM), not active");
                if let Some(text) = self
                    .reach
                    .ready()
                    .and_then(|r| r.vaults.get(v))
                    .and_then(|v| v.eligible.get(e))
                {
                    d.text(format!(
                        "{} could activate {} and then hold what it gives; until then it gives nothing.",
                        p.name,
                        crate::sanitize::clean(text)
                    ));
                }
                d
            }
            _ => explain::scope(engine, &scope),
        }
    }

    fn verdict_doc(
        &self,
        principal: &str,
        via_app: Option<&str>,
        scope: &crate::model::Scope,
        op: &str,
        escalation: Option<crate::query::Technique>,
        from_key: &str,
    ) -> Doc {
        let engine = self.world();
        let Some((_, action)) = operations().iter().find(|(o, _)| o.name == op) else {
            return Doc::new(format!("unknown operation {op}"));
        };
        let subject = engine.subject(principal);
        let target = engine.target(scope);
        let origin = if action.plane == Plane::Data {
            self.origin.as_ref()
        } else {
            None
        };
        match engine.check(
            &Request::new(&subject, &target, action)
                .via_app(via_app)
                .from(origin),
        ) {
            Ok(v) => {
                // Every path, as `check` lists them, where the table marks one.
                let paths = if escalation.is_some() && v.decision != Decision::Allowed {
                    crate::query::self_grants(engine, principal, scope, action)
                } else {
                    Vec::new()
                };
                let used = self.activity.last_used();
                let mut doc = explain::cell(engine, &v, &paths, from_key, used);
                if self.whatif.world.is_some() {
                    let real = self.engine.check(
                        &Request::new(
                            &self.engine.subject(principal),
                            &self.engine.target(scope),
                            action,
                        )
                        .via_app(via_app)
                        .from(origin),
                    );
                    let before = real.map_or("unknown", |r| r.decision.as_str());
                    doc.lines.insert(
                        0,
                        vec![(
                            explain::Tone::Heading,
                            format!("what-if: before {before}, after {}", v.decision.as_str()),
                        )],
                    );
                }
                doc
            }
            Err(e) => {
                let mut d = Doc::new(op.to_string());
                d.text(crate::sanitize::clean(&e.to_string()).into_owned());
                d
            }
        }
    }

    pub(super) fn keep_all_visible(&mut self) {
        let scopes = self.pane_height(Focus::Scopes);
        let principals = self.pane_height(Focus::Principals);
        self.nav.keep_visible(scopes, principals);
        let h = self.pane_height(Focus::Main);
        self.perms.keep_visible(h);
        self.matrix.keep_visible(h);
        self.who.keep_visible(h);
        self.escalations.keep_visible(h);
        self.reach.keep_visible(h);
        self.paths.keep_visible(h);
        self.activity.keep_visible(h);
    }
}

/// The kind of job that answers `view` in the background (the permissions table is computed in place).
fn job_of(view: View) -> Option<JobKind> {
    Some(match view {
        View::Matrix => JobKind::Matrix,
        View::WhoCan => JobKind::WhoCan,
        View::Escalations => JobKind::Escalations,
        View::Reach => JobKind::Reach,
        View::Paths => JobKind::Paths,
        View::Activity => JobKind::Activity,
        View::Permissions => return None,
    })
}
