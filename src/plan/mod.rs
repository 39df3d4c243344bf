//! The plan: a pure diff of the validated `Model` against observed live state.
//!
//! [`plan()`] turns `Model` + `LiveState` + `Artifacts` into a [`Plan`] value without
//! I/O or a clock; renderers print it, `PlanFile` saves it, apply carries it out.

mod types;

pub use types::*;
mod diff;
mod planner;

pub use diff::{diff_config, diff_environment, fill_defaults};
pub use planner::{MANAGED_TAG_PREFIX, PlanError, plan};
