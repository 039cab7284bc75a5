//! Moving the explorer onto another engine. A live fetch replaces the snapshot while the user works; the
//! app borrows its engine, so it is moved field by field onto the new one, and what was derived from the
//! old data (tree, directory, tables, background views) is rebuilt with the selection kept by id.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::{App, Load};
use crate::eval::Engine;
use crate::model::Snapshot;
use crate::tui::principals::PrincipalList;
use crate::tui::scopes::ScopeTree;
use crate::tui::theme::{Theme, ThemeKind};

static EMPTY_SNAPSHOT: LazyLock<Snapshot> = LazyLock::new(Snapshot::default);
static EMPTY_ENGINE: LazyLock<Engine<'static>> = LazyLock::new(|| Engine::new(&EMPTY_SNAPSHOT));

/// What the panes derive from an engine's data before the selection is carried over: built on the worker
/// for a live rebuild, so the UI thread only moves it in.
pub struct Derived {
    pub scopes: ScopeTree,
    pub principals: PrincipalList,
    pub policy_vaults: HashMap<String, usize>,
    /// The palette the tree was styled with: the user may switch it while this is being built.
    pub theme: ThemeKind,
}

impl Derived {
    pub fn build(engine: &Engine, theme: &Theme) -> Self {
        Self {
            scopes: ScopeTree::build(engine, theme),
            principals: PrincipalList::build(engine),
            policy_vaults: super::policy_vaults(engine),
            theme: theme.kind,
        }
    }
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Derived")
            .field("scopes", &self.scopes.nodes.len())
            .field("principals", &self.principals.all.len())
            .finish_non_exhaustive()
    }
}

impl App<'_> {
    /// The same state over `engine`. Nothing is recomputed: call [`App::refresh_derived`] when the engine's
    /// data differs from the one the state was derived from.
    pub fn rebase<'b>(self, engine: &'b Engine<'b>) -> App<'b> {
        App {
            engine,
            source: self.source,
            theme: self.theme,
            keymap: self.keymap,
            size: self.size,
            focus: self.focus,
            view: self.view,
            zoom: self.zoom,
            scopes: self.scopes,
            principals: self.principals,
            filtering: self.filtering,
            filter: self.filter,
            perms: self.perms,
            perm_cursor: self.perm_cursor,
            matrix: self.matrix,
            matrix_cursor: self.matrix_cursor,
            matrix_col: self.matrix_col,
            who: self.who,
            who_op: self.who_op,
            who_cursor: self.who_cursor,
            escalations: self.escalations,
            esc_cursor: self.esc_cursor,
            explain: self.explain,
            explain_scroll: self.explain_scroll,
            explain_key: self.explain_key,
            origin: self.origin,
            overlay: self.overlay,
            message: self.message,
            quit: self.quit,
            policy_vaults: self.policy_vaults,
            whatif: self.whatif,
            live: self.live,
            next_ticket: self.next_ticket,
            pending: self.pending,
        }
    }

    /// Parks the state on an empty engine that lives for the whole program, so it can outlive the engine
    /// it was using while the next one is assembled.
    pub fn park(self) -> App<'static> {
        self.rebase(&EMPTY_ENGINE)
    }

    /// Rebuilds everything derived from the engine's data, keeping the selected scope and principal (by
    /// id, when they still exist), the opened tree nodes, the filter and the selected operation. Views
    /// computed in the background are asked for again; answers to the old data are dropped (their tickets
    /// are no longer pending).
    pub fn refresh_derived(&mut self) {
        let derived = Derived::build(self.engine, &self.theme);
        self.refresh_derived_from(derived);
    }

    /// [`App::refresh_derived`] with the derived state built elsewhere over this engine's data.
    pub fn refresh_derived_from(&mut self, derived: Derived) {
        let Derived {
            mut scopes,
            mut principals,
            policy_vaults,
            theme,
        } = derived;
        if theme != self.theme.kind {
            scopes.rebuild_items(&self.theme);
        }
        let old_selected = self.scopes.state.selected().last().cloned();
        for path in self.scopes.state.opened().iter().cloned() {
            if path.iter().all(|k| scopes.by_key.contains_key(k)) {
                scopes.state.open(path);
            }
        }
        let height = self.pane_height(super::Focus::Scopes);
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

        // A different principal id forces the permissions table to be recomputed; the old lines stay so
        // the selected operation is found again.
        self.perms.principal.clear();
        self.matrix = Load::Idle;
        self.who = Load::Idle;
        self.escalations = Load::Idle;
        self.pending.clear();
        self.explain_key.clear();
        self.policy_vaults = policy_vaults;
        self.whatif.data_replaced();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::app::Options;

    #[test]
    fn a_tree_built_in_another_palette_is_restyled_on_adoption() {
        let snapshot = crate::snapshot::demo();
        let engine = Engine::new(&snapshot);
        let mut app = App::new(&engine, Options::plain("demo"));
        assert_eq!(app.theme.kind, ThemeKind::Dark);
        let wanted = format!("{:?}", ScopeTree::build(&engine, &app.theme).items);
        // The user switched to the light palette while the worker built the tree in the dark one.
        let light = Theme::pick(ThemeKind::Light, false);
        app.theme = light;
        app.refresh_derived_from(Derived::build(&engine, &Theme::dark()));
        assert_eq!(
            format!("{:?}", app.scopes.items),
            format!("{:?}", ScopeTree::build(&engine, &light).items)
        );
        assert_ne!(format!("{:?}", app.scopes.items), wanted);
    }
}
