//! The flat answer streamed from a grouped who-can answer: one row per identity that can (and application it
//! calls through), walked from the classes, then a row per identity of each group of the other sections.
//! Written as JSON lines, what a row shares with the others of its class (decision, application, grants,
//! section) is rendered once, so a line costs only the identity's id, name and type.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use super::classes::Ident;
use super::{GroupedWhoCan, principal_of};
use crate::eval::index::NodeKind;
use crate::eval::{Decision, Engine};
use crate::model::PrincipalKind;

/// One line of the streamed answer: an identity, its decision and the grants that decide it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row<'r> {
    pub id: &'r str,
    pub display_name: &'r str,
    #[serde(rename = "type")]
    pub kind: PrincipalKind,
    #[serde(flatten)]
    pub decided: Decided<'r>,
}

/// What a row shares with every other row of its class or section group.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decided<'r> {
    pub decision: Decision,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via_app: Option<&'r str>,
    /// The grant ids (as the groups name them) that decide it.
    pub grants: &'r [String],
    /// For the rows after those who can: `denied` (a deny assignment stops a grant), `onItems`,
    /// `eligible` or `canGrantThemselves`.
    #[serde(rename = "as", skip_serializing_if = "Option::is_none")]
    pub section: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub technique: Option<&'static str>,
    /// The technique is one Microsoft's articles disagree on.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disputed: bool,
}

impl GroupedWhoCan {
    /// The flat answer, one row per identity that can (and application it calls through), walked from the
    /// classes: an identity is in one class, so no row repeats and nothing but the classes is held. Then a
    /// row per identity of each group of the other sections.
    pub fn each_row<E>(
        &self,
        engine: &Engine,
        mut row: impl FnMut(&Row) -> Result<(), E>,
    ) -> Result<(), E> {
        self.each_run(|members, decided| {
            for &i in members {
                let (id, display_name, kind) = self.who(engine, i);
                row(&Row {
                    id,
                    display_name: &display_name,
                    kind,
                    decided: decided.clone(),
                })?;
            }
            Ok(())
        })
    }

    /// [`Self::each_row`]'s rows written to `out` as JSON lines, byte for byte what `serde_json` writes for
    /// each [`Row`] and a newline: the number of lines.
    pub fn write_jsonl(&self, engine: &Engine, out: &mut impl Write) -> io::Result<usize> {
        let mut lines = 0;
        self.each_run(|members, decided| {
            let tail = tail(decided)?;
            for &i in members {
                let (id, display_name, kind) = self.who(engine, i);
                line(out, id, &display_name, kind, &tail)?;
            }
            lines += members.len();
            Ok::<(), io::Error>(())
        })?;
        Ok(lines)
    }

    /// The rows a run of identities at a time: the members of a class with one of its verdicts, then of each
    /// group of the other sections (unsorted, without the group chains: a line names the grant).
    fn each_run<E>(
        &self,
        mut run: impl FnMut(&[Ident], &Decided) -> Result<(), E>,
    ) -> Result<(), E> {
        for (part, app, decision, grants) in &self.rows {
            let members = self
                .parts
                .get(*part as usize)
                .map_or(&[][..], Vec::as_slice);
            let decided = Decided {
                decision: *decision,
                via_app: app.as_deref(),
                grants,
                section: None,
                technique: None,
                disputed: false,
            };
            run(members, &decided)?;
        }
        let a = &self.answer;
        for (section, list) in [
            ("denied", &a.denied),
            ("onItems", &a.on_items),
            ("eligible", &a.eligible),
            ("canGrantThemselves", &a.can_grant_themselves),
        ] {
            for g in list {
                let grants = [g.grant.clone()];
                let decided = Decided {
                    decision: g.decision,
                    via_app: g.via_app.as_deref(),
                    grants: &grants,
                    section: Some(section),
                    technique: g.technique.map(|t| t.as_str()),
                    disputed: g.disputed,
                };
                for p in g.parts.iter().filter_map(|&p| self.parts.get(p as usize)) {
                    run(p, &decided)?;
                }
            }
        }
        Ok(())
    }

    /// An identity's id, name and type, as [`principal_of`] says them; one the directory holds read from its
    /// membership-graph node without looking its id up.
    fn who<'e>(&'e self, engine: &'e Engine, i: Ident) -> (&'e str, Cow<'e, str>, PrincipalKind) {
        let id = self.idents.name(engine, i);
        let listed = match self.idents.node(i).map(|n| engine.index.node_kind(n)) {
            Some(NodeKind::Identity(Some(p))) => engine.snapshot.principals.get(p as usize),
            _ => None,
        };
        match listed {
            Some(p) => (id, Cow::Borrowed(p.display_name.as_str()), p.kind),
            None => {
                let (name, kind) = principal_of(engine, id);
                (id, Cow::Owned(name), kind)
            }
        }
    }
}

/// What follows an identity's type on its line: `,"decision":…}` and the newline.
fn tail(decided: &Decided) -> io::Result<Vec<u8>> {
    let mut tail = serde_json::to_vec(decided)?;
    if let Some(open) = tail.first_mut() {
        *open = b',';
    }
    tail.push(b'\n');
    Ok(tail)
}

/// One line: the identity's fields as [`Row`] names them, then the shared `tail`.
fn line(
    out: &mut impl Write,
    id: &str,
    display_name: &str,
    kind: PrincipalKind,
    tail: &[u8],
) -> io::Result<()> {
    out.write_all(b"{\"id\":")?;
    serde_json::to_writer(&mut *out, id)?;
    out.write_all(b",\"displayName\":")?;
    serde_json::to_writer(&mut *out, display_name)?;
    out.write_all(b",\"type\":")?;
    serde_json::to_writer(&mut *out, &kind)?;
    out.write_all(tail)
}
