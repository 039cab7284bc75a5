//! The paths view (key 6): the CLI's `kvaccess paths` in the explorer, drawn as a tree. With a vault or an
//! item selected it asks who can *become* someone who can do the explorer's operation there (`paths --to`:
//! the grant at the last hop, then each path, then its hops); from the principal list, with no vault
//! selected, or with the key pressed again, what the selected principal can become (`paths --from`: each
//! node reached, then its hops and the vault data it holds). The answer is computed in the background; Esc
//! cancels it. Answers can be large (tens of thousands of paths into a busy vault), so the tree is built
//! only for what is open, a page at a time: "… more" rows show the next page.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use tui_tree_widget::TreeState;

use super::Ctx;
use crate::eval::Engine;
use crate::model::Scope;
use crate::paths::{
    self, AccessGroup, EligibleGroup, GrantWays, Hop, HopGraph, ItemGroup, LeverGroup, PathsFrom,
    PathsToGrouped, Reached, Starts, TenantAdmin, VerdictVaults, Way,
};
use crate::sanitize::clean;
use crate::tui::app::Load;
use crate::tui::pane::{self, placeholder, selection};
use crate::tui::view::{Keys, Outcome};
use crate::tui::worker::JobKind;

mod ask;
mod explain;
mod export;
mod grouped;
mod tree;

pub use export::{EXTENSIONS, GraphFormat, render as export};

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
    To(PathsToGrouped),
    From(PathsFrom),
}

/// Which question the view asks of the selection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Direction {
    #[default]
    To,
    From,
}

/// The answer, as `kvaccess paths` computes it (the CLI's default of hops), telling `go_on` how far it is;
/// `None` when `go_on` stopped it.
pub fn compute(
    engine: &Engine,
    q: &Question,
    go_on: &mut dyn FnMut(usize, usize) -> bool,
) -> Option<Result<Answer, String>> {
    let graph = HopGraph::build(engine);
    let hops = paths::DEFAULT_MAX_HOPS;
    match q {
        Question::To { scope, operation } => {
            let action = match crate::catalog::resolve(operation) {
                Ok(a) => a,
                Err(e) => return Some(Err(e.to_string())),
            };
            match paths::paths_to_grouped_with(engine, &graph, scope, &action, hops, go_on) {
                Ok(answer) => answer.map(|a| Ok(Answer::To(a))),
                Err(e) => Some(Err(e.to_string())),
            }
        }
        Question::From { principal } => {
            paths::paths_from_with(engine, &graph, principal, hops, go_on).map(|mut a| {
                a.expand(engine);
                Ok(Answer::From(a))
            })
        }
    }
}

