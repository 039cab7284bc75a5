//! The paths view's tree: only what is open is built, each level a page at a time.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use tui_tree_widget::TreeItem;

use super::explain::{grant_decision, grant_words, grants_words, lever_word};
use super::{Answer, Key, PAGE, PathsView, Picked};
use crate::eval::Decision;
use crate::sanitize::clean;
use crate::tui::theme::{ITEMS_SYMBOL, Theme, decision_symbol};

impl PathsView {
    /// The tree of what is open: each level a page at a time. Closed nodes get one placeholder child, so
    /// the tree marks them as openable without building what they hold.
    pub(super) fn items(
        &self,
        theme: Option<&Theme>,
        name: &dyn Fn(&str) -> String,
    ) -> Vec<TreeItem<'static, Key>> {
        let mut out = Vec::new();
        let Some(a) = self.ready() else { return out };
        let entries = match a {
            Answer::To(t) => t.groups.len(),
            Answer::From(f) => f.reached.len(),
        };
        self.page(
            &[],
            (0..entries).map(Key::Entry).collect(),
            &mut out,
            theme,
            name,
        );
        let (admins, gaps) = match a {
            Answer::To(t) => (t.tenant_admins.len(), t.unknown_because.len()),
            Answer::From(f) => (f.tenant_admins.len(), f.unknown_because.len()),
        };
        if admins > 0 {
            let kids = (0..admins).map(Key::Admin).collect();
            out.push(self.node(vec![Key::Admins], kids, theme, name));
        }
        if gaps > 0 {
            let kids = (0..gaps).map(Key::Gap).collect();
            out.push(self.node(vec![Key::Unknown], kids, theme, name));
        }
        out
    }

    /// The rows of `kids` under `parent`, as many as are shown, then "… more" when some are not.
    pub(super) fn page(
        &self,
        parent: &[Key],
        kids: Vec<Key>,
        out: &mut Vec<TreeItem<'static, Key>>,
        theme: Option<&Theme>,
        name: &dyn Fn(&str) -> String,
    ) {
        let limit = self.limit(parent);
        let more = kids.len().saturating_sub(limit);
        for k in kids.into_iter().take(limit) {
            let mut path = parent.to_vec();
            path.push(k);
            let kids = self.children_of(&path);
            out.push(self.node(path, kids, theme, name));
        }
        if more > 0 {
            out.push(more_line(more, theme));
        }
    }

    /// The children's keys of an entry (none for a leaf).
    pub(super) fn children_of(&self, path: &[Key]) -> Vec<Key> {
        let hops = |n: usize| (0..n).map(Key::Entry).collect::<Vec<_>>();
        match (self.ready(), self.pick(path)) {
            (_, Some(Picked::Reached(r))) => {
                let mut k = hops(r.hops.len());
                k.extend((0..r.access.len()).map(Key::Access));
                k.extend((0..r.levers.len()).map(Key::Lever));
                k.extend((0..r.items.len()).map(Key::Items));
                k.extend((0..r.eligible.len()).map(Key::Eligible));
                k
            }
            (_, Some(Picked::Access(_, g))) => (0..g.verdicts.len()).map(Key::Verdict).collect(),
            (_, Some(Picked::Verdict(v))) => hops(v.names.as_ref().map_or(0, Vec::len)),
            (_, Some(Picked::Lever(_, l))) => hops(l.names.as_ref().map_or(0, Vec::len)),
            (_, Some(Picked::Items(_, i))) => hops(i.names.as_ref().map_or(0, Vec::len)),
            (_, Some(Picked::Eligible(_, e))) => hops(e.names.as_ref().map_or(0, Vec::len)),
            (Some(Answer::To(_)), picked) => super::grouped::children(picked),
            _ => Vec::new(),
        }
    }

    /// One node: its line, and its children if it is open, a page at a time.
    pub(super) fn node(
        &self,
        path: Vec<Key>,
        kids: Vec<Key>,
        theme: Option<&Theme>,
        name: &dyn Fn(&str) -> String,
    ) -> TreeItem<'static, Key> {
        let key = path.last().copied().unwrap_or(Key::More);
        let line = self
            .pick(&path)
            .map(|p| row_line(p, theme, name))
            .unwrap_or_default();
        if kids.is_empty() {
            return TreeItem::new_leaf(key, line);
        }
        let open = self.state.opened().contains(&path);
        let mut children = Vec::new();
        if !open {
            children.push(TreeItem::new_leaf(Key::More, ""));
        } else {
            self.page(&path, kids, &mut children, theme, name);
        }
        TreeItem::new(key, line.clone(), children).unwrap_or_else(|_| TreeItem::new_leaf(key, line))
    }
}

