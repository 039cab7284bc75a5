//! Which cloud to talk to: endpoints and token audiences per plane, built in for the three public clouds
//! or read from a `--cloud-config` file (Azure Stack, proxies, tests).
//!
//! Plain `http://` is accepted only for loopback addresses (a local mock or proxy); everything else must
//! be `https://`, so a bearer token never crosses the network in clear text.

use std::net::IpAddr;
use std::path::Path;

use reqwest::Url;
use serde::Deserialize;
use thiserror::Error;

use crate::model::Cloud;

/// The three services kvaccess reads (not to be confused with `catalog::Plane`, the management or data plane of
/// an action), each with its own endpoint and token audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// Azure Resource Manager (management plane).
    Arm,
    /// Microsoft Graph (directory objects and group memberships).
    Graph,
    /// Key Vault data plane (`https://<vault>.<vault DNS suffix>`).
    Vault,
}

impl Endpoint {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Arm => "Azure Resource Manager",
            Self::Graph => "Microsoft Graph",
            Self::Vault => "Key Vault data plane",
        }
    }
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CloudConfigError {
    #[error("{file}: cannot read: {message}")]
    Io { file: String, message: String },
    #[error("{file}: not a valid cloud configuration: {message}")]
    Syntax { file: String, message: String },
    #[error("{what}: '{url}' is not a URL: {message}")]
    BadUrl {
        what: String,
        url: String,
        message: String,
    },
    #[error(
        "{what}: '{url}' uses plain http, which is accepted only for loopback addresses (127.0.0.0/8, ::1, localhost); use https"
    )]
    InsecureUrl { what: String, url: String },
    #[error("{what}: '{url}' must be an https:// (or loopback http://) URL")]
    BadScheme { what: String, url: String },
    #[error("{what}: {message}")]
    Invalid { what: String, message: String },
}

/// Endpoints and audiences of one cloud. Endpoint URLs always end with `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudConfig {
    /// What the snapshot's `cloud` field says (custom clouds name the public cloud they resemble).
    pub cloud: Cloud,
    /// A display name: `AzureCloud`, … or the custom configuration's `name`.
    pub name: String,
    pub resource_manager: Url,
    pub microsoft_graph: Url,
    /// Entra ID authority host, for the credentials that talk to it.
    pub login: Url,
    /// DNS suffix of vault endpoints, without a leading dot: `vault.azure.net`.
    pub vault_dns_suffix: String,
    pub arm_scope: String,
    pub graph_scope: String,
    pub vault_scope: String,
    /// True for `--cloud-config` files: the credentials get a custom authority host.
    pub custom: bool,
}

#[expect(
    clippy::expect_used,
    reason = "constant URLs, all exercised by the unit tests"
)]
fn url(text: &'static str) -> Url {
    Url::parse(text).expect("constant endpoint URL")
}

impl CloudConfig {
    /// The built-in endpoints and audiences of a public or sovereign cloud (`docs/collection.md`, "Clouds and audiences").
    pub fn builtin(cloud: Cloud) -> Self {
        let (arm, graph, login, suffix) = match cloud {
            Cloud::AzureCloud => (
                "https://management.azure.com/",
                "https://graph.microsoft.com/",
                "https://login.microsoftonline.com/",
                "vault.azure.net",
            ),
            Cloud::AzureChinaCloud => (
                "https://management.chinacloudapi.cn/",
                "https://microsoftgraph.chinacloudapi.cn/",
                "https://login.chinacloudapi.cn/",
                "vault.azure.cn",
            ),
            Cloud::AzureUsGovernment => (
                "https://management.usgovcloudapi.net/",
                "https://graph.microsoft.us/",
                "https://login.microsoftonline.us/",
                "vault.usgovcloudapi.net",
            ),
        };
        Self {
            cloud,
            name: cloud.as_str().to_string(),
            resource_manager: url(arm),
            microsoft_graph: url(graph),
            login: url(login),
            vault_dns_suffix: suffix.to_string(),
            arm_scope: scope_for(arm.trim_end_matches('/')),
            graph_scope: scope_for(graph.trim_end_matches('/')),
            vault_scope: scope_for(&format!("https://{suffix}")),
            custom: false,
        }
    }

