//! Where clients come from: one [`Connector`] per set of credentials.

use std::sync::Arc;

use async_trait::async_trait;

use crate::alarms::Alarms;
use crate::iam::AssumeRole;
use crate::lambda::LambdaApi;
use crate::s3::ObjectStore;

/// Makes the Lambda, S3 and CloudWatch clients of one set of credentials (the AWS SDK's, or the
/// emulator's).
#[async_trait]
pub trait Connector: Send + Sync {
    /// A Lambda client for `account` (`None`: the credentials' own) in `region`. The SDK
    /// reaches whatever account its credentials belong to; the emulator serves `account`.
    fn lambda(&self, account: Option<&str>, region: &str) -> Arc<dyn LambdaApi>;

    /// An S3 client for `region`.
    fn object_store(&self, region: &str) -> Arc<dyn ObjectStore>;

    /// A CloudWatch alarms client for `account` (as [`Connector::lambda`]) in `region`.
    fn alarms(&self, account: Option<&str>, region: &str) -> Arc<dyn Alarms>;

    /// The same connector with credentials of `role` (assumed through STS, cached and
    /// refreshed), with the session name of `environment`; `region` is where STS is
    /// called. `None` when this backend has no STS (the emulator ignores roles).
    async fn assuming(
        &self,
        role: &AssumeRole,
        environment: Option<&str>,
        region: &str,
    ) -> Option<Arc<dyn Connector>>;

    /// The account these credentials act in (STS `GetCallerIdentity`, called in
    /// `region`), so a caller can refuse to deploy one account's functions into another.
    /// `Ok(None)` when the backend serves whichever account it is asked for (the
    /// in-process emulator), so there is nothing to check.
    ///
    /// # Errors
    /// STS's answer or what went wrong on the way to it (never a credential).
    async fn caller_account(&self, region: &str) -> Result<Option<String>, CallerIdentityError>;
}

/// Why `GetCallerIdentity` gave no account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallerIdentityError {
    /// No answer: no credentials to sign with, or no connection. The first Lambda call
    /// meets the same and reports it with its own diagnosis.
    #[error("{0}")]
    Unreachable(String),
    /// STS answered with an error (or without an account).
    #[error("{0}")]
    Refused(String),
}
