//! Key bindings as data: the embedded default keymap (`assets/keymap.toml`) with a description per binding,
//! overridden key by key from the user's file. The help overlay and the palette are generated from it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use crate::tui::action::UserAction;

pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// A key with its modifiers, normalised so `G` and `shift-g` are one chord.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Chord {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Chord {
    pub fn from_event(k: &KeyEvent) -> Self {
        let code = k.code;
        Self {
            code,
            ctrl: k.modifiers.contains(KeyModifiers::CONTROL),
            alt: k.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// Parses `q`, `G`, `ctrl-c`, `alt-x`, `enter`, `pagedown`, `f1`…
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut rest = text;
        let (mut ctrl, mut alt) = (false, false);
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 1 && lower.starts_with("ctrl-") {
                ctrl = true;
                rest = &rest[5..];
            } else if rest.len() > 1 && lower.starts_with("alt-") {
                alt = true;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            _ => {
                named(&rest.to_ascii_lowercase()).ok_or_else(|| format!("unknown key '{text}'"))?
            }
        };
        Ok(Self { code, ctrl, alt })
    }

    /// How the help overlay writes it.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "enter".into(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Tab => "tab".into(),
            KeyCode::BackTab => "shift-tab".into(),
            KeyCode::Backspace => "backspace".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "pgup".into(),
            KeyCode::PageDown => "pgdn".into(),
            KeyCode::Home => "home".into(),
            KeyCode::End => "end".into(),
            KeyCode::F(n) => format!("f{n}"),
            other => format!("{other:?}").to_lowercase(),
        };
        let mut out = String::new();
        if self.ctrl {
            out.push_str("ctrl-");
        }
        if self.alt {
            out.push_str("alt-");
        }
        out.push_str(&base);
        out
    }
}

fn named(name: &str) -> Option<KeyCode> {
    Some(match name {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" | "shift-tab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" | "pgup" => KeyCode::PageUp,
        "pagedown" | "pgdn" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "delete" | "del" => KeyCode::Delete,
        f if f.starts_with('f') => KeyCode::F(f[1..].parse().ok()?),
        _ => return None,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    keys: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    on: Vec<String>,
    run: UserAction,
    #[serde(default)]
    desc: Option<String>,
    #[serde(default)]
    section: Option<String>,
}

/// One line of the help overlay: an action, every key bound to it, what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub action: UserAction,
    pub keys: Vec<Chord>,
    pub desc: String,
    pub section: String,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    by_chord: HashMap<Chord, UserAction>,
    /// In file order; the help overlay lists them so.
    pub bindings: Vec<Binding>,
    /// Problems met reading the user's file (shown in the status bar, never fatal).
    pub warnings: Vec<String>,
}

impl Keymap {
    /// The embedded defaults alone.
    pub fn defaults() -> Self {
        let mut map = Self {
            by_chord: HashMap::new(),
            bindings: Vec::new(),
            warnings: Vec::new(),
        };
        if let Err(e) = map.merge(DEFAULT_KEYMAP, "embedded keymap") {
            map.warnings.push(e);
        }
        map
    }

    /// Defaults, then the user's file when there is one.
    pub fn load() -> Self {
        let mut map = Self::defaults();
        if let Some(path) = user_keymap_path()
            && let Ok(text) = crate::files::read_text(&path)
            && let Err(e) = map.merge(&text, &path.display().to_string())
        {
            map.warnings.push(e);
        }
        map
    }

    /// Applies a keymap text over this one: each key it binds is rebound.
    pub fn merge(&mut self, text: &str, source: &str) -> Result<(), String> {
        let file: File = toml::from_str(text).map_err(|e| format!("{source}: {e}"))?;
        for entry in file.keys {
            let mut chords = Vec::new();
            for key in &entry.on {
                match Chord::parse(key) {
                    Ok(c) => chords.push(c),
                    Err(e) => self.warnings.push(format!("{source}: {e}")),
                }
            }
            for c in &chords {
                if let Some(old) = self.by_chord.remove(c)
                    && let Some(b) = self.bindings.iter_mut().find(|b| b.action == old)
                {
                    b.keys.retain(|k| k != c);
                }
            }
            if entry.run == UserAction::None {
                continue;
            }
            for c in &chords {
                self.by_chord.insert(*c, entry.run);
            }
            match self.bindings.iter_mut().find(|b| b.action == entry.run) {
                Some(b) => {
                    b.keys.extend(chords);
                    if let Some(d) = entry.desc {
                        b.desc = d;
                    }
                }
                None => self.bindings.push(Binding {
                    action: entry.run,
                    keys: chords,
                    desc: entry
                        .desc
                        .unwrap_or_else(|| entry.run.name().replace('_', " ")),
                    section: entry.section.unwrap_or_else(|| "Other".into()),
                }),
            }
        }
        Ok(())
    }

    pub fn action_for(&self, key: &KeyEvent) -> Option<UserAction> {
        self.by_chord.get(&Chord::from_event(key)).copied()
    }

    pub fn binding(&self, action: UserAction) -> Option<&Binding> {
        self.bindings.iter().find(|b| b.action == action)
    }

    /// The first key bound to an action, for hints (`?` for help).
    pub fn hint(&self, action: UserAction) -> String {
        self.binding(action)
            .and_then(|b| b.keys.first())
            .map_or_else(|| format!(":{}", action.name()), Chord::label)
    }

    pub fn describe(&self, action: UserAction) -> String {
        self.binding(action)
            .map_or_else(|| action.name().replace('_', " "), |b| b.desc.clone())
    }
}

/// `KVACCESS_KEYMAP`, else `<config dir>/kvaccess/keymap.toml` (`~/.config/kvaccess/keymap.toml` on Linux).
pub fn user_keymap_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KVACCESS_KEYMAP") {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "kvaccess").map(|d| d.config_dir().join("keymap.toml"))
}

