//! A self-grant path (a [`Finding`]) in words, the same in `check`, `who-can`, `reach`, `escalations` and
//! the explorer: what the principal could do, and through what — the role, where it is assigned, who holds
//! it and the management action it rests on. A finding that is "unknown" says so, and why, rather than
//! claiming a path through nothing: with no grant known it exists only because of missing data.

use crate::display::{describe_scope, name_of};
use crate::eval::{Decision, Engine, UnknownBecause};
use crate::query::{Finding, Technique};
use crate::sanitize::clean;

/// The two halves of a self-grant in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfGrantWords {
    /// `⇑ can grant`, or `⇑ may grant` when the finding is unknown.
    pub label: &'static str,
    /// `can assign itself a Key Vault data role`, or `unknown whether it can …`.
    pub claim: String,
    /// `through role 'Owner' at subscription Prod (…roleAssignments/write; assignment 4444…)`, or, with no
    /// grant known, why the finding is there at all.
    pub how: String,
}

impl SelfGrantWords {
    /// `claim — how`, on one line.
    pub fn line(&self) -> String {
        format!("{} — {}", self.claim, self.how)
    }
}

/// What a path lets one do, as sure as its decision: `can …`, `can …, if a condition allows`, `unknown
/// whether it can …`.
pub fn claim(technique: Technique, decision: Decision) -> String {
    let what = technique.describe();
    match decision {
        // The disputed mark leads the line, whatever follows.
        Decision::Unknown => match what.strip_prefix("disputed: ") {
            Some(rest) => format!("disputed: unknown whether it {rest}"),
            None => format!("unknown whether it {what}"),
        },
        Decision::Conditional => format!("{what}, if a condition allows"),
        _ => what.to_string(),
    }
}

pub fn self_grant(engine: &Engine, f: &Finding) -> SelfGrantWords {
    SelfGrantWords {
        label: if f.decision == Decision::Unknown {
            "⇑ may grant"
        } else {
            "⇑ can grant"
        },
        claim: claim(f.technique, f.decision),
        how: how(engine, f),
    }
}

/// A self-grant path with no grant behind it: the lever no known assignment gives, and why it is listed.
pub fn no_grant(technique: Technique, unknown_because: &[UnknownBecause]) -> String {
    let lever = technique.lever();
    let why = if unknown_because.is_empty() {
        "the snapshot lacks data it would need".to_string()
    } else {
        clean(&crate::display::in_words(unknown_because).join("; ")).into_owned()
    };
    format!("no role assignment known to give it {lever}; listed only because {why}")
}

fn how(engine: &Engine, f: &Finding) -> String {
    if f.grant.is_empty() {
        return no_grant(f.technique, &f.unknown_because);
    }
    let lever = f.technique.lever();
    let role = match f.role_name.as_deref() {
        Some(r) => format!("role '{}'", clean(r)),
        None => "a role whose definition is not in the snapshot".to_string(),
    };
    let at = f
        .grant_scope
        .as_deref()
        .map(|s| format!(" at {}", describe_scope(engine, s)))
        .unwrap_or_default();
    let held = match f.holder.as_deref() {
        Some(h) if !h.eq_ignore_ascii_case(&f.principal.id) => {
            format!(", held by {}", name_of(engine, h))
        }
        _ => String::new(),
    };
    let assignment = clean(f.grant.rsplit('/').find(|s| !s.is_empty()).unwrap_or("/"));
    format!("through {role}{at}{held} ({lever}; assignment {assignment})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Engine;
    use crate::query::escalations;
    use crate::snapshot;

    #[test]
    fn a_finding_with_no_grant_says_unknown_and_why_never_through_nothing() {
        let engine = Engine::new(snapshot::demo());
        let all = escalations(&engine, None);
        let orphan = all
            .iter()
            .find(|f| f.grant.is_empty())
            .expect("the demo has a finding with no grant known");
        let w = self_grant(&engine, orphan);
        assert!(w.claim.starts_with("unknown whether it can"), "{w:?}");
        assert!(w.how.contains("listed only because"), "{w:?}");
        assert!(w.how.contains("not in"), "{w:?}");
        assert!(!w.line().trim_end().ends_with("through"), "{w:?}");
        let carol = all
            .iter()
            .find(|f| f.principal.display_name == "Carol" && f.decision == Decision::Allowed)
            .expect("Carol can grant herself");
        let w = self_grant(&engine, carol);
        assert!(
            w.how
                .starts_with("through role 'Contributor' at resource group rg-app-prod"),
            "{w:?}"
        );
        assert!(w.how.contains("Microsoft.KeyVault/vaults/"), "{w:?}");
    }
}
