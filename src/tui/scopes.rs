//! The scope tree: management groups → subscriptions → resource groups → vaults → items, built once from
//! the snapshot, with the badges a vault earns. Expansion and selection live in a `TreeState` that only
//! `update` touches; drawing rebuilds a throw-away copy from it.

use std::collections::{HashMap, HashSet};

use ratatui::text::{Line, Span};
use tui_tree_widget::{TreeItem, TreeState};

use crate::eval::Engine;
use crate::model::{PublicNetworkAccess, Scope, ScopeKind, Vault};
use crate::sanitize::clean;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Badge {
    Rbac,
    AccessPolicies,
    Firewall,
    PrivateOnly,
    PurgeProtection,
    Errors,
}

impl Badge {
    pub fn label(self) -> &'static str {
        match self {
            Self::Rbac => "RBAC",
            Self::AccessPolicies => "AP",
            Self::Firewall => "FW",
            Self::PrivateOnly => "PRIV",
            Self::PurgeProtection => "PP",
            Self::Errors => "⚠",
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            Self::Rbac => {
                "data plane decided by Azure RBAC role assignments (enableRbacAuthorization on)"
            }
            Self::AccessPolicies => {
                "data plane decided by the vault's access policies (enableRbacAuthorization off)"
            }
            Self::Firewall => {
                "firewall on: default action Deny, only listed IP ranges / subnets get in"
            }
            Self::PrivateOnly => {
                "public network access disabled: only private endpoints reach the data plane"
            }
            Self::PurgeProtection => {
                "purge protection: deleted objects cannot be purged until retention ends"
            }
            Self::Errors => "part of the collection failed here: some answers are unknown",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ScopeNode {
    pub scope: Scope,
    pub label: String,
    pub badges: Vec<Badge>,
    pub children: Vec<usize>,
}

#[derive(Debug)]
pub struct ScopeTree {
    pub nodes: Vec<ScopeNode>,
    pub roots: Vec<usize>,
    pub by_key: HashMap<String, usize>,
    pub items: Vec<TreeItem<'static, String>>,
    pub state: TreeState<String>,
    pub offset: usize,
}

pub fn vault_badges(v: &Vault, errors: bool) -> Vec<Badge> {
    let mut b = vec![if v.rbac_authorization {
        Badge::Rbac
    } else {
        Badge::AccessPolicies
    }];
    if v.network.public_network_access == PublicNetworkAccess::Disabled {
        b.push(Badge::PrivateOnly);
    } else if v.network.acls.as_ref().is_some_and(|a| a.default_deny) {
        b.push(Badge::Firewall);
    }
    if v.purge_protection {
        b.push(Badge::PurgeProtection);
    }
    if errors {
        b.push(Badge::Errors);
    }
    b
}

struct Builder<'a> {
    engine: &'a Engine,
    nodes: Vec<ScopeNode>,
    by_key: HashMap<String, usize>,
    parent: HashMap<usize, usize>,
}

impl Builder<'_> {
    fn node(&mut self, scope: &Scope, label: impl Into<String>) -> usize {
        if let Some(&i) = self.by_key.get(scope.key()) {
            return i;
        }
        let i = self.nodes.len();
        self.nodes.push(ScopeNode {
            scope: scope.clone(),
            label: clean(&label.into()).into_owned(),
            badges: Vec::new(),
            children: Vec::new(),
        });
        self.by_key.insert(scope.key().to_string(), i);
        i
    }

    fn link(&mut self, parent: usize, child: usize) {
        if self.parent.insert(child, parent).is_none()
            && let Some(p) = self.nodes.get_mut(parent)
        {
            p.children.push(child);
        }
    }

    /// Whether something could not be read at `scope` (sections a live fetch is still reading do not count:
    /// the header says that).
    fn errors_at(&self, scope: &Scope) -> bool {
        let errors = &self.engine.snapshot.collection_errors;
        self.engine
            .index
            .errors_at
            .get(scope.key())
            .is_some_and(|at| {
                at.iter()
                    .any(|&i| errors.get(i).is_some_and(|e| !e.is_pending()))
            })
    }

    /// The node of a structural ancestor, created from the id when the snapshot does not list it.
    fn ensure(&mut self, scope: &Scope) -> usize {
        if let Some(&i) = self.by_key.get(scope.key()) {
            return i;
        }
        let i = self.node(scope, scope.name());
        if let Some(parent) = scope.structural_parent() {
            let p = self.ensure(&parent);
            self.link(p, i);
        }
        i
    }
}

