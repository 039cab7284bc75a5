//! The command palette's entries and the commands that take an argument (`from`, `export`, `goto`,
//! `principal`, `who-can`, `theme`), plus copy and export requests.

use std::path::PathBuf;

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::{App, Focus, View};
use crate::eval::Origin;
use crate::sanitize::clean;
use crate::tui::action::{Effect, UserAction};
use crate::tui::export::{self, FileFormat};
use crate::tui::permissions::operations;
use crate::tui::theme::{Theme, ThemeKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    From,
    Export,
    Goto,
    Principal,
    WhoCan,
    Op,
    Theme,
}

impl Command {
    const ALL: [Command; 7] = [
        Self::WhoCan,
        Self::Op,
        Self::Goto,
        Self::Principal,
        Self::From,
        Self::Export,
        Self::Theme,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::From => "from",
            Self::Export => "export",
            Self::Goto => "goto",
            Self::Principal => "principal",
            Self::WhoCan => "who-can",
            Self::Op => "op",
            Self::Theme => "theme",
        }
    }

    fn usage(self) -> &'static str {
        match self {
            Self::From => "from <ip> | subnet <id> | pe | trusted | none — where calls come from",
            Self::Export => "export <file.json|.csv|.md> — write the current view",
            Self::Goto => {
                "goto <name, id or URL> — select a scope: what --scope takes, or a group or subscription name"
            }
            Self::Principal => "principal <name, UPN, appId or id> — select a principal",
            Self::WhoCan => "who-can <operation> — e.g. who-can secrets/get",
            Self::Op => {
                "op <operation> — select an operation in the permissions table and explain it"
            }
            Self::Theme => "theme dark | light",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum PaletteRun {
    UserAction(UserAction),
    Command(Command, String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PaletteEntry {
    pub name: String,
    pub desc: String,
    pub run: PaletteRun,
}

impl App {
    /// The palette's entries for what has been typed, best first.
    pub fn palette_entries(&self, typed: &str) -> Vec<PaletteEntry> {
        let typed = typed.trim();
        let (word, arg) = typed
            .split_once(' ')
            .map_or((typed, ""), |(w, a)| (w, a.trim()));
        let mut out = Vec::new();
        if let Some(cmd) = Command::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(word))
            && !arg.is_empty()
        {
            out.push(PaletteEntry {
                name: format!("{} {}", cmd.name(), clean(arg)),
                desc: cmd.usage().to_string(),
                run: PaletteRun::Command(cmd, arg.to_string()),
            });
            return out;
        }
        let mut all: Vec<PaletteEntry> = Command::ALL
            .into_iter()
            .map(|c| PaletteEntry {
                name: c.name().to_string(),
                desc: c.usage().to_string(),
                run: PaletteRun::Command(c, String::new()),
            })
            .collect();
        all.extend(UserAction::ALL.into_iter().map(|a| PaletteEntry {
            name: a.name().replace('_', "-"),
            desc: format!("{} [{}]", self.keymap.describe(a), self.keymap.hint(a)),
            run: PaletteRun::UserAction(a),
        }));
        if typed.is_empty() {
            return all;
        }
        let pattern = Pattern::parse(typed, CaseMatching::Ignore, Normalization::Smart);
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buf = Vec::new();
        let mut scored: Vec<(u32, usize, PaletteEntry)> = all
            .into_iter()
            .enumerate()
            .filter_map(|(i, e)| {
                let hay = format!("{} {}", e.name, e.desc);
                pattern
                    .score(Utf32Str::new(&hay, &mut buf), &mut matcher)
                    .map(|s| (s, i, e))
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().map(|(_, _, e)| e).collect()
    }

    pub(super) fn run_palette(&mut self, e: &PaletteEntry) -> Vec<Effect> {
        match &e.run {
            PaletteRun::UserAction(a) => self.apply(*a),
            PaletteRun::Command(c, arg) if arg.is_empty() => {
                match c {
                    Command::From => return self.apply(UserAction::From),
                    Command::Export => return self.apply(UserAction::Export),
                    _ => {
                        self.open_palette();
                        if let Some(super::Overlay::Palette { input, .. }) = &mut self.overlay {
                            *input = tui_input::Input::new(format!("{} ", c.name()));
                        }
                    }
                }
                Vec::new()
            }
            PaletteRun::Command(c, arg) => self.run_command(*c, arg),
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
                self.scopes.rebuild_items(&self.theme);
            }
        }
        Vec::new()
    }

    /// `goto`: what `--scope` takes (a full id, a vault's name, a vault or item URL, with or without a
    /// version) lands on that scope; anything else is looked for among the tree's names.
    fn goto_named(&mut self, name: &str) {
        let text = name.trim();
        let literal = text.starts_with('/') || text.contains("://");
        match crate::query::resolve_scope(&self.engine.snapshot, text) {
            Ok(scope) => return self.goto_resolved(&scope),
            Err(e) if literal => {
                self.message = Some(clean(&e.to_string()).into_owned());
                return;
            }
            Err(_) => {}
        }
        let pattern = Pattern::parse(name, CaseMatching::Ignore, Normalization::Smart);
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buf = Vec::new();
        let best = self
            .scopes
            .nodes
            .iter()
            .filter_map(|n| {
                let hay = format!("{} {}", n.label, n.scope.id());
                let exact = n.label.eq_ignore_ascii_case(name);
                pattern
                    .score(Utf32Str::new(&hay, &mut buf), &mut matcher)
                    .map(|s| (exact, s, n.scope.id().to_string()))
            })
            .max_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        match best {
            Some((_, _, id)) => {
                self.goto_scope(&id);
                self.focus = Focus::Main;
            }
            None => self.message = Some(format!("no scope matches '{}'", clean(name))),
        }
    }

    /// Selects `scope`, or the nearest scope above it the tree shows (saying so): an item or a scope the
    /// snapshot does not hold has no node of its own.
    fn goto_resolved(&mut self, scope: &crate::model::Scope) {
        let mut at = Some(scope.clone());
        while let Some(s) = at {
            if self.goto_scope(s.key()) {
                if s.key() != scope.key() {
                    self.message = Some(format!(
                        "{} is not in the snapshot: showing {}",
                        clean(scope.id()),
                        clean(s.id())
                    ));
                }
                self.focus = Focus::Main;
                return;
            }
            at = s.structural_parent();
        }
        self.message = Some(format!("{} is not in the snapshot", clean(scope.id())));
    }

    fn principal_named(&mut self, name: &str) {
        let id = crate::query::resolve_principal(&self.engine, name)
            .ok()
            .or_else(|| {
                let all = &self.principals.all;
                let best =
                    crate::tui::principals::matches(all, name.trim(), (0..all.len()).collect());
                best.first().and_then(|&i| all.get(i)).map(|p| p.id.clone())
            });
        match id {
            Some(id) => {
                self.principals.select_id(&id);
            }
            None => self.message = Some(format!("no principal matches '{}'", clean(name))),
        }
    }

    /// Parses a caller location: an IP, `internet`, `subnet <id>` (or a subnet id), `pe [id]`, `trusted`, or
    /// nothing.
    pub fn set_origin(&mut self, text: &str) {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        let (word, rest) = lower
            .split_once(' ')
            .map_or((lower.as_str(), ""), |(w, r)| (w, r.trim()));
        let origin = match word {
            "" | "none" | "anywhere" | "-" => Ok(None),
            "trusted" | "trusted-service" => Ok(Some(Origin::TrustedService)),
            "internet" => Ok(Some(Origin::Internet)),
            "pe" | "private" | "private-endpoint" => {
                let id = t
                    .split_once(' ')
                    .map(|(_, r)| r.trim().to_string())
                    .filter(|r| !r.is_empty());
                Ok(Some(Origin::PrivateEndpoint(id)))
            }
            "subnet" if !rest.is_empty() => Ok(Some(Origin::Subnet(t[7..].trim().to_string()))),
            _ if t.starts_with('/') => Ok(Some(Origin::Subnet(t.to_string()))),
            _ => t.parse().map(|ip| Some(Origin::Ip(ip))).map_err(|_| {
                format!(
                    "'{}' is not an IP address, 'internet', 'subnet <id>', 'pe', 'trusted' or 'none'",
                    clean(t)
                )
            }),
        };
        match origin {
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
        if let Some(scope) = self.scopes.selected_scope() {
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
        let scope = || self.scopes.selected_scope().map(|s| s.id().to_string());
        let principal = || self.principals.selected().map(|p| p.id.clone());
        match (self.focus, self.view) {
            (Focus::Scopes | Focus::Explain, _) | (Focus::Main, View::Permissions) => scope(),
            (Focus::Principals, _) => principal(),
            (Focus::Main, View::Matrix) => self.matrix.selected().map(|r| r.id.clone()),
            (Focus::Main, View::WhoCan) => {
                self.who.selected().map(|p| p.principal_id().to_string())
            }
            (Focus::Main, View::Escalations) => {
                self.escalations.selected().map(|f| f.principal.id.clone())
            }
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
