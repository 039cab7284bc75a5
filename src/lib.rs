//! kvaccess: who can do what on Azure Key Vault, on both planes, and why.
//!
//! The library is the whole engine; the `kvaccess` binary is a thin shell over it. Layers, lowest first
//! (outside tests, a module imports only from those above it in this list; see `docs/architecture.md`):
//! - [`sanitize`] strips terminal control characters from names that come from Azure, and escapes output;
//! - [`files`] reads input files (regular files only, bounded) and writes output files atomically;
//! - [`parallel`] spreads independent work over the cores (two tasks, two halves, a small pool), one-thread results;
//! - [`model`] is the vocabulary, data only: scopes, principals, roles and action patterns, vaults;
//! - [`error`] holds the library's error types, each naming the file, JSON path or scope at fault;
//! - [`catalog`] knows the operations and resolves both vocabularies (access-policy words, action strings);
//! - [`snapshot`] loads and saves the tenant snapshot file (format version 1), reporting every problem;
//! - [`eval`] decides one question with its evidence, purely; an [`eval::Engine`] owns its snapshot and index;
//! - [`display`] puts names and scopes into words, for the CLI and the explorer alike;
//! - [`suggest`] offers "did you mean" candidates for names that do not resolve;
//! - [`query`] asks the questions people ask: who can, what can, who can escalate, what can X reach;
//! - [`whatif`] applies hypothetical changes (change lists, Terraform plans, ARM what-if) to a copy of a
//!   snapshot and diffs the decisions;
//! - [`paths`] finds attack paths: who can *become* someone with access (run code as a managed identity,
//!   join a group, add a credential), each hop with its evidence;
//! - [`gate`] checks access rules written as code against a snapshot or a plan, for pull requests;
//! - [`activity`] reads Key Vault's audit logs: who did, beside who could, and the model check;
//! - [`synth`] generates deterministic synthetic tenants for benchmarks and tests;
//! - [`fetch`] reads a live tenant (ARM, Microsoft Graph, vault items) into a snapshot;
//! - [`azurehound`] reads an AzureHound collection into a snapshot, recording what such a file cannot hold;
//! - [`tour`] tells the demo tenant's story step by step, each claim asked of the engine (`kvaccess tour`, key `i`);
//! - [`cli`] is the command line: clap commands and text/JSON/CSV/Markdown output;
//! - [`tui`] is the explorer: one state, one update, a worker thread for heavy questions.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// A large tenant is millions of small strings and vectors, built, copied (what-if) and freed; mimalloc
/// does that markedly faster than the system allocator. Declared in the library so the binary, the tests
/// and the benchmarks all measure the same thing.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod activity;
pub mod azurehound;
pub mod catalog;
pub mod cli;
pub mod display;
pub mod error;
pub mod eval;
pub mod fetch;
pub mod files;
pub mod gate;
pub mod model;
pub mod parallel;
pub mod paths;
mod positions;
pub mod query;
pub mod sanitize;
pub mod snapshot;
pub mod suggest;
pub mod synth;
pub mod tour;
pub mod tui;
pub mod whatif;
