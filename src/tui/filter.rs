//! The `/` filter: the box where the text is typed (its keys and its line), and the narrowing of a view's
//! table to the rows the text keeps. The app gives each change of the text to the list the box is for: the
//! principal list, or the table of the view on screen.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use ratatui::text::{Line, Span};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use crate::query::Matrix;
use crate::query::grouped::escalations::EscalationGroup;
use crate::query::grouped::who_can::{GroupedWhoCan, WhoCanGroup, WhoCanGroups};
use crate::sanitize::clean;
use crate::tui::app::View;
use crate::tui::theme::Theme;
use crate::tui::view::escalations::Shown;

#[derive(Debug, Default)]
pub struct FilterBox {
    /// The box is taking keystrokes.
    pub active: bool,
    pub input: Input,
    /// What the box narrows.
    pub target: Target,
}

/// What a `/` filter narrows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Target {
    /// The principal list (fuzzy).
    #[default]
    Principals,
    /// The table of a view, by words.
    Table(View),
    /// The explanation's lines, by words.
    Explain,
}

/// What a key in the box did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typed {
    /// Nothing the list needs to know.
    Keep,
    /// The text changed to this.
    Query(String),
    /// Enter: the box stops taking keys, the filter stays.
    Done,
    /// Esc: the box closes and the filter is cleared.
    Cleared,
    /// ↑ or ↓: the list's selection moves.
    Move(isize),
}

impl FilterBox {
    /// Starts taking keys for `target`, with its current filter in the box.
    pub fn open(&mut self, target: Target, query: &str) {
        self.active = true;
        self.target = target;
        self.input = Input::new(query.to_string());
    }

    /// Empties the box (the list's filter is cleared by its owner).
    pub fn clear(&mut self) {
        self.input = Input::default();
    }

    pub fn key(&mut self, key: &KeyEvent) -> Typed {
        match key.code {
            KeyCode::Enter => {
                self.active = false;
                Typed::Done
            }
            KeyCode::Esc => {
                self.active = false;
                self.clear();
                Typed::Cleared
            }
            KeyCode::Up => Typed::Move(-1),
            KeyCode::Down => Typed::Move(1),
            _ => match to_input_request(&Event::Key(*key)) {
                Some(req) if self.input.handle(req).is_some_and(|c| c.value) => {
                    Typed::Query(self.input.value().to_string())
                }
                _ => Typed::Keep,
            },
        }
    }

    /// The box as a line: `/`, the text, a caret while it takes keys.
    pub fn line(&self, t: &Theme) -> Line<'static> {
        query_line(t, self.input.value(), self.active)
    }

    /// Whether the box is taking keys for `view`'s table.
    pub fn typing_for(&self, view: View) -> bool {
        self.typing(Target::Table(view))
    }

    /// Whether the box is taking keys for `target`.
    pub fn typing(&self, target: Target) -> bool {
        self.active && self.target == target
    }
}

/// A filter as a line: `/`, the text, a caret while it is being typed.
pub fn query_line(t: &Theme, query: &str, typing: bool) -> Line<'static> {
    let cursor = if typing { "▏" } else { "" };
    Line::from(vec![
        Span::styled("/", t.key),
        Span::styled(clean(query).into_owned(), t.match_hl),
        Span::styled(cursor, t.key),
    ])
}

/// The views' tables a `/` filter narrows.
#[derive(Debug, Default)]
pub struct Tables {
    pub matrix: Narrowed<Matrix>,
    pub who: Narrowed<Box<GroupedWhoCan>>,
    pub escalations: Narrowed<Shown>,
}

impl Tables {
    /// The filter of `view`'s table; `None` for a view without one.
    pub fn query(&self, view: View) -> Option<&str> {
        match view {
            View::Matrix => Some(&self.matrix.query),
            View::WhoCan => Some(&self.who.query),
            View::Escalations => Some(&self.escalations.query),
            View::Permissions | View::Reach | View::Paths | View::Activity => None,
        }
    }
}

