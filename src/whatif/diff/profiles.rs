//! What an identity's class at a vault is made from, kept per identity for a worker's vaults: the ids
//! (itself and its groups) of its subjects before and after, numbered, and their principal kinds. A
//! large change compares the same tens of thousands of identities at each vault of a subscription; sorting
//! them into classes there took every identity's subjects from a map by id, and hashed and compared each
//! identity's key of id strings. With the profile made once per identity, a vault's class key is the
//! profile's numbers that the vault's grants name.

use rustc_hash::FxHashMap;

use crate::eval::Subject;
use crate::model::PrincipalKind;

/// The number of an id in [`Profiles`].
pub(super) type Num = u32;

/// An identity's profile: its subjects' ids (numbered, in the subjects' order) before and after, and
/// its principal kinds.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) struct Profile {
    pub(super) before: Box<[Num]>,
    pub(super) after: Box<[Num]>,
    pub(super) kinds: [PrincipalKind; 2],
}

/// Where an identity stands.
#[derive(Clone, Copy)]
pub(super) enum Of {
    /// Its groups are not known in one snapshot or it is not in the directory: a class of its own.
    Alone,
    /// The position of its profile.
    Profile(u32),
}

/// Profiles by identity, and the ids they name by number, for one worker.
#[derive(Default)]
pub(super) struct Profiles {
    of: FxHashMap<String, Of>,
    distinct: FxHashMap<Profile, u32>,
    list: Vec<Profile>,
    nums: FxHashMap<String, Num>,
}

impl Profiles {
    /// Where `id` stands, if known.
    pub(super) fn get(&self, id: &str) -> Option<Of> {
        self.of.get(id).copied()
    }

    /// Records where `id` stands from its subjects before and after.
    pub(super) fn add(&mut self, id: &str, b: &Subject, a: &Subject) -> Of {
        let of = if b.groups_known && a.groups_known && b.in_directory && a.in_directory {
            let profile = Profile {
                before: b.set.ids().map(|x| self.num(x)).collect(),
                after: a.set.ids().map(|x| self.num(x)).collect(),
                kinds: [b.principal.kind, a.principal.kind],
            };
            let next = self.list.len() as u32;
            let at = *self.distinct.entry(profile.clone()).or_insert(next);
            if at == next {
                self.list.push(profile);
            }
            Of::Profile(at)
        } else {
            Of::Alone
        };
        self.of.insert(id.to_string(), of);
        of
    }

    fn num(&mut self, id: &str) -> Num {
        let next = self.nums.len() as Num;
        match self.nums.get(id) {
            Some(&n) => n,
            None => {
                self.nums.insert(id.to_string(), next);
                next
            }
        }
    }

    /// The number of `id` when a profile names it.
    pub(super) fn num_of(&self, id: &str) -> Option<Num> {
        self.nums.get(id).copied()
    }

    pub(super) fn profile(&self, at: u32) -> Option<&Profile> {
        self.list.get(at as usize)
    }

    /// How many ids the profiles name.
    pub(super) fn ids(&self) -> usize {
        self.nums.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Engine;

    fn profile_at(of: Of) -> Option<u32> {
        match of {
            Of::Profile(p) => Some(p),
            Of::Alone => None,
        }
    }

    #[test]
    fn equal_subjects_share_a_profile_and_any_difference_parts_them() {
        let engine = Engine::new(crate::snapshot::demo());
        let users: Vec<_> = engine
            .snapshot
            .principals
            .iter()
            .filter(|p| p.kind == PrincipalKind::User)
            .map(|p| engine.subject(&p.id))
            .collect();
        let [a, b, ..] = &users[..] else {
            panic!("the demo has users");
        };
        let mut profiles = Profiles::default();
        let first = profile_at(profiles.add("x", a, b)).expect("a known user has a profile");
        assert_eq!(profile_at(profiles.add("y", a, b)), Some(first));
        assert_eq!(
            profile_at(profiles.get("y").expect("recorded")),
            Some(first)
        );
        assert_ne!(
            profile_at(profiles.add("z", b, a)),
            Some(first),
            "before and after swapped"
        );
        let mut as_sp = b.clone();
        as_sp.principal.kind = PrincipalKind::ServicePrincipal;
        assert_ne!(
            profile_at(profiles.add("w", a, &as_sp)),
            Some(first),
            "another kind after"
        );
        for id in a.set.ids().chain(b.set.ids()) {
            assert!(profiles.num_of(id).is_some(), "{id} is numbered");
        }
        let profile = profiles.profile(first).expect("listed");
        let names = |nums: &[Num]| -> Vec<String> {
            let by_num: FxHashMap<Num, &String> =
                profiles.nums.iter().map(|(k, &v)| (v, k)).collect();
            nums.iter().map(|n| by_num[n].clone()).collect()
        };
        assert_eq!(
            names(&profile.before),
            a.set.ids().map(str::to_string).collect::<Vec<_>>()
        );
        assert_eq!(
            names(&profile.after),
            b.set.ids().map(str::to_string).collect::<Vec<_>>()
        );
    }

    #[test]
    fn an_identity_with_unknown_groups_or_outside_the_directory_stands_alone() {
        let engine = Engine::new(crate::snapshot::demo());
        let known = engine.subject(&engine.snapshot.principals[0].id);
        let mut unknown_groups = known.clone();
        unknown_groups.groups_known = false;
        let missing = engine.subject("00000000-0000-0000-0000-00000000dead");
        let mut profiles = Profiles::default();
        assert!(matches!(
            profiles.add("a", &known, &unknown_groups),
            Of::Alone
        ));
        assert!(matches!(
            profiles.add("b", &unknown_groups, &known),
            Of::Alone
        ));
        assert!(matches!(profiles.add("c", &missing, &missing), Of::Alone));
        assert!(matches!(profiles.add("d", &known, &known), Of::Profile(_)));
    }
}
