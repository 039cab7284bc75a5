//! The scope tree (tui-tree-widget). The widget wants `&mut TreeState` to render, and drawing only reads
//! the app, so each frame renders from a throw-away state rebuilt from the app's (opened nodes, selection,
//! scroll offset): cheap, and the app's state changes only in `update`.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::StatefulWidget;
use tui_tree_widget::{Tree, TreeState};

use super::{block, selection};
use crate::tui::app::{App, Focus};

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let tree = &app.nav.scopes;
    let title = vec![
        Span::raw("Scopes "),
        Span::styled(format!("{} vaults", tree.vault_count()), t.dim),
    ];
    let b = block(app, Focus::Scopes, title);
    let Ok(widget) = Tree::new(&tree.items) else {
        frame.render_widget(b, area);
        return;
    };
    let widget = widget
        .block(b)
        .highlight_style(selection(t, app.focus == Focus::Scopes))
        .node_closed_symbol("▸ ")
        .node_open_symbol("▾ ")
        .node_no_children_symbol("  ");
    let mut state = TreeState::default();
    for path in tree.state.opened() {
        state.open(path.clone());
    }
    // A first render into a one-cell scratch buffer teaches the state how many rows there are, so the
    // scroll offset can be restored before the real render.
    let mut scratch = Buffer::empty(Rect::new(0, 0, 1, 1));
    widget
        .clone()
        .render(Rect::new(0, 0, 1, 1), &mut scratch, &mut state);
    state.scroll_down(tree.offset);
    state.select(tree.state.selected().to_vec());
    frame.render_stateful_widget(widget, area, &mut state);
}
