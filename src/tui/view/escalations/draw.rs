//! The escalations view drawn: the column header, a row per group (a what-if mark, open or closed, the
//! decision, the holder, identities per vault, the vaults, the technique), the listed identities of opened
//! groups, and the groups a what-if world loses.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{EscalationsView, Shown, ids_label};
use crate::display::short_scope;
use crate::query::grouped::escalations::{EscalationGroup, GroupMember};
use crate::sanitize::clean;
use crate::tui::app::Load;
use crate::tui::pane::{fit, placeholder, selection};
use crate::tui::principals::icon;
use crate::tui::theme::decision_symbol;
use crate::tui::view::Ctx;
use crate::tui::view::pages::{Row, more_line};
use crate::tui::whatif::marks::{self, Mark};

impl EscalationsView {
    /// Draws the groups; `before`: the real world's answer while a what-if is on.
    pub fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx, before: Option<&Shown>) {
        let t = ctx.theme;
        let hidden = if self.hide_disputed {
            " (disputed hidden: D)"
        } else {
            ""
        };
        let shown = self.shown();
        let count = self
            .ready()
            .map(|a| {
                let findings: usize = shown
                    .iter()
                    .filter_map(|&i| a.groups.get(i))
                    .map(|g| g.findings)
                    .sum();
                format!("{} groups · {findings} findings{hidden}", shown.len())
            })
            .unwrap_or_default();
        let b = (ctx.block)(vec![Span::raw("Escalations "), Span::styled(count, t.dim)]);
        let inner = b.inner(area);
        frame.render_widget(b, area);
        let all = match &self.answer {
            Load::Ready(s) => &s.all,
            Load::Loading(what) => {
                return placeholder(frame, inner, t.dim, &format!("⟳ {what}… (Esc cancels)"));
            }
            Load::Failed(e) => return placeholder(frame, inner, t.warning, e),
            Load::Idle => return,
        };
        if shown.is_empty() && !self.kept().is_empty() {
            return placeholder(frame, inner, t.dim, "only disputed findings: D shows them");
        }
        if shown.is_empty() {
            return placeholder(
                frame,
                inner,
                t.dim,
                "no principal can grant itself data access",
            );
        }
        let before = before.map(Shown::groups);
        let before = before.as_deref();
        let rows = self.rows();
        let height = (inner.height as usize).saturating_sub(1);
        let window = self.cursor.window(height, rows.len());
        // The columns fit the groups on screen: a tenant-wide answer has tens of thousands, and measuring
        // them all on every keystroke took longer than the keystroke may.
        let visible: Vec<&EscalationGroup> = rows
            .get(window.clone())
            .unwrap_or_default()
            .iter()
            .filter_map(|r| match r {
                Row::Group(k) => all.groups.get(*k),
                _ => None,
            })
            .collect();
        let groups = || visible.iter().copied();
        // The technique whole first (its few words take at most 18 cells), then the vault names whole, then
        // the holder's name in what is left (within limits).
        let ids_w = groups()
            .map(|g| ids_label(g).len())
            .max()
            .unwrap_or(1)
            .max(3)
            + 1;
        let longest = groups()
            .map(|g| vaults_label(g).chars().count())
            .max()
            .unwrap_or(8);
        // A column for the opened / closed marks while a what-if world is shown.
        let pad = if ctx.hypothetical { " " } else { "" };
        let width = inner.width as usize;
        let fixed = pad.len() + 6 + 1 + ids_w + 1;
        let name_w = (width / 5)
            .clamp(8, 24)
            .min(width.saturating_sub(fixed + longest + 18))
            .max(6);
        let vault_w = longest
            .min(width.saturating_sub(fixed + name_w + 18))
            .max(6);
        let how_w = width.saturating_sub(fixed + name_w + vault_w);
        let mut lines = vec![Line::from(vec![
            Span::styled(
                fit(&format!("{pad}      HOLDER"), pad.len() + 7 + name_w),
                t.title,
            ),
            Span::styled(fit("IDS", ids_w), t.title),
            Span::styled(fit("VAULTS", vault_w + 1), t.title),
            Span::styled("HOW", t.title),
        ])];
        for i in window {
            let line = match rows.get(i) {
                Some(&Row::Group(k)) => {
                    let Some(g) = all.groups.get(k) else { continue };
                    let mark = before.and_then(|b| marks::escalation_group(b, g));
                    let open = if self.open.is_open(k) { "▾" } else { "▸" };
                    Line::from(vec![
                        Span::styled(
                            mark.map_or(pad, Mark::symbol),
                            mark.map_or(t.escalation, |m| m.style(t)),
                        ),
                        Span::raw(format!("{open} ")),
                        Span::styled(
                            format!("{} ", decision_symbol(g.decision)),
                            t.decision(g.decision),
                        ),
                        Span::raw(holder_cell(g, name_w)),
                        Span::raw(format!("{:>w$} ", ids_label(g), w = ids_w - 1)),
                        Span::styled(fit(&vaults_label(g), vault_w) + " ", t.heading),
                        Span::raw(g.technique.in_column(how_w)),
                    ])
                }
                Some(&Row::Member(k, m)) => {
                    let (Some(g), Some(member)) = (all.groups.get(k), self.open.member(k, m))
                    else {
                        continue;
                    };
                    let on = if g.vaults > 1 {
                        format!("  at {} of its vaults", member.vaults)
                    } else {
                        String::new()
                    };
                    Line::from(vec![
                        Span::raw(format!("{pad}      {} ", icon(member.principal.kind))),
                        Span::raw(clean(&member.principal.display_name).into_owned()),
                        Span::styled(on, t.dim),
                    ])
                }
                Some(&Row::More(k)) => {
                    let text = match &self.listing {
                        Some((g, what)) if *g == k => format!("⟳ {what}… (Esc cancels)"),
                        _ => more_line(
                            self.found(k).map_or(0, <[GroupMember]>::len),
                            self.open.listed(k).map_or(0, <[GroupMember]>::len),
                        ),
                    };
                    Line::from(Span::styled(format!("{pad}      {text}"), t.dim))
                }
                None => continue,
            };
            lines.push(if i == self.cursor.selected {
                line.style(selection(t, ctx.focused))
            } else {
                line
            });
        }
        let after = self.kept();
        for g in marks::escalation_groups_lost(before, &after) {
            if lines.len() >= inner.height as usize {
                break;
            }
            let style = Mark::Lost.style(t);
            lines.push(Line::from(vec![
                Span::styled(format!("-  {} ", decision_symbol(g.decision)), style),
                Span::styled(holder_cell(g, name_w), style),
                Span::styled(format!("{:>w$} ", ids_label(g), w = ids_w - 1), style),
                Span::styled(fit(&vaults_label(g), vault_w) + " ", style),
                Span::styled(
                    format!("closed: {}", g.technique.in_column(how_w.saturating_sub(8))),
                    style,
                ),
            ]));
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

/// The holder as a row shows it: its kind's icon and its name, `name_w` cells wide and a space.
fn holder_cell(g: &EscalationGroup, name_w: usize) -> String {
    match &g.holder {
        Some(h) => format!("{} {} ", icon(h.kind), fit(&clean(&h.display_name), name_w)),
        None => format!("  {} ", fit("(no grant known)", name_w)),
    }
}

/// The vault a one-vault group is at, else how many vaults it covers.
fn vaults_label(g: &EscalationGroup) -> String {
    match g.covers.as_slice() {
        [one] if g.vaults == 1 => short_scope(&one.scope),
        _ => format!("{} vaults", g.vaults),
    }
}
