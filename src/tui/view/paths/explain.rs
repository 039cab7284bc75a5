//! The paths view's explanation: the selected hop with its evidence in the CLI's words, a path or a group
//! with its hops, a reached node with what it holds.

use super::{Answer, PathsView, Picked, grouped};
use crate::eval::{Decision, Engine};
use crate::paths::{self, AccessGroup, GrantWays, Hop, LeverKind};
use crate::sanitize::clean;
use crate::tui::explain::{Doc, Tone};
use crate::tui::theme::decision_symbol;

impl PathsView {
    /// The selected row explained: a hop with its evidence (the CLI's words), a path or a group with its
    /// hops, a reached node with what it holds.
    pub fn explain(&self, engine: &Engine) -> Doc {
        let name = |id: &str| paths::node_name(engine, id);
        let Some(picked) = self.selected() else {
            return Doc::new("Paths");
        };
        let mut d;
        match picked {
            Picked::Hop(h) => {
                d = Doc::new(format!(
                    "{} {} {}",
                    clean(&name(&h.from)),
                    h.kind.as_str(),
                    clean(&name(&h.to))
                ));
                hop_doc(&mut d, h, &name);
            }
            Picked::Start(..) | Picked::Way(_) => {
                let path = match self.ready() {
                    Some(Answer::To(t)) => grouped::path_of(engine, t, self.state.selected()),
                    _ => None,
                };
                match (path, picked) {
                    (Some(p), _) => {
                        d = Doc::new(p.words());
                        d.text("Its path, each hop with its evidence:");
                        for h in &p.hops {
                            hop_doc(&mut d, h, &name);
                        }
                    }
                    (None, Picked::Way(w)) => {
                        d = Doc::new(w.words());
                        match &w.hop {
                            Some(h) => hop_doc(&mut d, h, &name),
                            None => d.text("It holds the grant only through its members."),
                        }
                    }
                    _ => d = Doc::new("Paths"),
                }
                if let Picked::Way(w) = picked {
                    d.text(format!(
                        "{} start(s) lie beneath it; open it for the classes of starts and the nodes leading into it.",
                        w.starts
                    ));
                }
            }
            Picked::Class(c, word) => {
                d = Doc::new(format!("{} {word} taking one hop", c.count));
                hop_doc(&mut d, &c.hop_of("each of them"), &name);
                d.text("Enter lists them, a page at a time; a start explains its whole path.");
            }
            Picked::Reached(r) => {
                d = Doc::new(r.words());
                for h in &r.hops {
                    hop_doc(&mut d, h, &name);
                }
                d.heading("Vault data it can use, by what decides it");
                d.text(format!("{} vault(s)", r.vaults));
                if r.access.is_empty()
                    && r.levers.is_empty()
                    && r.items.is_empty()
                    && r.eligible.is_empty()
                {
                    d.text("no vault data");
                }
                let Some(super::Answer::From(f)) = self.ready() else {
                    return d;
                };
                for (n, g) in r.access.iter().filter_map(|&n| Some((n, f.access.get(n)?))) {
                    d.text(format!(
                        "[A{}] {} vault(s) · {}",
                        n + 1,
                        g.vaults,
                        clean(&grants_words(g, &name))
                    ));
                }
                for (n, l) in r.levers.iter().filter_map(|&n| Some((n, f.levers.get(n)?))) {
                    d.text(format!(
                        "[L{}] {} vault(s) · {}: {}",
                        n + 1,
                        l.vaults,
                        lever_word(l.kind),
                        clean(&l.technique)
                    ));
                }
                for (n, i) in r.items.iter().filter_map(|&n| Some((n, f.items.get(n)?))) {
                    d.text(format!("[I{}] {}", n + 1, clean(&i.words())));
                }
                for (n, e) in r
                    .eligible
                    .iter()
                    .filter_map(|&n| Some((n, f.eligible.get(n)?)))
                {
                    d.text(format!(
                        "[E{}] {} vault(s) · {}",
                        n + 1,
                        e.vaults,
                        clean(&e.words(&name))
                    ));
                }
                d.styled(
                    Tone::Dim,
                    "Enter on a group lists its vaults, a page at a time.",
                );
            }
            Picked::Access(n, g) => {
                d = Doc::new(format!("[A{}] {} vault(s)", n + 1, g.vaults));
                d.heading("Decided by");
                if g.decided_by.is_empty() {
                    d.text("no grant naming it: missing data decides (unknown)");
                }
                for grant in &g.decided_by {
                    d.text(clean(&grant.words(&name)).into_owned());
                }
                d.heading("Vaults by the access held there");
                for v in &g.verdicts {
                    d.text(format!("{}: {} vault(s)", v.words(), v.vaults));
                }
            }
            Picked::Verdict(v) => {
                d = Doc::new(format!("{}: {} vault(s)", v.words(), v.vaults));
                d.text("Enter lists the vaults, a page at a time.");
            }
            Picked::Lever(n, l) => {
                d = Doc::new(format!("[L{}] {}", n + 1, lever_word(l.kind)));
                d.line(vec![
                    (
                        Tone::Decision(l.decision),
                        format!("{} ", decision_symbol(l.decision)),
                    ),
                    (Tone::Plain, clean(&l.technique).into_owned()),
                ]);
                if let Some(grant) = &l.grant {
                    d.styled(Tone::Id, format!("through {}", clean(&grant.words(&name))));
                }
                for e in &l.evidence {
                    d.styled(Tone::Id, format!("evidence: {}", clean(e)));
                }
                d.text(format!("{} vault(s); Enter lists them.", l.vaults));
            }
            Picked::Items(n, i) => {
                d = Doc::new(format!("[I{}] {}", n + 1, clean(&i.words())));
                d.heading("Decided by (grants made at the items)");
                for grant in &i.decided_by {
                    d.text(clean(&grant.words(&name)).into_owned());
                }
                d.text(format!("{} item(s); Enter lists them.", i.items));
            }
            Picked::Eligible(n, e) => {
                d = Doc::new(format!("[E{}] eligible (PIM, not active)", n + 1));
                d.text(clean(&e.eligibility.words(&name)).into_owned());
                d.styled(
                    Tone::Id,
                    format!("eligibility {}", clean(&e.eligibility.id)),
                );
                d.text("Not allowed until activated; once activated, the role's access applies.");
                d.text(format!("{} vault(s); Enter lists them.", e.vaults));
            }
            Picked::Vault(v) => {
                d = Doc::new("Vault");
                d.text(clean(v).into_owned());
            }
            Picked::Grant(g) => {
                d = Doc::new(clean(&g.grant).into_owned());
                d.text(format!(
                    "{} start(s) reach it with this grant at the last hop (shortest path {} hop(s)), through {} holder(s); open the group to see them.",
                    g.starts,
                    g.shortest,
                    g.holders.len()
                ));
                if let Some(h) = first_last_hop(g) {
                    hop_doc(&mut d, h, &name);
                }
            }
            Picked::Admins | Picked::Admin(_) => {
                d = Doc::new("Tenant-wide (tier 0, can reach every vault)");
                if let Picked::Admin(a) = picked {
                    d.text(format!(
                        "{}: {}",
                        clean(&name(&a.principal_id)),
                        clean(&a.explanation)
                    ));
                    d.styled(Tone::Dim, format!("evidence: {}", clean(&a.evidence)));
                }
            }
            Picked::Unknown | Picked::Gap(_) => {
                d = Doc::new("Unknown (paths through these cannot be seen)");
                if let Picked::Gap(g) = picked {
                    d.text(clean(g).into_owned());
                }
            }
            Picked::More => {
                d = Doc::new("More");
                d.text("Enter shows the next page of this level.");
            }
        }
        d
    }

