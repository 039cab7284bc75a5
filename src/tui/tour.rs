//! The tour in the explorer: an overlay over the Explain pane that tells one step of [`crate::tour`] at a
//! time and selects its scope, principal, view, operation and caller location, so the panes behind it show
//! what it says (the step's verdicts are in its sentences; `kvaccess tour` also prints the `check` behind
//! each). `n` and `p` step, `esc` leaves; every other key works as usual (that is the "try this").

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use crate::tour::{Show, Step};
use crate::tui::action::{Effect, UserAction};
use crate::tui::app::App;
use crate::tui::app::Command;

/// The tour's steps (asked of the engine when it opened) and where the reader is.
#[derive(Debug, Clone)]
pub struct TourState {
    pub steps: Vec<Step>,
    pub at: usize,
}

/// Opens the tour at its first step (again: starts over).
pub fn open(app: &mut App) -> Vec<Effect> {
    let steps = crate::tour::steps(app.world());
    if steps.is_empty() {
        app.message = Some("the tour has no steps".into());
        return Vec::new();
    }
    app.tour = Some(TourState { steps, at: 0 });
    show(app)
}

/// The tour's keys: `n` next, `p` previous, `esc` leaves. `None`: not the tour's, handle as usual.
pub fn key(app: &mut App, key: KeyEvent) -> Option<Vec<Effect>> {
    let t = app.tour.as_mut()?;
    match key.code {
        KeyCode::Char('n') if t.at + 1 < t.steps.len() => t.at += 1,
        KeyCode::Char('p') if t.at > 0 => t.at -= 1,
        KeyCode::Char('n' | 'p') => return Some(Vec::new()),
        KeyCode::Esc => {
            app.tour = None;
            app.message = Some("tour closed (i opens it again)".into());
            return Some(Vec::new());
        }
        _ => return None,
    }
    Some(show(app))
}

/// Selects what the current step is about.
fn show(app: &mut App) -> Vec<Effect> {
    let Some(step) = app.tour.as_ref().and_then(|t| t.steps.get(t.at)).cloned() else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    effects.extend(app.run_command(Command::From, step.from.as_deref().unwrap_or("none")));
    if let Some(s) = &step.scope {
        effects.extend(app.run_command(Command::Goto, s.id()));
    }
    if let Some(p) = &step.principal {
        effects.extend(app.run_command(Command::Principal, p));
    }
    let op = step.operation.unwrap_or("secrets/get");
    effects.extend(match step.show {
        Show::Permissions => app.run_command(Command::Op, op),
        Show::WhoCan => app.run_command(Command::WhoCan, op),
        Show::Matrix => app.apply(UserAction::ViewMatrix),
        Show::Escalations => app.apply(UserAction::ViewEscalations),
    });
    // The selections above leave their own messages; the step's title is the one that matters.
    let (at, n) = app
        .tour
        .as_ref()
        .map_or((0, 0), |t| (t.at + 1, t.steps.len()));
    app.message = Some(format!("tour {at}/{n}: {}", step.title));
    effects
}

/// The overlay: over the Explain pane, taller when the step needs it.
pub fn draw(frame: &mut Frame, app: &App, t: &TourState) {
    let Some(step) = t.steps.get(t.at) else {
        return;
    };
    let th = &app.theme;
    let mut lines = vec![Line::styled(step.place(app.world()), th.dim)];
    for s in &step.text {
        lines.push(Line::raw(s.clone()));
    }
    lines.push(Line::from(vec![
        Span::styled("try this: ", th.heading),
        Span::raw(step.try_this.clone()),
    ]));
    lines.push(Line::styled(
        "n next · p previous · esc leaves the tour",
        th.dim,
    ));
    let area = frame.area();
    let areas = crate::tui::layout::compute(area, app.focus, app.zoom);
    let base = areas.explain.or(areas.main).unwrap_or(area);
    // Narrow screens: the whole width, so the step takes fewer rows and leaves the view above visible.
    let width = if area.width < 120 {
        area.width
    } else {
        base.width.max(60).min(area.width)
    };
    let inner_w = usize::from(width.saturating_sub(2)).max(1);
    let needed: usize = lines
        .iter()
        .map(|l| {
            let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            crate::tui::pane::wrapped_rows(&text, inner_w)
        })
        .sum::<usize>()
        + 2;
    let max_h = area.height.saturating_sub(2).max(3);
    let height = u16::try_from(needed)
        .unwrap_or(u16::MAX)
        .clamp(base.height.min(max_h), max_h);
    let bottom = (base.y + base.height).min(area.height.saturating_sub(1));
    let rect = Rect {
        x: (base.x + base.width)
            .saturating_sub(width)
            .min(area.width.saturating_sub(width)),
        y: bottom.saturating_sub(height),
        width,
        height,
    };
    let title = format!(" Tour {}/{} · {} ", t.at + 1, t.steps.len(), step.title);
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .border_style(th.border_focused)
        .title(Line::styled(title, th.title));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .style(th.base)
            .wrap(Wrap { trim: false }),
        rect,
    );
}
