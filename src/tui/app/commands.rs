//! What the palette's entries do: the commands that take an argument (`from`, `export`, `goto`,
//! `principal`, `who-can`, `theme`), plus copy and export requests.

use std::path::PathBuf;

use super::{App, Focus, Overlay, View};
use crate::sanitize::clean;
use crate::tui::action::{Effect, UserAction};
use crate::tui::export::{self, FileFormat};
use crate::tui::origin;
pub use crate::tui::overlay::palette::Command;
use crate::tui::overlay::palette::{Entry, Palette, Run};
use crate::tui::permissions::operations;
use crate::tui::theme::{Theme, ThemeKind};

impl App {
    /// Runs the palette entry the user chose.
    pub(super) fn run_palette(&mut self, e: &Entry) -> Vec<Effect> {
        match &e.run {
            Run::UserAction(a) => self.apply(*a),
            Run::Command(c, arg) if arg.is_empty() => {
                match c {
                    Command::From => return self.apply(UserAction::From),
                    Command::Export => return self.apply(UserAction::Export),
                    // The palette again, the command's name typed, waiting for its argument.
                    _ => {
                        self.overlay =
                            Some(Overlay::Palette(Palette::typed(format!("{} ", c.name()))))
                    }
                }
                Vec::new()
            }
            Run::Command(c, arg) => self.run_command(*c, arg),
        }
    }

    /// Runs a command with its argument (also reachable from tests).
    pub fn run_command(&mut self, c: Command, arg: &str) -> Vec<Effect> {
        match c {
            Command::From => self.set_origin(arg),
            Command::Export => return self.export(arg),
            Command::Goto => {
                let before = self.place();
                self.goto_named(arg);
                self.remember_if_moved(before);
            }
            Command::Principal => {
                let before = self.place();
                self.principal_named(arg);
                self.remember_if_moved(before);
            }
            Command::WhoCan => match operations()
                .iter()
                .find(|(o, _)| o.name.eq_ignore_ascii_case(arg))
            {
                Some((op, _)) => {
                    self.who.op = op.name.to_string();
                    self.view = View::WhoCan;
                    self.focus = Focus::Main;
                }
                None => {
                    self.message = Some(format!(
                        "unknown operation '{}' (try secrets/get, keys/sign, vaults/write)",
                        clean(arg)
                    ))
                }
            },
            Command::Op => {
                self.view = View::Permissions;
                self.focus = Focus::Main;
                self.sync_permissions();
                if !self.perms.select_op(arg.trim()) {
                    self.message = Some(format!(
                        "'{}' is not an operation at this scope",
                        clean(arg)
                    ));
                }
            }
            Command::Theme => {
                let want = if arg.eq_ignore_ascii_case("light") {
                    ThemeKind::Light
                } else {
                    ThemeKind::Dark
                };
                self.theme = Theme::pick(want, self.theme.kind == ThemeKind::Mono);
                self.nav.scopes.rebuild_items(&self.theme);
            }
        }
        Vec::new()
    }

    /// `goto`: lands on the scope named, with the main pane focused.
    fn goto_named(&mut self, name: &str) {
        let height = self.pane_height(Focus::Scopes);
        match self.nav.goto_named(&self.engine, name, height) {
            Ok(note) => {
                self.focus = Focus::Main;
                if note.is_some() {
                    self.message = note;
                }
            }
            Err(e) => self.message = Some(e),
        }
    }

    fn principal_named(&mut self, name: &str) {
        if let Err(e) = self.nav.principal_named(&self.engine, name) {
            self.message = Some(e);
        }
    }

    /// Sets where calls come from, from what the user typed (see [`origin::parse`]).
    pub fn set_origin(&mut self, text: &str) {
        match origin::parse(text) {
            Ok(o) => {
                self.origin = o;
                self.message = Some(match self.origin_label() {
                    Some(l) => {
                        format!("calls now come from {l}: data-plane answers apply the firewall")
                    }
                    None => "caller location cleared: firewalls are described, not applied".into(),
                });
            }
            Err(e) => self.message = Some(e),
        }
    }

    /// The export file's suggested name: the view, the scope and (who-can) the operation, so that two
    /// exports of different answers do not overwrite each other.
    pub(super) fn export_name(&self) -> String {
        let mut parts = vec![self.view.title().to_string()];
        let of_principal = self.activity.follow == crate::tui::view::activity::Follow::Principal;
        if self.view == View::Reach
            || (self.view == View::Paths && self.paths.from_principal())
            || (self.view == View::Activity && of_principal)
        {
            // The reach answers for a principal, not for the selected scope.
            if let Some(p) = self.nav.principals.selected() {
                parts.push(p.name.clone());
            }
        } else if let Some(scope) = self.nav.scopes.selected_scope() {
            parts.push(scope.name().to_string());
        }
        if self.view == View::WhoCan {
            parts.push(self.who.op.clone());
        }
        let words: Vec<String> = parts.iter().map(|p| file_safe(p)).collect();
        format!("kvaccess-{}.json", words.join("-"))
    }

    pub(super) fn export(&mut self, path: &str) -> Vec<Effect> {
        let path = PathBuf::from(path);
        if self.view == View::Paths && self.focus != Focus::Explain {
            let hypothetical = self.whatif.world.is_some();
            return match self.paths.export_file(&self.engine, &path, hypothetical) {
                Ok(content) => vec![Effect::Write { path, content }],
                Err(e) => {
                    self.message = Some(e);
                    Vec::new()
                }
            };
        }
        let Some(format) = FileFormat::from_path(&path) else {
            self.message = Some("export: the file name must end in .json, .csv or .md".into());
            return Vec::new();
        };
        match export::render(self, format) {
            Ok(content) => vec![Effect::Write { path, content }],
            Err(e) => {
                self.message = Some(format!("export: {e}"));
                Vec::new()
            }
        }
    }

    /// The id of what is selected: a scope, or a principal's object id.
    pub fn selected_id(&self) -> Option<String> {
        let scope = || self.nav.scopes.selected_scope().map(|s| s.id().to_string());
        let principal = || self.nav.principals.selected().map(|p| p.id.clone());
        match (self.focus, self.view) {
            (Focus::Scopes | Focus::Explain, _) | (Focus::Main, View::Permissions) => scope(),
            (Focus::Principals, _) => principal(),
            (Focus::Main, _) => self.shown().selected_id(),
        }
    }

    /// Copies text already cleaned (an explanation, a verdict), saying what and how long.
    pub(super) fn copy_text(&mut self, text: String, what: &str) -> Vec<Effect> {
        if self.explain.lines.is_empty() {
            self.message = Some("nothing explained to copy".into());
            return Vec::new();
        }
        self.message = Some(format!("copied {what} ({} lines)", text.lines().count()));
        vec![Effect::Copy(text)]
    }

    pub(super) fn copy(&mut self) -> Vec<Effect> {
        match self.selected_id() {
            Some(id) => {
                let id = clean(&id).into_owned();
                self.message = Some(format!("copied {id}"));
                vec![Effect::Copy(id)]
            }
            None => {
                self.message = Some("nothing selected to copy".into());
                Vec::new()
            }
        }
    }
}

/// A name part a file name can hold anywhere: letters, digits, `.` and `_` kept (lower case), anything
/// else one `-`; never empty, never `.` or `..`.
fn file_safe(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches(['-', '.']).to_string();
    if out.is_empty() { "all".into() } else { out }
}
