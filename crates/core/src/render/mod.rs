//! Renderers: a [`Plan`] as Terraform-like text, a Markdown PR comment, or JSON.
//!
//! Renderers decide nothing: every line they print comes from a plan step or the
//! desired configuration, through [`lines::function_lines`].

mod around_async;
mod around_triggers;
mod code_signing;
mod function_url;
pub mod lines;
mod markdown;
mod permissions;
mod roles;
mod text;

pub use markdown::{MARKDOWN_LIMIT, markdown};
pub use roles::role_lines;
pub use text::text;

use crate::plan::{Plan, PlanFile};

/// The plan as the JSON plan file (the same bytes `plan -o FILE` writes).
pub fn json(plan: &Plan) -> String {
    PlanFile::to_json(plan)
}
