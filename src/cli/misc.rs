//! The small commands: validate, demo, actions, synth, and the welcome text.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use serde_json::json;

use super::{ListFormat, TextOrJson, exit, output};
use crate::catalog::{self, Plane};
use crate::error::LoadError;
use crate::sanitize::{cut, message};
use crate::{snapshot, synth};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The snapshot file to check.
    pub file: PathBuf,
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: TextOrJson,
}

pub fn validate(a: &ValidateArgs) -> Result<u8> {
    match snapshot::load_file(&a.file) {
        Ok(s) => {
            if a.output == TextOrJson::Json {
                output::print_json(&json!({
                    "valid": true,
                    "warnings": s.warnings.iter().map(|w| json!({ "path": w.path, "message": w.message })).collect::<Vec<_>>(),
                    "counts": {
                        "managementGroups": s.management_groups.len(), "subscriptions": s.subscriptions.len(),
                        "resourceGroups": s.resource_groups.len(), "vaults": s.vaults.len(),
                        "roleDefinitions": s.role_definitions.len(), "roleAssignments": s.role_assignments.len(),
                        "roleEligibilities": s.role_eligibilities.len(), "denyAssignments": s.deny_assignments.len(),
                        "principals": s.principals.len(), "groupMemberships": s.group_memberships.len(),
                        "vaultItems": s.vault_items.len(), "collectionErrors": s.collection_errors.len(),
                    }
                }))?;
            } else {
                let mut o = output::out();
                writeln!(
                    o,
                    "{}: valid snapshot ({} vaults, {} principals, {} role assignments, {} deny assignments)",
                    a.file.display(),
                    s.vaults.len(),
                    s.principals.len(),
                    s.role_assignments.len(),
                    s.deny_assignments.len()
                )?;
                for w in &s.warnings {
                    writeln!(o, "  warning: {}: {}", cut(&w.path), message(&w.message))?;
                }
                for a in &s.assumptions {
                    writeln!(o, "  assumed: {}", message(a))?;
                }
            }
            Ok(exit::OK)
        }
        Err(e @ LoadError::Invalid { .. }) if a.output == TextOrJson::Json => {
            if let LoadError::Invalid { file, problems } = &e {
                output::print_json(&json!({
                    "valid": false, "file": file,
                    "problems": problems.iter().map(|p| json!({ "path": p.path, "message": p.message })).collect::<Vec<_>>(),
                }))?;
            }
            Ok(exit::BAD_INPUT)
        }
        Err(e) => Err(e.into()),
    }
}

pub fn demo() -> Result<u8> {
    let mut o = std::io::stdout().lock();
    o.write_all(snapshot::DEMO_JSON.as_bytes())?;
    Ok(exit::OK)
}

#[derive(Debug, Args)]
pub struct ActionsArgs {
    #[arg(long, short = 'o', value_enum, default_value_t)]
    pub output: ListFormat,
}

pub fn actions(a: &ActionsArgs) -> Result<u8> {
    let ops = catalog::operations();
    match a.output {
        ListFormat::Json => output::print_json(
            &ops.iter()
                .map(|op| {
                    json!({
                        "name": op.name, "plane": op.plane, "group": op.group, "actions": op.actions,
                        "accessPolicy": op.policy.map(|(k, p)| json!({ "list": k.as_str(), "permission": p })),
                    })
                })
                .collect::<Vec<_>>(),
        )?,
        ListFormat::Csv => {
            let mut w = output::csv_out();
            output::csv_row(&mut w, &["name", "plane", "group", "accessPolicy", "actions"].map(String::from))?;
            for op in ops {
                let ap = op.policy.map(|(k, p)| format!("{}/{p}", k.as_str())).unwrap_or_default();
                output::csv_row(&mut w, &[op.name.into(), op.plane.as_str().into(), op.group.into(), ap, op.actions.join(" ")])?;
            }
            w.flush()?;
        }
        _ => {
            let mut o = output::out();
            for plane in [Plane::Data, Plane::Management] {
                writeln!(o, "{}", output::paint(output::bold(), &format!("{} plane", plane.as_str())))?;
                for op in ops.iter().filter(|op| op.plane == plane) {
                    writeln!(o, "  {:<40} {}", op.name, op.actions.join(" + "))?;
                }
            }
        }
    }
    Ok(exit::OK)
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    #[arg(long)]
    pub principals: usize,
    #[arg(long)]
    pub vaults: usize,
    #[arg(long)]
    pub role_assignments: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Compute resources with managed identities and control role assignments (attack-path hop data).
    #[arg(long, default_value_t = 0)]
    pub compute_resources: usize,
    /// Applications with owners and federated credentials (attack-path hop data).
    #[arg(long, default_value_t = 0)]
    pub applications: usize,
    /// Output file (written atomically).
    #[arg(long, short = 'o')]
    pub out: PathBuf,
}

pub fn synth(a: &SynthArgs) -> Result<u8> {
    let spec = synth::SynthSpec {
        compute_resources: a.compute_resources,
        applications: a.applications,
        ..synth::SynthSpec::new(a.principals, a.vaults, a.role_assignments, a.seed)
    };
    let tenant = synth::generate(&spec);
    snapshot::save(&tenant, &a.out)?;
    eprintln!(
        "wrote {} ({} principals, {} vaults, {} role assignments)",
        a.out.display(),
        tenant.principals.len(),
        tenant.vaults.len(),
        tenant.role_assignments.len()
    );
    Ok(exit::OK)
}

pub fn print_welcome() {
    use clap::CommandFactory;
    let mut cmd = super::Cli::command();
    let _ = cmd.print_help();
    let _ = writeln!(
        std::io::stdout(),
        "\nRun kvaccess in a terminal (or `kvaccess tui`) to open the explorer. Every command also works on the embedded demo tenant, for example:\n  \
         kvaccess who-can --scope /subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-app-prod --action secrets/get\n  \
         kvaccess escalations"
    );
}
