//! Driving the app without a terminal: key sequences in a small notation, effects carried out inline (jobs
//! computed on the calling thread), screens rendered on ratatui's `TestBackend`. Tests and benchmarks use
//! it; so can anyone scripting a walkthrough.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tui::action::{Effect, Msg};
use crate::tui::app::App;
use crate::tui::{export, pane, worker};

/// Parses `jj<enter><tab>/bob<esc><c-c>` into key events. Names in angle brackets: enter, esc, tab,
/// backtab, space, up, down, left, right, pgup, pgdn, home, end, bs; `<c-x>` is ctrl-x.
pub fn keys(seq: &str) -> Vec<KeyEvent> {
    let mut out = Vec::new();
    let mut chars = seq.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '<' && chars.peek().is_some_and(|n| n.is_ascii_alphabetic()) {
            let name: String = chars.by_ref().take_while(|&x| x != '>').collect();
            let (code, mods) = match name.as_str() {
                "enter" => (KeyCode::Enter, KeyModifiers::NONE),
                "esc" => (KeyCode::Esc, KeyModifiers::NONE),
                "tab" => (KeyCode::Tab, KeyModifiers::NONE),
                "backtab" => (KeyCode::BackTab, KeyModifiers::SHIFT),
                "space" => (KeyCode::Char(' '), KeyModifiers::NONE),
                "up" => (KeyCode::Up, KeyModifiers::NONE),
                "down" => (KeyCode::Down, KeyModifiers::NONE),
                "left" => (KeyCode::Left, KeyModifiers::NONE),
                "right" => (KeyCode::Right, KeyModifiers::NONE),
                "pgup" => (KeyCode::PageUp, KeyModifiers::NONE),
                "pgdn" => (KeyCode::PageDown, KeyModifiers::NONE),
                "home" => (KeyCode::Home, KeyModifiers::NONE),
                "end" => (KeyCode::End, KeyModifiers::NONE),
                "bs" => (KeyCode::Backspace, KeyModifiers::NONE),
                ctrl if ctrl.starts_with("c-") => (
                    KeyCode::Char(ctrl.chars().nth(2).unwrap_or('c')),
                    KeyModifiers::CONTROL,
                ),
                _ => continue,
            };
            out.push(KeyEvent::new(code, mods));
        } else {
            let mods = if c.is_ascii_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            out.push(KeyEvent::new(KeyCode::Char(c), mods));
        }
    }
    out
}

/// Carries out effects on this thread: jobs are computed at once, files written, copies recorded.
/// Returns the texts that would have gone to the clipboard.
pub fn settle(app: &mut App, effects: Vec<Effect>) -> Vec<String> {
    let mut copied = Vec::new();
    let mut queue = effects;
    while !queue.is_empty() {
        let mut next = Vec::new();
        for e in queue {
            match e {
                Effect::Run(job) => {
                    let result = worker::compute(&job);
                    next.extend(app.handle(Msg::Done(result)));
                }
                Effect::Copy(text) => copied.push(text),
                // No fetcher here: the live harness (`live::harness`) counts refreshes itself.
                Effect::Refresh => {}
                Effect::Write { path, content } => {
                    let r = export::write_atomically(&path, &content)
                        .map(|()| path.display().to_string())
                        .map_err(|e| e.to_string());
                    next.extend(app.handle(Msg::Exported(r)));
                }
            }
        }
        queue = next;
    }
    copied
}

/// Presses a key sequence, settling effects after each key. Returns the clipboard texts.
pub fn press(app: &mut App, seq: &str) -> Vec<String> {
    let mut copied = Vec::new();
    for k in keys(seq) {
        let effects = app.handle(Msg::Key(k));
        copied.extend(settle(app, effects));
    }
    copied
}

/// Sizes the app to `w`×`h` (settling any job that causes) and renders it.
pub fn screen(app: &mut App, w: u16, h: u16) -> String {
    let effects = app.handle(Msg::Resize(w, h));
    settle(app, effects);
    render(app, w, h)
}

/// Renders the app as it is on a `w`×`h` `TestBackend`, as text (one quoted line per row).
pub fn render(app: &App, w: u16, h: u16) -> String {
    let Ok(mut terminal) = Terminal::new(TestBackend::new(w, h));
    if terminal.draw(|f| pane::draw(f, app)).is_err() {
        return String::new();
    }
    terminal.backend().to_string()
}
