//! The directory: management groups, subscriptions and resource groups, principals and group memberships.

use super::*;

/// The directory layout: principals are stored users, groups, service principals, managed identities.
pub(super) struct Directory {
    pub(super) users: usize,
    pub(super) groups: usize,
    pub(super) sps: usize,
    pub(super) mis: usize,
}

impl Directory {
    pub(super) fn new(spec: &SynthSpec) -> Self {
        let groups = spec.groups.min(spec.principals);
        let rest = spec.principals - groups;
        let users = (spec.principals * 9 / 10).min(rest);
        let apps = rest - users;
        let sps = apps * 3 / 5;
        Self {
            users,
            groups,
            sps,
            mis: apps - sps,
        }
    }

    pub(super) fn group(&self, i: usize) -> usize {
        self.users + i
    }

    pub(super) fn app(&self, i: usize) -> usize {
        self.users + self.groups + i
    }

    pub(super) fn apps(&self) -> usize {
        self.sps + self.mis
    }

    /// A principal index of the wanted kind, falling back to any kind that exists.
    pub(super) fn pick(&self, rng: &mut Rng, table: &[(Who, u32)]) -> Option<(usize, Who)> {
        let wanted = *rng.weighted(table)?;
        for who in [wanted, Who::User, Who::App, Who::Group] {
            match who {
                Who::User if self.users > 0 => return Some((rng.below(self.users), who)),
                Who::Group if self.groups > 0 => {
                    return Some((self.group(rng.below(self.groups)), who));
                }
                Who::App if self.apps() > 0 => {
                    return Some((self.app(rng.below(self.apps())), who));
                }
                _ => {}
            }
        }
        None
    }
}

