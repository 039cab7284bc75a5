//! What a name that does not resolve may have meant. One mechanism for every "did you mean": CLI errors
//! for principals, vaults and actions, what-if change lists, and the explorer's fuzzy filter, which
//! scores with the same [`Fuzzy`] over the same [`haystack`] so that the CLI suggests what the explorer
//! would list.
//!
//! Candidates rank in three tiers: the query inside a name (best fuzzy score first), then a name within a
//! few typos (smallest edit distance first), then any other fuzzy match. Loose fuzzy matches are offered
//! only when nothing contains the query and nothing is a typo of it; typos only at the closest distance
//! found. Queries longer than
//! [`MAX_CHARS`] get no suggestions: no one mistypes a 10 MB name, and comparing one against every
//! candidate of a large tenant took minutes.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::model::{Principal, Vault};
use crate::sanitize::cut;

/// Queries (and, for edit distance, names) longer than this many characters are not compared.
pub const MAX_CHARS: usize = 256;

/// How many candidates an error lists.
pub const SHOWN: usize = 5;

/// The explorer's fuzzy matcher: case-insensitive, smart normalisation, nucleo's default scoring.
pub struct Fuzzy {
    pattern: Pattern,
    matcher: Matcher,
    buf: Vec<char>,
}

impl Fuzzy {
    pub fn new(query: &str) -> Self {
        Self {
            pattern: Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart),
            matcher: Matcher::new(Config::DEFAULT),
            buf: Vec::new(),
        }
    }

    /// The match score of `haystack`, higher is better; `None` when it does not match.
    pub fn score(&mut self, haystack: &str) -> Option<u32> {
        self.pattern
            .score(Utf32Str::new(haystack, &mut self.buf), &mut self.matcher)
    }
}

/// The text the fuzzy filter searches: the fields joined by spaces, lower-cased.
pub fn haystack<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    fields
        .into_iter()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A principal's searchable fields: display name, UPN, appId and object id.
pub fn principal_fields(p: &Principal) -> impl Iterator<Item = &str> {
    [
        Some(p.display_name.as_str()),
        p.user_principal_name.as_deref(),
        p.app_id.as_deref(),
        Some(p.id.as_str()),
    ]
    .into_iter()
    .flatten()
}

/// A suggestion: what to type, and what tells it apart from a namesake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub name: String,
    pub detail: Option<String>,
}

impl Candidate {
    pub fn plain(name: &str) -> Self {
        Self {
            name: name.to_string(),
            detail: None,
        }
    }

    /// A principal: display name, kind, and its UPN (users) or object id.
    pub fn principal(p: &Principal) -> Self {
        let id = p.user_principal_name.as_deref().unwrap_or(&p.id);
        Self {
            name: p.display_name.clone(),
            detail: Some(format!("{} {id}", p.kind.as_str())),
        }
    }
}

/// Principals `query` may have meant.
pub fn principals(all: &[Principal], query: &str) -> Vec<Candidate> {
    rank(query, all.iter().map(principal_fields), SHOWN)
        .into_iter()
        .filter_map(|i| all.get(i).map(Candidate::principal))
        .collect()
}

/// Vaults `query` may have meant, by name; namesakes carry their ids.
pub fn vaults(all: &[Vault], query: &str) -> Vec<Candidate> {
    let found: Vec<&Vault> = rank(query, all.iter().map(|v| [v.name.as_str()]), SHOWN)
        .into_iter()
        .filter_map(|i| all.get(i))
        .collect();
    found
        .iter()
        .map(|v| {
            let namesakes = found
                .iter()
                .filter(|w| w.name.eq_ignore_ascii_case(&v.name));
            Candidate {
                name: v.name.clone(),
                detail: (namesakes.count() > 1).then(|| v.scope.id().to_string()),
            }
        })
        .collect()
}

/// Operations `query` may have meant: their short names, or their full action strings when the query
/// looks like one (`Provider.Namespace/…`).
pub fn actions(query: &str) -> Vec<Candidate> {
    let ops = crate::catalog::operations();
    let full = query.split('/').next().is_some_and(|p| p.contains('.'));
    let mut found: Vec<Candidate> = Vec::new();
    let fields = ops
        .iter()
        .map(|op| std::iter::once(op.name).chain(op.actions.iter().copied()));
    for i in rank(query, fields, 4 * SHOWN) {
        let Some(op) = ops.get(i) else { continue };
        let name = match op.actions.first() {
            Some(a) if full => a,
            _ => op.name,
        };
        if found.len() < SHOWN && !found.iter().any(|c| c.name == name) {
            found.push(Candidate::plain(name));
        }
    }
    found
}

