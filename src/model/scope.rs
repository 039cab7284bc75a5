//! ARM scopes: parsed once, compared case-insensitively.
//!
//! A scope's *structural* parent (item → vault → resource group → subscription) is read off the id itself.
//! A subscription's parent is a management group, and a management group's parent another one: those links
//! live in the snapshot, so `eval::index` resolves them.

use std::fmt;
use std::sync::Arc;

use thiserror::Error;

/// Which level of the Azure hierarchy a scope sits at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScopeKind {
    Root,
    ManagementGroup,
    Subscription,
    ResourceGroup,
    /// Any ARM resource other than a key vault (a storage account, a virtual network…).
    Resource,
    Vault,
    VaultItem(ItemKind),
}

/// The kinds of vault object that can be a role-assignment scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemKind {
    Keys,
    Secrets,
    Certificates,
}

impl ItemKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "keys" | "key" => Some(Self::Keys),
            "secrets" | "secret" => Some(Self::Secrets),
            "certificates" | "certificate" => Some(Self::Certificates),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keys => "keys",
            Self::Secrets => "secrets",
            Self::Certificates => "certificates",
        }
    }
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("not an Azure scope: {0}")]
pub struct ScopeError(pub String);

/// A parsed ARM scope. `id` keeps the caller's spelling (after normalising aliases), `key` is the
/// lower-cased form every comparison uses. Both are shared: a large tenant has hundreds of thousands of
/// assignments on a few thousand scopes, and a clone costs no copy.
#[derive(Debug, Clone)]
pub struct Scope {
    id: Arc<str>,
    /// The same allocation as `id` when the id is already lower case.
    key: Arc<str>,
    kind: ScopeKind,
}

impl PartialEq for Scope {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Scope {}

impl std::hash::Hash for Scope {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

const MG_PREFIX: &str = "/providers/microsoft.management/managementgroups/";
const SUB_ALIAS_PREFIX: &str = "/providers/microsoft.subscription/subscriptions/";

impl Scope {
    pub fn root() -> Self {
        let id: Arc<str> = Arc::from("/");
        Self {
            key: id.clone(),
            id,
            kind: ScopeKind::Root,
        }
    }

    /// A scope from its id and the id's lower-cased form, sharing one allocation when they are equal.
    fn from_parts(id: &str, key: String, kind: ScopeKind) -> Self {
        let id: Arc<str> = Arc::from(id);
        let key = if *key == *id {
            id.clone()
        } else {
            Arc::from(key)
        };
        Self { id, key, kind }
    }

