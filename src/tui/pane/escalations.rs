//! Escalation findings: who cannot use a vault's data now but can grant it to themselves. Enter jumps to
//! the principal and the vault.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{block, fit, selection};
use crate::sanitize::clean;
use crate::tui::app::{App, Focus, Load};
use crate::tui::explain::short_id;
use crate::tui::principals::icon;
use crate::tui::theme::decision_symbol;
use crate::tui::whatif::marks::{self, Mark};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let count = app
        .escalations
        .ready()
        .map(|f| format!("{} findings", f.len()))
        .unwrap_or_default();
    let b = block(
        app,
        Focus::Main,
        vec![Span::raw("Escalations "), Span::styled(count, t.dim)],
    );
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let findings = match &app.escalations {
        Load::Ready(f) => f,
        Load::Loading(what) => {
            return super::placeholder(frame, inner, t.dim, &format!("⟳ {what}…"));
        }
        Load::Failed(e) => return super::placeholder(frame, inner, t.warning, e),
        Load::Idle => return,
    };
    if findings.is_empty() {
        return super::placeholder(
            frame,
            inner,
            t.dim,
            "no principal can grant itself data access",
        );
    }
    let name_w = (inner.width as usize / 4).clamp(8, 24);
    let vault_w = (inner.width as usize / 5).clamp(8, 22);
    let focused = app.focus == Focus::Main;
    let before = app.whatif.escalations_before.as_deref();
    // A column for the opened / closed marks while a what-if world is shown.
    let pad = if app.whatif.world.is_some() { " " } else { "" };
    let mut lines = vec![Line::from(vec![
        Span::styled(
            fit(&format!("{pad}   PRINCIPAL"), name_w + 4 + pad.len()),
            t.title,
        ),
        Span::styled(fit("VAULT", vault_w + 1), t.title),
        Span::styled("HOW", t.title),
    ])];
    let height = (inner.height as usize).saturating_sub(1);
    for i in app.esc_cursor.window(height, findings.len()) {
        let Some(f) = findings.get(i) else { continue };
        let mark = marks::finding(before, f);
        let line = Line::from(vec![
            Span::styled(
                mark.map_or(pad, Mark::symbol),
                mark.map_or(t.escalation, |m| m.style(t)),
            ),
            Span::styled(
                format!("{} ", decision_symbol(f.decision)),
                t.decision(f.decision),
            ),
            Span::raw(format!("{} ", icon(f.principal.kind))),
            Span::raw(fit(&clean(&f.principal.display_name), name_w) + " "),
            Span::styled(fit(&short_id(&f.vault_id), vault_w) + " ", t.heading),
            Span::raw(f.technique.describe()),
        ]);
        lines.push(if i == app.esc_cursor.selected {
            line.style(selection(t, focused))
        } else {
            line
        });
    }
    for f in marks::findings_lost(before, findings) {
        if lines.len() >= inner.height as usize {
            break;
        }
        let style = Mark::Lost.style(t);
        lines.push(Line::from(vec![
            Span::styled(format!("-{} ", decision_symbol(f.decision)), style),
            Span::raw(format!("{} ", icon(f.principal.kind))),
            Span::styled(fit(&clean(&f.principal.display_name), name_w) + " ", style),
            Span::styled(fit(&short_id(&f.vault_id), vault_w) + " ", style),
            Span::styled(format!("closed: {}", f.technique.describe()), style),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
