//! The who-can view (key 3): who can perform an operation at the selected scope, grouped by the grant that
//! decides it (holder, grant, scope), each group with the number of identities it reaches; then whom a deny
//! assignment stops, who can on items only, who is eligible, who can grant it to themselves. Enter on a
//! group lists its identities, a page at a time; Enter on an identity opens its permissions. The answer is
//! computed on the worker thread ([`crate::query::grouped::who_can`]), so a busy vault never blocks a key.

use super::Table;
use crate::eval::Engine;
use crate::query::grouped::who_can::{GroupedWhoCan, Member, WhoCanGroup, WhoCanGroups};
use crate::tui::app::Load;
use crate::tui::cursor::Cursor;

mod ask;
mod draw;
mod picker;
mod words;
pub use super::pages::PAGE;
use super::pages::{Pages, Row};
use crate::model::Scope;
use crate::tui::explain::{Doc, Verdicts};
use crate::tui::jump::{Jump, Land};
use crate::tui::view::{Keys, Outcome};
use crate::tui::worker::JobKind;
pub use words::{describe, group_doc, in_row};

/// The sections of the answer, in display order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WhoCanList {
    Can,
    Denied,
    OnItems,
    Eligible,
    CanGrant,
}

impl WhoCanList {
    const ALL: [WhoCanList; 5] = [
        Self::Can,
        Self::Denied,
        Self::OnItems,
        Self::Eligible,
        Self::CanGrant,
    ];

    pub fn of(self, w: &WhoCanGroups) -> &[WhoCanGroup] {
        match self {
            Self::Can => &w.groups,
            Self::Denied => &w.denied,
            Self::OnItems => &w.on_items,
            Self::Eligible => &w.eligible,
            Self::CanGrant => &w.can_grant_themselves,
        }
    }

    /// The decision column's word for a group of this section.
    fn word(self, g: &WhoCanGroup) -> &'static str {
        match self {
            Self::Can | Self::Denied => g.decision.as_str(),
            Self::OnItems => "on items",
            Self::Eligible => "eligible",
            Self::CanGrant => "can grant",
        }
    }
}

/// A row of the view: a group (by section and position), one of its listed identities, or the line that
/// lists the next page.
pub type WhoRow = Row<(WhoCanList, usize)>;

/// The selected row's content.
pub enum Picked<'a> {
    Group(&'a WhoCanGroup),
    /// An identity of a group, with the application the group's grant is used through.
    Member(&'a WhoCanGroup, &'a Member),
}

impl Picked<'_> {
    /// The principal the row is about: the identity, or the group's holder.
    pub fn principal_id(&self) -> &str {
        match self {
            Self::Member(_, m) => &m.id,
            Self::Group(g) => g.holder.as_ref().map_or("", |h| h.id.as_str()),
        }
    }
}

/// What Enter did in the view.
pub enum Entered {
    /// An operation was picked: the answer is asked for anew.
    Operation,
    /// A group was opened or closed, or its next page listed.
    Toggled,
    /// An identity: open its permissions.
    Identity(String),
    Nothing,
}

#[derive(Debug)]
pub struct WhoCanView {
    pub answer: Load<Box<GroupedWhoCan>>,
    /// The operation asked about.
    pub op: String,
    pub cursor: Cursor,
    /// Leave out the self-grant technique Microsoft's articles disagree on (`D`).
    pub hide_disputed: bool,
    /// Opened groups, with the identities listed so far (a page at a time).
    open: Pages<(WhoCanList, usize), Member>,
    /// The operation picker (`O`), when open: its cursor over the catalog's operations.
    pub picker: Option<Cursor>,
    /// The user cancelled the computation: it is not asked for again until the scope or the operation
    /// changes or they press the view's key.
    cancelled: bool,
}

impl Default for WhoCanView {
    fn default() -> Self {
        Self {
            answer: Load::Idle,
            op: "secrets/get".into(),
            cursor: Cursor::default(),
            hide_disputed: false,
            open: Pages::default(),
            picker: None,
            cancelled: false,
        }
    }
}