    /// Changes to the selection or the answer that change the explanation.
    pub fn explain_key(&self) -> String {
        format!(
            "{:?}{:?}{}",
            self.state.selected(),
            self.direction,
            self.ready().is_some()
        )
    }
}

/// A hop as the explanation tells it: the CLI's line, each piece of evidence, and for an unknown hop why.
fn hop_doc(d: &mut Doc, h: &Hop, name: &dyn Fn(&str) -> String) {
    d.line(vec![
        (
            Tone::Decision(h.decision),
            format!("{} ", decision_symbol(h.decision)),
        ),
        (Tone::Plain, paths::hop_line(h, name)),
    ]);
    if h.eligible {
        d.styled(
            Tone::Dim,
            "  needs a PIM activation first (activation may need approval)",
        );
    }
    if h.evidence.is_empty() {
        d.styled(Tone::Dim, "  evidence: none recorded");
    }
    for e in &h.evidence {
        d.styled(Tone::Id, format!("  evidence: {}", clean(e)));
    }
    if h.decision == Decision::Unknown {
        d.styled(
            Tone::Decision(Decision::Unknown),
            format!(
                "  unknown: the snapshot cannot show whether this hop works: {}",
                clean(&h.explanation)
            ),
        );
    }
}

/// An access group's grants in few words: each role (or access-policy entry) and its holder.
pub(super) fn grants_words(g: &AccessGroup, name: &dyn Fn(&str) -> String) -> String {
    if g.decided_by.is_empty() {
        return "no grant naming it (unknown)".to_string();
    }
    let words: Vec<String> = g.decided_by.iter().map(|d| d.words(name)).collect();
    words.join(" + ")
}

pub(super) fn lever_word(kind: LeverKind) -> &'static str {
    match kind {
        LeverKind::SelfGrant => "can grant itself",
        LeverKind::VaultFlag => "vault flag",
    }
}

/// The last hop of a grant group's first holder (or of its first members).
fn first_last_hop(g: &GrantWays) -> Option<&Hop> {
    let h = g.holders.first()?;
    h.hop.as_ref().or_else(|| h.members.first().map(|m| &m.hop))
}

/// The decision a grant group's row is marked with: its last hop's.
pub(super) fn grant_decision(g: &GrantWays) -> Decision {
    first_last_hop(g).map_or(Decision::Unknown, |h| h.decision)
}

/// A group's row: how many starts, then the grant in few words (its holder, role and where; the ids are in
/// the explanation), so that a narrow pane cuts the words, not the count.
pub(super) fn grant_words(g: &GrantWays, name: &dyn Fn(&str) -> String) -> String {
    let (Some(holder), Some(last)) = (g.holders.first(), first_last_hop(g)) else {
        return clean(&g.grant).into_owned();
    };
    let evidence: Vec<String> = last.evidence.iter().map(|e| short_evidence(e)).collect();
    let others = match g.holders.len() {
        1 => String::new(),
        n => format!(" (+{} holders)", n - 1),
    };
    format!(
        "{} start(s) · {}{others} {} {}",
        g.starts,
        clean(&name(&holder.node.id)),
        last.kind.as_str(),
        evidence.join("; ")
    )
}

/// `id (role, at scope)` as `role at short-scope`; other evidence by the last segment of its id.
fn short_evidence(e: &str) -> String {
    let inner = e
        .split_once(" (")
        .and_then(|(_, rest)| rest.strip_suffix(')'));
    match inner {
        Some(inner) => match inner.split_once(", at ") {
            Some((what, at)) => format!(
                "{} at {}",
                clean(what),
                clean(&crate::display::short_scope(at))
            ),
            None => clean(inner).into_owned(),
        },
        None => crate::tui::explain::short_id(e),
    }
}
