//! The escalations view (key 4): who cannot use a vault's data now but can grant it to themselves, at every
//! vault under the selected scope — a vault's own at a vault (an item's vault at an item), a subscription's
//! at a subscription — grouped by the grant that opens the path, as `kvaccess escalations` groups them
//! ([`crate::query::grouped::escalations`]): a row is a holder, its lever grant and scope, the technique, how
//! many identities at each vault and which vaults. The answer is computed on a thread of its own, with its
//! progress on screen; Esc cancels it, and a new scope's answer replaces (and frees) the old one. Enter on a
//! group lists its identities (in the background, then a page at a time); Enter on an identity jumps to its
//! permissions at the first of the group's vaults it has the path at.

use super::pages::{Pages, Row};
use super::{Ask, Selection, Table};
use crate::eval::Engine;
use crate::model::Scope;
use crate::query::Finding;
use crate::query::grouped::escalations::{EscalationGroup, EscalationGroups, GroupMember};
use crate::sanitize::clean;
use crate::tui::app::Load;
use crate::tui::cursor::Cursor;
use crate::tui::explain::{self, Doc};
use crate::tui::jump::{Jump, Land};
use crate::tui::view::{Keys, Outcome};
use crate::tui::worker::JobKind;
use crate::tui::worker::JobSpec;

mod draw;
mod shown;
mod words;
pub use shown::Shown;
pub use words::{finding_of, group_doc};

/// What the header says while the answer is computed.
const LOOKING: &str = "looking for self-escalation paths";

/// A row of the view: a group (its position in the answer), one of its listed identities, or the line that
/// lists the next page (or says the identities are being listed).
pub type EscRow = Row<usize>;

/// The selected row's content.
pub enum Picked<'a> {
    Group(&'a EscalationGroup),
    Member(&'a EscalationGroup, &'a GroupMember),
}

/// What Enter did in the view.
pub enum Entered {
    /// A group was opened or closed, or its next page listed.
    Toggled,
    /// A group's identities must be listed: ask for them in the background.
    List(Box<EscalationGroup>),
    /// An identity: jump to it at this finding's vault.
    Identity(Box<Finding>),
    Nothing,
}

#[derive(Debug, Default)]
pub struct EscalationsView {
    pub answer: Load<Shown>,
    pub cursor: Cursor,
    /// The selected scope's name, for the progress line.
    under: String,
    /// The user cancelled the computation: it is not asked for again until they press the view's key.
    cancelled: bool,
    /// Leave out the technique Microsoft's articles disagree on (`D`).
    pub hide_disputed: bool,
    /// Opened groups, with their identities listed so far (a page at a time, from `found`).
    open: Pages<usize, GroupMember>,
    /// The identities of each opened group, as the background listing found them.
    found: Vec<(usize, Vec<GroupMember>)>,
    /// The group whose identities are being listed, and how far the listing is.
    listing: Option<(usize, String)>,
}

impl EscalationsView {
    /// The whole answer (whatever a `/` filter keeps of it), once computed.
    pub fn ready(&self) -> Option<&EscalationGroups> {
        self.answer.ready().map(|s| &*s.all)
    }

    /// The groups a `/` filter keeps (all of them without one), disputed ones included.
    pub fn kept(&self) -> Vec<&EscalationGroup> {
        self.answer.ready().map_or_else(Vec::new, Shown::groups)
    }

    /// The groups shown, by position in the answer: those the filter keeps, of undisputed techniques when
    /// the disputed one is hidden.
    fn shown(&self) -> Vec<usize> {
        let Some(s) = self.answer.ready() else {
            return Vec::new();
        };
        s.positions()
            .into_iter()
            .filter(|&i| !(self.hide_disputed && s.all.groups.get(i).is_some_and(|g| g.disputed)))
            .collect()
    }

    /// Replaces the answer on screen, letting go of the old one off the UI thread when it is large.
    fn replace(&mut self, next: Load<Shown>) {
        if let Load::Ready(old) = std::mem::replace(&mut self.answer, next) {
            old.release();
        }
    }

    fn found(&self, group: usize) -> Option<&[GroupMember]> {
        self.found
            .iter()
            .find(|(g, _)| *g == group)
            .map(|(_, m)| m.as_slice())
    }

    /// Rows in display order: each group, an opened one followed by its listed identities.
    pub fn rows(&self) -> Vec<EscRow> {
        let mut out = Vec::new();
        for i in self.shown() {
            if self.listing.as_ref().is_some_and(|(g, _)| *g == i) {
                out.push(Row::Group(i));
                out.push(Row::More(i));
                continue;
            }
            self.open
                .rows(i, self.found(i).map_or(0, <[GroupMember]>::len), &mut out);
        }
        out
    }