impl WhoCanView {
    /// The grouped answer, once computed.
    pub fn ready(&self) -> Option<&WhoCanGroups> {
        self.answer.ready().map(|g| &g.answer)
    }

    pub fn loading(&mut self) {
        self.answer = Load::Loading(format!("finding who can {}", self.op));
        self.cancelled = false;
    }

    pub fn on_progress(&mut self, done: usize, total: usize) {
        if self.answer.is_loading() {
            let what = format!("finding who can {}", self.op);
            self.answer = Load::Loading(super::progress(&what, done, total, "identity classes"));
        }
    }

    /// Esc while the answer is computed: stops waiting for it. Returns whether there was one to cancel.
    pub fn cancel(&mut self) -> bool {
        let why = format!(
            "cancelled: who can {} was not computed (press the view's key to start again)",
            self.op
        );
        let cancelled = self.answer.cancel(why);
        self.cancelled |= cancelled;
        cancelled
    }

    /// Whether the user cancelled the last computation (and has not asked again).
    pub fn is_cancelled(&self) -> bool {
        self.cancelled
    }

    pub fn on_answer(&mut self, r: Result<Box<GroupedWhoCan>, String>) {
        self.answer = match r {
            Ok(w) => Load::Ready(w),
            Err(e) => Load::Failed(e),
        };
        self.cursor = Cursor::default();
        self.open.clear();
    }

    /// The `/` filter changed the groups shown: opened groups are closed (their positions moved), the
    /// cursor goes to the first row.
    pub fn narrowed(&mut self) {
        self.cursor = Cursor::default();
        self.open.clear();
    }

    /// `D`: hides the disputed self-grant groups, or shows them again.
    pub fn toggle_disputed(&mut self, hide: bool) {
        self.hide_disputed = hide;
        self.cursor = Cursor::default();
        self.open.clear();
    }

    /// Whether a group is shown: a self-grant group is kept only when it would give this very operation
    /// (a template deployment reads secrets, so it is no path to `keys/sign`), and not disputed when those
    /// are hidden.
    fn shown(&self, w: &WhoCanGroups, section: WhoCanList, g: &WhoCanGroup) -> bool {
        if section != WhoCanList::CanGrant {
            return true;
        }
        let template = g.technique == Some(crate::query::Technique::TemplateDeployment);
        !(self.hide_disputed && g.disputed) && (!template || w.operation == "secrets/get")
    }

    /// Rows in display order: each section's groups, an opened group followed by its listed identities.
    pub fn rows(&self) -> Vec<WhoRow> {
        let Some(w) = self.ready() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for section in WhoCanList::ALL {
            for (i, g) in section.of(w).iter().enumerate() {
                if self.shown(w, section, g) {
                    self.open.rows((section, i), g.identities, &mut out);
                }
            }
        }
        out
    }

