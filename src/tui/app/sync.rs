//! Derived state: after every message the permissions table, the explanation and the background views are
//! brought in line with the selection. Cheap things are computed here; heavy ones become jobs.

use super::{App, Focus, Load, View, WhoRow};
use crate::catalog::Plane;
use crate::eval::Decision;
use crate::eval::Request;
use crate::tui::action::Effect;
use crate::tui::cursor::Cursor;
use crate::tui::explain::{self, Doc};
use crate::tui::permissions::{self, TableLine, operations};
use crate::tui::worker::{Job, JobKind, JobSpec};

impl App {
    pub(super) fn sync(&mut self) -> Vec<Effect> {
        self.sync_permissions();
        let mut effects = self.sync_whatif();
        effects.extend(self.sync_jobs());
        self.sync_explain();
        self.keep_all_visible();
        effects
    }

    fn sync_permissions(&mut self) {
        let (Some(scope), Some(p)) = (
            self.scopes.selected_scope().cloned(),
            self.principals.selected(),
        ) else {
            return;
        };
        let world = self.whatif.world_generation();
        if self.perms.scope == scope
            && self.perms.principal == p.id
            && self.perms.origin == self.origin
            && self.whatif.perms_world == world
        {
            return;
        }
        let keep = self
            .perms
            .row_at_line(self.perm_cursor.selected)
            .map(|r| r.op.name);
        let id = p.id.clone();
        self.perms = permissions::compute(self.world(), &id, &scope, self.origin.as_ref());
        self.whatif.perms_before = self
            .whatif
            .world
            .is_some()
            .then(|| permissions::compute(&self.engine, &id, &scope, self.origin.as_ref()));
        self.whatif.perms_world = world;
        let line = keep
            .and_then(|name| self.perms.line_of_op(name))
            .or_else(|| self.perms.op_line_near(0, 1))
            .unwrap_or(0);
        self.perm_cursor = Cursor {
            selected: line,
            offset: 0,
        };
    }

    fn sync_jobs(&mut self) -> Vec<Effect> {
        let Some(scope) = self.scopes.selected_scope().cloned() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let world = self.whatif.world.clone();
        let in_world = format!("|w{}", self.whatif.world_generation());
        match self.view {
            View::Matrix => match scope.vault() {
                Some(vault) => {
                    let what = vault.key().to_string() + &in_world;
                    if self.pending_for(JobKind::Matrix) != Some(what.as_str()) {
                        let ticket = self.ticket(JobKind::Matrix, what);
                        self.matrix = Load::Loading(format!(
                            "evaluating every principal on {}",
                            crate::sanitize::clean(vault.name())
                        ));
                        out.push(Effect::Run(Job {
                            ticket,
                            engine: self.engine_ref(),
                            spec: JobSpec::Matrix { vault },
                            world,
                        }));
                    }
                }
                None => {
                    self.pending.remove(&JobKind::Matrix);
                    self.matrix =
                        Load::Failed("select a vault (or an item in one) to see its matrix".into());
                }
            },
            View::WhoCan => {
                let what = format!("{}|{}{in_world}", scope.key(), self.who_op);
                if self.pending_for(JobKind::WhoCan) != Some(what.as_str()) {
                    let ticket = self.ticket(JobKind::WhoCan, what);
                    self.who = Load::Loading(format!("finding who can {}", self.who_op));
                    out.push(Effect::Run(Job {
                        ticket,
                        engine: self.engine_ref(),
                        spec: JobSpec::WhoCan {
                            scope,
                            operation: self.who_op.clone(),
                        },
                        world,
                    }));
                }
            }
            View::Escalations => {
                if self.pending_for(JobKind::Escalations) != Some(in_world.as_str()) {
                    let ticket = self.ticket(JobKind::Escalations, in_world.clone());
                    self.escalations = Load::Loading("looking for self-escalation paths".into());
                    out.push(Effect::Run(Job {
                        ticket,
                        engine: self.engine_ref(),
                        spec: JobSpec::Escalations,
                        world,
                    }));
                }
            }
            View::Permissions => {}
        }
        out
    }

