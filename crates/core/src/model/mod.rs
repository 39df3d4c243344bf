//! The validated `Model` of a manifest: newtypes that cannot hold invalid values, and
//! validation that collects every error with its YAML span.
//!
//! Data enters through [`load`] (a path and [`LoadOptions`]) and leaves as a [`Model`]
//! or a [`ManifestError`] listing every problem.

pub mod around_async;
pub mod around_triggers;
mod artifact_check;
mod assume_role;
mod code_signing;
mod env_vars;
mod error;
mod function_options;
mod function_structured;
pub mod function_url;
mod graph;
mod layer_ref;
mod layers;
mod load;
mod ownership;
pub mod permissions;
mod policies;
mod provisioned;
mod redact;
mod report;
pub mod rollout;
mod types;
mod validate;

pub(crate) use env_vars::valid_env_key;
pub use env_vars::{MAX_ENVIRONMENT_BYTES, MAX_LAYERS, is_reserved_env_key};
pub use error::{ErrorKind, ManifestError, Problem};
pub use layer_ref::LayerRef;
pub use load::{Checked, EnvLookup, LoadOptions, Source, load};
pub use ownership::{
    DEFAULT_ENV, ENV_TAG, MANIFEST_TAG, MAX_TAG_VALUE, Ownership, RESERVED_TAG_PREFIX,
    default_identity, is_tag_value_char,
};
pub use report::DiagnosticRecord;
pub use types::*;
