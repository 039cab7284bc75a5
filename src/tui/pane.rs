//! Drawing: one function over `&App`. Each pane reads the state it shows and never changes it.

pub mod explain;
pub mod header;
pub mod status_bar;
pub mod whatif;
/// The who-can view's VIA text, where it has always been found.
pub mod who_can {
    pub use crate::tui::view::who_can::describe;
}

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, StatefulWidget};
use tui_tree_widget::{Tree, TreeItem, TreeState};

use crate::tui::app::{App, Focus, View};
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let areas = crate::tui::layout::compute(area, app.focus, app.zoom);
    let (areas, panel) = whatif::carve(app, areas);
    header::draw(frame, app, areas.header, areas.single);
    if let Some(r) = areas.scopes {
        app.nav.draw_scopes(frame, r, &pane_ctx(app, Focus::Scopes));
    }
    if let Some(r) = areas.principals {
        let typing = app.filter.typing(crate::tui::filter::Target::Principals);
        let query = &app.nav.principals.query;
        let filter = if typing {
            Some(app.filter.line(&app.theme))
        } else {
            (!query.is_empty()).then(|| crate::tui::filter::query_line(&app.theme, query, false))
        };
        let ctx = pane_ctx(app, Focus::Principals);
        app.nav
            .draw_principals(frame, r, &ctx, filter, app.filter_pending());
    }
    if let Some(r) = areas.main {
        match app.view {
            View::Permissions => {
                let who = app.nav.principals.selected().map(|p| p.name.clone());
                app.perms.draw(
                    frame,
                    r,
                    &main_ctx(app),
                    (&who.unwrap_or_default(), &app.scope_label()),
                    app.whatif.perms_before.as_ref().map(|b| b.rows.as_slice()),
                )
            }
            View::Matrix => app.matrix.draw(
                frame,
                r,
                &main_ctx(app),
                app.nav
                    .scopes
                    .selected_scope()
                    .and_then(|s| s.vault())
                    .map(|v| crate::sanitize::clean(v.name()).into_owned()),
                app.whatif.matrix_before.as_ref(),
            ),
            View::WhoCan => app.who.draw(
                frame,
                r,
                &main_ctx(app),
                &app.scope_label(),
                app.world(),
                app.whatif.who_before.as_deref(),
            ),
            View::Escalations => app.escalations.draw(
                frame,
                r,
                &main_ctx(app),
                app.whatif.escalations_before.as_ref(),
            ),
            View::Reach => app.reach.draw(frame, r, &main_ctx(app), app.world()),
            View::Paths => app.paths.draw(frame, r, &main_ctx(app), app.world()),
            View::Activity => app.activity.draw(frame, r, &main_ctx(app)),
        }
        table_filter(frame, app, r);
    }
    if let Some(r) = areas.explain {
        explain::draw(frame, app, r);
    }
    if let Some(r) = panel {
        whatif::draw(frame, app, r);
    }
    status_bar::draw(frame, app, areas.status);
    if let Some(t) = &app.tour {
        crate::tui::tour::draw(frame, app, t);
    }
    if let Some(o) = &app.overlay {
        let ctx = crate::tui::overlay::Ctx {
            keymap: &app.keymap,
            theme: &app.theme,
            live: app.live.as_ref(),
        };
        o.draw(frame, &ctx);
    }
    if let Some(form) = &app.whatif.form {
        whatif::draw_form(frame, app, form);
    }
}

/// The `/` filter of the view's table, on the main pane's bottom border: the text, and how many rows of
/// the whole answer it keeps.
fn table_filter(frame: &mut Frame, app: &App, r: Rect) {
    let Some(query) = app.tables.query(app.view) else {
        return;
    };
    let typing = app.filter.typing_for(app.view);
    if !typing && query.is_empty() {
        return;
    }
    let text = if typing {
        app.filter.input.value()
    } else {
        query
    };
    let t = &app.theme;
    let (shown, whole) = match app.view {
        View::Matrix => (
            app.matrix.ready().map(|m| m.rows.len()),
            app.tables.matrix.whole_len(|m| m.rows.len()),
        ),
        View::WhoCan => (
            app.who.ready().map(crate::tui::filter::who_groups),
            app.tables
                .who
                .whole_len(|w| crate::tui::filter::who_groups(&w.answer)),
        ),
        _ => (
            app.escalations
                .ready()
                .map(|_| app.escalations.kept().len()),
            app.tables.escalations.whole_len(|s| s.all.groups.len()),
        ),
    };
    let mut line = crate::tui::filter::query_line(t, text, typing);
    if let (Some(shown), Some(whole)) = (shown, whole) {
        line.spans
            .push(Span::styled(format!(" {shown} kept of {whole} "), t.dim));
    }
    let width = (line.width() as u16).min(r.width.saturating_sub(4));
    let area = Rect {
        x: r.x + 2,
        y: r.y + r.height.saturating_sub(1),
        width,
        height: 1.min(r.height),
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// What the view in the main pane needs from around it to draw itself.
fn main_ctx(app: &App) -> crate::tui::view::Ctx<'_> {
    pane_ctx(app, Focus::Main)
}

/// What a pane needs from around it to draw itself.
fn pane_ctx(app: &App, pane: Focus) -> crate::tui::view::Ctx<'_> {
    crate::tui::view::Ctx {
        theme: &app.theme,
        focused: app.focus == pane,
        hypothetical: app.whatif.world.is_some(),
        block: Box::new(move |title| block(app, pane, title)),
    }
}

