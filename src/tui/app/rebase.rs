//! Moving the explorer onto another engine. A live fetch replaces the snapshot while the user works; what
//! was derived from the old data (tree, directory, tables, background views) is rebuilt with the selection
//! kept by id.

use std::collections::HashMap;
use std::sync::Arc;

use super::{App, Load};
use crate::eval::Engine;
use crate::tui::live::Indexed;
use crate::tui::principals::PrincipalList;
use crate::tui::scopes::ScopeTree;
use crate::tui::theme::{Theme, ThemeKind};

/// Lets go of an engine without making the UI wait: freeing a large tenant's takes about as long as
/// building it, so the last reference is dropped on a short-lived thread of its own.
pub(crate) fn release(engine: Arc<Engine>) {
    if Arc::strong_count(&engine) == 1 {
        // Should no thread start, the closure is dropped here, and the engine with it.
        let _ = std::thread::Builder::new()
            .name("kvaccess-free-data".into())
            .spawn(move || drop(engine));
    }
}

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

impl App {
    /// Moves the explorer onto the engine a live refresh indexed: what was derived from the old data is
    /// replaced by what the worker derived from the new, with the selection kept.
    pub fn switch_to(&mut self, indexed: Indexed) {
        let Indexed {
            engine,
            generation,
            collecting,
            dropped,
            derived,
        } = indexed;
        release(std::mem::replace(&mut self.engine, Arc::new(engine)));
        self.refresh_derived_from(derived);
        self.adopt(generation, collecting, &dropped);
    }

    /// Rebuilds everything derived from the engine's data, keeping the selected scope and principal (by
    /// id, when they still exist), the opened tree nodes, the filter and the selected operation. Views
    /// computed in the background are asked for again; answers to the old data are dropped (their tickets
    /// are no longer pending).
    pub fn refresh_derived(&mut self) {
        let derived = Derived::build(&self.engine, &self.theme);
        self.refresh_derived_from(derived);
    }

    /// [`App::refresh_derived`] with the derived state built elsewhere over this engine's data.
    pub fn refresh_derived_from(&mut self, derived: Derived) {
        let Derived {
            mut scopes,
            principals,
            policy_vaults,
            theme,
        } = derived;
        if theme != self.theme.kind {
            scopes.rebuild_items(&self.theme);
        }
        let height = self.pane_height(super::Focus::Scopes);
        self.nav.adopt(scopes, principals, height);

        // A different principal id forces the permissions table to be recomputed; the old lines stay so
        // the selected operation is found again.
        self.perms.table.principal.clear();
        self.matrix = Default::default();
        self.who.answer = Load::Idle;
        self.escalations = Default::default();
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
        let engine = Arc::new(Engine::new(snapshot));
        let mut app = App::new(engine.clone(), Options::plain("demo"));
        assert_eq!(app.theme.kind, ThemeKind::Dark);
        let wanted = format!("{:?}", ScopeTree::build(&engine, &app.theme).items);
        // The user switched to the light palette while the worker built the tree in the dark one.
        let light = Theme::pick(ThemeKind::Light, false);
        app.theme = light;
        app.refresh_derived_from(Derived::build(&engine, &Theme::dark()));
        assert_eq!(
            format!("{:?}", app.nav.scopes.items),
            format!("{:?}", ScopeTree::build(&engine, &light).items)
        );
        assert_ne!(format!("{:?}", app.nav.scopes.items), wanted);
    }
}
