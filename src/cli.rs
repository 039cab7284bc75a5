//! The command line: clap definitions and one function per subcommand, each a thin layer over the library.

mod activity;
mod assert;
mod changes;
mod check;
mod escalations;
mod fetch;
mod matrix;
mod migrate;
mod misc;
mod output;
mod paths;
mod reach;
mod tour;
mod whatif;
mod who_can;

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::Snapshot;
use crate::snapshot;

/// Exit codes: the decision of `check`, or the outcome of any other command.
pub mod exit {
    pub const ALLOWED: u8 = 0;
    pub const OK: u8 = 0;
    pub const DENIED: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    pub const CONDITIONAL: u8 = 3;
    pub const UNKNOWN: u8 = 4;
    /// `whatif` / `diff` with `--fail-on-gain`: someone gains data-plane access.
    pub const GAINED: u8 = 1;
}

#[derive(Debug, Parser)]
#[command(
    name = "kvaccess",
    version,
    about = "Who can do what on Azure Key Vault, on both planes, and why.",
    long_about = "Who can do what on Azure Key Vault, on both planes, and why.\n\nEvery command reads a snapshot file (--snapshot) or, without one, the embedded Contoso demo tenant.",
    after_help = "Try: kvaccess check --principal bob@contoso.com --scope /subscriptions/bbbbbbbb-0000-0000-0000-000000000001/resourceGroups/rg-app-prod/providers/Microsoft.KeyVault/vaults/kv-app-prod --action secrets/get"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// May a principal perform an action at a scope? Exit 0 allowed, 1 denied, 3 conditional, 4 unknown, 2 bad input.
    Check(check::CheckArgs),
    /// Every identity that can perform an action at a scope, and how.
    WhoCan(who_can::WhoCanArgs),
    /// Operation groups × principals for a vault, or × vaults for a principal.
    Matrix(matrix::MatrixArgs),
    /// Everything a principal can reach: every vault (and item) where it holds any data operation, by
    /// operation group, with the grants, eligibilities and self-grant paths.
    Reach(reach::ReachArgs),
    /// Principals who cannot use a vault's data now but can grant it to themselves.
    Escalations(escalations::EscalationsArgs),
    /// Attack paths: who can become someone who can use a vault's data (--to), or what a principal can become (--from).
    Paths(paths::PathsArgs),
    /// Apply hypothetical changes to a copy of the snapshot: who gains and who loses what, and why.
    Whatif(whatif::WhatIfArgs),
    /// Check access rules (TOML) against the snapshot, or the state a plan leaves. Exit 0 all hold, 1 a violation, 2 bad rules.
    Assert(assert::AssertArgs),
    /// Compare two snapshots: every decision that differs, with the evidence after.
    Diff(whatif::DiffArgs),
    /// Propose RBAC role assignments reproducing an access-policy vault, as a what-if change list.
    Migrate(migrate::MigrateArgs),
    /// Check a snapshot file and report every problem with its JSON path.
    Validate(misc::ValidateArgs),
    /// Print the embedded demo snapshot (the Contoso tenant).
    Demo,
    /// List the operations kvaccess knows, with access-policy permissions and RBAC actions.
    Actions(misc::ActionsArgs),
    /// Write a deterministic synthetic tenant (for benchmarks and experiments).
    Synth(misc::SynthArgs),
    /// Read a live tenant (ARM, Microsoft Graph, optionally vault items) into a snapshot file. Exit 0 complete, 3 with collection errors, 2 nothing readable.
    Fetch(fetch::FetchArgs),
    /// Build a snapshot from the JSON that `az` commands print (see `kvaccess import --help`).
    Import(fetch::ImportArgs),
    /// Who did what, from Key Vault's audit logs, joined to the snapshot; --could-vs-did, --unused, --model-check.
    Activity(activity::ActivityArgs),
    /// Write a month of synthetic audit logs consistent with a snapshot, plus known disagreements.
    SynthLogs(activity::SynthLogsArgs),
    /// Open the explorer (terminal UI); `kvaccess` alone does this on the demo tenant.
    Tui(TuiArgs),
    /// A guided tour of the demo tenant's story, step by step, every claim asked of the engine (the
    /// explorer's `i` key walks the same steps).
    Tour(tour::TourArgs),
}

#[derive(Debug, Args)]
pub struct TuiArgs {
    #[command(flatten)]
    pub snapshot: SnapshotArg,
    /// Colour theme (NO_COLOR turns colour off whatever this says).
    #[arg(long, value_enum, default_value_t = ThemeArg::Dark, env = "KVACCESS_THEME")]
    pub theme: ThemeArg,
    /// Read the tenant live: open its cached snapshot at once and refresh it in the background (r refreshes,
    /// L shows the fetch log); the result is cached for next time. Takes the flags of `kvaccess fetch`.
    #[arg(long)]
    pub live: bool,
    /// With --live: the tenant whose cached snapshot opens first (the most recently cached one otherwise).
    #[arg(long, value_name = "ID", requires = "live")]
    pub tenant: Option<String>,
    #[command(flatten)]
    pub collect: fetch::CollectArgs,
    /// Key Vault audit logs (files or directories, as `kvaccess activity --logs`), read in the background:
    /// the activity view (7) and "last used" beside each grant in the explanation.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub logs: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ThemeArg {
    Dark,
    Light,
}