/// A pane's frame: rounded and highlighted when focused.
pub fn block<'a>(app: &App, pane: Focus, title: Vec<Span<'a>>) -> Block<'a> {
    // The what-if panel, when it takes the keys, is the one focused pane.
    let focused = app.focus == pane && !app.whatif.focused;
    let t = &app.theme;
    let mut spans = vec![Span::raw(" ")];
    spans.extend(title);
    spans.push(Span::raw(" "));
    Block::bordered()
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(if focused { t.border_focused } else { t.border })
        .title(Line::from(spans).style(if focused { t.title } else { t.base }))
}

/// The selected row's style: strong in the focused pane, quieter elsewhere.
pub fn selection(t: &Theme, focused: bool) -> Style {
    if focused {
        t.selected
    } else {
        t.selected_unfocused
    }
}

/// Draws `items` as a tree in `block`, with the explorer's symbols, opened as `state` says and scrolled
/// to `offset`. The widget wants `&mut TreeState` and drawing only reads, so it gets a throw-away state; a
/// first render into a one-cell scratch buffer teaches that state how many rows there are, so the scroll
/// offset can be restored before the real render.
pub fn tree<K>(
    frame: &mut Frame,
    area: Rect,
    block: Block,
    items: &[TreeItem<K>],
    highlight: Style,
    (state, offset): (&TreeState<K>, usize),
) where
    K: Clone + PartialEq + Eq + std::hash::Hash,
{
    let Ok(widget) = Tree::new(items) else {
        return frame.render_widget(block, area);
    };
    let widget = widget
        .block(block)
        .highlight_style(highlight)
        .node_closed_symbol("▸ ")
        .node_open_symbol("▾ ")
        .node_no_children_symbol("  ");
    let mut shown = TreeState::default();
    for path in state.opened() {
        shown.open(path.clone());
    }
    let mut scratch = Buffer::empty(Rect::new(0, 0, 1, 1));
    widget
        .clone()
        .render(Rect::new(0, 0, 1, 1), &mut scratch, &mut shown);
    shown.scroll_down(offset);
    shown.select(state.selected().to_vec());
    frame.render_stateful_widget(widget, area, &mut shown);
}

/// A message in the middle of an empty pane (loading, nothing to show).
pub fn placeholder(frame: &mut Frame, area: Rect, style: Style, text: &str) {
    let p = Paragraph::new(text.to_string())
        .style(style)
        .wrap(ratatui::widgets::Wrap { trim: true });
    frame.render_widget(p, area);
}

/// Pads or cuts text to exactly `width` cells (by chars; names are cleaned, wide glyphs are rare).
pub fn fit(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n > width {
        let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
        s.push('…');
        s
    } else {
        format!("{text}{}", " ".repeat(width - n))
    }
}

/// How many rows `text` takes when wrapped at word boundaries to `width` cells (as `Paragraph` with `Wrap`
/// does; a word longer than the width is broken). For sizing a box so that nothing in it is cut.
pub fn wrapped_rows(text: &str, width: usize) -> usize {
    let width = width.max(1);
    let mut rows = 1;
    let mut used = 0;
    for word in text.split(' ') {
        let mut n = word.chars().count();
        let gap = usize::from(used > 0);
        if used + gap + n <= width {
            used += gap + n;
            continue;
        }
        if used > 0 {
            rows += 1;
        }
        while n > width {
            n -= width;
            rows += 1;
        }
        used = n;
    }
    rows
}
