//! The S3 seam: large artifacts are uploaded to S3 and Lambda reads them from there.
//!
//! [`ObjectStore`] is the crate's own trait over the handful of S3 calls an upload
//! needs, with crate-owned types and a classified [`S3Error`]; `sdk.rs` (feature `sdk`)
//! is the only file that imports `aws_sdk_s3`, and the emulator implements the trait in
//! process. S3 calls are not Lambda calls: they do not count against Lambda's quotas.

mod error;
#[cfg(feature = "sdk")]
mod sdk;
mod store;

pub use error::S3Error;
#[cfg(feature = "sdk")]
pub use sdk::SdkS3;
pub use store::{CompletedPart, ObjectInfo, ObjectStore, SHA256_METADATA};
