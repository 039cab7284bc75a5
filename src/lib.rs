//! kvaccess: who can do what on Azure Key Vault, on both planes, and why.
//!
//! The library is the whole engine; the `kvaccess` binary is a thin shell over it.
//! - [`snapshot`] loads and saves the tenant snapshot file (format version 1);
//! - [`activity`] reads Key Vault's audit logs: who did, beside who could, and the model check;
//! - [`catalog`] knows the operations and resolves both vocabularies (access-policy words, action strings);
//! - [`eval`] decides one question with its evidence, purely;
//! - [`query`] asks the questions people ask: who can, what can, who can escalate;
//! - [`synth`] generates deterministic synthetic tenants for benchmarks and tests;
//! - [`whatif`] applies hypothetical changes to a copy of a snapshot and diffs the decisions.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

/// A large tenant is millions of small strings and vectors, built, copied (what-if) and freed; mimalloc
/// does that markedly faster than the system allocator. Declared in the library so the binary, the tests
/// and the benchmarks all measure the same thing.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod activity;
pub mod catalog;
pub mod cli;
pub mod error;
pub mod eval;
pub mod fetch;
pub mod files;
pub mod model;
pub mod paths;
pub mod query;
pub mod sanitize;
pub mod snapshot;
pub mod synth;
pub mod tui;
pub mod whatif;
pub mod words;
