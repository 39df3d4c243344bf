//! Credentials of an assumed role: aws-config's STS `AssumeRoleProvider` on top of the
//! base credential chain, with failures that name the role and the environment.
//!
//! One [`RoleCredentials`] serves every region of an account; the SDK's shared identity
//! cache holds (and refreshes before expiry) what it returns. A refusal from STS
//! (AccessDenied, an unknown role, a bad external ID) is remembered, so a fleet of
//! parallel calls gets one STS call and one clear error, not a storm of retries.

use std::sync::{Mutex, PoisonError};

use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, future};
use aws_sdk_lambda::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sts::operation::assume_role::AssumeRoleError;

use super::sdk_error::chain;
use crate::iam::AssumeRole;

/// Why a role could not be assumed. Never holds credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot assume role {role_arn} (session `{session_name}`){for_env}: {reason}")]
pub(crate) struct AssumeRoleFailure {
    pub role_arn: String,
    pub session_name: String,
    /// ` for environment `NAME``, or empty.
    pub for_env: String,
    /// STS's code and message, or what went wrong on the way to it.
    pub reason: String,
    /// A 5xx, throttling, a timeout or a lost connection: worth retrying later.
    pub transient: bool,
}

/// The credentials of one role, for every region of its account.
#[derive(Debug)]
pub(crate) struct RoleCredentials {
    provider: AssumeRoleProvider,
    failure: AssumeRoleFailure,
    /// A refusal that retrying will not change.
    refused: Mutex<Option<AssumeRoleFailure>>,
}

impl RoleCredentials {
    /// Credentials for `role`, assumed with the base credentials, region and endpoint
    /// of `base` (`AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL` apply, as for any client).
    pub(crate) async fn new(
        role: &AssumeRole,
        environment: Option<&str>,
        base: &aws_config::SdkConfig,
        region: &str,
    ) -> Self {
        let mut builder = AssumeRoleProvider::builder(role.role_arn.as_str())
            .session_name(&role.session_name)
            .configure(base);
        if base.region().is_none() {
            builder = builder.region(aws_config::Region::new(region.to_owned()));
        }
        if let Some(id) = &role.external_id {
            builder = builder.external_id(id);
        }
        RoleCredentials {
            provider: builder.build().await,
            failure: AssumeRoleFailure {
                role_arn: role.role_arn.to_string(),
                session_name: role.session_name.clone(),
                for_env: environment
                    .map(|e| format!(" for environment `{e}`"))
                    .unwrap_or_default(),
                reason: String::new(),
                transient: false,
            },
            refused: Mutex::new(None),
        }
    }

    async fn credentials(&self) -> aws_credential_types::provider::Result {
        let remembered = self
            .refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(refusal) = remembered {
            return Err(CredentialsError::provider_error(refusal));
        }
        let err = match self.provider.provide_credentials().await {
            Ok(creds) => return Ok(creds),
            Err(err) => err,
        };
        let (reason, transient) = explain(&err);
        let failure = AssumeRoleFailure {
            reason,
            transient,
            ..self.failure.clone()
        };
        if !transient {
            *self.refused.lock().unwrap_or_else(PoisonError::into_inner) = Some(failure.clone());
        }
        Err(CredentialsError::provider_error(failure))
    }
}

impl ProvideCredentials for RoleCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.credentials())
    }
}

/// STS's own code and message when it answered, else the whole chain; and whether it is
/// worth retrying.
fn explain(err: &CredentialsError) -> (String, bool) {
    match chain(err).find_map(|e| e.downcast_ref::<SdkError<AssumeRoleError>>()) {
        Some(sdk) => explain_sdk(sdk),
        None => (DisplayErrorContext(err).to_string(), false),
    }
}

fn explain_sdk(err: &SdkError<AssumeRoleError>) -> (String, bool) {
    match err {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let code = ctx.err().code().unwrap_or("HTTP error");
            let message = ctx.err().message().unwrap_or_default();
            let transient = status >= 500 || code == "Throttling" || status == 429;
            (format!("{code} (HTTP {status}): {message}"), transient)
        }
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            (DisplayErrorContext(err).to_string(), true)
        }
        // No base credentials to call STS with is a configuration problem; a connection
        // that failed on the way may come back.
        SdkError::DispatchFailure(f) => {
            let no_base = super::sdk_error::credentials_error(err).is_some();
            (
                DisplayErrorContext(err).to_string(),
                !no_base && !f.is_user(),
            )
        }
        _ => (DisplayErrorContext(err).to_string(), false),
    }
}

/// The assume-role failure in an error's source chain, if any.
pub(crate) fn assume_role_failure<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a AssumeRoleFailure> {
    chain(err).find_map(|e| e.downcast_ref::<AssumeRoleFailure>())
}
