//! The explorer: a terminal UI over the engine. One loop: terminal events and background results become
//! messages, `App::handle` updates the one state and returns effects, the loop carries them out and draws
//! once per batch. Heavy evaluation runs on a worker thread; input is read on another; both talk to the
//! loop only through channels. The terminal is restored on every way out, panics included.

pub mod action;
pub mod app;
pub mod clipboard;
pub mod cursor;
pub mod explain;
pub mod export;
pub mod keymap;
pub mod layout;
pub mod live;
pub mod pane;
pub mod permissions;
pub mod principals;
pub mod scopes;
pub mod script;
pub mod theme;
pub mod whatif;
pub mod worker;

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use ratatui::crossterm::execute;

pub use app::{App, Options};

use crate::eval::Engine;
use crate::model::Snapshot;
use action::{Effect, Msg};
use worker::Job;

/// At most this many queued messages are applied before the screen is drawn again.
const BATCH: usize = 64;

/// Puts the terminal back: mouse reporting off, cursor shown, raw mode off, main screen.
pub(crate) fn restore_terminal() {
    let _ = execute!(std::io::stdout(), DisableMouseCapture, Show);
    ratatui::restore();
}

/// Tells the input thread to stop when dropped, so a panic on the UI thread cannot leave the thread scope
/// waiting for it forever.
pub(crate) struct StopOnDrop<'a>(pub(crate) &'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
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

pub(crate) fn read_input(stop: &AtomicBool, tx: &mpsc::Sender<Msg>) {
    while !stop.load(Ordering::Relaxed) {
        match event::poll(Duration::from_millis(50)) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(_) => return,
        }
        let msg = match event::read() {
            Ok(Event::Key(k)) => Msg::Key(k),
            Ok(Event::Mouse(m)) => Msg::Mouse(m),
            Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
            Ok(_) => continue,
            Err(_) => return,
        };
        if tx.send(msg).is_err() {
            return;
        }
    }
}

/// Carries out effects; returns messages they produced (export outcomes).
pub(crate) fn perform(effects: Vec<Effect>, jobs: &mpsc::Sender<Job>) -> Vec<Msg> {
    let mut out = Vec::new();
    for e in effects {
        match e {
            Effect::Run(job) => {
                let _ = jobs.send(job);
            }
            Effect::Copy(text) => {
                let mut o = std::io::stdout();
                let _ = o.write_all(clipboard::osc52(&text).as_bytes());
                let _ = o.flush();
            }
            Effect::Write { path, content } => {
                let r = export::write_atomically(&path, &content)
                    .map(|()| path.display().to_string())
                    .map_err(|e| format!("{}: {e}", path.display()));
                out.push(Msg::Exported(r));
            }
            // Only a live session has a fetcher; the live loop takes this effect before it gets here.
            Effect::Refresh => {}
        }
    }
    out
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
    let engine = Engine::new(snapshot);
    let (msg_tx, msg_rx) = mpsc::channel::<Msg>();
    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| -> Result<()> {
        let input_tx = msg_tx.clone();
        let stop_ref = &stop;
        s.spawn(move || read_input(stop_ref, &input_tx));
        let worker_tx = msg_tx.clone();
        s.spawn(move || worker::serve(job_rx, worker_tx));
        let _stop = StopOnDrop(&stop);
        let result = (|| -> Result<()> {
            let mut app = App::new(engine, options);
            let size = terminal.size()?;
            app.resize(size.width, size.height);
            let first = app.handle(Msg::Resize(size.width, size.height));
            for m in perform(first, &job_tx) {
                let _ = msg_tx.send(m);
            }
            terminal.draw(|f| pane::draw(f, &app))?;
            if std::env::var_os("KVACCESS_TUI_TEST_PANIC").is_some() {
                // Lets the end-to-end test prove that a panic still restores the terminal.
                #[expect(clippy::panic, reason = "a panic on request, for the restore test")]
                {
                    panic!("panic requested by KVACCESS_TUI_TEST_PANIC");
                }
            }
            while let Ok(msg) = msg_rx.recv() {
                let mut effects = app.handle(msg);
                for m in msg_rx.try_iter().take(BATCH) {
                    effects.extend(app.handle(m));
                }
                for m in perform(effects, &job_tx) {
                    let more = app.handle(m);
                    let _ = perform(more, &job_tx);
                }
                if app.quit {
                    break;
                }
                terminal.draw(|f| pane::draw(f, &app))?;
            }
            Ok(())
        })();
        drop(job_tx);
        result
    })
}
