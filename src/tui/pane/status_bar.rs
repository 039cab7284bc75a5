//! The bottom line: where the snapshot came from, the tenant, when it was collected, counts, collection
//! warnings, and the key hints (or the last message); in a live session, the fetch's progress instead.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::sanitize::clean;
use crate::tui::action::UserAction;
use crate::tui::app::App;
use crate::tui::live::{Ended, LiveState};
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let s = &*app.engine.snapshot;
    let hints = format!(
        " {} help  {} commands  {} quit ",
        app.keymap.hint(UserAction::Help),
        app.keymap.hint(UserAction::Palette),
        app.keymap.hint(UserAction::Quit)
    );
    let hint_w = hints.chars().count() as u16;
    let left_w = area.width.saturating_sub(hint_w) as usize;
    let mut fitted: Vec<Span> = Vec::new();
    let mut used = 0usize;
    if let Some(m) = &app.message {
        let text: String = format!(" {}", clean(m)).chars().take(left_w).collect();
        used = text.chars().count();
        fitted.push(Span::styled(text, t.heading));
    } else if let Some(live) = &app.live {
        let span = progress_span(live, t, left_w);
        used = span.content.chars().count();
        fitted.push(span);
    } else {
        let errors = s.collection_errors.len();
        let warnings = s.warnings.len();
        // (display position, priority, text, style): the most useful facts survive a narrow terminal.
        let mut parts: Vec<(u8, u8, String, ratatui::style::Style)> =
            vec![(0, 0, format!(" {}", clean(&app.source)), t.title)];
        if errors > 0 {
            let plural = if errors == 1 { "" } else { "s" };
            parts.push((
                5,
                1,
                format!(" · ⚠ {errors} collection error{plural}"),
                t.warning,
            ));
        }
        if warnings > 0 {
            parts.push((6, 2, format!(" · {warnings} load warnings"), t.warning));
        }
        if let Some(at) = &s.collected_at {
            parts.push((2, 3, format!(" · {}", clean(at)), t.dim));
        }
        parts.push((
            3,
            4,
            format!(
                " · {} vaults {} principals {} assignments",
                s.vaults.len(),
                // As the principals pane counts them: those the assignments name but the directory
                // lacks are listed there too ("(not in directory)").
                app.nav.principals.all.len(),
                s.role_assignments.len()
            ),
            t.dim,
        ));
        if let Some(x) = s.tenant_id.as_deref() {
            let short: String = clean(x).chars().take(8).collect();
            parts.push((1, 5, format!(" · tenant {short}…"), t.dim));
        }
        parts.sort_by_key(|p| p.1);
        let mut kept = Vec::new();
        for p in parts {
            let w = p.2.chars().count();
            if used + w <= left_w {
                used += w;
                kept.push(p);
            }
        }
        kept.sort_by_key(|p| p.0);
        fitted.extend(kept.into_iter().map(|p| Span::styled(p.2, p.3)));
    }
    fitted.push(Span::raw(" ".repeat(left_w.saturating_sub(used))));
    if area.width >= hint_w {
        fitted.push(Span::styled(hints, t.key));
    }
    frame.render_widget(Paragraph::new(Line::from(fitted)), area);
}

/// The status bar's left part in a live session: the progress line, cut to `width`.
fn progress_span(live: &LiveState, t: &Theme, width: usize) -> Span<'static> {
    let style: Style = match &live.ended {
        _ if live.running => t.heading,
        Some(Ended::Failed(_)) => t.denied,
        Some(Ended::Finished { errors, .. }) if *errors > 0 => t.warning,
        _ => t.dim,
    };
    let text: String = format!(" {}", clean(&live.progress_line()))
        .chars()
        .take(width)
        .collect();
    Span::styled(text, style)
}
