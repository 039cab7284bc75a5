//! The reverse view: every identity that can perform the operation at the selected scope, and how (VIA).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{block, fit, selection};
use crate::display::app_name;
use crate::eval::{Decision, Engine, GrantKind};
use crate::query::WhoCanEntry;
use crate::sanitize::clean;
use crate::tui::app::{App, Focus, Load, WhoRow};
use crate::tui::explain::{describe_scope, name_of};
use crate::tui::principals::icon;
use crate::tui::theme::{ESCALATION_SYMBOL, decision_symbol};
use crate::tui::whatif::marks::{self, Mark};

/// How an identity gets the operation: each grant, its scope, and the group chain.
pub fn via_text(engine: &Engine, e: &WhoCanEntry) -> String {
    let mut parts: Vec<String> = e
        .grants
        .iter()
        .map(|g| {
            let what = match g.kind {
                GrantKind::RoleAssignment => format!(
                    "{} @ {}",
                    clean(g.role_name.as_deref().unwrap_or("role?")),
                    describe_scope(engine, &g.scope)
                ),
                GrantKind::AccessPolicy => {
                    format!("access policy ({})", name_of(engine, &g.principal_id))
                }
            };
            if g.via_groups.is_empty() {
                what
            } else {
                let chain: Vec<String> =
                    g.via_groups.iter().map(|id| name_of(engine, id)).collect();
                format!("{what} via {}", chain.join(" → "))
            }
        })
        .collect();
    if let Some(app) = &e.via_app {
        parts.push(format!("through app {}", app_name(engine, app)));
    }
    if parts.is_empty()
        && let Some(r) = e.unknown_because.first()
    {
        parts.push(format!("unknown: {}", clean(&r.to_string())));
    }
    parts.join("; ")
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let at = app.scope_label();
    let title = vec![
        Span::raw("Who can "),
        Span::styled(format!("{} @ {at}", app.who_op), t.heading),
    ];
    let b = block(app, Focus::Main, title);
    let inner = b.inner(area);
    frame.render_widget(b, area);
    let w = match &app.who {
        Load::Ready(w) => w,
        Load::Loading(what) => {
            return super::placeholder(frame, inner, t.dim, &format!("⟳ {what}…"));
        }
        Load::Failed(e) => return super::placeholder(frame, inner, t.warning, &clean(e)),
        Load::Idle => return,
    };
    let rows = app.who_rows();
    if rows.is_empty() {
        return super::placeholder(
            frame,
            inner,
            t.dim,
            "nobody: no identity can do this here, and none can grant it to itself",
        );
    }
    let name_w = (inner.width as usize / 4).clamp(10, 22);
    let focused = app.focus == Focus::Main;
    let mut lines = vec![Line::from(vec![
        Span::styled(fit("    IDENTITY", name_w + 5), t.title),
        Span::styled(fit("DECISION", 12), t.title),
        Span::styled("VIA", t.title),
    ])];
    let height = (inner.height as usize).saturating_sub(1);
    // A column for the gained / lost marks while a what-if world is shown.
    let pad = if app.whatif.world.is_some() { " " } else { "" };
    for i in app.who_cursor.window(height, rows.len()) {
        let line = match rows.get(i) {
            Some(WhoRow::Entry(k)) => {
                let Some(e) = w.principals.get(*k) else {
                    continue;
                };
                let d = e.decision;
                let mark = marks::who_entry(app.whatif.who_before.as_ref(), e);
                let word = mark.map_or(t.decision(d), |m| m.style(t));
                Line::from(vec![
                    Span::styled(mark.map_or(pad, Mark::symbol), word),
                    Span::styled(format!("{} ", decision_symbol(d)), t.decision(d)),
                    Span::raw(format!("{} ", icon(e.kind))),
                    Span::raw(fit(&clean(&e.display_name), name_w) + " "),
                    Span::styled(fit(d.as_str(), 12), word),
                    Span::raw(via_text(app.world(), e)),
                ])
            }
            Some(WhoRow::Escalation(k)) => {
                let Some(f) = w.can_grant_themselves.get(*k) else {
                    continue;
                };
                let before = app
                    .whatif
                    .who_before
                    .as_ref()
                    .map(|b| b.can_grant_themselves.as_slice());
                let mark = marks::finding(before, f);
                Line::from(vec![
                    Span::styled(
                        mark.map_or(pad, Mark::symbol),
                        mark.map_or(t.escalation, |m| m.style(t)),
                    ),
                    Span::styled(format!("{ESCALATION_SYMBOL} "), t.escalation),
                    Span::raw(format!("{} ", icon(f.principal.kind))),
                    Span::raw(fit(&clean(&f.principal.display_name), name_w) + " "),
                    Span::styled(fit("can grant", 12), t.escalation),
                    Span::raw(f.technique.describe()),
                ])
            }
            None => continue,
        };
        lines.push(if i == app.who_cursor.selected {
            line.style(selection(t, focused))
        } else {
            line
        });
    }
    let before = app.whatif.who_before.as_ref();
    for e in marks::who_lost(before, w) {
        if lines.len() >= inner.height as usize {
            break;
        }
        let style = Mark::Lost.style(t);
        lines.push(Line::from(vec![
            Span::styled(format!("-{} ", decision_symbol(e.decision)), style),
            Span::raw(format!("{} ", icon(e.kind))),
            Span::styled(fit(&clean(&e.display_name), name_w) + " ", style),
            Span::styled(fit("denied", 12), style),
            Span::styled(format!("was {}", e.decision.as_str()), style),
        ]));
    }
    let findings_before = before.map(|b| b.can_grant_themselves.as_slice());
    for f in marks::findings_lost(findings_before, &w.can_grant_themselves) {
        // A path that is gone because the identity now holds the operation shows as its gain above.
        if w.principals
            .iter()
            .any(|e| e.id == f.principal.id && e.decision == Decision::Allowed)
        {
            continue;
        }
        if lines.len() >= inner.height as usize {
            break;
        }
        let style = Mark::Lost.style(t);
        lines.push(Line::from(vec![
            Span::styled(format!("-{ESCALATION_SYMBOL} "), style),
            Span::raw(format!("{} ", icon(f.principal.kind))),
            Span::styled(fit(&clean(&f.principal.display_name), name_w) + " ", style),
            Span::styled(fit("can't grant", 12), style),
            Span::styled(format!("closed: {}", f.technique.describe()), style),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
