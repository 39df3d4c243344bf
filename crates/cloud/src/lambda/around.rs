//! The resources around a function that have calls of their own: the asynchronous
//! invocation configuration (`PutFunctionEventInvokeConfig`), the recursive-loop
//! setting (`PutFunctionRecursionConfig`), runtime management
//! (`PutRuntimeManagementConfig`) and the code-signing configuration
//! (`PutFunctionCodeSigningConfig`). All of them are set on the unqualified function.
//!
//! The rules Lambda checks (bounds, destination services, ARN shapes) live here, so the
//! engine's validation and the emulator check the same thing.

use serde::{Deserialize, Serialize};

/// Lambda's default `MaximumRetryAttempts` for asynchronous invocations.
pub const DEFAULT_ASYNC_RETRIES: u32 = 2;
/// Lambda's default `MaximumEventAgeInSeconds` (6 hours).
pub const DEFAULT_ASYNC_MAX_AGE_SECS: u32 = 21_600;
/// Smallest `MaximumEventAgeInSeconds`.
pub const MIN_ASYNC_MAX_AGE_SECS: u32 = 60;
/// Largest `MaximumRetryAttempts`.
pub const MAX_ASYNC_RETRIES: u32 = 2;

/// A function's asynchronous invocation configuration (`FunctionEventInvokeConfig`).
///
/// `None` members are absent on Lambda's wire; [`EventInvokeConfig::filled`] puts
/// Lambda's defaults in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInvokeConfig {
    /// `MaximumRetryAttempts`, 0–2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// `MaximumEventAgeInSeconds`, 60–21600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_secs: Option<u32>,
    /// `DestinationConfig.OnSuccess.Destination`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_success: Option<String>,
    /// `DestinationConfig.OnFailure.Destination`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
}

impl EventInvokeConfig {
    /// The same configuration with Lambda's defaults in the members it leaves out (an
    /// empty destination counts as none).
    pub fn filled(&self) -> Self {
        Self {
            retries: Some(self.retries.unwrap_or(DEFAULT_ASYNC_RETRIES)),
            max_age_secs: Some(self.max_age_secs.unwrap_or(DEFAULT_ASYNC_MAX_AGE_SECS)),
            on_success: self.on_success.clone().filter(|s| !s.is_empty()),
            on_failure: self.on_failure.clone().filter(|s| !s.is_empty()),
        }
    }
}

/// Which end of an asynchronous invocation a destination receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DestinationKind {
    /// `OnSuccess`.
    OnSuccess,
    /// `OnFailure`.
    OnFailure,
}

/// Why a destination ARN is refused, in a sentence.
///
/// Lambda takes an SQS queue, an SNS topic, a Lambda function or an EventBridge event
/// bus for both ends, and an S3 bucket for `OnFailure` only.
pub fn destination_problem(arn: &str, kind: DestinationKind) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return Some("is not an ARN (`arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE`)".to_owned());
    };
    if *prefix != "arn" || !partition.starts_with("aws") || arn.len() > 350 {
        return Some("is not an ARN (`arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE`)".to_owned());
    }
    let regional = is_region(region) && is_account(account) && !resource.is_empty();
    let ok = match *service {
        "sqs" | "sns" => regional && !resource.contains(':') && !resource.contains('/'),
        "lambda" => {
            regional
                && resource
                    .strip_prefix("function:")
                    .is_some_and(|n| !n.is_empty())
        }
        "events" => {
            regional
                && resource
                    .strip_prefix("event-bus/")
                    .is_some_and(|n| !n.is_empty())
        }
        "s3" if kind == DestinationKind::OnFailure => {
            region.is_empty() && account.is_empty() && !resource.is_empty()
        }
        "s3" => {
            return Some(
                "is an S3 bucket, which Lambda takes only as an on-failure destination".to_owned(),
            );
        }
        _ => {
            return Some(format!(
                "names the service `{service}`: a destination is an SQS queue, an SNS topic, a Lambda function or an EventBridge event bus{}",
                if kind == DestinationKind::OnFailure {
                    ", or an S3 bucket"
                } else {
                    ""
                }
            ));
        }
    };
    (!ok).then(|| format!("is not a well-formed `{service}` ARN"))
}

/// The region of a destination ARN, when it names one (an S3 bucket's does not).
/// Lambda takes destinations in the function's own region only.
pub fn destination_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// A region code such as `eu-north-1` (`us-gov-west-1`, `eusc-de-east-1`).
pub fn is_region(s: &str) -> bool {
    let mut parts: Vec<&str> = s.split('-').collect();
    let Some(last) = parts.pop() else {
        return false;
    };
    last.len() == 1
        && last.bytes().all(|b| b.is_ascii_digit())
        && parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
}

/// A 12-digit account id.
pub fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// What Lambda does when it detects a recursive loop (`RecursiveLoop`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RecursiveLoop {
    /// `Allow`: the loop runs.
    Allow,
    /// `Terminate`: Lambda stops it (Lambda's default).
    #[default]
    Terminate,
}

impl RecursiveLoop {
    /// Lambda's spelling.
    pub fn as_api_str(self) -> &'static str {
        match self {
            RecursiveLoop::Allow => "Allow",
            RecursiveLoop::Terminate => "Terminate",
        }
    }

    /// Parses Lambda's spelling.
    pub fn from_api_str(s: &str) -> Option<Self> {
        match s {
            "Allow" => Some(RecursiveLoop::Allow),
            "Terminate" => Some(RecursiveLoop::Terminate),
            _ => None,
        }
    }
}

/// When a function's runtime is updated (`UpdateRuntimeOn`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum UpdateRuntimeOn {
    /// `Auto`: Lambda updates it (Lambda's default).
    #[default]
    Auto,
    /// `FunctionUpdate`: on the function's next code or configuration update.
    FunctionUpdate,
    /// `Manual`: it stays on the runtime version named.
    Manual,
}

impl UpdateRuntimeOn {
    /// Lambda's spelling.
    pub fn as_api_str(self) -> &'static str {
        match self {
            UpdateRuntimeOn::Auto => "Auto",
            UpdateRuntimeOn::FunctionUpdate => "FunctionUpdate",
            UpdateRuntimeOn::Manual => "Manual",
        }
    }

    /// Parses Lambda's spelling.
    pub fn from_api_str(s: &str) -> Option<Self> {
        match s {
            "Auto" => Some(UpdateRuntimeOn::Auto),
            "FunctionUpdate" => Some(UpdateRuntimeOn::FunctionUpdate),
            "Manual" => Some(UpdateRuntimeOn::Manual),
            _ => None,
        }
    }
}

/// A function's runtime management configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuntimeManagement {
    /// When the runtime is updated.
    pub update_on: UpdateRuntimeOn,
    /// The runtime version, with `manual` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_version_arn: Option<String>,
}

/// A runtime version ARN (`arn:aws:lambda:REGION::runtime:HASH`), as Lambda's model
/// spells it.
pub fn is_runtime_version_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(
        parts.as_slice(),
        ["arn", partition, "lambda", region, "", rest]
            if partition.starts_with("aws") && is_region(region)
                && rest.strip_prefix("runtime:").is_some_and(|h| !h.is_empty())
    ) && (26..=2048).contains(&arn.len())
}