/// "… N more": Enter shows the next page.
fn more_line(n: usize, theme: Option<&Theme>) -> TreeItem<'static, Key> {
    let line = Line::styled(
        format!("… {n} more (Enter shows {PAGE} more)"),
        theme.map_or(Style::default(), |t| t.dim),
    );
    TreeItem::new_leaf(Key::More, line)
}

/// A row's line: a decision mark where the row has one, then its words.
pub(super) fn row_line(
    p: Picked,
    theme: Option<&Theme>,
    name: &dyn Fn(&str) -> String,
) -> Line<'static> {
    let style = |d: Decision| theme.map_or(Style::default(), |t| t.decision(d));
    let dim = theme.map_or(Style::default(), |t| t.dim);
    let marked = |d: Decision, text: String| {
        Line::from(vec![
            Span::styled(format!("{} ", decision_symbol(d)), style(d)),
            Span::raw(text),
        ])
    };
    match p {
        Picked::Grant(g) => marked(grant_decision(g), grant_words(g, name)),
        Picked::Way(w) => match &w.hop {
            Some(h) => marked(h.decision, w.words()),
            None => Line::raw(format!("{} · holds it through its members", w.words())),
        },
        Picked::Class(c, word) => marked(
            c.hop.decision,
            format!(
                "{} {word}: {} {} [{}]",
                c.count,
                c.hop.kind.as_str(),
                clean(&name(&c.hop.to)),
                c.hop.decision.as_str()
            ),
        ),
        Picked::Start(_, id) => Line::raw(clean(&name(id)).into_owned()),
        Picked::Reached(r) => marked(r.decision, r.words()),
        Picked::Hop(h) => marked(
            h.decision,
            format!(
                "{} {} {} [{}]",
                clean(&name(&h.from)),
                h.kind.as_str(),
                clean(&name(&h.to)),
                h.decision.as_str()
            ),
        ),
        Picked::Access(n, g) => Line::raw(format!(
            "[A{}] {} vault(s) · {}",
            n + 1,
            g.vaults,
            clean(&grants_words(g, name))
        )),
        Picked::Verdict(v) => Line::raw(format!("{}: {} vault(s)", v.words(), v.vaults)),
        Picked::Lever(n, l) => marked(
            l.decision,
            format!(
                "[L{}] {} vault(s) · {}: {}",
                n + 1,
                l.vaults,
                lever_word(l.kind),
                clean(&l.technique)
            ),
        ),
        Picked::Items(n, i) => Line::from(vec![
            Span::styled(format!("{ITEMS_SYMBOL} "), style(Decision::Allowed)),
            Span::raw(format!("[I{}] {}", n + 1, clean(&i.words()))),
        ]),
        Picked::Eligible(n, e) => Line::raw(format!(
            "[E{}] {} vault(s) · {}",
            n + 1,
            e.vaults,
            clean(&e.words(name))
        )),
        Picked::Vault(v) => Line::raw(clean(v).into_owned()),
        Picked::Admins => Line::styled("Tenant-wide (tier 0, can reach every vault)", dim),
        Picked::Admin(a) => Line::raw(format!(
            "{}: {}",
            clean(&name(&a.principal_id)),
            clean(&a.explanation)
        )),
        Picked::Unknown => Line::styled("Unknown (paths through these cannot be seen)", dim),
        Picked::Gap(g) => Line::raw(clean(g).into_owned()),
        Picked::More => Line::raw("…"),
    }
}
