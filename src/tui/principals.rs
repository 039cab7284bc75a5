//! The principal list: every directory object (plus ids that grants name but the directory lacks), with a
//! fuzzy filter over display name, UPN, appId and object id.

use std::sync::Arc;

use crate::eval::Engine;
use crate::model::PrincipalKind;
use crate::sanitize::clean;
use crate::suggest::{self, Fuzzy};
use crate::tui::cursor::Cursor;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalEntry {
    pub id: String,
    pub kind: PrincipalKind,
    /// Display name, cleaned of control characters.
    pub name: String,
    pub upn: Option<String>,
    pub app_id: Option<String>,
    pub in_directory: bool,
    haystack: String,
}

#[derive(Debug)]
pub struct PrincipalList {
    /// Shared with filter jobs on the worker thread.
    pub all: Arc<Vec<PrincipalEntry>>,
    /// Indices into `all` that pass the filter, best match first (all of them, in name order, unfiltered).
    pub shown: Vec<usize>,
    pub cursor: Cursor,
    pub query: String,
    /// Bumped by every change of the shown list, so a background filter result computed from an older
    /// list is recognised and dropped.
    pub generation: u64,
}

pub fn icon(kind: PrincipalKind) -> &'static str {
    match kind {
        PrincipalKind::User => "U",
        PrincipalKind::Group => "G",
        PrincipalKind::ServicePrincipal => "S",
        PrincipalKind::ManagedIdentity => "M",
        PrincipalKind::Unknown => "?",
    }
}

pub use crate::display::kind_word;

impl PrincipalList {
    pub fn build(engine: &Engine) -> Self {
        let mut all: Vec<PrincipalEntry> = engine
            .snapshot
            .principals
            .iter()
            .map(|p| {
                let name = clean(&p.display_name).into_owned();
                let upn = p
                    .user_principal_name
                    .as_deref()
                    .map(|u| clean(u).into_owned());
                let app_id = p.app_id.clone();
                let haystack = suggest::haystack(
                    [
                        Some(name.as_str()),
                        upn.as_deref(),
                        app_id.as_deref(),
                        Some(p.id.as_str()),
                    ]
                    .into_iter()
                    .flatten(),
                );
                PrincipalEntry {
                    id: p.id.clone(),
                    kind: p.kind,
                    name,
                    upn,
                    app_id,
                    in_directory: true,
                    haystack,
                }
            })
            .collect();
        let mut missing: Vec<&String> = engine.index.referenced_ids.iter().collect();
        missing.sort();
        all.extend(missing.into_iter().map(|id| PrincipalEntry {
            id: id.clone(),
            kind: PrincipalKind::Unknown,
            name: format!("(not in directory) {id}"),
            upn: None,
            app_id: None,
            in_directory: false,
            haystack: id.clone(),
        }));
        all.sort_by_cached_key(|p| (!p.in_directory, p.name.to_lowercase(), p.id.clone()));
        let shown = (0..all.len()).collect();
        Self {
            all: Arc::new(all),
            shown,
            cursor: Cursor::default(),
            query: String::new(),
            generation: 0,
        }
    }

    pub fn selected(&self) -> Option<&PrincipalEntry> {
        self.shown
            .get(self.cursor.selected)
            .and_then(|&i| self.all.get(i))
    }

    /// Re-filters for a new query. Typing more characters only narrows the matches, so an extended query
    /// searches the previous matches instead of the whole directory. The selection stays on the same
    /// principal when it still matches.
    pub fn set_query(&mut self, query: &str) {
        let q = query.trim();
        if q.is_empty() {
            self.shown = (0..self.all.len()).collect();
        } else {
            let pool = self.pool_for(q);
            self.shown = matches(&self.all, q, pool);
        }
        self.apply(query, None);
    }

    /// What a filter job needs for `query`: the indices worth scoring (the current matches when the query
    /// only extends the last one).
    pub fn pool_for(&self, query: &str) -> Vec<usize> {
        let q = query.trim();
        let narrowing = !self.query.trim().is_empty() && q.starts_with(self.query.trim());
        if narrowing {
            self.shown.clone()
        } else {
            (0..self.all.len()).collect()
        }
    }