/// A tree node's identifier among its siblings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// A grant's group (or a reached node), a path of a group, or a hop: its position in the answer.
    Entry(usize),
    /// A reached node's access group, its self-grant or vault-flag group (positions among the node's), and
    /// an access group's verdict.
    Access(usize),
    Lever(usize),
    /// A reached node's items held through grants at them, and its PIM eligibilities.
    Items(usize),
    Eligible(usize),
    Verdict(usize),
    /// A class of starts under a node (`--to`): its members' classes, then its leaves'.
    Class(usize),
    /// A start of a class.
    Start(usize),
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
    /// `--to`: a grant group, a node on the way in, a class of starts, one start.
    Grant(&'a GrantWays),
    Way(&'a Way),
    /// A class with the CLI's word for it: `member(s)` of the node, or `start(s)` leading into it.
    Class(&'a Starts, &'static str),
    Start(&'a Starts, &'a str),
    Reached(&'a Reached),
    Hop(&'a Hop),
    /// An access group, with its position in the answer.
    Access(usize, &'a AccessGroup),
    Verdict(&'a VerdictVaults),
    Lever(usize, &'a LeverGroup),
    /// Items held through grants at them, and a PIM eligibility, with their positions in the answer.
    Items(usize, &'a ItemGroup),
    Eligible(usize, &'a EligibleGroup),
    /// A vault of a verdict or a lever group.
    Vault(&'a str),
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

    pub fn on_progress(&mut self, done: usize, total: usize) {
        if self.answer.is_loading() {
            let what = format!("finding {}", self.asking);
            self.answer = Load::Loading(super::progress(&what, done, total, "nodes searched"));
        }
    }

    /// Esc while the answer is computed: stops it. Whether there was one to cancel.
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
                let first_new = *n;
                *n += PAGE;
                // The selection moves to the first row of the new page.
                let kids = match parent {
                    [] => Vec::new(),
                    _ => self.children_of(parent),
                };
                let key = kids
                    .get(first_new)
                    .copied()
                    .unwrap_or(Key::Entry(first_new));
                let mut at = parent.to_vec();
                at.push(key);
                self.state.select(at);
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
            (Answer::To(t), _) => return grouped::pick(t, path),
            (Answer::From(f), [Key::Entry(r)]) => Picked::Reached(f.reached.get(*r)?),
            (Answer::From(f), [Key::Entry(r), Key::Entry(h)]) => {
                Picked::Hop(f.reached.get(*r)?.hops.get(*h)?)
            }
            (Answer::From(f), [Key::Entry(r), Key::Access(i), rest @ ..]) => {
                let g = *f.reached.get(*r)?.access.get(*i)?;
                let group = f.access.get(g)?;
                match rest {
                    [] => Picked::Access(g, group),
                    [Key::Verdict(v)] => Picked::Verdict(group.verdicts.get(*v)?),
                    [Key::Verdict(v), Key::Entry(k)] => {
                        Picked::Vault(group.verdicts.get(*v)?.names.as_ref()?.get(*k)?)
                    }
                    _ => return None,
                }
            }
            (Answer::From(f), [Key::Entry(r), Key::Lever(i), rest @ ..]) => {
                let g = *f.reached.get(*r)?.levers.get(*i)?;
                let lever = f.levers.get(g)?;
                match rest {
                    [] => Picked::Lever(g, lever),
                    [Key::Entry(k)] => Picked::Vault(lever.names.as_ref()?.get(*k)?),
                    _ => return None,
                }
            }
            (Answer::From(f), [Key::Entry(r), Key::Items(i), rest @ ..]) => {
                let g = *f.reached.get(*r)?.items.get(*i)?;
                let items = f.items.get(g)?;
                match rest {
                    [] => Picked::Items(g, items),
                    [Key::Entry(k)] => Picked::Vault(&items.names.as_ref()?.get(*k)?.item),
                    _ => return None,
                }
            }
            (Answer::From(f), [Key::Entry(r), Key::Eligible(i), rest @ ..]) => {
                let g = *f.reached.get(*r)?.eligible.get(*i)?;
                let eligible = f.eligible.get(g)?;
                match rest {
                    [] => Picked::Eligible(g, eligible),
                    [Key::Entry(k)] => Picked::Vault(eligible.names.as_ref()?.get(*k)?),
                    _ => return None,
                }
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
            Picked::Way(w) => w.node.id.clone(),
            Picked::Start(_, id) => id.to_string(),
            Picked::Reached(r) => r.node.id.clone(),
            Picked::Hop(h) => h.from.clone(),
            Picked::Admin(a) => a.principal_id.clone(),
            _ => return None,
        })
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
                    "{} starts in {} grants, at most {} hops",
                    p.starts,
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
        let highlight = selection(t, ctx.focused);
        pane::tree(
            frame,
            area,
            b,
            &items,
            highlight,
            (&self.state, self.offset),
        );
    }
}

/// ← → close and open nodes; Enter opens a node (or shows its next page), and on a hop or a line gives the
/// explanation the keys; Esc stops the computation.
impl Keys for PathsView {
    fn on_left(&mut self) -> Outcome {
        self.collapse();
        Outcome::Done
    }
    fn on_right(&mut self) -> Outcome {
        self.expand();
        Outcome::Done
    }
    fn on_enter(&mut self, _engine: &Engine) -> Outcome {
        if self.enter() {
            Outcome::Explain
        } else {
            Outcome::Done
        }
    }
    fn on_esc(&mut self) -> Outcome {
        Outcome::cancelled(self.cancel(), JobKind::Paths)
    }
    fn selected_id(&self) -> Option<String> {
        PathsView::selected_id(self)
    }
}
