//! Provisioned concurrency on an alias or version: the crate's own shapes of
//! `GetProvisionedConcurrencyConfig` and `PutProvisionedConcurrencyConfig`.

use serde::{Deserialize, Serialize};

/// `Status` of a provisioned concurrency configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProvisionedStatus {
    /// `IN_PROGRESS`: Lambda is allocating (after a put, or after the alias moved).
    InProgress,
    /// `READY`: the requested environments are initialized.
    Ready,
    /// `FAILED`: the allocation failed; `StatusReason` says why.
    Failed,
    /// A status this crate does not know (waited on, never taken as done).
    Other(String),
}

impl ProvisionedStatus {
    /// Parses Lambda's spelling.
    pub fn from_api(s: &str) -> Self {
        match s {
            "IN_PROGRESS" => ProvisionedStatus::InProgress,
            "READY" => ProvisionedStatus::Ready,
            "FAILED" => ProvisionedStatus::Failed,
            other => ProvisionedStatus::Other(other.to_owned()),
        }
    }

    /// Lambda's spelling.
    pub fn as_api_str(&self) -> &str {
        match self {
            ProvisionedStatus::InProgress => "IN_PROGRESS",
            ProvisionedStatus::Ready => "READY",
            ProvisionedStatus::Failed => "FAILED",
            ProvisionedStatus::Other(s) => s,
        }
    }
}

/// One provisioned concurrency configuration, as `GetProvisionedConcurrencyConfig`
/// (or `PutProvisionedConcurrencyConfig`) reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionedConcurrencyInfo {
    /// `RequestedProvisionedConcurrentExecutions`.
    pub requested: u32,
    /// `AvailableProvisionedConcurrentExecutions`, when reported.
    pub available: Option<u32>,
    /// `AllocatedProvisionedConcurrentExecutions`, when reported.
    pub allocated: Option<u32>,
    /// `Status`; `None` when the endpoint omits it.
    pub status: Option<ProvisionedStatus>,
    /// `StatusReason` (set for `FAILED`).
    pub status_reason: Option<String>,
    /// `LastModified`, as Lambda formats it (ISO 8601).
    pub last_modified: Option<String>,
}
