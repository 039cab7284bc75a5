//! Where each pane goes, as a pure function of the terminal size and a few UI choices. Drawing and mouse
//! hit-testing both ask it, so a click lands on what was drawn. Narrow or short terminals collapse to the
//! focused pane alone rather than squeezing four panes into unreadable slivers.

use ratatui::layout::Rect;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Focus {
    Scopes,
    Principals,
    Main,
    Explain,
}

impl Focus {
    pub const ORDER: [Focus; 4] = [Self::Scopes, Self::Principals, Self::Main, Self::Explain];

    pub fn next(self, step: isize) -> Self {
        let i = Self::ORDER.iter().position(|f| *f == self).unwrap_or(0) as isize;
        let n = Self::ORDER.len() as isize;
        Self::ORDER[((i + step).rem_euclid(n)) as usize]
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Scopes => "Scopes",
            Self::Principals => "Principals",
            Self::Main => "Main",
            Self::Explain => "Explain",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub scopes: Option<Rect>,
    pub principals: Option<Rect>,
    pub main: Option<Rect>,
    pub explain: Option<Rect>,
    pub status: Rect,
    /// Only the focused pane is shown.
    pub single: bool,
}

impl Areas {
    pub fn of(&self, f: Focus) -> Option<Rect> {
        match f {
            Focus::Scopes => self.scopes,
            Focus::Principals => self.principals,
            Focus::Main => self.main,
            Focus::Explain => self.explain,
        }
    }

    /// The pane under a screen position.
    pub fn hit(&self, x: u16, y: u16) -> Option<Focus> {
        let p = ratatui::layout::Position { x, y };
        Focus::ORDER
            .into_iter()
            .find(|f| self.of(*f).is_some_and(|r| r.contains(p)))
    }
}

/// Below these sizes only the focused pane is drawn.
pub const MIN_SPLIT_WIDTH: u16 = 70;
pub const MIN_SPLIT_HEIGHT: u16 = 14;

pub fn compute(area: Rect, focus: Focus, zoom: bool) -> Areas {
    let header = Rect {
        height: area.height.min(1),
        ..area
    };
    let status = Rect {
        y: area.y + area.height.saturating_sub(1),
        height: area.height.min(1),
        ..area
    };
    let body = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(2),
        ..area
    };
    let mut a = Areas {
        header,
        status,
        ..Areas::default()
    };
    if zoom || area.width < MIN_SPLIT_WIDTH || area.height < MIN_SPLIT_HEIGHT {
        a.single = true;
        match focus {
            Focus::Scopes => a.scopes = Some(body),
            Focus::Principals => a.principals = Some(body),
            Focus::Main => a.main = Some(body),
            Focus::Explain => a.explain = Some(body),
        }
        return a;
    }
    let left_w = (body.width * 35 / 100).clamp(26, 44);
    let top_h = body.height / 2;
    a.scopes = Some(Rect {
        width: left_w,
        height: top_h,
        ..body
    });
    a.principals = Some(Rect {
        y: body.y + top_h,
        width: left_w,
        height: body.height - top_h,
        ..body
    });
    let right = Rect {
        x: body.x + left_w,
        width: body.width - left_w,
        ..body
    };
    if right.width >= 110 {
        let main_w = right.width * 58 / 100;
        a.main = Some(Rect {
            width: main_w,
            ..right
        });
        a.explain = Some(Rect {
            x: right.x + main_w,
            width: right.width - main_w,
            ..right
        });
    } else {
        let main_h = (right.height * 55 / 100).max(6).min(right.height);
        a.main = Some(Rect {
            height: main_h,
            ..right
        });
        a.explain = Some(Rect {
            y: right.y + main_h,
            height: right.height - main_h,
            ..right
        });
    }
    a
}

/// Rows inside a bordered pane.
pub fn inner_height(r: Option<Rect>) -> usize {
    r.map_or(1, |r| r.height.saturating_sub(2).max(1) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_terminals_collapse_and_large_ones_split() {
        let a = compute(Rect::new(0, 0, 80, 24), Focus::Main, false);
        assert!(!a.single);
        assert!(a.scopes.is_some() && a.explain.is_some());
        let narrow = compute(Rect::new(0, 0, 50, 24), Focus::Principals, false);
        assert!(narrow.single && narrow.principals.is_some() && narrow.main.is_none());
        let wide = compute(Rect::new(0, 0, 160, 48), Focus::Main, false);
        let (m, e) = (wide.main.unwrap(), wide.explain.unwrap());
        assert_eq!(m.y, e.y, "side by side when wide");
        assert_eq!(wide.hit(m.x + 1, m.y + 1), Some(Focus::Main));
        let tiny = compute(Rect::new(0, 0, 10, 3), Focus::Scopes, false);
        assert_eq!(tiny.scopes.unwrap().height, 1);
    }
}
