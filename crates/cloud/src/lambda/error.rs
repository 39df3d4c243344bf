//! The classified error every `LambdaApi` call returns.
//!
//! The engine's retry policy matches on the class, never on message text.

use std::time::Duration;

/// A failed Lambda API call, classified by what the caller should do about it.
#[derive(Debug, Clone, PartialEq, thiserror::Error, miette::Diagnostic)]
pub enum ApiError {
    /// 404 `ResourceNotFoundException`.
    #[error("not found: {message}")]
    NotFound {
        /// The API's message.
        message: String,
    },
    /// 409 `ResourceConflictException` (an update is in progress, or the resource exists).
    #[error("conflict: {message}")]
    #[diagnostic(help(
        "another update of this function is running; wait until it is stable and retry"
    ))]
    Conflict {
        /// The API's message.
        message: String,
    },
    /// 409 `ResourceConflictException` saying the resource already exists ("Alias
    /// already exists", "Function already exist"): waiting will not make it go away.
    #[error("already exists: {message}")]
    #[diagnostic(help(
        "someone else created it since the plan; re-plan (`flotilla plan`) to take it into account"
    ))]
    AlreadyExists {
        /// The API's message.
        message: String,
    },
    /// 429 `TooManyRequestsException`.
    #[error("throttled: {message}")]
    #[diagnostic(help("lower the request rate (limits:) or retry after the given delay"))]
    Throttled {
        /// The `Retry-After` hint, when given.
        retry_after: Option<Duration>,
        /// The API's message.
        message: String,
    },
    /// 412 `PreconditionFailedException`: the `RevisionId` passed is stale.
    #[error("precondition failed: {message}")]
    #[diagnostic(help(
        "someone else changed the function since it was read; re-plan before applying"
    ))]
    PreconditionFailed {
        /// The API's message.
        message: String,
    },
    /// 5xx, timeouts and dropped connections. For a mutation the outcome is unknown.
    #[error("transient failure: {message}")]
    Transient {
        /// What happened.
        message: String,
    },
    /// Any other error (validation, access denied, ...): retrying will not help.
    #[error("{code}: {message}")]
    Fatal {
        /// The error type, such as `InvalidParameterValueException`.
        code: String,
        /// The API's message.
        message: String,
    },
}

impl ApiError {
    /// Classifies a 409 `ResourceConflictException` by its message: Lambda uses the
    /// one code both for "an update is in progress" (retry once stable) and for "the
    /// resource already exists" (permanent). This is the one place that reads the text.
    pub fn conflict(message: String) -> Self {
        if message.to_ascii_lowercase().contains("already exist") {
            ApiError::AlreadyExists { message }
        } else {
            ApiError::Conflict { message }
        }
    }

    /// A short class name for reports and counters.
    pub fn class(&self) -> &'static str {
        match self {
            ApiError::NotFound { .. } => "not_found",
            ApiError::Conflict { .. } => "conflict",
            ApiError::AlreadyExists { .. } => "already_exists",
            ApiError::Throttled { .. } => "throttled",
            ApiError::PreconditionFailed { .. } => "precondition_failed",
            ApiError::Transient { .. } => "transient",
            ApiError::Fatal { .. } => "fatal",
        }
    }
}