impl ScopeTree {
    pub fn build(engine: &Engine, theme: &Theme) -> Self {
        let s = &*engine.snapshot;
        let mut b = Builder {
            engine,
            nodes: Vec::new(),
            by_key: HashMap::new(),
            parent: HashMap::new(),
        };
        for g in &s.management_groups {
            b.node(&g.scope, &g.display_name);
        }
        for g in &s.management_groups {
            let i = b.node(&g.scope, &g.display_name);
            if let Some(parent) = &g.parent {
                let p = b.node(parent, parent.name());
                b.link(p, i);
            }
        }
        for sub in &s.subscriptions {
            let i = b.node(&sub.scope, &sub.display_name);
            if let Some(g) = s.management_groups.iter().find(|g| {
                g.subscription_ids
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(&sub.subscription_id))
            }) {
                let p = b.node(&g.scope, &g.display_name);
                b.link(p, i);
            }
        }
        for rg in &s.resource_groups {
            let i = b.node(&rg.scope, &rg.name);
            if let Some(parent) = rg.scope.structural_parent() {
                let p = b.ensure(&parent);
                b.link(p, i);
            }
        }
        let mut sorted_vaults: Vec<&Vault> = s.vaults.iter().collect();
        sorted_vaults.sort_by(|a, b| a.scope.key().cmp(b.scope.key()));
        for v in sorted_vaults {
            let errors = engine
                .index
                .ancestry(&v.scope)
                .scopes
                .iter()
                .any(|x| b.errors_at(x));
            let i = b.node(&v.scope, &v.name);
            if let Some(n) = b.nodes.get_mut(i) {
                n.badges = vault_badges(v, errors);
            }
            if let Some(parent) = v.scope.structural_parent() {
                let p = b.ensure(&parent);
                b.link(p, i);
            }
            for &k in engine
                .index
                .items_of
                .get(v.scope.key())
                .into_iter()
                .flatten()
            {
                if let Some(item) = s.vault_items.get(k) {
                    let c = b.node(&item.scope, &item.name);
                    b.link(i, c);
                }
            }
        }
        for i in 0..b.nodes.len() {
            let scope = b.nodes[i].scope.clone();
            if scope.kind() != ScopeKind::Vault && b.errors_at(&scope) {
                b.nodes[i].badges.push(Badge::Errors);
            }
        }
        let mut roots: Vec<usize> = (0..b.nodes.len())
            .filter(|i| !b.parent.contains_key(i))
            .collect();
        roots.sort_by_key(|&i| (b.nodes[i].scope.kind(), b.nodes[i].label.to_lowercase()));
        let mut tree = Self {
            nodes: b.nodes,
            roots,
            by_key: b.by_key,
            items: Vec::new(),
            state: TreeState::default(),
            offset: 0,
        };
        tree.sort_children();
        tree.rebuild_items(theme);
        tree.open_initial();
        tree
    }

    fn sort_children(&mut self) {
        let keys: Vec<(ScopeKind, String)> = self
            .nodes
            .iter()
            .map(|n| (n.scope.kind(), n.label.to_lowercase()))
            .collect();
        for n in &mut self.nodes {
            n.children.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
        }
    }

    /// Tree items carry styled text, so a theme change rebuilds them.
    pub fn rebuild_items(&mut self, theme: &Theme) {
        self.items = self
            .roots
            .iter()
            .filter_map(|&i| self.item(i, theme))
            .collect();
    }

    fn item(&self, i: usize, theme: &Theme) -> Option<TreeItem<'static, String>> {
        let n = self.nodes.get(i)?;
        let children: Vec<_> = n
            .children
            .iter()
            .filter_map(|&c| self.item(c, theme))
            .collect();
        TreeItem::new(n.scope.key().to_string(), node_line(n, theme), children).ok()
    }

    /// Every management group, subscription and resource group open on small tenants; on large ones only
    /// the path to the first vault. The first vault is selected.
    fn open_initial(&mut self) {
        let small = self.nodes.len() <= 400;
        let mut first_vault: Option<Vec<String>> = None;
        let mut fallback = false;
        let mut stack: Vec<(usize, Vec<String>)> = self
            .roots
            .iter()
            .rev()
            .map(|&i| (i, vec![self.nodes[i].scope.key().to_string()]))
            .collect();
        while let Some((i, path)) = stack.pop() {
            let n = &self.nodes[i];
            if n.scope.kind() == ScopeKind::Vault {
                // start on a vault whose data was fully collected: a clearer first screen
                if first_vault.is_none() || (fallback && !n.badges.contains(&Badge::Errors)) {
                    fallback = n.badges.contains(&Badge::Errors);
                    first_vault = Some(path.clone());
                }
                continue;
            }
            if small && !n.children.is_empty() {
                self.state.open(path.clone());
            }
            for &c in n.children.iter().rev() {
                let mut p = path.clone();
                p.push(self.nodes[c].scope.key().to_string());
                stack.push((c, p));
            }
        }
        match first_vault {
            Some(path) => {
                for k in 1..path.len() {
                    self.state.open(path[..k].to_vec());
                }
                self.state.select(path);
            }
            None => {
                if let Some(&r) = self.roots.first() {
                    self.state
                        .select(vec![self.nodes[r].scope.key().to_string()]);
                }
            }
        }
    }

    /// The identifiers of the rows a render shows, in order.
    pub fn visible(&self) -> Vec<Vec<String>> {
        self.state
            .flatten(&self.items)
            .into_iter()
            .map(|f| f.identifier)
            .collect()
    }

    pub fn selected_index(&self, visible: &[Vec<String>]) -> Option<usize> {
        visible
            .iter()
            .position(|p| p.as_slice() == self.state.selected())
    }

    pub fn selected_node(&self) -> Option<&ScopeNode> {
        self.state
            .selected()
            .last()
            .and_then(|k| self.by_key.get(k))
            .and_then(|&i| self.nodes.get(i))
    }

    pub fn selected_scope(&self) -> Option<&Scope> {
        self.selected_node().map(|n| &n.scope)
    }

    /// Moves the selection by `delta` visible rows and keeps it inside a window of `height` rows.
    pub fn move_by(&mut self, delta: isize, height: usize) -> bool {
        let visible = self.visible();
        let current = self.selected_index(&visible).unwrap_or(0);
        let last = visible.len().saturating_sub(1);
        let next = current.saturating_add_signed(delta).min(last);
        let changed = match visible.get(next) {
            Some(p) => self.state.select(p.clone()),
            None => false,
        };
        self.keep_visible(height);
        changed
    }

    pub fn select_path(&mut self, path: Vec<String>, height: usize) -> bool {
        for k in 1..path.len() {
            self.state.open(path[..k].to_vec());
        }
        let changed = self.state.select(path);
        self.keep_visible(height);
        changed
    }

    /// The path (root first) to a scope's node, if the tree has it.
    pub fn path_to(&self, key: &str) -> Option<Vec<String>> {
        let target = *self.by_key.get(key)?;
        let mut parents: HashMap<usize, usize> = HashMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            for &c in &n.children {
                parents.insert(c, i);
            }
        }
        let mut path = vec![target];
        let mut seen = HashSet::new();
        while let Some(&p) = path.last().and_then(|c| parents.get(c)) {
            if !seen.insert(p) {
                break;
            }
            path.push(p);
        }
        Some(
            path.into_iter()
                .rev()
                .map(|i| self.nodes[i].scope.key().to_string())
                .collect(),
        )
    }

    pub fn keep_visible(&mut self, height: usize) {
        let visible = self.visible();
        let mut c = crate::tui::cursor::Cursor {
            selected: self.selected_index(&visible).unwrap_or(0),
            offset: self.offset,
        };
        c.keep_visible(height, visible.len());
        self.offset = c.offset;
    }

    pub fn expand(&mut self) -> bool {
        let sel = self.state.selected().to_vec();
        !sel.is_empty() && self.state.open(sel)
    }

    /// Closes the selected node, or selects its parent when it is closed already.
    pub fn collapse(&mut self, height: usize) -> bool {
        let sel = self.state.selected().to_vec();
        let changed = if self.state.close(&sel) {
            true
        } else if sel.len() > 1 {
            self.state.select(sel[..sel.len() - 1].to_vec())
        } else {
            false
        };
        self.keep_visible(height);
        changed
    }

    pub fn toggle(&mut self, height: usize) -> bool {
        let changed = self.state.toggle_selected();
        self.keep_visible(height);
        changed
    }

    /// Counts of node kinds, for the pane title.
    pub fn vault_count(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| n.scope.kind() == ScopeKind::Vault)
            .count()
    }
}

fn kind_tag(kind: ScopeKind) -> &'static str {
    match kind {
        ScopeKind::Root => "/",
        ScopeKind::ManagementGroup => "MG",
        ScopeKind::Subscription => "SUB",
        ScopeKind::ResourceGroup => "RG",
        ScopeKind::Vault => "KV",
        ScopeKind::Resource => "RES",
        ScopeKind::VaultItem(crate::model::ItemKind::Keys) => "key",
        ScopeKind::VaultItem(crate::model::ItemKind::Secrets) => "secret",
        ScopeKind::VaultItem(crate::model::ItemKind::Certificates) => "cert",
    }
}

fn node_line(n: &ScopeNode, theme: &Theme) -> Line<'static> {
    let mut spans = vec![
        Span::styled(format!("{} ", kind_tag(n.scope.kind())), theme.dim),
        Span::styled(n.label.clone(), theme.base),
    ];
    for b in &n.badges {
        let style = if *b == Badge::Errors {
            theme.warning
        } else {
            theme.badge
        };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(b.label(), style));
    }
    Line::from(spans)
}
