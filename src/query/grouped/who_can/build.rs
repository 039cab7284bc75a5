//! The grouped who-can answer being built: one member per class asked, its verdicts added to the groups of
//! the grants that decide them.

use rustc_hash::FxHashMap;

use super::classes::Ident;
use super::{Decides, Holder, WhoCanGroup, blank, from_grant, order, through_network};
use crate::catalog::Action;
use crate::error::QueryError;
use crate::eval::{
    Decision, Engine, Gathered, GrantKind, NetworkVerdict, Request, Subject, Target, Verdict,
};
use crate::query::escalation::Technique;

/// The grouped answer being built, class by class.
pub(super) struct Build<'b, 'a> {
    pub engine: &'a Engine,
    pub target: &'b Target<'a>,
    pub action: &'b Action,
    pub net: Option<&'b NetworkVerdict>,
    pub groups: Groups<'a>,
    pub denied: Groups<'a>,
    pub eligible: Groups<'a>,
    pub parts: Vec<Vec<Ident>>,
    pub rows: Vec<(u32, Option<String>, Decision, Vec<String>)>,
    /// Parts whose identities are listed (some application's decision is not "denied"), and allowed.
    pub listed: Vec<u32>,
    pub allowed: Vec<u32>,
}

impl Build<'_, '_> {
    /// Asks `subject`, one member of a class, through each of `apps`; its verdicts stand for the class's
    /// `members`. `eligible`: an eligibility reaches them. `gathered`: what the sorting already knows of the
    /// subject's access-policy entries (a busy vault holds hundreds, scanned for every class otherwise).
    pub fn class(
        &mut self,
        subject: &Subject,
        members: Vec<Ident>,
        (apps, eligible): (&[Option<&str>], bool),
        gathered: Gathered,
    ) -> Result<(), QueryError> {
        let part = self.parts.len() as u32;
        let size = members.len();
        self.parts.push(members);
        let (mut listed, mut allowed) = (false, false);
        let mut plain: Option<Verdict> = None;
        for app in apps {
            let request = Request::new(subject, self.target, self.action).via_app(*app);
            let v = self.engine.check_gathered(&request, gathered)?;
            let (decision, unknown_because) = through_network(&v, self.net);
            if decision == Decision::Denied {
                if v.decision == Decision::Denied && !v.grants.is_empty() {
                    for d in v.denies.iter().filter(|d| d.condition.is_none()) {
                        let holder = (!d.everyone).then(|| {
                            d.via_groups
                                .last()
                                .cloned()
                                .unwrap_or_else(|| subject.principal.id.clone())
                        });
                        let g = WhoCanGroup {
                            role_name: Some(d.name.clone()),
                            grant_scope: Some(d.scope.clone()),
                            via_app: v.via_app.clone(),
                            ..blank(Decides::Deny, d.id.clone(), Decision::Denied)
                        };
                        self.denied.add(g, holder.as_deref(), part, size);
                    }
                }
            } else {
                listed = true;
                allowed |= decision == Decision::Allowed;
                let denies: Vec<String> = v.denies.iter().map(|d| d.id.clone()).collect();
                let mut grants = Vec::new();
                if v.grants.is_empty() {
                    let mut g = blank(Decides::Nothing, String::new(), decision);
                    g.unknown_because.clone_from(&unknown_because);
                    g.via_app.clone_from(&v.via_app);
                    g.denies.clone_from(&denies);
                    self.groups.add(g, None, part, size);
                }
                for grant in &v.grants {
                    let decides = match grant.kind {
                        GrantKind::RoleAssignment => Decides::RoleAssignment,
                        GrantKind::AccessPolicy => Decides::AccessPolicy,
                    };
                    let mut g = from_grant(decides, grant, decision);
                    g.via_app.clone_from(&v.via_app);
                    g.unknown_because.clone_from(&unknown_because);
                    g.denies.clone_from(&denies);
                    self.groups.add(g, Some(&grant.principal_id), part, size);
                    grants.push(grant.id.clone());
                }
                self.rows.push((part, v.via_app.clone(), decision, grants));
            }
            if app.is_none() {
                plain = Some(v);
            }
        }
        if listed {
            self.listed.push(part);
        }
        if allowed {
            self.allowed.push(part);
        }
        if eligible && !listed {
            // As the flat answer: the verdict without application or caller location.
            let v = match plain {
                Some(v) => v,
                None => self
                    .engine
                    .check(&Request::new(subject, self.target, self.action))?,
            };
            for grant in &v.eligible {
                let g = from_grant(Decides::Eligibility, grant, v.decision);
                self.eligible.add(g, Some(&grant.principal_id), part, size);
            }
        }
        Ok(())
    }
}

/// Groups being gathered: equal groups (all but the count and members) are one.
pub(super) struct Groups<'e> {
    engine: &'e Engine,
    list: Vec<WhoCanGroup>,
    at: FxHashMap<String, usize>,
    /// Identities behind each holder, counted once per holder.
    behind: FxHashMap<String, usize>,
}

impl<'e> Groups<'e> {
    /// `behind`: the identities inside the groups already counted.
    pub fn new(engine: &'e Engine, behind: &FxHashMap<String, usize>) -> Self {
        Self {
            engine,
            list: Vec::new(),
            at: FxHashMap::default(),
            behind: behind.clone(),
        }
    }

    /// Adds the `size` identities of part `part` to `group`.
    pub fn add(&mut self, group: WhoCanGroup, holder: Option<&str>, part: u32, size: usize) {
        let key = format!(
            "{:?}\u{1}{}\u{1}{:?}\u{1}{:?}\u{1}{:?}\u{1}{:?}\u{1}{:?}\u{1}{:?}\u{1}{:?}",
            group.decides,
            group.grant,
            holder,
            group.decision,
            group.condition,
            group.via_app,
            group.technique.map(Technique::as_str),
            group.denies,
            group.unknown_because
        );
        let i = match self.at.get(&key) {
            Some(&i) => i,
            None => {
                let mut group = group;
                if let Some(h) = holder {
                    let engine = self.engine;
                    let n = *self.behind.entry(h.to_string()).or_insert_with(|| {
                        crate::query::grouped::escalations::identities_behind(engine, h)
                    });
                    group.holder = Some(Holder::new(engine, h, n));
                }
                self.list.push(group);
                self.at.insert(key, self.list.len() - 1);
                self.list.len() - 1
            }
        };
        if let Some(g) = self.list.get_mut(i) {
            g.identities += size;
            if g.parts.last() != Some(&part) {
                g.parts.push(part);
            }
        }
    }

    /// The groups, most identities first, then by holder and grant.
    pub fn done(self) -> Vec<WhoCanGroup> {
        let mut out = self.list;
        out.sort_by_cached_key(order);
        out
    }
}
