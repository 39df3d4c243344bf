//! Artifacts: a ready zip, a directory packaged reproducibly, an S3 object, or an image.
//!
//! `CodeSha256` is the base64 of the SHA-256 of the zip, exactly as Lambda reports it,
//! so a freshly packaged directory compares equal to the live function when nothing
//! changed.
//!
//! In: a validated [`Model`](crate::model::Model) (its `ArtifactSource`s). Out: the
//! planner's [`Artifacts`] from [`digest_all`], and at upload time the bytes of one
//! artifact as a [`Package`] ([`read_zip`], [`package_dir`], [`load_package`]). This
//! module reads files only; it never calls Lambda or S3. Packages uploaded to S3 first
//! ([`package_dir_to_file`]) may be up to 250 MB instead of 50 MB.

mod digest;
mod error;
mod files;
mod hash;
mod package;
mod walk;
mod zipfile;

pub use digest::{digest_all, load_package};
pub use error::{ArtifactError, ArtifactErrors, FunctionArtifactError};
pub use files::{FileListError, diff_files, zip_files};
pub use flotilla_cloud::limits::{MAX_UNZIPPED_BYTES, MAX_ZIP_BYTES, zip_limit};
pub use hash::hash_file;
pub use package::{package_dir, package_dir_to_file};
pub use zipfile::{digest_zip, read_zip};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::FunctionKey;

/// What the planner needs to know about one function's artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ArtifactDigest {
    /// A zip to upload directly (from `zip:` or a packaged `dir:`).
    Zip {
        /// Base64 SHA-256 of the zip (Lambda's `CodeSha256`).
        code_sha256: String,
        /// Size of the zip in bytes.
        size: u64,
    },
    /// An S3 object passed through.
    S3 {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// Object version.
        version: Option<String>,
        /// Base64 SHA-256 the user supplied, if any; without it the code cannot be
        /// compared and is always updated.
        code_sha256: Option<String>,
    },
    /// A container image.
    Image {
        /// Image URI as written (tag or `@sha256:` digest).
        uri: String,
    },
}

/// Digests of every function's artifact, by function key.
pub type Artifacts = BTreeMap<FunctionKey, ArtifactDigest>;

/// A zip ready to upload, with its digest.
#[derive(Clone, PartialEq, Eq)]
pub struct Package {
    /// The zip's bytes.
    pub bytes: Vec<u8>,
    /// Base64 SHA-256 of `bytes` (Lambda's `CodeSha256`).
    pub code_sha256: String,
    /// `bytes.len()`.
    pub size: u64,
}

impl Package {
    /// The digest the planner compares, matching what [`digest_all`] computed.
    pub fn digest(&self) -> ArtifactDigest {
        ArtifactDigest::Zip {
            code_sha256: self.code_sha256.clone(),
            size: self.size,
        }
    }
}

// Bytes are left out: a 50 MB dump helps nobody reading a log.
impl std::fmt::Debug for Package {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Package")
            .field("code_sha256", &self.code_sha256)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}
