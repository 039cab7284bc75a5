//! Drawing: one function over `&App`. Each pane reads the state it shows and never changes it.

pub mod explain;
pub mod header;
pub mod help;
pub mod log;
pub mod palette;
pub mod principals;
pub mod scopes;
pub mod status_bar;
pub mod whatif;
/// The who-can view's VIA text, where it has always been found.
pub mod who_can {
    pub use crate::tui::view::who_can::describe;
}

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

use crate::tui::app::{App, Focus, View};
use crate::tui::theme::Theme;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let areas = crate::tui::layout::compute(area, app.focus, app.zoom);
    let (areas, panel) = whatif::carve(app, areas);
    header::draw(frame, app, areas.header, areas.single);
    if let Some(r) = areas.scopes {
        scopes::draw(frame, app, r);
    }
    if let Some(r) = areas.principals {
        principals::draw(frame, app, r);
    }
    if let Some(r) = areas.main {
        match app.view {
            View::Permissions => {
                let who = app.principals.selected().map(|p| p.name.clone());
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
                app.scopes
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
                app.whatif.escalations_before.as_deref(),
            ),
        }
    }
    if let Some(r) = areas.explain {
        explain::draw(frame, app, r);
    }
    if let Some(r) = panel {
        whatif::draw(frame, app, r);
    }
    status_bar::draw(frame, app, areas.status);
    match &app.overlay {
        Some(crate::tui::app::Overlay::Help { scroll }) => help::draw(frame, app, *scroll),
        Some(crate::tui::app::Overlay::Palette { input, cursor }) => {
            palette::draw_palette(frame, app, input, cursor)
        }
        Some(crate::tui::app::Overlay::Prompt { kind, input }) => {
            palette::draw_prompt(frame, app, *kind, input)
        }
        Some(crate::tui::app::Overlay::Log { scroll }) => log::draw(frame, app, *scroll),
        None => {}
    }
    if let Some(form) = &app.whatif.form {
        whatif::draw_form(frame, app, form);
    }
}

/// What the view in the main pane needs from around it to draw itself.
fn main_ctx(app: &App) -> crate::tui::view::Ctx<'_> {
    crate::tui::view::Ctx {
        theme: &app.theme,
        focused: app.focus == Focus::Main,
        hypothetical: app.whatif.world.is_some(),
        block: Box::new(|title| block(app, Focus::Main, title)),
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
