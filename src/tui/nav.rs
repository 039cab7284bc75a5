//! Navigation: the scope tree and the principal list (what every view answers for), and the history of
//! places a jump left. It owns their state, their keys ([`Nav::act`]) and their drawing (`panes`); the
//! app decides which pane has the keys and applies a jump to the views.

mod panes;

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::eval::Engine;
use crate::model::Scope;
use crate::sanitize::clean;
use crate::tui::action::UserAction;
use crate::tui::history::History;
use crate::tui::layout::Focus;
use crate::tui::principals::PrincipalList;
use crate::tui::scopes::ScopeTree;
use crate::tui::theme::Theme;
use crate::tui::worker::JobSpec;

/// Directories at least this large are filtered on the worker thread.
pub const ASYNC_FILTER_FROM: usize = 20_000;

/// How far down the list the first screen looks for someone holding something.
const HOLDER_SEARCH: usize = 2_000;

pub struct Nav {
    pub scopes: ScopeTree,
    pub principals: PrincipalList,
    /// Places left by jumps, for `esc` / `[`.
    pub history: History,
}

/// What Enter on the scope tree did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entered {
    /// A node opened or closed.
    Toggled,
    /// Nothing to open here: the next step is picking a principal.
    Leaf,
}

impl Nav {
    pub fn build(engine: &Engine, theme: &Theme) -> Self {
        let mut nav = Self {
            scopes: ScopeTree::build(engine, theme),
            principals: PrincipalList::build(engine),
            history: History::default(),
        };
        nav.select_first_holder(engine);
        nav
    }

    /// The first screen shows someone who holds something where the tree opens (the first vault): the
    /// first identity in the list that a role assignment at or above the scope, or an access-policy entry
    /// of the vault, names (itself or through its groups); the list's first when none of the first
    /// [`HOLDER_SEARCH`] identities does. A large tenant's list starts with groups (`group-00000`), whose answers say
    /// little.
    fn select_first_holder(&mut self, engine: &Engine) {
        let Some(scope) = self.scopes.selected_scope() else {
            return;
        };
        let s = &*engine.snapshot;
        let mut named: std::collections::HashSet<&str> = engine
            .index
            .ancestry(scope)
            .scopes
            .iter()
            .filter_map(|at| engine.index.assignments_at.get(at.key()))
            .flatten()
            .filter_map(|&i| s.role_assignments.get(i))
            .map(|a| a.principal_id.as_str())
            .collect();
        if let Some(v) = engine.vault_of(scope) {
            named.extend(v.access_policies.iter().map(|e| e.object_id.as_str()));
        }
        let list = &self.principals;
        let holds = |id: &str| {
            named.contains(id)
                || engine
                    .index
                    .principal_set(id)
                    .ids()
                    .any(|g| named.contains(g))
        };
        // Groups come first in the list (`group-…`) and are skipped without counting.
        let first = list
            .shown
            .iter()
            .enumerate()
            .filter(|(_, i)| list.all.get(**i).is_some_and(|p| p.kind.is_identity()))
            .take(HOLDER_SEARCH)
            .find(|(_, i)| list.all.get(**i).is_some_and(|p| holds(&p.id)))
            .map(|(pos, _)| pos);
        if let Some(pos) = first {
            let n = list.shown.len();
            self.principals.cursor.set(pos, n);
        }
    }

    /// The selected scope as the tree names it (a subscription's display name, not its GUID).
    pub fn scope_label(&self) -> String {
        self.scopes
            .selected_node()
            .map(|n| n.label.clone())
            .unwrap_or_default()
    }

    /// Whether [`Nav::act`] takes `action` in the tree or the list.
    pub fn acts_on(action: UserAction) -> bool {
        use UserAction as A;
        matches!(
            action,
            A::Up
                | A::Down
                | A::PageUp
                | A::PageDown
                | A::Top
                | A::Bottom
                | A::Left
                | A::Right
                | A::Select
        )
    }

