//! Flotilla deploys a fleet of AWS Lambda functions from one declarative YAML manifest.
//!
//! This crate is the engine. Data flows one way: `manifest` (raw YAML with spans) →
//! `model` (validated newtypes) → `plan` (pure diff against `observe`d live state) →
//! `apply` (scheduler that carries a plan out through the `flotilla_cloud` seam's
//! `LambdaApi`). `s3` uploads large artifacts through the seam's `ObjectStore` before
//! Lambda reads them. Every retried call (reads, mutations, uploads) backs off through the
//! one `retry` primitive. Nothing here imports an AWS SDK or an HTTP server: the caller hands
//! the engine a `Connector` (the SDK's, or the emulator's).
#![deny(missing_docs)]

pub mod apply;
pub mod artifact;
pub mod deploy;
pub mod import;
pub mod manifest;
pub mod model;
pub mod observe;
pub mod pace;
pub mod plan;
pub mod prune;
pub mod render;
pub mod retry;
pub mod rollback;
pub mod s3;
pub mod select;
pub mod status;

mod bounded_read;
#[cfg(test)]
mod module_graph;

pub(crate) use bounded_read::read_at_most;