    /// Reads a `--cloud-config` file (see [`CloudConfigFile`] for its fields).
    pub fn load(path: &Path) -> Result<Self, CloudConfigError> {
        let file = path.display().to_string();
        let text = crate::files::read_text(path).map_err(|e| CloudConfigError::Io {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Self::from_json(&text, &file)
    }

    pub fn from_json(text: &str, file: &str) -> Result<Self, CloudConfigError> {
        let raw: CloudConfigFile =
            serde_json::from_str(text).map_err(|e| CloudConfigError::Syntax {
                file: file.to_string(),
                message: e.to_string(),
            })?;
        raw.into_config()
    }

    /// The scope (`<audience>/.default`) a token for `plane` is requested with.
    pub fn scope(&self, plane: Endpoint) -> &str {
        match plane {
            Endpoint::Arm => &self.arm_scope,
            Endpoint::Graph => &self.graph_scope,
            Endpoint::Vault => &self.vault_scope,
        }
    }

    /// Whether every endpoint is on this machine (then no proxy can be meant).
    pub fn all_loopback(&self) -> bool {
        is_loopback(&self.resource_manager) && is_loopback(&self.microsoft_graph)
    }

    /// Whether a vault URI from ARM may receive a Key Vault token: an https host under the cloud's vault DNS
    /// suffix, or the origin of an endpoint this configuration names (a local mock serves its vaults there).
    /// Any other address, another loopback port included, would hand the token to a stranger.
    pub fn vault_uri_allowed(&self, uri: &Url) -> Result<(), String> {
        check_scheme(uri, "vaultUri").map_err(|e| e.to_string())?;
        let configured = [&self.resource_manager, &self.microsoft_graph];
        if configured.iter().any(|e| same_origin(e, uri)) {
            return Ok(());
        }
        let host = uri.host_str().unwrap_or("").to_ascii_lowercase();
        let suffix = format!(".{}", self.vault_dns_suffix.to_ascii_lowercase());
        if uri.scheme() == "https" && host.ends_with(&suffix) && host.len() > suffix.len() {
            Ok(())
        } else {
            Err(format!(
                "vault URI '{uri}' is not under this cloud's vault DNS suffix '{}': not contacted",
                self.vault_dns_suffix
            ))
        }
    }

    /// The azure_core cloud configuration for credentials that talk to Entra ID.
    pub fn credential_cloud(&self) -> azure_core::cloud::CloudConfiguration {
        use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
        if self.custom {
            let mut c = CustomConfiguration::default();
            c.authority_host = self.login.as_str().trim_end_matches('/').to_string();
            return c.into();
        }
        match self.cloud {
            Cloud::AzureCloud => CloudConfiguration::AzurePublic,
            Cloud::AzureChinaCloud => CloudConfiguration::AzureChina,
            Cloud::AzureUsGovernment => CloudConfiguration::AzureGovernment,
        }
    }
}

/// `<audience>/.default`, as the Azure CLI forms it; an audience that is already a scope is kept. A resource
/// id ending in `/` keeps its slash (`https://management.core.windows.net//.default`), as Entra ID expects.
pub fn scope_for(audience: &str) -> String {
    let a = audience.trim();
    if a.ends_with("/.default") {
        return a.to_string();
    }
    format!("{a}/.default")
}

/// Same scheme, host (case-insensitively) and port.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Whether the URL's host is a loopback address or `localhost`.
pub fn is_loopback(u: &Url) -> bool {
    match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost"
                || d.ends_with(".localhost")
                || d.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        None => false,
    }
}

/// https anywhere; http only to loopback.
pub fn check_scheme(u: &Url, what: &str) -> Result<(), CloudConfigError> {
    match u.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(u) => Ok(()),
        "http" => Err(CloudConfigError::InsecureUrl {
            what: what.to_string(),
            url: u.to_string(),
        }),
        _ => Err(CloudConfigError::BadScheme {
            what: what.to_string(),
            url: u.to_string(),
        }),
    }
}

/// Parses and checks an endpoint; the result ends with `/` so relative paths join below it.
pub fn endpoint(text: &str, what: &str) -> Result<Url, CloudConfigError> {
    let mut t = text.trim().to_string();
    if !t.ends_with('/') {
        t.push('/');
    }
    let u = Url::parse(&t).map_err(|e| CloudConfigError::BadUrl {
        what: what.to_string(),
        url: text.to_string(),
        message: e.to_string(),
    })?;
    if u.host().is_none() {
        return Err(CloudConfigError::BadUrl {
            what: what.to_string(),
            url: text.to_string(),
            message: "no host".into(),
        });
    }
    check_scheme(&u, what)?;
    if u.query().is_some() || u.fragment().is_some() {
        return Err(CloudConfigError::Invalid {
            what: what.to_string(),
            message: format!("'{text}' must not carry a query or fragment"),
        });
    }
    Ok(u)
}

