//! The activity view's selected row explained: a caller's calls in full with the grants that allow them now
//! (and when each was last used), a could-vs-did line with its grants, or the logs' account.

use super::{ActivityView, NO_LOGS, Row, cells, status_words};
use crate::display::grant_line;
use crate::eval::{Engine, Grant};
use crate::sanitize::clean;
use crate::tui::explain::{Doc, Tone};

impl ActivityView {
    /// Logs read change the explanation's "last used" too.
    pub fn explain_key(&self) -> String {
        format!(
            "{}|{}|{}",
            self.cursor.selected,
            u8::from(self.ready().is_some()),
            u8::from(self.last_used().is_some())
        )
    }

    /// The selected row explained: a caller's calls in full with the grants that allow them now (and when
    /// each was last used), a could-vs-did line with its grants, or the logs' account.
    pub fn explain(&self, engine: &Engine) -> Doc {
        if self.paths.is_empty() {
            let mut d = Doc::new("Activity");
            d.text(NO_LOGS);
            return d;
        }
        let (Some(a), Some(row)) = (self.ready(), self.selected()) else {
            return Doc::new("Activity");
        };
        let grants = |d: &mut Doc, gs: &[Grant], at: &str| {
            for g in gs {
                d.text(format!("  + {}", grant_line(engine, g)));
                if let Some(u) = self.last_used() {
                    d.styled(Tone::Dim, format!("    {}", u.words(g, at)));
                }
            }
        };
        match row {
            Row::Did(i) | Row::DidHeading(i) => {
                let Some(e) = a.did.entries.get(i) else {
                    return Doc::new("Activity");
                };
                let mut d = Doc::new(format!(
                    "{} · {}",
                    clean(&e.caller.display_name),
                    clean(&e.operation)
                ));
                d.heading(&cells::did_heading(e));
                d.styled(Tone::Id, format!("caller {}", clean(&e.caller.id)));
                if !e.caller.in_snapshot {
                    d.text("not in the snapshot's directory data (the name is the token's)");
                }
                if let Some(app) = &e.app {
                    d.text(format!("through application {}", clean(app)));
                }
                d.text(format!(
                    "{} calls: {} ok, {} denied, {} by the firewall, {} other failures",
                    e.count, e.successes, e.denied, e.denied_by_firewall, e.other_failures
                ));
                d.text(format!("first {} · last {}", e.first, e.last));
                if !e.source_ips.is_empty() {
                    let more = match e.more_source_ips {
                        0 => String::new(),
                        n => format!(" and {n} more"),
                    };
                    d.text(format!("from {}{more}", clean(&e.source_ips.join(", "))));
                }
                if let Some(now) = &e.now {
                    d.heading("Now");
                    match now.decision {
                        Some(dec) => {
                            d.styled(Tone::Decision(dec), dec.as_str());
                            let at = match &e.item {
                                Some(item) => format!("{}/{item}", e.vault),
                                None => e.vault.clone(),
                            };
                            grants(&mut d, &now.grants, &at);
                        }
                        None => d.text(format!(
                            "not evaluated: {}",
                            clean(now.not_evaluated.as_deref().unwrap_or(""))
                        )),
                    }
                }
                d
            }
            Row::Compare(o, r) => {
                let Some((c, op, row)) = cells::compared(a).and_then(|c| {
                    let op = c.operations.get(o)?;
                    Some((c, op, op.rows.get(r)?))
                }) else {
                    return Doc::new("Activity");
                };
                let mut d = Doc::new(format!(
                    "{} · {}",
                    clean(&row.principal.display_name),
                    clean(&op.operation)
                ));
                d.styled(Tone::Id, clean(&row.principal.id).into_owned());
                d.text(format!(
                    "{}: could {}, {} ok, {} denied, {} by the firewall, {} other failures",
                    status_words(row.status),
                    row.could.as_str(),
                    row.successes,
                    row.denied,
                    row.denied_by_firewall,
                    row.other_failures
                ));
                if let Some(t) = &row.last_call {
                    d.text(format!("last call {t}"));
                }
                grants(&mut d, &row.grants, &c.scope);
                d
            }
            _ => {
                let mut d = Doc::new("Logs");
                for l in &self.account {
                    d.text(clean(l).into_owned());
                }
                d
            }
        }
    }
}
