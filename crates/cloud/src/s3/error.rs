//! The classified error every [`ObjectStore`](super::ObjectStore) call returns.

use std::time::Duration;

/// A failed S3 call, classified by what the caller should do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum S3Error {
    /// The bucket does not exist.
    #[error("bucket `{bucket}` does not exist")]
    #[diagnostic(help(
        "create the bucket in the function's region first (Lambda reads code only from a bucket in its own region), or fix `upload.bucket`"
    ))]
    NoSuchBucket {
        /// The bucket.
        bucket: String,
    },
    /// 403: the credentials may not do this.
    #[error("access denied: {message}")]
    #[diagnostic(help(
        "the deploying credentials need s3:PutObject and s3:GetObject on the bucket (and s3:AbortMultipartUpload for large files)"
    ))]
    AccessDenied {
        /// S3's message.
        message: String,
    },
    /// 503 `SlowDown` and the like: back off and retry.
    #[error("throttled: {message}")]
    Throttled {
        /// A hint from the response, when given.
        retry_after: Option<Duration>,
        /// S3's message.
        message: String,
    },
    /// 5xx, timeouts and dropped connections: retrying may help.
    #[error("transient failure: {message}")]
    Transient {
        /// What happened.
        message: String,
    },
    /// Any other error: retrying will not help.
    #[error("{code}: {message}")]
    Fatal {
        /// S3's error code, such as `EntityTooSmall`.
        code: String,
        /// S3's message.
        message: String,
    },
}

impl S3Error {
    /// Whether another attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, S3Error::Throttled { .. } | S3Error::Transient { .. })
    }
}
