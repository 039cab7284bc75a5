//! The paths view's explanation: the selected hop with its evidence in the CLI's words, a path or a group
//! with its hops, a reached node with what it holds.

use super::{PathsView, Picked};
use crate::eval::{Decision, Engine};
use crate::paths::{self, Hop, PathGroup};
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
            Picked::Path(p) => {
                d = Doc::new(p.words());
                for h in &p.hops {
                    hop_doc(&mut d, h, &name);
                }
            }
            Picked::Reached(r) => {
                d = Doc::new(r.words());
                for h in &r.hops {
                    hop_doc(&mut d, h, &name);
                }
                d.heading("Vault data it can use");
                if r.vault_access.is_empty() {
                    d.text("no vault data");
                }
                for v in &r.vault_access {
                    d.text(format!("reaches {}", clean(v)));
                }
            }
            Picked::Group(g) => {
                d = Doc::new(clean(&g.grant).into_owned());
                d.text(format!(
                    "{} path(s) end with this grant at the last hop; open the group to see them.",
                    g.paths.len()
                ));
                if let Some(h) = g.paths.first().and_then(|p| p.hops.last()) {
                    hop_doc(&mut d, h, &name);
                }
            }
            Picked::Access(v) => {
                d = Doc::new("Vault data");
                d.text(format!("reaches {}", clean(v)));
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

/// A group's row: how many paths, then the grant in few words (its role and where; the ids are in the
/// explanation), so that a narrow pane cuts the words, not the count.
pub(super) fn group_words(g: &PathGroup, name: &dyn Fn(&str) -> String) -> String {
    let Some(last) = g.paths.first().and_then(|p| p.hops.last()) else {
        return clean(&g.grant).into_owned();
    };
    let evidence: Vec<String> = last.evidence.iter().map(|e| short_evidence(e)).collect();
    format!(
        "{} path(s) · {} {} {}",
        g.paths.len(),
        clean(&name(&last.from)),
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