    pub fn selected(&self) -> Option<Picked<'_>> {
        let a = self.ready()?;
        match *self.rows().get(self.cursor.selected)? {
            Row::Group(i) | Row::More(i) => a.groups.get(i).map(Picked::Group),
            Row::Member(i, m) => Some(Picked::Member(a.groups.get(i)?, self.open.member(i, m)?)),
        }
    }

    /// The principal the selected row is about: the identity, or the group's holder.
    pub fn selected_principal(&self) -> Option<String> {
        match self.selected()? {
            Picked::Member(_, m) => Some(m.principal.id.clone()),
            Picked::Group(g) => g.holder.as_ref().map(|h| h.id.clone()),
        }
    }

    /// `D`: hides the disputed technique's groups, or shows them again.
    pub fn toggle_disputed(&mut self) {
        self.hide_disputed = !self.hide_disputed;
        self.cursor = Cursor::default();
    }

    /// The job for the escalations under the selected scope, unless it is being (or has been) computed. A
    /// cancelled job stays pending, so it is not asked for again until the scope changes or the user presses
    /// the view's key.
    pub fn ask(&mut self, sel: &Selection, pending: Option<&str>) -> Ask {
        let at = asked_scope(sel.scope);
        let what = format!("{}{}", at.as_ref().map_or("/", |s| s.key()), sel.in_world);
        if pending == Some(what.as_str()) {
            return Ask::Keep;
        }
        self.asked(&sel.scope_label);
        Ask::Run {
            what,
            spec: JobSpec::Escalations { scope: at },
        }
    }

    /// A computation for the vaults under `under` has started: the old answer is let go of.
    pub fn asked(&mut self, under: &str) {
        self.under = clean(under).into_owned();
        self.replace(Load::Loading(format!("{LOOKING} under {}", self.under)));
        self.cancelled = false;
        self.closed();
    }

    pub fn on_progress(&mut self, done: usize, total: usize) {
        if self.answer.is_loading() {
            let what = format!("{LOOKING} under {}", self.under);
            self.answer = Load::Loading(super::progress(&what, done, total, "vaults"));
        }
    }

    pub fn on_answer(&mut self, groups: EscalationGroups) {
        self.replace(Load::Ready(Shown::new(groups)));
        self.cancelled = false;
        self.cursor = Cursor::default();
        self.closed();
    }

    /// The `/` filter changed the groups shown: opened groups are closed (their positions moved).
    pub fn narrowed(&mut self) {
        self.cursor = Cursor::default();
        self.closed();
    }

    /// Every group closed, its identities let go of.
    fn closed(&mut self) {
        self.open.clear();
        self.found.clear();
        self.listing = None;
    }

    /// Esc while the answer is computed: stops waiting for it. Returns whether there was one to cancel.
    pub fn cancel(&mut self) -> bool {
        let why = format!(
            "cancelled: the escalations under {} were not computed (press the view's key to start again)",
            self.under
        );
        let cancelled = self.answer.cancel(why);
        self.cancelled |= cancelled;
        cancelled
    }

    /// Esc while a group's identities are listed: stops waiting for them. Whether there was a listing.
    pub fn cancel_listing(&mut self) -> bool {
        self.listing.take().is_some()
    }

    /// Whether the user cancelled the last computation (and has not asked again).
    pub fn is_cancelled(&self) -> bool {
        self.cancelled
    }

    /// The view's key after a cancel: the cancelled answer is let go of, to be asked for anew. Whether
    /// there was one.
    pub fn reopen(&mut self) -> bool {
        if !self.cancelled {
            return false;
        }
        *self = Self::default();
        true
    }

    pub fn on_listing_progress(&mut self, done: usize, total: usize) {
        if let Some((_, what)) = &mut self.listing {
            *what = super::progress("listing its identities", done, total, "vaults");
        }
    }

    /// The identities of the group being listed arrived: it opens on its first page.
    pub fn on_members(&mut self, members: Vec<GroupMember>) {
        let Some((group, _)) = self.listing.take() else {
            return; // the groups changed since it was asked for
        };
        self.open.open(
            group,
            members.iter().take(super::pages::PAGE).cloned().collect(),
        );
        self.found.push((group, members));
    }

    /// Enter: opens (or closes) the selected group, lists its next page, or names the identity's finding.
    pub fn enter(&mut self, engine: &Engine) -> Entered {
        let Some(&row) = self.rows().get(self.cursor.selected) else {
            return Entered::Nothing;
        };
        match row {
            Row::Member(..) => match self.selected() {
                Some(Picked::Member(g, m)) => finding_of(engine, g, m)
                    .map_or(Entered::Nothing, |f| Entered::Identity(Box::new(f))),
                _ => Entered::Nothing,
            },
            Row::Group(i) if self.open.is_open(i) => {
                self.open.close(i);
                self.found.retain(|(g, _)| *g != i);
                Entered::Toggled
            }
            Row::Group(i) | Row::More(i) if self.listing.is_none() => {
                if let Some(all) = self.found(i) {
                    let page = self.open.next_page(i);
                    let next: Vec<GroupMember> = all
                        .get(page.start.min(all.len())..page.end.min(all.len()))
                        .unwrap_or_default()
                        .to_vec();
                    self.open.extend(i, next);
                    return Entered::Toggled;
                }
                let Some(g) = self.ready().and_then(|a| a.groups.get(i)).cloned() else {
                    return Entered::Nothing;
                };
                self.listing = Some((i, "listing its identities".into()));
                Entered::List(Box::new(g))
            }
            Row::Group(_) | Row::More(_) => Entered::Nothing,
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        let n = self.rows().len();
        self.cursor.move_by(delta, n);
    }

    pub fn keep_visible(&mut self, height: usize) {
        let n = self.rows().len();
        self.cursor.keep_visible(height, n);
    }

    /// A click on the `row`th line of the pane (the first is the column header).
    pub fn click(&mut self, row: usize) {
        let n = self.rows().len();
        self.cursor.click(row, 1, n);
    }

    pub fn table(&self) -> Result<Table, String> {
        let a = self.ready().ok_or("the escalations are not ready yet")?;
        let s = |x: &str| x.to_string();
        let rows = self
            .shown()
            .into_iter()
            .filter_map(|i| a.groups.get(i))
            .map(|g| {
                let (name, id) = g
                    .holder
                    .as_ref()
                    .map_or((String::new(), String::new()), |h| {
                        (h.display_name.clone(), h.id.clone())
                    });
                vec![
                    name,
                    id,
                    ids_label(g),
                    g.technique.as_str().to_string(),
                    g.decision.as_str().to_string(),
                    g.role_name.clone().unwrap_or_default(),
                    g.grant_scope.clone().unwrap_or_default(),
                    g.grant.clone(),
                    g.vaults.to_string(),
                    g.findings.to_string(),
                ]
            })
            .collect();
        Ok(Table {
            title: format!("Escalations under {}", a.scope),
            columns: vec![
                s("holder"),
                s("holder id"),
                s("identities per vault"),
                s("technique"),
                s("decision"),
                s("role"),
                s("grant scope"),
                s("grant"),
                s("vaults"),
                s("findings"),
            ],
            rows,
        })
    }

    pub fn explain_key(&self) -> String {
        format!(
            "{}|{}|{}",
            self.cursor.selected,
            u8::from(self.ready().is_some()),
            self.hide_disputed
        )
    }

    /// The selected row explained: an identity's self-grant path at its vault, or its group.
    pub fn explain(&self, engine: &Engine) -> Doc {
        match self.selected() {
            Some(Picked::Member(g, m)) => finding_of(engine, g, m).map_or_else(
                || group_doc(engine, g),
                |f| explain::finding(engine, &f, self.hide_disputed),
            ),
            Some(Picked::Group(g)) => group_doc(engine, g),
            None => Doc::new("Escalations"),
        }
    }
}