/// The `--cloud-config` file:
///
/// ```json
/// { "name": "AzureStack-local", "cloud": "AzureCloud",
///   "resourceManager": "https://management.local.azurestack.external",
///   "microsoftGraph": "https://graph.local.azurestack.external",
///   "login": "https://login.local.azurestack.external",
///   "vaultDnsSuffix": "vault.local.azurestack.external",
///   "audiences": { "resourceManager": "https://management.local.azurestack.external",
///                  "microsoftGraph": "https://graph.local.azurestack.external",
///                  "keyVault": "https://vault.local.azurestack.external" } }
/// ```
///
/// `resourceManager`, `microsoftGraph` and `vaultDnsSuffix` are required. `login` defaults to the public
/// cloud's; each audience defaults to its endpoint (Key Vault: `https://<vaultDnsSuffix>`). `cloud` is what the
/// snapshot records (default AzureCloud). Unknown fields are rejected so that a typo is not silently ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CloudConfigFile {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub cloud: Option<String>,
    pub resource_manager: String,
    pub microsoft_graph: String,
    #[serde(default)]
    pub login: Option<String>,
    pub vault_dns_suffix: String,
    #[serde(default)]
    pub audiences: Audiences,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Audiences {
    #[serde(default)]
    pub resource_manager: Option<String>,
    #[serde(default)]
    pub microsoft_graph: Option<String>,
    #[serde(default)]
    pub key_vault: Option<String>,
}

impl CloudConfigFile {
    pub fn into_config(self) -> Result<CloudConfig, CloudConfigError> {
        let cloud = match &self.cloud {
            None => Cloud::AzureCloud,
            Some(c) => Cloud::parse(c).ok_or_else(|| CloudConfigError::Invalid {
                what: "cloud".into(),
                message: format!("'{c}' is not AzureCloud, AzureChinaCloud or AzureUSGovernment"),
            })?,
        };
        let resource_manager = endpoint(&self.resource_manager, "resourceManager")?;
        let microsoft_graph = endpoint(&self.microsoft_graph, "microsoftGraph")?;
        let login = match &self.login {
            Some(l) => endpoint(l, "login")?,
            None => CloudConfig::builtin(cloud).login,
        };
        let suffix = self
            .vault_dns_suffix
            .trim()
            .trim_start_matches('.')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if suffix.is_empty()
            || suffix.contains('/')
            || suffix.contains(':')
            || !suffix.contains('.')
        {
            return Err(CloudConfigError::Invalid {
                what: "vaultDnsSuffix".into(),
                message: format!(
                    "'{}' is not a DNS suffix such as vault.azure.net",
                    self.vault_dns_suffix
                ),
            });
        }
        // An audience is an identifier, not an address: any URI (https://…, api://…) will do.
        let audience = |given: &Option<String>, default: &str, what: &str| {
            let a = given
                .as_deref()
                .map(str::trim)
                .unwrap_or_else(|| default.trim_end_matches('/'))
                .to_string();
            Url::parse(a.trim_end_matches("/.default")).map_err(|e| CloudConfigError::BadUrl {
                what: format!("audiences.{what}"),
                url: a.clone(),
                message: e.to_string(),
            })?;
            Ok(scope_for(&a))
        };
        Ok(CloudConfig {
            cloud,
            name: self.name.clone().unwrap_or_else(|| "custom".to_string()),
            arm_scope: audience(
                &self.audiences.resource_manager,
                resource_manager.as_str(),
                "resourceManager",
            )?,
            graph_scope: audience(
                &self.audiences.microsoft_graph,
                microsoft_graph.as_str(),
                "microsoftGraph",
            )?,
            vault_scope: audience(
                &self.audiences.key_vault,
                &format!("https://{suffix}"),
                "keyVault",
            )?,
            resource_manager,
            microsoft_graph,
            login,
            vault_dns_suffix: suffix,
            custom: true,
        })
    }
}

#[cfg(test)]
mod tests;
