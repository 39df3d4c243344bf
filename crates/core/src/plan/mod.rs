//! The plan: a pure diff of the validated `Model` against observed live state.
//!
//! [`plan()`] turns `Model` + `LiveState` + `Artifacts` into a [`Plan`] value without
//! I/O or a clock; renderers print it, [`PlanFile`] saves it (the only file access
//! here, kept thin), apply carries it out (resolving secrets from where the plan says
//! they live).

mod around_async;
pub mod around_triggers;
mod check;
mod code_signing;
mod diff;
mod file;
pub mod function_url;
pub mod permissions;
mod planner;
mod provisioned;
mod prune;
mod shard;

pub use shard::{DEFAULT_ACCOUNT_SHARD, shard_name};
mod types;

pub use check::check_plan;
pub(crate) use check::truncated as check_truncated;
pub use diff::{diff_config, diff_environment, fill_defaults};
pub use file::{PlanFile, PlanFileError};
pub(crate) use planner::desired_config;
pub use planner::{MANAGED_TAG_PREFIX, PlanError, plan, refuse_weighted_aliases};
pub use types::*;
