//! The paths view (key 6): the CLI's `kvaccess paths` in the explorer, drawn as a tree. With a vault or an
//! item selected it asks who can *become* someone who can do the explorer's operation there (`paths --to`:
//! the grant at the last hop, then each path, then its hops); from the principal list, with no vault
//! selected, or with the key pressed again, what the selected principal can become (`paths --from`: each
//! node reached, then its hops and the vault data it holds). The answer is computed in the background; Esc
//! cancels it. Answers can be large (tens of thousands of paths into a busy vault), so the tree is built
//! only for what is open, a page at a time: "… more" rows show the next page.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::StatefulWidget;
use tui_tree_widget::{Tree, TreeItem, TreeState};

use super::Ctx;
use crate::eval::{Decision, Engine};
use crate::model::Scope;
use crate::paths::{
    self, Hop, HopGraph, Path, PathGroup, PathsFrom, PathsTo, Reached, TenantAdmin,
};
use crate::sanitize::clean;
use crate::tui::app::Load;
use crate::tui::explain::{Doc, Tone};
use crate::tui::pane::{placeholder, selection};
use crate::tui::theme::{Theme, decision_symbol};

mod export;

pub use export::{EXTENSIONS, Format, render as export};

/// Rows of one level shown at first, and added by each "… more".
pub const PAGE: usize = 100;

/// The question the view asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// `paths --to`: who can reach `operation` at `scope`.
    To { scope: Scope, operation: String },
    /// `paths --from`: what `principal` can become.
    From { principal: String },
}

/// The CLI's answer to the question.
#[derive(Debug)]
pub enum Answer {
    To(PathsTo),
    From(PathsFrom),
}

/// Which question the view asks of the selection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Direction {
    #[default]
    To,
    From,
}

/// The answer, as `kvaccess paths` computes it (the CLI's default of hops).
pub fn compute(engine: &Engine, q: &Question) -> Result<Answer, String> {
    let graph = HopGraph::build(engine);
    match q {
        Question::To { scope, operation } => {
            let action = crate::catalog::resolve(operation).map_err(|e| e.to_string())?;
            paths::paths_to(engine, &graph, scope, &action, paths::DEFAULT_MAX_HOPS)
                .map(Answer::To)
                .map_err(|e| e.to_string())
        }
        Question::From { principal } => Ok(Answer::From(paths::paths_from(
            engine,
            &graph,
            principal,
            paths::DEFAULT_MAX_HOPS,
        ))),
    }
}

/// A tree node's identifier among its siblings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// A grant's group (or a reached node), a path of a group, or a hop: its position in the answer.
    Entry(usize),
    /// A reached node's `vault: …` line.
    Access(usize),
    Admins,
    Admin(usize),
    Unknown,
    Gap(usize),
    /// The next page of the level.
    More,
}

