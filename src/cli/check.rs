//! `kvaccess check`: one question, its decision as the exit code, its evidence on stdout.

use std::net::IpAddr;

use anyhow::Result;
use clap::Args;

use super::{SnapshotArg, TextOrJson, exit, output};
use crate::eval::{Decision, Engine, Origin};
use crate::query::{self, Question};
use crate::sanitize::clean;

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    /// Object id, UPN, appId or unambiguous display name.
    #[arg(long, short = 'p')]
    pub principal: String,
    /// appId (or name) of the application the principal calls through (compound identity).
    #[arg(long)]
    pub via_app: Option<String>,
    /// ARM id of a management group, subscription, resource group, vault, or key/secret/certificate; or a
    /// vault name, a vault URL (https://NAME.vault.azure.net/secrets/X), or NAME/secrets/X.
    #[arg(long)]
    pub scope: String,
    /// `secrets/get`, `keys/wrapKey`, `vaults/write`, or a full action string.
    #[arg(long, short = 'a')]
    pub action: String,
    #[command(flatten)]
    pub from: FromArgs,
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: TextOrJson,
}

/// Where the call comes from (data plane only; at most one).
#[derive(Debug, Args, Default)]
#[group(multiple = false)]
pub struct FromArgs {
    /// The caller's IP address, or `internet`: somewhere on the public internet, address not given.
    #[arg(long, value_name = "IP|internet", value_parser = caller_address)]
    pub from_ip: Option<Origin>,
    /// The caller's subnet resource id (virtual network service endpoint).
    #[arg(long, value_name = "SUBNET_ID")]
    pub from_subnet: Option<String>,
    /// The call comes through a private endpoint (optionally: which one).
    #[arg(long, value_name = "ENDPOINT_ID", num_args = 0..=1, default_missing_value = "")]
    pub private_endpoint: Option<String>,
    /// The caller is a trusted Microsoft service.
    #[arg(long)]
    pub trusted_service: bool,
}

impl FromArgs {
    pub fn origin(&self) -> Option<Origin> {
        if let Some(origin) = &self.from_ip {
            Some(origin.clone())
        } else if let Some(s) = &self.from_subnet {
            Some(Origin::Subnet(s.clone()))
        } else if let Some(pe) = &self.private_endpoint {
            Some(Origin::PrivateEndpoint(
                (!pe.is_empty()).then(|| pe.clone()),
            ))
        } else if self.trusted_service {
            Some(Origin::TrustedService)
        } else {
            None
        }
    }
}

/// `--from-ip`: an IP address or the word `internet`.
fn caller_address(text: &str) -> Result<Origin, String> {
    if text.trim().eq_ignore_ascii_case("internet") {
        return Ok(Origin::Internet);
    }
    text.trim()
        .parse::<IpAddr>()
        .map(Origin::Ip)
        .map_err(|_| format!("'{text}' is neither an IP address nor 'internet'"))
}

pub fn run(a: &CheckArgs) -> Result<u8> {
    let snapshot = a.snapshot.load()?;
    let engine = Engine::new(snapshot);
    let question = Question {
        principal: a.principal.clone(),
        via_app: a.via_app.clone(),
        scope: a.scope.clone(),
        action: a.action.clone(),
        origin: a.from.origin(),
    };
    let verdict = query::check(&engine, &question)?;
    // Also on stderr, whatever the format: a mistyped item name must not pass as an answer about it.
    let scope = query::resolve_scope(&engine.snapshot, &question.scope)?;
    if let Some(note) = query::item_not_in_snapshot(&engine, &scope) {
        eprintln!("warning: {}", clean(&note.to_string()));
    }
    // Self-grant paths are reported beside the decision; they never change it (nor the exit code).
    let self_grants = if verdict.decision == Decision::Allowed {
        Vec::new()
    } else {
        query::check_self_grants(&engine, &question)?
    };
    // So are the items of a vault the principal may use through grants made at them (docs/semantics.md D5):
    // "denied" on the vault must not read as "no secret of it".
    let on_items = if verdict.decision == Decision::Allowed {
        Vec::new()
    } else {
        query::check_on_items(&engine, &question)?
    };
    match a.output {
        TextOrJson::Json => {
            let mut v = serde_json::to_value(&verdict)?;
            v["selfGrants"] = serde_json::to_value(&self_grants)?;
            v["onItems"] = serde_json::to_value(&on_items)?;
            output::print_json(&v)?;
        }
        TextOrJson::Text => {
            output::print_verdict(&engine, &verdict)?;
            print_on_items(&engine, &on_items)?;
            print_self_grants(&engine, &self_grants)?;
        }
    }
    Ok(match verdict.decision {
        Decision::Allowed => exit::ALLOWED,
        Decision::Denied => exit::DENIED,
        Decision::Conditional => exit::CONDITIONAL,
        Decision::Unknown => exit::UNKNOWN,
    })
}

/// `  on items  1 item of the vault, through grants made there:`, then each item with its decision and grants.
fn print_on_items(engine: &Engine, items: &[query::ItemAnswer]) -> Result<()> {
    use std::io::Write;
    if items.is_empty() {
        return Ok(());
    }
    let mut o = output::out();
    let n = if items.len() == 1 { "item" } else { "items" };
    writeln!(
        o,
        "  {}  {} {n} of the vault, through grants made there:",
        output::paint(output::decision_style(Decision::Allowed), "on items"),
        items.len()
    )?;
    for i in items {
        writeln!(
            o,
            "        {} {}",
            output::paint(output::decision_style(i.decision), i.decision.as_str()),
            output::describe_scope(engine, &i.item)
        )?;
        for g in &i.grants {
            writeln!(o, "          + {}", crate::display::grant_line(engine, g))?;
        }
    }
    Ok(())
}

/// `  ⇑ can grant  can add an access-policy entry for itself`, then through what (or, unknown, why).
fn print_self_grants(engine: &Engine, findings: &[query::Finding]) -> Result<()> {
    use std::io::Write;
    let mut o = output::out();
    for f in findings {
        let words = crate::display::self_grant(engine, f);
        writeln!(
            o,
            "  {}  {}",
            output::paint(output::decision_style(Decision::Conditional), words.label),
            words.claim
        )?;
        writeln!(o, "        {}", words.how)?;
        if let Some(c) = &f.condition {
            writeln!(o, "        if: {}", clean(c))?;
        }
        writeln!(
            o,
            "        would gain: {}",
            super::escalations::summarize(&f.lacks)
        )?;
    }
    Ok(())
}
