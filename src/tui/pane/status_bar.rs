//! The bottom line: where the snapshot came from, the tenant, when it was collected, counts, collection
//! warnings, and the key hints (or the last message).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::sanitize::clean;
use crate::tui::action::Action;
use crate::tui::app::App;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let s = app.engine.snapshot;
    let hints = format!(
        " {} help  {} commands  {} quit ",
        app.keymap.hint(Action::Help),
        app.keymap.hint(Action::Palette),
        app.keymap.hint(Action::Quit)
    );
    let hint_w = hints.chars().count() as u16;
    let left_w = area.width.saturating_sub(hint_w) as usize;
    let mut spans: Vec<Span> = Vec::new();
    if let Some(m) = &app.message {
        spans.push(Span::styled(format!(" {}", clean(m)), t.heading));
    } else {
        let tenant = s
            .tenant_id
            .as_deref()
            .map(|x| clean(x).chars().take(8).collect::<String>() + "…");
        spans.push(Span::styled(format!(" {}", clean(&app.source)), t.title));
        if let Some(x) = tenant {
            spans.push(Span::styled(format!(" · tenant {x}"), t.dim));
        }
        if let Some(at) = &s.collected_at {
            spans.push(Span::styled(format!(" · {}", clean(at)), t.dim));
        }
        spans.push(Span::styled(
            format!(
                " · {} vaults {} principals {} assignments",
                s.vaults.len(),
                s.principals.len(),
                s.role_assignments.len()
            ),
            t.dim,
        ));
        let errors = s.collection_errors.len();
        let warnings = s.warnings.len();
        if errors > 0 {
            spans.push(Span::styled(
                format!(
                    " · ⚠ {errors} collection error{}",
                    if errors == 1 { "" } else { "s" }
                ),
                t.warning,
            ));
        }
        if warnings > 0 {
            spans.push(Span::styled(
                format!(" · {warnings} load warnings"),
                t.warning,
            ));
        }
    }
    let mut used = 0usize;
    let mut fitted = Vec::new();
    for sp in spans {
        let w = sp.content.chars().count();
        if used + w > left_w {
            let room = left_w.saturating_sub(used);
            if room > 1 {
                let cut: String = sp.content.chars().take(room - 1).collect::<String>() + "…";
                fitted.push(Span::styled(cut, sp.style));
            }
            used = left_w;
            break;
        }
        used += w;
        fitted.push(sp);
    }
    fitted.push(Span::raw(" ".repeat(left_w.saturating_sub(used))));
    if area.width >= hint_w {
        fitted.push(Span::styled(hints, t.key));
    }
    frame.render_widget(Paragraph::new(Line::from(fitted)), area);
}
