//! Where clients come from: one [`Connector`] per set of credentials.

use std::sync::Arc;

use async_trait::async_trait;

use crate::iam::AssumeRole;
use crate::lambda::LambdaApi;
use crate::s3::ObjectStore;

/// Makes the Lambda and S3 clients of one set of credentials (the AWS SDK's, or the
/// emulator's).
#[async_trait]
pub trait Connector: Send + Sync {
    /// A Lambda client for `account` (`None`: the credentials' own) in `region`. The SDK
    /// reaches whatever account its credentials belong to; the emulator serves `account`.
    fn lambda(&self, account: Option<&str>, region: &str) -> Arc<dyn LambdaApi>;

    /// An S3 client for `region`.
    fn object_store(&self, region: &str) -> Arc<dyn ObjectStore>;

    /// The same connector with credentials of `role` (assumed through STS, cached and
    /// refreshed), with the session name of `environment`; `region` is where STS is
    /// called. `None` when this backend has no STS (the emulator ignores roles).
    async fn assuming(
        &self,
        role: &AssumeRole,
        environment: Option<&str>,
        region: &str,
    ) -> Option<Arc<dyn Connector>>;
}
