//! Derived state: after every message the permissions table, the explanation and the background views are
//! brought in line with the selection. Cheap things are computed here; heavy ones become jobs.

use super::{App, Focus, View};
use crate::tui::action::Effect;
use crate::tui::explain::{self, Doc, Verdicts};
use crate::tui::permissions::{self};
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

    /// What the explanation depends on: the selection, the world, the origin, the jobs' tickets, the `/`
    /// filters (they change which row a cursor is on) and each view's own.
    fn explain_context(&self) -> String {
        format!(
            "{}|{:?}|{:?}|{}|{}|{:?}|{}|{:?}|{}",
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
            self.origin,
            self.pending
                .values()
                .map(|p| p.0.to_string())
                .collect::<Vec<_>>()
                .join(","),
            View::ALL.map(|v| self.tables.query(v)),
            View::ALL.map(|v| self.view_of(v).explain_key()).join("/"),
        )
    }

    fn sync_explain(&mut self) {
        let key = self.explain_context();
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

    /// The main pane's selected row, as the view on screen explains it.
    fn explain_main(&self) -> Doc {
        let engine = self.world();
        let verdicts = Verdicts {
            world: engine,
            real: self.whatif.world.is_some().then_some(&*self.engine),
            origin: self.origin.as_ref(),
            last_used: self.activity.last_used(),
            from_key: self.keymap.hint(crate::tui::action::UserAction::From),
        };
        let scope = self.nav.scopes.selected_scope();
        let principal = self.nav.principals.selected();
        match self.view {
            View::Permissions => self
                .perms
                .explain(&verdicts, principal.map(|p| p.id.as_str())),
            View::Matrix => {
                let vault = scope.and_then(|s| s.vault());
                let vault = vault.as_ref().map(|v| v.id());
                self.matrix.explain(engine, vault, &self.whatif)
            }
            View::WhoCan => self.who.explain(&verdicts, scope),
            View::Escalations => self.escalations.explain(engine),
            View::Reach => {
                let hide_disputed = self.escalations.hide_disputed;
                self.reach.explain(&verdicts, principal, hide_disputed)
            }
            View::Paths => self.paths.explain(engine),
            View::Activity => self.activity.explain(engine),
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
