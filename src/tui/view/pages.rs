//! Groups that list their identities a page at a time (who-can, escalations): which groups are open, the
//! identities listed so far, and the rows they make. A group of 48 000 identities lists 200 at first and
//! 200 more on each Enter on its last line, so that no key builds a list the screen cannot show.

/// Identities listed per page of an opened group.
pub const PAGE: usize = 200;

/// A row of a grouped view: a group, one of its listed identities, or the line that lists the next page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row<K> {
    Group(K),
    Member(K, usize),
    More(K),
}

/// The opened groups of a view (by the view's key for a group), each with its identities listed so far.
#[derive(Debug)]
pub struct Pages<K, M> {
    open: Vec<(K, Vec<M>)>,
}

impl<K, M> Default for Pages<K, M> {
    fn default() -> Self {
        Self { open: Vec::new() }
    }
}

impl<K: Copy + PartialEq, M> Pages<K, M> {
    /// The identities listed of `key`, when it is open.
    pub fn listed(&self, key: K) -> Option<&[M]> {
        self.open
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, m)| m.as_slice())
    }

    pub fn is_open(&self, key: K) -> bool {
        self.listed(key).is_some()
    }

    /// Closes every group (the answer changed, or the groups' positions moved).
    pub fn clear(&mut self) {
        self.open.clear();
    }

    pub fn close(&mut self, key: K) {
        self.open.retain(|(k, _)| *k != key);
    }

    /// Opens `key` with its first page.
    pub fn open(&mut self, key: K, first: Vec<M>) {
        self.close(key);
        self.open.push((key, first));
    }

    /// The positions of `key`'s next page among its identities.
    pub fn next_page(&self, key: K) -> std::ops::Range<usize> {
        let from = self.listed(key).map_or(0, <[M]>::len);
        from..from + PAGE
    }

    /// Adds the next page of `key`'s identities.
    pub fn extend(&mut self, key: K, next: impl IntoIterator<Item = M>) {
        if let Some((_, list)) = self.open.iter_mut().find(|(k, _)| *k == key) {
            list.extend(next);
        }
    }

    /// Appends `key`'s rows: the group; when it is open, its listed identities and, while it has more than
    /// listed (`identities` in all), the line that lists the next page.
    pub fn rows(&self, key: K, identities: usize, out: &mut Vec<Row<K>>) {
        out.push(Row::Group(key));
        if let Some(members) = self.listed(key) {
            out.extend((0..members.len()).map(|m| Row::Member(key, m)));
            if members.len() < identities {
                out.push(Row::More(key));
            }
        }
    }

    /// The `m`th identity listed of `key`.
    pub fn member(&self, key: K, m: usize) -> Option<&M> {
        self.listed(key)?.get(m)
    }
}

/// The line that lists the next page: how many are left.
pub fn more_line(identities: usize, listed: usize) -> String {
    format!(
        "… {} more (Enter lists the next {PAGE})",
        identities.saturating_sub(listed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_lists_a_page_at_a_time_and_closes() {
        let mut p: Pages<u8, usize> = Pages::default();
        let mut rows = Vec::new();
        p.rows(1, 450, &mut rows);
        assert_eq!(rows, vec![Row::Group(1)]);
        p.open(1, (0..PAGE).collect());
        assert_eq!(p.next_page(1), PAGE..2 * PAGE);
        p.extend(1, p.next_page(1));
        let mut rows = Vec::new();
        p.rows(1, 450, &mut rows);
        assert_eq!(rows.len(), 1 + 2 * PAGE + 1);
        assert_eq!(rows.last(), Some(&Row::More(1)));
        assert_eq!(p.member(1, 399), Some(&399));
        assert_eq!(more_line(450, 400), "… 50 more (Enter lists the next 200)");
        p.extend(1, p.next_page(1).take(50));
        let mut rows = Vec::new();
        p.rows(1, 450, &mut rows);
        assert_eq!(
            rows.last(),
            Some(&Row::Member(1, 449)),
            "all listed: no more line"
        );
        p.close(1);
        assert!(!p.is_open(1));
    }
}
