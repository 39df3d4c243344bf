//! The validated `Model` of a manifest: newtypes that cannot hold invalid values, and
//! (with the manifest work) validation that collects every error with its YAML span.

mod types;

pub use types::*;
