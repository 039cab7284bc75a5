//! `kvaccess fetch` (live collection into a snapshot file) and `kvaccess import --az` (a snapshot from
//! the JSON the Azure CLI prints).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use super::exit;
use crate::fetch::{
    self, AuthMethod, CloudConfig, Completeness, Credentials, FetchOptions, FetchRequest,
    FetchUpdate, Fetcher, cache,
};
use crate::model::{Cloud, Snapshot};
use crate::sanitize::{clean, message};

/// Exit code of a run that read everything it tried to read but some of it failed (collection errors).
pub const WITH_COLLECTION_ERRORS: u8 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum AuthArg {
    /// Environment service principal, workload identity, managed identity, then az / azd.
    #[default]
    Default,
    /// The Azure CLI's login (`az login`).
    Cli,
    /// AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.
    Env,
    /// The managed identity of this Azure resource (AZURE_CLIENT_ID picks a user-assigned one).
    ManagedIdentity,
    /// AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE.
    WorkloadIdentity,
    /// Pre-issued bearer tokens: KVACCESS_ARM_TOKEN, KVACCESS_GRAPH_TOKEN, KVACCESS_VAULT_TOKEN.
    Token,
}

impl From<AuthArg> for AuthMethod {
    fn from(a: AuthArg) -> Self {
        match a {
            AuthArg::Default => Self::Default,
            AuthArg::Cli => Self::Cli,
            AuthArg::Env => Self::Env,
            AuthArg::ManagedIdentity => Self::ManagedIdentity,
            AuthArg::WorkloadIdentity => Self::WorkloadIdentity,
            AuthArg::Token => Self::Token,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
#[expect(clippy::enum_variant_names, reason = "the clouds' own names")]
pub enum CloudArg {
    #[default]
    #[value(name = "AzureCloud")]
    AzureCloud,
    #[value(name = "AzureChinaCloud")]
    AzureChinaCloud,
    #[value(name = "AzureUSGovernment")]
    AzureUsGovernment,
}

impl From<CloudArg> for Cloud {
    fn from(c: CloudArg) -> Self {
        match c {
            CloudArg::AzureCloud => Cloud::AzureCloud,
            CloudArg::AzureChinaCloud => Cloud::AzureChinaCloud,
            CloudArg::AzureUsGovernment => Cloud::AzureUsGovernment,
        }
    }
}

#[derive(Debug, Args)]
#[command(after_long_help = FETCH_HELP)]
pub struct FetchArgs {
    /// Where to write the snapshot. Written atomically: an interrupted or failed run leaves the previous file as it was.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
    #[command(flatten)]
    pub collect: CollectArgs,
    /// Also save the snapshot in the per-tenant cache that the TUI opens first.
    #[arg(long)]
    pub cache: bool,
    /// Print plain progress lines even on a terminal.
    #[arg(long)]
    pub plain: bool,
}

/// What to read and how to sign in: shared by `kvaccess fetch` and `kvaccess tui --live`.
#[derive(Debug, Clone, Args)]
pub struct CollectArgs {
    /// A subscription id to read (repeat for several); every visible subscription when absent.
    #[arg(long = "subscription", value_name = "ID", value_parser = parse_guid)]
    pub subscriptions: Vec<String>,
    /// Also list the names and attributes of keys, secrets and certificates (never their values).
    #[arg(long)]
    pub include_items: bool,
    /// How to sign in.
    #[arg(long, value_enum, default_value_t)]
    pub auth: AuthArg,
    /// Which Azure cloud.
    #[arg(long, value_enum, default_value_t, ignore_case = true)]
    pub cloud: CloudArg,
    /// A JSON file naming the ARM, Graph and login endpoints, the vault DNS suffix and the token audiences (Azure Stack, proxies, tests).
    #[arg(long, value_name = "FILE", conflicts_with = "cloud")]
    pub cloud_config: Option<PathBuf>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = fetch::DEFAULT_CONCURRENCY as u16, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Seconds to wait for one response before retrying it.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

impl Default for CollectArgs {
    /// The flags' own defaults, as if none were given.
    fn default() -> Self {
        #[derive(clap::Parser)]
        struct Defaults {
            #[command(flatten)]
            collect: CollectArgs,
        }
        <Defaults as clap::Parser>::parse_from(["kvaccess"]).collect
    }
}

impl CollectArgs {
    /// The fetcher and the request these flags describe. `stream_sections` sends every item through the
    /// channel (a TUI filling its panes); without it only progress and errors travel (the CLI).
    pub fn fetcher(&self, stream_sections: bool) -> Result<(Fetcher, FetchRequest)> {
        let cloud = match &self.cloud_config {
            Some(path) => CloudConfig::load(path)?,
            None => CloudConfig::builtin(self.cloud.into()),
        };
        let credentials = Credentials::from_env(self.auth.into(), &cloud)?;
        let mut options = FetchOptions::default().with_concurrency(self.concurrency.into());
        options.http.timeout = Duration::from_secs(self.timeout);
        options.stream_sections = stream_sections;
        let fetcher = Fetcher::new(cloud, credentials, options)?;
        let request = FetchRequest {
            subscriptions: self.subscriptions.clone(),
            include_items: self.include_items,
        };
        Ok((fetcher, request))
    }
}

const FETCH_HELP: &str = "\
Exit codes: 0 complete; 3 complete with collection errors (parts that could not be read are listed in the \
snapshot's collectionErrors, and questions about them answer \"unknown\"); 2 nothing could be read, or a \
fatal error (then nothing is written).

Authentication (--auth): `default` tries, in order, a service principal from AZURE_TENANT_ID / AZURE_CLIENT_ID / \
AZURE_CLIENT_SECRET, workload identity (AZURE_FEDERATED_TOKEN_FILE), the managed identity of the Azure resource \
this runs on, then the Azure CLI and azd logins. `token` takes pre-issued bearer tokens from KVACCESS_ARM_TOKEN \
(required), KVACCESS_GRAPH_TOKEN and KVACCESS_VAULT_TOKEN, e.g.
  export KVACCESS_ARM_TOKEN=$(az account get-access-token --resource https://management.azure.com --query accessToken -o tsv)
  export KVACCESS_GRAPH_TOKEN=$(az account get-access-token --resource-type ms-graph --query accessToken -o tsv)
  export KVACCESS_VAULT_TOKEN=$(az account get-access-token --resource https://vault.azure.net --query accessToken -o tsv)
Tokens are never printed, logged or stored.

--cloud-config FILE: {\"resourceManager\": URL, \"microsoftGraph\": URL, \"login\": URL, \"vaultDnsSuffix\": \
\"vault.example\", \"audiences\": {\"resourceManager\": ..., \"microsoftGraph\": ..., \"keyVault\": ...}, \
\"cloud\": \"AzureCloud\"}. Plain http:// is accepted only for loopback addresses.";

fn parse_guid(s: &str) -> Result<String, String> {
    let t = s.trim();
    uuid::Uuid::try_parse(t)
        .map(|_| t.to_ascii_lowercase())
        .map_err(|_| format!("'{s}' is not a subscription id (a GUID)"))
}

#[derive(Debug, Args)]
#[command(after_long_help = IMPORT_HELP)]
pub struct ImportArgs {
    /// The folder holding the `az` outputs (layout below).
    #[arg(
        long,
        value_name = "DIR",
        required_unless_present = "azurehound",
        conflicts_with = "azurehound"
    )]
    pub az: Option<PathBuf>,
    /// An AzureHound collection (`azurehound list … -o FILE`), read as a stream (docs/import-azurehound.md).
    #[arg(long, value_name = "FILE")]
    pub azurehound: Option<PathBuf>,
    /// Where to write the snapshot (atomically).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
    /// The cloud the outputs come from.
    #[arg(long, value_enum, default_value_t, ignore_case = true)]
    pub cloud: CloudArg,
    /// The tenant to import when account.json lists several (a snapshot holds one tenant; the others'
    /// subscriptions are named as left out). Default: the only one, the management-group tree's, the
    /// default account's, else the one with most subscriptions.
    #[arg(long, value_name = "TENANT_ID")]
    pub tenant: Option<String>,
}

const IMPORT_HELP: &str = "\
Expected layout of DIR (each file is what the command prints with -o json):
  account.json                             az account list --all -o json
  management-groups.json        optional   az account management-group show --name <tenant id> --expand --recurse -o json
  principals.json               optional   az rest --method post --url https://graph.microsoft.com/v1.0/directoryObjects/getByIds --body @ids.json
  group-members-<group id>.json            az ad group member list --group <group id> -o json   (one per group)
  <subscription id>/groups.json            az group list --subscription <id> -o json
  <subscription id>/keyvaults.json         az keyvault list --subscription <id> --resource-type vault -o json
  <subscription id>/keyvault-<name>.json   az keyvault show --subscription <id> --name <name> -o json   (one per vault)
  <subscription id>/role-definitions.json  az role definition list --subscription <id> -o json
  <subscription id>/role-assignments.json  az role assignment list --all --include-inherited --subscription <id> -o json
  <subscription id>/deny-assignments.json  az rest --method get --url \"/subscriptions/<id>/providers/Microsoft.Authorization/denyAssignments?api-version=2022-04-01\"
  <subscription id>/eligibilities.json  optional  az rest --method get --url \"/subscriptions/<id>/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?api-version=2020-10-01\"
Subscriptions in account.json without a folder are left out. A missing file becomes a collection error for that \
subscription and section, so questions depending on it answer \"unknown\". Exit codes as for fetch.";

fn summary(snapshot: &Snapshot) -> String {
    format!(
        "{} subscription(s), {} vault(s), {} role assignment(s), {} deny assignment(s), {} principal(s), {} membership(s), {} item(s)",
        snapshot.subscriptions.len(),
        snapshot.vaults.len(),
        snapshot.role_assignments.len(),
        snapshot.deny_assignments.len(),
        snapshot.principals.len(),
        snapshot.group_memberships.len(),
        snapshot.vault_items.len()
    )
}

enum Reporter {
    Bar(indicatif::ProgressBar),
    Lines,
}

impl Reporter {
    fn new(plain: bool) -> Self {
        if plain || !std::io::stderr().is_terminal() {
            return Self::Lines;
        }
        let bar = indicatif::ProgressBar::new(0);
        let style = indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {wide_msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(120));
        Self::Bar(bar)
    }

    fn line(&self, text: &str) {
        match self {
            Self::Bar(b) => b.println(text),
            Self::Lines => eprintln!("{text}"),
        }
    }

    fn update(&self, u: &FetchUpdate) {
        match u {
            FetchUpdate::Started { cloud, credential } => self.line(&format!(
                "reading {} with {}",
                clean(cloud),
                clean(credential)
            )),
            FetchUpdate::Progress {
                done,
                planned,
                message,
            } => match self {
                Self::Bar(b) => {
                    b.set_length(*planned as u64);
                    b.set_position(*done as u64);
                    b.set_message(clean(message).into_owned());
                }
                Self::Lines => eprintln!("[{done}/{planned}] {}", clean(message)),
            },
            FetchUpdate::Error(e) => self.line(&format!("not readable: {}", message(&e.line()))),
            FetchUpdate::Warning(w) => self.line(&format!("warning: {}", message(w))),
            FetchUpdate::Section { .. } | FetchUpdate::Finished(_) | FetchUpdate::Failed(_) => {}
        }
    }

    fn finish(&self) {
        if let Self::Bar(b) = self {
            b.finish_and_clear();
        }
    }
}

/// Refuses an output that would not be written (a link, a FIFO, a device) before any work is done; the
/// write checks again.
fn check_output(path: &Path) -> Result<()> {
    crate::files::check_target(path).with_context(|| format!("{}: cannot write", path.display()))
}

pub fn run_fetch(a: &FetchArgs) -> Result<u8> {
    check_output(&a.output)?;
    // progress lines need no copies of the data
    let (fetcher, request) = a.collect.fetcher(false)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let reporter = Reporter::new(a.plain);
    let cloud = fetcher.cloud().cloud;
    let result = runtime.block_on(async {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        // The run is a task on the runtime's workers; this thread only prints progress.
        let run = tokio::spawn(async move { fetcher.run(&request, tx).await });
        while let Some(u) = rx.recv().await {
            reporter.update(&u);
        }
        run.await
    });
    reporter.finish();
    let result = result.context("the fetch task stopped unexpectedly")?;
    let outcome = match result {
        Ok(o) => o,
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!(
                "fetch failed; nothing was written to {}",
                a.output.display()
            )));
        }
    };
    let stats = outcome.stats;
    eprintln!(
        "{} requests ({} retried, {} throttled) in {:.1} s",
        stats.requests,
        stats.retries,
        stats.throttled,
        stats.elapsed_ms as f64 / 1000.0
    );
    finish(
        &a.output,
        &outcome.json,
        &outcome.snapshot,
        outcome.completeness(),
        &outcome.errors,
        a.cache.then_some((cloud, outcome.tenant_id.as_deref())),
    )
}

fn finish(
    output: &Path,
    json: &serde_json::Value,
    snapshot: &Snapshot,
    completeness: Completeness,
    errors: &[fetch::CollectionErrorRecord],
    cache_for: Option<(Cloud, Option<&str>)>,
) -> Result<u8> {
    if completeness == Completeness::NothingReadable {
        eprintln!(
            "nothing could be read (no subscription is readable); nothing was written to {}",
            output.display()
        );
        for e in errors {
            eprintln!("  {}", message(&e.line()));
        }
        return Ok(exit::BAD_INPUT);
    }
    cache::write_private(output, json)?;
    eprintln!("wrote {}: {}", output.display(), summary(snapshot));
    if let Some((cloud, tenant)) = cache_for {
        match tenant {
            Some(t) => {
                let path = cache::save(cloud, t, json)?;
                eprintln!("cached as {}", path.display());
            }
            None => eprintln!("not cached: the tenant id is unknown"),
        }
    }
    if completeness == Completeness::WithCollectionErrors {
        eprintln!(
            "{} part(s) could not be read; questions that depend on them answer \"unknown\":",
            snapshot.collection_errors.len()
        );
        for e in errors {
            eprintln!("  {}", message(&e.line()));
        }
        return Ok(WITH_COLLECTION_ERRORS);
    }
    Ok(exit::OK)
}

pub fn run_import(a: &ImportArgs) -> Result<u8> {
    check_output(&a.output)?;
    let Some(dir) = &a.az else {
        return run_import_azurehound(a);
    };
    let outcome = fetch::az_import::import_az_dir(dir, a.cloud.into(), a.tenant.as_deref())?;
    for w in &outcome.warnings {
        eprintln!("warning: {}", message(w));
    }
    let completeness = if outcome.snapshot.subscriptions.is_empty() {
        Completeness::NothingReadable
    } else if outcome.snapshot.collection_errors.is_empty() {
        Completeness::Complete
    } else {
        Completeness::WithCollectionErrors
    };
    finish(
        &a.output,
        &outcome.json,
        &outcome.snapshot,
        completeness,
        &outcome.errors,
        None,
    )
}

/// `import --azurehound FILE`: what the file cannot hold is printed once and kept in the snapshot.
fn run_import_azurehound(a: &ImportArgs) -> Result<u8> {
    let Some(file) = &a.azurehound else {
        return Ok(exit::BAD_INPUT);
    };
    let imported = crate::azurehound::import(file)?;
    eprintln!("read {} AzureHound record(s)", imported.records);
    for (kind, n) in &imported.skipped {
        eprintln!("  not used: {n} {} record(s)", message(kind));
    }
    // Every vault's publicNetworkAccess is "not collected": said once among the assumptions below.
    let each_vault = |m: &str| m.contains(crate::azurehound::NETWORK_NOT_COLLECTED);
    for w in imported
        .snapshot
        .warnings
        .iter()
        .filter(|w| !each_vault(&w.message))
    {
        eprintln!("warning: {}: {}", message(&w.path), message(&w.message));
    }
    for n in &imported.snapshot.assumptions {
        eprintln!("assumed: {}", message(n));
    }
    let completeness = if imported.snapshot.subscriptions.is_empty() {
        Completeness::NothingReadable
    } else {
        Completeness::Complete
    };
    finish(
        &a.output,
        &imported.json,
        &imported.snapshot,
        completeness,
        &[],
        None,
    )
}
