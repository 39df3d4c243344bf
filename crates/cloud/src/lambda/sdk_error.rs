//! Turns any `aws-sdk-lambda` failure into the crate's classified [`ApiError`].
//!
//! One generic function serves every operation: it reads the error code from the
//! error metadata and the status and `Retry-After` header from the raw HTTP response,
//! so no operation needs its own error mapping.

use std::time::Duration;

use aws_sdk_lambda::config::http::HttpResponse;
use aws_sdk_lambda::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use super::ApiError;
use super::sdk_assume::assume_role_failure;

/// Classifies a failed SDK call.
pub(crate) fn classify<E>(err: SdkError<E, HttpResponse>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    // A role that cannot be assumed fails every call to its account the same way:
    // name the role and the environment, and retry only what may come back.
    if let Some(failure) = assume_role_failure(&err) {
        let message = failure.to_string();
        return if failure.transient {
            ApiError::Transient { message }
        } else {
            ApiError::Fatal {
                code: "AssumeRoleFailed".to_owned(),
                message,
            }
        };
    }
    match &err {
        SdkError::ServiceError(ctx) => {
            let raw = ctx.raw();
            let meta = ctx.err();
            let message = meta
                .message()
                .map(str::to_owned)
                .unwrap_or_else(|| DisplayErrorContext(meta).to_string());
            classify_response(
                raw.status().as_u16(),
                meta.code(),
                message,
                raw.headers().get("retry-after"),
            )
        }
        // The request may or may not have reached Lambda: the outcome is unknown and a
        // retry (after re-reading state) is the only sound reaction.
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => ApiError::Transient {
            message: DisplayErrorContext(&err).to_string(),
        },
        SdkError::DispatchFailure(failure) => dispatch_failure(&err, failure.is_user()),
        SdkError::ConstructionFailure(_) => ApiError::Fatal {
            code: "ConstructionFailure".to_owned(),
            message: DisplayErrorContext(&err).to_string(),
        },
        // `SdkError` is non-exhaustive; a new kind is safer reported than retried.
        _ => ApiError::Fatal {
            code: "Unknown".to_owned(),
            message: DisplayErrorContext(&err).to_string(),
        },
    }
}

/// A request that could not be sent (or whose connection failed on the way).
fn dispatch_failure(err: &(dyn std::error::Error + 'static), is_user: bool) -> ApiError {
    // No credentials (or a broken credential provider) will not fix itself within a
    // retry budget: say so at once instead of after every backoff.
    if let Some(message) = credentials_error(err) {
        return ApiError::Fatal {
            code: "CredentialsError".to_owned(),
            message,
        };
    }
    // Nothing listens there: the request never left, and retrying for a minute only
    // delays the answer (a wrong `--endpoint-url`, an emulator not started).
    if let Some(message) = connection_refused(err) {
        return ApiError::Fatal {
            code: "ConnectionRefused".to_owned(),
            message,
        };
    }
    let message = DisplayErrorContext(err).to_string();
    if is_user {
        ApiError::Fatal {
            code: "DispatchFailure".to_owned(),
            message,
        }
    } else {
        ApiError::Transient { message }
    }
}

/// `err` and every error below it in its source chain, outermost first.
pub(crate) fn chain<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(err), |e| e.source())
}

/// The credential provider's own explanation, when one is in the error's source chain
/// (no credentials found, an expired SSO session, a failing `credential_process`), with
/// the sources the chain looks at and how to set one. Names variables, never values.
pub(crate) fn credentials_error(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let c = chain(err).find_map(|e| {
        e.downcast_ref::<aws_credential_types::provider::error::CredentialsError>()
    })?;
    let mut message = format!("no usable AWS credentials: {c}");
    for inner in chain(c).skip(1) {
        let inner = inner.to_string();
        if !message.contains(&inner) {
            message.push_str(&format!(": {inner}"));
        }
    }
    let trimmed = message.trim_end_matches(['.', ' ']).len();
    message.truncate(trimmed);
    message.push_str(".\n");
    message.push_str(&credential_sources(&|name| std::env::var(name).ok()));
    Some(message)
}

