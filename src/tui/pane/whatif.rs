//! The what-if panel beside the explorer (the change list, the world's summary, its problems) and the
//! add form drawn over everything while a change is being built.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use super::{fit, selection};
use crate::sanitize::clean;
use crate::tui::action::UserAction;
use crate::tui::app::App;
use crate::tui::layout::Areas;
use crate::tui::whatif::describe::describe;
use crate::tui::whatif::form::Form;
use crate::tui::whatif::keys::{FORM_ROWS, LIST_ROWS};
use crate::tui::whatif::{PathFor, Status};

/// Makes room for the panel: the top of the explanation pane (all of it when that is short), or the
/// whole body on a narrow terminal while the panel is focused.
pub fn carve(app: &App, mut areas: Areas) -> (Areas, Option<Rect>) {
    if !app.whatif.open {
        return (areas, None);
    }
    if app.whatif.zoomed && app.whatif.focused {
        // `z` in the panel: it takes the whole body.
        let body = [areas.scopes, areas.principals, areas.main, areas.explain]
            .into_iter()
            .flatten()
            .reduce(|a, b| a.union(b));
        areas.scopes = None;
        areas.principals = None;
        areas.main = None;
        areas.explain = None;
        return (areas, body);
    }
    if areas.single {
        if !app.whatif.focused {
            return (areas, None);
        }
        let body = areas
            .scopes
            .or(areas.principals)
            .or(areas.main)
            .or(areas.explain);
        areas.scopes = None;
        areas.principals = None;
        areas.main = None;
        areas.explain = None;
        return (areas, body);
    }
    let Some(e) = areas.explain else {
        return (areas, None);
    };
    if e.height < 16 {
        areas.explain = None;
        return (areas, Some(e));
    }
    let top = e.height * 60 / 100;
    areas.explain = Some(Rect {
        y: e.y + top,
        height: e.height - top,
        ..e
    });
    (areas, Some(Rect { height: top, ..e }))
}

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let p = &app.whatif;
    let mut title = vec![Span::raw(" What-if ")];
    if let Some(b) = p.badge() {
        title.push(Span::styled(format!("{b} "), t.badge));
    }
    let block = Block::bordered()
        .border_type(if p.focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(if p.focused {
            t.border_focused
        } else {
            t.border
        })
        .title(Line::from(title).style(if p.focused { t.title } else { t.base }));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = Vec::new();
    let hint = |a: UserAction| app.keymap.hint(a);
    if p.scenario.entries.is_empty() {
        lines.push(Line::from(Span::styled(
            format!(
                "no changes: {} adds one, {} loads a change list",
                hint(UserAction::WhatIfAdd),
                hint(UserAction::WhatIfLoad)
            ),
            t.dim,
        )));
    }
    let engine = &*app.engine;
    let n = p.scenario.entries.len();
    for (i, e) in p
        .scenario
        .entries
        .iter()
        .enumerate()
        .skip(p.cursor.offset)
        .take(LIST_ROWS)
    {
        let mark = if e.enabled { "[x]" } else { "[ ]" };
        let bad = p.error_rows.contains(&i);
        let text = format!(
            "{i:>2} {mark}{} {}",
            if bad { "!" } else { " " },
            describe(engine, &e.change)
        );
        // Not cut to the width: the paragraph wraps a long change onto the next rows.
        let mut line = Line::from(Span::styled(
            text,
            if bad {
                t.warning
            } else if e.enabled {
                t.base
            } else {
                t.dim
            },
        ));
        if i == p.cursor.selected {
            line = line.style(selection(t, p.focused));
        }
        lines.push(line);
    }
    if n > LIST_ROWS {
        let shown = p.cursor.window(LIST_ROWS, n);
        lines.push(Line::from(Span::styled(
            format!("changes {}–{} of {n}", shown.start + 1, shown.end),
            t.dim,
        )));
    }
    lines.push(Line::from(""));
    match p.status {
        Status::Computing => lines.push(Line::from(Span::styled(
            "⟳ building the what-if world…",
            t.dim,
        ))),
        Status::Ready => {
            if let Some(w) = &p.world {
                if w.summary.is_empty() {
                    lines.push(Line::from(Span::styled("no change in access", t.dim)));
                }
                let mut summary: Vec<Line> = Vec::new();
                for s in &w.summary {
                    let style = if s.starts_with('+') {
                        t.decision(crate::eval::Decision::Allowed)
                    } else if s.starts_with('-') {
                        t.decision(crate::eval::Decision::Denied)
                    } else {
                        t.base
                    };
                    summary.push(Line::from(Span::styled(clean(s).into_owned(), style)));
                }
                for (i, n) in &w.notes {
                    summary.push(Line::from(Span::styled(
                        format!("changes[{i}]: {}", clean(n)),
                        t.dim,
                    )));
                }
                // Page up / page down scroll the summary: the deltas and notes below the fold.
                let skip = p.summary_scroll.min(summary.len().saturating_sub(1));
                if skip > 0 {
                    lines.push(Line::from(Span::styled(
                        format!("↑ {skip} more line(s) above ({})", hint(UserAction::PageUp)),
                        t.dim,
                    )));
                }
                lines.extend(summary.into_iter().skip(skip));
            }
        }
        Status::Invalid | Status::Real => {}
    }
    for e in &p.errors {
        lines.push(Line::from(Span::styled(clean(e).into_owned(), t.warning)));
    }
    if let Some(m) = &p.message {
        lines.push(Line::from(Span::styled(clean(m).into_owned(), t.heading)));
    }
    if let Some((what, input)) = &p.prompt {
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", what.title()), t.key),
            Span::raw(clean(input.value()).into_owned()),
            Span::styled("▏", t.key),
        ]));
        let how = match what {
            PathFor::Save => "enter writes it (atomically), esc cancels",
            PathFor::Load => "enter reads it, esc cancels",
        };
        lines.push(Line::from(Span::styled(how, t.dim)));
    } else if p.focused {
        lines.push(Line::from(Span::styled(
            format!(
                "{} add · {} on/off · {} delete · {} save · {} load · esc leave",
                hint(UserAction::WhatIfAdd),
                app.keymap
                    .binding(UserAction::Select)
                    .and_then(|b| b.keys.get(1).or(b.keys.first()))
                    .map_or_else(|| hint(UserAction::WhatIfToggle), |k| k.label()),
                hint(UserAction::WhatIfDelete),
                hint(UserAction::WhatIfSave),
                hint(UserAction::WhatIfLoad),
            ),
            t.key,
        )));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The add form, centred over the explorer.
pub fn draw_form(frame: &mut Frame, app: &App, form: &Form) {
    let t = &app.theme;
    let full = frame.area();
    let w = (full.width * 80 / 100).max(30).min(full.width);
    let h = (FORM_ROWS as u16 + 6 + form.values.len() as u16).min(full.height);
    let area = Rect {
        x: full.x + (full.width - w) / 2,
        y: full.y + full.height.saturating_sub(h) / 3,
        width: w,
        height: h,
    };
    frame.render_widget(Clear, area);
    let field = form.field();
    let name = field.map_or("", |f| f.name);
    let title =
        format!(" Add a what-if change: {name} — type to filter, enter picks, esc cancels ");
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(t.border_focused)
        .title(Line::from(Span::styled(title, t.title)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let mut lines = Vec::new();
    for (i, values) in form.values.iter().enumerate() {
        let Some(f) = form.fields.get(i) else {
            continue;
        };
        let labels: Vec<String> = values
            .iter()
            .map(|v| {
                f.choices
                    .iter()
                    .find(|c| &c.value == v)
                    .map_or_else(|| clean(v).into_owned(), |c| c.label.trim().to_string())
            })
            .collect();
        let short = f.name.split(" (").next().unwrap_or(f.name);
        lines.push(Line::from(vec![
            Span::styled(format!("{short}: "), t.heading),
            Span::raw(fit(
                &labels.join(", "),
                width.saturating_sub(short.len() + 2),
            )),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled(format!("{name} > "), t.key),
        Span::raw(clean(form.input.value()).into_owned()),
        Span::styled("▏", t.key),
    ]));
    let Some(field) = field else {
        return frame.render_widget(Paragraph::new(lines), inner);
    };
    for i in form.cursor.window(FORM_ROWS, form.shown.len()) {
        let Some(c) = form
            .shown
            .get(i)
            .and_then(|&k| field.choices.get(k).map(|c| (k, c)))
        else {
            continue;
        };
        let mark = if field.many {
            if form.marked.contains(&c.0) {
                "[x] "
            } else {
                "[ ] "
            }
        } else {
            ""
        };
        let line = Line::from(Span::raw(fit(&format!(" {mark}{}", c.1.label), width)));
        lines.push(if i == form.cursor.selected {
            line.style(t.selected)
        } else {
            line
        });
    }
    if form.shown.is_empty() {
        lines.push(Line::from(Span::styled(" nothing matches", t.dim)));
    }
    lines.push(Line::from(Span::styled(
        format!(
            "{} of {} shown{}",
            form.shown.len().min(FORM_ROWS),
            form.shown.len(),
            if field.many {
                format!(" · {} marked (space marks)", form.marked.len())
            } else {
                String::new()
            }
        ),
        t.dim,
    )));
    frame.render_widget(Paragraph::new(lines), inner);
}
