//! The scope tree's and the principal list's panes. Drawing only reads: the tree is drawn from its state
//! (opened nodes, selection, scroll offset) by [`pane::tree`], and the state changes only in `update`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Nav;
use crate::tui::pane::{self, placeholder, selection};
use crate::tui::principals::icon;
use crate::tui::view::Ctx;

impl Nav {
    pub fn draw_scopes(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = ctx.theme;
        let tree = &self.scopes;
        let title = vec![
            Span::raw("Scopes "),
            Span::styled(format!("{} vaults", tree.vault_count()), t.dim),
        ];
        let b = (ctx.block)(title);
        let highlight = selection(t, ctx.focused);
        pane::tree(
            frame,
            area,
            b,
            &tree.items,
            highlight,
            (&tree.state, tree.offset),
        );
    }

    /// The list: type icon, name (and UPN when there is room); `filter`: the `/` line to show above it;
    /// `pending`: a filter is being computed in the background.
    pub fn draw_principals(
        &self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Ctx,
        filter: Option<Line<'static>>,
        pending: bool,
    ) {
        let t = ctx.theme;
        let list = &self.principals;
        let mut count = if list.query.is_empty() {
            format!("{}", list.all.len())
        } else {
            format!("{}/{}", list.shown.len(), list.all.len())
        };
        if pending {
            count.push_str(" ⟳");
        }
        let b = (ctx.block)(vec![Span::raw("Principals "), Span::styled(count, t.dim)]);
        let inner = b.inner(area);
        frame.render_widget(b, area);
        let mut body = inner;
        if let Some(line) = filter {
            frame.render_widget(
                Paragraph::new(line),
                Rect {
                    height: 1.min(inner.height),
                    ..inner
                },
            );
            body = Rect {
                y: inner.y + 1,
                height: inner.height.saturating_sub(1),
                ..inner
            };
        }
        if list.shown.is_empty() {
            placeholder(frame, body, t.dim, "no principal matches");
            return;
        }
        let height = body.height as usize;
        let mut lines = Vec::new();
        for pos in list.cursor.window(height, list.shown.len()) {
            let Some(p) = list.shown.get(pos).and_then(|&i| list.all.get(i)) else {
                continue;
            };
            let icon_style = match p.kind {
                crate::model::PrincipalKind::Group => t.heading,
                crate::model::PrincipalKind::User => t.allowed,
                crate::model::PrincipalKind::Unknown => t.unknown,
                _ => t.badge,
            };
            let mut spans = vec![
                Span::styled(format!("{} ", icon(p.kind)), icon_style),
                Span::raw(p.name.clone()),
            ];
            if let Some(u) = &p.upn
                && body.width > 40
            {
                spans.push(Span::styled(format!("  {u}"), t.dim));
            }
            let mut line = Line::from(spans);
            if pos == list.cursor.selected {
                line = line.style(selection(t, ctx.focused));
            }
            lines.push(line);
        }
        frame.render_widget(Paragraph::new(lines), body);
    }
}