/// What a row of the tree shows.
#[derive(Debug, Clone, Copy)]
pub enum Picked<'a> {
    Group(&'a PathGroup),
    Path(&'a Path),
    Reached(&'a Reached),
    Hop(&'a Hop),
    Access(&'a str),
    Admins,
    Admin(&'a TenantAdmin),
    Unknown,
    Gap(&'a str),
    More,
}

#[derive(Debug, Default)]
pub struct PathsView {
    pub answer: Load<Answer>,
    pub direction: Direction,
    /// Opened nodes and the selected one.
    pub(crate) state: TreeState<Key>,
    /// The first row on screen.
    pub(crate) offset: usize,
    /// How many children of a node (by its path; the root is `[]`) are shown.
    pub(crate) shown: HashMap<Vec<Key>, usize>,
    /// What is being computed, for the loading line.
    pub(crate) asking: String,
    pub(crate) cancelled: bool,
}

impl PathsView {
    pub fn ready(&self) -> Option<&Answer> {
        self.answer.ready()
    }

    /// A computation has started: the old answer is let go of.
    pub fn asked(&mut self, what: &str) {
        self.asking = clean(what).into_owned();
        self.answer = Load::Loading(format!("finding {}", self.asking));
        self.cancelled = false;
    }

    pub fn on_answer(&mut self, answer: Result<Answer, String>) {
        self.answer = match answer {
            Ok(a) => Load::Ready(a),
            Err(e) => Load::Failed(clean(&e).into_owned()),
        };
        self.state = TreeState::default();
        self.shown.clear();
        self.offset = 0;
        self.cancelled = false;
        if let Some(first) = self.visible().into_iter().next() {
            self.state.select(first);
        }
    }

    /// Esc while the answer is computed: stops waiting for it. Whether there was one to cancel.
    pub fn cancel(&mut self) -> bool {
        let why = format!(
            "cancelled: {} were not computed (press the view's key to start again)",
            self.asking
        );
        let cancelled = self.answer.cancel(why);
        self.cancelled |= cancelled;
        cancelled
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled
    }

    /// The identifiers of the rows on screen, in order (closed nodes hide their children).
    pub fn visible(&self) -> Vec<Vec<Key>> {
        let items = self.items(None, &|id| id.to_string());
        self.state
            .flatten(&items)
            .into_iter()
            .map(|f| f.identifier)
            .collect()
    }

    pub fn selected_path(&self) -> &[Key] {
        self.state.selected()
    }

    fn selected_index(&self, visible: &[Vec<Key>]) -> usize {
        visible
            .iter()
            .position(|p| p.as_slice() == self.state.selected())
            .unwrap_or(0)
    }

    pub fn move_by(&mut self, delta: isize) {
        let visible = self.visible();
        let last = visible.len().saturating_sub(1);
        let next = self
            .selected_index(&visible)
            .saturating_add_signed(delta)
            .min(last);
        if let Some(p) = visible.get(next) {
            self.state.select(p.clone());
        }
    }

    pub fn keep_visible(&mut self, height: usize) {
        let visible = self.visible();
        let mut c = crate::tui::cursor::Cursor {
            selected: self.selected_index(&visible),
            offset: self.offset,
        };
        c.keep_visible(height, visible.len());
        self.offset = c.offset;
    }

    /// A click on the `row`th line of the pane.
    pub fn click(&mut self, row: usize) {
        if let Some(p) = self.visible().get(self.offset + row) {
            self.state.select(p.clone());
        }
    }

    /// →: opens the selected node.
    pub fn expand(&mut self) {
        let sel = self.state.selected().to_vec();
        if !sel.is_empty() {
            self.state.open(sel);
        }
    }

    /// ←: closes the selected node, or goes to its parent when it is closed.
    pub fn collapse(&mut self) {
        let sel = self.state.selected().to_vec();
        if !self.state.close(&sel) && sel.len() > 1 {
            self.state.select(sel[..sel.len() - 1].to_vec());
        }
    }

    /// Enter: "… more" shows the next page; a node opens or closes. Returns true on a leaf (a hop, a
    /// line), which the explanation tells in full.
    pub fn enter(&mut self) -> bool {
        let sel = self.state.selected().to_vec();
        match sel.split_last() {
            Some((Key::More, parent)) => {
                let n = self.shown.entry(parent.to_vec()).or_insert(PAGE);
                *n += PAGE;
                false
            }
            Some(_) if self.has_children(&sel) => {
                self.state.toggle(sel);
                false
            }
            Some(_) => true,
            None => false,
        }
    }

    fn has_children(&self, path: &[Key]) -> bool {
        matches!(path, [Key::Admins] | [Key::Unknown]) || !self.children_of(path).is_empty()
    }

    fn limit(&self, parent: &[Key]) -> usize {
        self.shown.get(parent).copied().unwrap_or(PAGE)
    }

    /// What the row at `path` shows.
    pub fn pick(&self, path: &[Key]) -> Option<Picked<'_>> {
        let a = self.ready()?;
        let (admins, gaps) = match a {
            Answer::To(t) => (&t.tenant_admins, &t.unknown_because),
            Answer::From(f) => (&f.tenant_admins, &f.unknown_because),
        };
        Some(match (a, path) {
            (_, [.., Key::More]) => Picked::More,
            (_, [Key::Admins]) => Picked::Admins,
            (_, [Key::Admins, Key::Admin(i)]) => Picked::Admin(admins.get(*i)?),
            (_, [Key::Unknown]) => Picked::Unknown,
            (_, [Key::Unknown, Key::Gap(i)]) => Picked::Gap(gaps.get(*i)?),
            (Answer::To(t), [Key::Entry(g)]) => Picked::Group(t.groups.get(*g)?),
            (Answer::To(t), [Key::Entry(g), Key::Entry(p)]) => {
                Picked::Path(t.groups.get(*g)?.paths.get(*p)?)
            }
            (Answer::To(t), [Key::Entry(g), Key::Entry(p), Key::Entry(h)]) => {
                Picked::Hop(t.groups.get(*g)?.paths.get(*p)?.hops.get(*h)?)
            }
            (Answer::From(f), [Key::Entry(r)]) => Picked::Reached(f.reached.get(*r)?),
            (Answer::From(f), [Key::Entry(r), Key::Entry(h)]) => {
                Picked::Hop(f.reached.get(*r)?.hops.get(*h)?)
            }
            (Answer::From(f), [Key::Entry(r), Key::Access(i)]) => {
                Picked::Access(f.reached.get(*r)?.vault_access.get(*i)?)
            }
            _ => return None,
        })
    }

    pub fn selected(&self) -> Option<Picked<'_>> {
        self.pick(self.state.selected())
    }

    /// The id of the selected row's principal: a path's start, a reached node, a hop's start.
    pub fn selected_id(&self) -> Option<String> {
        Some(match self.selected()? {
            Picked::Path(p) => p.start.id.clone(),
            Picked::Reached(r) => r.node.id.clone(),
            Picked::Hop(h) => h.from.clone(),
            Picked::Admin(a) => a.principal_id.clone(),
            _ => return None,
        })
    }

    /// The tree of what is open: each level a page at a time. Closed nodes get one placeholder child, so
    /// the tree marks them as openable without building what they hold.
    fn items(
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
        self.page(&[], entries, &mut out, theme, name);
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

    /// `n` entries under `parent`, as many as are shown, then "… more" when some are not.
    fn page(
        &self,
        parent: &[Key],
        n: usize,
        out: &mut Vec<TreeItem<'static, Key>>,
        theme: Option<&Theme>,
        name: &dyn Fn(&str) -> String,
    ) {
        let limit = self.limit(parent);
        for i in 0..n.min(limit) {
            let mut path = parent.to_vec();
            path.push(Key::Entry(i));
            let kids = self.children_of(&path);
            out.push(self.node(path, kids, theme, name));
        }
        if n > limit {
            let mut path = parent.to_vec();
            path.push(Key::More);
            let line = Line::styled(
                format!("… {} more (Enter shows {PAGE} more)", n - limit),
                theme.map_or(Style::default(), |t| t.dim),
            );
            out.push(TreeItem::new_leaf(Key::More, line));
        }
    }

    /// The children's keys of an entry (none for a leaf).
    fn children_of(&self, path: &[Key]) -> Vec<Key> {
        let hops = |n: usize| (0..n).map(Key::Entry).collect::<Vec<_>>();
        match (self.ready(), self.pick(path)) {
            (_, Some(Picked::Path(p))) => hops(p.hops.len()),
            (_, Some(Picked::Reached(r))) => {
                let mut k = hops(r.hops.len());
                k.extend((0..r.vault_access.len()).map(Key::Access));
                k
            }
            (Some(Answer::To(_)), Some(Picked::Group(g))) => hops(g.paths.len()),
            _ => Vec::new(),
        }
    }

    /// One node: its line, and its children if it is open (paged when they are entries).
    fn node(
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
        } else if matches!(self.pick(&path), Some(Picked::Group(_))) {
            self.page(&path, kids.len(), &mut children, theme, name);
        } else {
            for k in kids {
                let mut p = path.clone();
                p.push(k);
                let kids = self.children_of(&p);
                children.push(self.node(p, kids, theme, name));
            }
        }
        TreeItem::new(key, line.clone(), children).unwrap_or_else(|_| TreeItem::new_leaf(key, line))
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, ctx: &Ctx, engine: &Engine) {
        let t = ctx.theme;
        let (title, count) = match self.ready() {
            Some(Answer::To(p)) => (
                format!(
                    "Paths to {} on {} ",
                    clean(&p.action),
                    crate::display::short_scope(&p.scope)
                ),
                format!(
                    "{} paths in {} grants, at most {} hops",
                    p.groups.iter().map(|g| g.paths.len()).sum::<usize>(),
                    p.groups.len(),
                    p.max_hops
                ),
            ),
            Some(Answer::From(p)) => (
                format!("Paths from {} ", clean(&p.start.display_name)),
                format!("{} reached, at most {} hops", p.reached.len(), p.max_hops),
            ),
            None => ("Paths ".to_string(), String::new()),
        };
        let b = (ctx.block)(vec![Span::raw(title), Span::styled(count, t.dim)]);
        match &self.answer {
            Load::Ready(_) => {}
            Load::Loading(what) => {
                let inner = b.inner(area);
                frame.render_widget(b, area);
                return placeholder(frame, inner, t.dim, &format!("⟳ {what}… (Esc cancels)"));
            }
            Load::Failed(e) => {
                let inner = b.inner(area);
                frame.render_widget(b, area);
                return placeholder(frame, inner, t.warning, e);
            }
            Load::Idle => {
                let inner = b.inner(area);
                frame.render_widget(b, area);
                return placeholder(
                    frame,
                    inner,
                    t.dim,
                    "select a vault, an item or a principal",
                );
            }
        }
        let name = |id: &str| paths::node_name(engine, id);
        let items = self.items(Some(t), &name);
        if items.is_empty() {
            let inner = b.inner(area);
            frame.render_widget(b, area);
            return placeholder(frame, inner, t.dim, "no path found");
        }
        let Ok(widget) = Tree::new(&items) else {
            return frame.render_widget(b, area);
        };
        let widget = widget
            .block(b)
            .highlight_style(selection(t, ctx.focused))
            .node_closed_symbol("▸ ")
            .node_open_symbol("▾ ")
            .node_no_children_symbol("  ");
        // As the scope tree: a throw-away state, taught the row count by a scratch render, then scrolled.
        let mut state = TreeState::default();
        for path in self.state.opened() {
            state.open(path.clone());
        }
        let mut scratch = Buffer::empty(Rect::new(0, 0, 1, 1));
        widget
            .clone()
            .render(Rect::new(0, 0, 1, 1), &mut scratch, &mut state);
        state.scroll_down(self.offset);
        state.select(self.state.selected().to_vec());
        frame.render_stateful_widget(widget, area, &mut state);
    }

    /// The selected row explained: a hop with its evidence (the CLI's words), a path or a group with its
    /// hops, a reached node with what it holds.
    pub fn explain(&self, engine: &Engine) -> Doc {
        let name = |id: &str| paths::node_name(engine, id);
        let Some(picked) = self.selected() else {
            return Doc::new("Paths");
        };
        let mut d;
        match picked {
            Picked::Hop(h) => {
                d = Doc::new(format!(
                    "{} {} {}",
                    clean(&name(&h.from)),
                    h.kind.as_str(),
                    clean(&name(&h.to))
                ));
                hop_doc(&mut d, h, &name);
            }
            Picked::Path(p) => {
                d = Doc::new(path_words(p));
                for h in &p.hops {
                    hop_doc(&mut d, h, &name);
                }
            }
            Picked::Reached(r) => {
                d = Doc::new(reached_words(r));
                for h in &r.hops {
                    hop_doc(&mut d, h, &name);
                }
                d.heading("Vault data it can use");
                if r.vault_access.is_empty() {
                    d.text("no vault data");
                }
                for v in &r.vault_access {
                    d.text(format!("reaches {}", clean(v)));
                }
            }
            Picked::Group(g) => {
                d = Doc::new(clean(&g.grant).into_owned());
                d.text(format!(
                    "{} path(s) end with this grant at the last hop; open the group to see them.",
                    g.paths.len()
                ));
                if let Some(h) = g.paths.first().and_then(|p| p.hops.last()) {
                    hop_doc(&mut d, h, &name);
                }
            }
            Picked::Access(v) => {
                d = Doc::new("Vault data");
                d.text(format!("reaches {}", clean(v)));
            }
            Picked::Admins | Picked::Admin(_) => {
                d = Doc::new("Tenant-wide (tier 0, can reach every vault)");
                if let Picked::Admin(a) = picked {
                    d.text(format!(
                        "{}: {}",
                        clean(&name(&a.principal_id)),
                        clean(&a.explanation)
                    ));
                    d.styled(Tone::Dim, format!("evidence: {}", clean(&a.evidence)));
                }
            }
            Picked::Unknown | Picked::Gap(_) => {
                d = Doc::new("Unknown (paths through these cannot be seen)");
                if let Picked::Gap(g) = picked {
                    d.text(clean(g).into_owned());
                }
            }
            Picked::More => {
                d = Doc::new("More");
                d.text("Enter shows the next page of this level.");
            }
        }
        d
    }

    /// Changes to the selection or the answer that change the explanation.
    pub fn explain_key(&self) -> String {
        format!(
            "{:?}{:?}{}",
            self.state.selected(),
            self.direction,
            self.ready().is_some()
        )
    }
}

/// A hop as the explanation tells it: the CLI's line, each piece of evidence, and for an unknown hop why.
fn hop_doc(d: &mut Doc, h: &Hop, name: &dyn Fn(&str) -> String) {
    d.line(vec![
        (
            Tone::Decision(h.decision),
            format!("{} ", decision_symbol(h.decision)),
        ),
        (Tone::Plain, paths::hop_line(h, name)),
    ]);
    if h.eligible {
        d.styled(
            Tone::Dim,
            "  needs a PIM activation first (activation may need approval)",
        );
    }
    if h.evidence.is_empty() {
        d.styled(Tone::Dim, "  evidence: none recorded");
    }
    for e in &h.evidence {
        d.styled(Tone::Id, format!("  evidence: {}", clean(e)));
    }
    if h.decision == Decision::Unknown {
        d.styled(
            Tone::Decision(Decision::Unknown),
            format!(
                "  unknown: the snapshot cannot show whether this hop works: {}",
                clean(&h.explanation)
            ),
        );
    }
}

/// A group's row: how many paths, then the grant in few words (its role and where; the ids are in the
/// explanation), so that a narrow pane cuts the words, not the count.
fn group_words(g: &PathGroup, name: &dyn Fn(&str) -> String) -> String {
    let Some(last) = g.paths.first().and_then(|p| p.hops.last()) else {
        return clean(&g.grant).into_owned();
    };
    let evidence: Vec<String> = last.evidence.iter().map(|e| short_evidence(e)).collect();
    format!(
        "{} path(s) · {} {} {}",
        g.paths.len(),
        clean(&name(&last.from)),
        last.kind.as_str(),
        evidence.join("; ")
    )
}

/// `id (role, at scope)` as `role at short-scope`; other evidence by the last segment of its id.
fn short_evidence(e: &str) -> String {
    let inner = e
        .split_once(" (")
        .and_then(|(_, rest)| rest.strip_suffix(')'));
    match inner {
        Some(inner) => match inner.split_once(", at ") {
            Some((what, at)) => format!(
                "{} at {}",
                clean(what),
                clean(&crate::display::short_scope(at))
            ),
            None => clean(inner).into_owned(),
        },
        None => crate::tui::explain::short_id(e),
    }
}

fn path_words(p: &Path) -> String {
    let activation = if p.needs_activation {
        ", needs PIM activation"
    } else {
        ""
    };
    format!(
        "{} ({}) — {} hop(s), {}{activation}",
        clean(&p.start.display_name),
        p.start.kind,
        p.hops.len(),
        p.decision.as_str()
    )
}

fn reached_words(r: &Reached) -> String {
    format!(
        "{} ({}) — {} hop(s), {}",
        clean(&r.node.display_name),
        r.node.kind,
        r.hops.len(),
        r.decision.as_str()
    )
}

/// A row's line: a decision mark where the row has one, then its words.
fn row_line(p: Picked, theme: Option<&Theme>, name: &dyn Fn(&str) -> String) -> Line<'static> {
    let style = |d: Decision| theme.map_or(Style::default(), |t| t.decision(d));
    let dim = theme.map_or(Style::default(), |t| t.dim);
    let marked = |d: Decision, text: String| {
        Line::from(vec![
            Span::styled(format!("{} ", decision_symbol(d)), style(d)),
            Span::raw(text),
        ])
    };
    match p {
        Picked::Group(g) => {
            let d = g.paths.first().map_or(Decision::Unknown, |p| p.decision);
            marked(d, group_words(g, name))
        }
        Picked::Path(p) => marked(p.decision, path_words(p)),
        Picked::Reached(r) => marked(r.decision, reached_words(r)),
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
        Picked::Access(v) => Line::raw(format!("reaches {}", clean(v))),
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
