//! Keys: overlays and text boxes take them first (so `q` can be typed), then the keymap turns the rest
//! into actions.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Overlay, PromptKind, View};
use crate::tui::action::{Effect, UserAction};
use crate::tui::filter::{Target, Typed};
use crate::tui::overlay::{self, Intent, Prompt, Reply as OverlayReply};
use crate::tui::whatif::keys::Reply;
use crate::tui::worker::{JobKind, JobSpec};

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return Vec::new();
        }
        if self.overlay.is_some() {
            return self.overlay_key(key);
        }
        if self.filter.active {
            return self.filter_key(key);
        }
        if let Some(effects) = crate::tui::tour::key(self, key) {
            return effects;
        }
        if self.whatif.focused
            && let Some(reply) = self
                .whatif
                .key(key, &self.keymap, &self.engine, &self.nav.scopes)
        {
            return self.on_panel(reply);
        }
        match self.keymap.action_for(&key) {
            Some(action) if action.is_whatif_panel() => {
                self.message = Some(format!(
                    "that key works in the what-if panel: open it with {}",
                    self.keymap.hint(UserAction::WhatIf)
                ));
                Vec::new()
            }
            Some(action) => self.apply(action),
            None => Vec::new(),
        }
    }

    /// Carries out what the what-if panel asked beyond itself.
    fn on_panel(&mut self, reply: Reply) -> Vec<Effect> {
        match reply {
            Reply::Effects(effects) => effects,
            Reply::Load(path) => {
                let spec = JobSpec::LoadScenario {
                    path: path.clone().into(),
                };
                vec![self.job(JobKind::LoadScenario, path, spec, None)]
            }
        }
    }

    /// The `/` box has the keys: what is typed narrows the principal list, or the table of the view.
    fn filter_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let typed = self.filter.key(&key);
        match self.filter.target {
            Target::Table(view) => {
                match typed {
                    Typed::Query(q) => self.narrow(view, &q),
                    Typed::Cleared => self.narrow(view, ""),
                    Typed::Move(d) => self.move_by(d),
                    Typed::Keep | Typed::Done => {}
                }
                return Vec::new();
            }
            Target::Explain => {
                match typed {
                    Typed::Query(q) => self.search_explanation(&q),
                    Typed::Cleared => self.search_explanation(""),
                    Typed::Move(d) => self.move_by(d),
                    Typed::Keep | Typed::Done => {}
                }
                return Vec::new();
            }
            Target::Principals => {}
        }
        match typed {
            Typed::Query(q) => self.request_filter(q),
            Typed::Cleared => self.request_filter(String::new()),
            Typed::Move(d) => {
                self.nav.move_principals(d);
                Vec::new()
            }
            Typed::Keep | Typed::Done => Vec::new(),
        }
    }

    /// Narrows `view`'s table (and the real world's beside it) to what `query` keeps; the cursor goes
    /// to the first row kept.
    pub(super) fn narrow(&mut self, view: View, query: &str) {
        match view {
            View::Matrix => {
                let shown = self.matrix.answer.ready_mut();
                let before = &mut self.whatif.matrix_before;
                self.tables.matrix.set_query(query, shown, before);
                self.matrix.narrowed(query);
            }
            View::WhoCan => {
                let shown = self.who.answer.ready_mut();
                let before = &mut self.whatif.who_before;
                self.tables.who.set_query(query, shown, before);
                self.who.narrowed();
            }
            View::Escalations => {
                let shown = self.escalations.answer.ready_mut();
                let before = &mut self.whatif.escalations_before;
                self.tables.escalations.set_query(query, shown, before);
                self.escalations.narrowed();
            }
            View::Permissions | View::Reach | View::Paths | View::Activity => {}
        }
        if query.is_empty() && self.filter.target == Target::Table(view) {
            self.filter.clear();
        }
    }

    /// Keeps the explanation's lines that have every word of `query` (empty: all of them), from the top.
    pub(super) fn search_explanation(&mut self, query: &str) {
        self.explain_query = query.trim().to_string();
        self.explain_scroll = 0;
        if query.is_empty() && self.filter.target == Target::Explain {
            self.filter.clear();
        }
    }

    /// An open overlay takes every key; what it asks for beyond itself is done here.
    fn overlay_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(mut overlay) = self.overlay.take() else {
            return Vec::new();
        };
        let ctx = overlay::Ctx {
            keymap: &self.keymap,
            theme: &self.theme,
            live: self.live.as_ref(),
        };
        match overlay.key(&key, &ctx) {
            OverlayReply::Keep => {
                self.overlay = Some(overlay);
                Vec::new()
            }
            OverlayReply::Close => Vec::new(),
            OverlayReply::Then(Intent::Run(entry)) => self.run_palette(&entry),
            OverlayReply::Then(Intent::Submit(kind, value)) => self.submit_prompt(kind, value),
            OverlayReply::Then(Intent::Say(text)) => {
                self.message = Some(text);
                Vec::new()
            }
        }
    }

    pub(super) fn open_prompt(&mut self, kind: PromptKind, value: String) {
        self.overlay = Some(Overlay::Prompt(Prompt::new(kind, value)));
    }

    fn submit_prompt(&mut self, kind: PromptKind, value: String) -> Vec<Effect> {
        match kind {
            PromptKind::From => {
                self.set_origin(&value);
                Vec::new()
            }
            PromptKind::Export => self.export(&value),
        }
    }
}