    /// Takes a filter result (computed here or by the worker), keeping the selection on the same
    /// principal when it still matches.
    pub fn apply(&mut self, query: &str, shown: Option<Vec<usize>>) {
        let keep = self.selected().map(|p| p.id.clone());
        if let Some(shown) = shown {
            self.shown = shown;
        }
        self.generation += 1;
        self.query = query.to_string();
        let pos = keep
            .and_then(|id| {
                self.shown
                    .iter()
                    .position(|&i| self.all.get(i).is_some_and(|p| p.id == id))
            })
            .unwrap_or(0);
        self.cursor = Cursor {
            selected: pos,
            offset: 0,
        };
    }

    /// Selects a principal by object id, clearing a filter that hides it.
    pub fn select_id(&mut self, id: &str) -> bool {
        let find = |l: &Self| {
            l.shown
                .iter()
                .position(|&i| l.all.get(i).is_some_and(|p| p.id == id))
        };
        if find(self).is_none() && !self.query.is_empty() {
            self.set_query("");
        }
        match find(self) {
            Some(pos) => {
                self.cursor.set(pos, self.shown.len());
                true
            }
            None => false,
        }
    }
}

/// The entries of `pool` that match `q`, best first. A plain ASCII query is first checked as an
/// in-order subsequence of ASCII haystacks, which is what a fuzzy match needs anyway and costs far less
/// than scoring; a single character lists its matches in name order without scoring at all. These keep
/// a keystroke on 100 000 principals within a frame.
pub fn matches(all: &[PrincipalEntry], q: &str, pool: Vec<usize>) -> Vec<usize> {
    let plain = q.is_ascii() && !q.contains(|c: char| c.is_whitespace() || "^$'!\\".contains(c));
    let needle = q.to_ascii_lowercase();
    let maybe =
        |hay: &str| !plain || !hay.is_ascii() || is_subsequence(needle.as_bytes(), hay.as_bytes());
    if plain && needle.len() == 1 {
        return pool
            .into_iter()
            .filter(|&i| {
                all.get(i)
                    .is_some_and(|p| p.haystack.contains(needle.as_str()))
            })
            .collect();
    }
    let mut fuzzy = Fuzzy::new(q);
    let mut scored: Vec<(u32, usize)> = pool
        .into_iter()
        .filter_map(|i| {
            let hay = all.get(i)?.haystack.as_str();
            if !maybe(hay) {
                return None;
            }
            fuzzy.score(hay).map(|s| (s, i))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, i)| i).collect()
}

fn is_subsequence(needle: &[u8], hay: &[u8]) -> bool {
    let mut rest = hay;
    for &c in needle {
        match rest.iter().position(|&h| h == c) {
            Some(p) => rest = &rest[p + 1..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Engine;

    #[test]
    fn subsequences() {
        assert!(is_subsequence(b"bob", b"xbxoxb"));
        assert!(!is_subsequence(b"bob", b"obb"));
        assert!(is_subsequence(b"", b"abc"));
    }

    #[test]
    fn filter_matches_names_upns_app_ids_and_ids() {
        let s = crate::snapshot::demo();
        let engine = Engine::new(s.clone());
        let mut l = PrincipalList::build(&engine);
        let names = |l: &PrincipalList| {
            l.shown
                .iter()
                .map(|&i| l.all[i].name.clone())
                .collect::<Vec<_>>()
        };
        l.set_query("BOB");
        assert_eq!(names(&l).first().map(String::as_str), Some("Bob"));
        l.set_query("77777777-0000-0000-0000-000000000004");
        assert_eq!(names(&l), vec!["ci-deployer"]);
        l.set_query("erin@");
        assert_eq!(names(&l), vec!["Erin"]);
        l.set_query("team sec");
        assert!(names(&l).contains(&"Security team".to_string()));
        l.set_query("i");
        assert!(l.shown.iter().all(|&i| l.all[i].haystack.contains('i')));
        l.set_query("");
        assert_eq!(l.shown.len(), l.all.len());
    }
}
