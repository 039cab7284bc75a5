//! Temporary files removed when the process is interrupted. A snapshot of a large tenant takes seconds to
//! write; SIGINT or SIGTERM in that time would otherwise leave a 100 MB `.kvaccess-*.tmp` beside the target.
//!
//! The first [`track`] starts a thread that waits for either signal (tokio's signal support, on a runtime
//! of its own, so synchronous writers are covered too); on one it removes every registered file and exits
//! with the shell's code for that signal (130, 143). Until then the signals keep their default meaning.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

static IN_FLIGHT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static INSTALLED: OnceLock<bool> = OnceLock::new();

fn in_flight() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner())
}

/// A temporary file registered for removal on a signal while the guard lives.
#[derive(Debug)]
pub struct Guard(PathBuf);

/// Creates a temporary file with `create` and registers it, with no moment in between when a signal would
/// leave it behind: the handler is in place first, and the list is held while the file is made (the signal
/// thread waits for it before removing what is listed).
pub fn track<T>(
    create: impl FnOnce() -> std::io::Result<T>,
    path_of: impl Fn(&T) -> &Path,
) -> std::io::Result<(T, Guard)> {
    INSTALLED.get_or_init(install);
    let mut list = in_flight();
    let made = create()?;
    let path = path_of(&made).to_path_buf();
    list.push(path.clone());
    Ok((made, Guard(path)))
}

impl Drop for Guard {
    fn drop(&mut self) {
        let mut list = in_flight();
        if let Some(i) = list.iter().position(|p| *p == self.0) {
            list.swap_remove(i);
        }
    }
}

#[cfg(test)]
pub(crate) fn is_registered(path: &Path) -> bool {
    in_flight().iter().any(|p| p == path)
}

/// Removes every registered file (on a signal, just before the process exits).
fn remove_in_flight() {
    for p in in_flight().drain(..) {
        let _ = std::fs::remove_file(p);
    }
}

/// Starts the signal thread; returns once the handlers are in place (false if they could not be).
#[cfg(unix)]
fn install() -> bool {
    use tokio::signal::unix::{SignalKind, signal};
    let (ready, wait) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("kvaccess-signals".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                let _ = ready.send(false);
                return;
            };
            let code = rt.block_on(async {
                let (Ok(mut int), Ok(mut term)) = (
                    signal(SignalKind::interrupt()),
                    signal(SignalKind::terminate()),
                ) else {
                    let _ = ready.send(false);
                    return None;
                };
                let _ = ready.send(true);
                tokio::select! {
                    _ = int.recv() => Some(130),
                    _ = term.recv() => Some(143),
                }
            });
            if let Some(code) = code {
                remove_in_flight();
                std::process::exit(code);
            }
        });
    spawned.is_ok() && wait.recv().unwrap_or(false)
}

#[cfg(not(unix))]
fn install() -> bool {
    false
}
