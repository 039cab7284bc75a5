//! The `:` command palette: the commands that take an argument and every bound action, fuzzy-matched on
//! what is typed. Enter hands the chosen entry to the app, which runs it.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use super::prompt::input_line;
use super::{Ctx, Intent, Reply, frame_block};
use crate::sanitize::clean;
use crate::tui::action::UserAction;
use crate::tui::cursor::Cursor;
use crate::tui::keymap::Keymap;

/// Rows the palette's list keeps its selection within.
const ROWS: usize = 10;

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

/// What an entry does when chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum Run {
    UserAction(UserAction),
    Command(Command, String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    pub desc: String,
    pub run: Run,
}

#[derive(Debug, Default)]
pub struct Palette {
    pub input: Input,
    pub cursor: Cursor,
}

impl Palette {
    /// The palette with `typed` already in its box (a command's name, waiting for its argument).
    pub fn typed(typed: String) -> Self {
        Self {
            input: Input::new(typed),
            cursor: Cursor::default(),
        }
    }

    pub fn key(&mut self, key: &KeyEvent, keymap: &Keymap) -> Reply {
        match key.code {
            KeyCode::Esc => Reply::Close,
            KeyCode::Enter => {
                let entries = entries(keymap, self.input.value());
                Reply::Then(match entries.get(self.cursor.selected).cloned() {
                    Some(e) => Intent::Run(e),
                    None => Intent::Say(format!(
                        "no command matches '{}'",
                        clean(self.input.value())
                    )),
                })
            }
            KeyCode::Up | KeyCode::Down | KeyCode::Tab | KeyCode::BackTab => {
                let n = entries(keymap, self.input.value()).len();
                let d = if matches!(key.code, KeyCode::Up | KeyCode::BackTab) {
                    -1
                } else {
                    1
                };
                self.cursor.move_by(d, n);
                self.cursor.keep_visible(ROWS, n);
                Reply::Keep
            }
            _ => {
                if let Some(req) = to_input_request(&Event::Key(*key))
                    && self.input.handle(req).is_some_and(|c| c.value)
                {
                    self.cursor = Cursor::default();
                }
                Reply::Keep
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame, ctx: &Ctx) {
        let t = ctx.theme;
        let full = frame.area();
        let w = (full.width * 80 / 100).max(30).min(full.width);
        let h = 14.min(full.height);
        let area = Rect {
            x: full.x + (full.width - w) / 2,
            y: full.y + full.height.saturating_sub(h) / 3,
            width: w,
            height: h,
        };
        frame.render_widget(Clear, area);
        let block = frame_block(t, "Commands — type to filter, Enter runs, Esc closes");
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let entries = entries(ctx.keymap, self.input.value());
        let mut lines = vec![input_line(t, ": ", &self.input)];
        let rows = (inner.height as usize).saturating_sub(1);
        for i in self.cursor.window(rows, entries.len()) {
            let Some(e) = entries.get(i) else { continue };
            let line = Line::from(vec![
                // At least one space after the name, however long the typed argument makes it.
                Span::styled(format!(" {:<17} ", e.name), t.key),
                Span::raw(e.desc.clone()),
            ]);
            lines.push(if i == self.cursor.selected {
                line.style(t.selected)
            } else {
                line
            });
        }
        if entries.is_empty() {
            lines.push(Line::from(Span::styled(" no command matches", t.dim)));
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

/// The palette's entries for what has been typed, best first.
pub fn entries(keymap: &Keymap, typed: &str) -> Vec<Entry> {
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
        out.push(Entry {
            name: format!("{} {}", cmd.name(), clean(arg)),
            desc: cmd.usage().to_string(),
            run: Run::Command(cmd, arg.to_string()),
        });
        return out;
    }
    let mut all: Vec<Entry> = Command::ALL
        .into_iter()
        .map(|c| Entry {
            name: c.name().to_string(),
            desc: c.usage().to_string(),
            run: Run::Command(c, String::new()),
        })
        .collect();
    all.extend(UserAction::ALL.into_iter().map(|a| Entry {
        name: a.name().replace('_', "-"),
        desc: format!("{} [{}]", keymap.describe(a), keymap.hint(a)),
        run: Run::UserAction(a),
    }));
    if typed.is_empty() {
        return all;
    }
    let pattern = Pattern::parse(typed, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize, Entry)> = all
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