    /// A bound action in the tree (`pane` is [`Focus::Scopes`]) or the list ([`Focus::Principals`]), whose
    /// pane shows `height` rows: moves, opens or closes within it. Returns the pane to focus when the
    /// action leads out of it (Enter on a leaf of the tree, on a principal; ← → in the list).
    pub fn act(&mut self, pane: Focus, action: UserAction, height: usize) -> Option<Focus> {
        use UserAction as A;
        let page = height as isize;
        let delta = match action {
            A::Up => -1,
            A::Down => 1,
            A::PageUp => -page,
            A::PageDown => page,
            A::Top => isize::MIN / 2,
            A::Bottom => isize::MAX / 2,
            _ => 0,
        };
        match (pane, action) {
            (Focus::Scopes, A::Left) => {
                self.scopes.collapse(height);
                None
            }
            (Focus::Scopes, A::Right) => {
                self.scopes.expand();
                None
            }
            (Focus::Scopes, A::Select) => {
                (self.enter_scope(height) == Entered::Leaf).then_some(Focus::Principals)
            }
            (_, A::Left) => Some(pane.next(-1)),
            (_, A::Right) => Some(pane.next(1)),
            (_, A::Select) => Some(Focus::Main),
            (Focus::Scopes, _) => {
                self.move_scopes(delta, height);
                None
            }
            _ => {
                self.move_principals(delta);
                None
            }
        }
    }

    /// Filters the principal list for `query`: at once on small directories; on large ones, where scoring
    /// every name would hold a keystroke for longer than a frame, the job to run in the background.
    pub fn filter(&mut self, query: &str) -> Option<JobSpec> {
        if self.principals.all.len() < ASYNC_FILTER_FROM || query.trim().is_empty() {
            self.principals.set_query(query);
            return None;
        }
        Some(JobSpec::Filter {
            entries: self.principals.all.clone(),
            query: query.to_string(),
            pool: self.principals.pool_for(query),
            generation: self.principals.generation,
        })
    }

    /// Moves the tree's selection (`height`: the pane's rows).
    pub fn move_scopes(&mut self, delta: isize, height: usize) {
        self.scopes.move_by(delta, height);
    }

    pub fn move_principals(&mut self, delta: isize) {
        let n = self.principals.shown.len();
        self.principals.cursor.move_by(delta, n);
    }

    /// Enter on the tree: whatever has children opens and closes (a vault shows its items), as the help
    /// says; on an item, or a vault with none, the next step is picking a principal.
    pub fn enter_scope(&mut self, height: usize) -> Entered {
        let container = self
            .scopes
            .selected_node()
            .is_some_and(|n| !n.children.is_empty());
        if container {
            self.scopes.toggle(height);
            Entered::Toggled
        } else {
            Entered::Leaf
        }
    }

    /// A click on the tree's `row` (from the top of what is shown): selects it, or opens / closes it when
    /// it is already selected.
    pub fn click_scope(&mut self, row: usize, height: usize) {
        let visible = self.scopes.visible();
        if let Some(path) = visible.get(self.scopes.offset + row).cloned() {
            if self.scopes.state.selected() == path.as_slice() {
                self.scopes.toggle(height);
            } else {
                self.scopes.select_path(path, height);
            }
        }
    }

    pub fn click_principal(&mut self, row: usize) {
        let i = self.principals.cursor.offset + row;
        let n = self.principals.shown.len();
        if i < n {
            self.principals.cursor.set(i, n);
        }
    }

    /// Selects the scope whose key (or id) is `id`; false when the tree has no such node.
    pub fn goto_scope(&mut self, id: &str, height: usize) -> bool {
        let key = id.to_ascii_lowercase();
        match self.scopes.path_to(&key) {
            Some(path) => {
                self.scopes.select_path(path, height);
                true
            }
            None => false,
        }
    }

