//! The explorer: a terminal UI over the engine. One loop ([`session`]): terminal events, background results
//! and a live fetch's news become messages on one channel, `App::handle` updates the one state and returns
//! effects, the loop carries them out and draws once per batch. Heavy evaluation runs on a worker thread;
//! input is read on another. The terminal is restored on every way out, panics included.

pub mod action;
pub mod app;
pub mod clipboard;
pub mod cursor;
pub mod explain;
pub mod export;
pub mod filter;
pub mod history;
pub mod jump;
pub mod keymap;
pub mod layout;
pub mod live;
pub mod nav;
pub mod origin;
pub mod overlay;
pub mod pane;
pub mod permissions;
pub mod principals;
pub mod scopes;
pub mod script;
pub mod session;
pub mod theme;
pub mod tour;
pub mod view;
pub mod whatif;
pub mod worker;

use anyhow::{Context, Result};
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;

pub use app::{App, Options};

use crate::eval::Engine;
use crate::model::Snapshot;
use action::Msg;

/// Puts the terminal back: mouse reporting off, cursor shown, raw mode off, main screen.
pub(crate) fn restore_terminal() {
    let _ = execute!(std::io::stdout(), DisableMouseCapture, Show);
    ratatui::restore();
}

/// Restores the terminal when dropped, so an early `?` return cannot leave it raw.
pub(crate) struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore_terminal();
    }
}

pub(crate) fn init_terminal() -> Result<(ratatui::DefaultTerminal, Guard)> {
    // ratatui's init enters the alternate screen and raw mode and installs a panic hook that undoes both;
    // ours runs first and also turns mouse reporting off and shows the cursor.
    let terminal = ratatui::try_init().context("cannot set up the terminal")?;
    let guard = Guard;
    execute!(std::io::stdout(), EnableMouseCapture).context("cannot enable the mouse")?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(std::io::stdout(), DisableMouseCapture, Show);
        previous(info);
    }));
    Ok((terminal, guard))
}

/// Indexing a large tenant takes a moment: say so rather than show a blank screen.
pub(crate) fn draw_indexing(
    terminal: &mut ratatui::DefaultTerminal,
    snapshot: &Snapshot,
) -> Result<()> {
    terminal.draw(|f| {
        let text = format!(
            "kvaccess — indexing {} principals, {} vaults, {} role assignments…",
            snapshot.principals.len(),
            snapshot.vaults.len(),
            snapshot.role_assignments.len()
        );
        let area = f.area();
        let line = ratatui::layout::Rect {
            y: area.height / 2,
            height: 1.min(area.height),
            ..area
        };
        f.render_widget(ratatui::widgets::Paragraph::new(text).centered(), line);
    })?;
    Ok(())
}

/// Opens the explorer on a snapshot until the user quits.
pub fn run(snapshot: Snapshot, options: Options) -> Result<()> {
    let (mut terminal, _guard) = init_terminal()?;
    draw_indexing(&mut terminal, &snapshot)?;
    let mut app = App::new(Engine::new(snapshot), options);
    let size = terminal.size()?;
    app.resize(size.width, size.height);
    let first = app.handle(Msg::Resize(size.width, size.height));
    session::Session::start(None).run(&mut terminal, app, first)
}
