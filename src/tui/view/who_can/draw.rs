//! The who-can view drawn: its header, the groups by section with their opened identities and "… more"
//! lines, what-if marks against the real world's answer, and the operation picker while it is open.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{WhoCanList, WhoCanView, in_row};
use crate::eval::Engine;
use crate::query::grouped::who_can::{GroupedWhoCan, Member};
use crate::sanitize::clean;
use crate::tui::app::Load;
use crate::tui::explain::name_of;
use crate::tui::pane::{fit, placeholder, selection};
use crate::tui::principals::icon;
use crate::tui::theme::{ESCALATION_SYMBOL, decision_symbol};
use crate::tui::view::Ctx;
use crate::tui::view::pages::{Row, more_line};
use crate::tui::whatif::marks::{self, Mark};

impl WhoCanView {
    /// Draws the answer at `at` (the scope's name); `engine` names the grants; `before`: the real world's
    /// answer while a what-if is on.
    pub fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Ctx,
        at: &str,
        engine: &Engine,
        before: Option<&GroupedWhoCan>,
    ) {
        let t = ctx.theme;
        let mut title = vec![
            Span::raw("Who can "),
            Span::styled(format!("{} @ {at}", self.op), t.heading),
        ];
        if let Some(w) = self.ready() {
            title.push(Span::styled(
                format!("  {} identities", w.identities),
                t.dim,
            ));
        }
        let b = (ctx.block)(title);
        let inner = b.inner(area);
        frame.render_widget(b, area);
        if let Some(p) = &self.picker {
            return self.draw_picker(frame, inner, ctx, p);
        }
        let w = match &self.answer {
            Load::Ready(w) => &w.answer,
            Load::Loading(what) => {
                return placeholder(frame, inner, t.dim, &format!("⟳ {what}… (Esc cancels)"));
            }
            Load::Failed(e) => return placeholder(frame, inner, t.warning, &clean(e)),
            Load::Idle => return,
        };
        let rows = self.rows();
        if rows.is_empty() {
            return placeholder(
                frame,
                inner,
                t.dim,
                "nobody: no identity can do this here, and none can grant it to itself",
            );
        }
        let before = before.map(|b| &b.answer);
        // A column for the gained / lost marks while a what-if world is shown.
        let pad = if ctx.hypothetical { " " } else { "" };
        // What is left of a row for the grant, after the marks, the decision and the count.
        // A narrow pane gives the count less room, so that the holder's name stays readable.
        let (count_head, count_w) = if inner.width < 60 {
            ("IDS", 4)
        } else {
            ("IDENTITIES", 9)
        };
        let grant_w = (inner.width as usize).saturating_sub(18 + count_w + pad.len());
        let grant_head = if grant_w >= 34 {
            "GRANT (Enter lists the identities)"
        } else {
            "GRANT"
        };
        let mut lines = vec![Line::from(vec![
            Span::styled(fit("    DECISION", 16), t.title),
            Span::styled(fit(count_head, count_w + 2), t.title),
            Span::styled(grant_head, t.title),
        ])];
        let height = (inner.height as usize).saturating_sub(1);
        for i in self.cursor.window(height, rows.len()) {
            let line = match rows.get(i) {
                Some(&Row::Group((s, k))) => {
                    let Some(g) = s.of(w).get(k) else { continue };
                    let mark = before.and_then(|b| marks::who_group(s.of(b), g));
                    let open = if self.open.is_open((s, k)) {
                        "▾"
                    } else {
                        "▸"
                    };
                    let symbol = if s == WhoCanList::CanGrant {
                        ESCALATION_SYMBOL
                    } else {
                        decision_symbol(g.decision)
                    };
                    let style = if s == WhoCanList::CanGrant {
                        t.escalation
                    } else {
                        t.decision(g.decision)
                    };
                    Line::from(vec![
                        Span::styled(
                            mark.map_or(pad, Mark::symbol),
                            mark.map_or(style, |m| m.style(t)),
                        ),
                        Span::raw(format!("{open} ")),
                        Span::styled(format!("{symbol} "), style),
                        Span::styled(fit(s.word(g), 11), style),
                        Span::raw(format!("{:>count_w$}  ", g.identities)),
                        Span::raw(in_row(engine, g, grant_w)),
                    ])
                }
                Some(&Row::Member((s, k), m)) => {
                    let Some(member) = self.open.member((s, k), m) else {
                        continue;
                    };
                    let via = if member.via_groups.is_empty() {
                        String::new()
                    } else {
                        let chain: Vec<String> = member
                            .via_groups
                            .iter()
                            .map(|id| name_of(engine, id))
                            .collect();
                        format!("  via {}", chain.join(" → "))
                    };
                    Line::from(vec![
                        Span::raw(format!("{pad}      {} ", icon(member.kind))),
                        Span::raw(clean(&member.display_name).into_owned()),
                        Span::styled(via, t.dim),
                    ])
                }
                Some(&Row::More((s, k))) => {
                    let listed = self.open.listed((s, k)).map_or(0, <[Member]>::len);
                    let total = s.of(w).get(k).map_or(0, |g| g.identities);
                    Line::from(Span::styled(
                        format!("{pad}      {}", more_line(total, listed)),
                        t.dim,
                    ))
                }
                None => continue,
            };
            lines.push(if i == self.cursor.selected {
                line.style(selection(t, ctx.focused))
            } else {
                line
            });
        }
        for section in WhoCanList::ALL {
            for g in marks::who_groups_lost(before.map(|b| section.of(b)), section.of(w)) {
                if lines.len() >= inner.height as usize {
                    break;
                }
                let style = Mark::Lost.style(t);
                let (symbol, word) = if section == WhoCanList::CanGrant {
                    (ESCALATION_SYMBOL, "closed")
                } else {
                    (decision_symbol(g.decision), "lost")
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("-  {symbol} "), style),
                    Span::styled(fit(word, 11), style),
                    Span::styled(format!("{:>count_w$}  ", g.identities), style),
                    Span::styled(in_row(engine, g, grant_w), style),
                ]));
            }
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}
