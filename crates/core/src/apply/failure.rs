//! Why a function failed, as data: `report.json` carries it tagged by `kind` so
//! consumers can branch on the cause, and [`Display`](std::fmt::Display) renders the
//! sentence the text table and progress lines show.
//!
//! A cause never carries a secret's value: at most the name of a variable or key.

use std::fmt;

use flotilla_cloud::lambda::{ApiError, FunctionInfo};
use schemars::JsonSchema;
use serde::Serialize;

/// What a failed function failed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FailureCause {
    /// A Lambda call failed with an error that is not retried.
    Api {
        /// Lambda operation, e.g. `UpdateFunctionCode`.
        operation: String,
        /// Error class: `fatal`, `not_found`, `conflict`, ...
        class: String,
        /// The API's error type (e.g. `InvalidParameterValueException`), for `fatal` errors.
        code: Option<String>,
        /// The error as the API reported it.
        message: String,
    },
    /// A Lambda call was retried until the attempts ran out.
    GaveUp {
        /// Lambda operation.
        operation: String,
        /// Attempts made.
        attempts: u32,
        /// Class of the last error.
        class: String,
        /// The last error.
        last: String,
    },
    /// Lambda reports the update failed (`LastUpdateStatus: Failed`).
    UpdateFailed {
        /// `LastUpdateStatusReasonCode`.
        reason_code: Option<String>,
        /// `LastUpdateStatusReason`.
        reason: Option<String>,
    },
    /// The function's `State` is `Failed`.
    FunctionFailed {
        /// `StateReasonCode`.
        reason_code: Option<String>,
        /// `StateReason`.
        reason: Option<String>,
    },
    /// A wait did not reach its goal before the timeout.
    TimedOut {
        /// What was awaited, in words.
        waiting_for: String,
        /// The wait's timeout, in milliseconds.
        timeout_ms: u64,
        /// The last state read, in words.
        last_seen: String,
    },
    /// `GetFunction` failed for good while waiting.
    WaitFailed {
        /// What was awaited, in words.
        waiting_for: String,
        /// Error class.
        class: String,
        /// The error.
        message: String,
    },
    /// An update Lambda reported successful, but the function does not show the new
    /// values (the endpoint ignored them).
    NotApplied {
        /// Lambda operation.
        operation: String,
        /// Fields that did not change.
        fields: Vec<String>,
    },
    /// The environment variable holding a sensitive value is not set at apply time.
    SecretMissing {
        /// The environment variable to set (its name, never a value).
        variable: String,
        /// The function's environment key it feeds.
        key: String,
    },
    /// A sensitive value was written inline in the manifest and the plan does not carry it.
    SecretInline {
        /// The function's environment key.
        key: String,
    },
    /// The function's code could not be prepared (read, packaged or uploaded).
    Code {
        /// Function key.
        function: String,
        /// What went wrong.
        message: String,
    },
    /// A step needing code ran without code prepared (a bug).
    NoCode,
    /// An alias step had no version published in this run to point at.
    NoPublishedVersion {
        /// The alias.
        alias: String,
    },
    /// No Lambda client could be made for the function's account and region.
    NoClient {
        /// Region.
        region: String,
        /// Why.
        message: String,
    },
    /// The smoke invoke of the new version failed: a function error, or a response
    /// other than the one expected. No traffic moved.
    SmokeFailed {
        /// The version invoked.
        version: String,
        /// What went wrong, in words (the response cut short).
        message: String,
    },
    /// An alarm the rollout watches went into `ALARM`.
    Alarm {
        /// The alarm's name.
        alarm: String,
        /// CloudWatch's `StateReason`.
        reason: String,
        /// The new version's share when it fired.
        percent: u8,
    },
    /// The alarms could not be read, or one of them does not exist.
    AlarmsUnreadable {
        /// What went wrong.
        message: String,
    },
    /// Rollback refused the function.
    Refused {
        /// Why.
        reason: String,
    },
    /// Rollback planned the move but it was not run.
    NotRun,
    /// An event source mapping did not settle as the trigger wants: it ended
    /// `Disabled` with a problem, or Lambda reports one.
    TriggerFailed {
        /// The trigger's name (or the source, for a mapping being deleted).
        trigger: String,
        /// The mapping's `UUID`.
        uuid: String,
        /// Its `State`.
        state: String,
        /// `StateTransitionReason` or `LastProcessingResult`.
        reason: String,
    },
    /// Lambda reports the alias's provisioned concurrency allocation `FAILED`.
    ProvisionedConcurrencyFailed {
        /// The alias.
        alias: String,
        /// Lambda's `StatusReason`.
        reason: Option<String>,
    },
}

impl FailureCause {
    /// A call to `operation` failed with `err`, not retried.
    pub(crate) fn api(operation: &str, err: &ApiError) -> Self {
        FailureCause::Api {
            operation: operation.to_owned(),
            class: err.class().to_owned(),
            code: match err {
                ApiError::Fatal { code, .. } => Some(code.clone()),
                _ => None,
            },
            message: err.to_string(),
        }
    }

    /// `operation` used up `attempts` attempts; `err` was the last error.
    pub(crate) fn gave_up(operation: &str, attempts: u32, err: &ApiError) -> Self {
        FailureCause::GaveUp {
            operation: operation.to_owned(),
            attempts,
            class: err.class().to_owned(),
            last: err.to_string(),
        }
    }

    /// The failed update `info` reports.
    pub(crate) fn update_failed(info: &FunctionInfo) -> Self {
        FailureCause::UpdateFailed {
            reason_code: info.last_update_status_reason_code.clone(),
            reason: info.last_update_status_reason.clone(),
        }
    }

