//! Authentication with azure_identity 1.0: the default chain a user expects (environment service
//! principal → workload identity → managed identity → developer tools), a pinned credential
//! (`--auth cli|env|managed-identity|workload-identity`), or pre-issued bearer tokens (`--auth token`).
//!
//! Tokens are never logged, printed or stored: every type here that holds one redacts it in `Debug`, and
//! the HTTP client scrubs the token from any message a server echoes back.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientOptions, RetryOptions};
use thiserror::Error;

use super::cloud::{CloudConfig, Endpoint};

mod credential;
pub use credential::{CachingCredential, ChainCredential, ChainLink, FixedTokenCredential};

/// How to obtain tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMethod {
    /// Environment service principal → workload identity → managed identity → Azure CLI / azd.
    #[default]
    Default,
    /// The Azure CLI's login (`az login`).
    Cli,
    /// A service principal from `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`.
    Env,
    /// The managed identity of the Azure resource this runs on (`AZURE_CLIENT_ID` picks a user-assigned one).
    ManagedIdentity,
    /// Workload identity federation (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_FEDERATED_TOKEN_FILE`).
    WorkloadIdentity,
    /// Pre-issued bearer tokens from `KVACCESS_ARM_TOKEN`, `KVACCESS_GRAPH_TOKEN`, `KVACCESS_VAULT_TOKEN`.
    Token,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Default => "default chain",
            Self::Cli => "Azure CLI",
            Self::Env => "environment service principal",
            Self::ManagedIdentity => "managed identity",
            Self::WorkloadIdentity => "workload identity",
            Self::Token => "pre-issued tokens",
        }
    }

    /// What a user can do when this method fails.
    pub fn hint(self, cloud: &CloudConfig) -> String {
        let arm = cloud.arm_scope.trim_end_matches("/.default");
        match self {
            Self::Default => format!(
                "run `az login` (or `azd auth login`); or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal; \
                 or pass --auth token with KVACCESS_ARM_TOKEN set (e.g. from `az account get-access-token --resource {arm} --query accessToken -o tsv`)"
            ),
            Self::Cli => format!(
                "run `az login` (and `az account set --subscription <id>`); check that `az account get-access-token --resource {arm}` works"
            ),
            Self::Env => "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal with Reader on the subscriptions \
                          and Directory.Read.All on Microsoft Graph (certificate credentials are not supported: use a secret or workload identity)"
                .to_string(),
            Self::ManagedIdentity => "run on an Azure resource that has a managed identity; set AZURE_CLIENT_ID to pick a user-assigned identity".to_string(),
            Self::WorkloadIdentity => "set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE (AKS workload identity sets them in the pod)".to_string(),
            Self::Token => format!(
                "set KVACCESS_ARM_TOKEN (e.g. `az account get-access-token --resource {arm} --query accessToken -o tsv`), and KVACCESS_GRAPH_TOKEN / KVACCESS_VAULT_TOKEN for the directory and vault items"
            ),
        }
    }
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AuthError {
    #[error("authentication failed ({credential}): {message}\n  to fix: {hint}")]
    Failed {
        credential: String,
        message: String,
        hint: String,
    },
    #[error("no credential for {plane}: {hint}")]
    Missing { plane: &'static str, hint: String },
}

/// A credential's error on one line, with anything token-shaped removed (tools quote what they were given).
fn one_line(s: &str) -> String {
    crate::sanitize::secrets::redact(s, None)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The credentials of one run: one per plane (the same one, usually), with the cloud's scopes.
#[derive(Clone)]
pub struct Credentials {
    arm: Option<Arc<dyn TokenCredential>>,
    graph: Option<Arc<dyn TokenCredential>>,
    vault: Option<Arc<dyn TokenCredential>>,
    method: AuthMethod,
    description: String,
    hint: String,
    timeout: Duration,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("method", &self.method)
            .field("description", &self.description)
            .field("arm", &self.arm)
            .field("graph", &self.graph)
            .field("vault", &self.vault)
            .finish()
    }
}

impl Credentials {
    /// One credential for all three planes.
    pub fn single(credential: Arc<dyn TokenCredential>, description: impl Into<String>) -> Self {
        Self {
            arm: Some(credential.clone()),
            graph: Some(credential.clone()),
            vault: Some(credential),
            method: AuthMethod::Default,
            description: description.into(),
            hint: String::new(),
            timeout: Duration::from_secs(120),
        }
    }

    /// A credential per plane; a plane without one is recorded as unreadable, not fatal (except ARM).
    pub fn per_plane(
        arm: Option<Arc<dyn TokenCredential>>,
        graph: Option<Arc<dyn TokenCredential>>,
        vault: Option<Arc<dyn TokenCredential>>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            arm,
            graph,
            vault,
            method: AuthMethod::Token,
            description: description.into(),
            hint: String::new(),
            timeout: Duration::from_secs(120),
        }
    }

    /// Fixed tokens for tests: the same token for every plane.
    pub fn fixed(token: impl Into<String>) -> Self {
        Self::single(FixedTokenCredential::new(token), "fixed token")
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    pub fn method(&self) -> AuthMethod {
        self.method
    }

    pub fn has(&self, plane: Endpoint) -> bool {
        self.credential(plane).is_some()
    }

    fn credential(&self, plane: Endpoint) -> Option<&Arc<dyn TokenCredential>> {
        match plane {
            Endpoint::Arm => self.arm.as_ref(),
            Endpoint::Graph => self.graph.as_ref(),
            Endpoint::Vault => self.vault.as_ref(),
        }
    }

    /// A token for `plane`, requested with `scope`.
    pub async fn token(&self, plane: Endpoint, scope: &str) -> Result<Secret, AuthError> {
        let Some(cred) = self.credential(plane) else {
            return Err(AuthError::Missing {
                plane: plane.as_str(),
                hint: match plane {
                    Endpoint::Arm => "set KVACCESS_ARM_TOKEN".to_string(),
                    Endpoint::Graph => "set KVACCESS_GRAPH_TOKEN (e.g. `az account get-access-token --resource-type ms-graph --query accessToken -o tsv`)".to_string(),
                    Endpoint::Vault => "set KVACCESS_VAULT_TOKEN (e.g. `az account get-access-token --resource https://vault.azure.net --query accessToken -o tsv`)".to_string(),
                },
            });
        };
        match tokio::time::timeout(self.timeout, cred.get_token(&[scope], None)).await {
            Ok(Ok(t)) => Ok(t.token),
            Ok(Err(e)) => Err(AuthError::Failed {
                credential: format!("{} for {}", self.description, plane.as_str()),
                message: one_line(&e.to_string()),
                hint: self.hint.clone(),
            }),
            Err(_) => Err(AuthError::Failed {
                credential: format!("{} for {}", self.description, plane.as_str()),
                message: format!("no token within {} s", self.timeout.as_secs()),
                hint: self.hint.clone(),
            }),
        }
    }

    /// Builds the credentials for `method`, reading variables through `env` (the process environment in
    /// [`Credentials::from_env`]). Nothing is contacted here; the first token request is.
    pub fn from_method(
        method: AuthMethod,
        cloud: &CloudConfig,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, AuthError> {
        let var = |k: &str| {
            env(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let hint = method.hint(cloud);
        let failed = |credential: &str, message: String| AuthError::Failed {
            credential: credential.to_string(),
            message,
            hint: hint.clone(),
        };
        let client_options = || ClientOptions {
            retry: RetryOptions::none(),
            cloud: Some(Arc::new(cloud.credential_cloud())),
            ..Default::default()
        };
        let env_sp = || -> Result<Arc<dyn TokenCredential>, String> {
            let missing: Vec<&str> = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"]
                .into_iter()
                .filter(|k| var(k).is_none())
                .collect();
            if !missing.is_empty() {
                let cert = if var("AZURE_CLIENT_CERTIFICATE_PATH").is_some() {
                    " (AZURE_CLIENT_CERTIFICATE_PATH is set, but certificate credentials are not supported: use a secret or workload identity)"
                } else {
                    ""
                };
                return Err(format!("{} not set{cert}", missing.join(", ")));
            }
            let tenant = var("AZURE_TENANT_ID").unwrap_or_default();
            let client = var("AZURE_CLIENT_ID").unwrap_or_default();
            let secret = var("AZURE_CLIENT_SECRET").unwrap_or_default();
            azure_identity::ClientSecretCredential::new(
                &tenant,
                client,
                Secret::new(secret),
                Some(azure_identity::ClientSecretCredentialOptions {
                    client_options: client_options(),
                }),
            )
            .map(|c| c as Arc<dyn TokenCredential>)
            .map_err(|e| one_line(&e.to_string()))
        };
        let workload = || -> Result<Arc<dyn TokenCredential>, String> {
            let missing: Vec<&str> = [
                "AZURE_TENANT_ID",
                "AZURE_CLIENT_ID",
                "AZURE_FEDERATED_TOKEN_FILE",
            ]
            .into_iter()
            .filter(|k| var(k).is_none())
            .collect();
            if !missing.is_empty() {
                return Err(format!("{} not set", missing.join(", ")));
            }
            azure_identity::WorkloadIdentityCredential::new(Some(
                azure_identity::WorkloadIdentityCredentialOptions {
                    credential_options: azure_identity::ClientAssertionCredentialOptions {
                        client_options: client_options(),
                    },
                    client_id: var("AZURE_CLIENT_ID"),
                    tenant_id: var("AZURE_TENANT_ID"),
                    token_file_path: var("AZURE_FEDERATED_TOKEN_FILE").map(Into::into),
                },
            ))
            .map(|c| c as Arc<dyn TokenCredential>)
            .map_err(|e| one_line(&e.to_string()))
        };
        let managed = || -> Result<Arc<dyn TokenCredential>, String> {
            azure_identity::ManagedIdentityCredential::new(Some(
                azure_identity::ManagedIdentityCredentialOptions {
                    user_assigned_id: var("AZURE_CLIENT_ID")
                        .map(azure_identity::UserAssignedId::ClientId),
                    client_options: client_options(),
                },
            ))
            .map(|c| CachingCredential::new(c) as Arc<dyn TokenCredential>)
            .map_err(|e| one_line(&e.to_string()))
        };
        let needs_https_login = |name: &str| -> Result<(), AuthError> {
            if cloud.login.scheme() != "https" {
                return Err(failed(
                    name,
                    format!(
                        "the login endpoint {} is not https; Entra ID credentials need https (use --auth token against a local endpoint)",
                        cloud.login
                    ),
                ));
            }
            Ok(())
        };
        let creds = match method {
            AuthMethod::Token => {
                let token = |k: &str| {
                    var(k).map(|t| FixedTokenCredential::new(t) as Arc<dyn TokenCredential>)
                };
                let arm = token("KVACCESS_ARM_TOKEN").ok_or_else(|| {
                    failed(
                        "pre-issued tokens",
                        "KVACCESS_ARM_TOKEN is not set".to_string(),
                    )
                })?;
                let mut c = Self::per_plane(
                    Some(arm),
                    token("KVACCESS_GRAPH_TOKEN"),
                    token("KVACCESS_VAULT_TOKEN"),
                    "pre-issued tokens (KVACCESS_*_TOKEN)",
                );
                c.method = AuthMethod::Token;
                c
            }
            AuthMethod::Env => {
                needs_https_login("environment service principal")?;
                let c = env_sp().map_err(|m| failed("environment service principal", m))?;
                Self::single(
                    c,
                    "environment service principal (AZURE_CLIENT_ID/AZURE_CLIENT_SECRET)",
                )
            }
            AuthMethod::WorkloadIdentity => {
                needs_https_login("workload identity")?;
                let c = workload().map_err(|m| failed("workload identity", m))?;
                Self::single(c, "workload identity (AZURE_FEDERATED_TOKEN_FILE)")
            }
            AuthMethod::ManagedIdentity => {
                needs_https_login("managed identity")?;
                let c = managed().map_err(|m| failed("managed identity", m))?;
                Self::single(c, "managed identity")
            }
            AuthMethod::Cli => {
                let c = azure_identity::AzureCliCredential::new(None)
                    .map_err(|e| failed("Azure CLI", one_line(&e.to_string())))?;
                Self::single(CachingCredential::new(c), "Azure CLI (az login)")
            }
            AuthMethod::Default => {
                let https = cloud.login.scheme() == "https";
                let not_https = || format!("login endpoint {} is not https", cloud.login);
                let mut links = vec![
                    ChainLink {
                        name: "environment service principal".into(),
                        credential: if https { env_sp() } else { Err(not_https()) },
                        timeout: Duration::from_secs(60),
                    },
                    ChainLink {
                        name: "workload identity".into(),
                        credential: if https { workload() } else { Err(not_https()) },
                        timeout: Duration::from_secs(60),
                    },
                    ChainLink {
                        name: "managed identity".into(),
                        credential: if https { managed() } else { Err(not_https()) },
                        // Off Azure, the metadata endpoint does not answer: do not make the user wait.
                        timeout: Duration::from_secs(3),
                    },
                ];
                links.push(ChainLink {
                    name: "developer tools (az, azd)".into(),
                    credential: azure_identity::DeveloperToolsCredential::new(None)
                        .map(|c| c as Arc<dyn TokenCredential>)
                        .map_err(|e| one_line(&e.to_string())),
                    timeout: Duration::from_secs(90),
                });
                // Tokens from whichever link works are cached, so the chain runs once per scope.
                Self::single(
                    CachingCredential::new(ChainCredential::new(links)),
                    "default credential chain (environment, workload identity, managed identity, az/azd)",
                )
            }
        };
        Ok(Self {
            method,
            hint,
            ..creds
        })
    }

    /// [`Credentials::from_method`] with the process environment.
    pub fn from_env(method: AuthMethod, cloud: &CloudConfig) -> Result<Self, AuthError> {
        Self::from_method(method, cloud, &|k| std::env::var(k).ok())
    }
}

#[cfg(test)]
mod tests;