    /// Parses any ARM scope string. Accepts the `/providers/Microsoft.Subscription/subscriptions/…` alias that
    /// PIM responses use, a trailing slash, and any letter case.
    pub fn parse(input: &str) -> Result<Self, ScopeError> {
        let trimmed = input.trim();
        let id = trimmed.trim_end_matches('/');
        if id.is_empty() {
            return if trimmed == "/" {
                Ok(Self::root())
            } else {
                Err(ScopeError(input.into()))
            };
        }
        if !id.starts_with('/') {
            return Err(ScopeError(input.into()));
        }
        let mut key = id.to_ascii_lowercase();
        let alias;
        let id = if key.starts_with(SUB_ALIAS_PREFIX) {
            alias = format!("/subscriptions/{}", &id[SUB_ALIAS_PREFIX.len()..]);
            key = alias.to_ascii_lowercase();
            alias.as_str()
        } else {
            id
        };
        let kind = classify(&key).ok_or_else(|| ScopeError(input.into()))?;
        Ok(Self::from_parts(id, key, kind))
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn kind(&self) -> ScopeKind {
        self.kind
    }

    /// The last path segment: the name of the vault, item, group or subscription id.
    pub fn name(&self) -> &str {
        self.id.rsplit('/').next().unwrap_or("")
    }

    /// The subscription id (lower case) for subscriptions and everything below them.
    pub fn subscription(&self) -> Option<&str> {
        self.key
            .strip_prefix("/subscriptions/")
            .map(|rest| rest.split('/').next().unwrap_or(rest))
    }

    /// The vault this scope is, or is inside of.
    pub fn vault(&self) -> Option<Scope> {
        match self.kind {
            ScopeKind::Vault => Some(self.clone()),
            ScopeKind::VaultItem(_) => self.structural_parent(),
            _ => None,
        }
    }

    /// The parent read off the id. `None` for the root, management groups and subscriptions, whose parents
    /// depend on the management-group hierarchy held in the snapshot.
    pub fn structural_parent(&self) -> Option<Scope> {
        self.parent_cut().map(|cut| self.cut_at(cut))
    }

    /// The key of [`Scope::structural_parent`], read off this scope's own: a caller that keeps scopes by key
    /// looks the parent up without parsing it.
    pub fn structural_parent_key(&self) -> Option<&str> {
        self.parent_cut().map(|cut| &self.key[..cut])
    }

    /// Where the structural parent's id ends in this one's.
    fn parent_cut(&self) -> Option<usize> {
        let segments = match self.kind {
            ScopeKind::Root | ScopeKind::ManagementGroup | ScopeKind::Subscription => return None,
            ScopeKind::ResourceGroup | ScopeKind::VaultItem(_) => 2,
            ScopeKind::Vault => 4,
            ScopeKind::Resource => self.resource_parent_segments(),
        };
        let mut cut = self.key.len();
        for _ in 0..segments {
            cut = last_slash(&self.key[..cut]).unwrap_or(0);
        }
        Some(cut)
    }

    /// Whether `self` is `other` or one of its structural ancestors (path-segment prefix, case-insensitive).
    /// Management-group ancestry is not visible in ids; see `eval::index`.
    pub fn contains_structurally(&self, other: &Scope) -> bool {
        other.key == self.key
            || (other.key.len() > self.key.len()
                && other.key.starts_with(&*self.key)
                && other.key.as_bytes().get(self.key.len()) == Some(&b'/'))
    }

    /// The scope whose id is this one's first `cut` bytes.
    fn cut_at(&self, cut: usize) -> Scope {
        let key = self.key[..cut].to_string();
        let kind = classify(&key).unwrap_or(ScopeKind::Root);
        Scope::from_parts(&self.id[..cut], key, kind)
    }

    /// `/subscriptions/s/resourceGroups/rg/providers/NS/type/name[/subtype/name…]`: how many segments to
    /// drop to lose one type/name pair (two, when more than two pairs follow the last `providers`), or to
    /// fall back to the resource group or subscription (all from that `providers` on). Read from the end, a
    /// few segments at most.
    fn resource_parent_segments(&self) -> usize {
        let key: &str = &self.key;
        let mut end = key.len();
        for from_end in 0.. {
            let start = last_slash(&key[..end]).map_or(0, |i| i + 1);
            // Without a `providers` segment, the first one (empty, before the leading slash) stands for it.
            if start == 0 || &key[start..end] == "providers" {
                return if from_end > 3 { 2 } else { from_end + 1 };
            }
            if from_end >= 3 {
                return 2;
            }
            end = start - 1;
        }
        2
    }
}

/// Where the last `/` of `s` is. Segments are short: a plain loop over the bytes beats a searcher's setup
/// (asked for every scope a walk builds a target for).
fn last_slash(s: &str) -> Option<usize> {
    s.bytes().rposition(|b| b == b'/')
}

fn classify(key: &str) -> Option<ScopeKind> {
    if key == "/" {
        return Some(ScopeKind::Root);
    }
    if let Some(name) = key.strip_prefix(MG_PREFIX) {
        return (!name.is_empty() && !name.contains('/')).then_some(ScopeKind::ManagementGroup);
    }
    let rest = key.strip_prefix("/subscriptions/")?;
    let segs: Vec<&str> = rest.split('/').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return None;
    }
    match segs.as_slice() {
        [_] => Some(ScopeKind::Subscription),
        [_, "resourcegroups", _] => Some(ScopeKind::ResourceGroup),
        [
            _,
            "resourcegroups",
            _,
            "providers",
            "microsoft.keyvault",
            "vaults",
            _,
        ] => Some(ScopeKind::Vault),
        [
            _,
            "resourcegroups",
            _,
            "providers",
            "microsoft.keyvault",
            "vaults",
            _,
            kind,
            _,
        ] => Some(ItemKind::parse(kind).map_or(ScopeKind::Resource, ScopeKind::VaultItem)),
        [_, "resourcegroups", _, "providers", _, _, rest @ ..] if rest.len() % 2 == 1 => {
            Some(ScopeKind::Resource)
        }
        [_, "providers", _, _, rest @ ..] if rest.len() % 2 == 1 => Some(ScopeKind::Resource),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> Option<ScopeKind> {
        Scope::parse(s).ok().map(|s| s.kind())
    }

    #[test]
    fn classifies_every_level() {
        assert_eq!(kind("/"), Some(ScopeKind::Root));
        assert_eq!(
            kind("/providers/Microsoft.Management/managementGroups/contoso"),
            Some(ScopeKind::ManagementGroup)
        );
        assert_eq!(kind("/subscriptions/abc"), Some(ScopeKind::Subscription));
        assert_eq!(kind("/subscriptions/abc/"), Some(ScopeKind::Subscription));
        assert_eq!(
            kind("/subscriptions/abc/resourcegroups/RG"),
            Some(ScopeKind::ResourceGroup)
        );
        assert_eq!(
            kind("/subscriptions/abc/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"),
            Some(ScopeKind::Vault)
        );
        assert_eq!(
            kind(
                "/subscriptions/abc/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/secrets/s1"
            ),
            Some(ScopeKind::VaultItem(ItemKind::Secrets))
        );
        assert_eq!(
            kind(
                "/subscriptions/abc/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"
            ),
            Some(ScopeKind::Resource)
        );
        assert_eq!(
            kind(
                "/subscriptions/abc/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
            ),
            Some(ScopeKind::Resource)
        );
        assert_eq!(
            kind("/subscriptions/abc/providers/Microsoft.Authorization/roleDefinitions/x"),
            Some(ScopeKind::Resource)
        );
        assert_eq!(kind("subscriptions/abc"), None);
        assert_eq!(kind("/subscriptions//resourceGroups/x"), None);
        assert_eq!(kind("/foo"), None);
        assert_eq!(kind(""), None);
        assert_eq!(kind("/subscriptions/abc/resourceGroups"), None);
    }

    #[test]
    fn pim_subscription_alias_is_normalised() {
        let s = Scope::parse("/providers/Microsoft.Subscription/subscriptions/DFA2").unwrap();
        assert_eq!(s.kind(), ScopeKind::Subscription);
        assert_eq!(s.key(), "/subscriptions/dfa2");
    }

    #[test]
    fn parents_walk_up_to_the_subscription() {
        let item = Scope::parse(
            "/subscriptions/S/resourceGroups/RG/providers/Microsoft.KeyVault/vaults/KV/keys/k",
        )
        .unwrap();
        let vault = item.structural_parent().unwrap();
        assert_eq!(vault.kind(), ScopeKind::Vault);
        assert_eq!(vault.name(), "KV");
        let rg = vault.structural_parent().unwrap();
        assert_eq!(rg.key(), "/subscriptions/s/resourcegroups/rg");
        let sub = rg.structural_parent().unwrap();
        assert_eq!(sub.kind(), ScopeKind::Subscription);
        assert!(sub.structural_parent().is_none());
        let subnet =
            Scope::parse("/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v/subnets/s").unwrap();
        assert_eq!(subnet.structural_parent().unwrap().name(), "v");
        assert_eq!(
            subnet
                .structural_parent()
                .unwrap()
                .structural_parent()
                .unwrap()
                .key(),
            "/subscriptions/s/resourcegroups/rg"
        );
    }

    /// The parent of a resource as the id's segments give it, written out naively: split the key, find the
    /// last `providers` segment, drop one type/name pair (or fall back to the resource group).
    fn naive_resource_parent(key: &str) -> String {
        let segs: Vec<&str> = key.split('/').collect();
        let providers = segs.iter().rposition(|s| *s == "providers").unwrap_or(0);
        let drop = if segs.len().saturating_sub(providers + 2) > 2 {
            2
        } else {
            segs.len() - providers
        };
        segs[..segs.len() - drop].join("/")
    }

    proptest::proptest! {
        /// A resource's parent, and the key read off its id without parsing it, are those of the naive split,
        /// whatever the segments (`providers` more than once, or only as part of a segment).
        #[test]
        fn a_resources_parent_is_the_naive_splits(
            segs in proptest::collection::vec(
                proptest::sample::select(vec!["providers", "Providers", "providersx", "xproviders", "NS.A", "t", "n"]),
                2..9,
            ),
        ) {
            let id = format!("/subscriptions/S/resourceGroups/RG/providers/{}", segs.join("/"));
            let parsed = Scope::parse(&id);
            proptest::prop_assume!(parsed.as_ref().is_ok_and(|s| s.kind() == ScopeKind::Resource));
            let scope = parsed.unwrap();
            let want = naive_resource_parent(scope.key());
            let parent = scope.structural_parent().unwrap();
            proptest::prop_assert_eq!(parent.key(), want.as_str());
            proptest::prop_assert_eq!(scope.structural_parent_key(), Some(want.as_str()));
            proptest::prop_assert_eq!(parent.id().len(), want.len());
        }
    }

    #[test]
    fn containment_is_by_whole_segments_and_case_insensitive() {
        let rg = Scope::parse("/subscriptions/s/resourceGroups/rg").unwrap();
        let rg2 = Scope::parse("/subscriptions/s/resourceGroups/rg2").unwrap();
        let vault = Scope::parse(
            "/SUBSCRIPTIONS/S/resourcegroups/RG/providers/Microsoft.KeyVault/vaults/kv",
        )
        .unwrap();
        assert!(rg.contains_structurally(&vault));
        assert!(!rg2.contains_structurally(&vault));
        assert!(!rg.contains_structurally(&rg2));
        assert!(rg.contains_structurally(&rg));
        assert_eq!(vault.subscription(), Some("s"));
        assert_eq!(vault.vault().unwrap(), vault);
    }
}