/// Plain names `query` may have meant.
pub fn names<'a>(all: impl IntoIterator<Item = &'a str>, query: &str) -> Vec<Candidate> {
    let all: Vec<&str> = all.into_iter().collect();
    rank(query, all.iter().map(|n| [*n]), SHOWN)
        .into_iter()
        .filter_map(|i| all.get(i).map(|n| Candidate::plain(n)))
        .collect()
}

/// ` (did you mean 'A' (detail), 'B' or 'C'?)`, each value cleaned and cut; empty without candidates.
pub fn hint(candidates: &[Candidate]) -> String {
    let shown: Vec<String> = candidates
        .iter()
        .map(|c| match &c.detail {
            Some(d) => format!("'{}' ({})", cut(&c.name), cut(d)),
            None => format!("'{}'", cut(&c.name)),
        })
        .collect();
    match shown.as_slice() {
        [] => String::new(),
        [one] => format!(" (did you mean {one}?)"),
        [first @ .., last] => format!(" (did you mean {} or {last}?)", first.join(", ")),
    }
}

/// Up to `n` positions of `items` (each a list of fields) that `query` may have meant, best first.
pub fn rank<'a, I, F>(query: &str, items: I, n: usize) -> Vec<usize>
where
    I: IntoIterator<Item = F>,
    F: IntoIterator<Item = &'a str>,
{
    let query = query.trim();
    if query.is_empty() || query.len() > 4 * MAX_CHARS || query.chars().count() > MAX_CHARS {
        return Vec::new();
    }
    let want = query.to_lowercase();
    let limit = typo_limit(&want);
    let mut fuzzy = Fuzzy::new(query);
    let mut ranked: Vec<(u8, i64, usize)> = Vec::new();
    for (i, fields) in items.into_iter().enumerate() {
        let fields: Vec<&str> = fields.into_iter().collect();
        let hay = haystack(fields.iter().copied());
        let score = fuzzy.score(&hay).map(i64::from);
        let key = if hay.contains(&want) {
            Some((0, -score.unwrap_or(0)))
        } else if let Some(d) = fields
            .iter()
            .filter_map(|f| distance(&want, f, limit))
            .min()
        {
            Some((1, d as i64))
        } else {
            score.map(|s| (2, -s))
        };
        if let Some((tier, k)) = key {
            ranked.push((tier, k, i));
        }
    }
    ranked.sort_unstable();
    // A name containing the query, or the closest typos, make looser matches noise.
    match ranked.first() {
        Some(&(0, _, _)) => ranked.retain(|&(tier, _, _)| tier < 2),
        Some(&(1, closest, _)) => ranked.retain(|&(tier, d, _)| tier == 1 && d == closest),
        _ => {}
    }
    ranked.into_iter().take(n).map(|(_, _, i)| i).collect()
}

/// The closest of `candidates` to `input` when it is within a few typos: for short fixed vocabularies
/// (field names, change kinds, permissions), where a loose fuzzy match would only add noise.
pub fn did_you_mean<'a>(input: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    if input.len() > 4 * MAX_CHARS {
        return None;
    }
    let want = input.to_lowercase();
    if want.chars().count() > MAX_CHARS {
        return None;
    }
    let limit = typo_limit(&want);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if let Some(d) = distance(&want, c, limit)
            && best.is_none_or(|(b, _)| d < b)
        {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// How many edits still count as a typo of `want`: a quarter of its length, 1 to 4.
fn typo_limit(want: &str) -> usize {
    (want.chars().count() / 4).clamp(1, 4)
}

/// The case-insensitive edit distance from `want` (lower-cased) to `candidate`, when at most `limit`.
fn distance(want: &str, candidate: &str, limit: usize) -> Option<usize> {
    let want_len = want.chars().count();
    // Byte length bounds the character count: a far longer candidate is skipped before lowering it.
    if candidate.len() > 4 * (want_len + limit) {
        return None;
    }
    let lower = candidate.to_lowercase();
    if lower.chars().count().abs_diff(want_len) > limit {
        return None;
    }
    let d = edit_distance(want, &lower);
    (d <= limit).then_some(d)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests;
