//! The classes at one vault, from its resource group's: what the group level opens, its sizes and lowest
//! members are worked out once per resource group, and each vault changes only the classes of the
//! identities its own holders reach.

use rustc_hash::FxHashMap;

use super::{AtVault, Class, Classes, Ident, Parent};
use crate::model::Vault;

/// The resource group level's classes, for the vaults of the group.
#[derive(Debug, Default)]
pub(super) struct GroupClasses {
    /// The classes that a holder at the group or above opens: (class, size, whether a holder at the group
    /// reaches it).
    opened: Vec<(Class, u32, bool)>,
    /// The lowest identity whose class the group level set, by that class.
    lowest: FxHashMap<Class, Ident>,
}

impl<'a, R, L> Classes<'a, R, L>
where
    R: Fn(Option<usize>) -> bool,
    L: Fn(Option<usize>) -> bool,
{
    /// Whether a holder in `opening` (ascending) reaches the members of class `c`.
    fn opens(&self, c: Class, opening: &[u32]) -> bool {
        self.set_of
            .get(c as usize)
            .is_some_and(|set| set.iter().any(|h| opening.binary_search(h).is_ok()))
    }

    /// Whether a holder at the current resource group reaches the members of class `c`.
    fn in_group(&self, c: Class) -> bool {
        self.opens(c, &self.group.named)
    }

    /// The holders at these levels that open the answer, ascending.
    fn opening(levels: &[&super::Level]) -> Vec<u32> {
        let mut opening: Vec<u32> = levels
            .iter()
            .flat_map(|l| l.opening.iter().copied())
            .collect();
        opening.sort_unstable();
        opening.dedup();
        opening
    }

    fn group_classes(&self) -> GroupClasses {
        let opening = Self::opening(&[&self.subscription, &self.group]);
        let mut lowest: FxHashMap<Class, Ident> = FxHashMap::default();
        for (i, c) in self.group.class_of.iter() {
            let low = lowest.entry(c).or_insert(i);
            *low = (*low).min(i);
        }
        let opened = self
            .group
            .counts
            .iter()
            .filter(|&(&c, _)| self.opens(c, &opening))
            .map(|(&c, &n)| (c, n, self.in_group(c)))
            .collect();
        GroupClasses { opened, lowest }
    }

    /// The lowest identity whose class the group level set to `c` and still in `c` at the current vault.
    fn lowest_in_group(&self, c: Class) -> Option<Ident> {
        let lowest = self.groups.lowest.get(&c).copied()?;
        if self.class_here(lowest) == Some(c) {
            return Some(lowest);
        }
        // In ascending order: the first is the lowest.
        self.group
            .class_of
            .iter()
            .find(|&(i, k)| k == c && self.class_here(i) == Some(c))
            .map(|(i, _)| i)
    }

    /// The classes at `vault` that a holder opening the answer reaches. `None` when the vault is not under
    /// a resource group and subscription.
    pub fn at(&mut self, vault: &'a Vault) -> Option<Vec<AtVault>> {
        let group = vault.scope.structural_parent()?;
        let sub = group.structural_parent()?;
        if self.subscription.key != sub.key() {
            self.enter_subscription(&sub);
        }
        if self.group.key != group.key() {
            let slots = std::mem::take(&mut self.group.class_of);
            self.group = self.below(&group, None, Parent::Subscription, slots);
            self.groups = self.group_classes();
        }
        let slots = std::mem::take(&mut self.vault.class_of);
        self.vault = self.below(&vault.scope, Some(vault), Parent::Group, slots);
        // Each identity the vault's holders reach leaves its group-level class for its class here.
        // Sized once (at most one class before and one after per identity): made at every vault.
        let n = self.vault.class_of.len();
        let mut moved: FxHashMap<Class, i64> =
            FxHashMap::with_capacity_and_hasher(2 * n, Default::default());
        let mut lowest_here: FxHashMap<Class, Ident> =
            FxHashMap::with_capacity_and_hasher(n, Default::default());
        for (i, c) in self.vault.class_of.iter() {
            if let Some(before) = self.class_at(i, Parent::Group) {
                *moved.entry(before).or_default() -= 1;
            }
            *moved.entry(c).or_default() += 1;
            let low = lowest_here.entry(c).or_insert(i);
            *low = (*low).min(i);
        }
        let member = |c: Class| {
            let low = match (lowest_here.get(&c).copied(), self.lowest_in_group(c)) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            low.or_else(|| {
                self.members
                    .get(&c)?
                    .iter()
                    .copied()
                    .find(|&i| self.class_here(i) == Some(c))
            })
        };
        let mut out = Vec::new();
        let mut add = |c: Class, size: i64, touched_here: bool, touched_in_group: bool| {
            if let (Ok(size @ 1..), Some(member)) = (u32::try_from(size), member(c)) {
                out.push(AtVault {
                    class: c,
                    size,
                    member,
                    touched_here,
                    touched_in_group,
                });
            }
        };
        // A class the vault's holders do not reach is opened as at its group: a vault holder in its set
        // would reach all its members.
        for &(c, n, in_group) in &self.groups.opened {
            if !lowest_here.contains_key(&c) {
                let size = i64::from(n) + moved.get(&c).copied().unwrap_or(0);
                add(c, size, false, in_group);
            }
        }
        let opening = Self::opening(&[&self.subscription, &self.group, &self.vault]);
        for &c in lowest_here.keys() {
            if self.opens(c, &opening) {
                let before = self.group.counts.get(&c).copied().unwrap_or(0);
                let size = i64::from(before) + moved.get(&c).copied().unwrap_or(0);
                add(c, size, true, self.in_group(c));
            }
        }
        out.sort_unstable_by(|a, b| b.size.cmp(&a.size).then(a.member.cmp(&b.member)));
        Some(out)
    }
}
