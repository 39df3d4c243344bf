//! The S3 seam: large artifacts are uploaded to S3 and Lambda reads them from there.
//!
//! - [`ObjectStore`] is the crate's own trait over the handful of S3 calls an upload
//!   needs, with crate-owned types and a classified [`S3Error`]; `sdk.rs` is the only
//!   file that imports `aws_sdk_s3`, and the emulator implements the trait in process
//!   (`crate::sim::SimObjectStore`).
//! - [`upload_file`] puts one zip at its content-addressed key: HeadObject first (an
//!   object of the same size and SHA-256 is never uploaded again), then one PutObject
//!   below the multipart threshold, or a multipart upload streamed from disk in parts,
//!   a few at a time, aborted on failure. Transient failures are retried with the
//!   function's retry policy.
//!
//! In: a file on disk and its [`UploadTarget`](crate::plan::UploadTarget). Out: an
//! [`UploadReport`] (skipped or uploaded, bytes, parts). S3 calls are not Lambda calls:
//! nothing here touches the Lambda rate limiter.

mod error;
mod sdk;
mod store;
mod upload;

pub use error::S3Error;
pub use sdk::SdkS3;
pub use store::{CompletedPart, ObjectInfo, ObjectStore, SHA256_METADATA};
pub use upload::{UploadOptions, UploadProgress, UploadReport, upload_file};
