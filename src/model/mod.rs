//! The validated `Model` of a manifest: newtypes that cannot hold invalid values, and
//! validation that collects every error with its YAML span.
//!
//! Data enters through [`load`] (a path and [`LoadOptions`]) and leaves as a [`Model`]
//! or a [`ManifestError`] listing every problem.

mod artifact_check;
mod assume_role;
mod env_vars;
mod error;
mod graph;
mod layer_ref;
mod layers;
mod load;
mod policies;
mod report;
mod types;
mod validate;

pub use env_vars::{MAX_ENVIRONMENT_BYTES, MAX_LAYERS, is_reserved_env_key};
pub use error::{ErrorKind, ManifestError, Problem};
pub use layer_ref::LayerRef;
pub use load::{Checked, EnvLookup, LoadOptions, Source, load};
pub use report::DiagnosticRecord;
pub use types::*;