/// Whether a row whose words are `text` is kept by `query`: every word of the query appears in it, case
/// aside. (The principal list matches fuzzily; a table's rows are matched by words, which reads plainly
/// over ids and operation names.)
pub fn keeps(query: &str, text: &str) -> bool {
    let text = text.to_lowercase();
    query
        .split_whitespace()
        .all(|w| text.contains(&w.to_lowercase()))
}

/// An answer whose rows a query can narrow.
pub trait Narrow: Clone {
    fn narrow(&mut self, query: &str);
}

impl Narrow for Matrix {
    /// Keeps the rows whose name, id, kind or application (its id or name) has every word.
    fn narrow(&mut self, query: &str) {
        self.rows.retain(|r| {
            let kind = r
                .principal
                .as_ref()
                .map_or(crate::model::PrincipalKind::Unknown, |p| p.kind);
            keeps(
                query,
                &format!(
                    "{} {} {} {} {}",
                    r.label,
                    r.id,
                    crate::display::kind_word(kind),
                    r.via_app.as_deref().unwrap_or_default(),
                    r.via_app_name.as_deref().unwrap_or_default()
                ),
            )
        });
    }
}

impl Narrow for Box<GroupedWhoCan> {
    /// Keeps the groups whose holder, grant, role, scope or technique has every word.
    fn narrow(&mut self, query: &str) {
        let a = &mut self.answer;
        for list in [
            &mut a.groups,
            &mut a.denied,
            &mut a.on_items,
            &mut a.eligible,
            &mut a.can_grant_themselves,
        ] {
            list.retain(|g| group_kept(query, g));
        }
    }
}

fn group_kept(query: &str, g: &WhoCanGroup) -> bool {
    let (name, id) = g
        .holder
        .as_ref()
        .map_or(("", ""), |h| (h.display_name.as_str(), h.id.as_str()));
    let technique = g.technique.map(|t| t.describe()).unwrap_or_default();
    keeps(
        query,
        &format!(
            "{name} {id} {} {} {} {technique} {}",
            g.grant,
            g.role_name.as_deref().unwrap_or_default(),
            g.grant_scope.as_deref().unwrap_or_default(),
            g.via_app.as_deref().unwrap_or_default()
        ),
    )
}

/// The rows of a grouped who-can answer: its groups in every section.
pub fn who_groups(w: &WhoCanGroups) -> usize {
    w.groups.len()
        + w.denied.len()
        + w.on_items.len()
        + w.eligible.len()
        + w.can_grant_themselves.len()
}

impl Narrow for Shown {
    /// Keeps the groups whose holder, grant, role, scope, technique or vaults have every word.
    fn narrow(&mut self, query: &str) {
        let all = &self.all.groups;
        let kept = (0..all.len())
            .filter(|&i| all.get(i).is_some_and(|g| escalation_kept(query, g)))
            .collect();
        self.kept = Some(std::sync::Arc::new(kept));
    }
}

/// Whether every word of `query` is in the group's holder, grant, role, scope, technique or the vaults its
/// explanation names (four at most), as [`keeps`] decides, field by field: a tenant-wide answer has tens of
/// thousands of groups, some covering thousands of vaults, so nothing is copied and no long list is read.
fn escalation_kept(query: &str, g: &EscalationGroup) -> bool {
    let (name, id) = g
        .holder
        .as_ref()
        .map_or(("", ""), |h| (h.display_name.as_str(), h.id.as_str()));
    let fields = [
        name,
        id,
        g.grant.as_str(),
        g.role_name.as_deref().unwrap_or_default(),
        g.grant_scope.as_deref().unwrap_or_default(),
        g.technique.describe(),
    ];
    let vaults = || {
        g.covers
            .iter()
            .take(NAMED_COVERS)
            .map(|c| c.scope.rsplit('/').next().unwrap_or_default())
    };
    query.split_whitespace().all(|w| {
        let w = w.to_lowercase();
        fields.into_iter().chain(vaults()).any(|f| has_word(f, &w))
    })
}