/// Reads a keymap file over the defaults (for tests and `--keymap`-like uses).
pub fn load_from(path: &Path) -> Keymap {
    let mut map = Keymap::defaults();
    match crate::files::read_text(path) {
        Ok(text) => {
            if let Err(e) = map.merge(&text, &path.display().to_string()) {
                map.warnings.push(e);
            }
        }
        Err(e) => map.warnings.push(format!("{}: {e}", path.display())),
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chords_parse_and_normalise() {
        assert_eq!(Chord::parse("q").unwrap().code, KeyCode::Char('q'));
        let c = Chord::parse("ctrl-c").unwrap();
        assert!(c.ctrl && c.code == KeyCode::Char('c'));
        assert_eq!(Chord::parse("pagedown").unwrap().code, KeyCode::PageDown);
        assert_eq!(Chord::parse("f1").unwrap().code, KeyCode::F(1));
        assert!(Chord::parse("nonsense").is_err());
        let shift_g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Chord::from_event(&shift_g), Chord::parse("G").unwrap());
    }

    #[test]
    fn defaults_bind_every_action_and_user_files_override_per_key() {
        let mut map = Keymap::defaults();
        assert!(map.warnings.is_empty(), "{:?}", map.warnings);
        for a in UserAction::ALL {
            assert!(
                map.binding(a).is_some_and(|b| !b.keys.is_empty()),
                "{a:?} unbound"
            );
        }
        map.merge(
            "[[keys]]\non = [\"q\"]\nrun = \"none\"\n[[keys]]\non = [\"Q\"]\nrun = \"quit\"\n",
            "user",
        )
        .unwrap();
        let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(map.action_for(&q), None);
        let big_q = KeyEvent::new(KeyCode::Char('Q'), KeyModifiers::SHIFT);
        assert_eq!(map.action_for(&big_q), Some(UserAction::Quit));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(map.action_for(&ctrl_c), Some(UserAction::Quit));
        assert!(
            map.merge("[[keys]]\non=[\"x\"]\nrun=\"fly\"\n", "bad")
                .is_err()
        );
    }
}