impl Gen<'_> {
    /// Management groups (a tree at most 5 levels deep under the tenant root group), subscriptions below
    /// them, and resource groups.
    pub(super) fn hierarchy(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Tree);
        let mgs = self.spec.management_groups.max(1);
        let subs = self.spec.subscriptions.max(1);
        let mut depth = vec![0usize; mgs];
        let mut groups = Vec::with_capacity(mgs);
        for i in 0..mgs {
            let parent = if i == 0 {
                None
            } else if i <= 4 {
                Some(0)
            } else {
                let mut p = 1 + rng.below(i - 1);
                if depth.get(p).copied().unwrap_or(0) >= 4 {
                    p = 1 + rng.below(4.min(i - 1));
                }
                Some(p)
            };
            if let Some(p) = parent {
                depth[i] = depth.get(p).copied().unwrap_or(0) + 1;
            }
            let display_name = if i == 0 {
                "Tenant Root Group".to_string()
            } else {
                let base = MG_NAMES
                    .get((i - 1) % MG_NAMES.len())
                    .copied()
                    .unwrap_or("Group");
                if i <= MG_NAMES.len() {
                    base.to_string()
                } else {
                    format!("{base} {i:03}")
                }
            };
            groups.push(ManagementGroup {
                scope: scope(&self.mg_id(i)),
                display_name,
                parent: parent.map(|p| scope(&self.mg_id(p))),
                subscription_ids: Vec::new(),
            });
        }
        for s in 0..subs {
            let sub_id = self.subscription_id(s);
            let mg = if mgs > 1 { 1 + rng.below(mgs - 1) } else { 0 };
            if let Some(g) = groups.get_mut(mg) {
                g.subscription_ids.push(sub_id.clone());
            }
            self.snapshot.subscriptions.push(Subscription {
                scope: scope(&format!("/subscriptions/{sub_id}")),
                subscription_id: sub_id,
                display_name: format!("sub-{s:04}"),
                tenant_id: Some(self.tenant.clone()),
                state: Some("Enabled".to_string()),
            });
        }
        self.snapshot.management_groups = groups;
        let rgs = self.spec.resource_groups.max(subs);
        for r in 0..rgs {
            let sub = if r < subs { r } else { rng.below(subs) };
            let location = LOCATIONS[rng.below(LOCATIONS.len())];
            let name = format!("rg-{r:05}");
            self.snapshot.resource_groups.push(ResourceGroup {
                scope: scope(&format!(
                    "/subscriptions/{}/resourceGroups/{name}",
                    self.subscription_id(sub)
                )),
                name,
                location: location.to_string(),
            });
            self.rg_subscription.push(sub);
        }
    }

    pub(super) fn principals(&mut self) {
        let seed = self.spec.seed;
        let d = &self.dir;
        let mut out = Vec::with_capacity(self.spec.principals);
        for i in 0..d.users {
            let name = format!("user-{i:06}");
            out.push(Principal {
                id: guid(seed, Tag::User, i),
                kind: PrincipalKind::User,
                user_principal_name: Some(format!("{name}@{TENANT_DOMAIN}")),
                display_name: name,
                app_id: None,
            });
        }
        for i in 0..d.groups {
            out.push(Principal {
                id: guid(seed, Tag::Group, i),
                kind: PrincipalKind::Group,
                display_name: format!("group-{i:05}"),
                user_principal_name: None,
                app_id: None,
            });
        }
        for i in 0..d.sps {
            out.push(Principal {
                id: guid(seed, Tag::ServicePrincipal, i),
                kind: PrincipalKind::ServicePrincipal,
                display_name: format!("sp-{i:05}"),
                user_principal_name: None,
                app_id: Some(guid(seed, Tag::AppId, i)),
            });
        }
        for i in 0..d.mis {
            out.push(Principal {
                id: guid(seed, Tag::ManagedIdentity, i),
                kind: PrincipalKind::ManagedIdentity,
                display_name: format!("mi-{i:05}"),
                user_principal_name: None,
                app_id: Some(guid(seed, Tag::AppId, d.sps + i)),
            });
        }
        self.snapshot.principals = out.into();
    }

    /// Users in Zipf-sized groups; groups nested into lower-numbered (larger) groups, plus a few cycles;
    /// some applications in groups too.
    pub(super) fn memberships(&mut self) {
        let mut rng = stream(self.spec.seed, Tag::Memberships);
        let groups = self.dir.groups;
        if groups == 0 {
            return;
        }
        let mut edges: Vec<(usize, usize)> = Vec::new(); // (group index, member principal index)
        let mut seen: HashSet<(usize, usize)> = HashSet::new();
        let mut add = |edges: &mut Vec<(usize, usize)>, group: usize, member: usize| {
            let new = seen.insert((group, member));
            if new {
                edges.push((group, member));
            }
            new
        };
        // Nesting: a child joins one or two parents with a lower index, the low indices most often.
        let mut parents: Vec<Vec<usize>> = vec![Vec::new(); groups];
        let mut children: Vec<usize> = (1..groups).collect();
        rng.shuffle(&mut children);
        children.truncate(self.spec.nested_groups.min(groups.saturating_sub(1)));
        children.sort_unstable();
        for &c in &children {
            let n = if rng.chance(20) { 2 } else { 1 };
            for _ in 0..n {
                let p = rng.zipf(c);
                if let Some(list) = parents.get_mut(c)
                    && !list.contains(&p)
                {
                    list.push(p);
                    add(&mut edges, p, self.dir.group(c));
                }
            }
        }
        // Cycles: a small nested group contains the top of its own parent chain, climbing only through
        // small groups (an accidental loop between team groups, not one through "all staff").
        let small = groups / 4;
        let mut made = 0;
        for _ in 0..self.spec.group_cycles.saturating_mul(64) {
            if made == self.spec.group_cycles {
                break;
            }
            let Some(&c) = children.get(rng.below(children.len())) else {
                break;
            };
            let mut top = c;
            for _ in 0..3 {
                match parents.get(top).and_then(|p| p.first()) {
                    Some(&p) if p >= small => top = p,
                    _ => break,
                }
            }
            if top != c && c >= groups / 2 && add(&mut edges, c, self.dir.group(top)) {
                made += 1;
            }
        }
        if self.dir.users > 0 {
            for _ in 0..self.spec.user_memberships {
                let user = rng.below(self.dir.users);
                let group = rng.zipf(groups);
                add(&mut edges, group, user);
            }
        }
        for a in 0..self.dir.apps() {
            if rng.chance(30) {
                let group = rng.zipf(groups);
                add(&mut edges, group, self.dir.app(a));
            }
        }
        self.snapshot.group_memberships = edges
            .into_iter()
            .map(|(g, m)| GroupMembership {
                group_id: self.principal_id(self.dir.group(g)).to_string(),
                member_id: self.principal_id(m).to_string(),
            })
            .collect();
    }
}
