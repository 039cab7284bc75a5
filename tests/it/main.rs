//! The integration tests, one crate (as ripgrep does): one build and one link instead of one per file.
//! Each module is one subject; `support` (the mock Azure), `common` (what-if helpers), `scenarios` (the
//! scenario fixtures) and `tmux` (the terminal driver) are shared helpers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod activity;
mod activity_cli;
mod azurehound;
mod cli;
mod common;
mod consistency;
mod evaluator;
mod fetch_cli;
mod fetch_hops;
mod fetch_perimeters;
mod fetcher;
mod fuzz_targets;
mod gate_assert;
mod gate_docs;
mod gate_whatif;
mod hostile_fetch;
mod hostile_output;
mod module_map;
mod paths;
mod paths_from_grouped;
mod paths_golden;
mod paths_grouped;
mod paths_identities;
mod properties;
mod query_reference;
mod real_data;
mod reasons;
mod scenarios;
mod suggestions;
mod support;
mod tmux;
mod tour;
mod tui;
mod tui_activity;
mod tui_escalations;
mod tui_keymap;
mod tui_keys;
mod tui_layout;
mod tui_live;
mod tui_live_pty;
mod tui_matrix;
mod tui_nav;
mod tui_paths;
mod tui_pty;
mod tui_reach;
mod tui_triage;
mod tui_whatif;
mod tui_who_can;
mod whatif;
mod whatif_cli;
mod whatif_grouped;
mod whatif_memo;
mod whatif_props;
mod whatif_shared;