    pub fn selected(&self) -> Option<Picked<'_>> {
        let w = self.ready()?;
        match *self.rows().get(self.cursor.selected)? {
            Row::Group((s, i)) | Row::More((s, i)) => s.of(w).get(i).map(Picked::Group),
            Row::Member((s, i), m) => {
                let g = s.of(w).get(i)?;
                Some(Picked::Member(g, self.open.member((s, i), m)?))
            }
        }
    }

    /// Enter: opens (or closes) the selected group, lists its next page, or names the identity selected.
    pub fn enter(&mut self, engine: &Engine) -> Entered {
        if let Some(p) = self.picker.take() {
            if let Some((o, _)) = crate::tui::permissions::operations().get(p.selected) {
                self.op = o.name.to_string();
            }
            return Entered::Operation;
        }
        let Some(&row) = self.rows().get(self.cursor.selected) else {
            return Entered::Nothing;
        };
        let Load::Ready(grouped) = &self.answer else {
            return Entered::Nothing;
        };
        match row {
            Row::Member(..) => self.selected().map_or(Entered::Nothing, |p| {
                Entered::Identity(p.principal_id().to_string())
            }),
            Row::Group(key) if self.open.is_open(key) => {
                self.open.close(key);
                Entered::Toggled
            }
            Row::Group(key @ (s, i)) | Row::More(key @ (s, i)) => {
                let Some(g) = s.of(&grouped.answer).get(i) else {
                    return Entered::Nothing;
                };
                let page = self.open.next_page(key);
                let next = grouped.members(engine, g, page);
                if self.open.is_open(key) {
                    self.open.extend(key, next);
                } else {
                    self.open.open(key, next);
                }
                Entered::Toggled
            }
        }
    }

    pub fn move_by(&mut self, delta: isize) {
        if let Some(p) = &mut self.picker {
            p.move_by(delta, crate::tui::permissions::operations().len());
            return;
        }
        let n = self.rows().len();
        self.cursor.move_by(delta, n);
    }

    pub fn keep_visible(&mut self, height: usize) {
        if let Some(p) = &mut self.picker {
            p.keep_visible(height, crate::tui::permissions::operations().len());
            return;
        }
        let n = self.rows().len();
        self.cursor.keep_visible(height, n);
    }

    /// A click on the `row`th line of the pane (the first is the column header).
    pub fn click(&mut self, row: usize) {
        let n = self.rows().len();
        self.cursor.click(row, 1, n);
    }

    pub fn table(&self, engine: &Engine) -> Result<Table, String> {
        let w = self.ready().ok_or("the who-can list is not ready yet")?;
        let s = |x: &str| x.to_string();
        let mut rows = Vec::new();
        for section in WhoCanList::ALL {
            for g in section.of(w).iter().filter(|g| self.shown(w, section, g)) {
                rows.push(vec![
                    section.word(g).to_string(),
                    g.identities.to_string(),
                    g.holder
                        .as_ref()
                        .map(|h| h.display_name.clone())
                        .unwrap_or_default(),
                    g.grant.clone(),
                    describe(engine, g),
                ]);
            }
        }
        Ok(Table {
            title: format!("Who can {} at {}", w.operation, w.scope),
            columns: vec![
                s("decision"),
                s("identities"),
                s("holder"),
                s("grant"),
                s("how"),
            ],
            rows,
        })
    }

    pub fn explain_key(&self) -> String {
        format!(
            "{}|{}",
            self.cursor.selected,
            u8::from(self.ready().is_some())
        )
    }

    /// The selected row explained at `scope`: an identity's verdict on the operation, or its group.
    pub fn explain(&self, verdicts: &Verdicts, scope: Option<&Scope>) -> Doc {
        if self.ready().is_none() {
            return Doc::new("Who can");
        }
        let Some(scope) = scope else {
            return Doc::default();
        };
        match self.selected() {
            Some(Picked::Member(g, m)) => {
                verdicts.doc(&m.id, g.via_app.as_deref(), scope, &self.op, g.technique)
            }
            Some(Picked::Group(g)) => group_doc(verdicts.world, g),
            None => Doc::new(format!("Nobody can {}", self.op)),
        }
    }
}

/// ← → step through the operations; Enter opens a group (or closes it, or lists its next page), takes the
/// operation picked, or opens an identity's permissions on the operation; Esc stops the computation, or
/// closes the picker.
impl Keys for WhoCanView {
    fn on_left(&mut self) -> Outcome {
        self.next_operation(-1);
        Outcome::Done
    }
    fn on_right(&mut self) -> Outcome {
        self.next_operation(1);
        Outcome::Done
    }
    fn on_enter(&mut self, engine: &Engine) -> Outcome {
        match self.enter(engine) {
            Entered::Identity(id) => Outcome::Jump(Jump {
                principal: Some(id),
                scope: None,
                land: Land::Op(self.op.clone()),
            }),
            _ => Outcome::Done,
        }
    }
    fn on_esc(&mut self) -> Outcome {
        if self.picker.is_none() && self.cancel() {
            Outcome::Cancel(JobKind::WhoCan)
        } else if self.close_picker() {
            Outcome::Done
        } else {
            Outcome::Ignored
        }
    }
    fn selected_id(&self) -> Option<String> {
        self.selected().map(|p| p.principal_id().to_string())
    }
}