    fn explain_context(&self) -> String {
        let sel = |c: &Cursor| c.selected;
        format!(
            "{}|{:?}|{:?}|{}|{}|{}|{}|{}|{}|{}|{:?}|{}",
            self.whatif.world_generation(),
            self.focus,
            self.view,
            self.scopes
                .selected_scope()
                .map(|s| s.key().to_string())
                .unwrap_or_default(),
            self.principals
                .selected()
                .map(|p| p.id.clone())
                .unwrap_or_default(),
            sel(&self.perm_cursor),
            sel(&self.matrix_cursor),
            self.matrix_col,
            sel(&self.who_cursor),
            sel(&self.esc_cursor),
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
                .scopes
                .selected_scope()
                .map_or_else(Doc::default, |s| explain::scope(engine, s)),
            Focus::Principals => self.principals.selected().map_or_else(Doc::default, |p| {
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
                let (Some(row), Some(p)) = (
                    self.perms.row_at_line(self.perm_cursor.selected),
                    self.principals.selected(),
                ) else {
                    return Doc::new("Nothing selected");
                };
                self.verdict_doc(
                    &p.id,
                    None,
                    &self.perms.scope,
                    row.op.name,
                    row.escalation,
                    &from_key,
                )
            }
            View::Matrix => match (
                self.matrix.ready(),
                self.scopes.selected_scope().and_then(|s| s.vault()),
            ) {
                (Some(m), Some(v)) => m.rows.get(self.matrix_cursor.selected).map_or_else(
                    || Doc::new("No principal has access"),
                    |r| {
                        let mut d = explain::matrix_cell(engine, v.id(), r, self.matrix_col);
                        self.whatif_matrix_note(&mut d, r);
                        d
                    },
                ),
                _ => Doc::new("Matrix"),
            },
            View::WhoCan => {
                let Some(w) = self.who.ready() else {
                    return Doc::new("Who can");
                };
                let Some(scope) = self.scopes.selected_scope() else {
                    return Doc::default();
                };
                match self.who_rows().get(self.who_cursor.selected) {
                    Some(WhoRow::Entry(i)) => w.principals.get(*i).map_or_else(Doc::default, |e| {
                        self.verdict_doc(
                            &e.id,
                            e.via_app.as_deref(),
                            scope,
                            &self.who_op,
                            None,
                            &from_key,
                        )
                    }),
                    Some(WhoRow::Escalation(i)) => w
                        .can_grant_themselves
                        .get(*i)
                        .map_or_else(Doc::default, |f| explain::finding(engine, f)),
                    None => Doc::new(format!("Nobody can {}", self.who_op)),
                }
            }
            View::Escalations => self
                .escalations
                .ready()
                .and_then(|f| f.get(self.esc_cursor.selected))
                .map_or_else(|| Doc::new("Escalations"), |f| explain::finding(engine, f)),
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
                let esc = escalation.filter(|_| v.decision != Decision::Allowed);
                let mut doc = explain::cell(engine, &v, esc, from_key);
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
        let h = self.pane_height(Focus::Scopes);
        self.scopes.keep_visible(h);
        let h = self.pane_height(Focus::Principals);
        let n = self.principals.shown.len();
        self.principals.cursor.keep_visible(h, n);
        let h = self.pane_height(Focus::Main);
        let n = self.perms.lines.len();
        self.perm_cursor.keep_visible(h, n);
        let c = &mut self.perm_cursor;
        if c.selected == c.offset {
            // show the plane and kind headings above the first visible operation when they fit
            while c.offset > 0
                && c.selected - (c.offset - 1) < h
                && matches!(
                    self.perms.lines.get(c.offset - 1),
                    Some(TableLine::Plane(_) | TableLine::Kind(_))
                )
            {
                c.offset -= 1;
            }
        }
        let n = self.matrix.ready().map_or(0, |m| m.rows.len());
        self.matrix_cursor.keep_visible(h, n);
        let n = self.who_rows().len();
        self.who_cursor.keep_visible(h, n);
        let n = self.escalations.ready().map_or(0, Vec::len);
        self.esc_cursor.keep_visible(h, n);
    }
}