/// The snapshot every query reads.
#[derive(Debug, Args)]
pub struct SnapshotArg {
    /// Snapshot file (format v1); the embedded demo tenant when absent.
    #[arg(long, short = 's', value_name = "FILE", env = "KVACCESS_SNAPSHOT")]
    pub snapshot: Option<PathBuf>,
}

impl SnapshotArg {
    pub fn load(&self) -> Result<Snapshot> {
        Ok(match &self.snapshot {
            Some(path) => snapshot::load_file(path)?,
            None => snapshot::demo(),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum TableFormat {
    #[default]
    Text,
    Json,
    Csv,
    Markdown,
}

/// `--output` of the commands that print text or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum TextOrJson {
    #[default]
    Text,
    Json,
}

/// `--output` of the commands that print a report (what-if, diff).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    /// Grouped by what decides each change.
    #[default]
    Text,
    Json,
    Markdown,
    /// One JSON object per line and (identity, scope, operation), then per escalation path, written as
    /// computed (any size of answer, bounded memory).
    Jsonl,
}

/// `--output` of the commands that print a list (who-can, actions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ListFormat {
    #[default]
    Text,
    Json,
    Csv,
}

/// Runs a command and returns the process exit code. Errors propagate to `main`, which prints them and
/// exits with `exit::BAD_INPUT`.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        None if std::io::stdout().is_terminal() => tui(&TuiArgs {
            snapshot: SnapshotArg { snapshot: None },
            theme: ThemeArg::Dark,
            live: false,
            tenant: None,
            collect: fetch::CollectArgs::default(),
            logs: Vec::new(),
        }),
        None => {
            misc::print_welcome();
            Ok(exit::OK)
        }
        Some(Command::Check(a)) => check::run(&a),
        Some(Command::WhoCan(a)) => who_can::run(&a),
        Some(Command::Matrix(a)) => matrix::run(&a),
        Some(Command::Escalations(a)) => escalations::run(&a),
        Some(Command::Reach(a)) => reach::run(&a),
        Some(Command::Paths(a)) => paths::run(&a),
        Some(Command::Whatif(a)) => whatif::run(&a),
        Some(Command::Diff(a)) => whatif::run_diff(&a),
        Some(Command::Assert(a)) => assert::run(&a),
        Some(Command::Migrate(a)) => migrate::run(&a),
        Some(Command::Validate(a)) => misc::validate(&a),
        Some(Command::Demo) => misc::demo(),
        Some(Command::Actions(a)) => misc::actions(&a),
        Some(Command::Synth(a)) => misc::synth(&a),
        Some(Command::Fetch(a)) => fetch::run_fetch(&a),
        Some(Command::Import(a)) => fetch::run_import(&a),
        Some(Command::Activity(a)) => activity::run(&a),
        Some(Command::SynthLogs(a)) => activity::synth_logs(&a),
        Some(Command::Tui(a)) => tui(&a),
        Some(Command::Tour(a)) => tour::run(&a),
    }
}

fn tui(a: &TuiArgs) -> Result<u8> {
    if !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the explorer needs a terminal: run it interactively, or use the other commands in scripts"
        );
    }
    if a.live {
        return tui_live(a);
    }
    let snapshot = a.snapshot.load()?;
    let source = match &a.snapshot.snapshot {
        Some(p) => p.display().to_string(),
        None => "demo".to_string(),
    };
    crate::tui::run(snapshot, tui_options(a, &source))?;
    Ok(exit::OK)
}

/// `tui --live`: a fetcher that cannot be set up (credentials missing) is reported inside the explorer,
/// which still opens the cached snapshot.
fn tui_live(a: &TuiArgs) -> Result<u8> {
    use crate::tui::live::{feed::Feed, run};
    let setup = a.collect.fetcher(true).map_err(|e| format!("{e:#}"));
    let cloud = setup
        .as_ref()
        .map_or_else(|_| a.collect.cloud.into(), |(f, _)| f.cloud().cloud);
    let start = run::Start::from_cache(cloud, a.tenant.as_deref());
    run::run(start, tui_options(a, "live"), Feed::new(setup)?)?;
    Ok(exit::OK)
}

fn tui_options(a: &TuiArgs, source: &str) -> crate::tui::Options {
    crate::tui::Options {
        source: source.to_string(),
        theme: match a.theme {
            ThemeArg::Dark => crate::tui::theme::ThemeKind::Dark,
            ThemeArg::Light => crate::tui::theme::ThemeKind::Light,
        },
        no_color: crate::tui::theme::Theme::no_color_from_env(),
        keymap: crate::tui::keymap::Keymap::load(),
        logs: a.logs.clone(),
    }
}
