//! Artifacts: a ready zip, a directory packaged reproducibly, an S3 object, or an image.
//!
//! `CodeSha256` is the base64 of the SHA-256 of the zip, exactly as Lambda reports it,
//! so a freshly packaged directory compares equal to the live function when nothing
//! changed. (Packaging and hashing come with the plan work.)

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