/// The covers an escalation group's explanation names ([`crate::display::cover_words`]).
const NAMED_COVERS: usize = 4;

/// Whether `text` contains `word` (lowercase), case aside.
fn has_word(text: &str, word: &str) -> bool {
    if text.is_ascii() && word.is_ascii() {
        let (t, w) = (text.as_bytes(), word.as_bytes());
        return w.is_empty() || t.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w));
    }
    text.to_lowercase().contains(word)
}

/// A view's table narrowed by a query: while the query is set, the whole answer (and, in a what-if world,
/// the real world's answer beside it) is kept here and the view shows what the query keeps.
#[derive(Debug)]
pub struct Narrowed<T> {
    pub query: String,
    whole: Option<(T, Option<T>)>,
}

impl<T> Default for Narrowed<T> {
    fn default() -> Self {
        Self {
            query: String::new(),
            whole: None,
        }
    }
}

impl<T: Narrow> Narrowed<T> {
    /// The query changed: `shown` (the view's answer, when it has one) and `before` (the real world's)
    /// become what it keeps of the whole answers, or the whole answers again when it is empty.
    pub fn set_query(&mut self, query: &str, shown: Option<&mut T>, before: &mut Option<T>) {
        self.query = query.trim().to_string();
        let Some(shown) = shown else {
            // Nothing on screen yet: the next answer is narrowed when it arrives.
            self.whole = None;
            return;
        };
        let (all, all_before) = self
            .whole
            .get_or_insert_with(|| (shown.clone(), before.clone()));
        let (mut now, mut now_before) = (all.clone(), all_before.clone());
        if self.query.is_empty() {
            self.whole = None;
        } else {
            now.narrow(&self.query);
            if let Some(b) = &mut now_before {
                b.narrow(&self.query);
            }
        }
        *shown = now;
        *before = now_before;
    }

    /// A new answer is on screen: kept whole, and narrowed in place while a query is set.
    pub fn on_answer(&mut self, shown: Option<&mut T>, before: &mut Option<T>) {
        self.whole = None;
        if !self.query.is_empty() {
            let query = self.query.clone();
            self.set_query(&query, shown, before);
        }
    }

    /// How many rows the whole answer has, by `count`, when a query narrows it.
    pub fn whole_len(&self, count: impl Fn(&T) -> usize) -> Option<usize> {
        self.whole.as_ref().map(|(all, _)| count(all))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The group filter decides as [`keeps`] does over the group's words joined, without copying them.
    #[test]
    fn a_group_is_kept_as_its_words_joined_would_be() {
        let engine = crate::eval::Engine::new(crate::snapshot::demo());
        let answer = crate::query::grouped::escalations::escalation_groups(&engine, None);
        assert!(!answer.groups.is_empty());
        for query in [
            "carol",
            "CAROL template",
            "kv-app-prod",
            "policy security",
            "É",
            "zz-none",
            "",
        ] {
            for g in &answer.groups {
                let holder = g
                    .holder
                    .as_ref()
                    .map(|h| format!("{} {}", h.display_name, h.id))
                    .unwrap_or_else(|| " ".into());
                let vaults: Vec<&str> = g
                    .covers
                    .iter()
                    .take(NAMED_COVERS)
                    .map(|c| c.scope.rsplit('/').next().unwrap_or_default())
                    .collect();
                let joined = format!(
                    "{holder} {} {} {} {} {}",
                    g.grant,
                    g.role_name.as_deref().unwrap_or_default(),
                    g.grant_scope.as_deref().unwrap_or_default(),
                    g.technique.describe(),
                    vaults.join(" ")
                );
                assert_eq!(
                    escalation_kept(query, g),
                    keeps(query, &joined),
                    "{query:?} {joined}"
                );
            }
        }
        assert!(has_word("Écoute", "éc") && has_word("ABC", "bc") && !has_word("abc", "cd"));
    }
}
