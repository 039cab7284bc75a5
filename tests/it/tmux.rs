//! A tmux session driving the built binary in a real pseudo-terminal, shared by the end-to-end explorer
//! tests. Without tmux, [`Tmux::start`] says so and returns `None`, and the test passes without running
//! (CI installs tmux).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// A detached `width`×`height` session running `sh`, on a server of its own (named after the test
    /// and the process, so parallel tests never share one).
    pub fn start(name: &str, width: u16, height: u16) -> Option<Self> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("skipped: tmux is not installed (apt-get install -y tmux to run this test)");
            return None;
        }
        let t = Self {
            socket: format!("kvaccess-test-{}-{name}", std::process::id()),
        };
        let (w, h) = (width.to_string(), height.to_string());
        let out = t.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            &w,
            "-y",
            &h,
            "-s",
            "t",
            "sh",
        ]);
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(t)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env_remove("NO_COLOR")
            .output()
            .unwrap()
    }

    /// Escape on its own, then a pause: an escape followed at once by a key reads as Alt+key.
    pub fn escape(&self) {
        self.keys(&["Escape"]);
        std::thread::sleep(Duration::from_millis(300));
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    /// The screen once it shows `text`; fails the test after a minute.
    pub fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "'{text}' never appeared; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `alternate_on cursor_flag mouse_any_flag` of the pane.
    pub fn modes(&self) -> String {
        let f = "#{alternate_on} #{cursor_flag} #{mouse_any_flag}";
        String::from_utf8_lossy(&self.run(&["display-message", "-p", "-t", "t", f]).stdout)
            .trim()
            .to_string()
    }

    /// Main screen, cursor shown, mouse reporting off.
    pub fn assert_modes_restored(&self) {
        assert_eq!(
            self.modes(),
            "0 1 0",
            "alternate screen / cursor / mouse not restored"
        );
    }

    /// The terminal is back to normal: the modes above, and cooked mode with echo.
    pub fn assert_restored(&self) {
        self.assert_modes_restored();
        self.keys(&["clear; stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo -e -icanon -e -echo; echo STTY-$((1+1))", "Enter"]);
        let s = self.wait_for("STTY-2");
        assert!(
            s.lines().any(|l| l.trim() == "icanon"),
            "still in raw mode:\n{s}"
        );
        assert!(
            s.lines().any(|l| l.trim() == "echo"),
            "echo still off:\n{s}"
        );
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}