/// The sources of the standard chain in the order it tries them, each with whether the
/// variables that select it are set (`var` reads one), and how to set one.
fn credential_sources(var: &dyn Fn(&str) -> Option<String>) -> String {
    let is_set = |name: &str| var(name).is_some();
    let state = |names: &[&str]| {
        let set: Vec<&str> = names.iter().copied().filter(|n| is_set(n)).collect();
        if set.is_empty() {
            format!("{} not set", names.join(", "))
        } else {
            format!("{} set", set.join(", "))
        }
    };
    let imds = if is_set("AWS_EC2_METADATA_DISABLED") {
        "skipped: AWS_EC2_METADATA_DISABLED is set".to_owned()
    } else {
        format!(
            "one attempt of {} s; set AWS_EC2_METADATA_DISABLED=true outside EC2",
            super::sdk::IMDS_TIMEOUT.as_secs()
        )
    };
    let profile = var("AWS_PROFILE").unwrap_or_else(|| "default".to_owned());
    let files = match (var("AWS_CONFIG_FILE"), var("AWS_SHARED_CREDENTIALS_FILE")) {
        (None, None) => "~/.aws/config and ~/.aws/credentials".to_owned(),
        (config, credentials) => format!(
            "{} and {}",
            config.unwrap_or_else(|| "~/.aws/config".to_owned()),
            credentials.unwrap_or_else(|| "~/.aws/credentials".to_owned())
        ),
    };
    format!(
        "  Tried in order:\n  1. environment: {}\n  2. profile `{profile}` in {files}\n  \
         3. web identity: {}\n  4. container credentials: {}\n  5. EC2 instance \
         metadata: {imds}\n  To set one: export AWS_ACCESS_KEY_ID and \
         AWS_SECRET_ACCESS_KEY, or AWS_PROFILE=NAME after `aws configure` or `aws sso \
         login`; in GitHub Actions use aws-actions/configure-aws-credentials",
        state(&["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]),
        state(&["AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"]),
        state(&[
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI"
        ]),
    )
}

/// The explanation when the TCP connection itself was refused.
fn connection_refused(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let io = chain(err)
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .find(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)?;
    Some(format!(
        "the endpoint refused the connection ({io}); is it running? Check \
         --endpoint-url, AWS_ENDPOINT_URL_LAMBDA and AWS_ENDPOINT_URL"
    ))
}

/// Classifies an error response by its modeled code first, then its HTTP status, so
/// proxies and emulators that get one of the two slightly wrong still land right.
pub(crate) fn classify_response(
    status: u16,
    code: Option<&str>,
    message: String,
    retry_after: Option<&str>,
) -> ApiError {
    match (code, status) {
        (Some("ResourceNotFoundException"), _) | (None, 404) => ApiError::NotFound { message },
        // GetProvisionedConcurrencyConfig on a qualifier with none configured.
        (Some("ProvisionedConcurrencyConfigNotFoundException"), _) => {
            ApiError::NotFound { message }
        }
        (Some("ResourceConflictException"), _) | (None, 409) => ApiError::conflict(message),
        (Some("TooManyRequestsException"), _) | (_, 429) => ApiError::Throttled {
            retry_after: retry_after.and_then(parse_retry_after),
            message,
        },
        (Some("PreconditionFailedException"), _) | (None, 412) => {
            ApiError::PreconditionFailed { message }
        }
        (_, 500..=599) => ApiError::Transient {
            message: match code {
                Some(code) => format!("{code} (HTTP {status}): {message}"),
                None => format!("HTTP {status}: {message}"),
            },
        },
        (Some(code), _) => ApiError::Fatal {
            code: code.to_owned(),
            message,
        },
        (None, _) => ApiError::Fatal {
            code: format!("HTTP {status}"),
            message,
        },
    }
}

/// Parses a `Retry-After` value given in seconds (Lambda never sends the HTTP-date
/// form; it and garbage yield `None`, which lets the engine use its own backoff).
fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    Duration::try_from_secs_f64(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg() -> String {
        "m".to_owned()
    }

    #[test]
    fn modeled_codes_win_over_status() {
        assert_eq!(
            classify_response(404, Some("ResourceNotFoundException"), msg(), None).class(),
            "not_found"
        );
        assert_eq!(
            classify_response(400, Some("ResourceConflictException"), msg(), None).class(),
            "conflict"
        );
        assert_eq!(
            classify_response(412, Some("PreconditionFailedException"), msg(), None).class(),
            "precondition_failed"
        );
        assert_eq!(
            classify_response(400, Some("InvalidParameterValueException"), msg(), None),
            ApiError::Fatal {
                code: "InvalidParameterValueException".to_owned(),
                message: msg()
            }
        );
    }

    #[test]
    fn status_decides_when_the_code_is_missing() {
        assert_eq!(
            classify_response(404, None, msg(), None).class(),
            "not_found"
        );
        assert_eq!(
            classify_response(409, None, msg(), None).class(),
            "conflict"
        );
        assert_eq!(
            classify_response(503, None, msg(), None).class(),
            "transient"
        );
        assert_eq!(
            classify_response(500, Some("ServiceException"), msg(), None).class(),
            "transient"
        );
        assert_eq!(
            classify_response(403, None, msg(), None),
            ApiError::Fatal {
                code: "HTTP 403".to_owned(),
                message: msg()
            }
        );
    }

    #[test]
    fn throttling_carries_retry_after_seconds() {
        assert_eq!(
            classify_response(429, Some("TooManyRequestsException"), msg(), Some("7")),
            ApiError::Throttled {
                retry_after: Some(Duration::from_secs(7)),
                message: msg()
            }
        );
        assert_eq!(
            classify_response(429, None, msg(), Some("0.5")),
            ApiError::Throttled {
                retry_after: Some(Duration::from_millis(500)),
                message: msg()
            }
        );
        for junk in ["-1", "soon", "Wed, 21 Oct 2015 07:28:00 GMT", "inf"] {
            assert_eq!(
                classify_response(429, None, msg(), Some(junk)),
                ApiError::Throttled {
                    retry_after: None,
                    message: msg()
                },
                "{junk}"
            );
        }
    }
}
