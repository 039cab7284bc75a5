//! Keys: overlays and text boxes take them first (so `q` can be typed), then the keymap turns the rest
//! into actions.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use super::{App, Overlay, PromptKind};
use crate::tui::action::{Effect, UserAction};
use crate::tui::cursor::Cursor;

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return Vec::new();
        }
        if self.overlay.is_some() {
            return self.overlay_key(key);
        }
        if self.filtering {
            return self.filter_key(key);
        }
        if let Some(effects) = crate::tui::tour::key(self, key) {
            return effects;
        }
        if self.whatif.focused
            && let Some(effects) = self.whatif_key(key)
        {
            return effects;
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

    fn filter_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Enter => self.filtering = false,
            KeyCode::Esc => {
                self.filtering = false;
                self.filter = Input::default();
                return self.request_filter(String::new());
            }
            KeyCode::Up | KeyCode::Down => {
                let n = self.principals.shown.len();
                self.principals
                    .cursor
                    .move_by(if key.code == KeyCode::Up { -1 } else { 1 }, n);
            }
            _ => {
                if let Some(req) = to_input_request(&Event::Key(key))
                    && self.filter.handle(req).is_some_and(|c| c.value)
                {
                    let q = self.filter.value().to_string();
                    return self.request_filter(q);
                }
            }
        }
        Vec::new()
    }

    fn overlay_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(overlay) = self.overlay.take() else {
            return Vec::new();
        };
        match overlay {
            Overlay::Help { scroll } => {
                let action = self.keymap.action_for(&key);
                let scroll = match action {
                    Some(UserAction::Down) => scroll + 1,
                    Some(UserAction::Up) => scroll.saturating_sub(1),
                    Some(UserAction::PageDown) => scroll + 10,
                    Some(UserAction::PageUp) => scroll.saturating_sub(10),
                    Some(UserAction::Top) => 0,
                    Some(UserAction::Quit | UserAction::Back | UserAction::Help) => {
                        return Vec::new();
                    }
                    _ => scroll,
                };
                let max = self.keymap.bindings.len() + 8;
                self.overlay = Some(Overlay::Help {
                    scroll: scroll.min(max),
                });
                Vec::new()
            }
            Overlay::Log { scroll } => self.log_key(key, scroll),
            Overlay::Palette {
                mut input,
                mut cursor,
            } => match key.code {
                KeyCode::Esc => Vec::new(),
                KeyCode::Enter => {
                    let entries = self.palette_entries(input.value());
                    match entries.get(cursor.selected).cloned() {
                        Some(e) => self.run_palette(&e),
                        None => {
                            self.message = Some(format!(
                                "no command matches '{}'",
                                crate::sanitize::clean(input.value())
                            ));
                            Vec::new()
                        }
                    }
                }
                KeyCode::Up | KeyCode::Down | KeyCode::Tab | KeyCode::BackTab => {
                    let n = self.palette_entries(input.value()).len();
                    let d = if matches!(key.code, KeyCode::Up | KeyCode::BackTab) {
                        -1
                    } else {
                        1
                    };
                    cursor.move_by(d, n);
                    cursor.keep_visible(10, n);
                    self.overlay = Some(Overlay::Palette { input, cursor });
                    Vec::new()
                }
                _ => {
                    if let Some(req) = to_input_request(&Event::Key(key))
                        && input.handle(req).is_some_and(|c| c.value)
                    {
                        cursor = Cursor::default();
                    }
                    self.overlay = Some(Overlay::Palette { input, cursor });
                    Vec::new()
                }
            },
            Overlay::Prompt { kind, mut input } => match key.code {
                KeyCode::Esc => Vec::new(),
                KeyCode::Enter => self.submit_prompt(kind, input.value().trim().to_string()),
                _ => {
                    if let Some(req) = to_input_request(&Event::Key(key)) {
                        input.handle(req);
                    }
                    self.overlay = Some(Overlay::Prompt { kind, input });
                    Vec::new()
                }
            },
        }
    }

    pub(super) fn open_palette(&mut self) {
        self.overlay = Some(Overlay::Palette {
            input: Input::default(),
            cursor: Cursor::default(),
        });
    }

    pub(super) fn open_prompt(&mut self, kind: PromptKind, value: String) {
        self.overlay = Some(Overlay::Prompt {
            kind,
            input: Input::new(value),
        });
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