    /// The failed state `info` reports.
    pub(crate) fn function_failed(info: &FunctionInfo) -> Self {
        FailureCause::FunctionFailed {
            reason_code: info.state_reason_code.clone(),
            reason: info.state_reason.clone(),
        }
    }

    /// The `kind` tag, as in `report.json`.
    pub fn kind(&self) -> &'static str {
        match self {
            FailureCause::Api { .. } => "api",
            FailureCause::GaveUp { .. } => "gave_up",
            FailureCause::UpdateFailed { .. } => "update_failed",
            FailureCause::FunctionFailed { .. } => "function_failed",
            FailureCause::TimedOut { .. } => "timed_out",
            FailureCause::WaitFailed { .. } => "wait_failed",
            FailureCause::NotApplied { .. } => "not_applied",
            FailureCause::SecretMissing { .. } => "secret_missing",
            FailureCause::SecretInline { .. } => "secret_inline",
            FailureCause::Code { .. } => "code",
            FailureCause::NoCode => "no_code",
            FailureCause::NoPublishedVersion { .. } => "no_published_version",
            FailureCause::NoClient { .. } => "no_client",
            FailureCause::SmokeFailed { .. } => "smoke_failed",
            FailureCause::Alarm { .. } => "alarm",
            FailureCause::AlarmsUnreadable { .. } => "alarms_unreadable",
            FailureCause::Refused { .. } => "refused",
            FailureCause::NotRun => "not_run",
            FailureCause::TriggerFailed { .. } => "trigger_failed",
            FailureCause::ProvisionedConcurrencyFailed { .. } => "provisioned_concurrency_failed",
        }
    }
}

fn or_none(reason: Option<&String>) -> &str {
    reason.map_or("no reason given", String::as_str)
}

impl fmt::Display for FailureCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailureCause::Api {
                operation, message, ..
            } => write!(f, "{operation}: {message}"),
            FailureCause::GaveUp {
                operation,
                attempts,
                last,
                ..
            } => write!(
                f,
                "{operation}: gave up after {attempts} attempts; last error: {last}"
            ),
            FailureCause::UpdateFailed { reason, .. } => {
                write!(f, "update failed: {}", or_none(reason.as_ref()))
            }
            FailureCause::FunctionFailed { reason, .. } => {
                write!(f, "function state is Failed: {}", or_none(reason.as_ref()))
            }
            FailureCause::TimedOut {
                waiting_for,
                timeout_ms,
                last_seen,
            } => {
                // Precision loss only past 2^52 ms.
                #[allow(clippy::cast_precision_loss)]
                let secs = *timeout_ms as f64 / 1000.0;
                write!(
                    f,
                    "timed out after {secs:.1}s waiting for {waiting_for} (last seen: {last_seen})"
                )
            }
            FailureCause::WaitFailed {
                waiting_for,
                message,
                ..
            } => write!(f, "GetFunction while waiting for {waiting_for}: {message}"),
            FailureCause::NotApplied { operation, fields } => write!(
                f,
                "{operation} finished, but the function does not show the new {}: the endpoint ignored it",
                fields.join(", ")
            ),
            FailureCause::SecretMissing { variable, key } => write!(
                f,
                "environment variable `{variable}` (the sensitive value of `{key}`) is not set at apply time"
            ),
            FailureCause::SecretInline { key } => write!(
                f,
                "sensitive value of `{key}` was written inline in the manifest, and a plan never carries secrets; write it as `{{ from_env: VAR, sensitive: true }}` or apply in the same run as plan"
            ),
            FailureCause::Code { function, message } => {
                write!(f, "code for `{function}`: {message}")
            }
            FailureCause::NoCode => f.write_str("no code was prepared for this step"),
            FailureCause::NoPublishedVersion { alias } => write!(
                f,
                "alias `{alias}`: no version was published in this run, so there is nothing to point it at"
            ),
            FailureCause::NoClient { region, message } => {
                write!(f, "no Lambda client for region {region}: {message}")
            }
            FailureCause::SmokeFailed { version, message } => {
                write!(f, "smoke invoke of version {version} failed: {message}")
            }
            FailureCause::Alarm {
                alarm,
                reason,
                percent,
            } => write!(
                f,
                "alarm `{alarm}` is in ALARM with {percent}% of the traffic on the new version: {reason}"
            ),
            FailureCause::AlarmsUnreadable { message } => {
                write!(f, "the rollout's alarms could not be read: {message}")
            }
            FailureCause::Refused { reason } => f.write_str(reason),
            FailureCause::NotRun => f.write_str("the move was not run"),
            FailureCause::TriggerFailed {
                trigger,
                uuid,
                state,
                reason,
            } => write!(
                f,
                "trigger `{trigger}` (mapping {uuid}) is {state}: {reason}"
            ),
            FailureCause::ProvisionedConcurrencyFailed { alias, reason } => write!(
                f,
                "provisioned concurrency on alias `{alias}` failed: {}",
                or_none(reason.as_ref())
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_tagged_and_displays_the_old_sentence() {
        let c = FailureCause::gave_up(
            "UpdateFunctionCode",
            3,
            &ApiError::Transient {
                message: "boom".into(),
            },
        );
        let json = serde_json::to_value(&c).expect("serialises");
        assert_eq!(json["kind"], "gave_up");
        assert_eq!(json["kind"], c.kind());
        assert_eq!(json["attempts"], 3);
        assert_eq!(
            c.to_string(),
            "UpdateFunctionCode: gave up after 3 attempts; last error: transient failure: boom"
        );
    }
}
