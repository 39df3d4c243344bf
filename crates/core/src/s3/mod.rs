//! Uploads of large artifacts to S3, through the cloud seam's
//! [`ObjectStore`](flotilla_cloud::s3::ObjectStore).
//!
//! [`upload_file`] puts one zip at its content-addressed key: HeadObject first (an
//! object of the same size and SHA-256 is never uploaded again), then one PutObject
//! below the multipart threshold, or a multipart upload streamed from disk in parts,
//! a few at a time, aborted on failure. Transient failures are retried with the
//! function's retry policy.
//!
//! In: a file on disk and its [`UploadTarget`](crate::plan::UploadTarget). Out: an
//! [`UploadReport`] (skipped or uploaded, bytes, parts). S3 calls are not Lambda calls:
//! nothing here touches the Lambda rate limiter.

mod upload;

pub use flotilla_cloud::s3::{CompletedPart, ObjectInfo, ObjectStore, S3Error, SHA256_METADATA};
pub use upload::{UploadOptions, UploadProgress, UploadReport, upload_file};