    /// `goto`: what `--scope` takes (a full id, a vault's name, a vault or item URL, with or without a
    /// version) lands on that scope; anything else is looked for among the tree's names. `Ok` when it
    /// landed, with a note when only somewhere near; `Err` says why not.
    pub fn goto_named(
        &mut self,
        engine: &Engine,
        name: &str,
        height: usize,
    ) -> Result<Option<String>, String> {
        let text = name.trim();
        let literal = text.starts_with('/') || text.contains("://");
        match crate::query::resolve_scope(&engine.snapshot, text) {
            Ok(scope) => return self.goto_resolved(&scope, height),
            Err(e) if literal => return Err(clean(&e.to_string()).into_owned()),
            Err(_) => {}
        }
        let pattern = Pattern::parse(name, CaseMatching::Ignore, Normalization::Smart);
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buf = Vec::new();
        let best = self
            .scopes
            .nodes
            .iter()
            .filter_map(|n| {
                let hay = format!("{} {}", n.label, n.scope.id());
                let exact = n.label.eq_ignore_ascii_case(name);
                pattern
                    .score(Utf32Str::new(&hay, &mut buf), &mut matcher)
                    .map(|s| (exact, s, n.scope.id().to_string()))
            })
            .max_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        match best {
            Some((_, _, id)) => {
                self.goto_scope(&id, height);
                Ok(None)
            }
            None => Err(format!("no scope matches '{}'", clean(name))),
        }
    }

    /// Selects `scope`, or the nearest scope above it the tree shows (saying so): an item or a scope the
    /// snapshot does not hold has no node of its own.
    fn goto_resolved(&mut self, scope: &Scope, height: usize) -> Result<Option<String>, String> {
        let mut at = Some(scope.clone());
        while let Some(s) = at {
            if self.goto_scope(s.key(), height) {
                return Ok((s.key() != scope.key()).then(|| {
                    format!(
                        "{} is not in the snapshot: showing {}",
                        clean(scope.id()),
                        clean(s.id())
                    )
                }));
            }
            at = s.structural_parent();
        }
        Err(format!("{} is not in the snapshot", clean(scope.id())))
    }

    /// `principal`: a name, UPN, appId or object id as the CLI takes it, else the list's best fuzzy match.
    pub fn principal_named(&mut self, engine: &Engine, name: &str) -> Result<(), String> {
        let id = crate::query::resolve_principal(engine, name)
            .ok()
            .or_else(|| {
                let all = &self.principals.all;
                let best =
                    crate::tui::principals::matches(all, name.trim(), (0..all.len()).collect());
                best.first().and_then(|&i| all.get(i)).map(|p| p.id.clone())
            });
        match id {
            Some(id) => {
                self.principals.select_id(&id);
                Ok(())
            }
            None => Err(format!("no principal matches '{}'", clean(name))),
        }
    }

    /// Moves onto a tree and a list rebuilt from new data, keeping the opened nodes, the selected scope and
    /// principal (by id, when they still exist), the filter and the scroll positions.
    pub fn adopt(&mut self, mut scopes: ScopeTree, mut principals: PrincipalList, height: usize) {
        let old_selected = self.scopes.state.selected().last().cloned();
        for path in self.scopes.state.opened().iter().cloned() {
            if path.iter().all(|k| scopes.by_key.contains_key(k)) {
                scopes.state.open(path);
            }
        }
        if let Some(path) = old_selected.and_then(|k| scopes.path_to(&k)) {
            scopes.select_path(path, height);
        }
        scopes.offset = self.scopes.offset;
        self.scopes = scopes;

        let old_principal = self.principals.selected().map(|p| p.id.clone());
        principals.generation = self.principals.generation + 1;
        principals.set_query(&self.principals.query);
        if let Some(id) = old_principal {
            principals.select_id(&id);
        }
        principals.cursor.offset = self.principals.cursor.offset;
        self.principals = principals;
    }

    /// Scrolls both panes so their selections are in view.
    pub fn keep_visible(&mut self, scopes_height: usize, principals_height: usize) {
        self.scopes.keep_visible(scopes_height);
        let n = self.principals.shown.len();
        self.principals.cursor.keep_visible(principals_height, n);
    }
}