/// Enter opens a group (its identities listed in the background the first time), closes it or lists its
/// next page; on an identity it jumps to its permissions at the vault, on what it could gain. Esc stops the
/// computation, or the listing.
impl Keys for EscalationsView {
    fn on_enter(&mut self, engine: &Engine) -> Outcome {
        match self.enter(engine) {
            Entered::Identity(f) => Outcome::Jump(Jump {
                principal: Some(f.principal.id.clone()),
                scope: Some(f.vault_id.clone()),
                land: Land::GrantedBy(f),
            }),
            Entered::List(group) => {
                let scope = self.ready().map(|a| a.scope.clone()).unwrap_or_default();
                let what = format!("{scope}|{}|{}", group.grant, group.technique.as_str());
                Outcome::Run {
                    kind: JobKind::EscalationMembers,
                    what,
                    spec: JobSpec::EscalationMembers { scope, group },
                }
            }
            Entered::Toggled | Entered::Nothing => Outcome::Done,
        }
    }
    fn on_esc(&mut self) -> Outcome {
        if self.cancel() {
            Outcome::Cancel(JobKind::Escalations)
        } else {
            Outcome::cancelled(self.cancel_listing(), JobKind::EscalationMembers)
        }
    }
    fn selected_id(&self) -> Option<String> {
        self.selected_principal()
    }
}

/// How many identities the group counts at each of its vaults: `12`, or `3-12` when it varies.
fn ids_label(g: &EscalationGroup) -> String {
    match g.identities_per_vault {
        (min, max) if min == max => max.to_string(),
        (min, max) => format!("{min}-{max}"),
    }
}

/// The scope the escalations are asked at when `scope` is selected (`None`: the whole tenant, at its root):
/// an item's are its vault's, since paths are opened at vaults.
pub fn asked_scope(scope: &Scope) -> Option<Scope> {
    match scope.kind() {
        crate::model::ScopeKind::Root => None,
        _ => Some(scope.vault().unwrap_or_else(|| scope.clone())),
    }
}
