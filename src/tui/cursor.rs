//! Selection and scroll position of a list, kept by `update` so drawing only reads it.

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    pub offset: usize,
}

impl Cursor {
    /// Moves by `delta` rows within `len`, clamped; returns whether the selection changed.
    pub fn move_by(&mut self, delta: isize, len: usize) -> bool {
        let before = self.selected;
        let last = len.saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
        before != self.selected
    }

    pub fn set(&mut self, index: usize, len: usize) -> bool {
        let before = self.selected;
        self.selected = index.min(len.saturating_sub(1));
        before != self.selected
    }

    /// Scrolls so the selection is inside a window of `height` rows.
    pub fn keep_visible(&mut self, height: usize, len: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
    }

    /// A click on the `line`th line of a pane whose first `header` lines are not rows: selects the row
    /// under it, if any.
    pub fn click(&mut self, line: usize, header: usize, len: usize) {
        if let Some(i) = (self.offset + line).checked_sub(header)
            && i < len
        {
            self.selected = i;
        }
    }

    /// The visible index range for a window of `height` rows.
    pub fn window(&self, height: usize, len: usize) -> std::ops::Range<usize> {
        let start = self.offset.min(len);
        start..(start + height).min(len)
    }
}

#[cfg(test)]
mod tests {
    use super::Cursor;

    #[test]
    fn stays_in_bounds_and_in_view() {
        let mut c = Cursor::default();
        assert!(!c.move_by(-1, 10));
        c.move_by(15, 10);
        assert_eq!(c.selected, 9);
        c.keep_visible(4, 10);
        assert_eq!(c.offset, 6);
        assert_eq!(c.window(4, 10), 6..10);
        c.set(0, 10);
        c.keep_visible(4, 10);
        assert_eq!(c.offset, 0);
        assert_eq!(Cursor::default().window(4, 0), 0..0);
    }

    #[test]
    fn a_click_selects_the_row_under_it_past_the_header() {
        let mut c = Cursor {
            selected: 0,
            offset: 3,
        };
        c.click(2, 1, 10);
        assert_eq!(c.selected, 4);
        c.click(0, 4, 10);
        assert_eq!(c.selected, 4, "a header line selects nothing");
        c.click(9, 0, 10);
        assert_eq!(c.selected, 4, "below the last row selects nothing");
    }
}
