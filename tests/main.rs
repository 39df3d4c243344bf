//! Flotilla's integration tests, in one binary: the `flotilla` binary end to end, the
//! engine against the emulator in process and over HTTP, and the same suites against
//! third-party emulators. Tests that need the tools from `tests/tools/install.sh` are
//! `#[ignore]`d with that reason; `.ci/run` runs them with `--include-ignored`.
#![allow(clippy::unwrap_used)] // tests may unwrap

// Helpers shared by several test modules.
mod apply_common;
mod artifact_common;
mod compat_common;
mod e2e_support;
mod manifest_support;
mod plan_support;
#[path = "support/sdk_suite.rs"]
mod sdk_suite;
mod support;

mod accounts_cli;
mod accounts_ministack;
mod accounts_sim;
mod accounts_sts_errors;
mod action_install;
mod apply_chaos;
mod apply_sim;
mod artifact_digest;
mod artifact_limits;
mod artifact_package;
mod ci_workflow;
mod cli_completions;
mod cli_credentials;
mod cli_version;
mod compat_microburst;
mod compat_ministack;
mod compat_ministack_layers;
mod compat_ministack_triggers;
mod compat_moto;
mod docs_commands;
mod e2e_apply;
mod e2e_around_async;
mod e2e_code_signing;
mod e2e_fleet_settings;
mod e2e_function_url;
mod e2e_layers_images;
mod e2e_ops;
mod e2e_permissions;
mod e2e_plan;
mod e2e_provisioned;
mod e2e_prune;
mod e2e_releases;
mod e2e_rollout;
mod e2e_s3;
mod e2e_triggers;
mod function_url_ministack;
mod fuzz_findings;
mod fuzz_property;
mod import_ministack;
mod import_sim;
mod init_cli;
mod lambda_settings;
mod lambda_settings_ministack;
mod layers_resolve;
mod manifest_bad;
mod manifest_cli;
mod manifest_model;
mod manifest_schema;
mod plan_file;
mod plan_observe;
mod plan_planner;
mod plan_render;
mod prune_sim;
mod release_dist;
mod release_package;
mod report_schema;
mod rollback_sim;
mod rough_edges;
mod s3_ministack;
mod s3_upload;
mod sdk_errors;
mod sdk_microburst;
mod sdk_ministack;
mod sdk_moto;
mod select_git;
mod select_monorepo;
mod select_pure;
mod sim_cli;
mod sim_model;
mod sim_sdk;
mod target_safety;
